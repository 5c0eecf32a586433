# tests/bench/lib.sh - what the scenario scripts (peer.sh, helm.sh) share; sourced, with $W set
# to the script's work directory by the time val is called.

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
# cpu PID: user+system seconds so far; cpu_all PID: with its children it has waited for
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
cpu_all() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / hz }' "/proc/$1/stat"; }
# rss PID VmRSS|VmHWM|RssAnon: in MiB, one decimal (an idle cflux controller is 3 to 5 MiB)
rss() { awk -v k="$2" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# until_ok SECS CMD...: polls CMD (every $UNTIL_SLEEP, default 0.2 s) until it succeeds; fails after SECS
until_ok() {
	deadline=$(($(date +%s) + $1)); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep "${UNTIL_SLEEP:-0.2}"
	done
}
# val PEER KEY: KEY's value in $W/PEER.result ("key value" lines)
val() { awk -v k="$2" '$1 == k { print $2 }' "$W/$1.result"; }
# ratio CFLUX PEER: PEER/CFLUX as "N.Nx", or - when either is not a number
ratio() {
	echo "$1 $2" | awk '{ if ($1 + 0 > 0 && $2 + 0 > 0 && $1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/) printf "%.1fx", $2 / $1; else printf "-" }'
}
# stop_controllers: ends the processes in $PIDS (started by the script) and reaps them
stop_controllers() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=""
}
# scenario_env PIECES...: tests/env's PIECES up and its env read, the service-account
# kubeconfigs that `cflux install` makes (tests/env/sa-tokens), $W a new work directory; at exit
# the controllers in $PIDS end, the namespace $NS goes and $W is removed (image.sh, idle.sh)
scenario_env() {
	sh tests/env/up "$@" >/dev/null
	. "$CFLUX_ENV_DIR/env"
	sh tests/env/sa-tokens >&2
	W=$(mktemp -d)
	PIDS=""
	trap 'stop_controllers; kubectl delete namespace $NS --wait=false >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
}
