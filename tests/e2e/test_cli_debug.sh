#!/bin/sh
# tests/e2e/test_cli_debug.sh - `cflux debug kustomization|helmrelease` against the real
# apiserver, beside the real flux CLI (v2.9.5, tests/env/build-flux cli): for the same arguments
# both must print the same stdout byte for byte, exit with the same code and say the same error.
# The objects: a Kustomization whose postBuild substitutes inline and from a ConfigMap, a Secret
# and an optional missing ConfigMap; a HelmRelease with values from a ConfigMap (two keys), a
# Secret at a targetPath, an optional missing Secret and inline values; status and history
# written through the status subresource. Cases: every flag, no flag, two and three flags, no
# name, two names, a missing object, a missing non-optional ConfigMap, no postBuild, the default
# namespace (flux-system), a sparse status (Go's zero values). Secret values appear on stdout of
# --show-vars/--show-values only.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-debug-$$
DEFAULT_NAME=debug-default-$$
WORK=$(mktemp -d)
MADE_FLUX_SYSTEM=""
SECRET_VALUES="s3cr3t-token-$$ hunter2-$$"
cleanup() {
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	kubectl -n flux-system delete kustomization "$DEFAULT_NAME" --wait=false >/dev/null 2>&1
	[ -n "$MADE_FLUX_SYSTEM" ] && kubectl delete namespace flux-system --wait=false >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

flux_cli "$WORK"

kubectl apply --server-side -k manifests/crds >/dev/null
kubectl create namespace "$NS" >/dev/null
if ! kubectl get namespace flux-system >/dev/null 2>&1; then
	kubectl create namespace flux-system >/dev/null && MADE_FLUX_SYSTEM=1
fi
# ks NAME NAMESPACE, hr NAME: a Kustomization's or a HelmRelease's start, its required spec
ks() {
	printf -- '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: %s, namespace: %s}\n' "$1" "$2"
	printf 'spec:\n  interval: 10m\n  prune: true\n  sourceRef: {kind: GitRepository, name: app}\n'
}
hr() {
	printf -- '---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: %s, namespace: %s}\n' "$1" "$NS"
	printf 'spec:\n  interval: 10m\n  chart:\n    spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}\n'
}
{
	cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: vars-cm, namespace: $NS}
data:
  cluster_env: prod
  region: "eu-1\nwest"
  shared: from-cm
---
apiVersion: v1
kind: Secret
metadata: {name: vars-secret, namespace: $NS}
stringData:
  token: s3cr3t-token-$$
  shared: from-secret
---
apiVersion: v1
kind: ConfigMap
metadata: {name: values-cm, namespace: $NS}
data:
  values.yaml: |
    replicas: 2
    image: {tag: "1.0", repo: nginx}
    list: [a, b]
  other.yaml: |
    extra: true
    image: {tag: "2.0"}
---
apiVersion: v1
kind: Secret
metadata: {name: values-secret, namespace: $NS}
stringData:
  password: hunter2-$$
EOF
	ks app "$NS"
	cat <<EOF
  postBuild:
    substitute:
      shared: inline
      zeta: "1"
      alpha: "multi\nline"
    substituteFrom:
    - {kind: ConfigMap, name: vars-cm}
    - {kind: Secret, name: vars-secret}
    - {kind: ConfigMap, name: missing-cm, optional: true}
EOF
	ks nopost "$NS"
	ks badref "$NS"
	printf '  postBuild:\n    substituteFrom:\n    - {kind: ConfigMap, name: vars-cm}\n    - {kind: ConfigMap, name: missing-cm}\n'
	ks "$DEFAULT_NAME" flux-system
	printf '  postBuild:\n    substitute: {where: flux-system}\n'
	hr web
	cat <<EOF
  valuesFrom:
  - {kind: ConfigMap, name: values-cm}
  - {kind: ConfigMap, name: values-cm, valuesKey: other.yaml}
  - {kind: Secret, name: values-secret, valuesKey: password, targetPath: auth.password}
  - {kind: Secret, name: missing-secret, optional: true}
  - {kind: ConfigMap, name: values-cm, valuesKey: nokey.yaml, optional: true}
  values:
    replicas: 3
    image: {pullPolicy: Always}
EOF
	hr badhr
	printf '  valuesFrom:\n  - {kind: ConfigMap, name: missing-cm}\n'
	hr badkey
	printf '  valuesFrom:\n  - {kind: Secret, name: values-secret, valuesKey: nokey}\n'
	hr novals
} | kubectl apply -f - >/dev/null
T=2026-12-08T00:00:00Z
REV=main@sha1:0123456789abcdef0123456789abcdef01234567
kubectl -n "$NS" patch kustomization app --subresource=status --type=merge -p "{\"status\":{
  \"observedGeneration\":1,\"lastAppliedRevision\":\"$REV\",\"lastAttemptedRevision\":\"$REV\",
  \"lastHandledReconcileAt\":\"$T\",\"lastAppliedOriginRevision\":\"\",\"notAFluxField\":\"x\",
  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"ReconciliationSucceeded\",
    \"message\":\"Applied revision: $REV\nsecond line\",\"lastTransitionTime\":\"$T\",\"observedGeneration\":1}],
  \"inventory\":{\"entries\":[{\"id\":\"${NS}_cm__ConfigMap\",\"v\":\"v1\"}]},
  \"history\":[{\"digest\":\"sha256:abc\",\"firstReconciled\":\"$T\",\"lastReconciled\":\"$T\",
    \"lastReconciledDuration\":\"1.5s\",\"lastReconciledStatus\":\"ReconciliationSucceeded\",
    \"totalReconciliations\":3,\"metadata\":{\"revision\":\"$REV\",\"flag\":\"true\"}}]}}" >/dev/null
