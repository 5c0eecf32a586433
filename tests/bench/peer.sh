#!/bin/sh
# tests/bench/peer.sh [--peer flux|none] - cflux's controllers beside Flux's own, one after the
# other in the same run, on the same generated repository and the same local control plane:
# N apps (BENCH_APPS, default 100) of 4 objects each (ConfigMap, ServiceAccount, Service,
# Deployment), one GitRepository and one Kustomization per app. Measured per peer:
#   converge       apply the GitRepository and the N Kustomizations -> all Ready at the revision
#   re-reconcile   once the cluster has settled after the converge (the kube-controller-manager
#                  done with the ReplicaSets and EndpointSlices of the N apps), reconcile.fluxcd.io/
#                  requestedAt on all, nothing changed -> all handled; the annotations are set by
#                  BENCH_TRIGGERS (default 4) kubectl annotate in parallel, each on a label shard
#                  (one kubectl makes its PATCHes one after the other: 7.5 s for 1,000 alone), and
#                  the time they take is shown apart, as it is inside the figure
#   commit         a commit changing one app -> its ConfigMap has the new value
#   drift          one ConfigMap edited by hand -> reverted (Flux: at the next interval, 10m)
#   false drift    "drift detected" lines of cflux's kustomize-controller with nothing changed
#                  (converge and re-reconcile; logged at info); Flux has no drift watch
#   objects/s      4N / converge; beside it `kubectl apply --server-side` of the same 4N objects
#                  in one call (into its own namespace, once per run)
#   RSS            idle (started, nothing to do), peak (VmHWM) and after (idle again once the
#                  scenarios above are done) per controller, and the private part idle and
#                  after (RssAnon: heap and stacks; the rest is the pages of the binary and
#                  of the shared libraries it touched)
#   CPU            user+system seconds of both controllers for converge and for re-reconcile,
#                  and beside them the kube-apiserver's, etcd's, and etcd's WAL fsync seconds
#                  (where the time goes that is not the controllers')
# Flux and cflux CRDs share names: each peer installs its own and removes them after. Flux's
# binaries come from tests/env/build-flux. Ratios are flux/cflux (above 1: cflux is faster or
# smaller). BENCH_PEER=none (or --peer none) measures cflux alone; BENCH_KC_ARGS adds flags to
# cflux's kustomize-controller (e.g. --concurrent-ssa 1).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
. tests/env/common.sh
PEER=${BENCH_PEER:-flux}
while [ $# -gt 0 ]; do
	case $1 in
	--peer) PEER=${2:?--peer needs flux or none}; shift 2 ;;
	--peer=*) PEER=${1#--peer=}; shift ;;
	*) echo "peer.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case $PEER in flux | none) ;; *) echo "peer.sh: --peer is flux or none, not $PEER" >&2; exit 2 ;; esac
N=${BENCH_APPS:-100}
TRIGGERS=${BENCH_TRIGGERS:-4}
KSNS=bench-ks
APPNS=bench-apps
. "$CFLUX_ENV_DIR/env"
W=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$W" "$CFLUX_GIT_REPOS/bench-peer.git"
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

if [ "$PEER" = flux ]; then
	sh tests/env/build-flux
	FLUX_SC=$(ls -d "$CFLUX_CACHE"/fluxcd-source-controller-*/ | sort -V | tail -n 1)
	FLUX_KC=$(ls -d "$CFLUX_CACHE"/fluxcd-kustomize-controller-*/ | sort -V | tail -n 1)
fi

. tests/bench/lib.sh

# the repository: apps/appNNN/{kustomization,objects}.yaml
gen_repo() {
	rm -rf "$W/src"
	mkdir -p "$W/src/apps"
	i=0
	while [ $i -lt "$N" ]; do
		a=$(printf 'app%04d' $i)
		mkdir -p "$W/src/apps/$a"
		printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [objects.yaml]\n' \
			> "$W/src/apps/$a/kustomization.yaml"
		cat > "$W/src/apps/$a/objects.yaml" <<EOT
apiVersion: v1
kind: ConfigMap
metadata: {name: $a-config, labels: {app: $a}}
data: {color: blue, revision: "1"}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: $a, labels: {app: $a}}
---
apiVersion: v1
kind: Service
metadata: {name: $a, labels: {app: $a}}
spec:
  selector: {app: $a}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $a, labels: {app: $a}}
