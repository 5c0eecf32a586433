#!/bin/sh
# tests/e2e/test_cli_trace.sh - `cflux trace` against the real apiserver with the source-,
# kustomize- and helm-controller running: a Deployment applied by a Kustomization traced to it
# and its GitRepository (flux's layout line by line, the revision of the pushed commit), the
# kubectl forms of naming objects (`deployment NAME`, `deploy/NAME cm/NAME`, --kind with
# --api-version), a ReplicaSet traced through its owner, an unmanaged object and a missing one
# (flux's words and exit codes), the usage errors (exit 2); `cflux tree kustomization` of a
# Kustomization that applied another: flux's tree, --compact, -o json and -o yaml; then a
# HelmRelease applied by a Kustomization: its HelmChart traced to the release and the
# HelmRepository, the release traced to the Kustomization, an object of the chart traced to the
# release (Flux's origin labels), and the tree with the release's
# objects (read from helm's storage Secret) under it; and each report beside the real flux CLI's.
set -u
. tests/lib.sh
. tests/e2e/secrets.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-trace-$$
WORK=$(mktemp -d)
REPO=$CFLUX_GIT_REPOS/trace-$$.git
CHART=trace$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for k in $(kubectl -n "$NS" get gitrepositories,kustomizations,helmreleases,helmrepositories,helmcharts -o name 2>/dev/null); do
		kubectl -n "$NS" patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	rm -rf "$WORK" "$REPO" "$CFLUX_ENV_DIR/charts/repo/$CHART-"*.tgz
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
git init -q --bare -b main "$REPO"
git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/apps" "$WORK/src/clusters" "$WORK/src/child" "$WORK/src/releases" "$WORK/helm"
cat > "$WORK/src/releases/web.yaml" <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
spec:
  interval: 1h
  url: $CFLUX_HELM_URL_HTTP
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: 1h
  timeout: 60s
  chart:
    spec:
      chart: $CHART
      version: 0.1.0
      sourceRef:
        kind: HelmRepository
        name: charts
  install:
    disableWait: true
EOF
cat > "$WORK/src/clusters/child.yaml" <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: child
spec:
  interval: 1h
  path: ./child
  prune: true
  sourceRef:
    kind: GitRepository
    name: trace
  targetNamespace: $NS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: root-cm
EOF
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: child-cm\n' > "$WORK/src/child/cm.yaml"
cat > "$WORK/src/apps/web.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.local/web:1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-cm
data:
  k: v
EOF
git -C "$WORK/src" add -A && git -C "$WORK/src" -c user.name=t -c user.email=t@l commit -qm one && git -C "$WORK/src" push -q "$REPO" main
REV=$(git -C "$WORK/src" rev-parse HEAD)
controller_identities
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --storage-path "$WORK/store" \
	--artifact-addr tcp://127.0.0.1:17160 --notify-addr tcp://127.0.0.1:17161 --events-addr tcp://127.0.0.1:17162 2>"$WORK/sc.log" &
PIDS="$PIDS $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--source-notify-addr tcp://127.0.0.1:17161 --events-addr tcp://127.0.0.1:17162 2>"$WORK/kc.log" &
PIDS="$PIDS $!"
bin/helm-controller --kubeconfig "$HC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--source-notify-addr tcp://127.0.0.1:17161 --events-addr tcp://127.0.0.1:17162 --helm "$CFLUX_HELM" --tmp-dir "$WORK/helm" 2>"$WORK/hc.log" &
PIDS="$PIDS $!"
cli_logged "$WORK"
# matches NAME CMD...: what CMD prints (stdout and stderr) is $WORK/want, byte for byte
matches() {
	name=$1; shift
	"$@" > "$WORK/got" 2>&1
	if diff -u "$WORK/want" "$WORK/got" > "$WORK/diff"; then ok "$name"; else ko "$name" "$(cat "$WORK/diff")"; fi
}
C="$WORK/cflux -n $NS --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 60s"
URL=$CFLUX_GIT_URL_HTTP/trace-$$.git

