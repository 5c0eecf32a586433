#!/bin/sh
# tests/unit/test_check_layers.sh - tests/check-layers.sh passes on the tree and fails, naming
# the file, on a copy of common/ with one wrong include injected.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CHECK=$REPO/tests/check-layers.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

result() {   # NAME OK [DETAIL]
	if [ "$2" -eq 1 ]; then echo "PASS $1"; passed=$((passed + 1))
	else echo "FAIL $1"; [ -n "${3:-}" ] && echo "  $3"; failed=$((failed + 1)); fi
}

# copy: a fresh copy of the Makefile and common/ in $tmp/tree
copy() {
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" &&
	cp "$REPO/Makefile" "$tmp/tree/" && cp -R "$REPO/common" "$tmp/tree/"
}

# refused NAME FILE LINE WANT: LINE appended to FILE of the copy fails the check, and the
# message names FILE and contains WANT.
refused() {
	copy || exit 1
	printf '%s\n' "$3" >> "$tmp/tree/$2"
	if sh "$CHECK" "$tmp/tree" >"$tmp/out" 2>&1; then
		result "$1" 0 "check-layers passed: $(cat "$tmp/out")"
	elif grep -q "^$2:[0-9]*: .*$4" "$tmp/out"; then
		result "$1" 1
	else
		result "$1" 0 "unexpected message: $(cat "$tmp/out")"
	fi
}

if sh "$CHECK" "$REPO" >"$tmp/out" 2>&1; then result tree_keeps_the_layers 1
else result tree_keeps_the_layers 0 "$(cat "$tmp/out")"; fi

copy || exit 1
if sh "$CHECK" "$tmp/tree" >"$tmp/out" 2>&1; then result unchanged_copy_passes 1
else result unchanged_copy_passes 0 "$(cat "$tmp/out")"; fi

refused upward_include_fails common/util/log.c '#include "runtime/worker.h"' 'higher layer runtime'
refused upward_include_in_a_header_fails common/yaml/yaml.h '#  include "kube/kube.h"' 'higher layer kube'
refused neighbour_above_fails common/source/tree.h '#include "kustomize/kustomize.h"' 'higher layer kustomize'
refused controller_header_fails common/apply/apply.c '#include "kustomize-controller/objcache.h"' 'controller header'
refused bare_include_fails common/util/buf.c '#include "alloc.h"' '<layer>/alloc.h'
refused unknown_layer_include_fails common/kube/kube.c '#include "helm/chart.h"' 'in no layer'

# a lower include is fine, and so is a system header
copy || exit 1
printf '#include "util/err.h"\n#include <stdio.h>\n' >> "$tmp/tree/common/runtime/worker.c"
if sh "$CHECK" "$tmp/tree" >"$tmp/out" 2>&1; then result downward_include_passes 1
else result downward_include_passes 0 "$(cat "$tmp/out")"; fi

# a folder that is no layer
copy || exit 1
mkdir "$tmp/tree/common/extra" && : > "$tmp/tree/common/extra/x.c"
if sh "$CHECK" "$tmp/tree" >"$tmp/out" 2>&1; then result folder_outside_the_layers_fails 0 "passed"
elif grep -q 'common/extra/ is in no layer' "$tmp/out"; then result folder_outside_the_layers_fails 1
else result folder_outside_the_layers_fails 0 "$(cat "$tmp/out")"; fi

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
