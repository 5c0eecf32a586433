#!/bin/sh
# tests/e2e/test_cli_migrate.sh - `cflux migrate -f` against the real `flux migrate -f` (Flux's
# CLI, tests/env/build-flux cli): a tree of manifests with old apiVersions (every Flux kind,
# comments, indentation, quotes, CRLF, a file without a final newline, a malformed group
# version, a symbolic link, other extensions) copied twice, migrated by each, `diff -r` empty;
# the --dry-run and refusal outputs (symbols aside: cflux prints them on a terminal only) and
# exit codes the same; the prompt (y, n, end of input). No cluster.
set -u
. tests/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

flux_cli "$WORK"
CFLUX=$(pwd)/bin/cflux

T=$WORK/tree
mkdir -p "$T/clusters/dev" "$T/apps/base" "$T/apps/x.yaml" "$T/charts/templates" "$T/empty"
cat > "$T/clusters/dev/flux.yaml" <<'EOF'
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2 # old
kind: Kustomization
metadata: {name: apps}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: current}
EOF
cat > "$T/apps/base/all.yaml" <<'EOF'
apiVersion: source.toolkit.fluxcd.io/v1beta1
kind: HelmRepository
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: HelmChart
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: Bucket
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
spec:
  values:
    nested:
      apiVersion: helm.toolkit.fluxcd.io/v2beta2
      kind: HelmRelease
---
apiVersion: notification.toolkit.fluxcd.io/v1beta2
kind: Alert
---
apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Provider
---
apiVersion: notification.toolkit.fluxcd.io/v1beta2
kind: Receiver
---
apiVersion: image.toolkit.fluxcd.io/v1beta1
kind: ImageRepository
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
---
apiVersion: image.toolkit.fluxcd.io/v1beta1
kind: ImageUpdateAutomation
---
apiVersion: source.extensions.fluxcd.io/v1alpha1
kind: ArtifactGenerator
---
apiVersion: "source.toolkit.fluxcd.io/v1beta2"
kind: GitRepository
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
metadata: {name: kind-not-next}
kind: GitRepository
---
kind: GitRepository
apiVersion: source.toolkit.fluxcd.io/v1beta2
---
apiVersion: a/b/c
kind: GitRepository
---
apiVersion: v1
kind: ConfigMap
---
apiVersion: apps/v1
kind: Deployment
---
  - apiVersion: kustomize.toolkit.fluxcd.io/v1beta1
    kind: Kustomization   # in a list
EOF
printf 'apiVersion: source.toolkit.fluxcd.io/v1beta2\r\nkind: GitRepository\r\n---\r\napiVersion: helm.toolkit.fluxcd.io/v2beta2\r\nkind: HelmRelease\r\n' > "$T/apps/base/crlf.yml"
printf 'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository' > "$T/apps/base/no-newline.yaml"
printf 'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: GitRepository\n' > "$T/charts/templates/repo.tpl"
printf 'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: GitRepository\n' > "$T/apps/base/notes.txt"
printf 'apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: GitRepository\n' > "$T/apps/x.yaml/inside.yaml"
printf 'x: 1\n' > "$T/apps/base/plain.yaml"
ln -s all.yaml "$T/apps/base/link.yaml"
chmod 640 "$T/clusters/dev/flux.yaml"

# run NAME ARGS...: flux and cflux, each in a copy of the tree, with ARGS; the outputs (flux's
# symbols dropped) and exit codes must be the same, and so must the trees after
run() {
	name=$1; shift
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	rm -rf "$WORK/f" "$WORK/c"
	cp -a "$T" "$WORK/f"
	cp -a "$T" "$WORK/c"
	(cd "$WORK/f" && "$FLUX" migrate "$@" </dev/null) >"$WORK/f.out" 2>&1; frc=$?
	(cd "$WORK/c" && "$CFLUX" migrate "$@" </dev/null) >"$WORK/c.out" 2>&1; crc=$?
	sed -i -e 's/^► //' -e 's/^✚ //' -e 's/^✔ //' -e 's/^⚠️ //' -e 's/^✗ /error: /' "$WORK/f.out"
	if [ "$frc" -ne "$crc" ]; then
		ko "$name" "cflux exits $crc, flux $frc: $(tail -n 3 "$WORK/c.out")"
	elif ! diff -u "$WORK/f.out" "$WORK/c.out" >"$WORK/diff"; then
		ko "$name" "output differs (- flux, + cflux):
$(cat "$WORK/diff")"
	elif ! diff -r "$WORK/f" "$WORK/c" >"$WORK/diff"; then
		ko "$name" "trees differ after migrate: $(head -n 20 "$WORK/diff")"
	else
		ok "$name"
	fi
}

