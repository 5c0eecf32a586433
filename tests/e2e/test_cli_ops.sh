#!/bin/sh
# tests/e2e/test_cli_ops.sh - the everyday commands as Flux's docs type them, against the real
# apiserver with the source- and kustomize-controller running (the latter logging JSON):
# get (flux's table, a NAME, -A, --status-selector, --no-header, --show-source, sources all,
# --watch), reconcile/suspend/resume of several names and --all, delete (--silent, the question,
# gone after its finalizer), export --all, logs from local log files (--kind, --level, JSON and
# key=value lines), stats, events (--types, --watch), build kustomization rooted at the working
# directory and offline (--kustomization-file --dry-run, no cluster), --ignore-paths, envsubst
# --strict, version, completion; exit codes 0 success, 1 failure, 2 usage.
set -u
. tests/lib.sh
. tests/e2e/secrets.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-ops-$$
WORK=$(mktemp -d)
REPO=$CFLUX_GIT_REPOS/ops-$$.git
PIDS=""
TAB=$(printf '\t')
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for k in $(kubectl -n "$NS" get gitrepositories,kustomizations -o name 2>/dev/null); do
		kubectl -n "$NS" patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	rm -rf "$WORK" "$REPO"
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
git init -q --bare -b main "$REPO"
git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/apps/base" "$WORK/src/apps/other" "$WORK/src/apps/staging" "$WORK/src/clusters" "$WORK/logs"
printf 'resources: [cm.yaml]\n' > "$WORK/src/apps/base/kustomization.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ops-cm\ndata:\n  env: "${cluster_env:=dev}"\n' > "$WORK/src/apps/base/cm.yaml"
printf 'resources: [../base]\n' > "$WORK/src/apps/staging/kustomization.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-cm\n' > "$WORK/src/apps/other/cm.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored-cm\n' > "$WORK/src/apps/staging/ignored.yaml"
cat > "$WORK/src/clusters/apps.yaml" <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: $NS
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef:
    kind: GitRepository
    name: ops
  targetNamespace: $NS
  postBuild:
    substitute:
      cluster_env: staging
EOF
git -C "$WORK/src" add -A && git -C "$WORK/src" -c user.name=t -c user.email=t@l commit -qm one && git -C "$WORK/src" push -q "$REPO" main
controller_identities
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --storage-path "$WORK/store" \
	--artifact-addr tcp://127.0.0.1:17160 --notify-addr tcp://127.0.0.1:17161 --events-addr tcp://127.0.0.1:17162 2>"$WORK/logs/source-controller.log" &
PIDS="$PIDS $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --log-encoding json \
	--source-notify-addr tcp://127.0.0.1:17161 --events-addr tcp://127.0.0.1:17162 2>"$WORK/logs/kustomize-controller.log" &
PIDS="$PIDS $!"
cli_logged "$WORK"
C="$WORK/cflux -n $NS --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 60s"

expect create_source 0 "fetched revision" $C create source git ops --url "$CFLUX_GIT_URL_HTTP/ops-$$.git" --branch main --interval 1h
expect create_ks_a 0 "applied revision" $C create kustomization ka --source GitRepository/ops --path ./apps/staging --prune --interval 1h --target-namespace "$NS"
expect create_ks_b 0 "applied revision" $C create kustomization kb --source ops --path ./apps/other --prune --interval 1h --target-namespace "$NS"

# get: flux's table (cells padded and tab-ended, the header's last space-ended), revisions cut to 8 hex
expect get_header_tabs 0 "^NAME${TAB}REVISION *${TAB}SUSPENDED${TAB}READY${TAB}MESSAGE  *\$" $C get ks
expect get_revision_short 0 "main@sha1:[0-9a-f]\{8\} *${TAB}False" $C get ks ka
out=$($C get ks ka 2>&1)
if printf '%s' "$out" | grep -q "[0-9a-f]\{9\}"; then ko get_no_long_hex "$out"; else ok get_no_long_hex; fi
expect get_name_not_found 1 "Kustomization object 'nope' not found in \"$NS\" namespace" $C get ks nope
expect get_A_namespace_column 0 "^NAMESPACE *${TAB}NAME" $C get kustomizations -A
# a selector that leaves no row prints the header alone (flux 2.9.5)
expect get_status_selector_none 0 "^NAME${TAB}REVISION" $C get ks --status-selector ready=false
out=$($C get ks --status-selector ready=false 2>&1)
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok get_status_selector_none_no_rows || ko get_status_selector_none_no_rows "$out"
expect get_status_selector_ready 0 "^kb${TAB}" $C get ks --status-selector ready=true --no-header
expect get_status_selector_bad 1 "type=status or type!=status format" $C get ks --status-selector ready
expect get_show_source 0 "GitRepository/$NS/ops" $C get ks ka --show-source
expect get_show_source_wrong_kind 2 "show-source" $C get sources git --show-source
expect get_sources_all 0 "gitrepository/ops" $C get sources all
expect get_all 0 "kustomization/kb" $C get all
expect get_alerts_kind 1 "no Alert objects found" $C get alerts
expect get_watch_all_refused 1 "expected a single resource type" $C get all --watch
expect get_watch 0 "^ka " $WORK/cflux -n "$NS" --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" --timeout 3s get ks --watch
expect get_unknown_kind 2 "usage" $C get frobnicators

