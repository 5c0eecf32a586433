#!/bin/sh
# tests/integration/test_multicluster.sh - spec.kubeConfig.secretRef: a Kustomization and a
# HelmRelease in the local cluster apply to a second one (tests/env's apiserver-remote: another
# kube-apiserver, its objects under their own etcd prefix). The objects land in the remote
# cluster and not in the local one; status, sources and the kubeconfig Secret stay local; a
# pushed change prunes on the remote; deletion prunes and uninstalls there. A missing Secret, a
# missing key, a kubeconfig naming a file and one skipping the TLS check are refused in words.
# The controllers run with the tokens `cflux install` makes.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
WORK=$(mktemp -d)
ns=cflux-mc-$$
rns=mc-remote-$$
repo=mc-$$.git
ART_ADDR=tcp://127.0.0.1:17330
NOTIFY_ADDR=tcp://127.0.0.1:17331
EVENTS_ADDR=tcp://127.0.0.1:17332
pids=""
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost
export GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost

if ! sh tests/env/up apiserver-remote >"$WORK/up.log" 2>&1; then
	ko remote_apiserver_up "tests/env/up apiserver-remote: $(tail -n 5 "$WORK/up.log")"
	echo "$passed passed, $failed failed"
	exit 1
fi
RKC=$CFLUX_ENV_DIR/remote.kubeconfig
rkubectl() { kubectl --kubeconfig "$RKC" "$@"; }

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	for o in $(kubectl -n "$ns" get kustomizations,helmreleases,gitrepositories,helmrepositories,helmcharts -o name 2>/dev/null); do
		kubectl -n "$ns" patch "$o" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
	# no namespace controller runs for the remote cluster: its objects go one by one
	rkubectl -n "$rns" delete configmaps,serviceaccounts,secrets,services,deployments --all --wait=false >/dev/null 2>&1
	[ "$failed" -eq 0 ] || { mkdir -p "$CFLUX_ENV_DIR/log/multicluster"; cp "$WORK"/*.log "$CFLUX_ENV_DIR/log/multicluster/" 2>/dev/null; }
	rm -rf "$WORK" "$CFLUX_GIT_REPOS/$repo"
}
trap cleanup EXIT

cond() { kubectl -n "$ns" get "$1" "$2" -o jsonpath="{.status.conditions[?(@.type==\"Ready\")].$3}" 2>/dev/null; }
ready_is() { [ "$(cond "$1" "$2" status)" = "$3" ]; }
message_has() { cond "$1" "$2" message | grep -qF -- "$3"; }
remote_has() { rkubectl -n "$rns" get "$1" "$2" >/dev/null 2>&1; }
remote_gone() { ! remote_has "$1" "$2"; }

# ---- the repository: a ConfigMap and a ServiceAccount ----
git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mc-config}\ndata: {where: remote}\n' >"$WORK/src/app/cm.yaml"
printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: mc-sa}\n' >"$WORK/src/app/sa.yaml"
git init -q --bare -b main "$CFLUX_GIT_REPOS/$repo"
git -C "$WORK/src" add -A && git -C "$WORK/src" commit -qm app &&
	git -C "$WORK/src" push -q "$CFLUX_GIT_REPOS/$repo" main || ko setup "could not push the repository"

kubectl apply --server-side --force-conflicts -k manifests/crds >/dev/null || ko setup "could not apply the CRDs"
kubectl create namespace "$ns" >/dev/null || ko setup "could not create namespace $ns"
rkubectl create namespace "$rns" >/dev/null || ko setup "could not create namespace $rns on the remote cluster"
# the kubeconfig as users keep it (Flux's key "value"), and variants that must be refused
kubectl -n "$ns" create secret generic remote-kubeconfig --from-file=value="$RKC" >/dev/null || ko setup "secret"
kubectl -n "$ns" create secret generic remote-yaml-key --from-file=value.yaml="$RKC" >/dev/null || ko setup "secret value.yaml"
kubectl -n "$ns" create secret generic wrong-key --from-literal=other=x >/dev/null || ko setup "secret wrong-key"
sed "s|certificate-authority-data: .*|certificate-authority: $CFLUX_CA|" "$RKC" >"$WORK/file.kubeconfig"
kubectl -n "$ns" create secret generic names-file --from-file=value="$WORK/file.kubeconfig" >/dev/null || ko setup "secret names-file"
sed "s|certificate-authority-data: .*|insecure-skip-tls-verify: true|" "$RKC" >"$WORK/insecure.kubeconfig"
kubectl -n "$ns" create secret generic insecure --from-file=value="$WORK/insecure.kubeconfig" >/dev/null || ko setup "secret insecure"

controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--storage-path "$WORK/storage" --artifact-addr "$ART_ADDR" --notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" \
	--metrics-addr "" --health-addr "" >"$WORK/source-controller.log" 2>&1 &
pids="$pids $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--source-notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" --requeue-max 2s \
	--metrics-addr "" --health-addr "" >"$WORK/kustomize-controller.log" 2>&1 &
pids="$pids $!"

ks() {   # ks NAME SECRET [KEY [NAME_PREFIX]]: a Kustomization of ./app into the remote namespace
	printf 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: %s, namespace: %s}\n' "$1" "$ns"
	printf 'spec:\n  interval: 1h\n  retryInterval: 2s\n  path: ./app\n  prune: true\n  wait: true\n  timeout: 1m\n'
	[ -n "${4:-}" ] && printf '  namePrefix: %s\n' "$4"
	printf '  targetNamespace: %s\n  sourceRef: {kind: GitRepository, name: app}\n  kubeConfig:\n    secretRef: {name: %s%s}\n' \
		"$rns" "$2" "${3:+, key: $3}"
}
{
	printf 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: app, namespace: %s}\n' "$ns"
	printf 'spec: {interval: 1h, url: "%s/%s", ref: {branch: main}}\n---\n' "$CFLUX_GIT_URL_HTTP" "$repo"
	ks remote remote-kubeconfig
} | kubectl apply -f - >/dev/null || ko setup "could not apply the GitRepository and Kustomization"

# ---- applied to the remote cluster, not the local one ----
if poll 60 ready_is kustomization remote True; then ok kustomization_ready
else ko kustomization_ready "$(cond kustomization remote message); $(tail -n 5 "$WORK/kustomize-controller.log")"; fi
if [ "$(rkubectl -n "$rns" get configmap mc-config -o jsonpath='{.data.where}' 2>/dev/null)" = remote ]; then ok configmap_on_remote
else ko configmap_on_remote "no ConfigMap $rns/mc-config on the remote cluster"; fi
if remote_has serviceaccount mc-sa; then ok serviceaccount_on_remote; else ko serviceaccount_on_remote "no ServiceAccount $rns/mc-sa there"; fi
if kubectl get namespace "$rns" >/dev/null 2>&1 || kubectl get configmaps -A 2>/dev/null | grep -q mc-config; then
	ko nothing_local "namespace $rns or ConfigMap mc-config is in the local cluster"
else ok nothing_local; fi
labels=$(rkubectl -n "$rns" get configmap mc-config -o jsonpath='{.metadata.labels}' 2>/dev/null)
case $labels in
*"kustomize.toolkit.fluxcd.io/name\":\"remote\""*"kustomize.toolkit.fluxcd.io/namespace\":\"$ns\""*) ok owner_labels_on_remote ;;
*) ko owner_labels_on_remote "labels '$labels'" ;;
esac
managers=$(rkubectl -n "$rns" get configmap mc-config -o jsonpath='{.metadata.managedFields[*].manager}' 2>/dev/null)
case " $managers " in *" kustomize-controller "*) ok field_manager_on_remote ;; *) ko field_manager_on_remote "managers '$managers'" ;; esac
inv=$(kubectl -n "$ns" get kustomization remote -o jsonpath='{.status.inventory.entries[*].id}')
case $inv in *"${rns}_mc-config__ConfigMap"*) ok inventory_local ;; *) ko inventory_local "inventory '$inv'" ;; esac

# ---- a pushed change: the removed file is pruned on the remote cluster ----
git -C "$WORK/src" rm -q app/sa.yaml && git -C "$WORK/src" commit -qm "no sa" &&
	git -C "$WORK/src" push -q "$CFLUX_GIT_REPOS/$repo" main || ko setup "could not push the change"
kubectl -n "$ns" annotate gitrepository app reconcile.fluxcd.io/requestedAt="$(date +%s%N)" --overwrite >/dev/null
if poll 60 remote_gone serviceaccount mc-sa; then ok pruned_on_remote
else ko pruned_on_remote "ServiceAccount $rns/mc-sa is still there; $(tail -n 3 "$WORK/kustomize-controller.log")"; fi
if remote_has configmap mc-config; then ok kept_on_remote; else ko kept_on_remote "ConfigMap mc-config went too"; fi

# ---- refused kubeconfigs, in words ----
{
	ks no-secret not-there; echo ---
	ks no-key wrong-key; echo ---
	ks names-file names-file; echo ---
	ks insecure insecure; echo ---
	ks explicit-key wrong-key missing; echo ---
	ks yaml-key remote-yaml-key "" y-   # its own names: the same objects would be adopted from "remote"
} | kubectl apply -f - >/dev/null || ko setup "could not apply the refused Kustomizations"
expect_msg() {   # expect_msg NAME KS TEXT
	if poll 30 message_has kustomization "$2" "$3"; then
		if ready_is kustomization "$2" False; then ok "$1"; else ko "$1" "Ready is '$(cond kustomization "$2" status)'"; fi
	else ko "$1" "message '$(cond kustomization "$2" message)', want '$3'"; fi
}
expect_msg missing_secret_refused no-secret "unable to read KubeConfig secret '$ns/not-there'"
expect_msg missing_key_refused no-key "KubeConfig secret '$ns/wrong-key' has neither 'value' nor 'value.yaml'"
expect_msg file_path_refused names-file "certificate-authority names a file"
expect_msg explicit_key_missing explicit-key "KubeConfig secret '$ns/wrong-key' has no key 'missing'"
expect_msg insecure_refused insecure "insecure-skip-tls-verify is refused unless the controller runs with --insecure-kubeconfig-tls"
if poll 60 ready_is kustomization yaml-key True && remote_has configmap y-mc-config; then ok value_yaml_key_read
else ko value_yaml_key_read "$(cond kustomization yaml-key message)"; fi
reason=$(cond kustomization no-secret reason)
if [ "$reason" = ReconciliationFailed ]; then ok refused_reason; else ko refused_reason "reason '$reason'"; fi
if grep -q "$(cut -c1-16 "$CFLUX_ENV_DIR/pki/admin.token")" "$WORK/kustomize-controller.log"; then
	ko token_not_logged "the remote token is in the kustomize-controller's log"
else ok token_not_logged; fi
# the refused ones never applied anything, and need no cleanup on deletion
kubectl -n "$ns" delete kustomization no-secret no-key names-file insecure explicit-key --wait=false >/dev/null 2>&1

# ---- a HelmRelease installed into the remote cluster ----
bin/helm-controller --kubeconfig "$HC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$ns" \
	--source-notify-addr "$NOTIFY_ADDR" --events-addr "$EVENTS_ADDR" --helm "$CFLUX_HELM" --tmp-dir "$WORK" \
	--requeue-dependency 1s --requeue-max 2s --metrics-addr "" --health-addr "" >"$WORK/helm-controller.log" 2>&1 &
pids="$pids $!"
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the HelmRepository and HelmRelease"
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: $ns}
spec: {interval: 1h, url: "$CFLUX_HELM_URL_HTTP"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: hello, namespace: $ns}
spec:
  interval: 1h
  targetNamespace: $rns
  releaseName: hello
  kubeConfig:
    secretRef: {name: remote-kubeconfig}
  chart:
    spec: {chart: hello, version: 0.1.0, sourceRef: {kind: HelmRepository, name: charts}}
  install: {disableWait: true}
  values: {replicaCount: 0}
EOT
if poll 120 ready_is helmrelease hello True; then ok helmrelease_ready
else ko helmrelease_ready "$(cond helmrelease hello message); $(tail -n 5 "$WORK/helm-controller.log")"; fi
if remote_has secret sh.helm.release.v1.hello.v1; then ok release_stored_on_remote
else ko release_stored_on_remote "no release Secret in $rns on the remote cluster"; fi
if remote_has deployment hello; then ok chart_objects_on_remote; else ko chart_objects_on_remote "no Deployment $rns/hello there"; fi
if kubectl get secrets -A 2>/dev/null | grep -q "sh.helm.release.v1.hello"; then ko no_release_local "a release Secret is in the local cluster"
else ok no_release_local; fi
if kubectl get helmrelease hello -n "$ns" -o jsonpath='{.status.history[0].chartVersion}' 2>/dev/null | grep -q 0.1.0; then
	ok history_local; else ko history_local "status.history of the local HelmRelease has no 0.1.0"; fi

# ---- deletion: pruned and uninstalled on the remote cluster ----
kubectl -n "$ns" delete kustomization remote --wait=false >/dev/null
if poll 60 remote_gone configmap mc-config; then ok deleted_pruned_on_remote
else ko deleted_pruned_on_remote "ConfigMap $rns/mc-config is still there"; fi
kubectl -n "$ns" delete helmrelease hello --wait=false >/dev/null
if poll 90 remote_gone secret sh.helm.release.v1.hello.v1; then ok uninstalled_on_remote
else ko uninstalled_on_remote "the release Secret is still in $rns; $(tail -n 3 "$WORK/helm-controller.log")"; fi
gone() { ! kubectl -n "$ns" get "$1" "$2" >/dev/null 2>&1; }
if poll 30 gone kustomization remote && poll 30 gone helmrelease hello; then ok finalizers_removed
else ko finalizers_removed "the Kustomization or HelmRelease still exists"; fi
# a remote cluster whose Secret is gone does not keep a Kustomization from being deleted
kubectl -n "$ns" delete secret remote-yaml-key >/dev/null 2>&1
kubectl -n "$ns" delete kustomization yaml-key --wait=false >/dev/null
if poll 30 gone kustomization yaml-key; then ok deleted_without_secret; else ko deleted_without_secret "yaml-key still exists"; fi

for n in source-controller kustomize-controller helm-controller; do
	if grep -q "Sanitizer\|runtime error:" "$WORK/$n.log" 2>/dev/null; then
		ko "sanitizer_clean_$n" "$(grep -m 1 "Sanitizer\|runtime error:" "$WORK/$n.log")"
	else ok "sanitizer_clean_$n"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
