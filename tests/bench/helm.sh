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
#   flux    Flux's own source-controller and helm-controller (tests/env/build-flux), with Flux's
#           CRDs, on the same HelmRepository and N HelmReleases (targets bench-hf-I): the same
#           wall time, the controllers' RSS idle/peak (Flux runs helm in-process, so its RSS is
#           helm's too) and their CPU seconds. Its ratios are Flux/cflux.
# Runs alone (it starts the env pieces it needs) or as a section of tests/bench/run.
# --peer all (the default): both peers; --peer helm|flux: one; BENCH_PEER=none (or --peer none):
# the helm-controller alone.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
. tests/env/common.sh
PEER=all
case ${BENCH_PEER:-} in none) PEER=none ;; esac
case ${1:-} in
--peer) PEER=${2:?--peer needs all, helm, flux or none} ;;
--peer=*) PEER=${1#--peer=} ;;
"") ;;
*) echo "helm.sh: unknown argument $1 (--peer all|helm|flux|none)" >&2; exit 2 ;;
esac
case $PEER in all | helm | flux | none) ;; *) echo "helm.sh: --peer is all, helm, flux or none, not $PEER" >&2; exit 2 ;; esac
# peer_on helm|flux: that peer runs
peer_on() { [ "$PEER" = all ] || [ "$PEER" = "$1" ]; }
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
# objects_yaml PREFIX: the N HelmReleases, release I into namespace PREFIX-I
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
  targetNamespace: $1-$i
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

# apply_repo LOG: the HelmRepository, until Ready (LOG: the source-controller's, on failure)
apply_repo() {
	kubectl apply -f - >/dev/null <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: bench, namespace: $NS}
spec:
  interval: 1h
  url: $CFLUX_HELM_URL_HTTP
EOT
	until_ok 120 repo_ready || { echo "helm.sh: HelmRepository not Ready" >&2; tail -n 20 "$1" >&2; return 1; }
}

# every source and helm CRD, whichever peer installed it (they share names)
remove_crds() {
	crds=$(kubectl get crd -o name | grep -E '\.(source|helm)\.toolkit\.fluxcd\.io$' || true)
	[ -z "$crds" ] || kubectl delete --wait=true --timeout=120s $crds >/dev/null
}

