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

flux_cli "$WORK"

# same NAME ARGS...: flux and cflux given ARGS (plus --export) print the same YAML
same() {
	name=$1; shift
	if [ -z "$FLUX" ] || [ ! -x "$FLUX" ]; then
		ko "$name" "no flux CLI to compare with (tests/env/build-flux cli failed, see above)"
		return
	fi
	"$FLUX" "$@" --export >"$WORK/flux.out" 2>"$WORK/flux.err"; frc=$?
	[ -n "${FLUX_OUT_SED:-}" ] && sed -i "$FLUX_OUT_SED" "$WORK/flux.out"
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

# source helm / source oci
same helm_help create source helm podinfo --url=https://stefanprodan.github.io/podinfo --interval=10m
same helm_oci create source helm podinfo --url=oci://ghcr.io/stefanprodan/charts
same helm_oci_provider create source helm podinfo --url=oci://ghcr.io/stefanprodan/charts --oci-provider=aws
same helm_secret_pass create source helm podinfo --url=https://charts.example.com --secret-ref=s --pass-credentials
refused helm_no_url create source helm podinfo
refused helm_scheme create source helm podinfo --url=ftp://charts.example.com
same oci_help create source oci podinfo --url=oci://ghcr.io/stefanprodan/manifests/podinfo --tag=6.6.2 --interval=10m
same oci_every_flag create source oci podinfo --url=oci://ghcr.io/x/y --tag=1 --tag-semver='>=6.0.0' --digest=sha256:abc --secret-ref=s --cert-ref=c --service-account=sa --provider=aws --insecure --ignore-paths='a,b/' --ignore-paths=c --layer-selector='application/vnd.x:copy'
refused oci_no_url create source oci podinfo --tag=1
# the --help example with cosign, and the proxy and verify flags
same oci_verify_help create source oci podinfo --url=oci://ghcr.io/stefanprodan/manifests/podinfo --tag=6.6.2 \
	--interval=10m --verify-provider=cosign \
	--verify-subject="^https://github.com/stefanprodan/podinfo/.github/workflows/release.yml@refs/tags/6.6.2$" \
	--verify-issuer="^https://token.actions.githubusercontent.com$"
same oci_verify_proxy create source oci podinfo --url=oci://ghcr.io/x/y --tag=1 --verify-provider=cosign --verify-secret-ref=k --proxy-secret-ref=p
refused oci_verify_subject_alone create source oci podinfo --url=oci://ghcr.io/x/y --tag=1 --verify-subject=s
refused oci_verify_secret_alone create source oci podinfo --url=oci://ghcr.io/x/y --tag=1 --verify-secret-ref=k
refused oci_verify_provider_unknown create source oci podinfo --url=oci://ghcr.io/x/y --tag=1 --verify-provider=notation
refused oci_no_ref create source oci podinfo --url=oci://x/y
refused oci_selector_format create source oci podinfo --url=oci://x/y --tag=1 --layer-selector=bad
refused oci_selector_operation create source oci podinfo --url=oci://x/y --tag=1 --layer-selector=a:bad
refused oci_provider create source oci podinfo --url=oci://x/y --tag=1 --provider=bad

# helmrelease (the --help examples, then every flag)
V=tests/e2e/testdata/values
same hr_help_repo create hr podinfo --interval=10m --source=HelmRepository/podinfo --chart=podinfo --chart-version=">4.0.0"
same hr_help_git create hr podinfo --interval=10m --source=GitRepository/podinfo --chart=./charts/podinfo
same hr_help_bucket create hr podinfo --interval=10m --source=Bucket/podinfo --chart=./charts/podinfo
same hr_help_values create hr podinfo --source=HelmRepository/podinfo --chart=podinfo --values=$V/one.yaml --values=$V/two.yaml
same hr_values_commas create helmrelease podinfo --source=HelmRepository/podinfo --chart=podinfo --values=$V/two.yaml,$V/one.yaml
same hr_help_values_from -n app create hr podinfo --source=HelmRepository/podinfo --chart=podinfo --values-from=Secret/my-secret-values
same hr_help_release_name create hr podinfo --release-name=podinfo-dev --source=HelmRepository/podinfo --chart=podinfo
same hr_help_target_ns create hr podinfo --target-namespace=test --create-target-namespace=true --source=HelmRepository/podinfo --chart=podinfo
same hr_help_storage_ns create hr podinfo --target-namespace=production --storage-namespace=fluxcd-system --source=HelmRepository/podinfo --chart=podinfo
same hr_help_source_ns create hr podinfo --namespace=default --source=HelmRepository/podinfo.flux-system --chart=podinfo
same hr_help_chart_ref_chart create hr podinfo --namespace=default --chart-ref=HelmChart/podinfo.flux-system
same hr_help_chart_ref_oci create hr podinfo --namespace=default --chart-ref=OCIRepository/podinfo.flux-system
same hr_every_flag create hr podinfo --source=HelmRepository/podinfo --chart=podinfo --values-from=Secret/a,ConfigMap/b --crds=CreateReplace --depends-on=a,ns/b --service-account=sa --kubeconfig-secret-ref=kc --reconcile-strategy=Revision --chart-interval=5m --interval=1h --label=team=a,tier=web
same hr_crds_skip create hr podinfo --source=HelmRepository/podinfo --chart=podinfo --crds=Skip
refused hr_no_chart create hr podinfo --source=HelmRepository/podinfo
refused hr_both_charts create hr podinfo --source=HelmRepository/podinfo --chart=x --chart-ref=HelmChart/x
refused hr_source_kind create hr podinfo --source=Foo/podinfo --chart=x
refused hr_source_no_kind create hr podinfo --source=podinfo --chart=x
refused hr_values_from_kind create hr podinfo --source=HelmRepository/podinfo --chart=x --values-from=Foo/x
refused hr_crds_policy create hr podinfo --source=HelmRepository/podinfo --chart=x --crds=Bad
refused hr_chart_ref_kind create hr podinfo --chart-ref=Foo/x
refused hr_strategy create hr podinfo --source=HelmRepository/podinfo --chart=x --reconcile-strategy=Bad
refused label_format create source git podinfo --url=$PODINFO --branch=main --label=bad
same labels create source git podinfo --url=$PODINFO --branch=main --label=a=b --label=c=d,e=f
# same_image NAME ARGS...: as same, but flux 2.9 writes image.toolkit.fluxcd.io/v1, which the
# issue (15) and DESIGN.md keep at v1beta2 (v1beta1 admitted); every other byte must match
same_image() {
	FLUX_OUT_SED='s|^apiVersion: image.toolkit.fluxcd.io/v1$|apiVersion: image.toolkit.fluxcd.io/v1beta2|' same "$@"
}

# create image update: the --help examples of flux create image update
same_image image_update_bootstrap create image update flux-system --git-repo-ref=flux-system \
	--git-repo-path=./clusters/my-cluster --checkout-branch=main --author-name=flux --author-email=flux@example.com \
	'--commit-template={{range .Updated.Images}}{{println .}}{{end}}'
same_image image_update_push_branch create image update flux-system --git-repo-ref=flux-system \
	--git-repo-path=./clusters/my-cluster --checkout-branch=main --push-branch=image-updates --author-name=flux \
	--author-email=flux@example.com '--commit-template={{range .Updated.Images}}{{println .}}{{end}}'
same_image image_update_namespace create image update apps --namespace=apps --git-repo-ref=flux-system \
	--git-repo-namespace=flux-system --git-repo-path=./clusters/my-cluster --checkout-branch=main \
	--push-branch=image-updates --author-name=flux --author-email=flux@example.com --interval=5m
same_image image_update_signing_key create image update flux-system --git-repo-ref=flux-system --checkout-branch=main \
	--author-name=flux --author-email=flux@example.com --signing-key-secret=sk
same_image image_update_signing_key_ssh create image update flux-system --git-repo-ref=flux-system --checkout-branch=main \
	--author-name=flux --author-email=flux@example.com --signing-key-secret=sk --signing-key-type=ssh
refused image_update_key_type_alone create image update app --git-repo-ref=r --checkout-branch=main --author-name=a --author-email=b --signing-key-type=ssh
refused image_update_key_type_bad create image update app --git-repo-ref=r --checkout-branch=main --author-name=a --author-email=b --signing-key-secret=sk --signing-key-type=x509
refused image_update_no_repo create image update app --checkout-branch=main --author-name=a --author-email=b
refused image_update_no_branch create image update app --git-repo-ref=r --author-name=a --author-email=b
refused image_update_no_email create image update app --git-repo-ref=r --checkout-branch=main --author-name=a
# create image repository | policy: flux's --help examples and the flags' refusals
same_image image_repo create image repository podinfo --image=ghcr.io/stefanprodan/podinfo
same_image image_repo_all create image repository podinfo --image=ghcr.io/stefanprodan/podinfo --interval=5m \
	--secret-ref=s --cert-ref=c --scan-timeout=90s
refused image_repo_no_image create image repository podinfo
refused image_repo_upper create image repository podinfo --image=UPPER/x
refused image_repo_short create image repository podinfo --image=x
same_image image_policy_semver create image policy podinfo --image-ref=podinfo '--select-semver=>=1.0.0'
same_image image_policy_numeric create image policy podinfo --image-ref=podinfo --select-numeric=asc \
	'--filter-regex=^main-[a-f0-9]+-(?P<ts>[0-9]+)' '--filter-extract=$ts'
same_image image_policy_alpha create image policy podinfo --image-ref=podinfo --select-alpha=desc --filter-regex='^v'
same_image image_policy_digest create image policy podinfo --image-ref=podinfo --select-semver=1.x --reflect-digest=Always --interval=1h
same_image image_policy_two create image policy podinfo --image-ref=podinfo --select-semver=1.x --select-alpha=asc
refused image_policy_no_ref create image policy podinfo --select-semver=1.x
refused image_policy_none create image policy podinfo --image-ref=x
refused image_policy_order create image policy podinfo --image-ref=x --select-numeric=up
refused image_policy_regex create image policy podinfo --image-ref=x --select-semver=1 '--filter-regex=('
refused image_policy_extract create image policy podinfo --image-ref=x --select-semver=1 '--filter-extract=$x'
refused image_policy_reflect create image policy podinfo --image-ref=x --select-semver=1 --reflect-digest=Bad
refused image_policy_interval create image policy podinfo --image-ref=x --select-semver=1 --interval=1h

# source git: the flags issue 17 adds (credentials make a Secret only when applied, so --export
# prints the GitRepository alone, as flux's does)
same git_ignore_paths create source git podinfo --url=$PODINFO --branch=master --ignore-paths='/*,!/deploy' --ignore-paths=docs
same git_submodules_provider create source git podinfo --url=$PODINFO --branch=master --recurse-submodules --provider=azure
same git_provider_github create source git podinfo --url=$PODINFO --branch=master --provider=github
same git_credentials_export create source git podinfo --url=$PODINFO --branch=master --username=u --password=p
same git_every_ref create source git podinfo --url=$PODINFO --branch=main --tag=1.0.0 --tag-semver='>=1.0.0' --ref-name=refs/heads/x
same git_commit_branch create source git podinfo --url=$PODINFO --branch=main --commit=6f47b2dcd59ce4c7c8ea6dd2dd2f7bfb6f5ae9e6
same git_sparse_proxy_timeout create source git podinfo --url=$PODINFO --branch=main --sparse-checkout-paths=a,b --proxy-secret-ref=proxy --fetch-timeout=90s
refused git_ca_over_ssh create source git podinfo --url=ssh://git@github.com/stefanprodan/podinfo --branch=main --ca-file=$V/one.yaml
same helm_credentials_export create source helm podinfo --url=https://charts.example.com --username=u --password=p

# notification kinds (the --help examples, then the edges)
same alert_help create alert --event-severity info --event-source Kustomization/flux-system --provider-ref slack flux-system
same ks_name_last create kustomization --source=podinfo --path=./kustomize --prune=true podinfo
same alert_sources create alert apps --event-source='GitRepository/*,Kustomization/apps.prod' --event-source=HelmRelease/web --provider-ref=slack
refused alert_no_provider create alert apps --event-source=Kustomization/a
refused alert_no_source create alert apps --provider-ref=slack
refused alert_bad_source create alert apps --provider-ref=slack --event-source=apps
same provider_slack create alert-provider slack --type slack --channel general --address https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK --secret-ref webhook-url
same provider_github create alert-provider github-podinfo --type github --address https://github.com/stefanprodan/podinfo --secret-ref github-token
same provider_username create alert-provider chat --type=generic --username=bot
refused provider_no_type create alert-provider slack --channel=general
same receiver_help create receiver github-receiver --type github --event ping --event push --secret-ref webhook-token --resource GitRepository/webapp --resource HelmRepository/webapp
same receiver_commas create receiver generic --type=generic --secret-ref=t --resource=GitRepository/a,Kustomization/b
refused receiver_no_type create receiver r --secret-ref=t --resource=GitRepository/a
refused receiver_no_secret create receiver r --type=github --resource=GitRepository/a
refused receiver_no_resource create receiver r --type=github --secret-ref=t
refused receiver_bad_resource create receiver r --type=github --secret-ref=t --resource=webapp

# tenant
same tenant_help create tenant dev-team --with-namespace=frontend --label=environment=dev
same tenant_two_namespaces create tenant dev-team --with-namespace=frontend --with-namespace=backend --cluster-role=dev
same tenant_account_skip_ns create tenant dev-team --with-namespace=frontend --with-service-account=flux --skip-namespace
refused tenant_no_namespace create tenant dev-team

# secrets (flux prints them with --export too; the values here are not real credentials)
same secret_git_basic create secret git podinfo-auth --url=https://github.com/stefanprodan/podinfo --username=username --password=password
same secret_git_bearer create secret git podinfo-auth --url=https://github.com/stefanprodan/podinfo --bearer-token=token
same secret_git_ca create secret git podinfo-auth --url=https://github.com/stefanprodan/podinfo --username=u --password=p --ca-crt-file=$V/one.yaml
same secret_git_labels create secret git podinfo-auth --url=https://host/repo --username=u --password=p --label=team=a
refused secret_git_no_credentials create secret git podinfo-auth --url=https://github.com/stefanprodan/podinfo
refused secret_git_both create secret git podinfo-auth --url=https://host/repo --username=u --password=p --bearer-token=t
refused secret_git_no_url create secret git podinfo-auth --username=u --password=p
same secret_helm_basic create secret helm repo-auth --username=username --password=password
same secret_helm_basic_ca create secret helm repo-auth --username=username --password=password --ca-crt-file=$V/two.yaml
same secret_helm_ca create secret helm repo-auth --ca-crt-file=$V/two.yaml
same secret_helm_empty create secret helm repo-auth
same secret_oci create secret oci ghcr-auth --url=ghcr.io --username=username --password=password
refused secret_oci_no_password create secret oci ghcr-auth --url=ghcr.io --username=username
same secret_tls_ca create secret tls certs --ca-crt-file=$V/one.yaml
refused secret_tls_nothing create secret tls certs
refused secret_tls_key_only create secret tls certs --tls-key-file=$V/one.yaml
if command -v openssl >/dev/null 2>&1 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj /CN=cflux -days 1 >/dev/null 2>&1; then
	same secret_tls_pair create secret tls certs --tls-crt-file="$WORK/tls.crt" --tls-key-file="$WORK/tls.key" --ca-crt-file=$V/one.yaml
	same secret_helm_tls create secret helm repo-auth --tls-crt-file="$WORK/tls.crt" --tls-key-file="$WORK/tls.key" --username=u --password=p
else
	ko secret_tls_pair "openssl cannot make a test certificate"
fi
same secret_githubapp create secret githubapp app --app-id=1 --app-installation-owner=org --app-private-key=$V/one.yaml
same secret_githubapp_id create secret githubapp app --app-id=1 --app-installation-id=2 --app-private-key=$V/one.yaml --app-base-url=https://ghe.example.com/api/v3
refused secret_githubapp_both create secret githubapp app --app-id=1 --app-installation-id=2 --app-installation-owner=o --app-private-key=$V/one.yaml
# secret receiver (--token given: the URL is the same on both), proxy, notation
same secret_receiver_help -n my-namespace create secret receiver github-receiver --type=github --hostname=flux.example.com --token=t0k3n
same secret_receiver_gcr_help -n my-namespace create secret receiver gcr-receiver --type=gcr --hostname=flux.example.com --email-claim=sa@project.iam.gserviceaccount.com --token=t0k3n
same secret_receiver_gcr_audience create secret receiver gcr-receiver --type=gcr --hostname=flux.example.com --email-claim=sa@p.iam --audience-claim=https://aud.example.com --token=abc --label=team=a
same secret_receiver_generic_port create secret receiver hook --type generic-hmac --hostname flux.example.com:8443 --token s3cr3t
same secret_receiver_email_ignored create secret receiver hook --type=gitlab --hostname=h.example.com --token=x --email-claim=e@x
refused secret_receiver_no_type create secret receiver hook --hostname=flux.example.com
refused secret_receiver_bad_type create secret receiver hook --type=bad --hostname=flux.example.com
refused secret_receiver_empty_type create secret receiver hook --type= --hostname=flux.example.com
refused secret_receiver_no_hostname create secret receiver hook --type=github
refused secret_receiver_gcr_no_email create secret receiver hook --type=gcr --hostname=flux.example.com
receiver_token() { bin/cflux create secret receiver hook --type=github --hostname=flux.example.com --export 2>/dev/null; }
if a=$(receiver_token) && b=$(receiver_token); then
	ta=$(printf '%s\n' "$a" | sed -n 's/^  token: //p'); tb=$(printf '%s\n' "$b" | sed -n 's/^  token: //p')
	ua=$(printf '%s\n' "$a" | sed -n 's/^    notification.toolkit.fluxcd.io\/webhook: //p')
	want=https://flux.example.com/hook/$(printf '%s%s%s' "$ta" hook flux-system | sha256sum | cut -d' ' -f1)
	if [ ${#ta} -ne 64 ] || [ "$ta" = "$tb" ]; then
		ko secret_receiver_token_generated "tokens '$ta' and '$tb': want 64 hex digits, different each run"
	elif [ "$ua" != "$want" ]; then
		ko secret_receiver_token_generated "webhook URL $ua, want $want"
	else
		ok secret_receiver_token_generated
	fi
else
	ko secret_receiver_token_generated "cflux create secret receiver without --token fails"
fi
same secret_proxy_help -n my-namespace create secret proxy my-proxy --address=https://my-proxy.com --username=my-username --password=my-password
same secret_proxy_address_only create secret proxy my-proxy --address=http://10.0.0.1:3128
same secret_proxy_short_flags create secret proxy my-proxy --address=https://p.example.com -u user -p pass --label=a=b
same secret_proxy_user_only create secret proxy my-proxy --address=https://p.example.com --username=user
refused secret_proxy_no_address create secret proxy my-proxy --username=u --password=p
N=tests/e2e/testdata/notation
same secret_notation_help -n my-namespace create secret notation my-notation-cert --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$N/root.crt
same secret_notation_two_certs create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$N/root.crt --ca-cert-file=$N/acme.pem
same secret_notation_cert_list create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$N/root.crt,$N/acme.pem --label=x=y
refused secret_notation_no_cert create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json
refused secret_notation_no_policy create secret notation notation-cfg --ca-cert-file=$N/root.crt
refused secret_notation_cert_suffix create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$V/one.yaml
refused secret_notation_cert_suffixes create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$V/one.yaml --ca-cert-file=$V/two.yaml
refused secret_notation_policy_missing create secret notation notation-cfg --trust-policy-file=$N/nope.json --ca-cert-file=$N/root.crt
refused secret_notation_policy_dir create secret notation notation-cfg --trust-policy-file=$N --ca-cert-file=$N/root.crt
refused secret_notation_cert_missing create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$N/nope.crt
refused secret_notation_cert_missing_and_suffix create secret notation notation-cfg --trust-policy-file=$N/trustpolicy.json --ca-cert-file=$V/one.yaml,$N/nope.crt
refused secret_git_ca_missing create secret git podinfo-auth --url=https://host/repo --username=u --password=p --ca-crt-file=$N/nope.crt
# trust policies flux refuses, each with the words of the rule it breaks
policy() { n=$1; shift; printf '%s' "$*" >"$WORK/$n.json"; refused "secret_notation_policy_$n" create secret notation notation-cfg --trust-policy-file="$WORK/$n.json" --ca-cert-file=$N/root.crt; }
P='"registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:x"]'
policy syntax_eof '{"version":"1.0",'
policy syntax_char 'x'
policy syntax_trailing '{"version":"1.0"} x'
policy syntax_after_key '{"version" "1.0"}'
policy syntax_after_pair '{"version":"1.0" "x"}'
policy syntax_after_element '{"trustPolicies":[{} {}]}'
policy syntax_key_string '{"version":"1.0",}'
policy syntax_escape '{"version":"1.\q"}'
policy syntax_literal_eof '{"version":nul'
policy syntax_number '{"version":-x}'
policy syntax_control "$(printf '{"version":"1.\t0"}')"
policy type_version '{"version":1}'
policy type_name '{"version":"1.0","trustPolicies":[{"name":3}]}'
policy type_policies '{"version":"1.0","trustPolicies":{}}'
policy type_override '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict","override":{"expiry":5}}}]}'
policy type_scopes '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":"x"}]}'
policy type_top '[]'
policy no_version '{"trustPolicies":[]}'
policy null_document 'null'
policy bad_version '{"version":"2.0"}'
policy no_statements '{"version":"1.0","trustPolicies":[]}'
policy no_name '{"version":"1.0","trustPolicies":[{'"$P"',"trustedIdentities":["*"]}]}'
policy same_name '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["*"]},{"name":"a"}]}'
policy no_level '{"version":"1.0","trustPolicies":[{"name":"a"}]}'
policy bad_level '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"loose"}}]}'
policy skip_override '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"skip","override":{"expiry":"log"}}}]}'
policy override_type '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"audit","override":{"bogus":"log"}}}]}'
policy override_action '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"audit","override":{"expiry":"maybe"}}}]}'
policy override_integrity '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"audit","override":{"integrity":"log"}}}]}'
policy override_skip '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"audit","override":{"expiry":"skip"}}}]}'
policy timestamp '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict","verifyTimestamp":"never"}}]}'
policy skip_with_stores '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"skip"},"trustStores":["ca:x"]}]}'
policy no_identities '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"'}]}'
policy store_format '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict"},"trustStores":["flux"],"trustedIdentities":["*"]}]}'
policy store_type '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict"},"trustStores":["vault:x"],"trustedIdentities":["*"]}]}'
policy store_name '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"strict"},"trustStores":["ca:a b"],"trustedIdentities":["*"]}]}'
policy identity_wildcard '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["*","x509.subject:C=US,ST=WA,O=x"]}]}'
policy identity_empty '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":[""]}]}'
policy identity_separator '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["C=US"]}]}'
policy identity_no_value '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:"]}]}'
policy dn_mandatory '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US"]}]}'
policy dn_incomplete '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US,ST=WA,O=x,foo"]}]}'
policy dn_empty_type '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US,ST=WA,O=x,=y"]}]}'
policy dn_hash '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=#0101"]}]}'
policy dn_multi '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US+ST=WA,O=x"]}]}'
policy dn_duplicate '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US,ST=WA,S=OR,O=x"]}]}'
policy dn_overlap '{"version":"1.0","trustPolicies":[{"name":"a",'"$P"',"trustedIdentities":["x509.subject:C=US,ST=WA,O=x","x509.subject:C=US,ST=WA,O=x,CN=y"]}]}'
policy scopes_none '{"version":"1.0","trustPolicies":[{"name":"a","signatureVerification":{"level":"skip"}}]}'
policy scopes_wildcard_mix '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["*","r.io/x"],"signatureVerification":{"level":"skip"}}]}'
policy scope_wildcard '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["r.io/*"],"signatureVerification":{"level":"skip"}}]}'
policy scope_no_repo '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["r.io"],"signatureVerification":{"level":"skip"}}]}'
policy scope_upper '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["r.io/Repo"],"signatureVerification":{"level":"skip"}}]}'
policy scope_scheme '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["https://r.io/x"],"signatureVerification":{"level":"skip"}}]}'
policy scope_twice '{"version":"1.0","trustPolicies":[{"name":"a","registryScopes":["r.io/x"],"signatureVerification":{"level":"skip"}},{"name":"b","registryScopes":["r.io/x"],"signatureVerification":{"level":"skip"}}]}'
# (one line without spaces: flux's YAML writer folds long lines at spaces, cflux's does not)
printf '%s' '{"Version":"1.0","TRUSTPOLICIES":[{"name":"a","registryScopes":["r.io/a-b__c.d/e"],"signatureVerification":{"level":"audit","override":{"revocation":"skip"},"verifyTimestamp":"afterCertExpiry"},"trustStores":["tsa:t_1.x"],"trustedIdentities":["x509.subject:CN=a\\,b,C=US,S=WA,O=x","other:anything"],"extra":1}]}' >"$WORK/odd.json"
same secret_notation_policy_case_and_escapes create secret notation notation-cfg --trust-policy-file="$WORK/odd.json" --ca-cert-file=$N/root.crt

