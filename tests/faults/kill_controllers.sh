#!/bin/sh
# tests/faults/kill_controllers.sh - kill -9 of a controller mid-reconcile, then restarted:
#   - kustomize-controller mid-apply (a new revision for N Kustomizations, killed when a third
#     applied it) and mid-prune (a revision that renames every ConfigMap: the old ones pruned);
#   - source-controller mid-fetch (killed right after the reconcile request, before it stored).
# Each checks nothing lost (N objects of the new revision), nothing duplicated (no object of the
# old one left, one per inventory), Ready again by itself, and prints the recovery time from the
# restart. helm-controller mid-upgrade: test_helm_controller's pending_release_recovered.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
trap faults_cleanup EXIT

faults_crds
faults_setup kill
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
start_source
start_kustomize
if wait_applied "$REV1" 300; then ok "all_${N}_applied_v1"; else ko "all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi

# kustomize-controller mid-apply
REV2=$(faults_commit v2)
request_source
had=$(kill_kc_at "$REV2" $((N / 3)))
start_kustomize
t0=$(now_ms)
if wait_applied "$REV2" 120; then
	echo "kustomize-controller killed mid-apply ($had of $N done): all applied $(($(now_ms) - t0)) ms after its restart"
	ok kill_kustomize_mid_apply_recovered
else
	ko kill_kustomize_mid_apply_recovered "$(applied_count "$REV2") of $N"
fi
m=$(cm_marks)
if [ "$m" = "$N v2" ]; then ok mid_apply_nothing_lost_or_duplicated; else ko mid_apply_nothing_lost_or_duplicated "marks: $m"; fi
if inventories_whole; then ok mid_apply_inventories_whole; else ko mid_apply_inventories_whole "an inventory is not its one ConfigMap"; fi

# kustomize-controller mid-prune: every ConfigMap renamed, the old ones pruned
REV3=$(faults_commit v3 cmb)
request_source
had=$(kill_kc_at "$REV3" $((N / 3)))
start_kustomize
t0=$(now_ms)
if wait_applied "$REV3" 120; then
	echo "kustomize-controller killed mid-prune ($had of $N done): all applied $(($(now_ms) - t0)) ms after its restart"
	ok kill_kustomize_mid_prune_recovered
else
	ko kill_kustomize_mid_prune_recovered "$(applied_count "$REV3") of $N"
fi
n=$(cm_names)
if [ "$n" = "$N cmb" ]; then ok mid_prune_old_pruned_new_once; else ko mid_prune_old_pruned_new_once "names: $n"; fi
if inventories_whole; then ok mid_prune_inventories_whole; else ko mid_prune_inventories_whole "an inventory is not its one ConfigMap"; fi

# source-controller mid-fetch
REV4=$(faults_commit v4 cmb)
request_source
kill -9 "$SC_PID"
wait "$SC_PID" 2>/dev/null
SC_PID=""
stored=no
source_at "$REV4" && stored=yes
start_source
t0=$(now_ms)
if wait_until 60 source_at "$REV4"; then ok kill_source_mid_fetch_stored; else ko kill_source_mid_fetch_stored "artifact not at $REV4"; fi
if wait_applied "$REV4" 120; then
	echo "source-controller killed mid-fetch (stored before the kill: $stored): all applied $(($(now_ms) - t0)) ms after its restart"
	ok kill_source_mid_fetch_recovered
else
	ko kill_source_mid_fetch_recovered "$(applied_count "$REV4") of $N"
fi
m=$(cm_marks)
if [ "$m" = "$N v4" ]; then ok mid_fetch_nothing_lost_or_duplicated; else ko mid_fetch_nothing_lost_or_duplicated "marks: $m"; fi
ready=$(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
if [ "$ready" = True ]; then ok source_ready_after_restart; else ko source_ready_after_restart "Ready $ready"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
