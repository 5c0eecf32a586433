#!/bin/sh
# tests/integration/test_demo.sh - `make demo`'s script against the running environment: the
# fleet syncs, a pushed change is applied, a scale is reverted, a removed file is pruned. Then
# the demo's controllers are stopped (by their PIDs) and its objects removed.
set -u
passed=0
failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
if sh tests/env/demo >"$OUT" 2>&1; then ok demo_runs; else ko demo_runs "exit $?: $(tail -n 5 "$OUT")"; fi
check() {
	if grep -q "$2" "$OUT"; then ok "$1"; else ko "$1" "no line matching '$2' in the demo output"; fi
}
check synced '^synced in [0-9]* ms'
check postbuild_dev '^MESSAGE in dev:  hello from dev$'
check postbuild_prod_from_configmap '^MESSAGE in prod: hello from prod$'
check push_applied '^applied [0-9]* ms after the push'
check drift_reverted '^reverted to 4 in [0-9]* ms'
check drift_event 'drift corrected: Deployment/dev/podinfo modified'
check pruned '^pruned from dev and prod'
check how_to_stop 'make demo-down'
sh tests/env/down kustomize-controller source-controller
kubectl -n flux-system delete kustomizations --all --wait=false >/dev/null 2>&1
for k in $(kubectl -n flux-system get kustomizations,gitrepositories -o name 2>/dev/null); do
	kubectl -n flux-system patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
done
kubectl delete namespace dev prod --wait=false >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
