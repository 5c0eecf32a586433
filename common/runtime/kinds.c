/* common/runtime/kinds.c - the kind table and the controllers. */
#include "runtime/kinds.h"

#include <stdio.h>
#include <string.h>

static const cf_controller CONTROLLERS[] = {
	{ "source-controller", 1 },
	{ "kustomize-controller", 1 },
	{ "notification-controller", 1 },
	{ "helm-controller", 1 },
	/* one process owns what Flux splits over image-reflector- and image-automation-controller */
	{ "image-automation-controller", 1 },
};

#define ROW(id, kind, group, av, older, plural, cli, revision, controller) \
	[id] = { id, kind, group, av, older, plural, cli, revision, controller }
#define L(...) { __VA_ARGS__ }

static const cf_kind KINDS[CF_KIND_COUNT] = {
	ROW(CF_KIND_GITREPOSITORY, "GitRepository", CF_GROUP_SOURCE, CF_AV_GITREPOSITORY, L("v1beta2", "v1beta1"),
	    "gitrepositories", L("source git", "sources git"), "artifact.revision", "source-controller"),
	ROW(CF_KIND_HELMREPOSITORY, "HelmRepository", CF_GROUP_SOURCE, CF_AV_HELMREPOSITORY, L("v1beta2", "v1beta1"),
	    "helmrepositories", L("source helm", "sources helm"), "artifact.revision", "source-controller"),
	ROW(CF_KIND_HELMCHART, "HelmChart", CF_GROUP_SOURCE, CF_AV_HELMCHART, L("v1beta2", "v1beta1"),
	    "helmcharts", L("source chart", "sources chart"), "artifact.revision", "source-controller"),
	ROW(CF_KIND_OCIREPOSITORY, "OCIRepository", CF_GROUP_SOURCE, CF_AV_OCIREPOSITORY, L("v1beta2"),
	    "ocirepositories", L("source oci", "sources oci"), "artifact.revision", "source-controller"),
	ROW(CF_KIND_BUCKET, "Bucket", CF_GROUP_SOURCE, CF_AV_BUCKET, L("v1beta2", "v1beta1"),
	    "buckets", L("source bucket", "sources bucket"), "artifact.revision", "source-controller"),
	ROW(CF_KIND_KUSTOMIZATION, "Kustomization", CF_GROUP_KUSTOMIZE, CF_AV_KUSTOMIZATION, L("v1beta2", "v1beta1"),
	    "kustomizations", L("kustomization", "ks", "kustomizations"), "lastAppliedRevision", "kustomize-controller"),
	ROW(CF_KIND_HELMRELEASE, "HelmRelease", CF_GROUP_HELM, CF_AV_HELMRELEASE, L("v2beta2", "v2beta1"),
	    "helmreleases", L("helmrelease", "hr", "helmreleases"), "lastAttemptedRevision", "helm-controller"),
	ROW(CF_KIND_PROVIDER, "Provider", CF_GROUP_NOTIFICATION, CF_AV_PROVIDER, L("v1beta2", "v1beta1"),
	    "providers", L("alert-provider", "alert-providers"), NULL, "notification-controller"),
	ROW(CF_KIND_ALERT, "Alert", CF_GROUP_NOTIFICATION, CF_AV_ALERT, L("v1beta2", "v1beta1"),
	    "alerts", L("alert", "alerts"), NULL, "notification-controller"),
	ROW(CF_KIND_RECEIVER, "Receiver", CF_GROUP_NOTIFICATION, CF_AV_RECEIVER, L("v1beta2", "v1beta1"),
	    "receivers", L("receiver", "receivers"), NULL, "notification-controller"),
	ROW(CF_KIND_IMAGEREPOSITORY, "ImageRepository", CF_GROUP_IMAGE, CF_AV_IMAGEREPOSITORY, L("v1beta1"),
	    "imagerepositories", L("image repository", "images repository"), "lastScanResult.revision", "image-automation-controller"),
	ROW(CF_KIND_IMAGEPOLICY, "ImagePolicy", CF_GROUP_IMAGE, CF_AV_IMAGEPOLICY, L("v1beta1"),
	    "imagepolicies", L("image policy", "images policy"), "latestImage", "image-automation-controller"),
	ROW(CF_KIND_IMAGEUPDATEAUTOMATION, "ImageUpdateAutomation", CF_GROUP_IMAGE, CF_AV_IMAGEUPDATEAUTOMATION, L("v1beta1"),
	    "imageupdateautomations", L("image update", "images update"), "lastPushCommit", "image-automation-controller"),
};

