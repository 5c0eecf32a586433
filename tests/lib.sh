# tests/lib.sh - what the shell tests share (sourced): counting and expectations.
passed=0
failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# expect NAME WANT_EXIT TEXT CMD...: runs CMD, checks its exit code and that TEXT is in its output
expect() {
	name=$1 want=$2 text=$3; shift 3
	out=$("$@" 2>&1); got=$?
	if [ "$got" -ne "$want" ]; then ko "$name" "exit $got, want $want: $(printf '%s' "$out" | tail -n 5)"
	elif [ -n "$text" ] && ! printf '%s' "$out" | grep -q -- "$text"; then ko "$name" "no '$text' in: $(printf '%s' "$out" | tail -n 5)"
	else ok "$name"; fi
}
# poll SECS CMD...: runs CMD (quietly) every 0.2 s until it succeeds (0) or SECS of the clock
# pass (1)
poll() {
	secs=$1; shift
	end=$(( $(date +%s) + secs ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# controller_identities: the controllers' own ServiceAccount tokens (tests/env/sa-tokens; a
# test that uninstalls removes them, so each script mints them again). Sets SC_KUBECONFIG,
# KC_KUBECONFIG, NC_KUBECONFIG, HC_KUBECONFIG and INTERNAL_TOKEN_FILE for the controller processes; the
# script's own kubectl calls keep the admin KUBECONFIG.
controller_identities() {
	if ! sh tests/env/sa-tokens >&2; then
		ko controller_identities "tests/env/sa-tokens failed"
		return 1
	fi
	SC_KUBECONFIG=$CFLUX_ENV_DIR/source-controller.kubeconfig
	KC_KUBECONFIG=$CFLUX_ENV_DIR/kustomize-controller.kubeconfig
	NC_KUBECONFIG=$CFLUX_ENV_DIR/notification-controller.kubeconfig
	HC_KUBECONFIG=$CFLUX_ENV_DIR/helm-controller.kubeconfig
	INTERNAL_TOKEN_FILE=$CFLUX_ENV_DIR/internal.token
}
# flux_cli DIR: FLUX, the real flux CLI to compare with ($CFLUX_FLUX, else the one
# tests/env/build-flux cli builds and caches); empty, after the build's last lines, when it
# cannot be built (the comparing tests then fail every case loudly). DIR holds the build log.
flux_cli() {
	FLUX=${CFLUX_FLUX:-}
	[ -n "$FLUX" ] && return 0
	if sh tests/env/build-flux cli >"$1/build.log" 2>&1; then
		FLUX=$(sh -c '. tests/env/common.sh; echo "$CFLUX_CACHE"')/fluxcd-flux-${CFLUX_FLUX_CLI_VERSION:-2.9.5}/bin/flux
	else
		tail -n 20 "$1/build.log"
	fi
}
