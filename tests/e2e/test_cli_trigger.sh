#!/bin/sh
# tests/e2e/test_cli_trigger.sh - cflux trigger receiver against the real notification-controller
# (run with its install token) and the webhook sink: generic and generic-hmac Receivers annotate
# their GitRepository (requestedAt changes); a wrong token is a 404 (flux's error, exit 1), a
# missing signature a 401 that is not retried; --retries 0 against a closed port fails at once;
# 404 is retried until the Receiver exists; the path (with a base path in --url), headers, body
# and HMAC as the sink records them; 5xx retried; generic-oidc's Bearer from --oidc-token, the
# environment and the Actions token endpoint; flux's argument errors; no token in any log.
# cflux's notification-controller has no generic-oidc Receivers (its CRD's type enum lacks it),
# so generic-oidc is checked against the sink only.
set -u
. tests/lib.sh
. tests/e2e/secrets.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-trig-$$
WORK=$(mktemp -d)
PIDS=""
TOKEN=trig-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
OIDC=oidc-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
HOOK=http://127.0.0.1:17411
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null

receiver() {   # NAME TYPE: a Receiver of the GitRepository app, token from the Secret hook-token
	cat <<EOT
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: $1, namespace: $NS}
spec:
  type: $2
  secretRef: {name: hook-token}
  resources: [{kind: GitRepository, name: app}]
EOT
}
kubectl create -n "$NS" secret generic hook-token --from-literal=token="$TOKEN" >/dev/null
{
	cat <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app, namespace: $NS}
spec: {interval: 1h, url: "https://example.invalid/app.git", ref: {branch: main}}
---
EOT
	receiver gen generic
	echo ---
	receiver hmac generic-hmac
} | kubectl apply -f - >/dev/null || ko setup "could not apply the GitRepository and Receivers"

controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
bin/notification-controller --kubeconfig "$NC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--events-addr tcp://127.0.0.1:17412 --events-http-addr 127.0.0.1:17413 --receiver-addr 127.0.0.1:17411 \
	--metrics-addr 127.0.0.1:17414 --health-addr 127.0.0.1:17415 >"$WORK/notification-controller.log" 2>&1 &
PIDS="$PIDS $!"
cli_logged "$WORK"
C="$WORK/cflux -n $NS"

ready_is() {
	[ "$(kubectl -n "$NS" get receiver "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "$2" ]
}
requested_at() {
	kubectl -n "$NS" get gitrepository app -o jsonpath='{.metadata.annotations.reconcile\.fluxcd\.io/requestedAt}' 2>/dev/null
}
# changed_from OLD: requestedAt is set and differs from OLD
changed_from() { now=$(requested_at); [ -n "$now" ] && [ "$now" != "$1" ]; }
poll 60 ready_is gen True || ko setup "Receiver gen not Ready: $(tail -n 5 "$WORK/notification-controller.log")"
poll 60 ready_is hmac True || ko setup "Receiver hmac not Ready: $(tail -n 5 "$WORK/notification-controller.log")"

# the webhook path is flux's sha256(token + name + namespace), as status.webhookPath says
want=/hook/$(printf '%s%s%s' "$TOKEN" gen "$NS" | sha256sum | cut -d' ' -f1)
got=$(kubectl -n "$NS" get receiver gen -o jsonpath='{.status.webhookPath}')
if [ "$got" = "$want" ]; then ok webhook_path_is_flux; else ko webhook_path_is_flux "status.webhookPath $got, want $want"; fi

# generic: the controller annotates the GitRepository
before=$(requested_at)
expect generic_triggered 0 "Receiver $NS/gen triggered" $C trigger receiver gen --token "$TOKEN" --url "$HOOK" --retries 0
if poll 30 changed_from "$before"; then ok generic_annotates; else ko generic_annotates "requestedAt still '$(requested_at)'"; fi
expect generic_action_line 0 "triggering Receiver $NS/gen" $C trigger receiver gen --token "$TOKEN" --url "$HOOK/" --retries 0

# generic-hmac: signed with the token, the controller checks X-Signature
before=$(requested_at)
expect hmac_triggered 0 "Receiver $NS/hmac triggered" $C trigger receiver hmac --type generic-hmac --token "$TOKEN" --url "$HOOK" \
	--payload '{"image":"ghcr.io/org/app:v1.0.0"}' --retries 0
if poll 30 changed_from "$before"; then ok hmac_annotates; else ko hmac_annotates "requestedAt still '$(requested_at)'"; fi
# no signature: 401 from the controller, not retried (the default 10 retries would take 100 s)
start=$(date +%s)
expect hmac_unsigned_401 1 "failed with status 401 Unauthorized: invalid X-Signature" \
	$C trigger receiver hmac --type generic --token "$TOKEN" --url "$HOOK"
