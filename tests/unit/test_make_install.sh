#!/bin/sh
# tests/unit/test_make_install.sh - CONTROLLERS in the Makefile drives make install: the default
# installs every controller with a systemd unit, COMPONENTS= a subset, and an unknown name fails.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
# the build in use (bin/ holds one mode at a time)
case ${BUILD:-build/release} in *sanitize*) san=1 ;; *) san=0 ;; esac

result() {   # NAME OK [DETAIL]
	if [ "$2" -eq 1 ]; then echo "PASS $1"; passed=$((passed + 1))
	else echo "FAIL $1"; [ -n "${3:-}" ] && echo "  $3"; failed=$((failed + 1)); fi
}
inst() {   # DIR [COMPONENTS]: make install into DIR
	if [ $# -gt 1 ]; then
		make -s -C "$REPO" SANITIZE=$san install DESTDIR="$1" PREFIX=/usr COMPONENTS="$2"
	else
		make -s -C "$REPO" SANITIZE=$san install DESTDIR="$1" PREFIX=/usr
	fi >"$tmp/out" 2>&1
}
listing() { (cd "$1" && find . -type f | sort | tr '\n' ' '); }

all=$(make -s -C "$REPO" controllers)
want=""
for d in "$REPO"/*-controller; do [ -f "$d/main.c" ] && want="$want $(basename "$d")"; done
if [ "$(echo $all | tr ' ' '\n' | sort)" = "$(echo $want | tr ' ' '\n' | sort)" ]; then result controllers_are_the_controller_folders 1
else result controllers_are_the_controller_folders 0 "make controllers: '$all', folders:'$want'"; fi

exp="./usr/bin/cflux"
for c in $all; do exp="$exp ./usr/bin/$c ./usr/lib/systemd/system/cflux-$c.service"; done
exp=$(echo "$exp" | tr ' ' '\n' | sort | tr '\n' ' ')
if inst "$tmp/a" && [ "$(listing "$tmp/a")" = "$exp" ]; then result default_installs_every_controller 1
else result default_installs_every_controller 0 "$(cat "$tmp/out"; listing "$tmp/a" 2>/dev/null)"; fi

if inst "$tmp/b" "kustomize-controller" &&
   [ "$(listing "$tmp/b")" = "./usr/bin/cflux ./usr/bin/kustomize-controller ./usr/lib/systemd/system/cflux-kustomize-controller.service " ] &&
   grep -q '^ExecStart=/usr/bin/kustomize-controller' "$tmp/b/usr/lib/systemd/system/cflux-kustomize-controller.service"
then result components_installs_a_subset 1
else result components_installs_a_subset 0 "$(cat "$tmp/out"; listing "$tmp/b" 2>/dev/null)"; fi

if inst "$tmp/c" "source-controller helm-thing"; then
	result unknown_component_fails 0 "make install passed"
elif grep -q 'unknown component helm-thing' "$tmp/out" && [ ! -e "$tmp/c" ]; then
	result unknown_component_fails 1
else
	result unknown_component_fails 0 "$(cat "$tmp/out")"
fi

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
