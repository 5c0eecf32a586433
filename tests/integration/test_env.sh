#!/bin/sh
# tests/integration/test_env.sh - the servers of tests/env do their jobs: push and fetch over
# git://, http://, https:// (CA-verified) and ssh:// (known host, ed25519 key); the webhook
# sink records what it receives and answers 500 under /fail/; the three docker-registry
# instances answer the registry API: anonymous over http, Basic over https (CA-verified), and
# Bearer with a token from tests/env/token-server (which refuses a wrong password), and https
# only with a client certificate.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GIT_SSH_COMMAND="ssh -i $CFLUX_SSH_IDENTITY -o UserKnownHostsFile=$CFLUX_SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes"
export GIT_SSL_CAINFO=$CFLUX_CA
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost
export GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost

repo=envtest-$$.git
git init -q --bare -b main "$CFLUX_GIT_REPOS/$repo"
git -C "$CFLUX_GIT_REPOS/$repo" config http.receivepack true
git -C "$CFLUX_GIT_REPOS/$repo" config daemon.receivepack true
git init -q -b main "$WORK/src"

for transport in GIT HTTP HTTPS SSH; do
	eval base=\$CFLUX_GIT_URL_$transport
	url=$base/$repo
	echo "$transport" > "$WORK/src/$transport"
	git -C "$WORK/src" add -A && git -C "$WORK/src" commit -qm "via $transport"
	want=$(git -C "$WORK/src" rev-parse HEAD)
	if ! git -C "$WORK/src" push -q "$url" main 2>"$WORK/err"; then
		ko "push_$transport" "$(cat "$WORK/err")"
		continue
	fi
	got=$(git ls-remote "$url" refs/heads/main 2>"$WORK/err" | cut -f1)
	if [ "$got" = "$want" ]; then ok "push_and_ls_remote_$transport"; else ko "push_and_ls_remote_$transport" "remote has '$got', want $want"; fi
	rm -rf "$WORK/clone"
	if git clone -q "$url" "$WORK/clone" 2>"$WORK/err" && [ -f "$WORK/clone/$transport" ]; then
		ok "clone_$transport"
	else
		ko "clone_$transport" "$(cat "$WORK/err")"
	fi
done

# an unknown host key is refused: the known_hosts check is real
if GIT_SSH_COMMAND="ssh -i $CFLUX_SSH_IDENTITY -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes" \
	git ls-remote "$CFLUX_GIT_URL_SSH/$repo" >/dev/null 2>&1; then
	ko ssh_unknown_host_refused "ls-remote succeeded without a known host key"
else
	ok ssh_unknown_host_refused
fi
# https without the CA is refused: the certificate check is real
if GIT_SSL_CAINFO=/dev/null git ls-remote "$CFLUX_GIT_URL_HTTPS/$repo" >/dev/null 2>&1; then
	ko https_untrusted_refused "ls-remote succeeded without the CA"
else
	ok https_untrusted_refused
fi

before=$(wc -l < "$CFLUX_SINK_LOG" 2>/dev/null || echo 0)
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H 'X-Signature: sha256=abc' -d '{"reason":"Test"}' "$CFLUX_SINK_URL/hook/one")
after=$(wc -l < "$CFLUX_SINK_LOG")
last=$(tail -n 1 "$CFLUX_SINK_LOG")
if [ "$code" = 200 ] && [ "$after" -eq $((before + 1)) ] && \
   echo "$last" | grep -q '"path":"/hook/one"' && echo "$last" | grep -q '"X-Signature":"sha256=abc"' && \
   echo "$last" | grep -q '"body":"{\\"reason\\":\\"Test\\"}"'; then
	ok sink_records_request
else
	ko sink_records_request "code $code, lines $before -> $after, last: $last"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "$CFLUX_SINK_URL/fail/down")
if [ "$code" = 500 ]; then ok sink_fail_path; else ko sink_fail_path "got HTTP $code"; fi

: "${CFLUX_REGISTRY:?} ${CFLUX_REGISTRY_TLS:?} ${CFLUX_REGISTRY_TOKEN:?}"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$CFLUX_REGISTRY/v2/")
if [ "$code" = 200 ]; then ok registry_anonymous; else ko registry_anonymous "got HTTP $code"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CFLUX_CA" "https://$CFLUX_REGISTRY_TLS/v2/")
code2=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CFLUX_CA" -u "$CFLUX_REGISTRY_USER:$CFLUX_REGISTRY_PASSWORD" \
	"https://$CFLUX_REGISTRY_TLS/v2/")
if [ "$code" = 401 ] && [ "$code2" = 200 ]; then ok registry_tls_basic; else ko registry_tls_basic "HTTP $code without, $code2 with credentials"; fi
challenge=$(curl -s -D - -o /dev/null "http://$CFLUX_REGISTRY_TOKEN/v2/" | tr -d '\r' | sed -n 's/^[Ww]ww-[Aa]uthenticate: //p')
realm=$(echo "$challenge" | sed -n 's/^Bearer realm="\([^"]*\)".*/\1/p')
token=$(curl -s -u "$CFLUX_REGISTRY_USER:$CFLUX_REGISTRY_PASSWORD" "$realm?service=cflux-registry" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://$CFLUX_REGISTRY_TOKEN/v2/")
bad=$(curl -s -o /dev/null -w '%{http_code}' -u "$CFLUX_REGISTRY_USER:wrong" "$realm?service=cflux-registry")
if [ -n "$token" ] && [ "$code" = 200 ] && [ "$bad" = 401 ]; then ok registry_token_bearer
else ko registry_token_bearer "challenge '$challenge', token ${token:+set}, HTTP $code with it, $bad with a wrong password"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CFLUX_CA" --cert "$CFLUX_CLIENT_CERT" --key "$CFLUX_CLIENT_KEY" \
	"https://$CFLUX_REGISTRY_MTLS/v2/")
if curl -s -o /dev/null --cacert "$CFLUX_CA" "https://$CFLUX_REGISTRY_MTLS/v2/"; then nocert=answered; else nocert=refused; fi
if [ "$code" = 200 ] && [ "$nocert" = refused ]; then ok registry_client_cert; else ko registry_client_cert "HTTP $code with a client certificate; without: $nocert"; fi

rm -rf "$CFLUX_GIT_REPOS/$repo"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
