#!/bin/sh
# tests/e2e/test_images.sh - make images without Docker, pushed to tests/env's docker-registry
# ($CFLUX_REGISTRY): each image's config as the registry serves it (skopeo inspect: user
# non-root and numeric, entrypoint the controller, the machine's architecture, labels, one layer
# whose digest is the local OCI layout's), its layer pulled back and unpacked with umoci (the
# binary, every library ldd names, the loader, the CA bundle, passwd/group with the user, /tmp,
# no shell; helm only in the helm-controller's), the binary run inside that rootfs by chroot as
# the image's user (the libraries are complete), a rebuild's digest, and `cflux install --export --registry R
# --image-pull-secret S` (image refs, pull secret, securityContext, probes, args, volumes).
set -u
. tests/lib.sh

: "${CFLUX_ENV_DIR:?environment not up: source \$CFLUX_ENV_DIR/env}"
: "${CFLUX_REGISTRY:?no docker-registry in the environment (tests/env/up)}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
REG=$CFLUX_REGISTRY/cflux
TAG=$(bin/cflux version --client 2>/dev/null | sed -n "s/^cflux: //p")
[ -n "$TAG" ] || TAG=0.1.0-dev
# the mode bin/ holds: every make here runs in it (make in another mode empties bin/)
SAN=""
[ "$(cat bin/.mode 2>/dev/null)" = sanitize ] && SAN=SANITIZE=1
CONTROLLERS=$(make -s $SAN controllers)
case $(uname -m) in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; *) ARCH=$(uname -m) ;; esac

if make -s images $SAN REGISTRY="$REG" IMAGE_TAG="$TAG" > "$WORK/make.log" 2>&1; then
	ok make_images_pushed
else
	ko make_images_pushed "$(tail -n 5 "$WORK/make.log")"
fi

