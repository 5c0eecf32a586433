#!/bin/sh
# tests/check-layers.sh [ROOT [LAYER...]] - the include direction of common/ (common/README.md).
# The layers, lowest first, are LAYERS in ROOT/Makefile unless given. Fails, naming the file and
# line, when a file of common/<layer>/ includes a header of a higher layer, a controller's header
# ("<name>-controller/..."), or a header of common/ not spelled "<layer>/<file>.h"; and when a
# folder of common/ is no layer. Files outside common/ may include any layer.
set -u
root=${1:-.}
[ $# -gt 0 ] && shift
cd "$root" || exit 2
order=$*
[ -n "$order" ] || order=$(sed -n 's/^LAYERS[ \t]*=[ \t]*//p' Makefile)
[ -n "$order" ] || { echo "check-layers: no layers (LAYERS in $root/Makefile)" >&2; exit 2; }
bad=0
for dir in common/*/; do
	layer=$(basename "$dir")
	case " $order " in *" $layer "*) ;; *)
		echo "check-layers: common/$layer/ is in no layer (LAYERS: $order)" >&2; bad=1 ;; esac
done
out=$(for f in common/*/*.c common/*/*.h; do
	[ -f "$f" ] || continue
	awk -v file="$f" -v order="$order" '
	BEGIN { n = split(order, L, " "); for (i = 1; i <= n; i++) rank[L[i]] = i
		split(file, p, "/"); me = p[2] }
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
		if (inc !~ /\//) {
			printf "%s:%d: \"%s\": a header of common/ is included as \"<layer>/%s\"\n", file, FNR, inc, inc
			next }
		l = inc; sub(/\/.*$/, "", l)
		if (l ~ /-controller$/)
			printf "%s:%d: includes the controller header \"%s\"\n", file, FNR, inc
		else if (!(l in rank))
			printf "%s:%d: \"%s\" is in no layer of common/\n", file, FNR, inc
		else if (rank[l] > rank[me])
			printf "%s:%d: layer %s includes \"%s\" of the higher layer %s\n", file, FNR, me, inc, l
	}' "$f"
done)
if [ -n "$out" ]; then echo "$out" >&2; bad=1; fi
[ $bad -eq 0 ] && echo "check-layers: common/ keeps the order $order"
exit $bad
