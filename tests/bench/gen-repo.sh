#!/bin/sh
# gen-repo.sh DIR FILES COMMITS - a bare repository with FILES files (YAML manifests in
# directories of 100) on main, built by COMMITS commits (the first adds every file, each later
# one edits one file). Uses git fast-import: 5,000 commits take seconds.
set -eu
dir=$1; files=$2; commits=$3
rm -rf "$dir"
git init -q --bare -b main "$dir"
git -C "$dir" config http.receivepack true
git -C "$dir" config daemon.receivepack true
awk -v files="$files" -v commits="$commits" 'BEGIN {
	t = 1767225600
	for (c = 1; c <= commits; c++) {
		print "commit refs/heads/main"
		printf "committer bench <bench@localhost> %d +0000\n", t + c
		msg = "commit " c
		printf "data %d\n%s\n", length(msg), msg
		if (c == 1) {
			for (f = 0; f < files; f++) emit(f, 0)
		} else {
			emit((c * 7919) % files, c)
		}
	}
}
function emit(f, rev,    body) {
	body = sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: bench\ndata:\n  revision: \"%d\"\n  payload: \"%s\"\n", f, rev, substr("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789", 1 + f % 20, 40))
	printf "M 100644 inline apps/dir%03d/cm-%05d.yaml\n", int(f / 100), f
	printf "data %d\n%s\n", length(body), body
}' | git -C "$dir" fast-import --quiet
