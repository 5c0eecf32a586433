#!/bin/sh
# tests/integration/test_metrics.sh - the controllers' Prometheus metrics and probes, scraped
# from real processes: source-controller and kustomize-controller reconcile a GitRepository and
# two Kustomizations (one Ready, one failing), the notification-controller delivers their events
# to the webhook sink. Each /metrics answer must pass `promtool check metrics` (Debian's
# prometheus package); the counters must have moved and the histograms carry the objects'
# labels. /healthz and /readyz answer on --health-addr; /readyz is 503 while the watches have
# not started; an explicit --metrics-addr that is taken fails the start.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
WORK=$(mktemp -d)
ns=cflux-metrics-$$
repo=metrics-$$.git
ART_ADDR=tcp://127.0.0.1:17300
NOTIFY_ADDR=tcp://127.0.0.1:17301
EVENTS_ADDR=tcp://127.0.0.1:17302
SC_METRICS=127.0.0.1:17303 SC_HEALTH=127.0.0.1:17304
KC_METRICS=127.0.0.1:17305 KC_HEALTH=127.0.0.1:17306
NC_METRICS=127.0.0.1:17307 NC_HEALTH=127.0.0.1:17308
LOST_HEALTH=127.0.0.1:17309
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
	[ "$failed" -eq 0 ] && rm -rf "$WORK"; [ "$failed" -eq 0 ] || echo "logs kept in $WORK" >&2; rm -rf "$CFLUX_GIT_REPOS/$repo"
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost
export GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost

ready_is() {
	[ "$(kubectl -n "$ns" get "$1" "$2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "$3" ]
}
# scrape ADDR FILE: GET /metrics into FILE
scrape() { curl -sf "http://$1/metrics" -o "$2"; }
# value FILE SERIES: the sample value of the series written exactly so ("name{labels}")
value() { grep -F "$2 " "$1" | awk '{ print $NF; exit }'; }
# at_least FILE SERIES N: the series is there with a value >= N
at_least() {
	v=$(value "$1" "$2")
	[ -n "$v" ] && awk -v v="$v" -v n="$3" 'BEGIN { exit !(v + 0 >= n + 0) }'
}
# check NAME FILE SERIES N: at_least as a result
check() {
	if at_least "$2" "$3" "$4"; then ok "$1"; else ko "$1" "$3 is '$(value "$2" "$3")', want >= $4"; fi
}
# http_answer URL: "CODE BODY"
http_answer() { curl -s -o "$WORK/body" -w '%{http_code}' "$1" 2>/dev/null; printf ' %s' "$(cat "$WORK/body" 2>/dev/null)"; }

git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/app"
cat > "$WORK/src/app/cm.yaml" <<EOT
apiVersion: v1
kind: ConfigMap
metadata: {name: metrics-demo}
data: {a: "1"}
EOT
git init -q --bare -b main "$CFLUX_GIT_REPOS/$repo"
git -C "$WORK/src" add -A && git -C "$WORK/src" commit -qm app &&
	git -C "$WORK/src" push -q "$CFLUX_GIT_REPOS/$repo" main || ko setup "could not push the repository"
