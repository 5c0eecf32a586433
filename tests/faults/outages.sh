#!/bin/sh
# tests/faults/outages.sh - the servers the controllers need, gone and back, with N
# Kustomizations of one GitRepository:
#   - the API server down API_DOWN_S seconds (default 60) while a revision is pushed: applied
#     once it is back, the controllers still running;
#   - etcd restarted under the API server: a revision pushed after it is applied;
#   - the Git server (git-http) refusing connections (stopped): GitRepository Ready=False saying
#     so, recovered by itself once it is back;
#   - the Git server hanging (SIGSTOP: connections accepted, no byte sent): spec.timeout (10 s
#     here) bounds the fetch, Ready=False saying so, recovered once it answers again.
# Each prints the recovery time from the moment the server is back.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
API_DOWN_S=${API_DOWN_S:-60}
trap faults_cleanup EXIT

faults_crds
faults_setup outage
kubectl -n "$fns" patch gitrepository src --type merge -p '{"spec":{"timeout":"10s"}}' >/dev/null
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
start_source
start_kustomize
if wait_applied "$REV1" 300; then ok "all_${N}_applied_v1"; else ko "all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi
alive_both() { kill -0 "$SC_PID" 2>/dev/null && kill -0 "$KC_PID" 2>/dev/null; }
source_ready_line() {
	kubectl -n "$fns" get gitrepository src -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.reason} {.message}{end}'
}
source_says() { source_ready_line | grep -q "$1"; }

# the API server down
sh tests/env/down apiserver
t_down=$(now_ms)
REV2=$(faults_commit v2)
# the request goes in once it is back; meanwhile the controllers' watches and writes fail
while [ $(($(now_ms) - t_down)) -lt $((API_DOWN_S * 1000)) ]; do sleep 1; done
sh tests/env/up apiserver >/dev/null 2>&1 || ko apiserver_back "tests/env/up apiserver failed"
t0=$(now_ms)
request_source
if wait_applied "$REV2" 180; then
	echo "API server down ${API_DOWN_S} s: all $N applied $(($(now_ms) - t0)) ms after it was back"
	ok api_down_recovered
else
	ko api_down_recovered "$(applied_count "$REV2") of $N"
fi
if alive_both; then ok api_down_controllers_running; else ko api_down_controllers_running "a controller exited"; fi
m=$(cm_marks)
if [ "$m" = "$N v2" ]; then ok api_down_nothing_lost; else ko api_down_nothing_lost "marks: $m"; fi

# etcd restarted
sh tests/env/down etcd
sh tests/env/up etcd >/dev/null 2>&1 || ko etcd_back "tests/env/up etcd failed"
t0=$(now_ms)
REV3=$(faults_commit v3)
wait_until 60 request_source
if wait_applied "$REV3" 180; then
	echo "etcd restarted: all $N applied $(($(now_ms) - t0)) ms after it was back"
	ok etcd_restart_recovered
else
	ko etcd_restart_recovered "$(applied_count "$REV3") of $N"
fi
if alive_both; then ok etcd_restart_controllers_running; else ko etcd_restart_controllers_running "a controller exited"; fi

# the Git server refusing connections
sh tests/env/down git-http
REV4=$(faults_commit v4)
request_source
if wait_until 60 source_says "^False .*refused"; then ok git_refused_status_says; else ko git_refused_status_says "Ready: $(source_ready_line)"; fi
sh tests/env/up git-http >/dev/null 2>&1 || ko git_back "tests/env/up git-http failed"
t0=$(now_ms)
if wait_until 330 source_at "$REV4" && wait_applied "$REV4" 120; then
	echo "Git server refusing: stored and all $N applied $(($(now_ms) - t0)) ms after it was back"
	ok git_refused_recovered
else
	ko git_refused_recovered "source: $(source_ready_line); $(applied_count "$REV4") of $N"
fi

# the Git server hanging
ghp=$(cat "$CFLUX_ENV_DIR/pids/git-http")
kill -STOP "$ghp"
REV5=$(faults_commit v5)
t_stop=$(now_ms)
request_source
if wait_until 60 source_says "^False "; then
	echo "Git server hanging: Ready=False $(($(now_ms) - t_stop)) ms after the request (spec.timeout 10s): $(source_ready_line)"
	ok git_hang_bounded_by_timeout
else
	ko git_hang_bounded_by_timeout "Ready: $(source_ready_line)"
fi
kill -CONT "$ghp"
t0=$(now_ms)
if wait_until 330 source_at "$REV5" && wait_applied "$REV5" 120; then
	echo "Git server hanging: stored and all $N applied $(($(now_ms) - t0)) ms after it answered again"
	ok git_hang_recovered
else
	ko git_hang_recovered "source: $(source_ready_line); $(applied_count "$REV5") of $N"
fi
m=$(cm_marks)
if [ "$m" = "$N v5" ]; then ok outages_nothing_lost; else ko outages_nothing_lost "marks: $m"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