if [ $(( $(date +%s) - start )) -lt 5 ]; then ok hmac_401_not_retried; else ko hmac_401_not_retried "took $(( $(date +%s) - start )) s"; fi

# a wrong token names another path: 404, flux's words and exit 1; retried as often as asked
wrong_path=/hook/$(printf '%s%s%s' wrong gen "$NS" | sha256sum | cut -d' ' -f1)
expect wrong_token_404 1 "request to $HOOK$wrong_path failed with status 404 Not Found: no receiver at this path" \
	$C trigger receiver gen --token wrong --url "$HOOK" --retries 0
expect wrong_token_retried 1 "retrying in 100ms (2/2)" $C trigger receiver gen --token wrong --url "$HOOK" --retries 2 --retry-delay 100ms
out=$($C trigger receiver gen --token wrong --url "$HOOK" --retries 2 --retry-delay 100ms 2>&1)
n=$(printf '%s\n' "$out" | grep -c 'retrying in 100ms')
if [ "$n" -eq 2 ]; then ok wrong_token_two_retries; else ko wrong_token_two_retries "$n retry lines: $out"; fi

# --retries 0 against a closed port fails at once (the default delay is 10 s)
start=$(date +%s)
expect closed_port_fails 1 "request to http://127.0.0.1:17419/hook/.* failed: " $C trigger receiver gen --token "$TOKEN" --url http://127.0.0.1:17419 --retries 0
if [ $(( $(date +%s) - start )) -lt 5 ]; then ok closed_port_at_once; else ko closed_port_at_once "took $(( $(date +%s) - start )) s"; fi
expect closed_port_retried 1 "retrying in 100ms (1/1)" $C trigger receiver gen --token "$TOKEN" --url http://127.0.0.1:17419 --retries 1 --retry-delay 100ms

# 404 is retried: a Receiver that does not exist yet answers once the controller serves it
before=$(requested_at)
# (bin/cflux itself: the logging wrapper prints only once the command ends)
bin/cflux -n "$NS" trigger receiver late --token "$TOKEN" --url "$HOOK" --retries 100 --retry-delay 200ms >"$WORK/late.out" 2>&1 &
late=$!
PIDS="$PIDS $late"
if poll 30 grep -q "failed with status 404 Not Found.*retrying in 200ms (1/100)" "$WORK/late.out"; then
	ok late_404_retried
else
	ko late_404_retried "$(cat "$WORK/late.out")"
fi
receiver late generic | kubectl apply -f - >/dev/null || ko late_applied "kubectl apply failed"
wait "$late"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "Receiver $NS/late triggered" "$WORK/late.out"; then ok late_triggered_when_ready
else ko late_triggered_when_ready "exit $rc: $(tail -n 1 "$WORK/late.out"); Receiver: $(kubectl -n "$NS" get receiver late -o jsonpath='{.status}' 2>&1); controller: $(tail -n 8 "$WORK/notification-controller.log")"; fi
if poll 30 changed_from "$before"; then ok late_annotates; else ko late_annotates "requestedAt still '$(requested_at)'"; fi
cat "$WORK/late.out" >> "$WORK/cli.log"

