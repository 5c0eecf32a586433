#!/bin/sh
# tests/e2e/test_cli.sh - the cflux CLI against the real apiserver, with the source- and
# kustomize-controller running: create source git / kustomization (and --export), get, reconcile
# --with-source, suspend/resume, build, tree, and the exit codes of bad input; errors say what
# failed (a 404 is "not found", an API server that is down or a 403 is not); diff never hands
# object names to a shell; and no test secret reaches a log, a status or an event.
set -u
. tests/lib.sh
. tests/e2e/secrets.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
NS=cflux-cli-$$
WORK=$(mktemp -d)
REPO=$CFLUX_GIT_REPOS/cli-$$.git
PIDS=""
EVIL="x';touch cflux-pwned;'"   # a valid ClusterRole name
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	# what install --export | kubectl apply made (not the CRDs: other suites use them)
	kubectl -n flux-system delete deployment,service,serviceaccount -l app.kubernetes.io/part-of=cflux >/dev/null 2>&1
	kubectl delete clusterrolebinding,clusterrole -l app.kubernetes.io/part-of=cflux >/dev/null 2>&1
	for k in $(kubectl -n "$NS" get gitrepositories,kustomizations -o name 2>/dev/null); do
		kubectl -n "$NS" patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	kubectl delete clusterrole "$EVIL" >/dev/null 2>&1
	rm -rf "$WORK" "$REPO"
}
trap cleanup EXIT
kubectl create namespace "$NS" >/dev/null
kubectl apply --server-side -k manifests/crds >/dev/null
git init -q --bare -b main "$REPO"
git init -q -b main "$WORK/src"
mkdir -p "$WORK/src/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli-cm\ndata:\n  v: "${V:=one}"\n' > "$WORK/src/app/cm.yaml"
git -C "$WORK/src" add -A && git -C "$WORK/src" -c user.name=t -c user.email=t@l commit -qm one && git -C "$WORK/src" push -q "$REPO" main
controller_identities
bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" --storage-path "$WORK/store" \
	--artifact-addr tcp://127.0.0.1:17150 --notify-addr tcp://127.0.0.1:17151 --events-addr tcp://127.0.0.1:17152 2>"$WORK/sc.log" &
PIDS="$PIDS $!"
bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$NS" \
	--source-notify-addr tcp://127.0.0.1:17151 --events-addr tcp://127.0.0.1:17152 2>"$WORK/kc.log" &
PIDS="$PIDS $!"
cli_logged "$WORK"
C="$WORK/cflux -n $NS --kubeconfig $CFLUX_KUBECONFIG_TOKEN --timeout 60s"

expect create_source_git 0 "fetched revision: main@sha1:" $C create source git app --url "$CFLUX_GIT_URL_HTTP/cli-$$.git" --branch main --interval 1h
expect create_kustomization 0 "Kustomization app is ready" $C create kustomization app --source GitRepository/app --path ./app --prune --interval 1h --target-namespace "$NS"
expect object_applied 0 "one" kubectl -n "$NS" get configmap cli-cm -o jsonpath='{.data.v}'
expect export_is_yaml 0 "kind: Kustomization" $C create kustomization app --source app --path ./app --prune --export
expect get_sources_git 0 "app .*main@sha1:.*False .*True" $C get sources git
expect get_kustomizations 0 "Applied revision" $C get kustomizations
expect get_all_A 0 "$NS[[:space:]].*kustomization/app" $C get all -A
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cli-cm\ndata:\n  v: two\n' > "$WORK/src/app/cm.yaml"
git -C "$WORK/src" -c user.name=t -c user.email=t@l commit -qam two && git -C "$WORK/src" push -q "$REPO" main
expect reconcile_with_source 0 "applied revision main@sha1:$(git -C "$WORK/src" rev-parse HEAD)" $C reconcile kustomization app --with-source
expect change_applied 0 "two" kubectl -n "$NS" get configmap cli-cm -o jsonpath='{.data.v}'
expect suspend 0 "suspended" $C suspend kustomization app
expect get_shows_suspended 0 "app .*True" $C get kustomizations
expect reconcile_suspended_fails 1 "resume it first" $C reconcile kustomization app
expect resume 0 "applied revision" $C resume kustomization app
expect build_local_path 0 "kustomize.toolkit.fluxcd.io/name: app" $C build kustomization app --path "$WORK/src/app"
expect tree 0 "ConfigMap/$NS/cli-cm" $C tree kustomization app
# the version tests/env runs: 1.37.2 by default, 1.20.2 with CFLUX_KUBE_VERSION=1.20
expect check_pre 0 "Kubernetes v${CFLUX_KUBE_VERSION:-1.20}" $C check --pre
expect check_full 0 "kustomizations.kustomize.toolkit.fluxcd.io" $C check
# install --export | kubectl apply: the manifests are valid for the API server as they are
if bin/cflux install --export --components source-controller,kustomize-controller > "$WORK/install.yaml" && \
   kubectl apply --server-side --field-manager=cflux -f "$WORK/install.yaml" >/dev/null 2>"$WORK/install.err" && \
   kubectl -n flux-system get deployment kustomize-controller >/dev/null 2>&1 && \
   kubectl get clusterrolebinding cflux-kustomize-controller >/dev/null 2>&1; then
	ok install_export_kubectl_apply
else
	ko install_export_kubectl_apply "$(tail -n 3 "$WORK/install.err" 2>/dev/null)"
