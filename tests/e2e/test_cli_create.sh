#!/bin/sh
# tests/e2e/test_cli_create.sh - the create commands of issue 17 against the real apiserver, with
# the notification-controller running: alert-provider, alert and receiver applied and Ready (the
# Receiver gets its webhook path), tenant's Namespace/ServiceAccount/RoleBinding, the secret
# kinds with flux's keys and types, source git --username/--password making the Secret and
# pointing at it, source helm making helm-NAME; exit codes 0/1/2; --help on every command touched
# (Flux's layout, exit 0); and no credential in what the commands print.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-create-$$
WORK=$(mktemp -d)
PIDS=""
SECRET_WORD="s3cr3t-$$-word"
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	kubectl delete namespace "$NS" "$NS-t1" "$NS-t2" --wait=false >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
controller_identities
bin/notification-controller --kubeconfig "$NC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--events-addr tcp://127.0.0.1:17190 --events-http-addr 127.0.0.1:17191 --receiver-addr 127.0.0.1:17192 2>"$WORK/nc.log" &
PIDS="$PIDS $!"
C="bin/cflux -n $NS --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 60s"

# --help everywhere this change touched: Flux's sections, exit 0, on stdout
for cmd in "" "create" "create source" "create source git" "create source helm" "create source oci" \
	"create source bucket" "create kustomization" "create ks" "create hr" "create alert" "create alert-provider" \
	"create receiver" "create tenant" "create secret" "create secret git" "create secret helm" \
	"create secret oci" "create secret tls" "create secret githubapp" "create secret receiver" "create secret proxy" \
	"create secret notation" "create source chart" "kustomize" "yaml" "get" "reconcile source"; do
	name=help_$(printf '%s' "${cmd:-root}" | tr ' -' '__')
	# shellcheck disable=SC2086
	out=$(bin/cflux $cmd --help 2>/dev/null); rc=$?
	if [ "$rc" -ne 0 ]; then ko "$name" "exit $rc"
	elif ! printf '%s\n' "$out" | grep -q '^Usage:$' || ! printf '%s\n' "$out" | grep -q '^Flags:$' ||
	     ! printf '%s\n' "$out" | grep -q -- '-h, --help '; then ko "$name" "not Flux's layout: $(printf '%s' "$out" | head -n 5)"
	else ok "$name"; fi
done
expect help_group_lists_commands 0 "  alert-provider Create or update a Provider resource" bin/cflux create --help
expect help_leaf_examples 0 "cflux create tenant dev-team" bin/cflux create tenant --help
expect help_inherited_flags 0 "Global Flags:" bin/cflux create secret git --help
expect help_command 0 "cflux create receiver \[name\] \[flags\]" bin/cflux help create receiver
expect help_aliases 0 "kustomization, ks" bin/cflux create ks --help
expect kustomize_unknown_flag 2 "unknown flag --help-me" bin/cflux kustomize --help-me
for cmd in "create alert ab" "create alert-provider ab" "create receiver ab" "create tenant ab" "create secret git ab" \
	"create secret helm ab" "create secret oci ab" "create secret tls ab" "create secret githubapp ab" "create source git ab" \
	"create secret receiver ab" "create secret proxy ab" "create secret notation ab" "create source chart ab"; do
	# shellcheck disable=SC2086
	expect "unknown_flag_$(printf '%s' "$cmd" | tr ' -' '__')" 2 "unknown flag --frobnicate" bin/cflux $cmd --frobnicate
done
expect missing_name 1 "name is required" bin/cflux create alert --provider-ref=p
expect bad_name 1 "is invalid, it should adhere to standard defined in RFC 1123" bin/cflux create tenant Dev_Team --with-namespace=a
expect bucket_refused 1 "does not reconcile Buckets" bin/cflux create source bucket bb --bucket-name=x
expect secret_git_ed25519_refused 1 "ecdsa and rsa keys only" bin/cflux create secret git kk --url=ssh://git@127.0.0.1:9/repo --ssh-key-algorithm=ed25519
expect secret_git_bad_curve 2 "unsupported curve" bin/cflux create secret git kk --url=ssh://git@127.0.0.1:9/repo --ssh-ecdsa-curve=p111

