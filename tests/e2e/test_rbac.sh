#!/bin/sh
# tests/e2e/test_rbac.sh - the RBAC `cflux install` creates, exercised: each controller's own
# ServiceAccount token (tests/env/sa-tokens) may do its job and no more. The
# notification-controller, run with only its token, makes its Providers and Alerts Ready (it
# writes their status) and cannot delete a Namespace; the source-controller reads Secrets one
# by one but cannot list them.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-rbac-$$
WORK=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for k in $(kubectl -n "$NS" get providers,alerts -o name 2>/dev/null); do
		kubectl -n "$NS" patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null

# can NAME WANT KUBECONFIG VERB RESOURCE [FLAGS...]: `kubectl auth can-i` says WANT (yes/no)
can() {
	name=$1 want=$2 kc=$3; shift 3
	got=$(kubectl --kubeconfig "$kc" auth can-i "$@" 2>/dev/null)
	if [ "$got" = "$want" ]; then ok "$name"; else ko "$name" "auth can-i $*: $got, want $want"; fi
}
can nc_patches_provider_status yes "$NC_KUBECONFIG" patch providers.notification.toolkit.fluxcd.io --subresource=status -n "$NS"
can nc_patches_alert_status yes "$NC_KUBECONFIG" patch alerts.notification.toolkit.fluxcd.io --subresource=status -n "$NS"
can nc_patches_receiver_status yes "$NC_KUBECONFIG" patch receivers.notification.toolkit.fluxcd.io --subresource=status -n "$NS"
can nc_cannot_delete_namespaces no "$NC_KUBECONFIG" delete namespaces
can nc_cannot_create_deployments no "$NC_KUBECONFIG" create deployments.apps -n "$NS"
can sc_patches_gitrepository_status yes "$SC_KUBECONFIG" patch gitrepositories.source.toolkit.fluxcd.io --subresource=status -n "$NS"
can sc_gets_secrets yes "$SC_KUBECONFIG" get secrets -n "$NS"
can sc_cannot_list_secrets no "$SC_KUBECONFIG" list secrets -n "$NS"
can sc_cannot_delete_namespaces no "$SC_KUBECONFIG" delete namespaces
# the image-automation-controller (Flux's image-reflector- and image-automation-controller in one)
IAC_KUBECONFIG=$CFLUX_ENV_DIR/image-automation-controller.kubeconfig
can iac_patches_imagerepository_status yes "$IAC_KUBECONFIG" patch imagerepositories.image.toolkit.fluxcd.io --subresource=status -n "$NS"
can iac_patches_imagepolicy_status yes "$IAC_KUBECONFIG" patch imagepolicies.image.toolkit.fluxcd.io --subresource=status -n "$NS"
can iac_patches_imageupdateautomation_status yes "$IAC_KUBECONFIG" patch imageupdateautomations.image.toolkit.fluxcd.io --subresource=status -n "$NS"
can iac_reads_service_accounts yes "$IAC_KUBECONFIG" get serviceaccounts -n "$NS"
can iac_gets_secrets yes "$IAC_KUBECONFIG" get secrets -n "$NS"
can iac_cannot_list_secrets no "$IAC_KUBECONFIG" list secrets -n "$NS"
can iac_cannot_patch_gitrepositories no "$IAC_KUBECONFIG" patch gitrepositories.source.toolkit.fluxcd.io -n "$NS"
# not only what RBAC says: the API server refuses the real request
expect nc_delete_namespace_forbidden 1 "forbidden" kubectl --kubeconfig "$NC_KUBECONFIG" delete namespace "$NS" --wait=false
expect namespace_still_there 0 "Active" kubectl get namespace "$NS" -o jsonpath='{.status.phase}'

