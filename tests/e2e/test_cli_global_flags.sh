#!/bin/sh
# tests/e2e/test_cli_global_flags.sh - flux's global flags, which are kubectl's, against the real
# apiserver: --server/--token/--certificate-authority with no kubeconfig context,
# --insecure-skip-tls-verify dropping the file's CA, --tls-server-name (the certificate checked
# for another name), --cluster/--user picking other kubeconfig entries, --client-certificate/
# --client-key, --as/--as-group/--as-uid impersonation (RBAC decides), --disable-compression,
# --kube-api-qps/--kube-api-burst/--cache-dir accepted, the namespace as flux settles it (-n,
# FLUX_SYSTEM_NAMESPACE, --ns-follows-kube-context and FLUX_NS_FOLLOWS_KUBE_CONTEXT), global flags
# before the command. Where the real flux CLI is there (tests/env/build-flux cli), each `get`
# is also run by flux with the same arguments: the same stdout and exit code; so are get's own
# cases (-l, --status-selector with = and !=, a selector leaving no row, a missing NAME, an
# empty namespace, get all, --no-header).
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-gflags-$$
WORK=$(mktemp -d)
cleanup() {
	kubectl delete namespace "$NS" "$NS-empty" --wait=false >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

flux_cli "$WORK"

kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
kubectl create namespace "$NS-empty" >/dev/null
kubectl -n "$NS" apply -f - >/dev/null <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: labelled
  labels: {team: a}
spec:
  interval: 10m
  url: $CFLUX_GIT_URL_HTTP/none.git
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: gflags
spec:
  interval: 10m
  url: $CFLUX_GIT_URL_HTTP/none.git
  ref:
    branch: main
EOT

TOKEN=$(cat "$CFLUX_ENV_DIR/pki/admin.token")
CERT_KC=$CFLUX_KUBECONFIG_CERT
# a kubeconfig with no context at all: the flags alone say where and who
printf 'apiVersion: v1\nkind: Config\n' > "$WORK/bare.kubeconfig"
# one whose context has the test's namespace
sed "s/namespace: default/namespace: $NS/" "$CFLUX_KUBECONFIG_TOKEN" > "$WORK/ns.kubeconfig"
# a CA that signed nothing here
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/other.key" -out "$WORK/other.crt" \
	-subj /CN=other -days 1 >/dev/null 2>&1

# listed NAME ARGS...: `cflux get sources git ARGS` exits 0 and lists the test's GitRepository
listed() {
	name=$1; shift
	out=$(bin/cflux get sources git "$@" 2>&1); rc=$?
	if [ "$rc" -ne 0 ]; then ko "$name" "exit $rc: $(printf '%s' "$out" | tail -n 3)"
	elif ! printf '%s' "$out" | grep -q '^gflags'; then ko "$name" "gflags not listed: $(printf '%s' "$out" | tail -n 3)"
	else ok "$name"; fi
}
# fails NAME TEXT ARGS...: `cflux get sources git ARGS` exits 1 with TEXT, and the token is
# nowhere in what it printed
fails() {
	name=$1 text=$2; shift 2
	out=$(bin/cflux get sources git "$@" 2>&1); rc=$?
	if [ "$rc" -ne 1 ]; then ko "$name" "exit $rc, want 1: $(printf '%s' "$out" | tail -n 3)"
	elif ! printf '%s' "$out" | grep -q -- "$text"; then ko "$name" "no '$text' in: $(printf '%s' "$out" | tail -n 3)"
	elif printf '%s' "$out" | grep -qF "$TOKEN"; then ko "$name" "the token was printed"
	else ok "$name"; fi
}
# same_as_flux NAME ARGS...: flux and cflux given `get sources git ARGS`: same stdout and exit code
same_as_flux() {
	name=$1; shift
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	"$FLUX" get sources git "$@" >"$WORK/flux.out" 2>"$WORK/flux.err"; frc=$?
	bin/cflux get sources git "$@" >"$WORK/cflux.out" 2>"$WORK/cflux.err"; crc=$?
	if [ "$frc" -ne "$crc" ]; then
		ko "$name" "flux exits $frc, cflux $crc: $(tail -n 2 "$WORK/flux.err") / $(tail -n 2 "$WORK/cflux.err")"
	elif ! diff -u "$WORK/flux.out" "$WORK/cflux.out" >"$WORK/diff"; then
		ko "$name" "stdout differs (- flux, + cflux): $(cat "$WORK/diff")"
	else ok "$name"; fi
}

# --- where, and whom, without a context
listed server_token_ca --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" \
	--server "$CFLUX_APISERVER" --token "$TOKEN" --certificate-authority "$CFLUX_CA"
listed flags_before_the_command_too --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" \
	--server="$CFLUX_APISERVER" --token="$TOKEN" --certificate-authority="$CFLUX_CA"
out=$(bin/cflux --kubeconfig "$WORK/bare.kubeconfig" --server "$CFLUX_APISERVER" --token "$TOKEN" \
	--certificate-authority "$CFLUX_CA" -n "$NS" get sources git 2>&1)
if printf '%s' "$out" | grep -q '^gflags'; then ok global_flags_first; else ko global_flags_first "$out"; fi
fails server_without_trust "certificate" --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" \
	--server "$CFLUX_APISERVER" --token "$TOKEN"
fails other_ca_refused "certificate" -n "$NS" --certificate-authority "$WORK/other.crt"
fails bad_token_refused "" --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" \
	--server "$CFLUX_APISERVER" --token "not-$TOKEN" --certificate-authority "$CFLUX_CA"
out=$(bin/cflux get sources git -n "$NS" --server "127.0.0.1:1" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q "not an http(s) URL"; then ok server_must_be_a_url; else ko server_must_be_a_url "exit $rc: $out"; fi

# --- TLS: insecure drops the file's CA; the certificate checked for another name
listed insecure_drops_the_ca -n "$NS" --insecure-skip-tls-verify
fails insecure_and_ca_refused "insecure flag is not allowed" -n "$NS" --insecure-skip-tls-verify \
	--certificate-authority "$CFLUX_CA"
listed tls_server_name_in_the_certificate -n "$NS" --tls-server-name kubernetes
fails tls_server_name_not_in_it "certificate" -n "$NS" --tls-server-name not-the-apiserver.example

# --- other entries of the kubeconfig; files for the client certificate
listed cluster_flag --kubeconfig "$CERT_KC" -n "$NS" --cluster cflux-insecure
listed user_flag --kubeconfig "$CERT_KC" --context cflux-nobody -n "$NS" --user cert-admin
fails user_flag_nobody "forbidden" --kubeconfig "$CERT_KC" -n "$NS" --user nobody
fails unknown_cluster "cluster \"nope\" not found" -n "$NS" --cluster nope
listed client_certificate_files --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" --server "$CFLUX_APISERVER" \
	--certificate-authority "$CFLUX_CA" --client-certificate "$CFLUX_ENV_DIR/pki/admin.crt" \
	--client-key "$CFLUX_ENV_DIR/pki/admin.key"

# --- impersonation: the API server's RBAC decides
fails as_service_account_forbidden "system:serviceaccount:$NS:nobody" -n "$NS" \
	--as "system:serviceaccount:$NS:nobody"
listed as_with_a_group -n "$NS" --as someone --as-group system:masters
listed as_with_uid_and_extra -n "$NS" --as someone --as-group system:masters --as-uid u-1 \
	--as-user-extra scopes=view
# an extra's key with '/' is percent-escaped as client-go does; values are whole (stringArray)
listed as_extra_key_escaped_value_with_comma -n "$NS" --as someone --as-group system:masters \
	--as-user-extra authentication.kubernetes.io/credential-id=x --as-user-extra scopes=a,b
fails as_group_alone "without impersonating a user" -n "$NS" --as-group system:masters
fails as_extra_not_key_value "want key=value" -n "$NS" --as someone --as-user-extra novalue

# --- accepted as flux takes them
listed disable_compression -n "$NS" --disable-compression
listed qps_burst_cache_dir -n "$NS" --kube-api-qps 20.5 --kube-api-burst 40 --cache-dir "$WORK/cache"
expect qps_not_a_number 2 "kube-api-qps" bin/cflux get sources git -n "$NS" --kube-api-qps many

# --- the namespace as flux settles it
expect default_is_flux_system 1 'not found in "flux-system" namespace' \
	bin/cflux get sources git --kubeconfig "$WORK/ns.kubeconfig" gflags
listed ns_follows_kube_context --kubeconfig "$WORK/ns.kubeconfig" --ns-follows-kube-context
out=$(FLUX_NS_FOLLOWS_KUBE_CONTEXT=true bin/cflux get sources git --kubeconfig "$WORK/ns.kubeconfig" 2>&1)
if printf '%s' "$out" | grep -q '^gflags'; then ok ns_follows_from_env; else ko ns_follows_from_env "$out"; fi
out=$(FLUX_SYSTEM_NAMESPACE=$NS bin/cflux get sources git 2>&1)
if printf '%s' "$out" | grep -q '^gflags'; then ok flux_system_namespace_env; else ko flux_system_namespace_env "$out"; fi
out=$(FLUX_SYSTEM_NAMESPACE=kube-system bin/cflux get sources git --kubeconfig "$WORK/ns.kubeconfig" --ns-follows-kube-context 2>&1)
if ! printf '%s' "$out" | grep -q '^gflags'; then ok env_namespace_over_the_context; else ko env_namespace_over_the_context "$out"; fi
out=$(FLUX_SYSTEM_NAMESPACE=kube-system bin/cflux get sources git -n "$NS" 2>&1)
if printf '%s' "$out" | grep -q '^gflags'; then ok n_over_the_env; else ko n_over_the_env "$out"; fi
out=$(FLUX_SYSTEM_NAMESPACE=Not_A_Label bin/cflux get sources git 2>&1)
if printf '%s' "$out" | grep -q 'ignoring invalid FLUX_SYSTEM_NAMESPACE'; then ok invalid_env_namespace_ignored; else ko invalid_env_namespace_ignored "$out"; fi
expect n_must_be_a_dns_label 2 "namespace must be a valid DNS label" bin/cflux get sources git -n Not_A_Label

# --- beside flux, the same arguments
same_as_flux flux_server_token_ca --kubeconfig "$WORK/bare.kubeconfig" -n "$NS" \
	--server "$CFLUX_APISERVER" --token "$TOKEN" --certificate-authority "$CFLUX_CA"
same_as_flux flux_insecure -n "$NS" --insecure-skip-tls-verify
same_as_flux flux_tls_server_name -n "$NS" --tls-server-name kubernetes
same_as_flux flux_cluster_user --kubeconfig "$CERT_KC" --context cflux-nobody -n "$NS" --cluster cflux-insecure --user cert-admin
same_as_flux flux_as_group -n "$NS" --as someone --as-group system:masters
same_as_flux flux_ns_follows --kubeconfig "$WORK/ns.kubeconfig" --ns-follows-kube-context
same_as_flux flux_default_namespace --kubeconfig "$WORK/ns.kubeconfig" gflags
same_as_flux flux_as_forbidden -n "$NS" --as "system:serviceaccount:$NS:nobody"

# --- get's own flags, beside flux (the objects have no status: Ready is unknown)
same_as_flux flux_get_label_selector -n "$NS" -l team=a
same_as_flux flux_get_label_selector_none -n "$NS" -l team=b
same_as_flux flux_get_status_ne -n "$NS" --status-selector 'ready!=true'
same_as_flux flux_get_status_no_row -n "$NS" --status-selector ready=true
same_as_flux flux_get_status_bad -n "$NS" --status-selector ready
same_as_flux flux_get_missing_name -n "$NS" nothere
same_as_flux flux_get_empty_namespace -n "$NS-empty"
same_as_flux flux_get_no_header -n "$NS" --no-header
[ -n "$FLUX" ] || ko flux_get_cases "no flux CLI to compare with"
for args in "all -n $NS" "all -n $NS-empty" "sources all -n $NS" "alerts -n $NS" "alerts -n $NS --status-selector ready=true"; do
	# shellcheck disable=SC2086
	"$FLUX" get $args >"$WORK/flux.out" 2>/dev/null; frc=$?
	# shellcheck disable=SC2086
	bin/cflux get $args >"$WORK/cflux.out" 2>/dev/null; crc=$?
	if [ "$frc" -eq "$crc" ] && cmp -s "$WORK/flux.out" "$WORK/cflux.out"; then ok "flux_get_$args"
	else ko "flux_get_$args" "exit flux $frc cflux $crc: $(diff "$WORK/flux.out" "$WORK/cflux.out" | head -5)"; fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