# the notification kinds, applied and ready
expect create_provider 0 "Provider slack is ready" $C create alert-provider slack --type=slack --channel=general --address=http://127.0.0.1:9/hook
expect create_alert 0 "Alert podinfo is ready" $C create alert podinfo --provider-ref=slack --event-source=Kustomization/podinfo --event-severity=error
expect alert_applied 0 "error" kubectl -n "$NS" get alert podinfo -o jsonpath='{.spec.eventSeverity}'
kubectl -n "$NS" create secret generic webhook-token --from-literal=token="$SECRET_WORD" >/dev/null
expect create_receiver 0 "generated webhook URL /hook/" $C create receiver github-receiver --type=github --event=push --secret-ref=webhook-token --resource=GitRepository/webapp
expect receiver_ready 0 "True" kubectl -n "$NS" get receiver github-receiver -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
expect receiver_webhook_path 0 "/hook/" kubectl -n "$NS" get receiver github-receiver -o jsonpath='{.status.webhookPath}'
expect receiver_missing_resource 1 "atleast one resource is required" $C create receiver r2 --type=github --secret-ref=webhook-token

# tenant
expect create_tenant 0 "tenant setup completed" $C create tenant dev-team --with-namespace="$NS-t1" --with-namespace="$NS-t2" --cluster-role=view
expect tenant_namespace_labelled 0 "dev-team" kubectl get namespace "$NS-t2" -o jsonpath='{.metadata.labels.toolkit\.fluxcd\.io/tenant}'
expect tenant_rolebinding 0 "view gotk:$NS-t1:reconciler" kubectl -n "$NS-t1" get rolebinding dev-team-reconciler -o jsonpath='{.roleRef.name} {.subjects[0].name}'
expect tenant_account 0 "dev-team" kubectl -n "$NS-t1" get serviceaccount dev-team -o jsonpath='{.metadata.name}'

# secrets: flux's keys and types
expect create_secret_helm 0 "created" $C create secret helm repo-auth --username=u --password="$SECRET_WORD"
expect secret_helm_type 0 "kubernetes.io/basic-auth" kubectl -n "$NS" get secret repo-auth -o jsonpath='{.type}'
expect create_secret_oci 0 "created" $C create secret oci ghcr-auth --url=ghcr.io --username=u --password="$SECRET_WORD"
expect secret_oci_type 0 "kubernetes.io/dockerconfigjson" kubectl -n "$NS" get secret ghcr-auth -o jsonpath='{.type}'
if kubectl -n "$NS" get secret ghcr-auth -o jsonpath='{.data.\.dockerconfigjson}' | base64 -d | grep -q '"auth": "'; then
	ok secret_oci_auth_field
else
	ko secret_oci_auth_field "no auth in .dockerconfigjson"
fi
expect secret_tls_needs_something 1 "no CA certificate or client certificate pair found" $C create secret tls certs