# run_cflux: results in $W/cflux.result as "key value" lines
run_cflux() {
	out=$W/cflux.result
	kubectl apply --server-side --force-conflicts -k manifests/crds >/dev/null
	kubectl wait --for condition=established --timeout=60s crd -l app.kubernetes.io/part-of=cflux >/dev/null
	kubectl create namespace $NS >/dev/null
	start_controllers
	apply_repo "$W/source.log" || return 1
	echo "hc_idle $(rss $HC VmRSS)" >> "$out"
	objects_yaml bench-hr > "$W/objects.yaml"
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
	echo "cpu_own $(echo "$(val cflux cpu_ctl) $4" | awk '{ printf "%.2f", $1 - $2 }')" >> "$out"
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

# run_flux: Flux's source- and helm-controller; results in $W/flux.result
run_flux() {
	out=$W/flux.result
	sh tests/env/build-flux source-controller helm-controller >&2
	FLUX_SC=$(ls -d "$CFLUX_CACHE"/fluxcd-source-controller-*/ | sort -V | tail -n 1)
	FLUX_HC=$(ls -d "$CFLUX_CACHE"/fluxcd-helm-controller-*/ | sort -V | tail -n 1)
	remove_crds
	for f in "$FLUX_SC"/crds/*.yaml "$FLUX_HC"/crds/*.yaml; do
		kubectl apply --server-side --force-conflicts -f "$f" >/dev/null
	done
	kubectl wait --for condition=established --timeout=60s \
		crd/helmrepositories.source.toolkit.fluxcd.io crd/helmreleases.helm.toolkit.fluxcd.io >/dev/null
	kubectl create namespace $NS >/dev/null
	mkdir -p "$W/store-flux"
	# controller-runtime reads KUBECONFIG; RUNTIME_NAMESPACE with --watch-all-namespaces=false
	# limits both to the benchmark's namespace, as --watch-namespace does for cflux
	KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN RUNTIME_NAMESPACE=$NS "$FLUX_SC/bin/source-controller" \
		--watch-all-namespaces=false --storage-path="$W/store-flux" \
		--storage-addr=127.0.0.1:17174 --storage-adv-addr=127.0.0.1:17174 \
		--metrics-addr=127.0.0.1:17175 --health-addr=127.0.0.1:17176 --events-addr= \
		--log-level=error >"$W/flux-source.log" 2>&1 &
	SC=$!
	KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN RUNTIME_NAMESPACE=$NS "$FLUX_HC/bin/helm-controller" \
		--watch-all-namespaces=false --metrics-addr=127.0.0.1:17177 --health-addr=127.0.0.1:17178 \
		--events-addr= --log-level=error >"$W/flux-helm.log" 2>&1 &
	HC=$!
	PIDS="$SC $HC"
	if ! until_ok 60 curl -sf http://127.0.0.1:17176/readyz >/dev/null ||
	   ! until_ok 60 curl -sf http://127.0.0.1:17178/readyz >/dev/null; then
		echo "helm.sh: Flux's controllers did not become ready:" >&2
		tail -n 15 "$W/flux-source.log" "$W/flux-helm.log" >&2
		return 1
	fi
	apply_repo "$W/flux-source.log" || return 1
	echo "hc_idle $(rss $HC VmRSS)" >> "$out"
	echo "sc_idle $(rss $SC VmRSS)" >> "$out"
	objects_yaml bench-hf > "$W/objects-flux.yaml"
	c0=$(cpu_all $SC) h0=$(cpu_all $HC)
	t0=$(now)
	kubectl apply --server-side -f "$W/objects-flux.yaml" >/dev/null
	if until_ok "$DEADLINE" all_ready; then
		echo "time $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "time fail($(count_ready)/$N)" >> "$out"
		tail -n 20 "$W/flux-helm.log" >&2
	fi
	echo "cpu_ctl $(echo "$(cpu_all $SC) $(cpu_all $HC) $c0 $h0" | awk '{ printf "%.2f", $1 + $2 - $3 - $4 }')" >> "$out"
	echo "hc_peak $(rss $HC VmHWM)" >> "$out"
	echo "sc_peak $(rss $SC VmHWM)" >> "$out"
	kubectl -n $NS delete helmreleases --all --wait=true --timeout=600s >/dev/null 2>&1 || true
	kubectl -n $NS delete helmcharts,helmrepositories --all --wait=true --timeout=120s >/dev/null 2>&1 || true
	stop_controllers
	unfinalize helmreleases helmcharts helmrepositories
	delete_namespaces bench-hf
	remove_crds
}

# row LABEL UNIT CFLUX_KEY HELM_KEY FLUX_KEY: one line of the table; a key of - is "not measured
# on that side"; each peer's column has its ratio (peer/cflux) beside it
row() {
	unit=$2
	c=$( [ "$3" = - ] && echo - || echo "$(val cflux "$3")" )
	line="| $1 | $c${unit:+ $unit}"
	for side in "helm $4" "flux $5"; do
		set -- $side
		peer_on "$1" || continue
		v=$( [ "$2" = - ] && echo - || echo "$(val "$1" "$2")" )
		[ -n "$v" ] || v=-
		if [ "$v" = - ]; then line="$line | - | -"; else line="$line | $v${unit:+ $unit} | $(ratio "$c" "$v")"; fi
	done
	echo "$line |"
}

unfinalize helmreleases helmcharts helmrepositories
delete_namespaces bench-hr
delete_namespaces bench-hp
sh tests/env/chart-publish $CHART $CHART_VERSION >/dev/null
: > "$W/cflux.result"
: > "$W/helm.result"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
remove_crds   # Flux's, if an earlier run stopped half-way
run_cflux
peer_on helm && run_helm
peer_on flux && run_flux
echo "$N releases of one chart ($CHART $CHART_VERSION from helm create), each its own namespace;" \
	"$(date -u +%Y-%m-%d), Kubernetes $KUBE_VERSION, $("$CFLUX_HELM" version --short 2>/dev/null), cflux $(git rev-parse --short HEAD);" \
	"${FLUX_HC:+Flux source-controller ${FLUX_SC##*-controller-} helm-controller ${FLUX_HC##*-controller-};}" \
	"load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end" | tr -s ' ' | sed 's|/;|;|g'
head="| scenario | cflux (helm-controller)"
sep="|---|---"
peer_on helm && { head="$head | helm upgrade --install, serial | helm/cflux"; sep="$sep|---|---"; }
peer_on flux && { head="$head | Flux helm-controller | Flux/cflux"; sep="$sep|---|---"; }
echo "$head |"
echo "$sep|"
row "all $N Ready (all wait)" s time time time
row "helm-controller RSS idle" MiB hc_idle - hc_idle
row "helm-controller RSS peak" MiB hc_peak - hc_peak
row "source-controller RSS peak" MiB sc_peak - sc_peak
row "peak RSS of one helm process" MiB helm_max helm_max -
row "mean peak RSS per helm process" MiB helm_mean helm_mean -
row "helm processes run" "" helm_runs helm_runs -
row "CPU, everything (controllers and helm)" s cpu_ctl helm_cpu cpu_ctl
row "CPU, the controllers without helm" s cpu_own - -