# several names, --all
expect suspend_two 0 "Kustomization suspended" $C suspend ks ka kb
expect both_suspended 0 "^kb *${TAB}main@sha1:[0-9a-f]* *${TAB}True" $C get ks kb
expect resume_two 0 "applied revision" $C resume ks ka kb
expect suspend_all 0 "suspending Kustomization '$NS/kb'" $C suspend ks --all
expect resume_all 0 "applied revision" $C resume ks --all
expect reconcile_two 0 "applied revision" $C reconcile ks ka kb
expect reconcile_no_name 2 "usage" $C reconcile ks
expect export_all 0 "name: kb" $C export ks --all

# stats and events
expect stats 0 "^Kustomization *${TAB}2 *${TAB}0 *${TAB}0 *${TAB}- " $C stats
expect stats_storage 0 "^GitRepository *${TAB}1 .*B " $C stats
expect events_types 0 "Normal" $C events --types Normal
expect events_types_bad 2 "Normal or Warning" $C events --types Fatal
expect events_watch 0 "Kustomization/" $WORK/cflux -n "$NS" --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" --timeout 3s events --watch
expect events_A 0 "^NAMESPACE" $C events -A

# logs from the controllers' files: JSON (kustomize-controller) and key=value (source-controller)
if head -n 1 "$WORK/logs/kustomize-controller.log" | grep -q '^{"level":"[a-z]*","ts":"[^"]*","msg":'; then
	ok log_encoding_json
else
	ko log_encoding_json "$(head -n 2 "$WORK/logs/kustomize-controller.log")"
fi
expect logs_all 0 " - " $C logs --log-dir "$WORK/logs" -A
expect logs_level_filter 0 "" sh -c "$C logs --log-dir $WORK/logs -A --level error | grep -v ' error ' | grep -q . && exit 1 || exit 0"
expect logs_bad_level 2 "not supported" $C logs --log-dir "$WORK/logs" --level loud
expect logs_tail 0 "" sh -c "[ \$(CFLUX_LOG_DIR=$WORK/logs $C logs -A --tail 1 | wc -l) -le 2 ]"
expect logs_no_dir 1 "cannot open" $C logs --log-dir "$WORK/nowhere"
# --since-time (flux's RFC 3339, an offset too): a past time keeps the lines, a future one none
expect logs_since_time_past 0 " - " $C logs --log-dir "$WORK/logs" -A --since-time 2020-01-01T00:00:00+02:00
out=$($C logs --log-dir "$WORK/logs" -A --since-time 2999-01-01T00:00:00Z 2>&1)
[ -z "$out" ] && ok logs_since_time_future || ko logs_since_time_future "$(printf '%s' "$out" | head -n 2)"
expect logs_since_time_bad 1 "yesterday is not a valid (RFC3339) time" $C logs --log-dir "$WORK/logs" --since-time yesterday
expect logs_since_and_since_time 1 "at most one of" $C logs --log-dir "$WORK/logs" --since 5m --since-time 2020-01-01T00:00:00Z

# delete: the question (no answer aborts), --silent waits until the finalizer has run
expect delete_aborts_without_yes 1 "aborting" sh -c "echo n | $C delete ks kb"
expect delete_silent 0 "Kustomization deleted\|kustomization deleted" $C delete ks kb --silent
expect deleted_gone 1 "NotFound" kubectl -n "$NS" get kustomization kb
expect delete_not_found 1 "not found" $C delete ks kb --silent

