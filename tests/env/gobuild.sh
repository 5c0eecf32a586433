# tests/env/gobuild.sh - build Go programs of other projects from the Go module proxy into
# the cache, once per version (sourced by build-kube, build-kwok, build-flux).
#
# gobuild NAME VERSION MODULE MODVERSION LOCALVERSION LDFLAGS PKG[=BINARY]...
#   Writes a throw-away wrapper module in $CFLUX_CACHE/NAME-VERSION/src that requires
#   MODULE@MODVERSION and carries MODULE's own `replace` lines (a dependency's replace lines
#   are ignored by Go, so the wrapper repeats them); a replace that points into MODULE's own
#   tree (Kubernetes' staging/ folders, etcd's ../api) becomes the published module at
#   LOCALVERSION. Then builds each PKG, one at a time, under nice, into
#   $CFLUX_CACHE/NAME-VERSION/bin, printing how long each took. Nothing happens when every
#   binary is there already. The Go used is /usr/local/go (the toolchain the machine ships),
#   never an older one earlier on PATH; GOTOOLCHAIN stays as the caller set it (default local).
#   GB_REPLACE="A => A vX...": replace lines of the caller's (a dependency version that the
#   proxy refuses, pinned to one it serves).
#   GB_PATCH=FUNCTION: MODULE is built from a writable copy (src/mod, replaced in), after
#   FUNCTION DIR has run on it (for files a module's own build generates and its zip lacks).
CFLUX_CACHE=${CFLUX_CACHE:-$HOME/.cache/cflux}
GO=${CFLUX_GO:-/usr/local/go/bin/go}

gb_log() { echo "gobuild: $*" >&2; }
# PKG=BINARY names the binary; else it is the package's last path element
gb_binname() { case $1 in *=*) echo "${1#*=}" ;; *) echo "${1##*/}" ;; esac; }

gobuild() {
	gb_name=$1 gb_ver=$2 gb_mod=$3 gb_modver=$4 gb_localver=$5 gb_ldflags=$6
	shift 6
	gb_out=$CFLUX_CACHE/$gb_name-$gb_ver
	gb_missing=""
	for gb_pkg in "$@"; do
		[ -x "$gb_out/bin/$(gb_binname "$gb_pkg")" ] || gb_missing="$gb_missing $gb_pkg"
	done
	[ -n "$gb_missing" ] || return 0
	[ -x "$GO" ] || { gb_log "$GO is missing (Go from the machine image)"; return 1; }
	gb_log "$gb_name $gb_ver: building$gb_missing with $($GO version | cut -d' ' -f3) (log: $gb_out/build.log)"
	mkdir -p "$gb_out/src" "$gb_out/bin"
	gb_t0=$(date +%s)
	(
		set -e
		cd "$gb_out/src"
		rm -f go.mod go.sum
		export GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=${CGO_ENABLED:-0} PATH="${GO%/*}:$PATH"
		json=$($GO mod download -json "$gb_mod@$gb_modver")
		gomod=$(echo "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
		moddir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
		[ -f "$gomod" ] || { echo "no go.mod for $gb_mod@$gb_modver" >&2; exit 1; }
		{
			echo "module cflux.invalid/build/$gb_name"
			echo
			sed -n 's/^go \([0-9.]*\).*/go \1/p' "$gomod"
			echo
			echo "require $gb_mod $gb_modver"
			echo
			echo "replace ("
			# both forms: `replace a => b v` and lines inside a `replace (` block
			# (a local replace of a module that MODULE does not require is dropped: etcd
			# points forbidden modules at ./FORBIDDEN_DEPENDENCY)
			awk -v lv="$gb_localver" '
				FNR == NR && /^require \(/ { inreq = 1; next }
				FNR == NR && inreq && /^\)/ { inreq = 0; next }
				FNR == NR && inreq && NF >= 2 { req[$1] = 1 }
				FNR == NR && /^require [^(]/ { req[$2] = 1 }
				FNR == NR { next }
				/^replace \(/ { inblk = 1; next }
				inblk && /^\)/ { inblk = 0; next }
				{ line = $0 }
				!inblk && line !~ /^replace / { next }
				{ sub(/^replace /, "", line); sub(/\/\/.*/, "", line) }
				line !~ /=>/ { next }
				{
					split(line, side, "=>")
					n = split(side[1], l, " "); m = split(side[2], r, " ")
					if (n < 1 || m < 1) next
					if (r[1] ~ /^\.\.?\//) { if (l[1] in req) print "\t" l[1] " => " l[1] " " lv }
					else print "\t" line
				}' "$gomod" "$gomod"
			[ -z "${GB_PATCH:-}" ] || echo "	$gb_mod => ./mod"
			# GB_REPLACE: more "MODULE => MODULE VERSION" lines, one per line
			[ -z "${GB_REPLACE:-}" ] || echo "$GB_REPLACE" | sed 's/^[[:space:]]*/	/'
			echo ")"
		} > go.mod
		if [ -n "${GB_PATCH:-}" ]; then
			rm -rf mod
			cp -r "$moddir" mod
			chmod -R u+w mod
			"$GB_PATCH" "$PWD/mod"
		fi
		rm -f go.sum
		# go get of each package records what its imports need (go.sum) and nothing else
		$GO get "$gb_mod@$gb_modver"
		for p in $gb_missing; do $GO get "${p%%=*}@$gb_modver"; done
	) >"$gb_out/build.log" 2>&1 || {
		gb_log "$gb_name $gb_ver: resolving modules failed, see $gb_out/build.log"
		tail -n 20 "$gb_out/build.log" >&2
		return 1
	}
	gb_log "$gb_name $gb_ver: modules resolved in $(($(date +%s) - gb_t0))s"
	for gb_pkg in $gb_missing; do
		gb_t1=$(date +%s)
		gb_bin=$(gb_binname "$gb_pkg")
		(
			cd "$gb_out/src"
			export GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=${CGO_ENABLED:-0} PATH="${GO%/*}:$PATH"
			nice -n 10 $GO build -trimpath -buildvcs=false -ldflags="-s -w $gb_ldflags" \
				-o "$gb_out/bin/$gb_bin.tmp" "${gb_pkg%%=*}"
		) >>"$gb_out/build.log" 2>&1 || {
			gb_log "$gb_name $gb_ver: building $gb_pkg failed, see $gb_out/build.log"
			tail -n 20 "$gb_out/build.log" >&2
			return 1
		}
		mv "$gb_out/bin/$gb_bin.tmp" "$gb_out/bin/$gb_bin"
		gb_log "$gb_name $gb_ver: $gb_bin built in $(($(date +%s) - gb_t1))s"
	done
	gb_log "$gb_name $gb_ver: done in $(($(date +%s) - gb_t0))s: $gb_out/bin"
}
