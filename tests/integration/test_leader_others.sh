#!/bin/sh
# tests/integration/test_leader_others.sh - leader election for the controllers test_leader.sh
# does not run: helm-controller, notification-controller and image-automation-controller, two
# instances of each with --enable-leader-election (the same listening addresses: a standby
# opens none). One holds "<name>-leader-election"; the standby answers /healthz 200 and /readyz
# 503 and serves nothing else; after kill -9 of the leader the standby takes the Lease and turns
# ready, and the notification-controller's event and receiver servers answer from it.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-leader-o-$$
WORK=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	[ "$failed" -eq 0 ] && rm -rf "$WORK"
	[ "$failed" -eq 0 ] || echo "logs kept in $WORK" >&2
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
holder() { kubectl -n "$NS" get lease "$1-leader-election" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
# acquired NAME INSTANCE: INSTANCE's log says it holds NAME's Lease now
acquired() { h=$(holder "$1"); [ -n "$h" ] && grep "successfully acquired lease" "$WORK/$2.log" 2>/dev/null | grep -q -- "$h"; }
either() { acquired "$1" "${1}-1" || acquired "$1" "${1}-2"; }
code() { curl -s -o /dev/null -w '%{http_code}' "http://$1" 2>/dev/null; }

kubectl create namespace "$NS" >/dev/null || ko setup "could not create namespace $NS"
kubectl apply --server-side --force-conflicts -k manifests/crds >/dev/null || ko setup "could not apply the CRDs"
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
IAC_KUBECONFIG=$CFLUX_ENV_DIR/image-automation-controller.kubeconfig
LE="--enable-leader-election --leader-election-namespace $NS --leader-election-lease-duration 4s --leader-election-renew-deadline 3s --leader-election-retry-period 500ms"
# start NAME I: instance I (1 or 2) of controller NAME; its health endpoint on 17340 + 3*k + I
port=17340
start() {
	hp=$((port + $2))
	case $1 in
	helm-controller)
		set -- "$1" "$2" --kubeconfig "$HC_KUBECONFIG" --helm "$CFLUX_HELM" --tmp-dir "$WORK" \
			--source-notify-addr tcp://127.0.0.1:17349 --events-addr tcp://127.0.0.1:17350 ;;
	notification-controller)
		set -- "$1" "$2" --kubeconfig "$NC_KUBECONFIG" --events-addr tcp://127.0.0.1:17351 \
			--events-http-addr 127.0.0.1:17352 --receiver-addr 127.0.0.1:17353 ;;
	image-automation-controller)
		set -- "$1" "$2" --kubeconfig "$IAC_KUBECONFIG" --storage-path "$WORK/tags-$2" --events-addr tcp://127.0.0.1:17354 ;;
	esac
	n=$1 i=$2; shift 2
	# shellcheck disable=SC2086
	bin/$n "$@" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --metrics-addr "" \
		--health-addr "127.0.0.1:$hp" $LE 2>"$WORK/$n-$i.log" &
	PIDS="$PIDS $!"
	eval "PID_$(echo "$n" | tr - _)_$i=$!"
	eval "HP_$(echo "$n" | tr - _)_$i=$hp"
}
for n in helm-controller notification-controller image-automation-controller; do
	start "$n" 1
	start "$n" 2
	v=$(echo "$n" | tr - _)
	if poll 60 either "$n"; then ok "${n}_one_leader"; else ko "${n}_one_leader" "no holder: $(tail -n 3 "$WORK/$n-1.log")"; fi
	if acquired "$n" "$n-1"; then L=1 S=2; else L=2 S=1; fi
	eval "LP=\$PID_${v}_$L LH=\$HP_${v}_$L SH=\$HP_${v}_$S"
	if ! grep -q "successfully acquired" "$WORK/$n-$S.log" && [ "$(code "127.0.0.1:$SH/healthz")" = 200 ] &&
		[ "$(code "127.0.0.1:$SH/readyz")" = 503 ]; then ok "${n}_standby_waits"
	else ko "${n}_standby_waits" "healthz $(code "127.0.0.1:$SH/healthz"), readyz $(code "127.0.0.1:$SH/readyz"): $(tail -n 2 "$WORK/$n-$S.log")"; fi
	poll 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$LH/readyz)\" = 200 ]" ||
		ko "${n}_leader_ready" "the leader's /readyz: $(code "127.0.0.1:$LH/readyz")"
	kill -9 "$LP"
	t0=$(now_ms)
	if poll 60 acquired "$n" "$n-$S"; then
		echo "$n: the standby took the Lease $(($(now_ms) - t0)) ms after kill -9 of the leader (lease 4s)"
		ok "${n}_standby_took_over"
	else ko "${n}_standby_took_over" "$(tail -n 3 "$WORK/$n-$S.log")"; fi
	ready_now() { [ "$(code "127.0.0.1:$SH/readyz")" = 200 ]; }
	if poll 60 ready_now; then ok "${n}_new_leader_ready"; else ko "${n}_new_leader_ready" "/readyz $(code "127.0.0.1:$SH/readyz")"; fi
	port=$((port + 3))
done
# the new notification-controller leader serves the event intake and the receivers
if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' http://127.0.0.1:17352/)" != 000 ]; then ok nc_servers_after_takeover
else ko nc_servers_after_takeover "nothing listens on the events HTTP address"; fi
for f in "$WORK"/*.log; do
	if grep -q "Sanitizer\|runtime error:" "$f"; then ko "sanitizer_clean_$(basename "$f" .log)" "$(grep -m 1 "Sanitizer\|runtime error:" "$f")"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