const cf_kind *cf_kind_get(cf_kind_id id)
{
	return (unsigned)id < CF_KIND_COUNT ? &KINDS[id] : NULL;
}

const cf_kind *cf_kind_find(const char *kind)
{
	for (size_t i = 0; kind && i < CF_KIND_COUNT; i++)
		if (strcmp(KINDS[i].kind, kind) == 0)
			return &KINDS[i];
	return NULL;
}

const char *cf_kind_version(const cf_kind *k)
{
	return k->api_version + strlen(k->group) + 1;
}

const cf_kind *cf_kind_find_gvk(const char *api_version, const char *kind)
{
	const cf_kind *k = cf_kind_find(kind);
	size_t glen;

	if (k == NULL || api_version == NULL)
		return NULL;
	if (strcmp(api_version, k->api_version) == 0)
		return k;
	glen = strlen(k->group);
	if (strncmp(api_version, k->group, glen) != 0 || api_version[glen] != '/')
		return NULL;
	for (size_t i = 0; i < CF_KIND_MAX_OLDER && k->older[i]; i++)
		if (strcmp(api_version + glen + 1, k->older[i]) == 0)
			return k;
	return NULL;
}

/* How many of pos a CLI name ("source git": two words) takes, or 0 when it does not match. */
static size_t name_matches(const char *name, char *const *pos, size_t npos)
{
	const char *space = strchr(name, ' ');

	if (space == NULL)
		return npos >= 1 && strcmp(pos[0], name) == 0 ? 1 : 0;
	if (npos < 2 || strlen(pos[0]) != (size_t)(space - name) || strncmp(pos[0], name, (size_t)(space - name)) != 0)
		return 0;
	return strcmp(pos[1], space + 1) == 0 ? 2 : 0;
}

const cf_kind *cf_kind_from_args(char *const *pos, size_t npos, size_t *used)
{
	*used = 0;
	for (size_t i = 0; i < CF_KIND_COUNT; i++) {
		if (!cf_kind_shipped(&KINDS[i]))
			continue;
		for (size_t j = 0; j < CF_KIND_MAX_NAMES && KINDS[i].cli[j]; j++) {
			size_t n = name_matches(KINDS[i].cli[j], pos, npos);
			if (n > 0) {
				*used = n;
				return &KINDS[i];
			}
		}
	}
	return NULL;
}

const char *cf_kind_revision(const cf_kind *k, const json_t *obj)
{
	const json_t *v = json_object_get(obj, "status");
	const char *p = k->revision, *dot;
	char field[64];

	if (p == NULL)
		return NULL;
	while ((dot = strchr(p, '.')) != NULL) {
		snprintf(field, sizeof(field), "%.*s", (int)(dot - p), p);
		v = json_object_get(v, field);
		p = dot + 1;
	}
	return json_string_value(json_object_get(v, p));
}

const cf_controller *cf_controllers(size_t *n)
{
	*n = sizeof(CONTROLLERS) / sizeof(CONTROLLERS[0]);
	return CONTROLLERS;
}

const cf_controller *cf_controller_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(CONTROLLERS) / sizeof(CONTROLLERS[0]); i++)
		if (strcmp(CONTROLLERS[i].name, name) == 0)
			return &CONTROLLERS[i];
	return NULL;
}

int cf_kind_shipped(const cf_kind *k)
{
	const cf_controller *c = cf_controller_find(k->controller);

	return c != NULL && c->shipped;
}