# secret git over ssh: a key pair made with mbedTLS (its identity.pub is what ssh-keygen derives
# from identity) and the host key scanned from the local sshd (the one the env's known_hosts has)
if [ -n "${CFLUX_GIT_URL_SSH:-}" ]; then
	for algo in "ecdsa p384" "ecdsa p256" "rsa p384"; do
		set -- $algo
		n=ssh-$1-$2
		expect "secret_git_ssh_$1_$2" 0 "deploy key: " $C create secret git "$n" --url="$CFLUX_GIT_URL_SSH/x.git" --ssh-key-algorithm="$1" --ssh-ecdsa-curve="$2"
		kubectl -n "$NS" get secret "$n" -o jsonpath='{.data.identity}' | base64 -d > "$WORK/$n"; chmod 600 "$WORK/$n"
		want=$(ssh-keygen -y -f "$WORK/$n" 2>&1 | cut -d' ' -f1,2)
		got=$(kubectl -n "$NS" get secret "$n" -o jsonpath='{.data.identity\.pub}' | base64 -d | cut -d' ' -f1,2)
		if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "ssh_public_key_$1_$2"; else ko "ssh_public_key_$1_$2" "identity.pub '$got', ssh-keygen -y '$want'"; fi
		key=$(kubectl -n "$NS" get secret "$n" -o jsonpath='{.data.known_hosts}' | base64 -d | cut -d' ' -f3)
		if [ -n "$key" ] && grep -q -- "$key" "$CFLUX_SSH_KNOWN_HOSTS"; then ok "ssh_known_hosts_$1_$2"; else ko "ssh_known_hosts_$1_$2" "scanned '$key' not in the env's known_hosts"; fi
	done
	expect secret_git_ssh_key_file 0 "deploy key: ecdsa-sha2-nistp256" $C create secret git from-file --url="$CFLUX_GIT_URL_SSH/x.git" --private-key-file="$WORK/ssh-ecdsa-p256"
	expect secret_git_ssh_openssh_key 1 "a PEM RSA or ECDSA key is needed" $C create secret git from-openssh --url="$CFLUX_GIT_URL_SSH/x.git" --private-key-file="$CFLUX_SSH_IDENTITY"
	expect source_git_ssh_asks 1 "aborting" $C create source git viassh --url="$CFLUX_GIT_URL_SSH/x.git" --branch=main </dev/null
	# the answer from a pipe, as `echo y | flux create source git ...` gives it to flux's prompt
	expect source_git_ssh_answer_no 1 "aborting" sh -c "echo n | $C create source git vianope --url=$CFLUX_GIT_URL_SSH/x.git --branch=main"
	expect source_git_ssh_answer_no_secret 1 "not found" kubectl -n "$NS" get secret vianope
	expect source_git_ssh_answer_yes 1 "deploy key: ecdsa-sha2-nistp384" sh -c "echo y | $C --timeout 3s create source git viapipe --url=$CFLUX_GIT_URL_SSH/x.git --branch=main"
	expect source_git_ssh_answer_yes_secret 0 "identity" kubectl -n "$NS" get secret viapipe -o jsonpath='{.data}'
	expect source_git_ssh_silent 1 "deploy key: ecdsa-sha2-nistp384" $C --timeout 3s create source git viassh --url="$CFLUX_GIT_URL_SSH/x.git" --branch=main --silent
	expect source_git_ssh_secret_ref 0 "viassh" kubectl -n "$NS" get gitrepository viassh -o jsonpath='{.spec.secretRef.name}'
	expect source_git_ssh_secret 0 "known_hosts" kubectl -n "$NS" get secret viassh -o jsonpath='{.data}'
	expect secret_git_ssh_unreachable 1 "cannot scan the host key" $C create secret git nohost --url=ssh://git@127.0.0.1:9/x.git
else
	ko secret_git_ssh "no git-ssh server in the environment"
fi

# source git and source helm make their credential Secrets and point at them
expect source_git_credentials 1 "" $C --timeout 3s create source git app --url=https://127.0.0.1:9/app.git --branch=main --username=git --password="$SECRET_WORD"
expect git_secret_made 0 "git" sh -c "kubectl -n $NS get secret app -o jsonpath='{.data.username}' | base64 -d"
expect git_secret_ref 0 "app" kubectl -n "$NS" get gitrepository app -o jsonpath='{.spec.secretRef.name}'
expect source_helm_credentials 1 "" $C --timeout 3s create source helm charts --url=https://127.0.0.1:9/charts --username=u --password="$SECRET_WORD"
expect helm_secret_ref 0 "helm-charts" kubectl -n "$NS" get helmrepository charts -o jsonpath='{.spec.secretRef.name}'
expect helm_secret_type 0 "kubernetes.io/basic-auth" kubectl -n "$NS" get secret helm-charts -o jsonpath='{.type}'