spec:
  replicas: 0
  selector: {matchLabels: {app: $a}}
  template:
    metadata: {labels: {app: $a}}
    spec:
      serviceAccountName: $a
      containers:
      - name: app
        image: example.invalid/$a:1.0.0
        ports: [{containerPort: 8080}]
EOT
		i=$((i + 1))
	done
	rm -rf "$CFLUX_GIT_REPOS/bench-peer.git"
	git init -q --bare -b main "$CFLUX_GIT_REPOS/bench-peer.git"
	# over http, which both peers fetch from (Flux has no git://)
	git -C "$CFLUX_GIT_REPOS/bench-peer.git" config http.receivepack true
	git init -q -b main "$W/src"
	git -C "$W/src" add -A
	git -C "$W/src" commit -qm "$N apps"
	git -C "$W/src" push -q "$CFLUX_GIT_REPOS/bench-peer.git" main
}

objects_yaml() {
	cat <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: bench, namespace: $KSNS}
spec:
  interval: 10m
  url: $CFLUX_GIT_URL_HTTP/bench-peer.git
  ref: {branch: main}
EOT
	i=0
	while [ $i -lt "$N" ]; do
		a=$(printf 'app%04d' $i)
		cat <<EOT
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: $a, namespace: $KSNS, labels: {bench.cflux.io/shard: "$((i % TRIGGERS))"}}
spec:
  interval: 10m
  sourceRef: {kind: GitRepository, name: bench}
  path: ./apps/$a
  targetNamespace: $APPNS
  prune: true
EOT
		i=$((i + 1))
	done
}

# count_ready REV: Kustomizations Ready=True with lastAppliedRevision ending in REV
count_ready() {
	kubectl -n $KSNS get kustomizations -o \
		jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {.status.lastAppliedRevision}{"\n"}{end}' \
		2>/dev/null | grep -c "^True .*$1\$" || true
}
count_handled() {
	kubectl -n $KSNS get kustomizations -o jsonpath='{range .items[*]}{.status.lastHandledReconcileAt}{"\n"}{end}' \
		2>/dev/null | grep -c "^$1\$" || true
}
# settled: the kube-controller-manager has made the N apps' ReplicaSets and EndpointSlices and
# written every Deployment's status (work the converge leaves behind it, which would otherwise
# share the cores with the re-reconcile)
settled() {
	[ "$(kubectl -n $APPNS get replicasets --no-headers 2>/dev/null | wc -l)" -eq "$N" ] &&
	[ "$(kubectl -n $APPNS get endpointslices.v1.discovery.k8s.io --no-headers 2>/dev/null | wc -l)" -eq "$N" ] &&
	[ "$(kubectl -n $APPNS get deployments -o jsonpath='{range .items[*]}{.metadata.generation} {.status.observedGeneration}{"\n"}{end}' 2>/dev/null |
		awk '$1 == $2' | wc -l)" -eq "$N" ]
}
# annotate_all STAMP: requestedAt=STAMP on every Kustomization, $TRIGGERS kubectl in parallel
annotate_all() {
	pids="" s=0
	while [ $s -lt "$TRIGGERS" ]; do
		kubectl -n $KSNS annotate kustomizations -l "bench.cflux.io/shard=$s" --overwrite \
			"reconcile.fluxcd.io/requestedAt=$1" >/dev/null &
		pids="$pids $!" s=$((s + 1))
	done
	rc=0
	for p in $pids; do wait "$p" || rc=1; done
	return $rc
}
# await_all SECS ready REV | handled STAMP: waits, on one kubectl watch of the Kustomizations
# (its first list, then each change as it comes), until all N are at once Ready with
# lastAppliedRevision ending in REV, or have handled STAMP; fails after SECS. One stream
# rather than a kubectl listing all N every 0.2 s: at N=1,000 such polls cost the kube-apiserver
# and kubectl whole CPU seconds of the two cores being measured, and the time is the event's.
# The template prints one "name|Ready|lastAppliedRevision|lastHandledReconcileAt" line per
# object, for the first list (one List object to the printer) as for each event after it.
AWAIT_TMPL='{{define "r"}}{{.metadata.name}}|{{with .status}}{{range .conditions}}{{if eq .type "Ready"}}{{.status}}{{end}}{{end}}|{{.lastAppliedRevision}}|{{.lastHandledReconcileAt}}{{else}}||{{end}}
{{end}}{{if .items}}{{range .items}}{{template "r" .}}{{end}}{{else}}{{template "r" .}}{{end}}'
# mawk (Debian's awk) fills its whole input buffer before it looks at a line, unless told
# -W interactive; gawk reads a pipe as it comes
AWK_STREAM=$(awk -W version 2>/dev/null | grep -q mawk && echo "-W interactive" || true)
await_all() {
	rm -f "$W/await.fifo"
	mkfifo "$W/await.fifo"
	timeout "$1" kubectl -n $KSNS get kustomizations --watch -o go-template="$AWAIT_TMPL" \
		> "$W/await.fifo" 2>"$W/await.err" &
	wp=$!
	rc=0
	awk $AWK_STREAM -F'|' -v n="$N" -v mode="$2" -v want="$3" '
		$1 == "" { next }
		{
			if (mode == "ready")
				ok = $2 == "True" && length($3) >= length(want) && substr($3, length($3) - length(want) + 1) == want
			else
				ok = $4 == want
			if (ok && !($1 in done)) { done[$1] = 1; c++ }
			else if (!ok && ($1 in done)) { delete done[$1]; c-- }
			if (c == n) exit
		}
		END { exit c == n ? 0 : 1 }' < "$W/await.fifo" || rc=1
	kill "$wp" 2>/dev/null || true
	wait "$wp" 2>/dev/null || true
	rm -f "$W/await.fifo"
	[ $rc -eq 0 ] || sed 's/^/peer.sh: kubectl watch: /' "$W/await.err" >&2
	return $rc
}
cm_is() { [ "$(kubectl -n $APPNS get configmap "$1" -o jsonpath="{.data.$2}" 2>/dev/null)" = "$3" ]; }

