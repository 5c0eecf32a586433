#!/bin/sh
# tests/faults/many_objects.sh - MANY Kustomizations (default 1000) created in one apply, all
# applied, then deleted in one delete: every one gone (its finalizer run) and every object it
# applied pruned. Prints both times.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${MANY:-1000}
trap faults_cleanup EXIT

faults_crds
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
t0=$(now_ms)
faults_setup many
start_source
start_kustomize
if wait_applied "$REV1" 900; then
	echo "$N Kustomizations in one apply: all applied $(($(now_ms) - t0)) ms after it"
	ok "all_${N}_applied"
else
	ko "all_${N}_applied" "$(applied_count "$REV1") of $N"
fi
m=$(cm_marks)
if [ "$m" = "$N v1" ]; then ok many_each_applied_once; else ko many_each_applied_once "marks: $m"; fi
t0=$(now_ms)
kubectl -n "$fns" delete kustomizations --all --wait=false >/dev/null || ko many_delete "kubectl delete failed"
none_left() {
	[ "$(kubectl -n "$fns" get kustomizations -o name | wc -l)" -eq 0 ] &&
		[ "$(kubectl -n "$fns" get configmaps -l kustomize.toolkit.fluxcd.io/namespace="$fns" -o name | wc -l)" -eq 0 ]
}
if wait_until 900 none_left; then
	echo "$N Kustomizations in one delete: all gone and pruned $(($(now_ms) - t0)) ms after it"
	ok many_deleted_and_pruned
else
	ko many_deleted_and_pruned "$(kubectl -n "$fns" get kustomizations -o name | wc -l) Kustomizations and $(kubectl -n "$fns" get configmaps -l kustomize.toolkit.fluxcd.io/namespace="$fns" -o name | wc -l) ConfigMaps left"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
