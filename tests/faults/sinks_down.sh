#!/bin/sh
# tests/faults/sinks_down.sh - what the controllers send to, gone and back:
#   - the webhook sink down (its process stopped: connections refused) while N Kustomizations
#     apply a new revision: the notification-controller logs the failure in words and retries;
#     once the sink is back every Kustomization's event of that revision arrives;
#   - the OCI registry (Debian's docker-registry) down: the OCIRepository Ready=False saying
#     so, its consumer still at its revision; back, the source recovers by itself (its failure
#     backoff) and the tag pushed just before the outage is applied.
# Each prints the recovery time from the moment the server is back.
set -u
. tests/lib.sh
. tests/faults/lib.sh
N=${N:-200}
trap 'for p in ${NC_PID:-} ${SINK_PID:-}; do kill "$p" 2>/dev/null; done; faults_cleanup' EXIT
EVENTS_ADDR=tcp://127.0.0.1:$((FAULTS_PORT + 2))
SINK_ADDR=127.0.0.1:$((FAULTS_PORT + 3))
SINK_LOG=$FWORK/sink.jsonl
SINK_BIN=${BUILD:-build/release}/tests/webhook-sink

[ -x "$SINK_BIN" ] || { ko sinks_setup "no $SINK_BIN: run make"; echo "$passed passed, $failed failed"; exit 1; }
faults_crds
faults_setup sinks
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
start_sink() {
	"$SINK_BIN" --listen "$SINK_ADDR" --out "$SINK_LOG" >>"$FWORK/sink.log" 2>&1 &
	SINK_PID=$!
	wait_until 10 curl -s -o /dev/null "http://$SINK_ADDR/ready" || ko setup "the webhook sink did not start"
}
start_sink
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the Provider and Alert"
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: sink, namespace: $fns}
spec: {type: generic, address: "http://$SINK_ADDR/faults"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: all, namespace: $fns}
spec: {providerRef: {name: sink}, eventSources: [{kind: Kustomization, name: '*'}]}
EOT
bin/notification-controller --kubeconfig "$NC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$fns" \
	--events-addr "$EVENTS_ADDR" --events-http-addr "127.0.0.1:$((FAULTS_PORT + 4))" --receiver-addr "127.0.0.1:$((FAULTS_PORT + 5))" \
	--retry-max 2s --metrics-addr "" --health-addr "" >>"$FWORK/notification-controller.log" 2>&1 &
NC_PID=$!
alert_ready() { [ "$(kubectl -n "$fns" get alert all -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
wait_until 60 alert_ready || ko setup "Alert not Ready: $(tail -n 3 "$FWORK/notification-controller.log")"
start_source
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$fns" \
	--source-notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" --concurrent 8 >>"$FWORK/kustomize-controller.log" 2>&1 &
KC_PID=$!
if wait_applied "$REV1" 300; then ok "sinks_all_${N}_applied_v1"; else ko "sinks_all_${N}_applied_v1" "$(applied_count "$REV1") of $N"; fi
faults_setup_ok

# events_of REV: how many Kustomizations' events of revision REV reached the sink
events_of() {
	jq -r --arg rev "main@sha1:$1" 'select(.path == "/faults") | .body | fromjson |
		select(.involvedObject.kind == "Kustomization" and .metadata.revision == $rev) | .involvedObject.name' \
		"$SINK_LOG" 2>/dev/null | sort -u | wc -l
}
all_events_of() { [ "$(events_of "$1")" -ge "$N" ]; }
if wait_until 60 all_events_of "$REV1"; then ok sink_events_v1; else ko sink_events_v1 "events of $(events_of "$REV1") of $N Kustomizations"; fi

# ---- the webhook sink down ----
kill "$SINK_PID"
wait "$SINK_PID" 2>/dev/null
REV2=$(faults_commit v2)
request_source
if wait_applied "$REV2" 300; then ok sink_down_applied_anyway; else ko sink_down_applied_anyway "$(applied_count "$REV2") of $N"; fi
says_refused() { grep "delivery failed; will retry" "$FWORK/notification-controller.log" | grep -qi "connect"; }
if wait_until 30 says_refused; then ok sink_down_logged_in_words
else ko sink_down_logged_in_words "$(grep -m 1 "delivery failed" "$FWORK/notification-controller.log")"; fi
start_sink
t0=$(now_ms)
if wait_until 120 all_events_of "$REV2"; then
	echo "webhook sink down: the events of all $N Kustomizations delivered $(($(now_ms) - t0)) ms after it was back"
	ok sink_down_recovered
else ko sink_down_recovered "events of $(events_of "$REV2") of $N Kustomizations"; fi
if grep -q "notification dropped" "$FWORK/notification-controller.log"; then
	ko sink_down_nothing_dropped "$(grep -m 1 "notification dropped" "$FWORK/notification-controller.log")"
else ok sink_down_nothing_dropped; fi

# ---- the OCI registry down ----
mkdir -p "$FWORK/oci"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: oci-cm}\ndata: {rev: "o1"}\n' >"$FWORK/oci/cm.yaml"
ociref=$CFLUX_REGISTRY/faults/sinks-$$
push() {
	sed -i "s/rev: \".*\"/rev: \"$1\"/" "$FWORK/oci/cm.yaml"
	bin/cflux push artifact "oci://$ociref:latest" --path "$FWORK/oci" --source local --revision "$1" --insecure-registry \
		>>"$FWORK/push.log" 2>&1
}
push o1 || ko setup "could not push the artifact: $(tail -n 2 "$FWORK/push.log")"
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the OCIRepository and its Kustomization"
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata: {name: oci, namespace: $fns}
spec: {interval: 10m, url: "oci://$ociref", ref: {tag: latest}, insecure: true, timeout: 10s}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: oci, namespace: $fns}
spec: {interval: 10m, path: ./, prune: true, targetNamespace: $fns, sourceRef: {kind: OCIRepository, name: oci}}
EOT
oci_cm_is() { [ "$(kubectl -n "$fns" get configmap oci-cm -o jsonpath='{.data.rev}' 2>/dev/null)" = "$1" ]; }
if wait_until 120 oci_cm_is o1; then ok oci_applied; else ko oci_applied "$(kubectl -n "$fns" get ocirepository oci -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"; fi
# a new tag, then the registry goes before the source has looked: asked now, it cannot reach it
push o2 || ko registry_push "could not push o2: $(tail -n 2 "$FWORK/push.log")"
sh tests/env/down registry
kubectl -n "$fns" annotate ocirepository oci --overwrite reconcile.fluxcd.io/requestedAt="$(date +%s%N)" >/dev/null
oci_ready_line() { kubectl -n "$fns" get ocirepository oci -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.reason} {.message}{end}'; }
oci_says() { oci_ready_line | grep -qi "$1"; }
if wait_until 60 oci_says "^False .*connect"; then ok registry_down_status_says; else ko registry_down_status_says "Ready: $(oci_ready_line)"; fi
if oci_cm_is o1; then ok registry_down_consumer_kept; else ko registry_down_consumer_kept "oci-cm is not at o1"; fi
sh tests/env/up registry >/dev/null 2>&1 || ko registry_back "tests/env/up registry failed"
t0=$(now_ms)
if wait_until 120 oci_cm_is o2; then
	echo "registry down: the OCIRepository back by itself and the new tag applied $(($(now_ms) - t0)) ms after it was back"
	ok registry_down_recovered
else ko registry_down_recovered "Ready: $(oci_ready_line)"; fi
kubectl -n "$fns" delete kustomization oci --wait=true --timeout=60s >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
