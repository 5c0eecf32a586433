#!/bin/sh
# tests/bench/idle.sh - every controller idle: the five started at once, each with the
# service-account token `cflux install` makes for it (tests/env/sa-tokens), watching one empty
# namespace. Measured per controller once /readyz answers 200 (it leads and its watches have
# listed), and again BENCH_IDLE_SECS (default 10) seconds later: RSS (VmRSS), its private part
# (RssAnon: heap and stacks; the rest is the pages of the binary and shared libraries it
# touched), and the shared libraries it maps. The issue's target is 4 MiB per idle controller.
# Runs alone (make bench-idle) or as a section of tests/bench/run. With CFLUX_PROFILE_DIR set,
# each controller runs under callgrind instead, its profile written at exit to
# DIR/callgrind.PID ("name pid" lines in DIR/pids); with CFLUX_PAGES_DIR set, the binaries
# come from CFLUX_IDLE_BIN (default bin) and once idle each one's resident pages of its binary
# go to DIR/NAME.pages (link addresses, from /proc/PID/pagemap). link/profile.sh makes
# link/*.order from both.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
. tests/env/common.sh
SETTLE=${BENCH_IDLE_SECS:-10}
READY_SECS=60
NS=bench-idle
NAMES="source-controller kustomize-controller helm-controller notification-controller image-automation-controller"
PROFILE=""
BIN=${CFLUX_IDLE_BIN:-bin}
if [ -n "${CFLUX_PROFILE_DIR:-}" ]; then
	command -v valgrind >/dev/null || { echo "idle.sh: CFLUX_PROFILE_DIR needs valgrind (apt-get install valgrind)" >&2; exit 1; }
	PROFILE="valgrind --tool=callgrind --dump-instr=yes --compress-strings=no --compress-pos=no --callgrind-out-file=$CFLUX_PROFILE_DIR/callgrind.%p"
	READY_SECS=600   # callgrind runs code some 50 times slower
	: > "$CFLUX_PROFILE_DIR/pids"
fi
. tests/bench/lib.sh
scenario_env certs etcd apiserver controller-manager

kubectl apply --server-side -k manifests/crds >/dev/null
kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null
kubectl create namespace $NS >/dev/null 2>&1 || true
# the helm-controller checks that its helm runs; nothing here makes it run one
helm=${CFLUX_HELM:-$HELM_BIN}
[ -x "$helm" ] || { echo "idle.sh: helm $helm is missing (make deps)" >&2; exit 1; }

# start NAME HEALTH_PORT ARGS...: NAME with its own kubeconfig, /metrics and /readyz ports
start() {
	name=$1 port=$2
	shift 2
	$PROFILE "$BIN/$name" --kubeconfig "$CFLUX_ENV_DIR/$name.kubeconfig" --watch-namespace $NS \
		--internal-token-file "$CFLUX_ENV_DIR/internal.token" \
		--metrics-addr 127.0.0.1:$((port + 1)) --health-addr 127.0.0.1:$port \
		--log-level warn "$@" >"$W/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$(echo "$name" | tr - _)=$!"
	[ -z "$PROFILE" ] || echo "$name $!" >> "$CFLUX_PROFILE_DIR/pids"
}
start source-controller 17180 --storage-path "$W/store" --artifact-addr tcp://127.0.0.1:17190 \
	--notify-addr tcp://127.0.0.1:17191 --events-addr tcp://127.0.0.1:17192
start kustomize-controller 17182 --source-notify-addr tcp://127.0.0.1:17191 --events-addr tcp://127.0.0.1:17192
start helm-controller 17184 --source-notify-addr tcp://127.0.0.1:17191 --events-addr tcp://127.0.0.1:17192 \
	--helm "$helm" --tmp-dir "$W"
start notification-controller 17186 --events-addr tcp://127.0.0.1:17192 \
	--events-http-addr 127.0.0.1:17193 --receiver-addr 127.0.0.1:17194
start image-automation-controller 17188 --storage-path "$W/tags"

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" = 200 ]; }
for p in 17180 17182 17184 17186 17188; do
	if ! until_ok $READY_SECS ready $p; then
		echo "idle.sh: the controller with /readyz on $p did not become ready:" >&2
		tail -n 5 "$W"/*.log >&2
		exit 1
	fi
done
for n in $NAMES; do
	eval "p=\$pid_$(echo "$n" | tr - _)"
	echo "$n $(rss $p VmRSS) $(rss $p RssAnon) $(awk '$6 ~ /\.so/ { print $6 }' /proc/$p/maps | sort -u | wc -l)" >> "$W/ready"
done
sleep "$SETTLE"   # the measurement: idle for SETTLE seconds after ready
# pages PID BINARY: the resident pages of BINARY's mappings in PID, as link addresses (the
# mapping at file offset 0 is the link address 0 of a PIE)
pages() {
	awk -v bin="$2" '$6 == bin { split($1, r, "-"); print r[1], r[2], $3 }' "/proc/$1/maps" |
	while read -r lo hi off; do
		[ "$off" != 00000000 ] || base=$lo
		n=$(( (0x$hi - 0x$lo) / 4096 ))
		# dd seeks to the entry (od -j would read the terabytes before it)
		dd if="/proc/$1/pagemap" bs=8 skip=$((0x$lo / 4096)) count="$n" status=none | od -An -v -w8 -tx8 |
			awk -v lo=$((0x$lo)) -v base=$((0x$base)) '$1 ~ /^[89a-f]/ { printf "%d\n", lo - base + (NR - 1) * 4096 }'
	done
}
if [ -n "${CFLUX_PAGES_DIR:-}" ]; then
	for n in $NAMES; do
		eval "p=\$pid_$(echo "$n" | tr - _)"
		pages "$p" "$(cd "$BIN" && pwd)/$n" > "$CFLUX_PAGES_DIR/$n.pages"
	done
fi
total=0
echo "| controller | RSS at ready | RSS ${SETTLE} s later | private (RssAnon) | shared libraries mapped | target |"
echo "|---|---|---|---|---|---|"
while read -r n r0 a0 libs; do
	eval "p=\$pid_$(echo "$n" | tr - _)"
	kill -0 "$p" 2>/dev/null || { echo "idle.sh: $n exited: $(tail -n 3 "$W/$n.log")" >&2; exit 1; }
	r1=$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' /proc/$p/status)
	a1=$(awk '$1 == "RssAnon:" { printf "%.1f", $2 / 1024 }' /proc/$p/status)
	total=$(echo "$total $r1" | awk '{ printf "%.1f", $1 + $2 }')
	echo "| $n | $r0 MiB | $r1 MiB | $a1 MiB | $libs | 4 MiB |"
done < "$W/ready"
echo "| all five | | $total MiB | | | 20 MiB |"
