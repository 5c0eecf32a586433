/* cli/create_img.c - cflux create image repository | policy | update: an ImageRepository, an
 * ImagePolicy or an ImageUpdateAutomation with flux's flags, refusals and --export output
 * (tests/e2e/test_flux_export.sh). */
#include "cli.h"

#include "runtime/kinds.h"
#include "util/duration.h"
#include "util/err.h"

#include <string.h>

#define POS_MAX 8

static const char *const ORDERS[] = { "asc", "desc", NULL };
static const char *const REFLECT[] = { "Never", "IfNotPresent", "Always", NULL };

/* The new object around spec (taken), applied or exported. */
static int create(const char *av, const char *kind, const char *name, json_t *spec)
{
	json_t *obj = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "apiVersion", av, "kind", kind, "metadata", "name", name,
				"namespace", cli.namespace, "spec", spec);
	int rc = cli_create_apply(obj, av, kind, name);

	json_decref(obj);
	return rc;
}

/* --image as go-containerregistry's name.NewRepository checks the repository part (after a
 * registry host, which has a '.' or ':' or is localhost); 0 or the exit code after the error */
static int check_image(const char *image)
{
	const char *slash = strchr(image, '/'), *repo = image;
	size_t n;

	if (slash && (memchr(image, '.', (size_t)(slash - image)) || memchr(image, ':', (size_t)(slash - image)) ||
		      strncmp(image, "localhost/", 10) == 0))
		repo = slash + 1;
	n = strlen(repo);
	if (strspn(repo, "abcdefghijklmnopqrstuvwxyz0123456789_-./") != n)
		return cli_fail(1, "unable to parse image value: repository can only contain the characters "
			       "`abcdefghijklmnopqrstuvwxyz0123456789_-./`: %s", image);
	if (n < 2 || n > 255)
		return cli_fail(1, "unable to parse image value: repository must be between 2 and 255 characters in length: %s", image);
	return 0;
}

int cmd_create_image_repository(int argc, char **argv, const char *name)
{
	const char *image = NULL, *secret = NULL, *cert = NULL, *timeout = NULL, *interval = "1m";
	const cf_flag own[] = {
		{ "image", CF_FLAG_STRING, &image, "the image repository to scan; e.g., library/alpine", 0 },
		{ "secret-ref", CF_FLAG_STRING, &secret, "the name of a docker-registry secret to use for credentials", 0 },
		{ "cert-ref", CF_FLAG_STRING, &cert, "the name of a secret to use for TLS certificates", 0 },
		{ "scan-timeout", CF_FLAG_STRING, &timeout, "a timeout for scanning; this defaults to the interval if not set", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "the interval at which to scan", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX], scan[CF_DURATION_MAX];
	size_t npos;
	json_t *spec;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux create image repository NAME --image IMAGE [--secret-ref S] [--cert-ref C] [--scan-timeout D]",
			    pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (image == NULL || image[0] == '\0')
		return cli_fail(1, "an image repository (--image) is required");
	if ((rc = check_image(image)) != 0 || (rc = cli_go_duration(every, "interval", interval)) != 0 ||
	    (timeout && (rc = cli_go_duration(scan, "scan-timeout", timeout)) != 0))
		return rc;
	spec = json_pack("{s:s,s:s}", "image", image, "interval", every);
	if (timeout && strcmp(scan, "0s") != 0)
		json_object_set_new(spec, "timeout", json_string(scan));
	if (secret && secret[0])
		json_object_set_new(spec, "secretRef", json_pack("{s:s}", "name", secret));
	if (cert && cert[0])
		json_object_set_new(spec, "certSecretRef", json_pack("{s:s}", "name", cert));
	return create(CF_AV_IMAGEREPOSITORY, "ImageRepository", name, spec);
}

/* Parentheses and brackets that close: the part of Go's regexp check a CLI can make without
 * the controller's translator (which checks the whole pattern, Stalled naming the field). */
static int regex_balanced(const char *re)
{
	int depth = 0, in_class = 0;

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (in_class) {
			in_class = *p != ']';
		} else if (*p == '[') {
			in_class = 1;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth < 0) {
			return 0;
		}
	}
	return depth == 0 && !in_class;
}

/* spec.policy from the --select-* flags; flux's own quirk kept: two of them give "policy: {}" */
static json_t *select_policy(const char *semver, const char *alpha, const char *numeric)
{
	int given = (semver != NULL) + (alpha != NULL) + (numeric != NULL);

	if (given != 1)
		return json_object();
	if (semver)
		return json_pack("{s:{s:s}}", "semver", "range", semver);
	return json_pack("{s:{s:s}}", alpha ? "alphabetical" : "numerical", "order", alpha ? alpha : numeric);
}

