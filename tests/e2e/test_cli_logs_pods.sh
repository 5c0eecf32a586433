#!/bin/sh
# tests/e2e/test_cli_logs_pods.sh - `cflux logs` in a cluster: the controllers' lines come from
# their pods through the pods/log API, as flux logs reads them. The kustomize-controller's
# ServiceAccount and Deployment are taken from `cflux install --export` (so the labels that
# logs finds them by are the ones install writes), applied to namespace cflux-logs and
# scheduled on kwok's fake node (tests/env/up); kwok serves the kubelet's containerLogs for the
# pods of that namespace from $CFLUX_KWOK_LOGS, where this test writes lines in the CRI log
# format a container runtime writes, in both encodings the controllers log (ours key=value or
# JSON, and Flux's JSON). The apiserver proxies pods/log to kwok, so --tail and --since are
# answered by the kubelet side, and --kind, --name, --level and -A by cflux.
# On CFLUX_KUBE_VERSION=1.20 no kwok runs (no pod ever starts): the cases are skipped there.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
ns=cflux-logs
skipped=0
if [ -z "${CFLUX_KWOK:-}" ]; then
	echo "SKIP logs_from_pods: Kubernetes $CFLUX_KUBE_VERSION runs no kwok here, so no pod runs and pods/log has nothing to proxy"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
: "${CFLUX_KWOK_LOGS:?tests/env/up did not give kwok a log file (CFLUX_KWOK_LOGS)}"
WORK=$(mktemp -d)
unset CFLUX_LOG_DIR
cleanup() {
	kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
	: > "$CFLUX_KWOK_LOGS"
	rm -rf "$WORK"
}
trap cleanup EXIT
C="bin/cflux --kubeconfig $CFLUX_KUBECONFIG_TOKEN"

# the install's own objects for one controller, namespaced ones only (the cluster-wide
# bindings stay those of flux-system, which other suites use)
$C install --export --components kustomize-controller --namespace "$ns" --toleration-keys kwok.x-k8s.io/node > "$WORK/install.yaml"
awk -v RS='\n---\n' '/(^|\n)kind: (ServiceAccount|Deployment)\n/ { printf "---\n%s\n", $0 }' "$WORK/install.yaml" > "$WORK/objs.yaml"
if grep -q '^kind: Deployment' "$WORK/objs.yaml" && grep -q '^kind: ServiceAccount' "$WORK/objs.yaml"; then
	ok install_export_has_deployment
else
	ko install_export_has_deployment "no Deployment and ServiceAccount in install --export: $(head -n 20 "$WORK/install.yaml")"
fi
kubectl create namespace "$ns" >/dev/null 2>&1
expect deployment_applied 0 "" kubectl -n "$ns" apply -f "$WORK/objs.yaml"
expect pod_running 0 "condition met" kubectl -n "$ns" wait --for=condition=Ready pod -l app=kustomize-controller --timeout=120s

now() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
old=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%S.000000000Z)
oldts=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%S.000Z)
t=$(now)
ts=$(printf '%s' "$t" | cut -c1-23)Z
{
	echo "$old stderr F {\"level\":\"info\",\"ts\":\"$oldts\",\"msg\":\"old line\",\"kind\":\"Kustomization\",\"object\":\"apps/ancient\"}"
	echo "$t stderr F {\"level\":\"info\",\"ts\":\"$ts\",\"msg\":\"applied revision main@sha1:1111\",\"kind\":\"Kustomization\",\"object\":\"apps/podinfo\"}"
	echo "$t stderr F {\"level\":\"error\",\"ts\":\"$ts\",\"msg\":\"Reconciler error\",\"controller\":\"kustomization\",\"Kustomization\":{\"name\":\"broken\",\"namespace\":\"apps\"},\"error\":\"kustomize build failed\"}"
	echo "$t stderr F {\"level\":\"info\",\"ts\":\"$ts\",\"msg\":\"stored artifact\",\"kind\":\"GitRepository\",\"object\":\"flux-system/fleet\"}"
} > "$CFLUX_KWOK_LOGS"

