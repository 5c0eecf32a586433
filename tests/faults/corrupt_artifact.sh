#!/bin/sh
# tests/faults/corrupt_artifact.sh - the stored artifact truncated on disk: a consumer's fetch
# fails on the digest check (Ready=False saying so, nothing applied from it); a restarted
# source-controller finds the artifact not whole, stores it again and the consumers recover.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
trap faults_cleanup EXIT

faults_crds
faults_setup corrupt
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
start_source
start_kustomize
if wait_applied "$REV1" 300; then ok "all_${N}_applied_v1"; else ko "all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi
path=$(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.artifact.path}')
file=$FWORK/storage/$path
if [ -s "$file" ]; then ok artifact_on_disk; else ko artifact_on_disk "no $file"; fi
size=$(stat -c %s "$file")
truncate -s $((size / 2)) "$file"
# a spec change, so that k0 must fetch the artifact again (a bare requestedAt finds its input
# unchanged and its objects clean, and rightly fetches nothing)
kubectl -n "$fns" patch kustomization k0 --type merge -p '{"spec":{"interval":"11m"}}' >/dev/null
k0_says() {
	kubectl -n "$fns" get kustomization k0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}' | grep -q "$1"
}
if wait_until 60 k0_says "does not match"; then ok corrupt_status_says_digest; else ko corrupt_status_says_digest "k0 Ready: $(kubectl -n "$fns" get kustomization k0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"; fi
m=$(cm_marks)
if [ "$m" = "$N v1" ]; then ok corrupt_nothing_applied_from_it; else ko corrupt_nothing_applied_from_it "marks: $m"; fi
kill "$SC_PID"
wait "$SC_PID" 2>/dev/null
start_source
t0=$(now_ms)
whole() { [ "$(stat -c %s "$file" 2>/dev/null)" = "$size" ]; }
if wait_until 60 whole; then ok corrupt_artifact_stored_again; else ko corrupt_artifact_stored_again "$file is $(stat -c %s "$file" 2>/dev/null) bytes, want $size"; fi
if wait_until 120 k0_says "^Applied revision"; then
	echo "corrupted artifact: stored again and k0 applied $(($(now_ms) - t0)) ms after the source-controller's restart"
	ok corrupt_recovered
else
	ko corrupt_recovered "k0: $(kubectl -n "$fns" get kustomization k0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
