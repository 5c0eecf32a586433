/* cli/more.c - export, events, diff and completion. */
#include "cli.h"

#include "apply/apply.h"
#include "runtime/kinds.h"
#include "udiff.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POS_MAX 8

/* The object as a user would write it: no status, no server fields. */
static json_t *clean(const json_t *o)
{
	const json_t *md = json_object_get(o, "metadata");
	json_t *c = json_pack("{s:O,s:O,s:{s:O,s:O},s:O}", "apiVersion", json_object_get(o, "apiVersion"),
			      "kind", json_object_get(o, "kind"), "metadata", "name", json_object_get(md, "name"),
			      "namespace", json_object_get(md, "namespace"), "spec", json_object_get(o, "spec"));
	json_t *labels = json_object_get(md, "labels"), *ann = json_deep_copy(json_object_get(md, "annotations"));

	if (json_object_size(labels) > 0)
		json_object_set(json_object_get(c, "metadata"), "labels", labels);
	json_object_del(ann, "kubectl.kubernetes.io/last-applied-configuration");
	json_object_del(ann, "reconcile.fluxcd.io/requestedAt");
	if (json_object_size(ann) > 0)
		json_object_set(json_object_get(c, "metadata"), "annotations", ann);
	json_decref(ann);
	return c;
}

int cmd_export(int argc, char **argv)
{
	int all = 0, rc, used;
	const cf_flag own[] = { { "all", CF_FLAG_BOOL, &all, "every object of the kind in the namespace", 0 } };
	char *pos[POS_MAX];
	size_t npos, i;
	const char *av, *kind;
	json_t *items = NULL, *o;
	cf_buf out = CF_BUF_INIT(64u << 20);
	cf_kube *k;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux export source git|kustomization NAME | --all", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	used = cli_kind_args(pos, npos, &av, &kind);
	if (used == 0 || (all ? npos != (size_t)used : npos != (size_t)used + 1))
		return cli_fail(CLI_EXIT_USAGE, "usage: cflux export source git|kustomization NAME | --all");
	if ((k = cli_client()) == NULL)
		return 1;
	if (all) {
		json_t *list = NULL;
		rc = cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, cli.namespace, NULL }, NULL);
		items = json_incref(json_object_get(list, "items"));
		json_decref(list);
	} else {
		json_t *one = NULL;
		rc = cf_kube_get(k, &one, &(cf_kube_ref){ av, kind, cli.namespace, pos[used] });
		items = json_pack("[o]", one);
	}
	if (rc < 0) {
		rc = cli_fail(1, rc == CF_ENOTFOUND ? "%s '%s/%s' not found" : "%s", rc == CF_ENOTFOUND ? kind : cf_err_msg(),
			      cli.namespace, all ? "" : pos[used]);
		goto out;
	}
	json_array_foreach(items, i, o) {
		json_t *c = clean(o);
		cf_buf_puts(&out, "---\n");
		rc = cf_yaml_dump(&out, c);
		json_decref(c);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	else
		rc = cli_fail(1, "%s", cf_err_msg());
out:
	json_decref(items);
	cf_buf_free(&out);
	cf_kube_free(k);
	return rc;
}

/* ---- diff ---- */

