#!/bin/sh
# tests/e2e/test_cli_migrate_cluster.sh - `cflux migrate` without -f against the real apiserver:
# an object written as source.toolkit.fluxcd.io/v1beta2 (its managedFields say so) and a CRD
# whose status.storedVersions still lists v1beta2 come out in the storage version v1 alone,
# with flux's lines; objects of the other Flux CRDs are rewritten too; exit codes.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-migc-$$
CRD=gitrepositories.source.toolkit.fluxcd.io
cleanup() { kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1; }
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the old objects"
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata: {name: old, namespace: $NS}
spec: {interval: 1h, url: "https://example.invalid/app.git", ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata: {name: old, namespace: $NS}
spec: {interval: 1h, path: ./, prune: true, sourceRef: {kind: GitRepository, name: old}}
EOT
kubectl patch crd "$CRD" --subresource=status --type=merge -p '{"status":{"storedVersions":["v1beta2","v1"]}}' >/dev/null ||
	ko setup "could not set storedVersions"
fields() { kubectl -n "$NS" get "$1" old -o jsonpath='{.metadata.managedFields[*].apiVersion}'; }
case " $(fields gitrepository) " in *v1beta2*) ok old_managed_fields;; *) ko old_managed_fields "$(fields gitrepository)";; esac

C="bin/cflux --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 120s"
expect migrate_cluster 0 "custom resources migrated successfully" $C migrate
out=$($C migrate 2>&1)
expect migrate_object_line 0 "GitRepository/$NS/old migrated to version v1" printf '%s\n' "$out"
case " $(fields gitrepository) " in *v1beta2*) ko managed_fields_v1 "$(fields gitrepository)";; *) ok managed_fields_v1;; esac
case " $(fields kustomization) " in *v1beta2*) ko ks_managed_fields_v1 "$(fields kustomization)";; *) ok ks_managed_fields_v1;; esac
got=$(kubectl get crd "$CRD" -o jsonpath='{.status.storedVersions}')
if [ "$got" = '["v1"]' ]; then ok stored_versions; else ko stored_versions "$got"; fi
kubectl patch crd "$CRD" --subresource=status --type=merge -p '{"status":{"storedVersions":["v1beta2","v1"]}}' >/dev/null
expect stored_versions_line 0 "$CRD migrated to storage version v1" $C migrate
expect migrate_no_cluster 1 "" bin/cflux --kubeconfig /nonexistent migrate

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
