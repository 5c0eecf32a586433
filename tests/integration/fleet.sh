# tests/integration/fleet.sh - what test_leader.sh and test_sharding.sh share (sourced after
# tests/lib.sh, with NS, WORK, REPO and PIDS set): a Git repository of N folders k1..kN, each
# one ConfigMap cm-i; a GitRepository "repo" and a Kustomization ki per folder; the cleanup.
now_ms() { date +%s%3N; }
fleet_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for k in $(kubectl -n "$NS" get gitrepositories,kustomizations -o name 2>/dev/null); do
		kubectl -n "$NS" patch "$k" --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
	done
	kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1
	rm -rf "$WORK" "$REPO"
}
# fleet_repo N: the namespace, the CRDs, and $REPO with k1..kN pushed
fleet_repo() {
	kubectl create namespace "$NS" >/dev/null
	kubectl apply --server-side -k manifests/crds >/dev/null
	git init -q --bare -b main "$REPO"
	git init -q -b main "$WORK/src"
	i=1; while [ "$i" -le "$1" ]; do
		mkdir -p "$WORK/src/k$i"
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s\n  namespace: %s\n' "$i" "$NS" > "$WORK/src/k$i/cm.yaml"
		i=$((i + 1))
	done
	git -C "$WORK/src" add -A && git -C "$WORK/src" -c user.name=t -c user.email=t@l commit -qm one &&
		git -C "$WORK/src" push -q "$REPO" main
}
# fleet_objects N [LABEL_OF]: the GitRepository and N Kustomizations as YAML on stdout; LABEL_OF i
# prints the sharding.fluxcd.io/key value of ki (empty: no label)
fleet_objects() {
	printf 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n  namespace: %s\nspec:\n  interval: 1h\n  url: %s/%s\n  ref:\n    branch: main\n' \
		"$NS" "$CFLUX_GIT_URL_HTTP" "$(basename "$REPO")"
	i=1; while [ "$i" -le "$1" ]; do
		printf -- '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k%s\n  namespace: %s\n' "$i" "$NS"
		label=""; [ -n "${2:-}" ] && label=$("$2" "$i")
		[ -n "$label" ] && printf '  labels:\n    sharding.fluxcd.io/key: %s\n' "$label"
		printf 'spec:\n  interval: 1h\n  path: ./k%s\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: repo\n' "$i"
		i=$((i + 1))
	done
}
# fleet_sanitizer_clean NAME...: no $WORK/NAME.log holds an ASan/UBSan/LeakSanitizer report
# (under SANITIZE=1; a process killed -9 or exited through _exit reports nothing)
fleet_sanitizer_clean() {
	for n in "$@"; do
		if grep -q "Sanitizer\|runtime error:" "$WORK/$n.log" 2>/dev/null; then
			ko "sanitizer_clean_$n" "$(grep -m 1 "Sanitizer\|runtime error:" "$WORK/$n.log")"
		else ok "sanitizer_clean_$n"; fi
	done
}