# what is sent, as the sink records it: base path kept (trailing slash dropped), headers, body, HMAC
sink_last() {   # PATH-PREFIX: the sink's last request whose path starts so
	grep -F "\"path\": \"$1" "$CFLUX_SINK_LOG" | tail -n 1
}
payload='{"image":"ghcr.io/org/app:v1.0.0"}'
expect sink_hmac 0 "triggered" $C trigger receiver app --type generic-hmac --token "$TOKEN" --url "$CFLUX_SINK_URL/trig-$$/base/" --payload "$payload" --retries 0
line=$(jq -c "select(.path | startswith(\"/trig-$$/base/\"))" "$CFLUX_SINK_LOG" | tail -n 1)
want_path=/trig-$$/base/hook/$(printf '%s%s%s' "$TOKEN" app "$NS" | sha256sum | cut -d' ' -f1)
want_sig=sha256=$(printf '%s' "$payload" | openssl dgst -sha256 -hmac "$TOKEN" | sed 's/^.*= *//')
if [ "$(printf '%s' "$line" | jq -r .path)" = "$want_path" ]; then ok sink_path_with_base; else ko sink_path_with_base "$line, want $want_path"; fi
if [ "$(printf '%s' "$line" | jq -r .method)" = POST ]; then ok sink_post; else ko sink_post "$line"; fi
if [ "$(printf '%s' "$line" | jq -r .body)" = "$payload" ]; then ok sink_body; else ko sink_body "$line"; fi
if [ "$(printf '%s' "$line" | jq -r '.headers["X-Signature"]')" = "$want_sig" ]; then ok sink_hmac_signature; else ko sink_hmac_signature "$line, want $want_sig"; fi
if [ "$(printf '%s' "$line" | jq -r '.headers["Content-Type"]')" = application/json ]; then ok sink_content_type; else ko sink_content_type "$line"; fi
case $(printf '%s' "$line" | jq -r '.headers["User-Agent"]') in cflux/v*) ok sink_user_agent;; *) ko sink_user_agent "$line";; esac
expect sink_default_payload 0 "triggered" $C trigger receiver app --token "$TOKEN" --url "$CFLUX_SINK_URL/trig-$$/plain" --retries 0
if [ "$(jq -r "select(.path | startswith(\"/trig-$$/plain/\")) | .body" "$CFLUX_SINK_LOG" | tail -n 1)" = '{}' ]; then ok sink_body_default
else ko sink_body_default "$(sink_last "/trig-$$/plain/")"; fi
expect sink_503_retried 0 "retrying in 100ms (2/3)" $C trigger receiver app --token "$TOKEN" --url "$CFLUX_SINK_URL/flaky/503/2/trig-$$" --retries 3 --retry-delay 100ms
expect sink_400_not_retried 1 "failed with status 400 Bad Request" $C trigger receiver app --token "$TOKEN" --url "$CFLUX_SINK_URL/flaky/400/1/trig-$$" --retries 3 --retry-delay 100ms
expect retries_exhausted 1 "failed with status 500 Internal Server Error" $C trigger receiver app --token "$TOKEN" --url "$CFLUX_SINK_URL/fail/trig-$$" --retries 1 --retry-delay 100ms

# generic-oidc: no token in the path salt, the OIDC token as a Bearer
oidc_path=/trig-$$/oidc/hook/$(printf '%s%s' app "$NS" | sha256sum | cut -d' ' -f1)
expect oidc_flag 0 "triggered" $C trigger receiver app --type generic-oidc --oidc-token "$OIDC-flag" --url "$CFLUX_SINK_URL/trig-$$/oidc" --retries 0
line=$(jq -c "select(.path | startswith(\"/trig-$$/oidc/\"))" "$CFLUX_SINK_LOG" | tail -n 1)
if [ "$(printf '%s' "$line" | jq -r .path)" = "$oidc_path" ] && [ "$(printf '%s' "$line" | jq -r .headers.Authorization)" = "Bearer $OIDC-flag" ]; then
	ok oidc_flag_bearer
else
	ko oidc_flag_bearer "$line, want $oidc_path"
fi
expect oidc_env 0 "triggered" env FLUX_TRIGGER_RECEIVER_OIDC_TOKEN="$OIDC-env" $C trigger receiver app --type generic-oidc --url "$CFLUX_SINK_URL/trig-$$/oidc" --retries 0
line=$(jq -c "select(.path | startswith(\"/trig-$$/oidc/\"))" "$CFLUX_SINK_LOG" | tail -n 1)
if [ "$(printf '%s' "$line" | jq -r .headers.Authorization)" = "Bearer $OIDC-env" ]; then ok oidc_env_bearer; else ko oidc_env_bearer "$line"; fi
# --oidc-provider github: the Actions endpoint (here the sink, which answers "ok": not JSON)
expect oidc_provider_bad_reply 1 "failed to decode OIDC token response" \
	env ACTIONS_ID_TOKEN_REQUEST_URL="$CFLUX_SINK_URL/trig-$$/actions?api-version=2.0&audience=old" ACTIONS_ID_TOKEN_REQUEST_TOKEN="$OIDC-req" \
	$C trigger receiver app --type generic-oidc --oidc-provider github --oidc-audience my-flux --url "$CFLUX_SINK_URL/trig-$$/oidc" --retries 0
line=$(jq -c "select(.path | startswith(\"/trig-$$/actions\"))" "$CFLUX_SINK_LOG" | tail -n 1)
if [ "$(printf '%s' "$line" | jq -r .method)" = GET ] && [ "$(printf '%s' "$line" | jq -r .path)" = "/trig-$$/actions?api-version=2.0&audience=my-flux" ] &&
   [ "$(printf '%s' "$line" | jq -r .headers.Authorization)" = "bearer $OIDC-req" ]; then
	ok oidc_provider_request
else
	ko oidc_provider_request "$line"
fi
# and from an endpoint that answers {"value": ...} (a file served by python's http.server)
if command -v python3 >/dev/null; then
	mkdir -p "$WORK/actions"
	printf '{"count":1,"value":"%s-fetched"}' "$OIDC" > "$WORK/actions/token"
	python3 -m http.server 17416 --bind 127.0.0.1 --directory "$WORK/actions" >"$WORK/actions.log" 2>&1 &
	PIDS="$PIDS $!"
	poll 20 curl -sf http://127.0.0.1:17416/token || ko oidc_endpoint_up "python3 http.server did not start"
	expect oidc_provider_forgejo 0 "triggered" \
		env ACTIONS_ID_TOKEN_REQUEST_URL=http://127.0.0.1:17416/token ACTIONS_ID_TOKEN_REQUEST_TOKEN="$OIDC-req" $C trigger receiver app --type generic-oidc --oidc-provider forgejo --url "$CFLUX_SINK_URL/trig-$$/oidc" --retries 0
	line=$(jq -c "select(.path | startswith(\"/trig-$$/oidc/\"))" "$CFLUX_SINK_LOG" | tail -n 1)
	if [ "$(printf '%s' "$line" | jq -r .headers.Authorization)" = "Bearer $OIDC-fetched" ]; then ok oidc_provider_bearer; else ko oidc_provider_bearer "$line"; fi
	if grep -q 'GET /token?audience=notification-controller ' "$WORK/actions.log"; then ok oidc_default_audience
	else ko oidc_default_audience "$(tail -n 2 "$WORK/actions.log")"; fi
	rm -f "$WORK/actions/token"
	expect oidc_provider_404 1 "OIDC token request failed with status 404 Not Found" \
		env ACTIONS_ID_TOKEN_REQUEST_URL=http://127.0.0.1:17416/token ACTIONS_ID_TOKEN_REQUEST_TOKEN="$OIDC-req" $C trigger receiver app --type generic-oidc --oidc-provider github --url "$CFLUX_SINK_URL/trig-$$/oidc" --retries 0
fi

# flux's argument errors, exit 1
expect no_name 1 "accepts 1 arg(s), received 0" $C trigger receiver --token t --url "$HOOK"
expect no_url 1 "^.*--url is required" $C trigger receiver gen --token t
expect no_token 1 "token is required for --type=generic-hmac" $C trigger receiver gen --type generic-hmac --url "$HOOK"
expect bad_type 1 'invalid --type "github", must be one of: generic, generic-hmac, generic-oidc' $C trigger receiver gen --type github --token t --url "$HOOK"
expect oidc_with_token 1 "must not be set for --type=generic-oidc" $C trigger receiver gen --type generic-oidc --token t --url "$HOOK"
expect oidc_exclusive 1 "mutually exclusive" $C trigger receiver gen --type generic-oidc --oidc-token a --oidc-provider github --url "$HOOK"
expect oidc_flags_need_type 1 "can only be set for --type=generic-oidc" $C trigger receiver gen --token t --oidc-token a --url "$HOOK"
expect oidc_bad_provider 1 'invalid --oidc-provider "gitlab"' $C trigger receiver gen --type generic-oidc --oidc-provider gitlab --url "$HOOK"
expect oidc_audience_alone 1 "can only be set together with --oidc-provider" $C trigger receiver gen --type generic-oidc --oidc-token a --oidc-audience x --url "$HOOK"
expect oidc_none 1 "no OIDC token provided" env -u FLUX_TRIGGER_RECEIVER_OIDC_TOKEN $C trigger receiver gen --type generic-oidc --url "$HOOK"
expect actions_env_missing 1 "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must be set" \
	env -u ACTIONS_ID_TOKEN_REQUEST_URL $C trigger receiver gen --type generic-oidc --oidc-provider github --url "$HOOK"
expect help 0 "the delay between retries (default 10s)" bin/cflux trigger receiver --help
expect help_group 0 "Trigger the webhook of a Receiver" bin/cflux trigger --help
expect help_root 0 "trigger .*Trigger Flux resources from outside the cluster" bin/cflux --help

# neither the receiver token nor an OIDC token in what the CLI printed or the controller logged
if grep -l -F -e "$TOKEN" -e "$OIDC" "$WORK/cli.log" "$WORK/notification-controller.log" >/dev/null 2>&1; then
	ko no_token_in_logs "a token appears in: $(grep -l -F -e "$TOKEN" -e "$OIDC" "$WORK/cli.log" "$WORK/notification-controller.log" | tr '\n' ' ')"
else
	ok no_token_in_logs
fi
no_secrets_leaked no_api_secrets_leaked "$WORK/cli.log" "$WORK/notification-controller.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