L="$C logs --flux-namespace $ns"
expect logs_pods_all 0 "Kustomization/podinfo.apps - applied revision" $L -A
expect logs_pods_flux_json 0 "error Kustomization/broken.apps - Reconciler error kustomize build failed" $L -A
expect logs_pods_kind 0 "GitRepository/fleet.flux-system - stored artifact" $L -A --kind GitRepository
expect logs_pods_kind_only 0 "" sh -c "! $L -A --kind GitRepository | grep -q Kustomization"
expect logs_pods_level 0 "Kustomization/broken.apps" $L -A --level error
expect logs_pods_level_only 0 "" sh -c "! $L -A --level error | grep -q ' info '"
expect logs_pods_name_ns 0 "Kustomization/podinfo.apps" $L -n apps --kind Kustomization --name podinfo
expect logs_pods_name_only 0 "" sh -c "! $L -n apps --kind Kustomization --name podinfo | grep -q broken"
# without -A, as flux: the objects of the namespace (flux-system unless -n says otherwise)
expect logs_pods_namespace_default 0 "GitRepository/fleet.flux-system" $L
expect logs_pods_namespace_filter 0 "" sh -c "! $L | grep -q 'Kustomization/'"
# --tail and --since go to the kubelet (kwok) as tailLines and sinceSeconds
expect logs_pods_tail 0 "" sh -c "[ \$($L -A --tail 1 | grep -c ' - ') -eq 1 ] && $L -A --tail 1 | grep -q 'GitRepository/fleet'"
expect logs_pods_since 0 "" sh -c "$L -A | grep -q ancient && ! $L -A --since 1h | grep -q ancient"
# --follow: a line the controller writes later is printed while following
$C --timeout 15s logs --flux-namespace $ns -A --follow > "$WORK/follow.out" 2>&1 &
fpid=$!
touch "$WORK/follow.out"
i=0
while [ $i -lt 100 ] && ! grep -q "applied revision main@sha1:1111" "$WORK/follow.out"; do sleep 0.2; i=$((i + 1)); done
t=$(now)
# two lines in the same millisecond, as a controller often writes them: both, once each
for rev in 2222 3333; do
	echo "$t stderr F {\"level\":\"info\",\"ts\":\"$(printf '%s' "$t" | cut -c1-23)Z\",\"msg\":\"applied revision main@sha1:$rev\",\"kind\":\"Kustomization\",\"object\":\"apps/podinfo\"}"
done >> "$CFLUX_KWOK_LOGS"
i=0
while [ $i -lt 75 ] && ! grep -q "main@sha1:3333" "$WORK/follow.out"; do sleep 0.2; i=$((i + 1)); done
if grep -q "main@sha1:2222" "$WORK/follow.out" && grep -q "main@sha1:3333" "$WORK/follow.out"; then
	ok logs_pods_follow
else
	ko logs_pods_follow "the appended lines did not come: $(tail -n 5 "$WORK/follow.out")"
fi
# the follow polls on until its --timeout ends it; by then each line must have come once
wait "$fpid"
n1=$(grep -c 'main@sha1:1111' "$WORK/follow.out"); n2=$(grep -c 'main@sha1:2222' "$WORK/follow.out"); nb=$(grep -c 'broken' "$WORK/follow.out")
if [ "$n1" -eq 1 ] && [ "$n2" -eq 1 ] && [ "$nb" -eq 1 ]; then ok logs_pods_follow_once_each; else ko logs_pods_follow_once_each "1111 x$n1, 2222 x$n2, broken x$nb: $(cat "$WORK/follow.out")"; fi
expect logs_pods_none 1 "no cflux controller pods found in default namespace" $C logs --flux-namespace default

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