kubectl -n "$NS" patch helmrelease web --subresource=status --type=merge -p "{\"status\":{
  \"observedGeneration\":2,\"lastAttemptedGeneration\":2,\"lastAttemptedRevision\":\"6.5.0\",
  \"lastAttemptedConfigDigest\":\"sha256:1234\",\"lastAttemptedReleaseAction\":\"install\",
  \"helmChart\":\"$NS/$NS-web\",\"storageNamespace\":\"$NS\",\"installFailures\":0,\"notAFluxField\":{\"a\":1},
  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"InstallSucceeded\",
    \"message\":\"Helm install succeeded\",\"lastTransitionTime\":\"$T\",\"observedGeneration\":2}],
  \"history\":[{\"name\":\"web\",\"namespace\":\"$NS\",\"version\":1,\"status\":\"deployed\",
    \"chartName\":\"podinfo\",\"chartVersion\":\"6.5.0\",\"appVersion\":\"6.5.0\",\"configDigest\":\"sha256:1234\",
    \"digest\":\"sha256:5678\",\"firstDeployed\":\"$T\",\"lastDeployed\":\"$T\"}]}}" >/dev/null

# sparse status (as a controller other than flux's may leave it): flux prints its Go types' zero
# values for what is missing, and Go's form of a duration
for o in kustomization/badref helmrelease/badhr; do
	kubectl -n "$NS" patch "$o" --subresource=status --type=json -p '[{"op":"replace","path":"/status","value":{
	  "conditions":[{"type":"Ready","status":"False","extra":"x"},{"type":"Healthy"}],"observedGeneration":0,
	  "inventory":{"entries":[]},"history":[{"digest":"d","lastReconciledDuration":"90s","name":"n","extra":1}]}}]' >/dev/null
done

# leaks NAME FILE: no Secret value in FILE
leaks() {
	for s in $SECRET_VALUES; do
		if grep -q -- "$s" "$2"; then ko "$1" "a Secret value in $(basename "$2")"; return 0; fi
	done
	return 1
}

# same NAME [--secrets] ARGS...: flux and cflux given ARGS print the same stdout, exit the
# same and say the same error (flux writes "✗ " before it, cflux "error: " off a terminal).
# Without --secrets, no Secret value may be on either stream of cflux.
same() {
	name=$1; shift
	secrets=0
	[ "$1" = --secrets ] && { secrets=1; shift; }
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	"$FLUX" "$@" >"$WORK/flux.out" 2>"$WORK/flux.err"; frc=$?
	bin/cflux "$@" >"$WORK/cflux.out" 2>"$WORK/cflux.err"; crc=$?
	fmsg=$(sed 's/^✗ //' "$WORK/flux.err")
	cmsg=$(sed 's/^error: //' "$WORK/cflux.err")
	if [ "$crc" -ne "$frc" ]; then
		ko "$name" "cflux exits $crc, flux $frc: $(tail -n 3 "$WORK/cflux.err")"
	elif ! diff -u "$WORK/flux.out" "$WORK/cflux.out" >"$WORK/diff"; then
		ko "$name" "stdout differs (- flux, + cflux):
$(cat "$WORK/diff")"
	elif [ "$fmsg" != "$cmsg" ]; then
		ko "$name" "stderr differs: flux '$fmsg', cflux '$cmsg'"
	elif leaks "$name" "$WORK/cflux.err"; then
		:
	elif [ "$secrets" -eq 0 ] && leaks "$name" "$WORK/cflux.out"; then
		:
	else
		ok "$name"
	fi
}

