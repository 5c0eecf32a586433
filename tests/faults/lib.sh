# tests/faults/lib.sh - what the fault cases share (sourced after tests/lib.sh, with the
# environment of tests/env up): a namespace and a Git repository of N directories (one
# ConfigMap each, data.rev the revision's mark), N Kustomizations of them, the controllers as
# processes of the test with the ServiceAccount tokens `cflux install` makes, and polls with a
# deadline. Nothing here sleeps in place of waiting on state.
: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
FAULTS_PORT=${FAULTS_PORT:-$((${CFLUX_PORT_BASE:-17100} + 40))}
ART_ADDR=tcp://127.0.0.1:$FAULTS_PORT
NOTIFY_ADDR=tcp://127.0.0.1:$((FAULTS_PORT + 1))
FWORK=$(mktemp -d)
export GIT_AUTHOR_NAME=cflux GIT_AUTHOR_EMAIL=cflux@localhost
export GIT_COMMITTER_NAME=cflux GIT_COMMITTER_EMAIL=cflux@localhost
SC_PID="" KC_PID=""

now_ms() { date +%s%3N; }
faults_cleanup() {
	for p in $SC_PID $KC_PID; do kill "$p" 2>/dev/null; done
	for p in $SC_PID $KC_PID; do wait "$p" 2>/dev/null; done
	[ -z "${fns:-}" ] || kubectl delete namespace "$fns" --wait=false >/dev/null 2>&1
	if [ "${failed:-0}" -gt 0 ]; then
		echo "logs kept in $FWORK" >&2
	else
		rm -rf "$FWORK"
	fi
	rm -rf "$CFLUX_GIT_REPOS/${frepo:-none}"
}

# faults_crds: cflux's CRDs, established
faults_crds() {
	for f in manifests/crds/*.yaml; do
		[ "$(basename "$f")" = kustomization.yaml ] || kubectl apply --server-side --force-conflicts -f "$f" >/dev/null ||
			ko setup "could not apply $f"
	done
	kubectl wait --for condition=established crd -l app.kubernetes.io/part-of=cflux --timeout=60s >/dev/null ||
		ko setup "CRDs not established"
}

# faults_commit MARK [PREFIX]: every directory's ConfigMap PREFIX-i (default cm) with
# data.rev=MARK, committed and pushed (a new PREFIX makes the old ones pruned)
faults_commit() {
	i=0
	while [ $i -lt "$N" ]; do
		mkdir -p "$FWORK/src/k$i"
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s-%s}\ndata: {rev: "%s"}\n' "${2:-cm}" "$i" "$1" >"$FWORK/src/k$i/cm.yaml"
		i=$((i + 1))
	done
	git -C "$FWORK/src" add -A && git -C "$FWORK/src" commit -qm "$1" &&
		git -C "$FWORK/src" push -q "$CFLUX_GIT_REPOS/$frepo" main && git -C "$FWORK/src" rev-parse HEAD
}

# faults_setup NAME: namespace, repository with mark v1, GitRepository "src" (interval 10m:
# only requests and restarts move it) and N Kustomizations k0..k(N-1), interval 10m
faults_setup() {
	fns=cflux-faults-$1-$$
	frepo=faults-$1-$$.git
	git init -q -b main "$FWORK/src"
	git init -q --bare -b main "$CFLUX_GIT_REPOS/$frepo"
	REV1=$(faults_commit v1) || ko setup "could not push the repository"
	kubectl create namespace "$fns" >/dev/null || ko setup "could not create namespace $fns"
	{
		cat <<EOT
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: src, namespace: $fns}
spec: {interval: 10m, url: "$CFLUX_GIT_URL_HTTP/$frepo", ref: {branch: main}}
EOT
		i=0
		while [ $i -lt "$N" ]; do
			printf -- '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k%s, namespace: %s}\nspec: {interval: 10m, path: ./k%s, prune: true, targetNamespace: %s, sourceRef: {kind: GitRepository, name: src}}\n' \
				"$i" "$fns" "$i" "$fns"
			i=$((i + 1))
		done
	} >"$FWORK/objects.yaml"
	kubectl apply -f "$FWORK/objects.yaml" >/dev/null || ko setup "could not apply the objects"
	faults_setup_ok
}
# faults_setup_ok: a failed setup ends the case (what follows would only time out)
faults_setup_ok() {
	[ "$failed" -eq 0 ] && return 0
	echo "$passed passed, $failed failed"
	exit 1
}

start_source() {
	bin/source-controller --kubeconfig "$SC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$fns" \
		--storage-path "$FWORK/storage" --artifact-addr "$ART_ADDR" --notify-addr "$NOTIFY_ADDR" \
		>>"$FWORK/source-controller.log" 2>&1 &
	SC_PID=$!
}
start_kustomize() {
	bin/kustomize-controller --kubeconfig "$KC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" --watch-namespace "$fns" \
		--source-notify-addr "$NOTIFY_ADDR" --concurrent 8 >>"$FWORK/kustomize-controller.log" 2>&1 &
	KC_PID=$!
}

# applied_count REV: how many Kustomizations report lastAppliedRevision main@sha1:REV
applied_count() {
	kubectl -n "$fns" get kustomizations -o jsonpath='{range .items[*]}{.status.lastAppliedRevision}{"\n"}{end}' 2>/dev/null |
		grep -c "@sha1:$1\$"
}
# wait_applied REV SECS: polls until all N report REV; 1 when the deadline passes
wait_applied() {
	deadline=$(($(now_ms) + $2 * 1000))
	while [ "$(applied_count "$1")" -lt "$N" ]; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
# wait_until SECS CMD...: polls CMD until it succeeds; 1 when the deadline passes
wait_until() {
	deadline=$(($(now_ms) + $1 * 1000)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
source_at() {
	[ "$(kubectl -n "$fns" get gitrepository src -o jsonpath='{.status.artifact.revision}')" = "main@sha1:$1" ]
}
request_source() {
	kubectl -n "$fns" annotate gitrepository src --overwrite reconcile.fluxcd.io/requestedAt="$(date +%s%N)" >/dev/null
}
# cm_names: "count prefix" lines of the ConfigMaps' names (cm-3 -> cm)
cm_names() {
	kubectl -n "$fns" get configmaps -l kustomize.toolkit.fluxcd.io/namespace="$fns" \
		-o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sed 's/-[0-9]*$//' | sort | uniq -c | awk '{print $1, $2}'
}
# inventories_whole: every Kustomization's inventory holds exactly its one ConfigMap
inventories_whole() {
	[ "$(kubectl -n "$fns" get kustomizations -o jsonpath='{range .items[*]}{.status.inventory.entries[*].id}{"\n"}{end}' |
		grep -c '^[^ ]*_ConfigMap$')" -eq "$N" ]
}
# kill_when_applied REV COUNT: kill -9 the kustomize-controller once COUNT (of N) report REV
# (mid-apply: the rest are queued or in flight); prints how many had
kill_kc_at() {
	deadline=$(($(now_ms) + 120000))
	while [ "$(applied_count "$1")" -lt "$2" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
	kill -9 "$KC_PID"
	wait "$KC_PID" 2>/dev/null
	KC_PID=""
	applied_count "$1"
}
# cm_marks: "count mark" lines of the ConfigMaps' data.rev (nothing lost: N of the mark)
cm_marks() {
	kubectl -n "$fns" get configmaps -l kustomize.toolkit.fluxcd.io/namespace="$fns" \
		-o jsonpath='{range .items[*]}{.data.rev}{"\n"}{end}' | sort | uniq -c | awk '{print $1, $2}'
}