/* The object as diff shows it: comparable fields only, without what the server always changes. */
static int comparable_yaml(cf_buf *b, const json_t *o)
{
	json_t *c = cf_apply_comparable(o), *md;
	int rc;

	if (c == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	md = json_object_get(c, "metadata");
	json_object_del(md, "uid");
	json_object_del(md, "creationTimestamp");
	json_object_del(md, "selfLink");
	json_object_del(json_object_get(md, "annotations"), "deployment.kubernetes.io/revision");
	if (json_object_size(json_object_get(md, "annotations")) == 0)
		json_object_del(md, "annotations");
	rc = cf_yaml_dump(b, c);
	json_decref(c);
	return rc;
}

/* Prints "► desc drifted" and the unified diff of live and merged (in process: object names
 * never reach a shell). 1 when they differ, 0 when not, or a negative code. */
static int show_drift(const char *desc, const json_t *live, const json_t *merged)
{
	cf_buf a = CF_BUF_INIT(16u << 20), b = CF_BUF_INIT(16u << 20), out = CF_BUF_INIT(64u << 20);
	char la[640], lb[640];
	int rc;

	snprintf(la, sizeof(la), "%s (live)", desc);
	snprintf(lb, sizeof(lb), "%s (merged)", desc);
	if ((rc = comparable_yaml(&a, live)) == 0 && (rc = comparable_yaml(&b, merged)) == 0)
		rc = cli_udiff(&out, a.data ? a.data : "", a.len, b.data ? b.data : "", b.len, la, lb, 3);
	if (rc < 0)
		cf_err_prefix("%s", desc);
	if (rc == 1) {
		printf("\342\226\272 %s drifted\n", desc);   /* ► */
		fwrite(out.data, 1, out.len, stdout);
	}
	cf_buf_free(&a);
	cf_buf_free(&b);
	cf_buf_free(&out);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	const char *path = NULL;
	int progress = 1;
	const cf_flag own[] = { { "path", CF_FLAG_STRING, &path, "the local directory to compare with the cluster", 0 },
				{ "progress-bar", CF_FLAG_BOOL, &progress, "show a progress line on a terminal (--progress-bar=false: none)", 0 },
				CLI_BUILD_FLAGS };
	const char *usage = "usage: cflux diff kustomization NAME --path DIR [--kustomization-file FILE] [--ignore-paths P,...]";
	char *pos[POS_MAX];
	size_t npos, i;
	json_t *objs = NULL, *o;
	cf_kube_apply_opts dry = CF_KUBE_APPLY_OPTS_INIT;
	cf_kube *k;
	int rc, changed = 0, err = 0;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv, usage, pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	rc = cli_build_check(pos, npos, path, usage);
	if (rc == 0 && cli_build.dry_run)
		rc = cli_fail(CLI_EXIT_USAGE, "diff compares with the cluster: --dry-run is for build kustomization");
	if (rc != 0 || (k = cli_client()) == NULL) {
		cf_flag_list_free(&cli_build.ignore);
		return rc != 0 ? rc : 3;
	}
	rc = cli_build_local(k, pos[1], path, NULL, &objs);
	cf_flag_list_free(&cli_build.ignore);
	if (rc < 0) {
		cf_kube_free(k);
		return cli_fail(3, "%s", cf_err_msg());
	}
	progress = progress && isatty(STDERR_FILENO);
	cf_apply_defaults(objs);
	dry.field_manager = "kustomize-controller";
	dry.force = 1;
	dry.dry_run = 1;
	json_array_foreach(objs, i, o) {
		const json_t *md = json_object_get(o, "metadata");
		char desc[600];
		json_t *live = NULL, *merged = NULL;
		int lrc = cf_kube_get(k, &live, &(cf_kube_ref){ cf_json_str(o, "apiVersion"), cf_json_str(o, "kind"), cf_json_str(md, "namespace"), cf_json_str(md, "name") });
		snprintf(desc, sizeof(desc), "%s/%s%s%s", cf_json_str(o, "kind"), cf_json_str(md, "namespace") ? cf_json_str(md, "namespace") : "",
			 cf_json_str(md, "namespace") ? "/" : "", cf_json_str(md, "name"));
		if (progress)
			fprintf(stderr, "\r\342\227\216 comparing %zu/%zu objects", i + 1, json_array_size(objs));   /* ◎ */
		if (lrc < 0 && lrc != CF_ENOTFOUND) {
			err = cli_fail(3, "%s: %s", desc, cf_err_msg());
			continue;
		}
		if (cf_kube_apply(k, &merged, o, &dry) < 0) {
			err = cli_fail(3, "%s: %s", desc, cf_err_msg());
			json_decref(live);
			continue;
		}
		if (live == NULL) {
			printf("\342\226\272 %s created\n", desc);   /* ► */
			changed = 1;
		} else if ((rc = show_drift(desc, live, merged)) < 0) {
			err = cli_fail(3, "%s", cf_err_msg());
		} else {
			changed |= rc;
		}
		json_decref(live);
		json_decref(merged);
	}
	if (progress)
		fputs("\r\033[K", stderr);
	json_decref(objs);
	cf_kube_free(k);
	if (err)
		return 3;
	if (!changed)
		cli_ok("no changes: the cluster matches %s", path);
	return changed ? 1 : 0;
}

/* The words completion offers: the commands, then what follows each. */
#define COMPLETION_COMMANDS "version check install uninstall bootstrap create delete get reconcile suspend resume " \
	"export events logs stats build diff tree trace debug trigger migrate envsubst kustomize yaml completion"
#define COMPLETION_KINDS "source kustomization helmrelease alert alert-provider receiver"
#define COMPLETION_GET "all sources kustomizations helmreleases alerts alert-providers receivers images"

static const char BASH_COMPLETION[] =
	"# bash completion for cflux: source <(cflux completion bash)\n"
	"_cflux() {\n"
	"  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[1]}\n"
	"  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	"    COMPREPLY=($(compgen -W '" COMPLETION_COMMANDS "' -- \"$cur\")); return\n"
	"  fi\n"
	"  case $prev in\n"
	"    create|reconcile|suspend|resume|export|delete) COMPREPLY=($(compgen -W '" COMPLETION_KINDS "' -- \"$cur\"));;\n"
	"    get) COMPREPLY=($(compgen -W '" COMPLETION_GET "' -- \"$cur\"));;\n"
	"    build|diff|tree) COMPREPLY=($(compgen -W 'kustomization' -- \"$cur\"));;\n"
	"    debug) COMPREPLY=($(compgen -W 'kustomization helmrelease' -- \"$cur\"));;\n"
	"    bootstrap) COMPREPLY=($(compgen -W 'git' -- \"$cur\"));;\n"
	"    trigger) COMPREPLY=($(compgen -W 'receiver' -- \"$cur\"));;\n"
	"    completion) COMPREPLY=($(compgen -W 'bash zsh fish powershell' -- \"$cur\"));;\n"
	"    *) COMPREPLY=($(compgen -f -- \"$cur\"));;\n"
	"  esac\n"
	"}\n";

/* zsh runs the bash function through bashcompinit */
static const char ZSH_PRELUDE[] =
	"#compdef cflux\n# zsh completion for cflux: source <(cflux completion zsh)\n"
	"autoload -U +X bashcompinit && bashcompinit\n";

static const char FISH_COMPLETION[] =
	"# fish completion for cflux: cflux completion fish | source\n"
	"complete -c cflux -f -n '__fish_use_subcommand' -a '" COMPLETION_COMMANDS "'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from create reconcile suspend resume export delete' -a '" COMPLETION_KINDS "'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from get' -a '" COMPLETION_GET "'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from build diff tree' -a 'kustomization'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from trigger' -a 'receiver'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from debug' -a 'kustomization helmrelease'\n"
	"complete -c cflux -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish powershell'\n";

static const char POWERSHELL_COMPLETION[] =
	"# powershell completion for cflux: cflux completion powershell | Out-String | Invoke-Expression\n"
	"Register-ArgumentCompleter -Native -CommandName cflux -ScriptBlock {\n"
	"  param($wordToComplete, $commandAst, $cursorPosition)\n"
	"  $words = $commandAst.CommandElements | ForEach-Object { $_.ToString() }\n"
	"  $list = '" COMPLETION_COMMANDS "'\n"
	"  if ($words.Count -ge 2) {\n"
	"    switch ($words[1]) {\n"
	"      { $_ -in 'create','reconcile','suspend','resume','export','delete' } { $list = '" COMPLETION_KINDS "' }\n"
	"      'get' { $list = '" COMPLETION_GET "' }\n"
	"      { $_ -in 'build','diff','tree' } { $list = 'kustomization' }\n"
	"      'trigger' { $list = 'receiver' }\n"
	"      'debug' { $list = 'kustomization helmrelease' }\n"
	"      'completion' { $list = 'bash zsh fish powershell' }\n"
	"    }\n"
	"  }\n"
	"  $list.Split(' ') | Where-Object { $_ -like \"$wordToComplete*\" } |\n"
	"    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }\n"
	"}\n";

int cmd_completion(int argc, char **argv)
{
	static const struct { const char *shell, *prelude, *body, *tail; } SHELLS[] = {
		{ "bash", "", BASH_COMPLETION, "complete -F _cflux cflux\n" },
		{ "zsh", ZSH_PRELUDE, BASH_COMPLETION, "complete -F _cflux cflux\n" },
		{ "fish", "", FISH_COMPLETION, "" },
		{ "powershell", "", POWERSHELL_COMPLETION, "" },
	};

	for (size_t i = 0; argc == 2 && i < sizeof(SHELLS) / sizeof(SHELLS[0]); i++)
		if (strcmp(argv[1], SHELLS[i].shell) == 0) {
			fputs(SHELLS[i].prelude, stdout);
			fputs(SHELLS[i].body, stdout);
			fputs(SHELLS[i].tail, stdout);
			return 0;
		}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cflux completion bash|zsh|fish|powershell\n");
		return 0;
	}
	return cli_fail(CLI_EXIT_USAGE, "usage: cflux completion bash|zsh|fish|powershell");
}