# source chart
same chart_help_helmrepository create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --chart-version=6.x
same chart_help_git create source chart podinfo --source=GitRepository/podinfo --chart=./charts/podinfo
same chart_help_bucket create source chart podinfo --source=Bucket/podinfo --chart=./charts/podinfo
same chart_help_verify create source chart podinfo --source HelmRepository/podinfo --chart podinfo --chart-version=6.6.2 --verify-provider=cosign --verify-issuer=https://token.actions.githubusercontent.com --verify-subject=https://github.com/stefanprodan/podinfo/.github/workflows/release.yml@refs/tags/6.6.2
same chart_kind_case create source chart podinfo --source=helmrepository/podinfo --chart=podinfo
same chart_verify_secret create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --verify-provider=cosign --verify-secret-ref=cosign-pub --verify-subject=s
same chart_verify_provider_only create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --verify-provider=cosign
same chart_subject_without_provider create source chart podinfo --source=GitRepository/podinfo --chart=podinfo --verify-subject=x
same chart_strategy_interval create source chart podinfo -n apps --source=GitRepository/podinfo --chart=./c --reconcile-strategy=Revision --interval=5m --label=team=a,tier=web
refused chart_no_source create source chart podinfo --chart=podinfo
refused chart_no_chart create source chart podinfo --source=HelmRepository/podinfo
refused chart_source_kind create source chart podinfo --source=OCIRepository/podinfo --chart=podinfo
refused chart_source_format create source chart podinfo --source=podinfo --chart=podinfo
refused chart_source_namespace create source chart podinfo --source=HelmRepository/a/b --chart=podinfo
refused chart_source_empty create source chart podinfo --source= --chart=podinfo
refused chart_verify_provider create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --verify-provider=notation
refused chart_secret_without_provider create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --verify-secret-ref=k
refused chart_issuer_without_provider create source chart podinfo --source=HelmRepository/podinfo --chart=podinfo --verify-issuer=i
refused name_invalid create source git Pod_Info --url=$PODINFO --branch=main

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