fi
expect check_sees_unready_controllers 1 "kustomize-controller: no ready replica" bin/cflux --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" check
expect completion 0 "complete -F _cflux cflux" bin/cflux completion bash
$C export kustomization app > "$WORK/export1.yaml" 2>/dev/null
if grep -q "kind: Kustomization" "$WORK/export1.yaml" && ! grep -q "status:" "$WORK/export1.yaml" && \
   kubectl apply --server-side --field-manager=cflux -f "$WORK/export1.yaml" >/dev/null 2>&1 && \
   $C export kustomization app > "$WORK/export2.yaml" 2>/dev/null && cmp -s "$WORK/export1.yaml" "$WORK/export2.yaml"; then
	ok export_reapplied_is_a_no_op
else
	ko export_reapplied_is_a_no_op "export, apply, export differ (or status exported)"
fi
expect export_all_sources 0 "kind: GitRepository" $C export source git --all
expect events 0 "Kustomization/app" $C events
expect events_for 0 "GitRepository/app" $C events --for GitRepository/app
expect diff_none 0 "no changes" $C diff kustomization app --path "$WORK/src/app"
sed -i 's/v: two/v: three/' "$WORK/src/app/cm.yaml"
expect diff_changed 1 "+  v: three" $C diff kustomization app --path "$WORK/src/app"
sed -i 's/v: three/v: two/' "$WORK/src/app/cm.yaml"
expect diff_missing_dir 3 "no such directory" $C diff kustomization app --path "$WORK/nowhere"
# object names never reach a shell: a ClusterRole named as a command, drifted, diffed from $WORK
mkdir -p "$WORK/evil"
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: "%s"\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n' \
	"$EVIL" > "$WORK/evil/cr.yaml"
kubectl apply --server-side --field-manager=kustomize-controller -f "$WORK/evil/cr.yaml" >/dev/null
sed -i 's/verbs: \[get\]/verbs: [get, list]/' "$WORK/evil/cr.yaml"
(cd "$WORK" && ./cflux -n "$NS" --kubeconfig "$CFLUX_KUBECONFIG_TOKEN" diff kustomization app --path "$WORK/evil") \
	> "$WORK/evil.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "ClusterRole/$EVIL drifted" "$WORK/evil.out" && \
   grep -qxF -- "--- ClusterRole/$EVIL (live)" "$WORK/evil.out" && grep -qxF -- "+  - list" "$WORK/evil.out"; then
	ok diff_name_with_shell_metacharacters
else
	ko diff_name_with_shell_metacharacters "exit $rc: $(tail -n 8 "$WORK/evil.out")"
fi
if [ -e "$WORK/cflux-pwned" ] || [ -e cflux-pwned ]; then
	rm -f "$WORK/cflux-pwned" cflux-pwned
	ko diff_ran_no_command "the name was run by a shell (cflux-pwned was created)"
else
	ok diff_ran_no_command
fi
# bad input: one line, the documented exit code
expect unknown_flag 2 "unknown flag --frobnicate" $C get kustomizations --frobnicate
expect unknown_command 2 "unknown command" bin/cflux frobnicate
expect missing_object 1 "Kustomization '$NS/nope' not found" $C reconcile kustomization nope
expect invalid_url 1 "git URL scheme 'ftp' not supported" $C create source git bad --url ftp://example.invalid/x --branch main
expect no_cluster 1 "cannot reach the cluster" bin/cflux get kustomizations --kubeconfig /nonexistent/kubeconfig
expect missing_name 1 "name is required" $C create kustomization
# errors say what failed: "not found" is a 404; an API server that is down, or a 403, says so
sed "s#server: .*#server: https://127.0.0.1:1#" "$CFLUX_KUBECONFIG_TOKEN" > "$WORK/down.kubeconfig"
DOWN="$WORK/cflux -n $NS --kubeconfig $WORK/down.kubeconfig --timeout 5s"
NOBODY="$WORK/cflux -n $NS --kubeconfig $CFLUX_KUBECONFIG_CERT --context cflux-nobody --timeout 5s"
# real_error NAME REASON CMD...: exit 1, REASON in the output, and no "not found"
real_error() {
	name=$1 reason=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" -ne 1 ]; then ko "$name" "exit $got, want 1: $(printf '%s' "$out" | tail -n 3)"
	elif printf '%s' "$out" | grep -q "not found"; then ko "$name" "says not found: $(printf '%s' "$out" | tail -n 3)"
	elif ! printf '%s' "$out" | grep -qi -- "$reason"; then ko "$name" "no '$reason' in: $(printf '%s' "$out" | tail -n 3)"
	else ok "$name"; fi
}
real_error check_api_down "does not answer: .*connect" $DOWN check
real_error check_pre_api_down "does not answer: .*connect" $DOWN check --pre
real_error tree_api_down "connect" $DOWN tree kustomization app
real_error get_api_down "connect" $DOWN get kustomizations
real_error build_api_down "connect" $DOWN build kustomization app --path "$WORK/src/app"
real_error reconcile_api_down "connect" $DOWN reconcile kustomization app --with-source
real_error tree_forbidden "forbidden" $NOBODY tree kustomization app
real_error reconcile_forbidden "forbidden" $NOBODY reconcile kustomization app
expect tree_not_found 1 "kustomizations.kustomize.toolkit.fluxcd.io \"nope\" not found" $C tree kustomization nope
expect build_not_found 1 "Kustomization '$NS/nope' not found" $C build kustomization nope --path "$WORK/src/app"
expect reconcile_with_source_not_found 1 "Kustomization '$NS/nope' not found" $C reconcile kustomization nope --with-source
expect suspend_not_found 1 "Kustomization '$NS/nope' not found" $C suspend kustomization nope
no_secrets_leaked no_secret_in_logs_statuses_events "$WORK/sc.log" "$WORK/kc.log" "$WORK/cli.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
