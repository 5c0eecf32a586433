#!/bin/sh
# tests/integration/test_sharding.sh - sharding as Flux documents it: three kustomize-controllers,
# the main one with --watch-label-selector='!sharding.fluxcd.io/key' and two shards with
# 'sharding.fluxcd.io/key=shard1' and '=shard2', split 200 Kustomizations of one GitRepository
# (40 unlabelled, 80 per shard; the source-controller is not sharded): every Kustomization Ready
# and applied (its "applied" log line) by exactly one controller, the one its label names.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-shard-$$
WORK=$(mktemp -d)
REPO=$CFLUX_GIT_REPOS/shard-$$.git
N=200
PIDS=""
. tests/integration/fleet.sh
trap fleet_cleanup EXIT
shard_of() { if [ "$1" -le 40 ]; then echo main; elif [ "$1" -le 120 ]; then echo shard1; else echo shard2; fi; }

fleet_repo $N
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --storage-path "$WORK/store" \
	--artifact-addr tcp://127.0.0.1:17360 --notify-addr tcp://127.0.0.1:17361 --events-addr tcp://127.0.0.1:17362 2>"$WORK/sc.log" &
PIDS="$PIDS $!"
kc() { # kc NAME SELECTOR
	bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
		--source-notify-addr tcp://127.0.0.1:17361 --events-addr tcp://127.0.0.1:17362 --watch-label-selector "$2" 2>"$WORK/$1.log" &
	PIDS="$PIDS $!"
}
kc main '!sharding.fluxcd.io/key'
kc shard1 'sharding.fluxcd.io/key=shard1'
kc shard2 'sharding.fluxcd.io/key=shard2'
label_of() { s=$(shard_of "$1"); [ "$s" = main ] || echo "$s"; }
fleet_objects $N label_of > "$WORK/objs.yaml"
T0=$(now_ms)
kubectl apply -f "$WORK/objs.yaml" >/dev/null
if kubectl -n "$NS" wait --for=condition=Ready kustomization --all --timeout=180s >/dev/null 2>&1; then ok all_ready; else ko all_ready "$(kubectl -n "$NS" get kustomizations --no-headers | grep -v True | head -n 3)"; fi
echo "$N Kustomizations Ready in $(( $(now_ms) - T0 )) ms over 3 shards"
bad=""; i=1
while [ $i -le $N ]; do
	want=$(shard_of $i); by=""
	for s in main shard1 shard2; do
		grep -q "applied.*object=$NS/k$i[ \"]" "$WORK/$s.log" && by="$by $s"
	done
	[ "$by" = " $want" ] || bad="$bad k$i:$by(want $want)"
	i=$((i + 1))
done
[ -z "$bad" ] && ok each_by_exactly_its_shard || ko each_by_exactly_its_shard "$(echo "$bad" | cut -c1-300)"
n=$(kubectl -n "$NS" get configmaps -o name | grep -c cm-)
[ "$n" -eq $N ] && ok every_object_applied || ko every_object_applied "$n ConfigMaps, want $N"
fleet_sanitizer_clean sc main shard1 shard2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
