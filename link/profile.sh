#!/bin/sh
# link/profile.sh - remakes link/<controller>.order from two runs of the five release
# controllers started and left idle (tests/bench/idle.sh, on its own local control plane):
#   pages     natively, from a copy of bin/ on a file system of its own whose device does no
#             readahead, its cache dropped first: each page a controller touches is then read
#             alone, and the pages resident once idle are those it touched (code and constants);
#   callgrind the same under callgrind, for the exact instructions that ran.
# For each controller link/order.awk reads both with its link map. make link-order runs it
# (root, for the loop device; losetup, mkfs.ext4 and valgrind; a few minutes). The order
# changes the layout only: a stale one (an object renamed, code moved) still links, and costs
# only some of the RSS it saved.
set -eu
cd "$(dirname "$0")/.."
[ "$(cat bin/.mode 2>/dev/null)" = release ] || { echo "profile.sh: needs the release build (make)" >&2; exit 1; }
for t in losetup mkfs.ext4 valgrind; do
	command -v $t >/dev/null || { echo "profile.sh: $t is needed" >&2; exit 1; }
done
NAMES="source-controller kustomize-controller helm-controller notification-controller image-automation-controller"
DIR=$(mktemp -d)
LOOP=""
unmount() {
	if [ -n "$LOOP" ]; then
		umount "$DIR/mnt" 2>/dev/null || true
		losetup -d "$LOOP" 2>/dev/null || true
		LOOP=""
	fi
}
trap 'unmount; rm -rf "$DIR"' EXIT

# the pages run
truncate -s 128M "$DIR/fs.img"
mkfs.ext4 -q -F "$DIR/fs.img"
LOOP=$(losetup -f --show "$DIR/fs.img")
mkdir "$DIR/mnt" "$DIR/pages"
mount "$LOOP" "$DIR/mnt"
mkdir "$DIR/mnt/bin"
for n in $NAMES; do cp "bin/$n" "$DIR/mnt/bin/"; done
umount "$DIR/mnt"   # drops the copies' pages from the cache
echo 0 > "/sys/block/${LOOP#/dev/}/queue/read_ahead_kb"
mount "$LOOP" "$DIR/mnt"
CFLUX_IDLE_BIN=$DIR/mnt/bin CFLUX_PAGES_DIR=$DIR/pages sh tests/bench/idle.sh > "$DIR/pages.out"
unmount

# the callgrind run
mkdir "$DIR/cg"
CFLUX_PROFILE_DIR=$DIR/cg sh tests/bench/idle.sh > "$DIR/cg.out"

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
while read -r name pid; do
	[ -s "$DIR/cg/callgrind.$pid" ] || { echo "profile.sh: no profile of $name (callgrind.$pid)" >&2; exit 1; }
	[ -s "$DIR/pages/$name.pages" ] || { echo "profile.sh: no resident pages of $name" >&2; exit 1; }
	{
		echo "# $name: the objects whose code ran from start to idle, then (rodata) those whose"
		echo "# constants it read (link/profile.sh, $(date -u +%Y-%m-%d), cflux $rev);"
		echo "# link/script.awk puts them first in .text and .rodata"
		awk -f link/order.awk "build/release/link/$name.map" "$DIR/cg/callgrind.$pid" "$DIR/pages/$name.pages" \
			2>"$DIR/$name.stats"
	} > "link/$name.order.new"
	mv "link/$name.order.new" "link/$name.order"
	echo "$name: $(sed 's/^order.awk: //' "$DIR/$name.stats")"
done < "$DIR/cg/pids"
