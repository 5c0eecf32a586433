#!/bin/sh
# tests/e2e/test_cli_artifact.sh - build, push, pull, tag, list and diff artifact against the
# local docker-registry (plain http: --insecure-registry; the token registry: --creds): what is
# pushed is Flux's artifact (content layer media type, source and revision annotations), pulls
# back to the same files, the same tree builds to the same bytes, and the exit codes are 0/1/2.
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
: "${CFLUX_REGISTRY:?no registry in the environment}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
REPO=oci://$CFLUX_REGISTRY/cli-artifact-$$/app
A="bin/cflux"
mkdir -p "$WORK/src/deploy" "$WORK/src/.git"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: art\ndata:\n  v: one\n' > "$WORK/src/deploy/cm.yaml"
printf 'resources:\n- cm.yaml\n' > "$WORK/src/deploy/kustomization.yaml"
echo junk > "$WORK/src/.git/HEAD"

expect build 0 "artifact created at" $A build artifact --path "$WORK/src" --output "$WORK/a.tgz"
if tar tzf "$WORK/a.tgz" | sort | tr '\n' ' ' | grep -qx 'deploy/cm.yaml deploy/kustomization.yaml '; then
	ok build_contents
else
	ko build_contents "$(tar tzf "$WORK/a.tgz" | tr '\n' ' ')"
fi
$A build artifact --path "$WORK/src" --output "$WORK/b.tgz" >/dev/null 2>&1
if cmp -s "$WORK/a.tgz" "$WORK/b.tgz"; then ok build_deterministic; else ko build_deterministic "two builds differ"; fi
expect build_missing_path 1 "does not exist" $A build artifact --path "$WORK/nope" --output "$WORK/c.tgz"

expect push 0 "artifact successfully pushed to $CFLUX_REGISTRY/cli-artifact-$$/app@sha256:" \
	$A push artifact "$REPO:v1" --path "$WORK/src" --source https://example.org/app.git --revision main@sha1:0123abcd \
	--annotations team=a --insecure-registry
expect push_json 0 '"tag": "v2"' $A push artifact "$REPO:v2" --path "$WORK/src/deploy" --source src --revision r2 --insecure-registry -o json
manifest=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$CFLUX_REGISTRY/v2/cli-artifact-$$/app/manifests/v1")
case $manifest in
*'"application/vnd.cncf.flux.content.v1.tar+gzip"'*'"org.opencontainers.image.source":"https://example.org/app.git"'*) ok push_flux_manifest ;;
*'"org.opencontainers.image.source":"https://example.org/app.git"'*'"application/vnd.cncf.flux.content.v1.tar+gzip"'*) ok push_flux_manifest ;;
*) ko push_flux_manifest "$manifest" ;;
esac
case $manifest in *'"team":"a"'*) ok push_annotations ;; *) ko push_annotations "$manifest" ;; esac

expect pull 0 "artifact content extracted to $WORK/out" $A pull artifact "$REPO:v1" --output "$WORK/out" --insecure-registry
if diff -r "$WORK/src/deploy" "$WORK/out/deploy" >/dev/null && [ ! -e "$WORK/out/.git" ]; then ok pull_same_files; else ko pull_same_files "$(ls -R "$WORK/out")"; fi
expect pull_says_revision 0 "revision main@sha1:0123abcd" $A pull artifact "$REPO:v1" --output "$WORK/out2" --insecure-registry
expect pull_missing_tag 1 "failed to pull artifact" $A pull artifact "$REPO:nope" --output "$WORK/out3" --insecure-registry

expect tag 0 "artifact tagged as $CFLUX_REGISTRY/cli-artifact-$$/app:latest" $A tag artifact "$REPO:v1" --tag latest --insecure-registry
expect list 0 "cli-artifact-$$/app:latest .*https://example.org/app.git .*main@sha1:0123abcd" $A list artifacts "$REPO" --insecure-registry
expect list_filter 0 "app:v2" $A list artifacts "$REPO" --filter 'v2' --insecure-registry
if $A list artifacts "$REPO" --filter 'v2' --insecure-registry 2>/dev/null | grep -q ':latest'; then ko list_filter_excludes "latest listed"; else ok list_filter_excludes; fi

expect diff_same 0 "no changes detected" $A diff artifact "$REPO:v1" --path "$WORK/src" --insecure-registry
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: art\ndata:\n  v: two\n' > "$WORK/src/deploy/cm.yaml"
expect diff_changed 1 "differs from the local one" $A diff artifact "$REPO:v1" --path "$WORK/src" --insecure-registry

# with credentials, against the registry that wants a token
if [ -n "${CFLUX_REGISTRY_TOKEN:-}" ] && [ -n "${CFLUX_REGISTRY_PASSWORD:-}" ]; then
	expect push_with_creds 0 "successfully pushed" $A push artifact "oci://$CFLUX_REGISTRY_TOKEN/cli-$$/app:v1" --path "$WORK/src" \
		--source s --revision r --creds "$CFLUX_REGISTRY_USER:$CFLUX_REGISTRY_PASSWORD" --insecure-registry
	out=$($A push artifact "oci://$CFLUX_REGISTRY_TOKEN/cli-$$/app:v1" --path "$WORK/src" --source s --revision r \
		--creds "$CFLUX_REGISTRY_USER:wrong-$CFLUX_REGISTRY_PASSWORD" --insecure-registry 2>&1); rc=$?
	if [ "$rc" -eq 1 ] && ! printf '%s' "$out" | grep -q "$CFLUX_REGISTRY_PASSWORD"; then ok push_bad_creds; else ko push_bad_creds "exit $rc: $out"; fi
fi

expect push_no_url 1 "artifact URL is required" $A push artifact --path "$WORK/src"
expect push_not_oci 1 "URL must be in format" $A push artifact "https://x/y" --path "$WORK/src"
expect push_unknown_flag 2 "unknown flag --frobnicate" $A push artifact "$REPO:v1" --frobnicate
expect push_no_noun 2 "usage: cflux push artifact" $A push
for cmd in "push artifact" "pull artifact" "tag artifact" "list artifacts" "build artifact" "diff artifact" "push" "list"; do
	# shellcheck disable=SC2086
	expect "help_$(printf '%s' "$cmd" | tr ' ' '_')" 0 "Usage:" $A $cmd --help
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