for c in $CONTROLLERS; do
	ref=docker://$REG/$c:$TAG
	if ! skopeo inspect --tls-verify=false --config "$ref" > "$WORK/$c.config" 2> "$WORK/$c.err" ||
		! skopeo inspect --tls-verify=false "$ref" > "$WORK/$c.inspect" 2>> "$WORK/$c.err"; then
		ko "${c}_inspect" "$(cat "$WORK/$c.err")"
		continue
	fi
	cfg=$WORK/$c.config
	user=$(jq -r '.config.User' "$cfg")
	case $user in
	0 | 0:* | root* | "" | null) ko "${c}_user_nonroot" "User is '$user'" ;;
	*[!0-9:]*) ko "${c}_user_nonroot" "User '$user' is not numeric uid:gid (runAsNonRoot checks need numbers)" ;;
	*) ok "${c}_user_nonroot" ;;
	esac
	got=$(jq -c '.config.Entrypoint' "$cfg")
	[ "$got" = "[\"/usr/local/bin/$c\"]" ] && ok "${c}_entrypoint" || ko "${c}_entrypoint" "$got"
	got=$(jq -r '.architecture + "/" + .os' "$cfg")
	[ "$got" = "$ARCH/linux" ] && ok "${c}_architecture" || ko "${c}_architecture" "$got, want $ARCH/linux"
	got=$(jq -r '.config.Labels["org.opencontainers.image.version"] + " " + (.config.Labels["org.opencontainers.image.source"] // "")' "$cfg")
	case $got in "$TAG "?*) ok "${c}_labels" ;; *) ko "${c}_labels" "version/source labels: '$got'" ;; esac
	# the registry's layer is the one the local layout holds
	layers=$(jq -r '.Layers | length' "$WORK/$c.inspect")
	remote=$(jq -r '.Layers[0]' "$WORK/$c.inspect")
	mdigest=$(jq -r --arg t "$TAG" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
		"build/images/$c/index.json" 2>/dev/null)
	local_layer=$(jq -r '.layers[0].digest' "build/images/$c/blobs/sha256/${mdigest#sha256:}" 2>/dev/null)
	if [ "$layers" = 1 ] && [ "$remote" = "$local_layer" ] && [ -n "$local_layer" ]; then
		ok "${c}_layer_digest"
	else
		ko "${c}_layer_digest" "registry: $layers layer(s), $remote; layout: $local_layer"
	fi

	# pulled back from the registry and unpacked
	if ! skopeo copy --quiet --src-tls-verify=false "$ref" "oci:$WORK/$c.oci:$TAG" > "$WORK/$c.err" 2>&1 ||
		! umoci unpack --image "$WORK/$c.oci:$TAG" "$WORK/$c.bundle" > "$WORK/$c.err" 2>&1; then
		ko "${c}_unpack" "$(tail -n 3 "$WORK/$c.err")"
		continue
	fi
	R=$WORK/$c.bundle/rootfs
	missing=""
	for f in "usr/local/bin/$c" etc/ssl/certs/ca-certificates.crt etc/passwd etc/group; do
		[ -s "$R/$f" ] || missing="$missing $f"
	done
	for l in $(ldd "bin/$c" | sed -n -e 's|.*=> \(/[^ ]*\) .*|\1|p' -e 's|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p'); do
		[ -f "$R$l" ] || missing="$missing $l"
	done
	[ -z "$missing" ] && ok "${c}_layer_files" || ko "${c}_layer_files" "missing:$missing"
	uid=${user%%:*}
	grep -q "^[^:]*:x:$uid:" "$R/etc/passwd" && ok "${c}_passwd_user" || ko "${c}_passwd_user" "no uid $uid in /etc/passwd"
	[ -d "$R/tmp" ] && [ "$(stat -c %a "$R/tmp")" = 1777 ] && ok "${c}_tmp" || ko "${c}_tmp" "/tmp missing or not 1777"
	shells=$(find "$R" \( -name sh -o -name bash -o -name dash -o -name busybox \) -print | sed "s|^$R||")
	[ -z "$shells" ] && ok "${c}_no_shell" || ko "${c}_no_shell" "$shells"
	if [ "$c" = helm-controller ]; then
		got=$(chroot "$R" /usr/local/bin/helm version --short 2>&1)
		case $got in v[0-9]*) ok "${c}_helm" ;; *) ko "${c}_helm" "helm in the image: $got" ;; esac
	else
		[ ! -e "$R/usr/local/bin/helm" ] && ok "${c}_no_helm" || ko "${c}_no_helm" "helm in $c's image"
	fi
	# the binary runs in its own rootfs as the image's user: the libraries are complete (a proc
	# mount of its own, for a sanitizer build that reads /proc/self/maps)
	mkdir -p "$R/proc"
	got=$(unshare -m -p -f --mount-proc="$R/proc" chroot --userspec="$user" "$R" "/usr/local/bin/$c" --help 2>&1)
	case $got in "usage: $c"*) ok "${c}_runs_in_rootfs" ;; *) ko "${c}_runs_in_rootfs" "$(printf '%s' "$got" | head -n 3)" ;; esac
done

# deterministic: a second build of the same binary gives the same manifest digest
first=$(jq -r '.manifests[0].digest' build/images/source-controller/index.json 2>/dev/null)
if sh deploy/build-image.sh source-controller bin/source-controller "$WORK/again" "$TAG" > "$WORK/again.log" 2>&1; then
	again=$(jq -r '.manifests[0].digest' "$WORK/again/index.json")
	[ "$again" = "$first" ] && ok rebuild_same_digest || ko rebuild_same_digest "$again, first $first"
else
	ko rebuild_same_digest "$(tail -n 3 "$WORK/again.log")"
fi

# the install manifests point at the images
bin/cflux install --export --components "$(echo $CONTROLLERS | tr " " ,)" --registry "$REG" --image-pull-secret regcred > "$WORK/install.yaml" 2> "$WORK/install.err" ||
	ko install_export "$(cat "$WORK/install.err")"
