/* cli/help_table.c - the cflux command tree for --help: each command's words, aliases,
 * arguments, and Flux's texts for it (taken from the cobra commands of flux v2.9.5, its examples
 * written with cflux). A new command adds its row here; rows with children are groups. */
#include "help.h"

#include <stddef.h>

static const cli_help rows[] = {
	{ "bootstrap", NULL, NULL,
	  "Deploy Flux on a cluster the GitOps way.",
	  "The bootstrap sub-commands push the Flux manifests to a Git repository\n"
	  "and deploy Flux on the cluster.",
	  NULL },
	{ "bootstrap bitbucket-server", NULL, "",
	  "Deploy Flux on a cluster connected to a Bitbucket Server repository",
	  "The bootstrap bitbucket-server command creates the Bitbucket Server repository if it doesn't exists and\n"
	  "commits the Flux manifests to the master branch.\n"
	  "Then it configures the target cluster to synchronize with the repository.\n"
	  "If the Flux components are present on the cluster,\n"
	  "the bootstrap command will perform an upgrade if needed.",
	  "  # Create a Bitbucket Server API token and export it as an env var\n"
	  "  export BITBUCKET_TOKEN=<my-token>\n"
	  "\n"
	  "  # Run bootstrap for a private repository using HTTPS token authentication\n"
	  "  cflux bootstrap bitbucket-server --owner=<project> --username=<user> --repository=<repository name> --hostname=<domain> --token-auth --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository using SSH authentication\n"
	  "  cflux bootstrap bitbucket-server --owner=<project> --username=<user> --repository=<repository name> --hostname=<domain> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a public repository on a personal account\n"
	  "  cflux bootstrap bitbucket-server --owner=<user> --repository=<repository name> --private=false --personal --hostname=<domain> --token-auth --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for an existing repository with a branch named main\n"
	  "  cflux bootstrap bitbucket-server --owner=<project> --username=<user> --repository=<repository name> --branch=main --hostname=<domain> --token-auth --path=clusters/my-cluster" },
	{ "bootstrap git", NULL, "",
	  "Deploy Flux on a cluster connected to a Git repository",
	  "The bootstrap git command commits the Flux manifests to the\n"
	  "branch of a Git repository. And then it configures the target cluster to synchronize with\n"
	  "that repository. If the Flux components are present on the cluster, the bootstrap\n"
	  "command will perform an upgrade if needed.",
	  "  # Run bootstrap for a Git repository and authenticate with your SSH agent\n"
	  "  cflux bootstrap git --url=ssh://git@example.com/repository.git --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository and authenticate using a password\n"
	  "  cflux bootstrap git --url=https://example.com/repository.git --password=<password> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository and authenticate using a password from environment variable\n"
	  "  GIT_PASSWORD=<password> && cflux bootstrap git --url=https://example.com/repository.git --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository with a passwordless private key\n"
	  "  cflux bootstrap git --url=ssh://git@example.com/repository.git --private-key-file=<path/to/private.key> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository with a private key and password\n"
	  "  cflux bootstrap git --url=ssh://git@example.com/repository.git --private-key-file=<path/to/private.key> --password=<password> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository on AWS CodeCommit using SSH\n"
	  "  cflux bootstrap git --url=ssh://<SSH-Key-ID>@git-codecommit.<region>.amazonaws.com/v1/repos/<repository> --private-key-file=<path/to/private.key> --password=<SSH-passphrase> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository on AWS CodeCommit using HTTPS (requires AWS IAM credentials)\n"
	  "  cflux bootstrap git --url=https://git-codecommit.<region>.amazonaws.com/v1/repos/<repository> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository on Azure Devops\n"
	  "  cflux bootstrap git --url=ssh://git@ssh.dev.azure.com/v3/<org>/<project>/<repository> --private-key-file=<path/to/rsa-sha2-private.key> --ssh-hostkey-algos=rsa-sha2-512,rsa-sha2-256 --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a Git repository on Oracle VBS\n"
	  "  cflux bootstrap git --url=https://repository_url.git --with-bearer-token=true --password=<PAT> --path=clusters/my-cluster" },
	{ "bootstrap gitea", NULL, "",
	  "Deploy Flux on a cluster connected to a Gitea repository",
	  "The bootstrap gitea command creates the Gitea repository if it doesn't exists and\n"
	  "commits the Flux manifests to the specified branch.\n"
	  "Then it configures the target cluster to synchronize with that repository.\n"
	  "If the Flux components are present on the cluster,\n"
	  "the bootstrap command will perform an upgrade if needed.",
	  "  # Create a Gitea personal access token and export it as an env var\n"
	  "  export GITEA_TOKEN=<my-token>\n"
	  "\n"
	  "  # Run bootstrap for a private repository owned by a Gitea organization\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository and assign organization teams to it\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --team=<team1 slug> --team=<team2 slug> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository and assign organization teams with their access level(e.g maintain, admin) to it\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --team=<team1 slug>:<access-level> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a public repository on a personal account\n"
	  "  cflux bootstrap gitea --owner=<user> --repository=<repository name> --private=false --personal=true --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository hosted on Gitea Enterprise using SSH auth\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --hostname=<domain> --ssh-hostname=<domain> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository hosted on Gitea Enterprise using HTTPS auth\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --hostname=<domain> --token-auth --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for an existing repository with a branch named main\n"
	  "  cflux bootstrap gitea --owner=<organization> --repository=<repository name> --branch=main --path=clusters/my-cluster" },
	{ "bootstrap github", NULL, "",
	  "Deploy Flux on a cluster connected to a GitHub repository",
	  "The bootstrap github command creates the GitHub repository if it doesn't exists and\n"
	  "commits the Flux manifests to the specified branch.\n"
	  "Then it configures the target cluster to synchronize with that repository.\n"
	  "If the Flux components are present on the cluster,\n"
	  "the bootstrap command will perform an upgrade if needed.",
	  "  # Create a GitHub personal access token and export it as an env var\n"
	  "  export GITHUB_TOKEN=<my-token>\n"
	  "\n"
	  "  # Run bootstrap for a private repository owned by a GitHub organization\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository and assign organization teams to it\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --team=<team1 slug> --team=<team2 slug> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository and assign organization teams with their access level(e.g maintain, admin) to it\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --team=<team1 slug>:<access-level> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a public repository on a personal account\n"
	  "  cflux bootstrap github --owner=<user> --repository=<repository name> --private=false --personal=true --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository hosted on GitHub Enterprise using SSH auth\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --hostname=<domain> --ssh-hostname=<domain> --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for a private repository hosted on GitHub Enterprise using HTTPS auth\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --hostname=<domain> --token-auth --path=clusters/my-cluster\n"
	  "\n"
	  "  # Run bootstrap for an existing repository with a branch named main\n"
	  "  cflux bootstrap github --owner=<organization> --repository=<repository name> --branch=main --path=clusters/my-cluster" },
	{ "bootstrap gitlab", NULL, "",
	  "Deploy Flux on a cluster connected to a GitLab repository",
	  "The bootstrap gitlab command creates the GitLab repository if it doesn't exist and\n"
	  "commits the Flux manifests to the specified branch.\n"
	  "Then it configures the target cluster to synchronize with that repository.\n"
	  "If the Flux components are present on the cluster,\n"
	  "the bootstrap command will perform an upgrade if needed.",
	  "  # Create a GitLab API token and export it as an env var\n"
	  "  export GITLAB_TOKEN=<my-token>\n"
	  "\n"
	  "  # Run bootstrap for a private repository using HTTPS token authentication\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --token-auth\n"
	  "\n"
	  "  # Run bootstrap for a private repository using SSH authentication\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name>\n"
	  "\n"
	  "  # Run bootstrap for a repository path\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --path=dev-cluster\n"
	  "\n"
	  "  # Run bootstrap for a public repository\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --visibility=public  --token-auth\n"
	  "\n"
	  "  # Run bootstrap for a private repository hosted on a GitLab server\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --hostname=<gitlab_url> --token-auth\n"
	  "\n"
	  "  # Run bootstrap for an existing repository with a branch named main\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --branch=main --token-auth\n"
	  "\n"
	  "  # Run bootstrap for a private repository using Deploy Token authentication\n"
	  "  cflux bootstrap gitlab --owner=<group> --repository=<repository name> --deploy-token-auth\n"
	  "  " },
	{ "build", NULL, NULL,
	  "Build a flux resource",
	  "The build command is used to build flux resources.",
	  NULL },
	{ "build artifact", NULL, "",
	  "Build artifact",
	  "The build artifact command creates a tgz file with the manifests\n"
	  "from the given directory or a single manifest file.",
	  "  # Build the given manifests directory into an artifact\n"
	  "  cflux build artifact --path ./path/to/local/manifests --output ./path/to/artifact.tgz\n"
	  "\n"
	  "  # Build the given single manifest file into an artifact\n"
	  "  cflux build artifact --path ./path/to/local/manifest.yaml --output ./path/to/artifact.tgz\n"
	  "\n"
	  "  # List the files bundled in the artifact\n"
	  "  tar -ztvf ./path/to/artifact.tgz" },
	{ "build kustomization", "ks", "",
	  "Build Kustomization",
	  "The build command queries the Kubernetes API and fetches the specified Flux Kustomization. \n"
	  "It then uses the fetched in cluster flux kustomization to perform needed transformation on the local kustomization.yaml\n"
	  "pointed at by --path. The local kustomization.yaml is generated if it does not exist. Finally it builds the overlays using the local kustomization.yaml, and write the resulting multi-doc YAML to stdout.\n"
	  "\n"
	  "It is possible to specify a Flux kustomization file using --kustomization-file.",
	  "# Build the local manifests as they were built on the cluster\n"
	  "cflux build kustomization my-app --path ./path/to/local/manifests\n"
	  "\n"
	  "# Build using a local cflux kustomization file\n"
	  "cflux build kustomization my-app --path ./path/to/local/manifests --kustomization-file ./path/to/local/my-app.yaml\n"
	  "\n"
	  "# Build in dry-run mode without connecting to the cluster.\n"
	  "# Note that variable substitutions from Secrets and ConfigMaps are skipped in dry-run mode.\n"
	  "cflux build kustomization my-app --path ./path/to/local/manifests \\\n"
	  "\t--kustomization-file ./path/to/local/my-app.yaml \\\n"
	  "\t--dry-run\n"
	  "\n"
	  "# Exclude files by providing a comma separated list of entries that follow the .gitignore pattern fromat.\n"
	  "cflux build kustomization my-app --path ./path/to/local/manifests \\\n"
	  "\t--kustomization-file ./path/to/local/my-app.yaml \\\n"
	  "\t--ignore-paths \"/to_ignore/**/*.yaml,ignore.yaml\"\n"
	  "\n"
	  "# Run recursively on all encountered Kustomizations\n"
	  "cflux build kustomization my-app --path ./path/to/local/manifests \\\n"
	  "\t--recursive \\\n"
	  "\t--local-sources GitRepository/flux-system/my-repo=./path/to/local/git" },
	{ "check", NULL, "",
	  "Check requirements and installation",
	  "The check command will perform a series of checks to validate that\n"
	  "the local environment is configured correctly and if the installed components are healthy.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Run pre-installation checks\n"
	  "  cflux check --pre\n"
	  "\n"
	  "  # Run installation checks\n"
	  "  cflux check" },
	{ "completion", NULL, NULL,
	  "Generates completion scripts for various shells",
	  "The completion sub-command generates completion scripts for various shells.",
	  NULL },
	{ "completion bash", NULL, "",
	  "Generates bash completion scripts",
	  "The completion sub-command generates completion scripts for bash.",
	  "To load completion run\n"
	  "\n"
	  ". <(flux completion bash)\n"
	  "\n"
	  "To configure your bash shell to load completions for each session add to your bashrc\n"
	  "\n"
	  "# ~/.bashrc or ~/.profile\n"
	  "command -v cflux >/dev/null && . <(flux completion bash)" },
	{ "completion fish", NULL, "",
	  "Generates fish completion scripts",
	  "The completion sub-command generates completion scripts for fish.",
	  "To configure your fish shell to load completions for each session write this script to your completions dir:\n"
	  "\n"
	  "cflux completion fish > ~/.config/fish/completions/flux.fish\n"
	  "\n"
	  "See http://fishshell.com/docs/current/index.html#completion-own for more details" },
	{ "completion powershell", NULL, "",
	  "Generates powershell completion scripts",
	  "The completion sub-command generates completion scripts for powershell.",
	  "To load completion run\n"
	  "\n"
	  ". <(flux completion powershell)\n"
	  "\n"
	  "To configure your powershell shell to load completions for each session add to your powershell profile\n"
	  "\n"
	  "Windows:\n"
	  "\n"
	  "cd \"$env:USERPROFILE\\Documents\\WindowsPowerShell\\Modules\"\n"
	  "cflux completion powershell >> flux-completion.ps1\n"
	  "\n"
	  "Linux:\n"
	  "\n"
	  "cd \"${XDG_CONFIG_HOME:-\"$HOME/.config/\"}/powershell/modules\"\n"
	  "cflux completion powershell >> flux-completions.ps1" },
	{ "completion zsh", NULL, "",
	  "Generates zsh completion scripts",
	  "The completion sub-command generates completion scripts for zsh.",
	  "To load completion run\n"
	  "\n"
	  ". <(flux completion zsh)\n"
	  "\n"
	  "To configure your zsh shell to load completions for each session add to your zshrc\n"
	  "\n"
	  "# ~/.zshrc or ~/.profile\n"
	  "command -v cflux >/dev/null && . <(flux completion zsh)\n"
	  "\n"
	  "or write a cached file in one of the completion directories in your ${fpath}:\n"
	  "\n"
	  "echo \"${fpath// /\\n}\" | grep -i completion\n"
	  "cflux completion zsh > _flux\n"
	  "\n"
	  "mv _flux ~/.oh-my-zsh/completions  # oh-my-zsh\n"
	  "mv _flux ~/.zprezto/modules/completion/external/src/  # zprezto" },
	{ "create", NULL, NULL,
	  "Create or update sources and resources",
	  "The create sub-commands generate sources and resources.",
	  NULL },
	{ "create alert", NULL, "[name]",
	  "Create or update a Alert resource",
	  "The create alert command generates a Alert resource.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create an Alert for kustomization events\n"
	  "  cflux create alert \\\n"
	  "  --event-severity info \\\n"
	  "  --event-source Kustomization/flux-system \\\n"
	  "  --provider-ref slack \\\n"
	  "  flux-system" },
	{ "create alert-provider", NULL, "[name]",
	  "Create or update a Provider resource",
	  "The create alert-provider command generates a Provider resource.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create a Provider for a Slack channel\n"
	  "  cflux create alert-provider slack \\\n"
	  "  --type slack \\\n"
	  "  --channel general \\\n"
	  "  --address https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK \\\n"
	  "  --secret-ref webhook-url\n"
	  "\n"
	  "  # Create a Provider for a Github repository\n"
	  "  cflux create alert-provider github-podinfo \\\n"
	  "  --type github \\\n"
	  "  --address https://github.com/stefanprodan/podinfo \\\n"
	  "  --secret-ref github-token" },
	{ "create helmrelease", "hr", "[name]",
	  "Create or update a HelmRelease resource",
	  "The helmrelease create command generates a HelmRelease resource for a given HelmRepository source.",
	  "  # Create a HelmRelease with a chart from a HelmRepository source\n"
	  "  cflux create hr podinfo \\\n"
	  "    --interval=10m \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo \\\n"
	  "    --chart-version=\">4.0.0\"\n"
	  "\n"
	  "  # Create a HelmRelease with a chart from a GitRepository source\n"
	  "  cflux create hr podinfo \\\n"
	  "    --interval=10m \\\n"
	  "    --source=GitRepository/podinfo \\\n"
	  "    --chart=./charts/podinfo\n"
	  "\n"
	  "  # Create a HelmRelease with a chart from a Bucket source\n"
	  "  cflux create hr podinfo \\\n"
	  "    --interval=10m \\\n"
	  "    --source=Bucket/podinfo \\\n"
	  "    --chart=./charts/podinfo\n"
	  "\n"
	  "  # Create a HelmRelease with values from local YAML files\n"
	  "  cflux create hr podinfo \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo \\\n"
	  "    --values=./my-values1.yaml \\\n"
	  "    --values=./my-values2.yaml\n"
	  "\n"
	  "  # Create a HelmRelease with values from a Kubernetes secret\n"
	  "  kubectl -n app create secret generic my-secret-values \\\n"
	  "\t--from-file=values.yaml=/path/to/my-secret-values.yaml\n"
	  "  cflux -n app create hr podinfo \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo \\\n"
	  "    --values-from=Secret/my-secret-values\n"
	  "\n"
	  "  # Create a HelmRelease with a custom release name\n"
	  "  cflux create hr podinfo \\\n"
	  "    --release-name=podinfo-dev \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo\n"
	  "\n"
	  "  # Create a HelmRelease targeting another namespace than the resource\n"
	  "  cflux create hr podinfo \\\n"
	  "    --target-namespace=test \\\n"
	  "    --create-target-namespace=true \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo\n"
	  "\n"
	  "  # Create a HelmRelease with custom storage namespace for hub-and-spoke model\n"
	  "  cflux create hr podinfo \\\n"
	  "    --target-namespace=production \\\n"
	  "    --storage-namespace=fluxcd-system \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo\n"
	  "\n"
	  "  # Create a HelmRelease using a source from a different namespace\n"
	  "  cflux create hr podinfo \\\n"
	  "    --namespace=default \\\n"
	  "    --source=HelmRepository/podinfo.flux-system \\\n"
	  "    --chart=podinfo\n"
	  "\n"
	  "  # Create a HelmRelease definition on disk without applying it on the cluster\n"
	  "  cflux create hr podinfo \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo \\\n"
	  "    --values=./values.yaml \\\n"
	  "    --export > podinfo-release.yaml\n"
	  "\t\t\n"
	  "  # Create a HelmRelease using a chart from a HelmChart resource\n"
	  "  cflux create hr podinfo \\\n"
	  "    --namespace=default \\\n"
	  "    --chart-ref=HelmChart/podinfo.flux-system \\\n"
	  "\n"
	  "  # Create a HelmRelease using a chart from an OCIRepository resource\n"
	  "  cflux create hr podinfo \\\n"
	  "    --namespace=default \\\n"
	  "    --chart-ref=OCIRepository/podinfo.flux-system" },
	{ "create image", NULL, NULL,
	  "Create or update resources dealing with image automation",
	  "The create image sub-commands work with image automation objects;\n"
	  "that is, object controlling updates to git based on e.g., new container images\n"
	  "being available.",
	  NULL },
	{ "create image policy", NULL, "[name]",
	  "Create or update an ImagePolicy object",
	  "The create image policy command generates an ImagePolicy resource.\n"
	  "An ImagePolicy object calculates a \"latest image\" given an image\n"
	  "repository and a policy, e.g., semver.\n"
	  "\n"
	  "The image that sorts highest according to the policy is recorded in\n"
	  "the status of the object.",
	  "  # Create an ImagePolicy to select the latest stable release\n"
	  "  cflux create image policy podinfo \\\n"
	  "    --image-ref=podinfo \\\n"
	  "    --select-semver=\">=1.0.0\"\n"
	  "\n"
	  "  # Create an ImagePolicy to select the latest main branch build tagged as \"${GIT_BRANCH}-${GIT_SHA:0:7}-$(date +%s)\"\n"
	  "  cflux create image policy podinfo \\\n"
	  "    --image-ref=podinfo \\\n"
	  "    --select-numeric=asc \\\n"
	  "\t--filter-regex='^main-[a-f0-9]+-(?P<ts>[0-9]+)' \\\n"
	  "\t--filter-extract='$ts'" },
	{ "create image repository", NULL, "[name]",
	  "Create or update an ImageRepository object",
	  "The create image repository command generates an ImageRepository resource.\n"
	  "An ImageRepository object specifies an image repository to scan.",
	  "  # Create an ImageRepository object to scan the alpine image repository:\n"
	  "  cflux create image repository alpine-repo --image alpine --interval 20m\n"
	  "\n"
	  "  # Create an image repository that uses an image pull secret (assumed to\n"
	  "  # have been created already):\n"
	  "  cflux create image repository myapp-repo \\\n"
	  "    --secret-ref image-pull \\\n"
	  "    --image ghcr.io/example.com/myapp --interval 5m\n"
	  "\n"
	  "  # Create a TLS secret for a local image registry using a self-signed\n"
	  "  # host certificate, and use it to scan an image. ca.pem is a file\n"
	  "  # containing the CA certificate used to sign the host certificate.\n"
	  "  cflux create secret tls local-registry-cert --ca-file ./ca.pem\n"
	  "  cflux create image repository app-repo \\\n"
	  "    --cert-secret-ref local-registry-cert \\\n"
	  "    --image local-registry:5000/app --interval 5m\n"
	  "\n"
	  "  # Create a TLS secret with a client certificate and key, and use it\n"
	  "  # to scan a private image registry.\n"
	  "  cflux create secret tls client-cert \\\n"
	  "    --cert-file client.crt --key-file client.key\n"
	  "  cflux create image repository app-repo \\\n"
	  "    --cert-secret-ref client-cert \\\n"
	  "    --image registry.example.com/private/app --interval 5m" },
	{ "create image update", NULL, "[name]",
	  "Create or update an ImageUpdateAutomation object",
	  "The create image update command generates an ImageUpdateAutomation resource.\n"
	  "An ImageUpdateAutomation object specifies an automated update to images\n"
	  "mentioned in YAMLs in a git repository.",
	  "  # Configure image updates for the main repository created by cflux bootstrap\n"
	  "  cflux create image update flux-system \\\n"
	  "    --git-repo-ref=flux-system \\\n"
	  "    --git-repo-path=\"./clusters/my-cluster\" \\\n"
	  "    --checkout-branch=main \\\n"
	  "    --author-name=flux \\\n"
	  "    --author-email=flux@example.com \\\n"
	  "    --commit-template=\"{{range .Updated.Images}}{{println .}}{{end}}\"\n"
	  "\n"
	  "  # Configure image updates to push changes to a different branch, if the branch doesn't exists it will be created\n"
	  "  cflux create image update flux-system \\\n"
	  "    --git-repo-ref=flux-system \\\n"
	  "    --git-repo-path=\"./clusters/my-cluster\" \\\n"
	  "    --checkout-branch=main \\\n"
	  "    --push-branch=image-updates \\\n"
	  "    --author-name=flux \\\n"
	  "    --author-email=flux@example.com \\\n"
	  "    --commit-template=\"{{range .Updated.Images}}{{println .}}{{end}}\"\n"
	  "\n"
	  "  # Configure image updates for a Git repository in a different namespace\n"
	  "  cflux create image update apps \\\n"
	  "    --namespace=apps \\\n"
	  "    --git-repo-ref=flux-system \\\n"
	  "    --git-repo-namespace=flux-system \\\n"
	  "    --git-repo-path=\"./clusters/my-cluster\" \\\n"
	  "    --checkout-branch=main \\\n"
	  "    --push-branch=image-updates \\\n"
	  "    --author-name=flux \\\n"
	  "    --author-email=flux@example.com \\\n"
	  "    --commit-template=\"{{range .Updated.Images}}{{println .}}{{end}}\"" },
	{ "create kustomization", "ks", "[name]",
	  "Create or update a Kustomization resource",
	  "The create command generates a Kustomization resource for a given source.",
	  "  # Create a Kustomization resource from a source at a given path\n"
	  "  cflux create kustomization kyverno \\\n"
	  "    --source=GitRepository/kyverno \\\n"
	  "    --path=\"./config/release\" \\\n"
	  "    --prune=true \\\n"
	  "    --interval=60m \\\n"
	  "    --wait=true \\\n"
	  "    --health-check-timeout=3m\n"
	  "\n"
	  "  # Create a Kustomization resource that depends on the previous one\n"
	  "  cflux create kustomization kyverno-policies \\\n"
	  "    --depends-on=kyverno \\\n"
	  "    --source=GitRepository/kyverno-policies \\\n"
	  "    --path=\"./policies/flux\" \\\n"
	  "    --prune=true \\\n"
	  "    --interval=5m\n"
	  "\n"
	  "  # Create a Kustomization using a source from a different namespace\n"
	  "  cflux create kustomization podinfo \\\n"
	  "    --namespace=default \\\n"
	  "    --source=GitRepository/podinfo.flux-system \\\n"
	  "    --path=\"./kustomize\" \\\n"
	  "    --prune=true \\\n"
	  "    --interval=5m\n"
	  "\n"
	  "  # Create a Kustomization resource that references an OCIRepository\n"
	  "  cflux create kustomization podinfo \\\n"
	  "    --source=OCIRepository/podinfo \\\n"
	  "    --target-namespace=default \\\n"
	  "    --prune=true \\\n"
	  "    --interval=5m\n"
	  "\n"
	  "  # Create a Kustomization resource that references a Bucket\n"
	  "  cflux create kustomization secrets \\\n"
	  "    --source=Bucket/secrets \\\n"
	  "    --prune=true \\\n"
	  "    --interval=5m" },
	{ "create receiver", NULL, "[name]",
	  "Create or update a Receiver resource",
	  "The create receiver command generates a Receiver resource.",
	  "  # Create a Receiver\n"
	  "  cflux create receiver github-receiver \\\n"
	  "\t--type github \\\n"
	  "\t--event ping \\\n"
	  "\t--event push \\\n"
	  "\t--secret-ref webhook-token \\\n"
	  "\t--resource GitRepository/webapp \\\n"
	  "\t--resource HelmRepository/webapp" },
	{ "create secret", NULL, NULL,
	  "Create or update Kubernetes secrets",
	  "The create source sub-commands generate Kubernetes secrets specific to Flux.",
	  NULL },
	{ "create secret git", NULL, "[name]",
	  "Create or update a Kubernetes secret for Git authentication",
	  "The create secret git command generates a Kubernetes secret with Git credentials.\n"
	  "For Git over SSH, the host and SSH keys are automatically generated and stored\n"
	  "in the secret.\n"
	  "For Git over HTTP/S, the provided basic authentication credentials or bearer\n"
	  "authentication token are stored in the secret.",
	  "  # Create a Git SSH authentication secret using an ECDSA P-521 curve public key\n"
	  "\n"
	  "  cflux create secret git podinfo-auth \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --ssh-key-algorithm=ecdsa \\\n"
	  "    --ssh-ecdsa-curve=p521\n"
	  "\n"
	  "  # Create a Git SSH authentication secret with a passwordless private key from file\n"
	  "  # The public SSH host key will still be gathered from the host\n"
	  "  cflux create secret git podinfo-auth \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --private-key-file=./private.key\n"
	  "\n"
	  "  # Create a Git SSH authentication secret with a passworded private key from file\n"
	  "  # The public SSH host key will still be gathered from the host\n"
	  "  cflux create secret git podinfo-auth \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --private-key-file=./private.key \\\n"
	  "    --password=<password>\n"
	  "\n"
	  "  # Create a secret for a Git repository using basic authentication\n"
	  "  cflux create secret git podinfo-auth \\\n"
	  "    --url=https://github.com/stefanprodan/podinfo \\\n"
	  "    --username=username \\\n"
	  "    --password=password\n"
	  "\n"
	  "  # Create a Git SSH secret on disk\n"
	  "  cflux create secret git podinfo-auth \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --export > podinfo-auth.yaml\n"
	  "\n"
	  "  # Print the deploy key\n"
	  "  yq eval '.stringData.\"identity.pub\"' podinfo-auth.yaml\n"
	  "\n"
	  "  # Encrypt the secret on disk with Mozilla SOPS\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place podinfo-auth.yaml" },
	{ "create secret githubapp", NULL, "[name]",
	  "Create or update a github app secret",
	  "The create secret githubapp command generates a Kubernetes secret that can be used for GitRepository authentication with github app\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create a githubapp authentication secret on disk and encrypt it with Mozilla SOPS\n"
	  "  cflux create secret githubapp podinfo-auth \\\n"
	  "    --app-id=\"1\" \\\n"
	  "    --app-installation-id=\"2\" \\\n"
	  "    --app-private-key=./private-key-file.pem \\\n"
	  "    --export > githubapp-auth.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place githubapp-auth.yaml\n"
	  "\t" },
	{ "create secret helm", NULL, "[name]",
	  "Create or update a Kubernetes secret for Helm repository authentication",
	  "The create secret helm command generates a Kubernetes secret with basic authentication credentials.",
	  " # Create a Helm authentication secret on disk and encrypt it with Mozilla SOPS\n"
	  "  cflux create secret helm repo-auth \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --username=my-username \\\n"
	  "    --password=my-password \\\n"
	  "    --export > repo-auth.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place repo-auth.yaml" },
	{ "create secret oci", NULL, "[name]",
	  "Create or update a Kubernetes image pull secret",
	  "The create secret oci command generates a Kubernetes secret that can be used for OCIRepository authentication\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create an OCI authentication secret on disk and encrypt it with Mozilla SOPS\n"
	  "  cflux create secret oci podinfo-auth \\\n"
	  "    --url=ghcr.io \\\n"
	  "    --username=username \\\n"
	  "    --password=password \\\n"
	  "    --export > repo-auth.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place repo-auth.yaml\n"
	  "\t" },
	{ "create secret notation", NULL, "[name]",
	  "Create or update a Kubernetes secret for verifications of artifacts signed by Notation",
	  "The create secret notation command generates a Kubernetes secret with root ca certificates and trust policy.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  " # Create a Notation configuration secret on disk and encrypt it with Mozilla SOPS\n"
	  "  cflux create secret notation my-notation-cert \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --trust-policy-file=./my-trust-policy.json \\\n"
	  "    --ca-cert-file=./my-cert.crt \\\n"
	  "    --export > my-notation-cert.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place my-notation-cert.yaml" },
	{ "create secret proxy", NULL, "[name]",
	  "Create or update a Kubernetes secret for proxy authentication",
	  "The create secret proxy command generates a Kubernetes secret with the\n"
	  "proxy address and the basic authentication credentials.",
	  " # Create a proxy secret on disk and encrypt it with SOPS\n"
	  "  cflux create secret proxy my-proxy \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --address=https://my-proxy.com \\\n"
	  "    --username=my-username \\\n"
	  "    --password=my-password \\\n"
	  "    --export > proxy.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place proxy.yaml" },
	{ "create secret receiver", NULL, "[name]",
	  "Create or update a Kubernetes secret for a Receiver webhook",
	  "The create secret receiver command generates a Kubernetes secret with\n"
	  "the token used for webhook payload validation and an annotation with the\n"
	  "computed webhook URL.",
	  "  # Create a receiver secret for a GitHub webhook\n"
	  "  cflux create secret receiver github-receiver \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --type=github \\\n"
	  "    --hostname=flux.example.com \\\n"
	  "    --export\n"
	  "\n"
	  "  # Create a receiver secret for GCR with email claim\n"
	  "  cflux create secret receiver gcr-receiver \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --type=gcr \\\n"
	  "    --hostname=flux.example.com \\\n"
	  "    --email-claim=sa@project.iam.gserviceaccount.com \\\n"
	  "    --export" },
	{ "create secret tls", NULL, "[name]",
	  "Create or update a Kubernetes secret with TLS certificates",
	  "The create secret tls command generates a Kubernetes secret with certificates for use with TLS.",
	  " # Create a TLS secret on disk and encrypt it with SOPS.\n"
	  "  # Files are expected to be PEM-encoded.\n"
	  "  cflux create secret tls certs \\\n"
	  "    --namespace=my-namespace \\\n"
	  "    --tls-crt-file=./client.crt \\\n"
	  "    --tls-key-file=./client.key \\\n"
	  "    --ca-crt-file=./ca.crt \\\n"
	  "    --export > certs.yaml\n"
	  "\n"
	  "  sops --encrypt --encrypted-regex '^(data|stringData)$' \\\n"
	  "    --in-place certs.yaml" },
	{ "create source", NULL, NULL,
	  "Create or update sources",
	  "The create source sub-commands generate sources.",
	  NULL },
	{ "create source bucket", NULL, "[name]",
	  "Create or update a Bucket source",
	  "The create source bucket command generates a Bucket resource and waits for it to be downloaded.\n"
	  "For Buckets with static authentication, the credentials are stored in a Kubernetes secret.",
	  "  # Create a source for a Bucket using static authentication\n"
	  "  cflux create source bucket podinfo \\\n"
	  "\t--bucket-name=podinfo \\\n"
	  "    --endpoint=minio.minio.svc.cluster.local:9000 \\\n"
	  "\t--insecure=true \\\n"
	  "\t--access-key=myaccesskey \\\n"
	  "\t--secret-key=mysecretkey \\\n"
	  "    --interval=10m\n"
	  "\n"
	  "  # Create a source for an Amazon S3 Bucket using IAM authentication\n"
	  "  cflux create source bucket podinfo \\\n"
	  "\t--bucket-name=podinfo \\\n"
	  "\t--provider=aws \\\n"
	  "    --endpoint=s3.amazonaws.com \\\n"
	  "\t--region=us-east-1 \\\n"
	  "    --interval=10m" },
	{ "create source chart", NULL, "[name]",
	  "Create or update a HelmChart source",
	  "The create source chart command generates a HelmChart resource and waits for the chart to be available.",
	  "  # Create a source for a chart residing in a HelmRepository\n"
	  "  cflux create source chart podinfo \\\n"
	  "    --source=HelmRepository/podinfo \\\n"
	  "    --chart=podinfo \\\n"
	  "    --chart-version=6.x\n"
	  "\n"
	  "  # Create a source for a chart residing in a Git repository\n"
	  "  cflux create source chart podinfo \\\n"
	  "    --source=GitRepository/podinfo \\\n"
	  "    --chart=./charts/podinfo\n"
	  "\n"
	  "  # Create a source for a chart residing in a S3 Bucket\n"
	  "  cflux create source chart podinfo \\\n"
	  "    --source=Bucket/podinfo \\\n"
	  "    --chart=./charts/podinfo\n"
	  "\n"
	  "  # Create a source for a chart from OCI and verify its signature\n"
	  "  cflux create source chart podinfo \\\n"
	  "    --source HelmRepository/podinfo \\\n"
	  "    --chart podinfo \\\n"
	  "    --chart-version=6.6.2 \\\n"
	  "    --verify-provider=cosign \\\n"
	  "    --verify-issuer=https://token.actions.githubusercontent.com \\\n"
	  "    --verify-subject=https://github.com/stefanprodan/podinfo/.github/workflows/release.yml@refs/tags/6.6.2" },
	{ "create source git", NULL, "[name]",
	  "Create or update a GitRepository source",
	  "The create source git command generates a GitRepository resource and waits for it to sync.\n"
	  "For Git over SSH, host and SSH keys are automatically generated and stored in a Kubernetes secret.\n"
	  "For private Git repositories, the basic authentication credentials are stored in a Kubernetes secret.",
	  "  # Create a source from a public Git repository master branch\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master\n"
	  "\n"
	  "  # Create a source for a Git repository pinned to specific git tag\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://github.com/stefanprodan/podinfo \\\n"
	  "    --tag=\"3.2.3\"\n"
	  "\n"
	  "  # Create a source from a public Git repository tag that matches a semver range\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://github.com/stefanprodan/podinfo \\\n"
	  "    --tag-semver=\">=3.2.0 <3.3.0\"\n"
	  "\n"
	  "  # Create a source for a Git repository using SSH authentication\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master\n"
	  "\n"
	  "  # Create a source for a Git repository using SSH authentication and an\n"
	  "  # ECDSA P-521 curve public key\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --ssh-key-algorithm=ecdsa \\\n"
	  "    --ssh-ecdsa-curve=p521\n"
	  "\n"
	  "  # Create a source for a Git repository using SSH authentication and a\n"
	  "  #\tpasswordless private key from file\n"
	  "  # The public SSH host key will still be gathered from the host\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --private-key-file=./private.key\n"
	  "\n"
	  "  # Create a source for a Git repository using SSH authentication and a\n"
	  "  # private key with a password from file\n"
	  "  # The public SSH host key will still be gathered from the host\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=ssh://git@github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --private-key-file=./private.key \\\n"
	  "    --password=<password>\n"
	  "\n"
	  "  # Create a source for a Git repository using basic authentication\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://github.com/stefanprodan/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --username=username \\\n"
	  "    --password=password\n"
	  "\n"
	  "  # Create a source for a Git repository using AWS CodeCommit with IAM credentials\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://git-codecommit.<region>.amazonaws.com/v1/repos/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --provider=aws\n"
	  "\n"
	  "  # Create a source for a Git repository using azure provider\n"
	  "  cflux create source git podinfo \\\n"
	  "    --url=https://dev.azure.com/foo/bar/_git/podinfo \\\n"
	  "    --branch=master \\\n"
	  "    --provider=azure" },
	{ "create source helm", NULL, "[name]",
	  "Create or update a HelmRepository source",
	  "The create source helm command generates a HelmRepository resource and waits for it to fetch the index.\n"
	  "For private Helm repositories, the basic authentication credentials are stored in a Kubernetes secret.",
	  "  # Create a source for an HTTPS public Helm repository\n"
	  "  cflux create source helm podinfo \\\n"
	  "    --url=https://stefanprodan.github.io/podinfo \\\n"
	  "    --interval=10m\n"
	  "\n"
	  "  # Create a source for an HTTPS Helm repository using basic authentication\n"
	  "  cflux create source helm podinfo \\\n"
	  "    --url=https://stefanprodan.github.io/podinfo \\\n"
	  "    --username=username \\\n"
	  "    --password=password\n"
	  "\n"
	  "  # Create a source for an HTTPS Helm repository using TLS authentication\n"
	  "  cflux create source helm podinfo \\\n"
	  "    --url=https://stefanprodan.github.io/podinfo \\\n"
	  "    --cert-file=./cert.crt \\\n"
	  "    --key-file=./key.crt \\\n"
	  "    --ca-file=./ca.crt\n"
	  "\n"
	  "  # Create a source for an OCI Helm repository\n"
	  "  cflux create source helm podinfo \\\n"
	  "    --url=oci://ghcr.io/stefanprodan/charts/podinfo \\\n"
	  "    --username=username \\\n"
	  "    --password=password\n"
	  "\n"
	  "  # Create a source for an OCI Helm repository using an existing secret with basic auth or dockerconfig credentials\n"
	  "  cflux create source helm podinfo \\\n"
	  "    --url=oci://ghcr.io/stefanprodan/charts/podinfo \\\n"
	  "    --secret-ref=docker-config" },
	{ "create source oci", NULL, "[name]",
	  "Create or update an OCIRepository",
	  "The create source oci command generates an OCIRepository resource and waits for it to be ready.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create an OCIRepository for a public container image\n"
	  "  cflux create source oci podinfo \\\n"
	  "    --url=oci://ghcr.io/stefanprodan/manifests/podinfo \\\n"
	  "    --tag=6.6.2 \\\n"
	  "    --interval=10m\n"
	  "\n"
	  "  # Create an OCIRepository with OIDC signature verification\n"
	  "  cflux create source oci podinfo \\\n"
	  "    --url=oci://ghcr.io/stefanprodan/manifests/podinfo \\\n"
	  "    --tag=6.6.2 \\\n"
	  "    --interval=10m \\\n"
	  "    --verify-provider=cosign \\\n"
	  "    --verify-subject=\"^https://github.com/stefanprodan/podinfo/.github/workflows/release.yml@refs/tags/6.6.2$\" \\\n"
	  "    --verify-issuer=\"^https://token.actions.githubusercontent.com$\"\n"
	  "\n"
	  "  # Create an OCIRepository for a Helm chart layer\n"
	  "  cflux create source oci valkey-cluster \\\n"
	  "    --url=oci://example.com/charts/valkey \\\n"
	  "    --tag=0.11.6 \\\n"
	  "    --layer-selector=application/vnd.cncf.helm.chart.content.v1.tar+gzip:copy" },
	{ "create tenant", NULL, "",
	  "Create or update a tenant",
	  "The create tenant command generates namespaces, service accounts and role bindings to limit the\n"
	  "reconcilers scope to the tenant namespaces.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Create a tenant with access to a namespace \n"
	  "  cflux create tenant dev-team \\\n"
	  "    --with-namespace=frontend \\\n"
	  "    --label=environment=dev\n"
	  "\n"
	  "  # Generate tenant namespaces and role bindings in YAML format\n"
	  "  cflux create tenant dev-team \\\n"
	  "    --with-namespace=frontend \\\n"
	  "    --with-namespace=backend \\\n"
	  "\t--export > dev-team.yaml" },
	{ "debug", NULL, NULL,
	  "Debug a flux resource",
	  "The debug command can be used to troubleshoot failing resource reconciliations.",
	  NULL },
	{ "debug helmrelease", "hr", "[name]",
	  "Debug a HelmRelease resource",
	  "The debug helmrelease command can be used to troubleshoot failing Helm release reconciliations.\n"
	  "WARNING: This command will print sensitive information if Kubernetes Secrets are referenced in the HelmRelease .spec.valuesFrom field.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Print the status of a Helm release\n"
	  "  cflux debug hr podinfo --show-status\n"
	  "\n"
	  "  # Export the final values of a Helm release composed from referred ConfigMaps and Secrets\n"
	  "  cflux debug hr podinfo --show-values > values.yaml\n"
	  "\n"
	  "  # Print the reconciliation history of a Helm release\n"
	  "  cflux debug hr podinfo --show-history" },
	{ "debug kustomization", "ks", "[name]",
	  "Debug a Flux Kustomization resource",
	  "The debug kustomization command can be used to troubleshoot failing Flux Kustomization reconciliations.\n"
	  "WARNING: This command will print sensitive information if Kubernetes Secrets are referenced in the Kustomization .spec.postBuild.substituteFrom field.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Print the status of a Flux Kustomization\n"
	  "  cflux debug ks podinfo --show-status\n"
	  "\n"
	  "  # Export the final variables used for post-build substitutions composed from referred ConfigMaps and Secrets\n"
	  "  cflux debug ks podinfo --show-vars > vars.env\n"
	  "\n"
	  "  # Print the reconciliation history of a Flux Kustomization\n"
	  "  cflux debug ks podinfo --show-history" },
	{ "delete", NULL, NULL,
	  "Delete sources and resources",
	  "The delete sub-commands delete sources and resources.",
	  NULL },
	{ "delete alert", NULL, "[name]",
	  "Delete a Alert resource",
	  "The delete alert command removes the given Alert from the cluster.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Delete an Alert and the Kubernetes resources created by it\n"
	  "  cflux delete alert main" },
	{ "delete alert-provider", NULL, "[name]",
	  "Delete a Provider resource",
	  "The delete alert-provider command removes the given Provider from the cluster.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Delete a Provider and the Kubernetes resources created by it\n"
	  "  cflux delete alert-provider slack" },
	{ "delete helmrelease", "hr", "[name]",
	  "Delete a HelmRelease resource",
	  "The delete helmrelease command removes the given HelmRelease from the cluster.",
	  "  # Delete a Helm release and the Kubernetes resources created by it\n"
	  "  cflux delete hr podinfo" },
	{ "delete image", NULL, NULL,
	  "Delete image automation objects",
	  "The delete image sub-commands delete image automation objects.",
	  NULL },
	{ "delete image policy", NULL, "[name]",
	  "Delete an ImagePolicy object",
	  "The delete image policy command deletes the given ImagePolicy from the cluster.",
	  "  # Delete an image policy\n"
	  "  cflux delete image policy alpine3.x" },
	{ "delete image repository", NULL, "[name]",
	  "Delete an ImageRepository object",
	  "The delete image repository command deletes the given ImageRepository from the cluster.",
	  "  # Delete an image repository\n"
	  "  cflux delete image repository alpine" },
	{ "delete image update", NULL, "[name]",
	  "Delete an ImageUpdateAutomation object",
	  "The delete image update command deletes the given ImageUpdateAutomation from the cluster.",
	  "  # Delete an image update automation\n"
	  "  cflux delete image update latest-images" },
	{ "delete kustomization", "ks", "[name]",
	  "Delete a Kustomization resource",
	  "The delete kustomization command deletes the given Kustomization from the cluster.",
	  "  # Delete a kustomization and the Kubernetes resources created by it when prune is enabled\n"
	  "  cflux delete kustomization podinfo" },
	{ "delete receiver", NULL, "[name]",
	  "Delete a Receiver resource",
	  "The delete receiver command removes the given Receiver from the cluster.",
	  "  # Delete an Receiver and the Kubernetes resources created by it\n"
	  "  cflux delete receiver main" },
	{ "delete source", NULL, NULL,
	  "Delete sources",
	  "The delete source sub-commands delete sources.",
	  NULL },
	{ "delete source bucket", NULL, "[name]",
	  "Delete a Bucket source",
	  "The delete source bucket command deletes the given Bucket from the cluster.",
	  "  # Delete a Bucket source\n"
	  "  cflux delete source bucket podinfo" },
	{ "delete source chart", NULL, "[name]",
	  "Delete a HelmChart source",
	  "The delete source chart command deletes the given HelmChart from the cluster.",
	  "  # Delete a HelmChart\n"
	  "  cflux delete source chart podinfo" },
	{ "delete source git", NULL, "[name]",
	  "Delete a GitRepository source",
	  "The delete source git command deletes the given GitRepository from the cluster.",
	  "  # Delete a Git repository\n"
	  "  cflux delete source git podinfo" },
	{ "delete source helm", NULL, "[name]",
	  "Delete a HelmRepository source",
	  "The delete source helm command deletes the given HelmRepository from the cluster.",
	  "  # Delete a Helm repository\n"
	  "  cflux delete source helm podinfo" },
	{ "delete source oci", NULL, "[name]",
	  "Delete an OCIRepository source",
	  "The delete source oci command deletes the given OCIRepository from the cluster.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Delete an OCIRepository \n"
	  "  cflux delete source oci podinfo" },
	{ "diff", NULL, NULL,
	  "Diff a flux resource",
	  "The diff command is used to do a server-side dry-run on flux resources, then prints the diff.",
	  NULL },
	{ "diff artifact", NULL, "",
	  "Diff Artifact",
	  "The diff artifact command computes the diff between the remote OCI artifact and a local directory or file",
	  "# Check if local files differ from remote\n"
	  "cflux diff artifact oci://ghcr.io/stefanprodan/manifests:podinfo:6.2.0 --path=./kustomize" },
	{ "diff kustomization", "ks", "",
	  "Diff Kustomization",
	  "The diff command does a build, then it performs a server-side dry-run and prints the diff.\n"
	  "Exit status: 0 No differences were found. 1 Differences were found. >1 diff failed with an error.",
	  "# Preview local changes as they were applied on the cluster\n"
	  "cflux diff kustomization my-app --path ./path/to/local/manifests\n"
	  "\n"
	  "# Preview using a local cflux kustomization file\n"
	  "cflux diff kustomization my-app --path ./path/to/local/manifests \\\n"
	  "\t--kustomization-file ./path/to/local/my-app.yaml\n"
	  "\n"
	  "# Exclude files by providing a comma separated list of entries that follow the .gitignore pattern fromat.\n"
	  "cflux diff kustomization my-app --path ./path/to/local/manifests \\\n"
	  "\t--kustomization-file ./path/to/local/my-app.yaml \\\n"
	  "\t--ignore-paths \"/to_ignore/**/*.yaml,ignore.yaml\"\n"
	  "\n"
	  "# Run recursively on all encountered Kustomizations\n"
	  "cflux diff kustomization my-app --path ./path/to/local/manifests \\\n"
	  "    --recursive \\\n"
	  "    --local-sources GitRepository/flux-system/my-repo=./path/to/local/git" },
	{ "envsubst", NULL, "",
	  "envsubst substitutes the values of environment variables",
	  "The envsubst command substitutes the values of environment variables\n"
	  "in the string piped as standard input and writes the result to the standard output. This command can be used\n"
	  "to replicate the behavior of the Flux Kustomization post-build substitutions.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Run env var substitutions on the kustomization build output\n"
	  "  export cluster_region=eu-central-1\n"
	  "  kustomize build . | cflux envsubst\n"
	  "\n"
	  "  # Run env var substitutions and error out if a variable is not set\n"
	  "  kustomize build . | cflux envsubst --strict" },
	{ "events", NULL, "",
	  "Display Kubernetes events for Flux resources",
	  "The events sub-command shows Kubernetes events from Flux resources\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  " # Display events for cflux resources in default namespace\n"
	  "\tcflux events -n default\n"
	  "\t\n"
	  "\t# Display events for cflux resources in all namespaces\n"
	  "\tcflux events -A\n"
	  "\n"
	  "\t# Display events for a Kustomization named podinfo\n"
	  "\tcflux events --for Kustomization/podinfo\n"
	  "\n"
	  "\t# Display events for all Kustomizations in default namespace\n"
	  "\tcflux events --for Kustomization -n default\n"
	  "\n"
	  "\t# Display warning events for alert resources\n"
	  "\tcflux events --for Alert/podinfo --types warning" },
	{ "export", NULL, NULL,
	  "Export resources in YAML format",
	  "The export sub-commands export resources in YAML format.",
	  NULL },
	{ "export alert", NULL, "[name]",
	  "Export Alert resources in YAML format",
	  "The export alert command exports one or all Alert resources in YAML format.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Export all Alert resources\n"
	  "  cflux export alert --all > alerts.yaml\n"
	  "\n"
	  "  # Export a Alert\n"
	  "  cflux export alert main > main.yaml" },
	{ "export alert-provider", NULL, "[name]",
	  "Export Provider resources in YAML format",
	  "The export alert-provider command exports one or all Provider resources in YAML format.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Export all Provider resources\n"
	  "  cflux export alert-provider --all > alert-providers.yaml\n"
	  "\n"
	  "  # Export a Provider\n"
	  "  cflux export alert-provider slack > slack.yaml" },
	{ "export helmrelease", "hr", "[name]",
	  "Export HelmRelease resources in YAML format",
	  "The export helmrelease command exports one or all HelmRelease resources in YAML format.",
	  "  # Export all HelmRelease resources\n"
	  "  cflux export helmrelease --all > kustomizations.yaml\n"
	  "\n"
	  "  # Export a HelmRelease\n"
	  "  cflux export hr my-app > app-release.yaml" },
	{ "export image", NULL, NULL,
	  "Export image automation objects",
	  "The export image sub-commands export image automation objects in YAML format.",
	  NULL },
	{ "export image policy", NULL, "[name]",
	  "Export ImagePolicy resources in YAML format",
	  "The export image policy command exports one or all ImagePolicy resources in YAML format.",
	  "  # Export all ImagePolicy resources\n"
	  "  cflux export image policy --all > image-policies.yaml\n"
	  "\n"
	  "  # Export a specific policy\n"
	  "  cflux export image policy alpine1x > alpine1x.yaml" },
	{ "export image repository", NULL, "[name]",
	  "Export ImageRepository resources in YAML format",
	  "The export image repository command exports one or all ImageRepository resources in YAML format.",
	  "  # Export all ImageRepository resources\n"
	  "  cflux export image repository --all > image-repositories.yaml\n"
	  "\n"
	  "  # Export a specific ImageRepository resource\n"
	  "  cflux export image repository alpine > alpine.yaml" },
	{ "export image update", NULL, "[name]",
	  "Export ImageUpdateAutomation resources in YAML format",
	  "The export image update command exports one or all ImageUpdateAutomation resources in YAML format.",
	  "  # Export all ImageUpdateAutomation resources\n"
	  "  cflux export image update --all > updates.yaml\n"
	  "\n"
	  "  # Export a specific automation\n"
	  "  cflux export image update latest-images > latest.yaml" },
	{ "export kustomization", "ks", "[name]",
	  "Export Kustomization resources in YAML format",
	  "The export kustomization command exports one or all Kustomization resources in YAML format.",
	  "  # Export all Kustomization resources\n"
	  "  cflux export kustomization --all > kustomizations.yaml\n"
	  "\n"
	  "  # Export a Kustomization\n"
	  "  cflux export kustomization my-app > kustomization.yaml" },
	{ "export receiver", NULL, "[name]",
	  "Export Receiver resources in YAML format",
	  "The export receiver command exports one or all Receiver resources in YAML format.",
	  "  # Export all Receiver resources\n"
	  "  cflux export receiver --all > receivers.yaml\n"
	  "\n"
	  "  # Export a Receiver\n"
	  "  cflux export receiver main > main.yaml" },
	{ "export source", NULL, NULL,
	  "Export sources",
	  "The export source sub-commands export sources in YAML format.",
	  NULL },
	{ "export source bucket", NULL, "[name]",
	  "Export Bucket sources in YAML format",
	  "The export source git command exports one or all Bucket sources in YAML format.",
	  "  # Export all Bucket sources\n"
	  "  cflux export source bucket --all > sources.yaml\n"
	  "\n"
	  "  # Export a Bucket source including the static credentials\n"
	  "  cflux export source bucket my-bucket --with-credentials > source.yaml" },
	{ "export source chart", NULL, "[name]",
	  "Export HelmChart sources in YAML format",
	  "The export source chart command exports one or all HelmChart sources in YAML format.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Export all chart sources\n"
	  "  cflux export source chart --all > sources.yaml" },
	{ "export source git", NULL, "[name]",
	  "Export GitRepository sources in YAML format",
	  "The export source git command exports one or all GitRepository sources in YAML format.",
	  "  # Export all GitRepository sources\n"
	  "  cflux export source git --all > sources.yaml\n"
	  "\n"
	  "  # Export a GitRepository source including the SSH key pair or basic auth credentials\n"
	  "  cflux export source git my-private-repo --with-credentials > source.yaml" },
	{ "export source helm", NULL, "[name]",
	  "Export HelmRepository sources in YAML format",
	  "The export source git command exports one or all HelmRepository sources in YAML format.",
	  "  # Export all HelmRepository sources\n"
	  "  cflux export source helm --all > sources.yaml\n"
	  "\n"
	  "  # Export a HelmRepository source including the basic auth credentials\n"
	  "  cflux export source helm my-private-repo --with-credentials > source.yaml" },
	{ "export source oci", NULL, "[name]",
	  "Export OCIRepository sources in YAML format",
	  "The export source oci command exports one or all OCIRepository sources in YAML format.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Export all OCIRepository sources\n"
	  "  cflux export source oci --all > sources.yaml\n"
	  "\n"
	  "  # Export a OCIRepository including the static credentials\n"
	  "  cflux export source oci my-app --with-credentials > source.yaml" },
	{ "get", NULL, NULL,
	  "Get the resources and their status",
	  "The get sub-commands print the statuses of Flux resources.",
	  NULL },
	{ "get alert-providers", "alert-provider", "",
	  "Get Provider statuses",
	  "The get alert-provider command prints the statuses of the resources.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # List all Providers and their status\n"
	  "  cflux get alert-providers" },
	{ "get alerts", "alert", "",
	  "Get Alert statuses",
	  "The get alert command prints the statuses of the resources.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # List all Alerts and their status\n"
	  "  cflux get alerts" },
	{ "get all", NULL, "",
	  "Get all resources and statuses",
	  "The get all command print the statuses of all resources.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # List all resources in a namespace\n"
	  "  cflux get all --namespace=flux-system\n"
	  "\n"
	  "  # List all resources in all namespaces\n"
	  "  cflux get all --all-namespaces" },
	{ "get helmreleases", "hr,helmrelease", "",
	  "Get HelmRelease statuses",
	  "The get helmreleases command prints the statuses of the resources.",
	  "  # List all Helm releases and their status\n"
	  "  cflux get helmreleases\n"
	  "\n"
	  "  # List all Helm releases with source information\n"
	  "  cflux get helmreleases --show-source" },
	{ "get images", "image", NULL,
	  "Get image automation object status",
	  "The get image sub-commands print the status of image automation objects.",
	  NULL },
	{ "get images all", NULL, "",
	  "Get all image statuses",
	  "The get image sub-commands print the statuses of all image objects.",
	  "  # List all image objects in a namespace\n"
	  "  cflux get images all --namespace=flux-system\n"
	  "\n"
	  "  # List all image objects in all namespaces\n"
	  "  cflux get images all --all-namespaces" },
	{ "get images policy", NULL, "",
	  "Get ImagePolicy status",
	  "The get image policy command prints the status of ImagePolicy objects.",
	  "  # List all image policies and their status\n"
	  "  cflux get image policy\n"
	  "\n"
	  " # List image policies from all namespaces\n"
	  "  cflux get image policy --all-namespaces" },
	{ "get images repository", NULL, "",
	  "Get ImageRepository status",
	  "The get image repository command prints the status of ImageRepository objects.",
	  "  # List all image repositories and their status\n"
	  "  cflux get image repository\n"
	  "\n"
	  " # List image repositories from all namespaces\n"
	  "  cflux get image repository --all-namespaces" },
	{ "get images update", NULL, "",
	  "Get ImageUpdateAutomation status",
	  "The get image update command prints the status of ImageUpdateAutomation objects.",
	  "  # List all image update automation object and their status\n"
	  "  cflux get image update\n"
	  "\n"
	  " # List image update automations from all namespaces\n"
	  "  cflux get image update --all-namespaces" },
	{ "get kustomizations", "ks,kustomization", "",
	  "Get Kustomization statuses",
	  "The get kustomizations command prints the statuses of the resources.",
	  "  # List all kustomizations and their status\n"
	  "  cflux get kustomizations\n"
	  "\n"
	  "  # List all kustomizations with source information\n"
	  "  cflux get kustomizations --show-source" },
	{ "get receivers", "receiver", "",
	  "Get Receiver statuses",
	  "The get receiver command prints the statuses of the resources.",
	  "  # List all Receiver and their status\n"
	  "  cflux get receivers" },
	{ "get sources", "source", NULL,
	  "Get source statuses",
	  "The get source sub-commands print the statuses of the sources.",
	  NULL },
	{ "get sources all", NULL, "",
	  "Get all source statuses",
	  "The get sources all command print the statuses of all sources.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # List all sources in a namespace\n"
	  "  cflux get sources all --namespace=flux-system\n"
	  "\n"
	  "  # List all sources in all namespaces\n"
	  "  cflux get sources all --all-namespaces" },
	{ "get sources bucket", NULL, "",
	  "Get Bucket source statuses",
	  "The get sources bucket command prints the status of the Bucket sources.",
	  "  # List all Buckets and their status\n"
	  "  cflux get sources bucket\n"
	  "\n"
	  " # List buckets from all namespaces\n"
	  "  cflux get sources helm --all-namespaces" },
	{ "get sources chart", NULL, "",
	  "Get HelmChart statuses",
	  "The get sources chart command prints the status of the HelmCharts.",
	  "  # List all Helm charts and their status\n"
	  "  cflux get sources chart\n"
	  "\n"
	  " # List Helm charts from all namespaces\n"
	  "  cflux get sources chart --all-namespaces" },
	{ "get sources git", NULL, "",
	  "Get GitRepository source statuses",
	  "The get sources git command prints the status of the GitRepository sources.",
	  "  # List all Git repositories and their status\n"
	  "  cflux get sources git\n"
	  "\n"
	  " # List Git repositories from all namespaces\n"
	  "  cflux get sources git --all-namespaces" },
	{ "get sources helm", NULL, "",
	  "Get HelmRepository source statuses",
	  "The get sources helm command prints the status of the HelmRepository sources.",
	  "  # List all Helm repositories and their status\n"
	  "  cflux get sources helm\n"
	  "\n"
	  " # List Helm repositories from all namespaces\n"
	  "  cflux get sources helm --all-namespaces" },
	{ "get sources oci", NULL, "",
	  "Get OCIRepository status",
	  "The get sources oci command prints the status of the OCIRepository sources.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # List all OCIRepositories and their status\n"
	  "  cflux get sources oci\n"
	  "\n"
	  "  # List OCIRepositories from all namespaces\n"
	  "  cflux get sources oci --all-namespaces" },
	{ "install", NULL, "",
	  "Install or upgrade Flux",
	  "The install command deploys Flux in the specified namespace.\n"
	  "If a previous version is installed, then an in-place upgrade will be performed.",
	  "  # Install the latest version in the flux-system namespace\n"
	  "  cflux install --namespace=flux-system\n"
	  "\n"
	  "  # Install a specific series of components\n"
	  "  cflux install --components=\"source-controller,kustomize-controller\"\n"
	  "\n"
	  "  # Install all components including the image automation ones\n"
	  "  cflux install --components-extra=\"image-reflector-controller,image-automation-controller\"\n"
	  "\n"
	  "  # Install all components including source-watcher\n"
	  "  cflux install --components-extra=\"source-watcher\"\n"
	  "\n"
	  "  # Install Flux onto tainted Kubernetes nodes\n"
	  "  cflux install --toleration-keys=node.kubernetes.io/dedicated-to-flux\n"
	  "\n"
	  "  # Dry-run install\n"
	  "  cflux install --export | kubectl apply --dry-run=client -f-\n"
	  "\n"
	  "  # Write install manifests to file\n"
	  "  cflux install --export > flux-system.yaml" },
	{ "list", NULL, NULL,
	  "List artifacts",
	  "The list command is used for printing the OCI artifacts metadata.",
	  NULL },
	{ "list artifacts", NULL, "",
	  "list artifacts",
	  "The list command fetches the tags and their metadata from a remote OCI repository.\n"
	  "The command can read the credentials from '~/.docker/config.json' but they can also be passed with --creds. It can also login to a supported provider with the --provider flag.",
	  "  # List the artifacts stored in an OCI repository\n"
	  "  cflux list artifacts oci://ghcr.io/org/config/app" },
	{ "logs", NULL, "",
	  "Display formatted logs for Flux components",
	  "The logs command displays formatted logs from various Flux components.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Print the reconciliation logs of all Flux custom resources in your cluster\n"
	  "  cflux logs --all-namespaces\n"
	  "  \n"
	  "  # Print all logs of all Flux custom resources newer than 2 minutes\n"
	  "  cflux logs --all-namespaces --since=2m\n"
	  "\n"
	  "  # Stream logs for a particular log level\n"
	  "  cflux logs --follow --level=error --all-namespaces\n"
	  "\n"
	  "  # Filter logs by kind, name and namespace\n"
	  "  cflux logs --kind=Kustomization --name=podinfo --namespace=default\n"
	  "\n"
	  "  # Print logs when Flux is installed in a different namespace than flux-system\n"
	  "  cflux logs --flux-namespace=my-namespace\n"
	  "    " },
	{ "migrate", NULL, "",
	  "Migrate the Flux custom resources to their latest API version",
	  "The migrate command must be run before a Flux minor version upgrade.\n"
	  "\n"
	  "The command has two modes of operation:\n"
	  "\n"
	  "- Cluster mode (default): migrates all the Flux custom resources stored in Kubernetes etcd to their latest API version.\n"
	  "- File system mode (-f): migrates the Flux custom resources defined in the manifests located in the specified path.",
	  "  # Migrate all the Flux custom resources in the cluster.\n"
	  "  # This uses the current kubeconfig context and requires cluster-admin permissions.\n"
	  "  cflux migrate\n"
	  "\n"
	  "  # Migrate all the Flux custom resources in a Git repository\n"
	  "  # checked out in the current working directory.\n"
	  "  cflux migrate -f .\n"
	  "\n"
	  "  # Migrate all Flux custom resources defined in YAML and Helm YAML template files.\n"
	  "  cflux migrate -f . --extensions=.yml,.yaml,.tpl\n"
	  "\n"
	  "  # Migrate the Flux custom resources to the latest API versions of Flux 2.6.\n"
	  "  cflux migrate -f . --version=2.6\n"
	  "\n"
	  "  # Migrate the Flux custom resources defined in a multi-document YAML manifest file.\n"
	  "  cflux migrate -f path/to/manifest.yaml\n"
	  "\n"
	  "  # Simulate the migration without making any changes.\n"
	  "  cflux migrate -f . --dry-run\n"
	  "\n"
	  "  # Run the migration skipping confirmation prompts.\n"
	  "  cflux migrate -f . --yes\n" },
	{ "pull", NULL, NULL,
	  "Pull artifacts",
	  "The pull command is used to download OCI artifacts.",
	  NULL },
	{ "pull artifact", NULL, "",
	  "Pull artifact",
	  "The pull artifact command downloads and extracts the OCI artifact content to the given path.\n"
	  "The command can read the credentials from '~/.docker/config.json' but they can also be passed with --creds. It can also login to a supported provider with the --provider flag.",
	  "  # Pull an OCI artifact created by cflux from GHCR\n"
	  "  cflux pull artifact oci://ghcr.io/org/manifests/app:v0.0.1 --output ./path/to/local/manifests" },
	{ "push", NULL, NULL,
	  "Push artifacts",
	  "The push command is used to publish OCI artifacts.",
	  NULL },
	{ "push artifact", NULL, "",
	  "Push artifact",
	  "The push artifact command creates a tarball from the given directory or the single file and uploads the artifact to an OCI repository.\n"
	  "The command can read the credentials from '~/.docker/config.json' but they can also be passed with --creds. It can also login to a supported provider with the --provider flag.",
	  "  # Push manifests to GHCR using the short Git SHA as the OCI artifact tag\n"
	  "  echo $GITHUB_PAT | docker login ghcr.io --username cflux --password-stdin\n"
	  "  cflux push artifact oci://ghcr.io/org/config/app:$(git rev-parse --short HEAD) \\\n"
	  "\t--path=\"./path/to/local/manifests\" \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git branch --show-current)@sha1:$(git rev-parse HEAD)\"\n"
	  "\n"
	  "  # Push and sign artifact with cosign\n"
	  "  digest_url = $(flux push artifact \\\n"
	  "\toci://ghcr.io/org/config/app:$(git rev-parse --short HEAD) \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git branch --show-current)@sha1:$(git rev-parse HEAD)\" \\\n"
	  "\t--path=\"./path/to/local/manifest.yaml\" \\\n"
	  "\t--output json | \\\n"
	  "\tjq -r '. | .repository + \"@\" + .digest')\n"
	  "  cosign sign $digest_url\n"
	  "\n"
	  "  # Push manifests passed into stdin to GHCR and set custom OCI annotations\n"
	  "  kustomize build . | cflux push artifact oci://ghcr.io/org/config/app:$(git rev-parse --short HEAD) -f - \\ \n"
	  "    --source=\"$(git config --get remote.origin.url)\" \\\n"
	  "    --revision=\"$(git branch --show-current)@sha1:$(git rev-parse HEAD)\" \\\n"
	  "    --annotations='org.opencontainers.image.licenses=Apache-2.0' \\\n"
	  "    --annotations='org.opencontainers.image.documentation=https://app.org/docs' \\\n"
	  "    --annotations='org.opencontainers.image.description=Production config.'\n"
	  "\n"
	  "  # Push single manifest file to GHCR using the short Git SHA as the OCI artifact tag\n"
	  "  echo $GITHUB_PAT | docker login ghcr.io --username cflux --password-stdin\n"
	  "  cflux push artifact oci://ghcr.io/org/config/app:$(git rev-parse --short HEAD) \\\n"
	  "\t--path=\"./path/to/local/manifest.yaml\" \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git branch --show-current)@sha1:$(git rev-parse HEAD)\"\n"
	  "\n"
	  "  # Push manifests to Docker Hub using the Git tag as the OCI artifact tag\n"
	  "  echo $DOCKER_PAT | docker login --username cflux --password-stdin\n"
	  "  cflux push artifact oci://docker.io/org/app-config:$(git tag --points-at HEAD) \\\n"
	  "\t--path=\"./path/to/local/manifests\" \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git tag --points-at HEAD)@sha1:$(git rev-parse HEAD)\"\n"
	  "\n"
	  "  # Login directly to the registry provider\n"
	  "  # You might need to export the following variable if you use local config files for AWS:\n"
	  "  # export AWS_SDK_LOAD_CONFIG=1\n"
	  "  cflux push artifact oci://<account>.dkr.ecr.<region>.amazonaws.com/app-config:$(git tag --points-at HEAD) \\\n"
	  "\t--path=\"./path/to/local/manifests\" \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git tag --points-at HEAD)@sha1:$(git rev-parse HEAD)\" \\\n"
	  "\t--provider aws\n"
	  "\n"
	  "  # Login by passing credentials directly\n"
	  "  cflux push artifact oci://docker.io/org/app-config:$(git tag --points-at HEAD) \\\n"
	  "\t--path=\"./path/to/local/manifests\" \\\n"
	  "\t--source=\"$(git config --get remote.origin.url)\" \\\n"
	  "\t--revision=\"$(git tag --points-at HEAD)@sha1:$(git rev-parse HEAD)\" \\\n"
	  "\t--creds flux:$DOCKER_PAT" },
	{ "reconcile", NULL, NULL,
	  "Reconcile sources and resources",
	  "The reconcile sub-commands trigger a reconciliation of sources and resources.",
	  NULL },
	{ "reconcile helmrelease", "hr", "[name]",
	  "Reconcile a HelmRelease resource",
	  "The reconcile helmrelease command triggers a reconciliation of a HelmRelease resource and waits for it to finish.",
	  "  # Trigger a HelmRelease apply outside of the reconciliation interval\n"
	  "  cflux reconcile hr podinfo\n"
	  "\n"
	  "  # Trigger a reconciliation of the HelmRelease's source and apply changes\n"
	  "  cflux reconcile hr podinfo --with-source" },
	{ "reconcile image", NULL, NULL,
	  "Reconcile image automation objects",
	  "The reconcile sub-commands trigger a reconciliation of image automation objects.",
	  NULL },
	{ "reconcile image policy", NULL, "[name]",
	  "Reconcile an ImagePolicy",
	  "The reconcile image policy command triggers a reconciliation of an ImagePolicy resource and waits for it to finish.",
	  "\n"
	  "\t# Trigger a reconciliation for an existing image policy called 'alpine'\n"
	  "\tcflux reconcile image policy alpine" },
	{ "reconcile image repository", NULL, "[name]",
	  "Reconcile an ImageRepository",
	  "The reconcile image repository command triggers a reconciliation of an ImageRepository resource and waits for it to finish.",
	  "  # Trigger an scan for an existing image repository\n"
	  "  cflux reconcile image repository alpine" },
	{ "reconcile image update", NULL, "[name]",
	  "Reconcile an ImageUpdateAutomation",
	  "The reconcile image update command triggers a reconciliation of an ImageUpdateAutomation resource and waits for it to finish.",
	  "  # Trigger an automation run for an existing image update automation\n"
	  "  cflux reconcile image update latest-images" },
	{ "reconcile kustomization", "ks", "[name]",
	  "Reconcile a Kustomization resource",
	  "The reconcile kustomization command triggers a reconciliation of a Kustomization resource and waits for it to finish.",
	  "  # Trigger a Kustomization apply outside of the reconciliation interval\n"
	  "  cflux reconcile kustomization podinfo\n"
	  "\n"
	  "  # Trigger a sync of the Kustomization's source and apply changes\n"
	  "  cflux reconcile kustomization podinfo --with-source" },
	{ "reconcile receiver", NULL, "[name]",
	  "Reconcile a Receiver",
	  "The reconcile receiver command triggers a reconciliation of a Receiver resource and waits for it to finish.",
	  "  # Trigger a reconciliation for an existing receiver\n"
	  "  cflux reconcile receiver main" },
	{ "reconcile source", NULL, NULL,
	  "Reconcile sources",
	  "The reconcile source sub-commands trigger a reconciliation of sources.",
	  NULL },
	{ "reconcile source bucket", NULL, "[name]",
	  "Reconcile a Bucket source",
	  "The reconcile source command triggers a reconciliation of a Bucket resource and waits for it to finish.",
	  "  # Trigger a reconciliation for an existing source\n"
	  "  cflux reconcile source bucket podinfo" },
	{ "reconcile source chart", NULL, "[name]",
	  "Reconcile a HelmChart source",
	  "The reconcile source command triggers a reconciliation of a HelmChart resource and waits for it to finish.",
	  "  # Trigger a reconciliation for an existing source\n"
	  "  cflux reconcile source chart podinfo\n"
	  " \n"
	  "  # Trigger a reconciliation of the HelmCharts's source and apply changes\n"
	  "  cflux reconcile helmchart podinfo --with-source" },
	{ "reconcile source git", NULL, "[name]",
	  "Reconcile a GitRepository source",
	  "The reconcile source command triggers a reconciliation of a GitRepository resource and waits for it to finish.",
	  "  # Trigger a git pull for an existing source\n"
	  "  cflux reconcile source git podinfo" },
	{ "reconcile source helm", NULL, "[name]",
	  "Reconcile a HelmRepository source",
	  "The reconcile source command triggers a reconciliation of a HelmRepository resource and waits for it to finish.",
	  "  # Trigger a reconciliation for an existing source\n"
	  "  cflux reconcile source helm podinfo" },
	{ "reconcile source oci", NULL, "[name]",
	  "Reconcile an OCIRepository",
	  "The reconcile source command triggers a reconciliation of an OCIRepository resource and waits for it to finish.",
	  "  # Trigger a reconciliation for an existing source\n"
	  "  cflux reconcile source oci podinfo" },
	{ "resume", NULL, NULL,
	  "Resume suspended resources",
	  "The resume sub-commands resume a suspended resource.",
	  NULL },
	{ "resume alert", NULL, "[name]",
	  "Resume a suspended Alert",
	  "The resume command marks a previously suspended Alert resource for reconciliation and waits for it to\n"
	  "finish the apply.",
	  "  # Resume reconciliation for an existing Alert\n"
	  "  cflux resume alert main\n"
	  "\n"
	  "  # Resume reconciliation for multiple Alerts\n"
	  "  cflux resume alert main-1 main-2" },
	{ "resume alert-provider", NULL, "[name]",
	  "Resume a suspended Provider",
	  "The resume command marks a previously suspended Provider resource for reconciliation and waits for it to\n"
	  "finish the apply.",
	  "  # Resume reconciliation for an existing Provider\n"
	  "  cflux resume alert-provider main\n"
	  "\n"
	  "  # Resume reconciliation for multiple Providers\n"
	  "  cflux resume alert-provider main-1 main-2" },
	{ "resume helmrelease", "hr", "[name]",
	  "Resume a suspended HelmRelease",
	  "The resume command marks a previously suspended HelmRelease resource for reconciliation and waits for it to\n"
	  "finish the apply.",
	  "  # Resume reconciliation for an existing Helm release\n"
	  "  cflux resume hr podinfo\n"
	  "\n"
	  "  # Resume reconciliation for multiple Helm releases\n"
	  "  cflux resume hr podinfo-1 podinfo-2" },
	{ "resume image", NULL, NULL,
	  "Resume image automation objects",
	  "The resume image sub-commands resume suspended image automation objects.",
	  NULL },
	{ "resume image policy", NULL, "[name]",
	  "Resume an ImagePolicy",
	  "The resume image policy command resumes a suspended ImagePolicy resource.",
	  "\n"
	  "\t# Resume a suspended image policy called 'alpine'\n"
	  "\tcflux resume image policy alpine" },
	{ "resume image repository", NULL, "[name]",
	  "Resume a suspended ImageRepository",
	  "The resume command marks a previously suspended ImageRepository resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing ImageRepository\n"
	  "  cflux resume image repository alpine\n"
	  "\n"
	  "  # Resume reconciliation for multiple ImageRepositories\n"
	  "  cflux resume image repository alpine-1 alpine-2" },
	{ "resume image update", NULL, "[name]",
	  "Resume a suspended ImageUpdateAutomation",
	  "The resume command marks a previously suspended ImageUpdateAutomation resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing ImageUpdateAutomation\n"
	  "  cflux resume image update latest-images\n"
	  "\n"
	  "  # Resume reconciliation for multiple ImageUpdateAutomations\n"
	  "  cflux resume image update latest-images-1 latest-images-2" },
	{ "resume kustomization", "ks", "[name]",
	  "Resume a suspended Kustomization",
	  "The resume command marks a previously suspended Kustomization resource for reconciliation and waits for it to\n"
	  "finish the apply.",
	  "  # Resume reconciliation for an existing Kustomization\n"
	  "  cflux resume ks podinfo\n"
	  "\n"
	  "  # Resume reconciliation for multiple Kustomizations\n"
	  "  cflux resume ks podinfo-1 podinfo-2" },
	{ "resume receiver", NULL, "[name]",
	  "Resume a suspended Receiver",
	  "The resume command marks a previously suspended Receiver resource for reconciliation and waits for it to\n"
	  "finish the apply.",
	  "  # Resume reconciliation for an existing Receiver\n"
	  "  cflux resume receiver main\n"
	  "\n"
	  "  # Resume reconciliation for multiple Receivers\n"
	  "  cflux resume receiver main-1 main-2" },
	{ "resume source", NULL, NULL,
	  "Resume sources",
	  "The resume sub-commands resume a suspended source.",
	  NULL },
	{ "resume source bucket", NULL, "[name]",
	  "Resume a suspended Bucket",
	  "The resume command marks a previously suspended Bucket resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing Bucket\n"
	  "  cflux resume source bucket podinfo\n"
	  "\n"
	  "  # Resume reconciliation for multiple Buckets\n"
	  "  cflux resume source bucket podinfo-1 podinfo-2" },
	{ "resume source chart", NULL, "[name]",
	  "Resume a suspended HelmChart",
	  "The resume command marks a previously suspended HelmChart resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing HelmChart\n"
	  "  cflux resume source chart podinfo\n"
	  "\n"
	  "  # Resume reconciliation for multiple HelmCharts\n"
	  "  cflux resume source chart podinfo-1 podinfo-2" },
	{ "resume source git", NULL, "[name]",
	  "Resume a suspended GitRepository",
	  "The resume command marks a previously suspended GitRepository resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing GitRepository\n"
	  "  cflux resume source git podinfo\n"
	  "  \n"
	  "  # Resume reconciliation for multiple GitRepositories\n"
	  "  cflux resume source git podinfo-1 podinfo-2" },
	{ "resume source helm", NULL, "[name]",
	  "Resume a suspended HelmRepository",
	  "The resume command marks a previously suspended HelmRepository resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing HelmRepository\n"
	  "  cflux resume source helm bitnami\n"
	  "\n"
	  "  # Resume reconciliation for multiple HelmRepositories\n"
	  "  cflux resume source helm bitnami-1 bitnami-2" },
	{ "resume source oci", NULL, "[name]",
	  "Resume a suspended OCIRepository",
	  "The resume command marks a previously suspended OCIRepository resource for reconciliation and waits for it to finish.",
	  "  # Resume reconciliation for an existing OCIRepository\n"
	  "  cflux resume source oci podinfo\n"
	  "\n"
	  "  # Resume reconciliation for multiple OCIRepositories\n"
	  "  cflux resume source oci podinfo-1 podinfo-2" },
	{ "stats", NULL, "",
	  "Stats of Flux reconciles",
	  "The stats command prints a report of Flux custom resources present on a cluster,\n"
	  "including their reconcile status and the amount of cumulative storage used for each source type\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Print the stats report for a namespace\n"
	  "  cflux stats --namespace default\n"
	  "\n"
	  "  #  Print the stats report for the whole cluster\n"
	  "  cflux stats -A" },
	{ "suspend", NULL, NULL,
	  "Suspend resources",
	  "The suspend sub-commands suspend the reconciliation of a resource.",
	  NULL },
	{ "suspend alert", NULL, "[name]",
	  "Suspend reconciliation of Alert",
	  "The suspend command disables the reconciliation of a Alert resource.",
	  "  # Suspend reconciliation for an existing Alert\n"
	  "  cflux suspend alert main\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Alerts\n"
	  "  cflux suspend alert main-1 main-2" },
	{ "suspend alert-provider", NULL, "[name]",
	  "Suspend reconciliation of Provider",
	  "The suspend command disables the reconciliation of a Provider resource.",
	  "  # Suspend reconciliation for an existing Provider\n"
	  "  cflux suspend alert-provider main\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Providers\n"
	  "  cflux suspend alert-providers main-1 main-2" },
	{ "suspend helmrelease", "hr", "[name]",
	  "Suspend reconciliation of HelmRelease",
	  "The suspend command disables the reconciliation of a HelmRelease resource.",
	  "  # Suspend reconciliation for an existing Helm release\n"
	  "  cflux suspend hr podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Helm releases\n"
	  "  cflux suspend hr podinfo-1 podinfo-2 " },
	{ "suspend image", NULL, NULL,
	  "Suspend image automation objects",
	  "The suspend image sub-commands suspend the reconciliation of an image automation object.",
	  NULL },
	{ "suspend image policy", NULL, "[name]",
	  "Suspend an ImagePolicy",
	  "The suspend image policy command suspends the reconciliation of an ImagePolicy resource.",
	  NULL },
	{ "suspend image repository", NULL, "[name]",
	  "Suspend reconciliation of an ImageRepository",
	  "The suspend image repository command disables the reconciliation of a ImageRepository resource.",
	  "  # Suspend reconciliation for an existing ImageRepository\n"
	  "  cflux suspend image repository alpine\n"
	  "\n"
	  "  # Suspend reconciliation for multiple ImageRepositories\n"
	  "  cflux suspend image repository alpine-1 alpine-2" },
	{ "suspend image update", NULL, "[name]",
	  "Suspend reconciliation of an ImageUpdateAutomation",
	  "The suspend image update command disables the reconciliation of a ImageUpdateAutomation resource.",
	  "  # Suspend reconciliation for an existing ImageUpdateAutomation\n"
	  "  cflux suspend image update latest-images\n"
	  "\n"
	  "  # Suspend reconciliation for multiple ImageUpdateAutomations\n"
	  "  cflux suspend image update latest-images-1 latest-images-2" },
	{ "suspend kustomization", "ks", "[name]",
	  "Suspend reconciliation of Kustomization",
	  "The suspend command disables the reconciliation of a Kustomization resource.",
	  "  # Suspend reconciliation for an existing Kustomization\n"
	  "  cflux suspend ks podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Kustomizations\n"
	  "  cflux suspend ks podinfo-1 podinfo-2" },
	{ "suspend receiver", NULL, "[name]",
	  "Suspend reconciliation of Receiver",
	  "The suspend command disables the reconciliation of a Receiver resource.",
	  "  # Suspend reconciliation for an existing Receiver\n"
	  "  cflux suspend receiver main\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Receivers\n"
	  "  cflux suspend receiver main-1 main-2" },
	{ "suspend source", NULL, NULL,
	  "Suspend sources",
	  "The suspend sub-commands suspend the reconciliation of a source.",
	  NULL },
	{ "suspend source bucket", NULL, "[name]",
	  "Suspend reconciliation of a Bucket",
	  "The suspend command disables the reconciliation of a Bucket resource.",
	  "  # Suspend reconciliation for an existing Bucket\n"
	  "  cflux suspend source bucket podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple Buckets\n"
	  "  cflux suspend source bucket podinfo-1 podinfo-2" },
	{ "suspend source chart", NULL, "[name]",
	  "Suspend reconciliation of a HelmChart",
	  "The suspend command disables the reconciliation of a HelmChart resource.",
	  "  # Suspend reconciliation for an existing HelmChart\n"
	  "  cflux suspend source chart podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple HelmCharts\n"
	  "  cflux suspend source chart podinfo-1 podinfo-2" },
	{ "suspend source git", NULL, "[name]",
	  "Suspend reconciliation of a GitRepository",
	  "The suspend command disables the reconciliation of a GitRepository resource.",
	  "  # Suspend reconciliation for an existing GitRepository\n"
	  "  cflux suspend source git podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple GitRepositories\n"
	  "  cflux suspend source git podinfo-1 podinfo-2" },
	{ "suspend source helm", NULL, "[name]",
	  "Suspend reconciliation of a HelmRepository",
	  "The suspend command disables the reconciliation of a HelmRepository resource.",
	  "  # Suspend reconciliation for an existing HelmRepository\n"
	  "  cflux suspend source helm bitnami\n"
	  "\n"
	  "  # Suspend reconciliation for multiple HelmRepositories\n"
	  "  cflux suspend source helm bitnami-1 bitnami-2 " },
	{ "suspend source oci", NULL, "[name]",
	  "Suspend reconciliation of an OCIRepository",
	  "The suspend command disables the reconciliation of an OCIRepository resource.",
	  "  # Suspend reconciliation for an existing OCIRepository\n"
	  "  cflux suspend source oci podinfo\n"
	  "\n"
	  "  # Suspend reconciliation for multiple OCIRepositories\n"
	  "  cflux suspend source oci podinfo-1 podinfo-2" },
	{ "tag", NULL, NULL,
	  "Tag artifacts",
	  "The tag command is used to tag OCI artifacts.",
	  NULL },
	{ "tag artifact", NULL, "",
	  "Tag artifact",
	  "The tag artifact command creates tags for the given OCI artifact.\n"
	  "The command can read the credentials from '~/.docker/config.json' but they can also be passed with --creds. It can also login to a supported provider with the --provider flag.",
	  "  # Tag an artifact version as latest\n"
	  "  cflux tag artifact oci://ghcr.io/org/manifests/app:v0.0.1 --tag latest" },
	{ "trace", NULL, "<resource> <name> [<name> ...]",
	  "Trace in-cluster objects throughout the GitOps delivery pipeline",
	  "The trace command shows how one or more objects are managed by Flux,\n"
	  "from which source and revision they come, and what the latest reconciliation status is.\n"
	  "\n"
	  "You can also trace multiple objects with different resource kinds using <resource>/<name> multiple times.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Trace a Kubernetes Deployment\n"
	  "  cflux trace -n apps deployment my-app\n"
	  "\n"
	  "  # Trace a Kubernetes Pod and a config map\n"
	  "  cflux trace -n redis pod/redis-master-0 cm/redis\n"
	  "\n"
	  "  # Trace a Kubernetes global object\n"
	  "  cflux trace namespace redis\n"
	  "\n"
	  "  # Trace a Kubernetes custom resource\n"
	  "  cflux trace -n redis helmrelease redis\n"
	  "  \n"
	  "  # API Version and Kind can also be specified explicitly\n"
	  "  # Note that either both, kind and api-version, or neither have to be specified.\n"
	  "  cflux trace redis --kind=helmrelease --api-version=helm.toolkit.fluxcd.io/v2 -n redis" },
	{ "tree", NULL, NULL,
	  "Print the resources reconciled by Flux",
	  "The tree command shows the list of resources reconciled by a Flux object.\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  NULL },
	{ "tree kustomization", "ks,kustomization", "[name]",
	  "Print the resource inventory of a Kustomization",
	  "The tree command prints the resource list reconciled by a Kustomization.'\n"
	  "\n"
	  "⚠️  Please note that this command is in preview and under development.\n"
	  "While we try our best to not introduce breaking changes, they may occur when\n"
	  "we adapt to new features and/or find better ways to facilitate what it does.",
	  "  # Print the resources managed by the root Kustomization\n"
	  "  cflux tree kustomization flux-system\n"
	  "\n"
	  "  # Print the Flux resources managed by the root Kustomization\n"
	  "  cflux tree kustomization flux-system --compact" },
	{ "trigger", NULL, NULL,
	  "Trigger Flux resources from outside the cluster",
	  "The trigger sub-commands invoke Flux resources from outside the cluster, such as a Receiver's incoming webhook.",
	  NULL },
	{ "trigger receiver", NULL, "[name]",
	  "Trigger the webhook of a Receiver",
	  "The trigger receiver command sends a request to the incoming webhook of a Receiver.\n"
	  "\n"
	  "The command computes the webhook path from the Receiver name, namespace and token,\n"
	  "appends it to the base URL and sends an HTTP POST request with the given payload.\n"
	  "It does not require access to the Kubernetes cluster.",
	  "  # Trigger a generic Receiver\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --token=my-token \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a generic Receiver with a custom JSON payload\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --token=my-token \\\n"
	  "    --url=https://flux-webhook.example.com \\\n"
	  "    --payload='{\"image\":\"ghcr.io/org/app:v1.0.0\"}'\n"
	  "\n"
	  "  # Trigger a generic-hmac Receiver\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-hmac \\\n"
	  "    --token=my-token \\\n"
	  "    --url=https://flux-webhook.example.com \\\n"
	  "    --payload='{\"image\":\"ghcr.io/org/app:v1.0.0\"}'\n"
	  "\n"
	  "  # Trigger a generic-oidc Receiver from a GitHub Actions workflow.\n"
	  "  # The job needs 'permissions: id-token: write'. The OIDC token is fetched\n"
	  "  # automatically and the receiver token is not used by this type.\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-oidc \\\n"
	  "    --oidc-provider=github \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a generic-oidc Receiver from a GitHub Actions workflow with a custom OIDC audience\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-oidc \\\n"
	  "    --oidc-provider=github \\\n"
	  "    --oidc-audience=my-flux-instance \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a generic-oidc Receiver from a Forgejo Actions workflow\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-oidc \\\n"
	  "    --oidc-provider=forgejo \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a generic-oidc Receiver from a GitLab CI/CD job, reading the OIDC\n"
	  "  # token from an id_token environment variable defined in the job spec.\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-oidc \\\n"
	  "    --oidc-token=\"${MY_ID_TOKEN}\" \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a generic-oidc Receiver from a GitLab CI/CD job, reading the OIDC\n"
	  "  # token from the default FLUX_TRIGGER_RECEIVER_OIDC_TOKEN environment variable,\n"
	  "  # e.g. defined as:\n"
	  "  #   job:\n"
	  "  #     id_tokens:\n"
	  "  #       FLUX_TRIGGER_RECEIVER_OIDC_TOKEN:\n"
	  "  #         aud: notification-controller\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --type=generic-oidc \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a Receiver in a specific namespace\n"
	  "  cflux trigger receiver my-receiver -n apps \\\n"
	  "    --token=my-token \\\n"
	  "    --url=https://flux-webhook.example.com\n"
	  "\n"
	  "  # Trigger a Receiver in the namespace of the current kubeconfig context\n"
	  "  cflux trigger receiver my-receiver \\\n"
	  "    --ns-follows-kube-context \\\n"
	  "    --token=my-token \\\n"
	  "    --url=https://flux-webhook.example.com" },
	{ "uninstall", NULL, "",
	  "Uninstall Flux and its custom resource definitions",
	  "The uninstall command removes the Flux components and the toolkit.fluxcd.io resources from the cluster.",
	  "  # Uninstall Flux components, its custom resources and namespace\n"
	  "  cflux uninstall --namespace=flux-system\n"
	  "\n"
	  "  # Uninstall Flux but keep the namespace\n"
	  "  cflux uninstall --namespace=infra --keep-namespace=true" },
	{ "version", NULL, "",
	  "Print the client and server-side components version information.",
	  "Print the client and server-side components version information for the current context.",
	  "# Print client and server-side version \n"
	  "\tcflux version\n"
	  "\n"
	  "\t# Print only client version\n"
	  "\tcflux version --client\n"
	  "\n"
	  "\t# Print information in json format\n"
	  "\tcflux version -o json" },
	{ "help", NULL, "[command]",
	  "Help about any command",
	  "Help provides help for any command in the application.\n"
	  "Simply type cflux help [path to command] for full details.",
	  NULL },
	{ "kustomize", NULL, "DIR",
	  "Build a kustomization directory, as kubectl kustomize does",
	  "The kustomize command builds the kustomization in DIR with cflux's kustomize engine and\n"
	  "prints the resulting objects as a YAML stream, as `kubectl kustomize DIR` prints them.",
	  "  # Build an overlay\n"
	  "  cflux kustomize ./overlays/production\n"
	  "\n"
	  "  # Build it as the kustomize-controller does, with files from outside each kustomization's directory\n"
	  "  cflux kustomize --load-restrictor LoadRestrictionsNone ./overlays/production" },
	{ "yaml", NULL, "FILE...",
	  "Print YAML files as cflux reads them",
	  "The yaml command prints YAML files (\"-\" reads stdin) in the normalised form cflux reads\n"
	  "them in: a check mode for manifests.",
	  "  # Check a manifest\n"
	  "  cflux yaml ./deploy/app.yaml" },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

const cli_help *const cli_help_tables[] = { rows, NULL };