int cmd_create_image_policy(int argc, char **argv, const char *name)
{
	const char *ref = NULL, *semver = NULL, *alpha = NULL, *numeric = NULL, *regex = NULL, *extract = NULL;
	const char *reflect = NULL, *interval = NULL;
	const cf_flag own[] = {
		{ "image-ref", CF_FLAG_STRING, &ref, "the name of an image repository object", 0 },
		{ "select-semver", CF_FLAG_STRING, &semver, "a semver range to apply to tags; e.g., '1.x'", 0 },
		{ "select-alpha", CF_FLAG_STRING, &alpha, "use alphabetical sorting to select image; either \"asc\" meaning select the last, or \"desc\" meaning select the first", 0 },
		{ "select-numeric", CF_FLAG_STRING, &numeric, "use numeric sorting to select image; either \"asc\" meaning select the last, or \"desc\" meaning select the first", 0 },
		{ "filter-regex", CF_FLAG_STRING, &regex, "regular expression pattern used to filter the image tags", 0 },
		{ "filter-extract", CF_FLAG_STRING, &extract, "replacement pattern (using capture groups from --filter-regex) to use for sorting", 0 },
		{ "reflect-digest", CF_FLAG_STRING, &reflect, "the digest reflection policy to use when observing latest image tags (one of 'Never', 'IfNotPresent', 'Always')", 0 },
		{ "interval", CF_FLAG_STRING, &interval, "the interval at which to check for new image digests when the policy is set to 'Always'", 0 },
		CLI_CREATE_FLAGS,
	};
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *spec;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux create image policy NAME --image-ref R (--select-semver S | --select-alpha O | --select-numeric O) "
			    "[--filter-regex RE [--filter-extract E]] [--reflect-digest P [--interval D]]", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if (ref == NULL || ref[0] == '\0')
		return cli_fail(1, "the name of an ImageRepository in the namespace is required (--image-ref)");
	if (!semver && !alpha && !numeric)
		return cli_fail(1, "a policy must be provided with either --select-semver or --select-alpha");
	if (alpha && !cli_one_of(alpha, ORDERS))
		return cli_fail(1, "--select-alpha must be one of [\"asc\", \"desc\"]");
	if (numeric && !cli_one_of(numeric, ORDERS))
		return cli_fail(1, "--select-numeric must be one of [\"asc\", \"desc\"]");
	if (regex && !regex_balanced(regex))
		return cli_fail(1, "--filter-regex is an invalid regex pattern");
	if (extract && regex == NULL)
		return cli_fail(1, "cannot specify --filter-extract without specifying --filter-regex");
	if (reflect && !cli_one_of(reflect, REFLECT))
		return cli_fail(1, "invalid value for --reflect-digest, must be one of 'Never', 'IfNotPresent', 'Always'");
	if (interval && (reflect == NULL || strcmp(reflect, "Always") != 0))
		return cli_fail(1, "the --interval flag can only be used with the 'Always' digest reflection policy, use --reflect-digest=Always");
	if (interval && (rc = cli_go_duration(every, "interval", interval)) != 0)
		return rc;
	spec = json_pack("{s:{s:s},s:o}", "imageRepositoryRef", "name", ref, "policy", select_policy(semver, alpha, numeric));
	if (regex)
		json_object_set_new(spec, "filterTags", json_pack("{s:s,s:s}", "pattern", regex, "extract", extract ? extract : "")   /* flux writes extract: "" */);
	if (reflect)
		json_object_set_new(spec, "digestReflectionPolicy", json_string(reflect));
	if (interval)
		json_object_set_new(spec, "interval", json_string(every));
	return create(CF_AV_IMAGEPOLICY, "ImagePolicy", name, spec);
}

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
	const char *author = NULL, *email = NULL, *interval = "1m", *key = NULL, *key_type = NULL;
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
		{ "signing-key-secret", CF_FLAG_STRING, &key, "name of the Secret containing the signing key referenced in spec.git.commit.signingKey", 0 },
		{ "signing-key-type", CF_FLAG_STRING, &key_type, "signing-key format: gpg or ssh (defaults to gpg when --signing-key-secret is set)", 0 },
		CLI_CREATE_FLAGS,
	};
	static const char *const KEY_TYPES[] = { "gpg", "ssh", NULL };
	char *pos[POS_MAX], every[CF_DURATION_MAX];
	size_t npos;
	json_t *spec, *commit;
	int rc;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux create image update NAME --git-repo-ref R --checkout-branch B --author-name N --author-email E "
			    "[--git-repo-path P] [--push-branch B] [--commit-template T]", pos, &npos)) != 0)
		return rc == 1 ? 0 : rc;
	if ((rc = update_required(repo, checkout, author, email)) != 0)
		return rc;
	if (key_type && key_type[0] && !(key && key[0]))
		return cli_fail(1, "--signing-key-type requires --signing-key-secret");
	if (key_type && key_type[0] && !cli_one_of(key_type, KEY_TYPES))
		return cli_fail(1, "--signing-key-type must be one of: gpg, ssh");
	if ((rc = cli_go_duration(every, "interval", interval)) != 0)
		return rc;
	commit = json_pack("{s:{s:s,s:s}}", "author", "email", email, "name", author);
	if (tpl && tpl[0])
		json_object_set_new(commit, "messageTemplate", json_string(tpl));
	/* as flux writes it; the controller refuses to sign (see imageupdate.c) */
	if (key && key[0]) {
		json_t *sk = json_pack("{s:{s:s}}", "secretRef", "name", key);
		if (key_type && key_type[0])
			json_object_set_new(sk, "type", json_string(key_type));
		json_object_set_new(commit, "signingKey", sk);
	}
	spec = json_pack("{s:{s:{s:{s:s}},s:o},s:s,s:{s:s,s:s}}", "git", "checkout", "ref", "branch", checkout, "commit", commit,
			 "interval", every, "sourceRef", "kind", "GitRepository", "name", repo);
	if (repo_ns && repo_ns[0])
		json_object_set_new(json_object_get(spec, "sourceRef"), "namespace", json_string(repo_ns));
	if (push && push[0])
		json_object_set_new(json_object_get(spec, "git"), "push", json_pack("{s:s}", "branch", push));
	if (path && path[0])
		json_object_set_new(spec, "update", json_pack("{s:s,s:s}", "path", path, "strategy", "Setters"));
	return create(CF_AV_IMAGEUPDATEAUTOMATION, "ImageUpdateAutomation", name, spec);
}