expect create_source 0 "fetched revision" $C create source git trace --url "$URL" --branch main --interval 1h
expect create_ks 0 "applied revision" $C create kustomization apps --source trace --path ./apps --prune --interval 1h --target-namespace "$NS"

# flux's template, line by line (the times are the Ready conditions' lastTransitionTime)
T_KS=$(kubectl -n "$NS" get kustomization apps -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}' | sed 's/T/ /; s/Z$/ +0000 UTC/')
T_GIT=$(kubectl -n "$NS" get gitrepository trace -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}' | sed 's/T/ /; s/Z$/ +0000 UTC/')
cat > "$WORK/want" <<EOF

Object:          Deployment/web
Namespace:       $NS
Status:          Managed by Flux
---
Kustomization:   apps
Namespace:       $NS
Target:          $NS
Path:            ./apps
Revision:        main@sha1:$REV
Status:          Last reconciled at $T_KS
Message:         Applied revision: main@sha1:$REV
---
GitRepository:   trace
Namespace:       $NS
URL:             $URL
Branch:          main
Revision:        main@sha1:$REV
Status:          Last reconciled at $T_GIT
Message:         stored artifact for revision 'main@sha1:$REV'
EOF
matches trace_deployment_layout env TZ=UTC $C trace deployment web
expect trace_revision_printed 0 "^Revision:        main@sha1:$REV\$" $C trace deployment web
# several objects, resource/name form: the reports apart by "---"
out=$($C trace deploy/web cm/web-cm 2>&1)
if [ "$(printf '%s\n' "$out" | grep -c '^Object:')" = 2 ] && printf '%s\n' "$out" | grep -q '^Object:          ConfigMap/web-cm$' &&
   [ "$(printf '%s\n' "$out" | grep -c '^---$')" = 5 ]; then
	ok trace_several_objects
else
	ko trace_several_objects "$out"
fi
expect trace_names_after_type 0 "^Object:          ConfigMap/web-cm\$" $C trace configmaps web-cm
# --kind and --api-version: the kind printed as typed, as flux does
expect trace_static_kind 0 "^Object:          deployment/web\$" $C trace web --kind=deployment --api-version=apps/v1
expect trace_static_missing 1 "failed to find object: deployments.apps \"nope\" not found" $C trace nope --kind=Deployment --api-version=apps/v1
expect trace_static_bad_kind 1 "no matches for kind \"Frob\" in version \"apps/v1\"" $C trace web --kind=Frob --api-version=apps/v1
# the ReplicaSet the Deployment made: traced through its owner
rs=""
for i in $(seq 1 100); do
	rs=$(kubectl -n "$NS" get replicasets -l app=web -o jsonpath='{.items[0].metadata.name}' 2>/dev/null)
	[ -n "$rs" ] && break
	sleep 0.2
done
if [ -n "$rs" ]; then
	expect trace_owner 0 "^Kustomization:   apps\$" $C trace replicaset "$rs"
else
	ko trace_owner "no ReplicaSet of Deployment web appeared (kube-controller-manager)"
fi
# an object Flux does not manage: flux reports it and still exits 0
kubectl -n "$NS" create configmap loose >/dev/null
expect trace_unmanaged 0 "failed to trace ConfigMap/loose in namespace $NS: object not managed by Flux" $C trace cm loose
out=$($C trace cm loose 2>/dev/null)
if [ -z "$out" ]; then ok trace_unmanaged_no_report; else ko trace_unmanaged_no_report "$out"; fi
expect trace_missing 1 "x: deployments.apps \"nope\" not found" $C trace deployment nope
# "deploy,cm web web-cm": every type with every name, the misses in one error
expect trace_types_times_names 1 "x: \[deployments.apps \"web-cm\" not found, configmaps \"web\" not found\]" $C trace deploy,cm web web-cm
expect trace_unknown_type 1 "the server doesn't have a resource type \"frobs\"" $C trace frobs x
# usage errors
expect trace_no_args 2 "either \`<resource>/<name>\` or \`<resource> <name>\` is required" $C trace
expect trace_type_only 2 "no name was specified" $C trace deployment
expect trace_mixed_forms 2 "no need to specify a resource type" $C trace deployment cm/web-cm
expect trace_kind_without_version 2 "object apiVersion is required (--api-version)" $C trace web --kind Deployment
expect trace_version_without_name 2 "object name is required" $C trace --api-version apps/v1 --kind Deployment
expect trace_unknown_flag 2 "unknown flag" $C trace deployment web --frobnicate

