#!/bin/sh
# tests/integration/test_leader.sh - leader election on Leases (runtime/leader): two
# kustomize-controllers and two source-controllers with --enable-leader-election; one of each
# holds the Lease "<name>-leader-election", the other waits (no server, no writes); 50
# Kustomizations, the kustomize leader killed -9 mid-reconcile: the standby takes the lease and
# finishes, every Kustomization Ready, every object applied by one manager, no Ready
# True->False flap. A leader whose Lease is overwritten by someone else exits 1 at once ("leader
# election lost"); a leader stopped with SIGTERM releases its Lease and a standby takes it.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-leader-$$
WORK=$(mktemp -d)
REPO=$CFLUX_GIT_REPOS/leader-$$.git
N=50
PIDS=""
. tests/integration/fleet.sh
trap fleet_cleanup EXIT
holder() { kubectl -n "$NS" get lease "$1" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
# the name of the process whose log ($WORK/NAME.log, NAME in $2...) says it acquired lease $1's current holder
leader_of() {
	h=$(holder "$1"); [ -n "$h" ] || return 1
	shift
	for n in "$@"; do
		if grep "successfully acquired lease" "$WORK/$n.log" 2>/dev/null | grep -q -- "$h"; then echo "$n"; return 0; fi
	done
	return 1
}
has_leader() { leader_of "$@" >/dev/null; }

fleet_repo $N
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
LE="--enable-leader-election --leader-election-namespace $NS --leader-election-lease-duration 4s --leader-election-renew-deadline 3s --leader-election-retry-period 500ms"
sc() { # sc NAME: a source-controller (both on the same addresses: only the leader serves)
	bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --storage-path "$WORK/store-$1" \
		--artifact-addr tcp://127.0.0.1:17260 --notify-addr tcp://127.0.0.1:17261 --events-addr tcp://127.0.0.1:17262 $LE 2>"$WORK/$1.log" &
	eval "PID_$1=$!"; PIDS="$PIDS $!"
}
kc() {
	bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
		--source-notify-addr tcp://127.0.0.1:17261 --events-addr tcp://127.0.0.1:17262 $LE 2>"$WORK/$1.log" &
	eval "PID_$1=$!"; PIDS="$PIDS $!"
}
sc sc1; sc sc2; kc kc1; kc kc2
if poll 30 has_leader source-controller-leader-election sc1 sc2; then ok sc_one_leader; else ko sc_one_leader "no holder of source-controller-leader-election: $(tail -n 3 "$WORK/sc1.log")"; fi
if poll 30 has_leader kustomize-controller-leader-election kc1 kc2; then ok kc_one_leader; else ko kc_one_leader "no holder: $(tail -n 3 "$WORK/kc1.log")"; fi
SCL=$(leader_of source-controller-leader-election sc1 sc2); KCL=$(leader_of kustomize-controller-leader-election kc1 kc2)
[ "$SCL" = sc1 ] && SCS=sc2 || SCS=sc1
[ "$KCL" = kc1 ] && KCS=kc2 || KCS=kc1
if grep -q "attempting to acquire" "$WORK/$KCS.log" && ! grep -q "successfully acquired" "$WORK/$KCS.log"; then ok kc_standby_waits; else ko kc_standby_waits "$(tail -n 3 "$WORK/$KCS.log")"; fi
if ! grep -q "successfully acquired" "$WORK/$SCS.log"; then ok sc_standby_waits; else ko sc_standby_waits "$(tail -n 3 "$WORK/$SCS.log")"; fi

# Ready of every Kustomization as it changes, to find flaps
kubectl -n "$NS" get kustomizations --watch-only -o jsonpath='{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}' >"$WORK/ready.log" 2>/dev/null &
WATCH=$!; PIDS="$PIDS $WATCH"
fleet_objects $N > "$WORK/objs.yaml"
kubectl apply -f "$WORK/objs.yaml" >/dev/null
some_ready() { [ "$(kubectl -n "$NS" get kustomizations -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -ge 3 ]; }
poll 60 some_ready || ko some_ready_before_kill "none Ready in 60 s: $(tail -n 3 "$WORK/$KCL.log")"
eval "kill -9 \$PID_$KCL"
T0=$(now_ms)
other_holds() { h=$(holder kustomize-controller-leader-election); grep "successfully acquired lease" "$WORK/$KCS.log" 2>/dev/null | grep -q -- "${h:-none}"; }
if poll 60 other_holds; then ok kc_standby_took_over; echo "takeover after kill -9: $(( $(now_ms) - T0 )) ms (lease 4s)"; else ko kc_standby_took_over "$(tail -n 3 "$WORK/$KCS.log")"; fi
if kubectl -n "$NS" wait --for=condition=Ready kustomization --all --timeout=120s >/dev/null 2>&1; then ok all_ready; else ko all_ready "$(kubectl -n "$NS" get kustomizations --no-headers | grep -v True | head -n 3)"; fi
echo "all $N Ready $(( $(now_ms) - T0 )) ms after the kill"
n=$(kubectl -n "$NS" get configmaps -o name | grep -c cm-)
[ "$n" -eq $N ] && ok every_object_applied || ko every_object_applied "$n ConfigMaps, want $N"
many=$(kubectl -n "$NS" get configmaps -o jsonpath='{range .items[*]}{.metadata.name} {range .metadata.managedFields[*]}{.manager},{end}{"\n"}{end}' | grep '^cm-' | grep -v '^cm-[0-9]* kustomize-controller,$' | head -n 3)
[ -z "$many" ] && ok applied_by_one_manager || ko applied_by_one_manager "$many"
kill "$WATCH" 2>/dev/null
flaps=$(awk '$2=="True"{t[$1]=1} $2=="False" && t[$1]{print $1}' "$WORK/ready.log" | sort -u | head -n 3)
[ -z "$flaps" ] && ok no_ready_flap || ko no_ready_flap "True->False: $flaps"

# someone else overwrites the Lease: the leader exits 1 at once
eval "P=\$PID_$KCS"
kubectl -n "$NS" patch lease kustomize-controller-leader-election --type merge -p '{"spec":{"holderIdentity":"intruder"}}' >/dev/null
if poll 20 dead "$P"; then ok lost_lease_exits; else ko lost_lease_exits "still running"; fi
wait "$P" 2>/dev/null; rc=$?
[ "$rc" -eq 1 ] && ok lost_lease_exit_1 || ko lost_lease_exit_1 "exit $rc"
grep -q "leader election lost" "$WORK/$KCS.log" && ok lost_lease_logged || ko lost_lease_logged "$(tail -n 2 "$WORK/$KCS.log")"
last=$(grep -n "leader election lost" "$WORK/$KCS.log" | cut -d: -f1 | head -n 1)
after=$(sed -n "$((${last:-0} + 1)),\$p" "$WORK/$KCS.log" | head -n 2)
[ -z "$after" ] && ok nothing_after_lost || ko nothing_after_lost "$after"

# SIGTERM releases the lease: a standby takes it without waiting out the intruder's record
kc kc3
poll 30 has_leader kustomize-controller-leader-election kc3 || ko kc3_leads "$(tail -n 3 "$WORK/kc3.log")"
kc kc4
poll 10 grep -q "attempting to acquire" "$WORK/kc4.log"
kill -TERM "$PID_kc3"
if poll 30 has_leader kustomize-controller-leader-election kc4; then ok standby_after_sigterm; else ko standby_after_sigterm "$(tail -n 3 "$WORK/kc4.log")"; fi
wait "$PID_kc3"; rc=$?
[ "$rc" -eq 0 ] && ok sigterm_exit_0 || ko sigterm_exit_0 "exit $rc"
grep -q "released the lease" "$WORK/kc3.log" && ok sigterm_released || ko sigterm_released "$(tail -n 3 "$WORK/kc3.log")"
t=$(kubectl -n "$NS" get lease kustomize-controller-leader-election -o jsonpath='{.spec.leaseTransitions}')
[ "${t:-0}" -ge 3 ] && ok lease_transitions_counted || ko lease_transitions_counted "leaseTransitions $t"
fleet_sanitizer_clean sc1 sc2 kc1 kc2 kc3 kc4
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