# has NAME TEXT: the last case's cflux stdout holds the line TEXT (the comparison alone would
# pass if both printed nothing)
has() {
	if grep -qxF -- "$2" "$WORK/cflux.out"; then ok "$1"; else ko "$1" "no line '$2' in: $(head -n 5 "$WORK/cflux.out")"; fi
}

N="-n $NS"
# Kustomization
same ks_show_vars --secrets debug ks app $N --show-vars
has ks_vars_inline_wins "shared=inline"
has ks_vars_from_secret "token=s3cr3t-token-$$"
has ks_vars_newlines_dropped "region=eu-1west"
same ks_show_vars_long_name --secrets debug kustomization app $N --show-vars
same ks_show_status debug ks app $N --show-status
has ks_status_timestamp_quoted "lastHandledReconcileAt: \"$T\""
if grep -q notAFluxField "$WORK/cflux.out"; then ko ks_status_typed "a field flux's type lacks is printed"; else ok ks_status_typed; fi
same ks_show_history debug ks app $N --show-history
has ks_history_digest "- digest: sha256:abc"
same ks_status_sparse debug ks badref $N --show-status
same ks_history_sparse debug ks badref $N --show-history
has ks_history_go_duration "  lastReconciledDuration: 1m30s"
same ks_history_empty debug ks nopost $N --show-history
same ks_status_empty debug ks nopost $N --show-status
same ks_no_flag debug ks app $N
same ks_two_flags debug ks app $N --show-vars --show-status
same ks_three_flags debug ks app $N --show-vars --show-status --show-history
same ks_flag_false debug ks app $N --show-vars=false
same ks_no_name debug ks $N --show-status
same ks_two_names debug ks app other $N --show-status
same ks_missing_object debug ks nope $N --show-vars
same ks_missing_configmap debug ks badref $N --show-vars
same ks_no_post_build debug ks nopost $N --show-vars
same ks_default_namespace debug ks "$DEFAULT_NAME" --show-vars
has ks_default_namespace_vars "where=flux-system"
same ks_other_namespace_missing debug ks "$DEFAULT_NAME" $N --show-vars
# HelmRelease
same hr_show_values --secrets debug hr web $N --show-values
has hr_values_target_path "  password: hunter2-$$"
has hr_values_inline_wins "replicas: 3"
has hr_values_later_ref_wins "  tag: \"2.0\""
same hr_show_values_long_name --secrets debug helmrelease web $N --show-values
same hr_show_status debug hr web $N --show-status
has hr_status_chart "helmChart: $NS/$NS-web"
same hr_show_history debug hr web $N --show-history
has hr_history_deleted_null "  deleted: null"
same hr_status_sparse debug hr badhr $N --show-status
same hr_history_sparse debug hr badhr $N --show-history
has hr_history_zero_version "  version: 0"
same hr_values_empty debug hr novals $N --show-values
same hr_history_empty debug hr novals $N --show-history
same hr_no_flag debug hr web $N
same hr_two_flags debug hr web $N --show-values --show-history
same hr_missing_object debug hr nope $N --show-status
same hr_missing_configmap debug hr badhr $N --show-values
same hr_missing_key debug hr badkey $N --show-values
same hr_no_name debug hr $N --show-values
# the group: its help on stdout, exit 0, as cobra answers it (the global flags differ, so no diff)
out=$(bin/cflux debug nope 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q "^  kustomization Debug a Flux Kustomization resource"; then ok debug_group_help
else ko debug_group_help "exit $rc: $(printf '%s' "$out" | head -n 3)"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
