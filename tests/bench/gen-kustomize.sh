#!/bin/sh
# gen-kustomize.sh DIR N - a kustomize tree of about N resources: base/ holds N/3 each of
# Deployments, Services and ConfigMaps; overlay/ adds a name prefix, a namespace, labels,
# an image override, a strategic merge patch, a JSON 6902 patch and a generated ConfigMap.
# N=1 makes a single-resource tree (one ConfigMap, no overlay).
set -eu
dir=$1; n=$2
rm -rf "$dir"
mkdir -p "$dir/base" "$dir/overlay"
if [ "$n" -le 1 ]; then
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {a: "1"}\n' > "$dir/base/one.yaml"
	printf 'resources: [one.yaml]\n' > "$dir/base/kustomization.yaml"
	printf 'resources: [../base]\n' > "$dir/overlay/kustomization.yaml"
	exit 0
fi
awk -v n="$n" -v dir="$dir/base" 'BEGIN {
	per = int(n / 3)
	for (i = 0; i < per; i++) {
		f = sprintf("%s/app-%04d.yaml", dir, i)
		printf "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%04d\n  labels: {app: app-%04d}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: app-%04d}}\n  template:\n    metadata: {labels: {app: app-%04d}}\n    spec:\n      containers:\n      - name: main\n        image: registry.local/app:1.0\n        ports: [{containerPort: 8080}]\n        env: [{name: ID, value: \"%d\"}]\n        envFrom: [{configMapRef: {name: cfg-%04d}}]\n---\n", i, i, i, i, i, i > f
		printf "apiVersion: v1\nkind: Service\nmetadata: {name: app-%04d}\nspec:\n  selector: {app: app-%04d}\n  ports: [{port: 80, targetPort: 8080}]\n---\n", i, i > f
		printf "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg-%04d}\ndata: {index: \"%d\", mode: base}\n", i, i > f
		close(f)
		files = files sprintf("%s- app-%04d.yaml\n", "", i)
	}
	printf "resources:\n%s", files > (dir "/kustomization.yaml")
}'
cat > "$dir/overlay/kustomization.yaml" <<'EOT'
resources: [../base]
namespace: bench
namePrefix: prod-
commonLabels: {env: prod}
images:
- name: registry.local/app
  newTag: "2.0"
configMapGenerator:
- name: overlay-settings
  literals: [region=eu, tier=gold]
patches:
- target: {kind: Deployment}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: any}
    spec:
      template:
        spec:
          containers:
          - name: main
            resources: {limits: {cpu: 500m, memory: 256Mi}}
- target: {kind: Service}
  patch: |-
    - op: add
      path: /metadata/annotations
      value: {bench: "true"}
EOT