install_crds() {
	for f in "$@"; do
		kubectl apply --server-side --force-conflicts -f "$f" >/dev/null
	done
	kubectl wait --for condition=established --timeout=60s \
		crd/gitrepositories.source.toolkit.fluxcd.io crd/kustomizations.kustomize.toolkit.fluxcd.io >/dev/null
}
# every source and kustomize CRD, whichever peer installed it (Flux's source-controller needs
# all of its kinds: Bucket, HelmChart, OCIRepository, ...)
remove_crds() {
	crds=$(kubectl get crd -o name | grep -E '\.(source|kustomize)\.toolkit\.fluxcd\.io$' || true)
	[ -z "$crds" ] || kubectl delete --wait=true --timeout=120s $crds >/dev/null
}

start_cflux() {
	bin/source-controller --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" --watch-namespace $KSNS \
		--storage-path "$W/store-cflux" --artifact-addr tcp://127.0.0.1:17160 \
		--notify-addr tcp://127.0.0.1:17161 --log-level warn >"$W/cflux-source.log" 2>&1 &
	SC=$!
	bin/kustomize-controller --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" --watch-namespace $KSNS \
		--source-notify-addr tcp://127.0.0.1:17161 --log-level info ${BENCH_KC_ARGS:-} >"$W/cflux-kustomize.log" 2>&1 &
	KC=$!
	PIDS="$SC $KC"
}

start_flux() {
	mkdir -p "$W/store-flux"
	# controller-runtime reads KUBECONFIG; RUNTIME_NAMESPACE with --watch-all-namespaces=false
	# limits both to the benchmark's namespace, as --watch-namespace does for cflux
	KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN RUNTIME_NAMESPACE=$KSNS "$FLUX_SC/bin/source-controller" \
		--watch-all-namespaces=false --storage-path="$W/store-flux" \
		--storage-addr=127.0.0.1:17162 --storage-adv-addr=127.0.0.1:17162 \
		--metrics-addr=127.0.0.1:17163 --health-addr=127.0.0.1:17164 --events-addr= \
		--log-level=error >"$W/flux-source.log" 2>&1 &
	SC=$!
	KUBECONFIG=$CFLUX_KUBECONFIG_TOKEN RUNTIME_NAMESPACE=$KSNS "$FLUX_KC/bin/kustomize-controller" \
		--watch-all-namespaces=false --metrics-addr=127.0.0.1:17165 --health-addr=127.0.0.1:17166 \
		--events-addr= --log-level=error >"$W/flux-kustomize.log" 2>&1 &
	KC=$!
	PIDS="$SC $KC"
	if ! until_ok 60 curl -sf http://127.0.0.1:17164/readyz >/dev/null ||
	   ! until_ok 60 curl -sf http://127.0.0.1:17166/readyz >/dev/null; then
		echo "peer.sh: Flux's controllers did not become ready:" >&2
		tail -n 15 "$W/flux-source.log" "$W/flux-kustomize.log" >&2
		return 1
	fi
}

