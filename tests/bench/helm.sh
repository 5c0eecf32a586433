#!/bin/sh
# tests/bench/helm.sh - cflux's helm-controller beside `helm upgrade --install` run serially, in
# the same run, on the same chart and the same local control plane (kwok plays the node):
# N releases (BENCH_HELM_RELEASES, default 100) of one chart made with `helm create` and
# published in tests/env's chart repository, each with its own release name and namespace.
#   cflux   one HelmRepository, N HelmReleases in one namespace (chart.spec -> N HelmCharts built
#           by the source-controller), each installing into its own target namespace
#           (install.createNamespace); timed from applying the N HelmReleases until all are Ready.
#   helm    `helm upgrade --install --create-namespace --wait=watcher` of the same chart N times,
#           one after the other (`helm repo add` first, as a user does), timed in total.
# Both wait for the workloads: Flux's HelmRelease waits by default (install.disableWait false),
# and helm-controller runs helm with --wait=watcher, so the peer does too; both keep helm's and
# Flux's default timeout (5m) and get the same values file (the kwok toleration).
# Measured: wall time; the helm-controller's own peak RSS (VmHWM, read before it stops); the peak
# RSS of every helm process, both sides through /usr/bin/time -f %M (the controller's --helm is a
# wrapper that execs helm under it, so each of its helm children is measured as the peer's are);
# CPU seconds (the controllers, and the helm children that the controller waited for, against
# the peer's helm processes). Ratios are helm/cflux (above 1: cflux is faster or smaller).
# Runs alone (it starts the env pieces it needs) or as a section of tests/bench/run.
# BENCH_PEER=none (or --peer none): the helm-controller alone, no serial helm run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
. tests/env/common.sh
PEER=helm
case ${BENCH_PEER:-} in none) PEER=none ;; esac
case ${1:-} in
--peer) PEER=${2:?--peer needs helm or none} ;;
--peer=*) PEER=${1#--peer=} ;;
"") ;;
*) echo "helm.sh: unknown argument $1 (--peer helm|none)" >&2; exit 2 ;;
esac
case $PEER in helm | none) ;; *) echo "helm.sh: --peer is helm or none, not $PEER" >&2; exit 2 ;; esac
N=${BENCH_HELM_RELEASES:-100}
DEADLINE=${BENCH_HELM_DEADLINE:-1200}
NS=bench-helm
CHART=bench-web
CHART_VERSION=0.1.0
sh tests/env/up certs etcd apiserver controller-manager scheduler kwok charts git-http >/dev/null
. "$CFLUX_ENV_DIR/env"
[ -x "$CFLUX_HELM" ] || { echo "helm.sh: no helm at $CFLUX_HELM (make deps)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "helm.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
sh tests/env/sa-tokens >&2
W=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT

. tests/bench/lib.sh
UNTIL_SLEEP=0.5   # kubectl polls less often: they take CPU from the controllers being measured
rel() { printf 'r%03d' "$1"; }
# Ready=True HelmReleases
count_ready() {
	kubectl -n $NS get helmreleases -o \
		jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' \
		2>/dev/null | grep -c '^True$' || true
}
all_ready() { [ "$(count_ready)" -eq "$N" ]; }
repo_ready() {
	[ "$(kubectl -n $NS get helmrepository bench -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
# rss_stats FILE: "max_MiB mean_MiB count cpu_s" of the /usr/bin/time lines "%M %U %S"
rss_stats() {
	awk 'NF >= 3 && $1 ~ /^[0-9]+$/ { n++; s += $1; if ($1 > m) m = $1; c += $2 + $3 }
	     END { if (n) printf "%.0f %.0f %d %.2f", m / 1024, s / n / 1024, n, c; else print "- - 0 -" }' "$1"
}
# unfinalize KIND...: drops the finalizers of what no controller is left to finalize
unfinalize() {
	for k in "$@"; do
		for o in $(kubectl -n $NS get "$k" -o name 2>/dev/null); do
			kubectl -n $NS patch "$o" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
		done
	done
}
delete_namespaces() {
	nss=$(kubectl get namespaces -o name | grep -E "^namespace/($NS|$1-[0-9]+)\$" || true)
	[ -z "$nss" ] || kubectl delete --wait=true --timeout=600s $nss >/dev/null
}

values() {
	cat <<EOT
tolerations:
- {key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}
EOT
}
objects_yaml() {
	i=0
	while [ $i -lt "$N" ]; do
		r=$(rel $i)
		cat <<EOT
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: $r, namespace: $NS}
spec:
  interval: 1h
  releaseName: $r
  targetNamespace: bench-hr-$i
  install: {createNamespace: true}
  chart:
    spec:
      chart: $CHART
      version: $CHART_VERSION
      sourceRef: {kind: HelmRepository, name: bench}
  values:
$(values | sed 's/^/    /')
EOT
		i=$((i + 1))
	done
}

start_controllers() {
	mkdir -p "$W/store" "$W/helm-tmp"
	chmod 0700 "$W/helm-tmp"
	printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f "%%M %%U %%S" %s "$@"\n' "$W/cflux-helm.rss" "$CFLUX_HELM" > "$W/helm-timed"
	chmod 0755 "$W/helm-timed"
	bin/source-controller --kubeconfig "$CFLUX_ENV_DIR/source-controller.kubeconfig" --watch-namespace $NS \
		--internal-token-file "$CFLUX_ENV_DIR/internal.token" --storage-path "$W/store" \
		--artifact-addr tcp://127.0.0.1:17170 --notify-addr tcp://127.0.0.1:17171 \
		--events-addr tcp://127.0.0.1:17172 --log-level warn >"$W/source.log" 2>&1 &
	SC=$!
	bin/helm-controller --kubeconfig "$CFLUX_ENV_DIR/helm-controller.kubeconfig" --watch-namespace $NS \
		--internal-token-file "$CFLUX_ENV_DIR/internal.token" --source-notify-addr tcp://127.0.0.1:17171 \
		--events-addr tcp://127.0.0.1:17172 --helm "$W/helm-timed" --tmp-dir "$W/helm-tmp" \
		--log-level warn >"$W/helm-controller.log" 2>&1 &
	HC=$!
	PIDS="$SC $HC"
}

# run_cflux: results in $W/cflux.result as "key value" lines
run_cflux() {
	out=$W/cflux.result
	kubectl apply --server-side --force-conflicts -k manifests/crds >/dev/null
	kubectl wait --for condition=established --timeout=60s crd -l app.kubernetes.io/part-of=cflux >/dev/null
	kubectl create namespace $NS >/dev/null
	start_controllers
	kubectl apply -f - >/dev/null <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: bench, namespace: $NS}
spec:
  interval: 1h
  url: $CFLUX_HELM_URL_HTTP
EOT
	until_ok 120 repo_ready || { echo "helm.sh: HelmRepository not Ready" >&2; tail -n 20 "$W/source.log" >&2; return 1; }
	echo "hc_idle $(rss $HC VmRSS)" >> "$out"
	objects_yaml > "$W/objects.yaml"
	c0=$(cpu_all $SC) h0=$(cpu_all $HC)
	t0=$(now)
	kubectl apply --server-side -f "$W/objects.yaml" >/dev/null
	if until_ok "$DEADLINE" all_ready; then
		echo "time $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "time fail($(count_ready)/$N)" >> "$out"
		tail -n 20 "$W/helm-controller.log" >&2
	fi
	# both controllers with the helm children they have waited for (all, once all are Ready,
	# unless a reconcile is under way)
	echo "cpu_ctl $(echo "$(cpu_all $SC) $(cpu_all $HC) $c0 $h0" | awk '{ printf "%.2f", $1 + $2 - $3 - $4 }')" >> "$out"
	echo "hc_peak $(rss $HC VmHWM)" >> "$out"
	echo "sc_peak $(rss $SC VmHWM)" >> "$out"
	cp "$W/cflux-helm.rss" "$W/cflux-converge.rss" 2>/dev/null || : > "$W/cflux-converge.rss"
	set -- $(rss_stats "$W/cflux-converge.rss")
	printf 'helm_max %s\nhelm_mean %s\nhelm_runs %s\nhelm_cpu %s\n' "$1" "$2" "$3" "$4" >> "$out"
	# clean up while the controllers run (the finalizer uninstalls each release)
	kubectl -n $NS delete helmreleases --all --wait=true --timeout=600s >/dev/null 2>&1 || true
	kubectl -n $NS delete helmcharts,helmrepositories --all --wait=true --timeout=120s >/dev/null 2>&1 || true
	stop_controllers
	unfinalize helmreleases helmcharts helmrepositories
	delete_namespaces bench-hr
}

# run_helm: the peer, serially; results in $W/helm.result
run_helm() {
	out=$W/helm.result
	export HOME=$W/home
	mkdir -p "$HOME"
	values > "$W/values.yaml"
	"$CFLUX_HELM" repo add bench "$CFLUX_HELM_URL_HTTP" >/dev/null
	: > "$W/helm.rss"
	fails=0
	t0=$(now)
	i=0
	while [ $i -lt "$N" ]; do
		if ! /usr/bin/time -a -o "$W/helm.rss" -f "%M %U %S" "$CFLUX_HELM" upgrade --install "$(rel $i)" bench/$CHART \
			--version $CHART_VERSION -n "bench-hp-$i" --create-namespace --wait=watcher -f "$W/values.yaml" \
			>>"$W/helm-peer.log" 2>&1; then
			fails=$((fails + 1))
		fi
		i=$((i + 1))
	done
	if [ $fails -eq 0 ]; then
		echo "time $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "time fail($fails/$N)" >> "$out"
		tail -n 10 "$W/helm-peer.log" >&2
	fi
	set -- $(rss_stats "$W/helm.rss")
	printf 'helm_max %s\nhelm_mean %s\nhelm_runs %s\nhelm_cpu %s\n' "$1" "$2" "$3" "$4" >> "$out"
	delete_namespaces bench-hp
}

row() {
	if [ "$PEER" = none ]; then
		printf '| %s | %s |\n' "$1" "$2"
	else
		printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(ratio "$4" "$5")"
	fi
}

unfinalize helmreleases helmcharts helmrepositories
delete_namespaces bench-hr
delete_namespaces bench-hp
sh tests/env/chart-publish $CHART $CHART_VERSION >/dev/null
: > "$W/cflux.result"
: > "$W/helm.result"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
run_cflux
[ "$PEER" = none ] || run_helm
echo "$N releases of one chart ($CHART $CHART_VERSION from helm create), each its own namespace;" \
	"$(date -u +%Y-%m-%d), Kubernetes $KUBE_VERSION, $("$CFLUX_HELM" version --short 2>/dev/null), cflux $(git rev-parse --short HEAD);" \
	"load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
if [ "$PEER" = none ]; then
	echo "| scenario | cflux (helm-controller) |"
	echo "|---|---|"
else
	echo "| scenario | cflux (helm-controller) | helm upgrade --install, serial | helm/cflux |"
	echo "|---|---|---|---|"
fi
row "all $N Ready (both wait)" "$(val cflux time) s" "$(val helm time) s" "$(val cflux time)" "$(val helm time)"
row "helm-controller RSS idle / peak" "$(val cflux hc_idle) / $(val cflux hc_peak) MiB" "-" "" ""
row "source-controller RSS peak" "$(val cflux sc_peak) MiB" "-" "" ""
row "peak RSS of one helm process" "$(val cflux helm_max) MiB" "$(val helm helm_max) MiB" "$(val cflux helm_max)" "$(val helm helm_max)"
row "mean peak RSS per helm process" "$(val cflux helm_mean) MiB" "$(val helm helm_mean) MiB" "$(val cflux helm_mean)" "$(val helm helm_mean)"
row "helm processes run" "$(val cflux helm_runs)" "$(val helm helm_runs)" "" ""
row "CPU: helm processes" "$(val cflux helm_cpu) s" "$(val helm helm_cpu) s" "$(val cflux helm_cpu)" "$(val helm helm_cpu)"
row "CPU: both controllers, with / without their helm children" \
	"$(val cflux cpu_ctl) / $(echo "$(val cflux cpu_ctl) $(val cflux helm_cpu)" | awk '{ printf "%.2f", $1 - $2 }') s" "-" "" ""
