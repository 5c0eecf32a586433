#!/bin/sh
# tests/bench/image.sh - the image-automation-controller's scan of a large repository: N tags
# (BENCH_IMAGE_TAGS, default 5000) pushed to tests/env's plain docker-registry, listed in pages
# of 100 (--tags-page-size: N/100 requests over Link headers), stored, and picked from by an
# ImagePolicy. Measured: the controller's idle RSS (started, watching, nothing to do), the time
# from applying the ImageRepository to Ready with N tags, the time until the ImagePolicy has
# the latest tag, the peak RSS (VmHWM) over the scan, and the tag store's size on disk.
# Runs alone (it starts the env pieces it needs) or as a section of tests/bench/run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
. tests/env/common.sh
BUILD=${BUILD:-build/release}
N=${BENCH_IMAGE_TAGS:-5000}
NS=bench-image
. tests/bench/lib.sh
scenario_env certs etcd apiserver controller-manager registry

image=bench/scan-$$
t0=$(now)
"$BUILD/bench/bench_push_tags" "$CFLUX_REGISTRY" "$image" "$N"
echo "pushed $N tags in $(secs "$t0" "$(now)") s"
kubectl apply --server-side -k manifests/crds >/dev/null
kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux >/dev/null
kubectl create namespace $NS >/dev/null 2>&1 || true
bin/image-automation-controller --kubeconfig "$CFLUX_ENV_DIR/image-automation-controller.kubeconfig" \
	--watch-namespace $NS --storage-path "$W/storage" --tags-page-size 100 --log-level warn 2>"$W/ctl.log" &
CTL=$!
PIDS="$CTL"
until_ok 30 grep -q . /proc/$CTL/status
sleep 2   # settled: its watches are open and have nothing to do
idle=$(rss $CTL VmRSS)
t1=$(now)
kubectl apply -f - >/dev/null <<EOT
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: scan, namespace: $NS}
spec: {image: $CFLUX_REGISTRY/$image, interval: 1h, insecure: true}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: latest, namespace: $NS}
spec:
  imageRepositoryRef: {name: scan}
  filterTags: {pattern: '^tag-(?P<n>[0-9]+)$', extract: '\$n'}
  policy: {numerical: {order: asc}}
EOT
count() { [ "$(kubectl -n $NS get imagerepository scan -o jsonpath='{.status.lastScanResult.tagCount}' 2>/dev/null)" = "$N" ]; }
picked() { [ "$(kubectl -n $NS get imagepolicy latest -o jsonpath='{.status.latestRef.tag}' 2>/dev/null)" = "$(printf 'tag-%05d' $((N - 1)))" ]; }
until_ok 300 count || { echo "image.sh: the scan did not find $N tags; log:" >&2; cat "$W/ctl.log" >&2; exit 1; }
t2=$(now)
until_ok 120 picked || { echo "image.sh: the policy did not pick the last tag" >&2; exit 1; }
t3=$(now)
peak=$(rss $CTL VmHWM)
store=$(du -k "$W/storage/imagerepository/$NS/scan/tags" | cut -f1)
echo "image scan: $N tags in $((N / 100)) pages"
printf '  %-28s %s\n' "idle RSS" "$idle MiB" "scan to Ready" "$(secs "$t1" "$t2") s" \
	"policy picked" "$(secs "$t2" "$t3") s later" "peak RSS over the scan" "$peak MiB" "tag store" "$store KiB"
