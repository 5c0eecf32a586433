#!/bin/sh
# tests/integration/test_demo.sh - `make demo`'s script against the running environment: the
# fleet syncs, a pushed change is applied, a scale is reverted, a removed file is pruned. Then
# the demo's controllers are stopped (by their PIDs) and its objects removed.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
if sh tests/env/demo >"$OUT" 2>&1; then ok demo_runs; else ko demo_runs "exit $?: $(tail -n 5 "$OUT")"; fi
check() {
	if grep -q "$2" "$OUT"; then ok "$1"; else ko "$1" "no line matching '$2' in the demo output"; fi
}
check bootstrapped '^    .*bootstrap finished'
check synced '^bootstrapped and synced in [0-9]* ms'
check tree 'Deployment/dev/podinfo'
check postbuild_dev '^MESSAGE in dev:  hello from dev$'
check postbuild_prod_from_configmap '^MESSAGE in prod: hello from prod$'
check push_applied '^applied [0-9]* ms after the push'
check drift_reverted '^reverted to 4 in [0-9]* ms'
check drift_event 'drift corrected: Deployment/dev/podinfo modified'
check pruned '^pruned from dev and prod'
check get_all 'flux-system[[:space:]]*kustomization/apps-prod[[:space:]].*True'
check how_to_stop 'make demo-down'
# the controllers stop first, then `cflux uninstall` removes what bootstrap installed
sh tests/env/down kustomize-controller source-controller
kubectl delete namespace dev prod --wait=false >/dev/null 2>&1
bin/cflux --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" uninstall --keep-namespace >/dev/null 2>&1
# the suites after this one apply the CRDs again: they must be gone, not terminating
if kubectl wait --for=delete crd -l app.kubernetes.io/part-of=cflux --timeout=180s >/dev/null 2>&1; then ok crds_removed
else
	left=$(kubectl get crd -l app.kubernetes.io/part-of=cflux -o name 2>/dev/null | tr '\n' ' ')
	held=$(kubectl get kustomizations,gitrepositories -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.metadata.finalizers}; {end}' 2>/dev/null)
	ko crds_removed "still there after 180 s: $left; objects: $held"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