for f in manifests/crds/*.yaml; do
	[ "$(basename "$f")" = kustomization.yaml ] || kubectl apply --server-side --force-conflicts -f "$f" >/dev/null ||
		ko setup "could not apply $f"
done
kubectl create namespace "$ns" >/dev/null || ko setup "could not create namespace $ns"
sinkpath=/metrics/$ns
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the Provider and Alert"
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: sink, namespace: $ns}
spec: {type: generic, address: "$CFLUX_SINK_URL$sinkpath"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: all, namespace: $ns}
spec: {providerRef: {name: sink}, eventSources: [{kind: Kustomization, name: '*'}]}
EOT

controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
command -v promtool >/dev/null || ko promtool_installed "promtool is missing (Debian package prometheus; tests/env/deps)"

bin/notification-controller --kubeconfig "$NC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--events-addr "$EVENTS_ADDR" --events-http-addr 127.0.0.1:17310 --receiver-addr 127.0.0.1:17311 \
	--metrics-addr "$NC_METRICS" --health-addr "$NC_HEALTH" >"$WORK/notification-controller.log" 2>&1 &
pids="$pids $!"
# the Alert is Ready once the notification-controller holds it: events sent after are delivered
poll 30 ready_is alert all True || ko setup "Alert not Ready: $(tail -n 5 "$WORK/notification-controller.log")"
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--storage-path "$WORK/storage" --artifact-addr "$ART_ADDR" --notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" \
	--metrics-addr "$SC_METRICS" --health-addr "$SC_HEALTH" >"$WORK/source-controller.log" 2>&1 &
pids="$pids $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--source-notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" \
	--metrics-addr "$KC_METRICS" --health-addr "$KC_HEALTH" >"$WORK/kustomize-controller.log" 2>&1 &
pids="$pids $!"

kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the GitRepository and Kustomizations"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app, namespace: $ns}
spec: {interval: 1h, url: "$CFLUX_GIT_URL_HTTP/$repo", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app, namespace: $ns}
spec: {interval: 1h, path: ./app, prune: true, targetNamespace: $ns, sourceRef: {kind: GitRepository, name: app}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: broken, namespace: $ns}
spec: {interval: 1h, path: ./not-there, prune: true, targetNamespace: $ns, sourceRef: {kind: GitRepository, name: app}}
EOT
if poll 60 ready_is kustomization app True; then ok kustomization_ready; else ko kustomization_ready "$(tail -n 5 "$WORK/kustomize-controller.log")"; fi
poll 30 ready_is kustomization broken False || ko broken_fails "Kustomization broken is not Ready=False"

# ---- the probes ----
for c in "source-controller $SC_HEALTH" "kustomize-controller $KC_HEALTH" "notification-controller $NC_HEALTH"; do
	set -- $c
	got=$(http_answer "http://$2/healthz")
	if [ "$got" = "200 ok" ]; then ok "healthz_$1"; else ko "healthz_$1" "GET /healthz: '$got'"; fi
	got=$(http_answer "http://$2/readyz")
	if [ "$got" = "200 ok" ]; then ok "readyz_$1"; else ko "readyz_$1" "GET /readyz: '$got'"; fi
done
# a controller whose watches cannot start (no API server to reach) is alive, not ready
printf 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: x}}]\n' >"$WORK/nowhere.kubeconfig"
bin/kustomize-controller --kubeconfig "$WORK/nowhere.kubeconfig" --source-notify-addr tcp://127.0.0.1:17312 \
	--events-addr tcp://127.0.0.1:17313 --metrics-addr "" --health-addr "$LOST_HEALTH" >"$WORK/lost.log" 2>&1 &
lost=$!
pids="$pids $lost"
if poll 10 curl -sf "http://$LOST_HEALTH/healthz"; then
	got=$(http_answer "http://$LOST_HEALTH/readyz")
	case $got in "503 "*) ok readyz_503_before_watches ;; *) ko readyz_503_before_watches "GET /readyz: '$got'" ;; esac
else
	ko readyz_503_before_watches "no /healthz on $LOST_HEALTH: $(tail -n 3 "$WORK/lost.log")"
fi
kill "$lost" 2>/dev/null; wait "$lost" 2>/dev/null
# an explicit address that is taken fails the start, naming the flag
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --watch-namespace "$ns" --source-notify-addr tcp://127.0.0.1:17314 \
	--events-addr tcp://127.0.0.1:17315 --metrics-addr "$KC_METRICS" --health-addr "" >"$WORK/taken.log" 2>&1 &
taken=$!
if poll 10 sh -c "! kill -0 $taken"; then
	wait "$taken"; rc=$?
	if [ "$rc" -eq 1 ] && grep -q -- "--metrics-addr $KC_METRICS" "$WORK/taken.log"; then ok taken_address_fails_start
	else ko taken_address_fails_start "exit $rc: $(tail -n 2 "$WORK/taken.log")"; fi
else
	kill "$taken"; wait "$taken" 2>/dev/null
	ko taken_address_fails_start "a second kustomize-controller on $KC_METRICS kept running"
fi

# ---- the scrapes ----
for c in "source-controller $SC_METRICS" "kustomize-controller $KC_METRICS"; do
	set -- $c
	if scrape "$2" "$WORK/$1.prom"; then
		if promtool check metrics <"$WORK/$1.prom" >"$WORK/$1.promtool" 2>&1; then ok "promtool_$1"
		else ko "promtool_$1" "$(head -n 5 "$WORK/$1.promtool")"; fi
	else
		ko "promtool_$1" "GET http://$2/metrics failed"
	fi
done
ct=$(curl -s -o /dev/null -w '%{content_type}' "http://$KC_METRICS/metrics")
case $ct in "text/plain; version=0.0.4"*) ok content_type_0_0_4 ;; *) ko content_type_0_0_4 "Content-Type '$ct'" ;; esac

K=$WORK/kustomize-controller.prom S=$WORK/source-controller.prom
obj="kind=\"Kustomization\",name=\"app\",namespace=\"$ns\""
check reconcile_duration_has_object "$K" "gotk_reconcile_duration_seconds_count{$obj}" 1
count=$(value "$K" "gotk_reconcile_duration_seconds_count{$obj}")
inf=$(value "$K" "gotk_reconcile_duration_seconds_bucket{$obj,le=\"+Inf\"}")
if [ -n "$inf" ] && [ "$inf" = "$count" ]; then ok histogram_inf_bucket_is_count; else ko histogram_inf_bucket_is_count "+Inf '$inf', count '$count'"; fi
# cumulative: no bucket holds more than the next one
if awk -v obj="gotk_reconcile_duration_seconds_bucket{$obj," 'index($0, obj) == 1 { if ($NF + 0 < last) bad = 1; last = $NF + 0; n++ }
	END { exit !(n == 11 && !bad) }' "$K"; then ok histogram_buckets_cumulative
else ko histogram_buckets_cumulative "$(grep -F "gotk_reconcile_duration_seconds_bucket{$obj," "$K" | tr '\n' ' ')"; fi
check reconcile_total_moved "$K" 'controller_runtime_reconcile_total{controller="kustomization",result="requeue_after"}' 1
check reconcile_errors_moved "$K" 'controller_runtime_reconcile_errors_total{controller="kustomization"}' 1
check reconcile_total_errors "$K" 'controller_runtime_reconcile_total{controller="kustomization",result="error"}' 1
check ready_condition_true "$K" "gotk_reconcile_condition{$obj,type=\"Ready\",status=\"True\"}" 1
check ready_condition_false_broken "$K" "gotk_reconcile_condition{kind=\"Kustomization\",name=\"broken\",namespace=\"$ns\",type=\"Ready\",status=\"False\"}" 1
if [ "$(value "$K" "gotk_suspend_status{$obj}")" = 0 ]; then ok suspend_status; else ko suspend_status "gotk_suspend_status{$obj} is '$(value "$K" "gotk_suspend_status{$obj}")'"; fi
check workqueue_adds_moved "$K" 'workqueue_adds_total{name="kustomization"}' 2
check workqueue_work_duration "$K" 'workqueue_work_duration_seconds_count{name="kustomization"}' 2
check workqueue_queue_duration "$K" 'workqueue_queue_duration_seconds_count{name="kustomization"}' 2
check workqueue_depth_there "$K" 'workqueue_depth{name="kustomization"}' 0
src="kind=\"GitRepository\",name=\"app\",namespace=\"$ns\""
check source_reconcile_duration "$S" "gotk_reconcile_duration_seconds_count{$src}" 1
check source_fetch_duration "$S" "cflux_source_fetch_duration_seconds_count{$src}" 1
size=$(kubectl -n "$ns" get gitrepository app -o jsonpath='{.status.artifact.size}' 2>/dev/null)
got=$(value "$S" "cflux_artifact_size_bytes{$src}")
if [ -n "$size" ] && [ "$got" = "$size" ]; then ok artifact_size_is_status; else ko artifact_size_is_status "metric '$got', status.artifact.size '$size'"; fi
check source_reconcile_total "$S" 'controller_runtime_reconcile_total{controller="gitrepository",result="requeue_after"}' 1

# ---- the notification-controller: a delivery to the sink, counted ----
# the Kustomization's success (an event with the revision in its metadata, which the
# notification-controller once refused for its null digest)
delivered() { grep "\"path\": *\"$sinkpath\"" "$CFLUX_SINK_LOG" | grep -q 'ReconciliationSucceeded'; }
nc_counted() {
	scrape "$NC_METRICS" "$WORK/notification-controller.prom" &&
		at_least "$WORK/notification-controller.prom" \
			"cflux_notification_deliveries_total{namespace=\"$ns\",provider=\"sink\",type=\"generic\",result=\"success\"}" 1
}
if poll 30 delivered; then ok event_delivered_to_sink
else ko event_delivered_to_sink "no request to $sinkpath in $CFLUX_SINK_LOG; notification-controller: $(tail -n 5 "$WORK/notification-controller.log" | tr '\n' ' ')"; fi
if poll 10 nc_counted; then ok deliveries_counted
else ko deliveries_counted "$(grep deliveries "$WORK/notification-controller.prom" 2>/dev/null | tail -n 3)"; fi
if promtool check metrics <"$WORK/notification-controller.prom" >"$WORK/nc.promtool" 2>&1; then ok promtool_notification-controller
else ko promtool_notification-controller "$(head -n 5 "$WORK/nc.promtool")"; fi

# ---- the object's series go with it ----
kubectl -n "$ns" delete kustomization broken --wait=true --timeout=30s >/dev/null 2>&1
gone() { scrape "$KC_METRICS" "$WORK/after.prom" && ! grep -q "name=\"broken\",namespace=\"$ns\"" "$WORK/after.prom"; }
if poll 30 gone; then ok deleted_object_series_removed; else ko deleted_object_series_removed "series of Kustomization broken still scraped"; fi

for p in $pids; do
	[ "$p" = "$lost" ] && continue
	kill -0 "$p" 2>/dev/null || { ko controllers_alive "a controller exited: $(tail -n 5 "$WORK"/*-controller.log)"; break; }
done
# SIGTERM: each exits 0 with its servers stopped and, under SANITIZE=1, nothing reported
for p in $pids; do
	[ "$p" = "$lost" ] && continue
	kill "$p" 2>/dev/null; wait "$p"; rc=$?
	[ "$rc" -eq 0 ] || ko stops_cleanly "controller $p exited $rc"
done
pids=""
if grep -l "Sanitizer" "$WORK"/*.log >/dev/null 2>&1; then ko no_sanitizer_reports "$(grep -h -A3 Sanitizer "$WORK"/*.log | head -n 8)"
else ok stops_cleanly_no_sanitizer_reports; fi
if [ "$failed" -ne 0 ]; then
	tail -n 15 "$WORK/kustomize-controller.log" "$WORK/source-controller.log" "$WORK/notification-controller.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
