#!/bin/sh
# deploy/build-image.sh - one controller's OCI image without a Docker engine (make images).
#   deploy/build-image.sh COMPONENT BINARY LAYOUT VERSION [REGISTRY]
# Builds a minimal rootfs (the binary as /usr/local/bin/COMPONENT, the shared libraries it links
# as ldd resolves them with the loader, the CA bundle, /etc/passwd and /etc/group with the
# unprivileged user 65534, /tmp; helm for the helm-controller) into the OCI layout LAYOUT (tag
# VERSION) with umoci, and with REGISTRY copies it to REGISTRY/COMPONENT:VERSION with skopeo
# (a loopback registry is spoken to without TLS verification). No shell in the image.
# Deterministic where cheap: every file's mtime and the image's created time are
# SOURCE_DATE_EPOCH (default: the last commit's time), no history entries.
# IMAGE_SOURCE: the org.opencontainers.image.source label (default https://github.com/cflux/cflux).
# HELM: the helm binary for the helm-controller (default: HELM_BIN of tests/env/common.sh).
set -eu

[ $# -ge 4 ] || { echo "usage: $0 COMPONENT BINARY LAYOUT VERSION [REGISTRY]" >&2; exit 2; }
comp=$1 bin=$2 layout=$3 version=$4 registry=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
die() { echo "build-image: $comp: $*" >&2; exit 1; }

for t in umoci skopeo ldd; do
	command -v $t >/dev/null 2>&1 || die "$t is needed (make deps installs umoci and skopeo)"
done
[ -x "$bin" ] || die "$bin: no such executable (make $bin)"
CA=/etc/ssl/certs/ca-certificates.crt
[ -r "$CA" ] || die "$CA: missing (the ca-certificates package)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || echo 0)
fi
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"

# copy_lib PATH: the file behind PATH at PATH (symlinks resolved: no links in the image)
copy_lib() {
	[ -e "$1" ] || die "ldd names $1, which does not exist"
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}
# libs_of BINARY: the absolute paths ldd resolves (the loader included); fails on "not found"
libs_of() {
	out=$(ldd "$1" 2>&1) || die "ldd $1: $out"
	if printf '%s\n' "$out" | grep -q 'not found'; then
		die "ldd $1: $(printf '%s\n' "$out" | grep 'not found' | tr '\n' ' ')"
	fi
	printf '%s\n' "$out" | sed -n -e 's|.*=> \(/[^ ]*\) .*|\1|p' -e 's|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p'
}

install -m 0755 "$bin" "$root/usr/local/bin/$comp"
# a static binary (the release build's kustomize-, helm- and notification-controller) needs
# no library; the others need what ldd resolves
if ! ldd "$bin" 2>&1 | grep -q 'statically linked'; then
	libs=$(libs_of "$bin")
	[ -n "$libs" ] || die "ldd $bin lists no libraries"
	for l in $libs; do copy_lib "$l"; done
	# glibc dlopens libgcc_s for thread cancellation and unwinding; it is not in ldd's list
	gcc_s=$(ldconfig -p 2>/dev/null | sed -n 's|.*libgcc_s.so.1 (libc6,x86-64) => \(/.*\)|\1|p' | head -n 1)
	[ -z "$gcc_s" ] || copy_lib "$gcc_s"
fi
if [ "$comp" = helm-controller ]; then
	if [ -z "${HELM:-}" ]; then
		. "$REPO/tests/env/common.sh"
		HELM=$HELM_BIN
	fi
	[ -x "$HELM" ] || die "helm: $HELM missing (make deps fetches it)"
	install -m 0755 "$HELM" "$root/usr/local/bin/helm"
fi
cp "$CA" "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$(dirname "$layout")"
rm -rf "$layout"
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci unpack --image "$layout:$version" "$work/bundle" >/dev/null
# the new image's rootfs is empty: ours goes in as its one layer
cp -a "$root/." "$work/bundle/rootfs/"
touch -h -d "@$SOURCE_DATE_EPOCH" "$work/bundle/rootfs"
umoci repack --image "$layout:$version" --history.created "$created" \
	--history.created_by "deploy/build-image.sh $comp" "$work/bundle"
umoci config --no-history --image "$layout:$version" \
	--created "$created" --architecture "$arch" --os linux \
	--config.user 65534:65534 --config.workingdir / \
	--config.entrypoint "/usr/local/bin/$comp" \
	--config.env PATH=/usr/local/bin \
	--config.label "org.opencontainers.image.source=${IMAGE_SOURCE:-https://github.com/cflux/cflux}" \
	--config.label "org.opencontainers.image.version=$version" \
	--config.label "org.opencontainers.image.title=$comp" \
	--manifest.annotation "org.opencontainers.image.version=$version"
umoci gc --layout "$layout"
echo "build-image: $comp: $layout:$version" >&2

if [ -n "$registry" ]; then
	tls=""
	case $registry in 127.0.0.1[:/]* | localhost[:/]* | \[::1\]*) tls=--dest-tls-verify=false ;; esac
	# shellcheck disable=SC2086
	skopeo copy --quiet $tls "oci:$layout:$version" "docker://$registry/$comp:$version" ||
		die "skopeo copy to $registry/$comp:$version failed"
	echo "build-image: $comp: pushed $registry/$comp:$version" >&2
fi
