#!/bin/sh
# tests/faults/source_restart.sh - the source-controller killed (-9) right after it stored a new
# revision, restarted once its consumers have seen it gone: N Kustomizations (interval and
# so retryInterval 10m) must all apply the new revision within seconds of the restart, from
# the fetch's short backoff and the restarted source-controller's announce of its stored
# artifacts, not after retryInterval. N (default 200) from the environment.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
trap faults_cleanup EXIT

faults_crds
faults_setup srcrestart
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
start_source
start_kustomize
if wait_applied "$REV1" 300; then ok "all_${N}_applied_v1"; else ko "all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi

# the kustomize-controller paused while the revision is stored, so that every consumer meets
# the dead service (with it running, those that fetched before the kill would not)
kill -STOP "$KC_PID"
REV2=$(faults_commit v2)
request_source
if wait_until 60 source_at "$REV2"; then ok source_stored_v2; else ko source_stored_v2 "artifact not at $REV2"; fi
kill -9 "$SC_PID"
wait "$SC_PID" 2>/dev/null
killed=$(now_ms)
SC_PID=""
kill -CONT "$KC_PID"
# the consumers meet the dead artifact service; their status says so in words
down_msg() {
	kubectl -n "$fns" get kustomizations -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].message}{"\n"}{end}' |
		grep -q "artifact service at $ART_ADDR unreachable"
}
if wait_until 60 down_msg; then ok status_says_unreachable; else ko status_says_unreachable "no Ready message names the artifact service"; fi
before=$(applied_count "$REV2")
start_source
restarted=$(now_ms)
echo "source-controller down $((restarted - killed)) ms; $before of $N at the new revision before the restart"
if wait_applied "$REV2" 120; then
	echo "all $N at the new revision $(($(now_ms) - restarted)) ms after the restart"
	ok "all_${N}_applied_v2_after_restart"
else
	ko "all_${N}_applied_v2_after_restart" "$(applied_count "$REV2") of $N after 120 s"
fi
marks=$(cm_marks)
if [ "$marks" = "$N v2" ]; then ok configmaps_all_v2_once; else ko configmaps_all_v2_once "marks: $marks"; fi
retries=$(grep -c "artifact service at .* unreachable" "$FWORK/kustomize-controller.log")
echo "fetches that met the dead service: $retries (kustomize-controller log)"
if grep -q "stored artifacts announced" "$FWORK/source-controller.log"; then ok restart_announced; else ko restart_announced "no announce in the log"; fi
not_ready=$(kubectl -n "$fns" get kustomizations -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -vc True)
if [ "$not_ready" -eq 0 ]; then ok all_ready_again; else ko all_ready_again "$not_ready not Ready"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