# tree: the inventory, nested Kustomizations expanded; --compact keeps Flux's kinds; -o json|yaml
expect create_ks_root 0 "applied revision" $C create kustomization root --source trace --path ./clusters --prune --interval 1h --target-namespace "$NS"
expect child_ready 0 "" kubectl -n "$NS" wait --for=condition=Ready kustomization/child --timeout=120s
cat > "$WORK/want" <<EOF
Kustomization/$NS/root
├── ConfigMap/$NS/root-cm
└── Kustomization/$NS/child
    └── ConfigMap/$NS/child-cm

EOF
matches tree_layout $C tree kustomization root
printf 'Kustomization/%s/root\n└── Kustomization/%s/child\n\n' "$NS" "$NS" > "$WORK/want"
matches tree_compact $C tree ks root --compact
cat > "$WORK/want" <<EOF
{
  "resource": {
    "Namespace": "$NS",
    "Name": "root",
    "GroupKind": {
      "Group": "kustomize.toolkit.fluxcd.io",
      "Kind": "Kustomization"
    }
  },
  "resources": [
    {
      "resource": {
        "Namespace": "$NS",
        "Name": "child",
        "GroupKind": {
          "Group": "kustomize.toolkit.fluxcd.io",
          "Kind": "Kustomization"
        }
      }
    }
  ]
}
EOF
matches tree_json $C tree ks root --compact -o json
cat > "$WORK/want" <<EOF
resource:
  GroupKind:
    Group: kustomize.toolkit.fluxcd.io
    Kind: Kustomization
  Name: root
  Namespace: $NS
resources:
- resource:
    GroupKind:
      Group: ""
      Kind: ConfigMap
    Name: root-cm
    Namespace: $NS
- resource:
    GroupKind:
      Group: kustomize.toolkit.fluxcd.io
      Kind: Kustomization
    Name: child
    Namespace: $NS
  resources:
  - resource:
      GroupKind:
        Group: ""
        Kind: ConfigMap
      Name: child-cm
      Namespace: $NS

EOF
matches tree_yaml $C tree ks root --output yaml
expect tree_no_name 2 "kustomization name is required" $C tree kustomization

# a HelmRelease's object: the release, its HelmChart and HelmRepository
sh tests/env/chart-publish "$CHART" 0.1.0 >/dev/null
expect create_ks_releases 0 "applied revision" $C create kustomization releases --source trace --path ./releases --prune --interval 1h --target-namespace "$NS"
if kubectl -n "$NS" wait --for=condition=Ready helmrelease/web --timeout=120s >/dev/null 2>&1; then
	ok helmrelease_ready
	# the HelmChart the helm-controller made (its helm.toolkit.fluxcd.io labels name the release)
	out=$($C trace helmchart "$NS-web" 2>&1)
	if printf '%s\n' "$out" | grep -q "^HelmRelease:    web\$" && printf '%s\n' "$out" | grep -q "^Revision:       0.1.0\$" &&
	   printf '%s\n' "$out" | grep -q "^HelmChart:      $NS-web\$" && printf '%s\n' "$out" | grep -q "^Chart:          $CHART\$" &&
	   printf '%s\n' "$out" | grep -q "^Version:        0.1.0\$" && printf '%s\n' "$out" | grep -q "^HelmRepository: charts\$" &&
	   printf '%s\n' "$out" | grep -q "^URL:            $CFLUX_HELM_URL_HTTP\$" && printf '%s\n' "$out" | grep -q "^Object:         HelmChart/$NS-web\$"; then
		ok trace_helmrelease
	else
		ko trace_helmrelease "$out"
	fi
	# the HelmRelease itself, applied by a Kustomization (flux's helmrelease golden)
	expect trace_helmrelease_object 0 "^Kustomization:   releases\$" $C trace helmrelease web
	# tree: the release's objects (from helm's storage Secret) under the HelmRelease
	out=$($C tree ks releases 2>&1)
	if printf '%s\n' "$out" | grep -Eq "^(├|└)── HelmRelease/$NS/web\$" &&
	   printf '%s\n' "$out" | grep -Eq "^(│| )   (├|└)── Deployment/$NS/web-$CHART\$" &&
	   printf '%s\n' "$out" | grep -Eq "^(├|└)── HelmRepository/$NS/charts\$"; then
		ok tree_helmrelease_objects
	else
		ko tree_helmrelease_objects "$out"
	fi
	# an object the chart installed: Flux's origin labels name the release
	expect trace_helm_object 0 "^HelmRelease:    web\$" $C trace deployment "web-$CHART"
	out=$($C tree ks releases --compact 2>&1)
	if printf '%s\n' "$out" | grep -q "HelmRelease/$NS/web" && ! printf '%s\n' "$out" | grep -q "Deployment/"; then
		ok tree_compact_helmrelease
	else
		ko tree_compact_helmrelease "$out"
	fi