# secret receiver: the token and the webhook URL annotation; a Receiver of the Secret's name (flux
# computes the path with the Secret's name, the controller with the Receiver's) gets that path
expect create_secret_receiver 0 "receiver secret 'hook-token' created" $C create secret receiver hook-token --type=github --hostname=flux.example.com --token="$SECRET_WORD"
expect secret_receiver_token 0 "$SECRET_WORD" sh -c "kubectl -n $NS get secret hook-token -o jsonpath='{.data.token}' | base64 -d"
expect receiver_on_secret 0 "generated webhook URL /hook/" $C create receiver hook-token --type=github --event=push --secret-ref=hook-token --resource=GitRepository/webapp
url=$(kubectl -n "$NS" get secret hook-token -o jsonpath='{.metadata.annotations.notification\.toolkit\.fluxcd\.io/webhook}')
path=$(kubectl -n "$NS" get receiver hook-token -o jsonpath='{.status.webhookPath}')
if [ -n "$path" ] && [ "$url" = "https://flux.example.com$path" ]; then ok secret_receiver_url_matches_receiver
else ko secret_receiver_url_matches_receiver "annotation '$url', Receiver path '$path'"; fi
expect create_secret_receiver_generated 0 "created" $C create secret receiver gen-token --type=gcr --hostname=h.example.com --email-claim=sa@p.iam
tok=$(kubectl -n "$NS" get secret gen-token -o jsonpath='{.data.token}' | base64 -d)
aud=$(kubectl -n "$NS" get secret gen-token -o jsonpath='{.data.audience}' | base64 -d)
want=https://h.example.com/hook/$(printf '%s%s%s' "$tok" gen-token "$NS" | sha256sum | cut -d' ' -f1)
if [ ${#tok} -eq 64 ] && [ "$aud" = "$want" ]; then ok secret_receiver_generated_token
else ko secret_receiver_generated_token "token '$tok', audience '$aud', want $want"; fi
expect secret_receiver_gcr_needs_email 1 "--email-claim is required for gcr receiver type" $C create secret receiver x1 --type=gcr --hostname=h

# secret proxy and secret notation
expect create_secret_proxy 0 "proxy secret 'corp-proxy' created" $C create secret proxy corp-proxy --address=http://127.0.0.1:3128 -u u -p "$SECRET_WORD"
expect secret_proxy_fields 0 "Opaque http://127.0.0.1:3128" sh -c "printf '%s ' \$(kubectl -n $NS get secret corp-proxy -o jsonpath='{.type}') && kubectl -n $NS get secret corp-proxy -o jsonpath='{.data.address}' | base64 -d"
expect create_secret_notation 0 "notation configuration secret 'notation-cfg' created" $C create secret notation notation-cfg --trust-policy-file=tests/e2e/testdata/notation/trustpolicy.json --ca-cert-file=tests/e2e/testdata/notation/root.crt,tests/e2e/testdata/notation/acme.pem
expect secret_notation_keys 0 "acme.pem root.crt trustpolicy.json" sh -c "kubectl -n $NS get secret notation-cfg -o go-template='{{range \$k, \$v := .data}}{{\$k}} {{end}}'"
printf '{"version":"1.0","trustPolicies":[]}' >"$WORK/empty-policy.json"
expect secret_notation_bad_policy 1 "invalid trust policy: trust policy document can not have zero trust policy statements" $C create secret notation bad-cfg --trust-policy-file="$WORK/empty-policy.json" --ca-cert-file=tests/e2e/testdata/notation/root.crt
expect secret_notation_bad_policy_not_made 1 "not found" kubectl -n "$NS" get secret bad-cfg

# source chart: the HelmChart applied with flux's spec (no source-controller runs here: the wait
# times out, the object stays)
expect source_chart_waits 1 "" $C --timeout 3s create source chart podinfo --source=HelmRepository/charts --chart=podinfo --chart-version=6.x --verify-provider=cosign --verify-secret-ref=cosign-pub
expect source_chart_spec 0 "podinfo 6.x ChartVersion HelmRepository charts 1m0s cosign cosign-pub" kubectl -n "$NS" get helmchart podinfo -o jsonpath='{.spec.chart} {.spec.version} {.spec.reconcileStrategy} {.spec.sourceRef.kind} {.spec.sourceRef.name} {.spec.interval} {.spec.verify.provider} {.spec.verify.secretRef.name}'
# the update keeps spec.verify: the 1.20 apiserver refuses a server-side apply that drops a
# preserve-unknown-fields object ("spec.verify: Invalid value: null"; kubectl's own apply too);
# the exit is the wait's timeout, not a refused apply
expect source_chart_update 1 "timed out" $C --timeout 3s create source chart podinfo --source=GitRepository/app --chart=./charts/podinfo --reconcile-strategy=Revision --verify-provider=cosign --verify-secret-ref=cosign-pub
expect source_chart_updated 0 "GitRepository app ./charts/podinfo Revision" kubectl -n "$NS" get helmchart podinfo -o jsonpath='{.spec.sourceRef.kind} {.spec.sourceRef.name} {.spec.chart} {.spec.reconcileStrategy}'
expect source_chart_no_source 1 "chart source is required" $C create source chart nosrc --chart=podinfo

# what the commands printed never holds a credential (the --export forms print them on purpose)
if { $C create secret git again --url=https://host/repo --username=u --password="$SECRET_WORD"
     $C create secret proxy again-proxy --address=http://p:1 --password="$SECRET_WORD"
     $C create secret receiver again-hook --type=generic --hostname=h --token="$SECRET_WORD"; } 2>&1 | grep -q "$SECRET_WORD"; then
	ko no_secret_in_output "the password was printed"
else
	ok no_secret_in_output
fi
if grep -q "$SECRET_WORD" "$WORK/nc.log"; then ko no_secret_in_controller_log "in nc.log"; else ok no_secret_in_controller_log; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