# build: files under the working directory are readable (../base), offline with --dry-run
expect build_cwd_root 0 "name: ops-cm" sh -c "cd $WORK/src && $C build kustomization ka --path ./apps/staging"
expect build_offline 0 "env: staging" sh -c "cd $WORK/src && KUBECONFIG=/nonexistent $(pwd)/bin/cflux -n $NS build kustomization apps --path ./apps/staging --kustomization-file ./clusters/apps.yaml --dry-run --kubeconfig /nonexistent"
# as flux: the Kustomization named is looked up in -n's namespace (flux-system by default)
expect build_offline_other_namespace 1 "no Kustomization 'apps' (kustomize.toolkit.fluxcd.io/v1) in namespace 'flux-system'" sh -c "cd $WORK/src && $(pwd)/bin/cflux build ks apps --path ./apps/staging --kustomization-file ./clusters/apps.yaml --dry-run"
expect build_offline_has_ignored 0 "ignored-cm" sh -c "cd $WORK/src && printf 'resources: [../base, ignored.yaml]\n' > apps/staging/kustomization.yaml && $(pwd)/bin/cflux -n $NS build ks apps --path ./apps/staging --kustomization-file clusters/apps.yaml --dry-run"
expect build_ignore_paths 1 "ignored.yaml" sh -c "cd $WORK/src && $(pwd)/bin/cflux -n $NS build ks apps --path ./apps/staging --kustomization-file clusters/apps.yaml --dry-run --ignore-paths ignored.yaml"
expect build_dry_run_needs_file 2 "kustomization-file" $C build ks ka --path "$WORK/src/apps/staging" --dry-run
expect diff_dry_run_refused 2 "dry-run" $C diff ks ka --path "$WORK/src/apps/staging" --kustomization-file "$WORK/src/clusters/apps.yaml" --dry-run

# envsubst, version, completion
expect envsubst 0 "a: 1 b: d c: \${Z}" sh -c "echo 'a: \${X} b: \${Y:=d} c: \$\${Z}' | X=1 bin/cflux envsubst --strict"
expect envsubst_strict 1 "variable not set" sh -c "echo 'a: \${NOT_SET_$$}' | bin/cflux envsubst --strict"
expect version_client_json 0 '"cflux": "' bin/cflux version --client -o json
expect version_client_yaml 0 "^cflux: " bin/cflux version --client -o yaml
expect version_bad_output 2 "json or yaml" bin/cflux version --client -o xml
expect version_unknown_flag 2 "unknown flag" bin/cflux version --frobnicate
expect version_no_components 1 "no cflux components" $C version
for sh in bash zsh fish powershell; do expect "completion_$sh" 0 "cflux" bin/cflux completion "$sh"; done
expect completion_unknown 2 "usage" bin/cflux completion tcsh
# install's layout flags (--export: no cluster), check's CRD versions, bootstrap's forges and its cluster check
expect install_export_flags 0 "image: reg.local:5000/x/source-controller:" bin/cflux install --export --components source-controller \
	--registry reg.local:5000/x --image-pull-secret regcred --toleration-keys a,b --watch-all-namespaces=false
bin/cflux install --export --components source-controller --image-pull-secret regcred --toleration-keys gpu \
	--watch-all-namespaces=false --network-policy=false > "$WORK/install.yaml" 2>&1
if grep -q -- "- --watch-namespace=flux-system" "$WORK/install.yaml" && grep -q "name: regcred" "$WORK/install.yaml" && \
   grep -q "key: gpu" "$WORK/install.yaml" && grep -q "operator: Exists" "$WORK/install.yaml" && ! grep -q "kind: NetworkPolicy" "$WORK/install.yaml"; then
	ok install_export_layout
else
	ko install_export_layout "$(grep -n 'watch-namespace\|regcred\|key:\|NetworkPolicy' "$WORK/install.yaml" | head -5)"
fi
expect install_components_extra_image 0 "name: image-automation-controller" bin/cflux install --export --components-extra image-reflector-controller
expect install_components_extra_unknown 2 "unknown component" bin/cflux install --export --components-extra no-such-controller
expect check_crd_versions 0 "kustomizations.kustomize.toolkit.fluxcd.io: v1" $C check
expect bootstrap_github 1 "bootstrap git" bin/cflux bootstrap github --owner me --repository fleet --personal
expect bootstrap_gitlab 1 "bootstrap git" bin/cflux bootstrap gitlab --owner me
BOOT=$CFLUX_GIT_REPOS/ops-boot-$$.git
git init -q --bare -b main "$BOOT"
sed "s#server: .*#server: https://127.0.0.1:1#" "$CFLUX_KUBECONFIG_TOKEN" > "$WORK/down.kubeconfig"
expect bootstrap_cluster_first 1 "nothing was pushed" bin/cflux bootstrap git --url "$CFLUX_GIT_URL_HTTP/ops-boot-$$.git" --path clusters/x \
	--password secret-token --kubeconfig "$WORK/down.kubeconfig" --timeout 5s --interval 2m
expect bootstrap_pushed_nothing 1 "" git -C "$BOOT" rev-parse --verify -q refs/heads/main
rm -rf "$BOOT"
no_secrets_leaked no_secret_in_logs "$WORK/logs/source-controller.log" "$WORK/logs/kustomize-controller.log" "$WORK/cli.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