# run PEER: one whole measurement; results in $W/PEER.result as "key value" lines
run() {
	peer=$1
	out=$W/$peer.result
	: > "$out"
	if [ "$peer" = cflux ]; then
		install_crds manifests/crds/source.toolkit.fluxcd.io_gitrepositories.yaml \
			manifests/crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml
	else
		install_crds "$FLUX_SC"/crds/*.yaml "$FLUX_KC"/crds/*.yaml
	fi
	kubectl create namespace $KSNS >/dev/null
	kubectl create namespace $APPNS >/dev/null
	gen_repo
	rev=$(git -C "$W/src" rev-parse HEAD)
	"start_$( [ "$peer" = cflux ] && echo cflux || echo flux)"
	# idle: started and synced (the watches listed, nothing to reconcile)
	until_ok 30 kubectl -n $KSNS get kustomizations >/dev/null 2>&1
	echo "sc_idle $(rss $SC VmRSS)" >> "$out"
	echo "kc_idle $(rss $KC VmRSS)" >> "$out"
	# the private part (heap, stacks; the rest of RSS is shared library pages)
	echo "sc_idle_anon $(rss $SC RssAnon)" >> "$out"
	echo "kc_idle_anon $(rss $KC RssAnon)" >> "$out"

	objects_yaml > "$W/objects.yaml"
	c0=$(cpu $SC) k0=$(cpu $KC)
	plane_mark
	t0=$(now)
	kubectl apply --server-side -f "$W/objects.yaml" >/dev/null
	if await_all 900 ready "$rev"; then
		echo "converge $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "converge fail($(count_ready "$rev")/$N)" >> "$out"
	fi
	echo "cpu_converge $(echo "$(cpu $SC) $(cpu $KC) $c0 $k0" | awk '{ printf "%.2f", $1 + $2 - $3 - $4 }')" >> "$out"
	plane_since converge >> "$out"

	until_ok 300 settled || echo "peer.sh: the cluster did not settle in 300 s (ReplicaSets, EndpointSlices)" >&2
	stamp=bench-$(date +%s%N)
	c0=$(cpu $SC) k0=$(cpu $KC)
	plane_mark
	t0=$(now)
	annotate_all "$stamp"
	echo "annotate $(secs "$t0" "$(now)")" >> "$out"   # kubectl's own share: one PATCH per Kustomization
	if await_all 900 handled "$stamp"; then
		echo "rereconcile $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "rereconcile fail($(count_handled "$stamp")/$N)" >> "$out"
	fi
	echo "cpu_rereconcile $(echo "$(cpu $SC) $(cpu $KC) $c0 $k0" | awk '{ printf "%.2f", $1 + $2 - $3 - $4 }')" >> "$out"
	plane_since rereconcile >> "$out"
	if [ "$peer" = cflux ]; then
		echo "false_drift $(grep -c 'drift detected' "$W/cflux-kustomize.log" || true)" >> "$out"
	else
		echo "false_drift -" >> "$out"
	fi

	sed -i 's/color: blue/color: green/' "$W/src/apps/app0000/objects.yaml"
	git -C "$W/src" commit -qam "app0000: green"
	t0=$(now)
	git -C "$W/src" push -q "$CFLUX_GIT_REPOS/bench-peer.git" main
	kubectl -n $KSNS annotate gitrepository bench --overwrite "reconcile.fluxcd.io/requestedAt=$(date +%s%N)" >/dev/null
	if until_ok 120 cm_is app0000-config color green; then
		echo "commit $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "commit fail" >> "$out"
	fi

	t0=$(now)
	kubectl -n $APPNS patch configmap app0001-config --type merge -p '{"data":{"color":"red"}}' >/dev/null
	if until_ok "${BENCH_DRIFT_WAIT:-30}" cm_is app0001-config color blue; then
		echo "drift $(secs "$t0" "$(now)")" >> "$out"
	else
		echo "drift >${BENCH_DRIFT_WAIT:-30}" >> "$out"
	fi
	echo "sc_peak $(rss $SC VmHWM)" >> "$out"
	echo "kc_peak $(rss $KC VmHWM)" >> "$out"
	# after: idle again once all of the above is done (what a fleet's controllers hold between
	# changes: their caches, and what the allocator kept of the peak)
	echo "sc_after $(rss $SC VmRSS)" >> "$out"
	echo "kc_after $(rss $KC VmRSS)" >> "$out"
	echo "sc_after_anon $(rss $SC RssAnon)" >> "$out"
	echo "kc_after_anon $(rss $KC RssAnon)" >> "$out"

	# clean up while the controllers run (Flux's finalizers), then the CRDs go
	kubectl -n $KSNS delete kustomizations --all --wait=true --timeout=300s >/dev/null 2>&1 || true
	kubectl -n $KSNS delete gitrepositories --all --wait=true --timeout=60s >/dev/null 2>&1 || true
	stop_controllers
	kubectl delete namespace $KSNS $APPNS --wait=true --timeout=300s >/dev/null 2>&1 || true
	remove_crds
}

# kubectl apply --server-side of the same 4N objects in one call, into its own namespace
kubectl_apply() {
	i=0
	while [ $i -lt "$N" ]; do
		echo ---
		sed "s/^metadata: {name: \([^,]*\),/metadata: {name: \1, namespace: bench-kubectl,/" "$W/src/apps/$(printf 'app%04d' $i)/objects.yaml"
		i=$((i + 1))
	done > "$W/kubectl.yaml"
	kubectl create namespace bench-kubectl >/dev/null
	t0=$(now)
	if kubectl apply --server-side -f "$W/kubectl.yaml" >/dev/null; then
		echo "kubectl_apply $(secs "$t0" "$(now)")" >> "$W/cflux.result"
	else
		echo "kubectl_apply fail" >> "$W/cflux.result"
	fi
	kubectl delete namespace bench-kubectl --wait=true --timeout=300s >/dev/null 2>&1 || true
}

# Where the time goes besides the controllers: the control plane's CPU (kube-apiserver, etcd)
# and the seconds etcd spent in WAL fsync (its /metrics), over a scenario.
plane_pid() { cat "$CFLUX_ENV_DIR/pids/$1"; }
fsync_s() {
	curl -s "http://127.0.0.1:$ETCD_PORT/metrics" |
		awk '$1 == "etcd_disk_wal_fsync_duration_seconds_sum" { printf "%.2f", $2; found = 1 } END { if (!found) print "-" }'
}
# requests the kube-apiserver served so far, one "verb resource[/subresource][ dry-run] count" line
# each (apiserver_request_total of its /metrics)
requests() {
	kubectl get --raw /metrics | awk '/^apiserver_request_total\{/ {
		l = $1; v = r = s = d = ""
		if (match(l, /verb="[^"]*"/)) v = substr(l, RSTART + 6, RLENGTH - 7)
		if (match(l, /resource="[^"]*"/)) r = substr(l, RSTART + 10, RLENGTH - 11)
		if (match(l, /subresource="[^"]*"/)) s = substr(l, RSTART + 13, RLENGTH - 14)
		if (match(l, /dry_run="[^"]*"/)) d = substr(l, RSTART + 9, RLENGTH - 10)
		k = v " " r (s != "" ? "/" s : "") (d != "" ? " dry-run" : "")
		n[k] += $2
	} END { for (k in n) print k, n[k] }'
}
plane_mark() { a0=$(cpu "$(plane_pid apiserver)") e0=$(cpu "$(plane_pid etcd)") f0=$(fsync_s); requests > "$W/requests0"; }
plane_since() {
	requests > "$W/requests1"
	# the requests of the scenario by verb and resource, most first, in $W/requests-PEER-SCENARIO
	awk '{ k = $0; sub(/ [^ ]+$/, "", k) } NR == FNR { a[k] = $NF; next } { d = $NF - a[k]; if (d > 0) printf "%d %s\n", d, k }' \
		"$W/requests0" "$W/requests1" | sort -rn > "$W/requests-$peer-$1"
	echo "requests_$1 $(awk '{ n += $1 } END { print n + 0 }' "$W/requests-$peer-$1")"
	echo "cpu_apiserver_$1 $(echo "$(cpu "$(plane_pid apiserver)") $a0" | awk '{ printf "%.2f", $1 - $2 }')"
	echo "cpu_etcd_$1 $(echo "$(cpu "$(plane_pid etcd)") $e0" | awk '{ printf "%.2f", $1 - $2 }')"
	echo "fsync_$1 $(echo "$(fsync_s) $f0" | awk '$1 == "-" || $2 == "-" { print "-"; next } { printf "%.2f", $1 - $2 }')"
}

# objects/s of a key's seconds in PEER's result
per_s() { val "$1" "$2" | awk -v n=$((4 * N)) '$1 + 0 > 0 { printf "%.0f", n / $1; next } { print "-" }'; }

row() {
	c=$(val cflux "$2")
	if [ "$PEER" = flux ]; then
		f=$(val flux "$2")
		printf '| %s | %s %s | %s %s | %s |\n' "$1" "$c" "$3" "$f" "$3" "$(ratio "$c" "$f")"
	else
		printf '| %s | %s %s |\n' "$1" "$c" "$3"
	fi
}

remove_crds
kubectl delete namespace $KSNS $APPNS --wait=true --timeout=300s >/dev/null 2>&1 || true
run cflux
kubectl_apply
[ "$PEER" = none ] || run flux
echo "$N apps x 4 objects, one Kustomization each; $(date -u +%Y-%m-%d), Kubernetes $KUBE_VERSION"
if [ "$PEER" = flux ]; then
	echo "peers: cflux $(git rev-parse --short HEAD), Flux source-controller ${FLUX_SC##*-controller-} kustomize-controller ${FLUX_KC##*-controller-}" | tr -d /
	echo "| scenario | cflux | Flux | Flux/cflux |"
	echo "|---|---|---|---|"
else
	echo "| scenario | cflux |"
	echo "|---|---|"
fi
row "all $N Ready" converge s
row "unchanged re-reconcile of all" rereconcile s
row "  of which the requestedAt PATCHes ($TRIGGERS kubectl in parallel)" annotate s
row "commit -> applied" commit s
row "drift -> healed" drift s
row "drift reconciles, nothing changed" false_drift ""
echo "| objects/s, converge | $(per_s cflux converge) |$( [ "$PEER" = flux ] && echo " $(per_s flux converge) | |")"
echo "| kubectl apply --server-side of the $((4 * N)) objects, one call | $(val cflux kubectl_apply) s ($(per_s cflux kubectl_apply) objects/s) |"
row "CPU, converge (both controllers)" cpu_converge s
row "CPU, re-reconcile" cpu_rereconcile s
row "kube-apiserver CPU, converge" cpu_apiserver_converge s
row "etcd CPU, converge" cpu_etcd_converge s
row "etcd WAL fsync time, converge" fsync_converge s
row "kube-apiserver requests, converge" requests_converge ""
row "kube-apiserver CPU, re-reconcile" cpu_apiserver_rereconcile s
row "etcd CPU, re-reconcile" cpu_etcd_rereconcile s
row "etcd WAL fsync time, re-reconcile" fsync_rereconcile s
row "kube-apiserver requests, re-reconcile" requests_rereconcile ""
row "source-controller RSS idle" sc_idle MiB
row "source-controller idle, private (RssAnon)" sc_idle_anon MiB
row "source-controller RSS peak" sc_peak MiB
row "source-controller RSS after the run, idle again" sc_after MiB
row "source-controller after the run, private (RssAnon)" sc_after_anon MiB
row "kustomize-controller RSS idle" kc_idle MiB
row "kustomize-controller idle, private (RssAnon)" kc_idle_anon MiB
row "kustomize-controller RSS peak" kc_peak MiB
row "kustomize-controller RSS after the run, idle again" kc_after MiB
row "kustomize-controller after the run, private (RssAnon)" kc_after_anon MiB
for p in cflux $( [ "$PEER" = flux ] && echo flux); do
	for sc in converge rereconcile; do
		echo "$p, kube-apiserver requests of $sc, most first: $(head -n 8 "$W/requests-$p-$sc" | awk '{ printf "%s%s %s", (NR > 1 ? "; " : ""), $1, substr($0, length($1) + 2) }')"
	done
done