run dry_run -f . --dry-run
run dry_run_dir -f apps/ --dry-run
run dry_run_version_26 -f . --dry-run --version 2.6
run dry_run_v_short -f . -v 2.7 --dry-run
run dry_run_extensions -f . -e .tpl,.yml --dry-run
run dry_run_extensions_repeated -f . --extensions .tpl --extensions .yaml --dry-run
run dry_run_one_file -f apps/base/all.yaml --dry-run
run migrate_yes -f . --yes
run migrate_yes_26 -f clusters --yes --version=2.6
run migrate_one_file -f apps/base/crlf.yml -y
run migrate_no_newline -f apps/base/no-newline.yaml -y
run migrate_tpl -f charts -e .tpl -y
run nothing_to_migrate -f apps/base/plain.yaml
run empty_dir -f empty --yes
run unsupported_version -f . --version 2.5
run missing_path -f nope
run absolute_path -f "$T"
run climbing_path -f ../tree
run extension_mismatch -f charts/templates/repo.tpl
run irregular_file -f apps/base/link.yaml
# flux's prompt (promptui) draws for a terminal; the outcome of no answer is the same
rm -rf "$WORK/c"; cp -a "$T" "$WORK/c"
(cd "$WORK/c" && "$CFLUX" migrate -f clusters </dev/null) >"$WORK/eof.out" 2>&1; rc=$?
if [ "$rc" -eq 1 ] && grep -q '^error: ^D$' "$WORK/eof.out" && diff -r "$T" "$WORK/c" >/dev/null; then ok prompt_eof
else ko prompt_eof "exit $rc: $(cat "$WORK/eof.out")"; fi

# the answer to the prompt: y migrates, n does not
cp -a "$T" "$WORK/y"
(cd "$WORK/y" && echo y | "$CFLUX" migrate -f clusters) >"$WORK/y.out" 2>&1
if [ $? -eq 0 ] && grep -q 'file clusters/dev/flux.yaml migrated successfully' "$WORK/y.out" &&
   grep -q '^apiVersion: source.toolkit.fluxcd.io/v1$' "$WORK/y/clusters/dev/flux.yaml"; then ok prompt_yes
else ko prompt_yes "$(cat "$WORK/y.out")"; fi
cp -a "$T" "$WORK/n"
(cd "$WORK/n" && echo n | "$CFLUX" migrate -f clusters) >"$WORK/n.out" 2>&1
if [ $? -eq 1 ] && diff -r "$T" "$WORK/n" >/dev/null; then ok prompt_no; else ko prompt_no "$(cat "$WORK/n.out")"; fi
if [ "$(stat -c %a "$WORK/y/clusters/dev/flux.yaml")" = 640 ]; then ok mode_kept; else ko mode_kept "$(stat -c %a "$WORK/y/clusters/dev/flux.yaml")"; fi
# --help as flux's, up to the global flags (cflux has fewer of those)
for cmd in "migrate" "trigger receiver" "trigger"; do
	n=help_like_flux_$(echo $cmd | tr ' ' _)
	[ -n "$FLUX" ] && "$FLUX" $cmd --help 2>&1 | sed 's/flux /cflux /g' | sed -n '1,/Global Flags/p' >"$WORK/fh"
	"$CFLUX" $cmd --help 2>&1 | sed -n '1,/Global Flags/p' >"$WORK/ch"
	if [ -n "$FLUX" ] && diff "$WORK/fh" "$WORK/ch" >"$WORK/diff" 2>&1; then ok "$n"; else ko "$n" "$(head -n 10 "$WORK/diff")"; fi
done
# a path of 1,400 ".." parts (longer than the clean path's buffer): refused, no crash
long=$(printf '../%.0s' $(seq 1400))
(cd "$T" && "$CFLUX" migrate -f "${long}tree" --yes) >"$WORK/long.out" 2>&1; rc=$?
if [ "$rc" -eq 1 ]; then ok long_climbing_path; else ko long_climbing_path "exit $rc: $(tail -c 300 "$WORK/long.out")"; fi
expect help 0 "the file extensions to consider when migrating manifests, only applicable with --path (default \[.yaml,.yml\])" "$CFLUX" migrate --help
expect cluster_mode_needs_cluster 1 "starting migration of custom resources" "$CFLUX" --kubeconfig /nonexistent migrate

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
