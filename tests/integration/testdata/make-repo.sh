#!/bin/sh
# make-repo.sh NAME - a bare repository $CFLUX_GIT_REPOS/NAME.git for the source tests:
#   main:   c1 (tag v1.0.0, lightweight) -> c2 (annotated tag v1.2.0; tag v2.0.0-rc.1)
#   dev:    c1 -> c3, also refs/pull/1/head
# Files cover Flux's default exclusions, .sourceignore at two levels, a symlink and an
# executable. Prints nothing; read commits with git -C REPO rev-parse.
set -eu
name=$1
repo=$CFLUX_GIT_REPOS/$name.git
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
rm -rf "$repo"
git init -q --bare -b main "$repo"
git -C "$repo" config http.receivepack true
git -C "$repo" config daemon.receivepack true
git init -q -b main "$work/w"
cd "$work/w"
mkdir -p deploy apps/tmp docs .github/workflows img
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  version: "1"\n' > deploy/app.yaml
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n' > apps/ns.yaml
printf 'resources: [app.yaml]\nnamePrefix: src-\n' > deploy/kustomization.yaml
echo junk > apps/tmp/junk.yaml
printf 'tmp/\n' > apps/.sourceignore
printf 'docs/\n' > .sourceignore
echo '# docs' > docs/guide.md
echo 'on: push' > .github/workflows/ci.yml
printf '\211PNG' > img/logo.png
printf '#!/bin/sh\necho hi\n' > run.sh && chmod +x run.sh
ln -s deploy/app.yaml link.yaml
echo 'readme' > README.md
git add -A && git commit -qm c1 && git tag v1.0.0
sed -i 's/"1"/"2"/' deploy/app.yaml && git commit -qam c2
git tag -a v1.2.0 -m "release 1.2.0"
git tag v2.0.0-rc.1
git checkout -q -b dev HEAD~1
echo dev > dev.txt && git add dev.txt && git commit -qm c3
git push -q "$repo" main dev --tags
git push -q "$repo" dev:refs/pull/1/head
