/* cli/create_img.c - cflux create image update: an ImageUpdateAutomation with flux's flags,
 * refusals and --export output (tests/e2e/test_flux_export.sh). */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/duration.h"
#include "util/err.h"

#include <string.h>

#define POS_MAX 8

/* flux's checks, in its order: the flag that is missing, named as flux names it */
static int update_required(const char *repo, const char *branch, const char *author, const char *email)
{
	static const struct { const char *what; } MISSING[] = {
		{ "a reference to a GitRepository is required (--git-repo-ref)" },
		{ "the Git repository branch is required (--checkout-branch)" },
		{ "the author name is required (--author-name)" },
		{ "the author email is required (--author-email)" },
	};
	const char *given[] = { repo, branch, author, email };

	for (size_t i = 0; i < sizeof(MISSING) / sizeof(MISSING[0]); i++)
		if (given[i] == NULL || given[i][0] == '\0')
			return cli_fail(1, "%s", MISSING[i].what);
	return 0;
}

int cmd_create_image_update(int argc, char **argv, const char *name)
{
	const char *repo = NULL, *repo_ns = NULL, *path = NULL, *checkout = NULL, *push = NULL, *tpl = NULL;
	const char *author = NULL, *email = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "git-repo-ref", CF_FLAG_STRING, &repo, "the name of a GitRepository resource with details of the upstream Git repository", 0 },
		{ "git-repo-namespace", CF_FLAG_STRING, &repo_ns, "the namespace of the GitRepository resource, defaults to the ImageUpdateAutomation namespace", 0 },
		{ "git-repo-path", CF_FLAG_STRING, &path, "path to the directory containing the manifests to be updated, defaults to the repository root", 0 },
		{ "checkout-branch", CF_FLAG_STRING, &checkout, "the branch to checkout", 0 },
		{ "push-branch", CF_FLAG_STRING, &push, "the branch to push commits to, defaults to the checkout branch if not specified", 0 },
		{ "commit-template", CF_FLAG_STRING, &tpl, "a template for commit messages", 0 },
		{ "author-name", CF_FLAG_STRING, &author, "the name to use for commit author", 0 },
		{ "author-email", CF_FLAG_STRING, &email, "the email to use for commit author", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "source sync interval", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *spec, *commit, *obj;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux create image update NAME --git-repo-ref R --checkout-branch B --author-name N --author-email E "
			    "[--git-repo-path P] [--push-branch B] [--commit-template T]", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = update_required(repo, checkout, author, email)) != 0 || (rc = cli_go_duration(every, "interval", interval)) != 0)
		return rc;
	commit = json_pack("{s:{s:s,s:s}}", "author", "email", email, "name", author);
	if (tpl && tpl[0])
		json_object_set_new(commit, "messageTemplate", json_string(tpl));
	spec = json_pack("{s:{s:{s:{s:s}},s:o},s:s,s:{s:s,s:s}}", "git", "checkout", "ref", "branch", checkout, "commit", commit,
			 "interval", every, "sourceRef", "kind", "GitRepository", "name", repo);
	if (repo_ns && repo_ns[0])
		json_object_set_new(json_object_get(spec, "sourceRef"), "namespace", json_string(repo_ns));
	if (push && push[0])
		json_object_set_new(json_object_get(spec, "git"), "push", json_pack("{s:s}", "branch", push));
	if (path && path[0])
		json_object_set_new(spec, "update", json_pack("{s:s,s:s}", "path", path, "strategy", "Setters"));
	obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", CF_AV_IMAGEUPDATEAUTOMATION, "kind", "ImageUpdateAutomation",
			"metadata", "name", name, "namespace", cli.namespace, "spec", spec);
	rc = cli_create_apply(obj, CF_AV_IMAGEUPDATEAUTOMATION, "ImageUpdateAutomation", name);
	json_decref(obj);
	return rc;
}