else
	ko helmrelease_ready "$(kubectl -n "$NS" get helmrelease web -o jsonpath='{.status.conditions}' 2>&1)"
fi
# the real flux CLI (2.9.5, from the cache tests/env fills) against the same objects: the same
# report on stdout, the same exit code (usage errors are left out: flux exits 1 on them, cflux 2)
FLUX=${CFLUX_FLUX:-$(. tests/env/common.sh && echo "$CFLUX_CACHE")/fluxcd-flux-${CFLUX_FLUX_CLI_VERSION:-2.9.5}/bin/flux}
# as_flux NAME ARGS...: cflux and flux given ARGS print the same stdout and exit alike; on a
# failure the error is the same too ("✗ " or "error: " before it)
as_flux() {
	name=$1; shift
	if [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI at $FLUX (tests/env/build-flux cli)"
		return
	fi
	"$FLUX" --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" -n "$NS" "$@" > "$WORK/want" 2>"$WORK/want.err"; want=$?
	bin/cflux --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" -n "$NS" "$@" > "$WORK/got" 2>"$WORK/got.err"; got=$?
	if [ "$want" != "$got" ]; then
		ko "$name" "exit $got, flux $want: $(cat "$WORK/got.err") / flux: $(cat "$WORK/want.err")"
	elif ! diff -u "$WORK/want" "$WORK/got" > "$WORK/diff"; then
		ko "$name" "$(cat "$WORK/diff")"
	elif [ "$got" != 0 ] && [ "$(sed 's/^✗ //' "$WORK/want.err")" != "$(sed 's/^error: //' "$WORK/got.err")" ]; then
		ko "$name" "error '$(cat "$WORK/got.err")', flux '$(cat "$WORK/want.err")'"
	else
		ok "$name"
	fi
}
as_flux flux_trace_deployment trace deployment web
as_flux flux_trace_several trace deploy/web cm/web-cm
as_flux flux_trace_static trace web --kind=deployment --api-version=apps/v1
[ -n "$rs" ] && as_flux flux_trace_owner trace replicaset "$rs"
as_flux flux_trace_unmanaged trace cm loose
as_flux flux_trace_missing trace deployment nope
as_flux flux_trace_types_times_names trace deploy,cm web web-cm
as_flux flux_trace_cluster_scoped trace namespace "$NS"
as_flux flux_trace_helmchart trace helmchart "$NS-web"
as_flux flux_trace_helmrelease trace helmrelease web
as_flux flux_trace_helm_object trace deployment "web-$CHART"
as_flux flux_tree tree kustomization root
as_flux flux_tree_compact tree kustomization root --compact
as_flux flux_tree_json tree kustomization root -o json
as_flux flux_tree_yaml tree kustomization root -o yaml
as_flux flux_tree_helmrelease tree kustomization releases
as_flux flux_tree_missing tree kustomization nope
no_secrets_leaked no_secret_in_logs "$WORK/sc.log" "$WORK/kc.log" "$WORK/hc.log" "$WORK/cli.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
