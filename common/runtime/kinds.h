/* common/runtime/kinds.h - the Flux kinds, one row each: group, versions, plural, the CLI's names,
 * where the revision is read from and which controller owns it; and the controllers. Every
 * group/version string of the toolkit is spelled here and nowhere else. */
#ifndef CF_KINDS_H
#define CF_KINDS_H

#include <jansson.h>
#include <stddef.h>

#define CF_GROUP_SOURCE       "source.toolkit.fluxcd.io"
#define CF_GROUP_KUSTOMIZE    "kustomize.toolkit.fluxcd.io"
#define CF_GROUP_HELM         "helm.toolkit.fluxcd.io"
#define CF_GROUP_NOTIFICATION "notification.toolkit.fluxcd.io"
#define CF_GROUP_IMAGE        "image.toolkit.fluxcd.io"

/* The preferred apiVersion of each kind (constants, for initialisers); the table's rows use them. */
#define CF_AV_GITREPOSITORY         CF_GROUP_SOURCE "/v1"
#define CF_AV_HELMREPOSITORY        CF_GROUP_SOURCE "/v1"
#define CF_AV_HELMCHART             CF_GROUP_SOURCE "/v1"
#define CF_AV_OCIREPOSITORY         CF_GROUP_SOURCE "/v1"
#define CF_AV_BUCKET                CF_GROUP_SOURCE "/v1"
#define CF_AV_KUSTOMIZATION         CF_GROUP_KUSTOMIZE "/v1"
#define CF_AV_HELMRELEASE           CF_GROUP_HELM "/v2"
#define CF_AV_PROVIDER              CF_GROUP_NOTIFICATION "/v1beta3"
#define CF_AV_ALERT                 CF_GROUP_NOTIFICATION "/v1beta3"
#define CF_AV_RECEIVER              CF_GROUP_NOTIFICATION "/v1"
#define CF_AV_IMAGEREPOSITORY       CF_GROUP_IMAGE "/v1beta2"
#define CF_AV_IMAGEPOLICY           CF_GROUP_IMAGE "/v1beta2"
#define CF_AV_IMAGEUPDATEAUTOMATION CF_GROUP_IMAGE "/v1beta2"

typedef enum cf_kind_id {
	CF_KIND_GITREPOSITORY,
	CF_KIND_HELMREPOSITORY,
	CF_KIND_HELMCHART,
	CF_KIND_OCIREPOSITORY,
	CF_KIND_BUCKET,
	CF_KIND_KUSTOMIZATION,
	CF_KIND_HELMRELEASE,
	CF_KIND_PROVIDER,
	CF_KIND_ALERT,
	CF_KIND_RECEIVER,
	CF_KIND_IMAGEREPOSITORY,
	CF_KIND_IMAGEPOLICY,
	CF_KIND_IMAGEUPDATEAUTOMATION,
	CF_KIND_COUNT
} cf_kind_id;

#define CF_KIND_MAX_NAMES 4
#define CF_KIND_MAX_OLDER 3

typedef struct cf_kind {
	cf_kind_id id;
	const char *kind;                         /* "GitRepository" */
	const char *group;                        /* "source.toolkit.fluxcd.io" */
	const char *api_version;                  /* the preferred one, "source.toolkit.fluxcd.io/v1" */
	const char *older[CF_KIND_MAX_OLDER];     /* older versions still served ("v1beta2"), NULL-ended */
	const char *plural;                       /* "gitrepositories" */
	/* The CLI's names, the first as cflux prints it; "source git" is two arguments. */
	const char *cli[CF_KIND_MAX_NAMES];
	const char *revision;                     /* the status field with the revision ("artifact.revision"), or NULL */
	const char *controller;                   /* the owner, "source-controller" */
} cf_kind;

/* A controller of the toolkit and whether cflux ships it yet. */
typedef struct cf_controller {
	const char *name;
	int shipped;
} cf_controller;

/* The rows, in cf_kind_id order; cf_kind_get(id) is &table[id]. */
const cf_kind *cf_kind_get(cf_kind_id id);
/* The row of a Kind name ("Kustomization"), or NULL. */
const cf_kind *cf_kind_find(const char *kind);
/* The row of apiVersion + kind when that version is the preferred or an older served one, or NULL. */
const cf_kind *cf_kind_find_gvk(const char *api_version, const char *kind);
/* The row the CLI's arguments name (pos[0], or pos[0] pos[1] for "source git"), only among the
 * kinds of shipped controllers; *used gets how many arguments named it. NULL when none. */
const cf_kind *cf_kind_from_args(char *const *pos, size_t npos, size_t *used);
/* The version part of the preferred apiVersion ("v1"). */
const char *cf_kind_version(const cf_kind *k);
/* The revision an object of the kind reports in its status (borrowed from obj), or NULL. */
const char *cf_kind_revision(const cf_kind *k, const json_t *obj);
/* Whether cflux ships the controller that owns the kind. */
int cf_kind_shipped(const cf_kind *k);

/* The controllers, in install order; *n gets their number. */
const cf_controller *cf_controllers(size_t *n);
const cf_controller *cf_controller_find(const char *name);

#endif