if kubectl create --dry-run=client -o json -f "$WORK/install.yaml" > "$WORK/install.json" 2> "$WORK/install.err"; then
	ok install_export_valid
else
	ko install_export_valid "$(tail -n 3 "$WORK/install.err")"
fi
# one line per Deployment with what the checks need
jq -r '(.items // [.])[] | select(.kind == "Deployment") | .spec.template.spec as $p | $p.containers[0] as $c |
	[.metadata.name, $c.image, ($p.imagePullSecrets[0].name // "-"), ($p.securityContext.runAsNonRoot|tostring),
	 ($p.securityContext.fsGroup|tostring), ($p.securityContext.seccompProfile.type // "-"),
	 ($c.securityContext.readOnlyRootFilesystem|tostring), ($c.securityContext.allowPrivilegeEscalation|tostring),
	 ($c.securityContext.capabilities.drop|join(",")), ($c.livenessProbe.httpGet.path + "@" + ($c.livenessProbe.httpGet.port|tostring)),
	 ($c.readinessProbe.httpGet.path + "@" + ($c.readinessProbe.httpGet.port|tostring)),
	 ([$c.ports[] | select(.name == "healthz" or .name == "http-prom") | .name + "=" + (.containerPort|tostring)] | join(",")),
	 ([$c.args[] | select(. == "--metrics-addr=:8080" or . == "--health-addr=:9440" or . == "--enable-leader-election")] | length | tostring),
	 ($c.resources.requests.memory // "-"), ($c.resources.limits.memory // "-"), ($p.terminationGracePeriodSeconds|tostring),
	 ([$c.volumeMounts[].mountPath] | index("/tmp") | tostring)] | join(" ")' "$WORK/install.json" > "$WORK/deps.txt" 2> "$WORK/jq.err"
n=$(wc -l < "$WORK/deps.txt")
[ "$n" -eq "$(echo $CONTROLLERS | wc -w)" ] && ok install_export_deployments || ko install_export_deployments "$n Deployments: $(cat "$WORK/jq.err")"
while read -r name image secret nonroot fsgroup seccomp rorfs ape drop live ready ports args req lim grace tmp; do
	[ "$image" = "$REG/$name:$TAG" ] && ok "${name}_install_image" || ko "${name}_install_image" "$image, want $REG/$name:$TAG"
	[ "$secret" = regcred ] && ok "${name}_install_pull_secret" || ko "${name}_install_pull_secret" "$secret"
	got="$nonroot $fsgroup $seccomp $rorfs $ape $drop"
	[ "$got" = "true 1337 RuntimeDefault true false ALL" ] && ok "${name}_install_security" || ko "${name}_install_security" "$got"
	[ "$live $ready" = "/healthz@healthz /readyz@healthz" ] && ok "${name}_install_probes" || ko "${name}_install_probes" "$live $ready"
	[ "$ports $args" = "http-prom=8080,healthz=9440 3" ] && ok "${name}_install_ports_args" || ko "${name}_install_ports_args" "$ports, $args of 3 args"
	case "$req $lim $grace $tmp" in
	*-* | *" null") ko "${name}_install_resources" "requests $req limits $lim grace $grace /tmp mount $tmp" ;;
	*) ok "${name}_install_resources" ;;
	esac
done < "$WORK/deps.txt"
got=$(jq -rs '[.[] | (.items // [.])[] | select(.kind == "Deployment") | .metadata.name + "=" + (.spec.strategy.type // "RollingUpdate")] | join(" ")' "$WORK/install.json")
n=$(printf '%s\n' $got | grep -c '=Recreate$')
case " $got " in
*" source-controller=Recreate "*) [ "$n" -eq 1 ] && ok install_strategy || ko install_strategy "$got: only the source-controller Recreate" ;;
*) ko install_strategy "$got: the source-controller Recreate, the others rolling, as Flux" ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
