#!/bin/sh
# tests/integration/test_kwok.sh - the kustomize-controller's health checks against workloads
# whose pods run: tests/env runs kube-scheduler and kwok (a fake node, cflux-node-0), so a
# Deployment, StatefulSet, DaemonSet and Job applied with `wait: true` progress as on a real
# cluster and the Kustomization goes Ready; a Deployment whose pods kwok keeps in
# CrashLoopBackOff (label cflux.test/kwok=fail, tests/env/kwok-stages.yaml) makes it
# Ready=False, HealthCheckFailed, naming the Deployment.
# On CFLUX_KUBE_VERSION=1.20 there is no scheduler and no kwok (tests/env/up): pods stay Pending,
# so there the same healthy Kustomization must fail its health check instead, and says so.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
WORK=$(mktemp -d)
ns=cflux-kwok-$$
repo=kwok-$$.git
ART_ADDR=tcp://127.0.0.1:17150
NOTIFY_ADDR=tcp://127.0.0.1:17151
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
	rm -rf "$WORK" "$CFLUX_GIT_REPOS/$repo"
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost
export GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost

# ready_of KIND NAME: the Kustomization's Ready condition as "status reason message"
ready_of() {
	kubectl -n "$ns" get "$1" "$2" -o \
		jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.reason} {.message}{end}' 2>/dev/null
}
# wait_ready NAME WANT SECS: polls until the Kustomization's Ready line starts with WANT
wait_ready() {
	i=0
	while [ $i -lt $(($3 * 5)) ]; do
		got=$(ready_of kustomization "$1")
		case $got in "$2"*) return 0 ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# field KIND NAME JSONPATH
field() { kubectl -n "$ns" get "$1" "$2" -o jsonpath="$3" 2>/dev/null; }

healthy_timeout=10s
[ -z "${CFLUX_KWOK:-}" ] || healthy_timeout=2m
tolerate='      tolerations:
      - {key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}'
git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/healthy" "$WORK/src/failing"
cat > "$WORK/src/healthy/workloads.yaml" <<EOT
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
$tolerate
      containers: [{name: web, image: example.invalid/web:1}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
$tolerate
      containers: [{name: db, image: example.invalid/db:1}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
$tolerate
      containers: [{name: agent, image: example.invalid/agent:1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
$tolerate
      restartPolicy: Never
      containers: [{name: migrate, image: example.invalid/migrate:1}]
EOT
cat > "$WORK/src/failing/deploy.yaml" <<EOT
apiVersion: apps/v1
kind: Deployment
metadata: {name: crashing}
spec:
  replicas: 1
  progressDeadlineSeconds: 15
  selector: {matchLabels: {app: crashing}}
  template:
    metadata: {labels: {app: crashing, cflux.test/kwok: fail}}
    spec:
$tolerate
      containers: [{name: crashing, image: example.invalid/crashing:1}]
EOT
git init -q --bare -b main "$CFLUX_GIT_REPOS/$repo"
git -C "$WORK/src" add -A && git -C "$WORK/src" commit -qm workloads &&
	git -C "$WORK/src" push -q "$CFLUX_GIT_REPOS/$repo" main || ko setup "could not push the repository"

for f in manifests/crds/*.yaml; do
	[ "$(basename "$f")" = kustomization.yaml ] || kubectl apply --server-side --force-conflicts -f "$f" >/dev/null ||
		ko setup "could not apply $f"
done
kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux --timeout=60s >/dev/null ||
	ko setup "CRDs not established"
kubectl create namespace "$ns" >/dev/null || ko setup "could not create namespace $ns"
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the sources"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: workloads, namespace: $ns}
spec:
  interval: 1h
  url: $CFLUX_GIT_URL_HTTP/$repo
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: healthy, namespace: $ns}
spec:
  interval: 1h
  sourceRef: {kind: GitRepository, name: workloads}
  path: ./healthy
  targetNamespace: $ns
  prune: true
  wait: true
  timeout: $healthy_timeout
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: failing, namespace: $ns}
spec:
  interval: 1h
  sourceRef: {kind: GitRepository, name: workloads}
  path: ./failing
  targetNamespace: $ns
  prune: true
  wait: true
  timeout: 1m
EOT

controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--storage-path "$WORK/storage" --artifact-addr "$ART_ADDR" --notify-addr "$NOTIFY_ADDR" \
	>"$WORK/source-controller.log" 2>&1 &
pids="$pids $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--source-notify-addr "$NOTIFY_ADDR" >"$WORK/kustomize-controller.log" 2>&1 &
pids="$pids $!"

if [ -n "${CFLUX_KWOK:-}" ]; then
	# the success path: every workload's pods run on the kwok node, the Job completes
	if wait_ready healthy "True ReconciliationSucceeded" 150; then
		ok healthy_workloads_ready
	else
		ko healthy_workloads_ready "Ready is '$(ready_of kustomization healthy)'"
	fi
	av=$(field deployment web '{.status.availableReplicas}')
	sr=$(field statefulset db '{.status.readyReplicas}')
	dr=$(field daemonset agent '{.status.numberReady}')
	js=$(field job migrate '{.status.succeeded}')
	node=$(kubectl -n "$ns" get pods -l app=web -o jsonpath='{.items[*].spec.nodeName}' 2>/dev/null)
	if [ "$av" = 2 ] && [ "$sr" = 2 ] && [ "$dr" = 1 ] && [ "$js" = 1 ] && [ "$node" = "cflux-node-0 cflux-node-0" ]; then
		ok workloads_progressed_on_fake_node
	else
		ko workloads_progressed_on_fake_node "deployment available $av, statefulset ready $sr, daemonset ready $dr, job succeeded $js, pods on '$node'"
	fi
	# the failure path: kwok keeps the pod in CrashLoopBackOff; the deadline fails the rollout
	if wait_ready failing "False HealthCheckFailed" 90; then
		msg=$(ready_of kustomization failing)
		case $msg in
		*Deployment/$ns/crashing*) ok crashing_pod_fails_health_check ;;
		*) ko crashing_pod_fails_health_check "message does not name the Deployment: $msg" ;;
		esac
	else
		ko crashing_pod_fails_health_check "Ready is '$(ready_of kustomization failing)'"
	fi
	waiting=$(kubectl -n "$ns" get pods -l app=crashing \
		-o jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}' 2>/dev/null)
	if [ "$waiting" = CrashLoopBackOff ]; then ok crashing_pod_in_crashloop; else ko crashing_pod_in_crashloop "container waiting reason '$waiting'"; fi
else
	# 1.20: no scheduler and no node, so the same workloads never become ready
	if wait_ready healthy "False HealthCheckFailed" 60; then
		ok healthy_workloads_pending_on_1_20
	else
		ko healthy_workloads_pending_on_1_20 "Ready is '$(ready_of kustomization healthy)'"
	fi
	phase=$(kubectl -n "$ns" get pods -l app=web -o jsonpath='{.items[0].status.phase}' 2>/dev/null)
	if [ "$phase" = Pending ]; then ok pods_pending_on_1_20; else ko pods_pending_on_1_20 "pod phase '$phase'"; fi
fi
for p in $pids; do
	kill -0 "$p" 2>/dev/null || { ko controllers_alive "a controller exited: $(tail -n 5 "$WORK"/*.log)"; break; }
done
if [ "$failed" -ne 0 ]; then
	tail -n 20 "$WORK/kustomize-controller.log" "$WORK/source-controller.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
