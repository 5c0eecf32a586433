#!/bin/sh
# tests/e2e/test_flux_export.sh - `cflux create ... --export` prints what the real `flux create
# ... --export` prints for the same arguments (Flux's CLI, built from the Go module proxy by
# tests/env/build-flux cli and cached outside the repo). Each case is one argument list, given
# to both; the outputs must be byte for byte the same. A flux that cannot be built fails every
# case loudly. Cases come from Flux's getting-started guide and the --help examples of each
# command; a command cflux does not have yet is not listed here (issue 17 adds them).
set -u
. tests/lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

FLUX=${CFLUX_FLUX:-}
if [ -z "$FLUX" ]; then
	if sh tests/env/build-flux cli >"$WORK/build.log" 2>&1; then
		FLUX=$(sh -c '. tests/env/common.sh; echo "$CFLUX_CACHE"')/fluxcd-flux-${CFLUX_FLUX_CLI_VERSION:-2.9.5}/bin/flux
	else
		tail -n 20 "$WORK/build.log"
	fi
fi

# same NAME ARGS...: flux and cflux given ARGS (plus --export) print the same YAML
same() {
	name=$1; shift
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	"$FLUX" "$@" --export >"$WORK/flux.out" 2>"$WORK/flux.err"; frc=$?
	bin/cflux "$@" --export >"$WORK/cflux.out" 2>"$WORK/cflux.err"; crc=$?
	if [ "$frc" -ne 0 ]; then
		ko "$name" "flux exits $frc: $(tail -n 3 "$WORK/flux.err")"
	elif [ "$crc" -ne 0 ]; then
		ko "$name" "cflux exits $crc (flux 0): $(tail -n 3 "$WORK/cflux.err")"
	elif ! diff -u "$WORK/flux.out" "$WORK/cflux.out" >"$WORK/diff"; then
		ko "$name" "output differs (- flux, + cflux):
$(cat "$WORK/diff")"
	else
		ok "$name"
	fi
}

# refused NAME ARGS...: both refuse ARGS with the same exit code and the same message (flux
# writes "✗ " before it, cflux "error: " when stderr is not a terminal)
refused() {
	name=$1; shift
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	"$FLUX" "$@" --export >/dev/null 2>"$WORK/flux.err"; frc=$?
	bin/cflux "$@" --export >/dev/null 2>"$WORK/cflux.err"; crc=$?
	fmsg=$(sed 's/^✗ //' "$WORK/flux.err" | tail -n 1)
	cmsg=$(sed 's/^error: //' "$WORK/cflux.err" | tail -n 1)
	if [ "$frc" -eq 0 ]; then
		ko "$name" "flux accepts it"
	elif [ "$crc" -ne "$frc" ]; then
		ko "$name" "cflux exits $crc, flux $frc ($fmsg)"
	elif [ "$fmsg" != "$cmsg" ]; then
		ko "$name" "messages differ: flux '$fmsg', cflux '$cmsg'"
	else
		ok "$name"
	fi
}

PODINFO=https://github.com/stefanprodan/podinfo

# source git
same git_getting_started create source git podinfo --url=$PODINFO --branch=master --interval=1m
refused git_no_ref create source git podinfo --url=$PODINFO
refused git_ftp create source git podinfo --url=ftp://example.com/x --branch=main
refused git_file create source git podinfo --url=file:///tmp/x --branch=main
refused git_no_url create source git podinfo --branch=main
same git_tag create source git podinfo --url=$PODINFO --tag=6.0.0
same git_tag_semver create source git podinfo --url=$PODINFO --tag-semver=">=6.0.0 <7.0.0" --interval=10m
same git_commit create source git podinfo --url=$PODINFO --commit=6f47b2dcd59ce4c7c8ea6dd2dd2f7bfb6f5ae9e6
same git_ref_name create source git podinfo --url=$PODINFO --ref-name=refs/heads/main
same git_ssh_secret create source git podinfo --url=ssh://git@github.com/stefanprodan/podinfo --branch=main --secret-ref=git-ssh
same git_namespace -n apps create source git podinfo --url=$PODINFO --branch=main --interval=30s
same git_interval_hours create source git podinfo --url=$PODINFO --branch=main --interval=1h30m

# kustomization
same ks_basic create kustomization podinfo --source=podinfo --path="./kustomize" --prune=true --interval=10m
same ks_source_kind create kustomization podinfo --source=GitRepository/podinfo --path="./deploy" --prune=true
same ks_source_ns create kustomization podinfo --source=GitRepository/podinfo.flux-system --path="./deploy"
same ks_target_ns_wait create kustomization podinfo --target-namespace=default --source=podinfo --path="./kustomize" --prune=true --wait=true --interval=30m
same ks_health_check create kustomization podinfo --source=podinfo --path="./kustomize" --health-check="Deployment/podinfo.default"
same ks_depends_on create kustomization apps --source=podinfo --path="./apps" --depends-on=infra
# the getting-started guide's second command, as typed there
same ks_getting_started create kustomization podinfo --target-namespace=default --source=podinfo --path="./kustomize" --prune=true --wait=true --interval=30m --retry-interval=2m --health-check-timeout=3m
same ks_every_flag create kustomization apps --source=OCIRepository/podinfo --path=./ --service-account=sa --decryption-provider=sops --decryption-secret=sops-age --kubeconfig-secret-ref=kc --health-check=Deployment/a.b --health-check=DaemonSet/c.d --depends-on=ns1/a --depends-on=b
same ks_help_example create kustomization contour --source=GitRepository/contour --path="./examples/contour/" --prune=true --interval=10m --validation=client --health-check="Deployment/contour.projectcontour" --health-check="DaemonSet/envoy.projectcontour" --health-check-timeout=3m
same ks_lists_with_commas create kustomization apps --source=podinfo --depends-on=a,b --health-check=Deployment/a.b,DaemonSet/c.d
same ks_path_abs create kustomization apps --source=podinfo --path=/abs
same ks_path_up create kustomization apps --source=podinfo --path=../up/./x//y/
same ks_path_dot create kustomization apps --source=podinfo --path=.
same ks_retry_zero create kustomization apps --source=podinfo --retry-interval=0s --interval=90s
refused ks_no_source create kustomization apps --path=./
refused ks_bad_health_check create kustomization apps --source=podinfo --health-check=Deployment/a

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
