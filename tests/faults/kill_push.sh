#!/bin/sh
# tests/faults/kill_push.sh - kill -9 of the image-automation-controller mid-push: a new tag is
# scanned, the automation commits it and pushes; the Git server holds the push (a pre-receive
# hook waits on a gate file: the pack received, the ref not yet moved) while the controller is
# killed. Restarted, it finishes the job: the file names the new tag, the branch holds exactly
# one commit for it (nothing lost, nothing twice: the held push may land after the kill, or
# not, and the restarted controller pushes it then), and the automation is Ready at that tip. Prints the time from the restart to the pushed commit.
set -u
. tests/lib.sh
. tests/faults/lib.sh
trap 'kill "${IAC_PID:-}" 2>/dev/null; touch "$FWORK/gate-open"; faults_cleanup' EXIT
fns=cflux-faults-push-$$
frepo=faults-push-$$.git
image=$CFLUX_REGISTRY/faults/push-$$
IAC_KUBECONFIG=$CFLUX_ENV_DIR/image-automation-controller.kubeconfig

faults_crds
controller_identities || { echo "$passed passed, $failed failed"; exit 1; }
push_tag() {
	mkdir -p "$FWORK/artifact"
	echo "tag: $1" >"$FWORK/artifact/tag.txt"
	bin/cflux push artifact "oci://$image:$1" --path "$FWORK/artifact" --source local --revision "$1" \
		--insecure-registry >>"$FWORK/push.log" 2>&1
}
push_tag 1.0.0 || ko setup "could not push tag 1.0.0: $(tail -n 2 "$FWORK/push.log")"
# the fleet: one Deployment whose image a setter marks, served over http with pushes allowed
git init -q --bare -b main "$CFLUX_GIT_REPOS/$frepo"
git -C "$CFLUX_GIT_REPOS/$frepo" config http.receivepack true
git init -q -b main "$FWORK/src"
mkdir -p "$FWORK/src/deploy"
cat >"$FWORK/src/deploy/app.yaml" <<EOT
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: app
        image: $image:1.0.0 # {"\$imagepolicy": "$fns:app"}
EOT
git -C "$FWORK/src" add -A && git -C "$FWORK/src" commit -qm fleet && git -C "$FWORK/src" push -q "$CFLUX_GIT_REPOS/$frepo" main ||
	ko setup "could not push the fleet"
base=$(git -C "$CFLUX_GIT_REPOS/$frepo" rev-parse main)
# the gate: the first push waits (its pack received, the ref not moved) until gate-open exists
cat >"$CFLUX_GIT_REPOS/$frepo/hooks/pre-receive" <<EOT
#!/bin/sh
cat >/dev/null
if [ ! -f "$FWORK/gate-open" ]; then
	touch "$FWORK/push-started"
	while [ ! -f "$FWORK/gate-open" ]; do sleep 0.1; done
fi
exit 0
EOT
chmod +x "$CFLUX_GIT_REPOS/$frepo/hooks/pre-receive"
kubectl create namespace "$fns" >/dev/null || ko setup "could not create namespace $fns"
kubectl apply -f - >/dev/null <<EOT || ko setup "could not apply the image objects"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: $fns}
spec: {interval: 1h, url: "$CFLUX_GIT_URL_HTTP/$frepo", ref: {branch: main}}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: app, namespace: $fns}
spec: {image: "$image", interval: 1h, insecure: true}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: app, namespace: $fns}
spec: {imageRepositoryRef: {name: app}, policy: {semver: {range: ">=1.0.0"}}}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata: {name: app, namespace: $fns}
spec:
  interval: 1h
  sourceRef: {kind: GitRepository, name: fleet}
  git:
    checkout: {ref: {branch: main}}
    commit: {author: {name: fluxcdbot, email: fluxcdbot@users.noreply.github.com}}
    push: {branch: main}
  update: {path: ./deploy, strategy: Setters}
EOT
faults_setup_ok
start_iac() {
	bin/image-automation-controller --kubeconfig "$IAC_KUBECONFIG" --internal-token-file "$INTERNAL_TOKEN_FILE" \
		--watch-namespace "$fns" --storage-path "$FWORK/tags" --metrics-addr "" --health-addr "" \
		>>"$FWORK/image-automation-controller.log" 2>&1 &
	IAC_PID=$!
}
start_iac
policy_at() { [ "$(kubectl -n "$fns" get imagepolicy app -o jsonpath='{.status.latestRef.tag}')" = "$1" ]; }
if wait_until 120 policy_at 1.0.0; then ok push_policy_initial; else ko push_policy_initial "latestRef: $(kubectl -n "$fns" get imagepolicy app -o jsonpath='{.status.latestRef}')"; fi
faults_setup_ok

# the new tag: scanned, committed, pushed, held at the server, the controller killed there
push_tag 1.0.1 || ko setup "could not push tag 1.0.1"
kubectl -n "$fns" annotate imagerepository app --overwrite reconcile.fluxcd.io/requestedAt="$(date +%s%N)" >/dev/null
pushing() { [ -f "$FWORK/push-started" ]; }
if wait_until 120 pushing; then ok push_reached_server
else ko push_reached_server "no push reached the server: $(tail -n 3 "$FWORK/image-automation-controller.log")"; fi
kill -9 "$IAC_PID"
wait "$IAC_PID" 2>/dev/null
touch "$FWORK/gate-open"
start_iac
t0=$(now_ms)
tip_has() { git -C "$CFLUX_GIT_REPOS/$frepo" show main:deploy/app.yaml 2>/dev/null | grep -q "$image:1.0.1 "; }
# Ready, having seen the tip with the commit: it pushed it now (lastPushCommit), or the held
# push had landed after all and it found the repository up to date
pushed_ready() {
	tip=$(git -C "$CFLUX_GIT_REPOS/$frepo" rev-parse main)
	[ "$(kubectl -n "$fns" get imageupdateautomation app -o jsonpath='{.status.observedSourceRevision}')" = "main@sha1:$tip" ] &&
		[ "$(kubectl -n "$fns" get imageupdateautomation app -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
if wait_until 120 tip_has && wait_until 120 pushed_ready; then
	echo "image-automation kill -9 mid-push: the commit on main and the automation Ready $(($(now_ms) - t0)) ms after its restart"
	ok push_recovered
else
	ko push_recovered "main: $(git -C "$CFLUX_GIT_REPOS/$frepo" log --oneline -1 main); automation: $(kubectl -n "$fns" get imageupdateautomation app -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"
fi
n=$(git -C "$CFLUX_GIT_REPOS/$frepo" rev-list --count "$base..main")
if [ "$n" = 1 ]; then ok push_exactly_one_commit; else ko push_exactly_one_commit "$n commits on main since the fleet"; fi
if [ "$(git -C "$CFLUX_GIT_REPOS/$frepo" show main:deploy/app.yaml | grep -c "image: $image:1.0.1 ")" = 1 ]; then ok push_file_whole
else ko push_file_whole "$(git -C "$CFLUX_GIT_REPOS/$frepo" show main:deploy/app.yaml | grep image:)"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
