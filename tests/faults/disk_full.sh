#!/bin/sh
# tests/faults/disk_full.sh - the source-controller's storage path on a small tmpfs (its own
# mount namespace, so nothing outside the process sees the mount): a revision whose artifact
# does not fit fails in words (Ready=False, "no space left on device"), the artifact of the
# previous revision stays stored and served, nothing half-written is left, the consumers stay
# at the previous revision; once the filesystem has room (remounted larger) the source-controller
# stores the revision by itself and the consumers apply it. Root is needed for the mount.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
DISK_KB=${DISK_KB:-256}
trap faults_cleanup EXIT

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	ko disk_full_setup "needs root and unshare -m (util-linux) for a private tmpfs"
	echo "$passed passed, $failed failed"
	exit 1
fi
faults_crds
faults_setup disk
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
mkdir -p "$FWORK/storage"
unshare -m sh -c "mount -t tmpfs -o size=${DISK_KB}k cflux-faults '$FWORK/storage' && exec bin/source-controller \
	--kubeconfig '$SC_KUBECONFIG' --internal-token-file '$INTERNAL_TOKEN_FILE' --watch-namespace '$fns' \
	--storage-path '$FWORK/storage' --artifact-addr '$ART_ADDR' --notify-addr '$NOTIFY_ADDR' \
	--requeue-max 4s --metrics-addr '' --health-addr ''" >>"$FWORK/source-controller.log" 2>&1 &
SC_PID=$!
start_kustomize
# the storage as the source-controller sees it
store=/proc/$SC_PID/root$FWORK/storage
if wait_applied "$REV1" 300; then ok "disk_all_${N}_applied_v1"; else ko "disk_all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi
faults_setup_ok
path=$(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.artifact.path}')
size1=$(stat -c %s "$store/$path" 2>/dev/null)

# a revision with a blob that cannot be compressed and does not fit
mkdir -p "$FWORK/src/big"
head -c $((DISK_KB * 2 * 1024)) /dev/urandom >"$FWORK/src/big/blob.bin"
REV2=$(faults_commit v2) || ko setup "could not push v2"
request_source
src_says() {
	kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}' | grep -qi "$1"
}
if wait_until 60 src_says "no space left on device"; then ok disk_full_status_says
else ko disk_full_status_says "GitRepository Ready: $(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"; fi
ready=$(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
if [ "$ready" = False ]; then ok disk_full_not_ready; else ko disk_full_not_ready "Ready is '$ready'"; fi
if source_at "$REV1" && [ "$(stat -c %s "$store/$path" 2>/dev/null)" = "$size1" ]; then ok disk_full_previous_artifact_kept
else ko disk_full_previous_artifact_kept "status.artifact: $(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.artifact.revision}'), $store/$path: $(stat -c %s "$store/$path" 2>/dev/null) bytes, want $size1"; fi
partial=$(find "$store" -name '*.tmp-*' 2>/dev/null | wc -l)
if [ "$partial" = 0 ]; then ok disk_full_nothing_half_written; else ko disk_full_nothing_half_written "$partial temporary files left in the storage"; fi
m=$(cm_marks)
if [ "$(applied_count "$REV1")" = "$N" ] && [ "$m" = "$N v1" ]; then ok disk_full_consumers_unchanged
else ko disk_full_consumers_unchanged "$(applied_count "$REV1") of $N at v1, marks: $m"; fi
# the served artifact is still whole: a consumer that fetches it again applies it
kubectl -n "$fns" patch kustomization k0 --type merge -p '{"spec":{"interval":"11m"}}' >/dev/null
k0_ready_v1() { [ "$(kubectl -n "$fns" get kustomization k0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] &&
	[ "$(kubectl -n "$fns" get kustomization k0 -o jsonpath='{.status.observedGeneration}')" = "$(kubectl -n "$fns" get kustomization k0 -o jsonpath='{.metadata.generation}')" ]; }
if wait_until 60 k0_ready_v1; then ok disk_full_previous_artifact_served; else ko disk_full_previous_artifact_served "k0 not Ready at its new generation"; fi

# room again: the source-controller stores v2 by itself (its failure backoff), the consumers follow
nsenter -t "$SC_PID" -m mount -o remount,size=16m "$FWORK/storage" || ko disk_full_remount "could not remount the storage larger"
t0=$(now_ms)
if wait_until 60 source_at "$REV2"; then ok disk_full_stored_when_room
else ko disk_full_stored_when_room "GitRepository at $(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.artifact.revision}')"; fi
if wait_applied "$REV2" 120; then
	echo "disk full: v2 stored and all $N applied $(($(now_ms) - t0)) ms after the storage had room"
	ok disk_full_recovered
else ko disk_full_recovered "$(applied_count "$REV2") of $N applied v2"; fi
m=$(cm_marks)
if [ "$m" = "$N v2" ]; then ok disk_full_every_object_once; else ko disk_full_every_object_once "marks: $m"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