# the notification-controller with nothing but its own token does its job
bin/notification-controller --kubeconfig "$NC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--events-addr tcp://127.0.0.1:17180 --events-http-addr 127.0.0.1:17181 --receiver-addr 127.0.0.1:17182 2>"$WORK/nc.log" &
PIDS="$PIDS $!"
kubectl -n "$NS" apply -f - >/dev/null <<EOT
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: sink}
spec: {type: generic, address: "$CFLUX_SINK_URL/rbac/$NS"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: all}
spec: {providerRef: {name: sink}, eventSources: [{kind: Kustomization, name: '*'}]}
EOT
expect nc_provider_ready_with_own_token 0 "condition met" kubectl -n "$NS" wait --for=condition=Ready --timeout=30s provider/sink
expect nc_alert_ready_with_own_token 0 "condition met" kubectl -n "$NS" wait --for=condition=Ready --timeout=30s alert/all
if grep -qi "forbidden" "$WORK/nc.log"; then
	ko nc_log_has_no_forbidden "$(grep -i forbidden "$WORK/nc.log" | head -n 3)"
else
	ok nc_log_has_no_forbidden
fi

# install: Flux's three NetworkPolicies, the token mounted into every controller, and the token
# Secret made in the cluster but never exported (bootstrap commits the export to Git)
bin/cflux install --export > "$WORK/install.yaml"
for p in allow-egress allow-scraping allow-webhooks; do
	if grep -q "^  name: $p$" "$WORK/install.yaml"; then ok "export_has_$p"; else ko "export_has_$p" "no NetworkPolicy $p"; fi
done
n=$(grep -c -- "- --internal-token-file=/etc/cflux/internal-token/token$" "$WORK/install.yaml")
if [ "$n" -eq 4 ]; then ok export_controllers_read_the_token_file; else ko export_controllers_read_the_token_file "$n of 4"; fi
if grep -q "^kind: Secret$" "$WORK/install.yaml"; then ko export_has_no_secret "a Secret in the export"; else ok export_has_no_secret; fi
# --components-extra with Flux's two image controllers: one process here, installed once
bin/cflux install --export --components-extra image-reflector-controller,image-automation-controller > "$WORK/install-img.yaml"
n=$(grep -c "^  name: image-automation-controller$" "$WORK/install-img.yaml")
m=$(grep -c -- "- --internal-token-file=/etc/cflux/internal-token/token$" "$WORK/install-img.yaml")
if [ "$n" -eq 3 ] && [ "$m" -eq 5 ]; then ok export_components_extra_image; else ko export_components_extra_image "$n ServiceAccount/Deployment names, $m token files"; fi
# memory limits sized from measurements (a max-size artifact peaks at ~520 MiB in the kustomize-controller)
limits=$(awk '/^kind: Deployment$/ { d = 1 } /^---/ { d = 0 } d && /^  name: / { n = $2 } d && /limits:/ { l = 1; next }
	l && /memory:/ { print n "=" $2; l = 0 }' "$WORK/install.yaml" | sort | tr '\n' ' ')
if [ "$limits" = "helm-controller=1Gi kustomize-controller=1Gi notification-controller=256Mi source-controller=1Gi " ]; then
	ok export_memory_limits
else
	ko export_memory_limits "limits: $limits"
fi
C="bin/cflux --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 60s"
expect install_creates_token_secret 0 "Secret/flux-system/cflux-internal-token created" $C install --components notification-controller
t1=$(kubectl -n flux-system get secret cflux-internal-token -o jsonpath='{.data.token}' | base64 -d)
if printf '%s' "$t1" | grep -qE '^[0-9a-f]{64}$'; then ok token_is_random_hex; else ko token_is_random_hex "token of ${#t1} characters"; fi
expect install_again_keeps_token 0 "cflux-internal-token unchanged" $C install --components notification-controller
t2=$(kubectl -n flux-system get secret cflux-internal-token -o jsonpath='{.data.token}' | base64 -d)
if [ -n "$t1" ] && [ "$t1" = "$t2" ]; then ok token_kept; else ko token_kept "the token changed"; fi
expect network_policies_applied 0 "allow-webhooks" kubectl -n flux-system get networkpolicy -o name
# what install made beyond the RBAC the other tests use
kubectl -n flux-system delete deployment,service,networkpolicy,secret -l app.kubernetes.io/part-of=cflux >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
