/* image-automation-controller/controller.h - what main.c and the kinds' files share. One process
 * owns the three kinds that Flux splits over two controllers: ImageRepository and ImagePolicy
 * (Flux's image-reflector-controller) and ImageUpdateAutomation (Flux's
 * image-automation-controller). */
#ifndef IMAGE_AUTOMATION_CONTROLLER_H
#define IMAGE_AUTOMATION_CONTROLLER_H

#include "bus/bus.h"
#include "kube/kube.h"
#include "runtime/kinds.h"
#include "runtime/workqueue.h"

#include <jansson.h>
#include <pthread.h>

#define IMAGE_AUTOMATION_CONTROLLER "image-automation-controller"

typedef struct iac_ctl {
	/* flags */
	const char *kubeconfig, *context, *watch_namespace;
	const char *events_addr, *log_level, *internal_token_file;
	const char *storage_path;       /* the tag stores: <storage>/imagerepository/<ns>/<name>/tags */
	long concurrent, requeue_max_ms, tags_max, tags_page_size;
	/* run time */
	char *internal_token;
	cf_workqueue *queue;
	cf_bus_pub *events;
	pthread_mutex_t mu;             /* guards policies */
	json_t *policies;               /* "ns/name" of an ImagePolicy -> "ns/name" of its ImageRepository */
	volatile int stop;
} iac_ctl;

/* ---- imagerepository.c ---- */

/* spec.image of an ImageRepository, as go-containerregistry's name.NewRepository reads it */
typedef struct iac_image {
	char registry[256];       /* as written; Docker Hub's is "index.docker.io" */
	char api_host[256];       /* where its API answers ("registry-1.docker.io" for Docker Hub) */
	char repository[512];     /* "library/alpine" */
	char canonical[800];      /* registry/repository: status.canonicalImageName */
} iac_image;

/* CF_EINVAL naming spec.image when text is empty, has a scheme, a tag or a digest, or is not
 * a repository name. */
int iac_image_parse(iac_image *out, const char *text);

/* Reconciles ImageRepository ns/name once (c: the iac_ctl): the tags listed, stored when they
 * changed, status.lastScanResult. */
int imagerepository_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);

/* ---- imagepolicy.c ---- */

/* Reconciles ImagePolicy ns/name once: the latest tag of its ImageRepository's stored tags. */
int imagepolicy_reconcile(void *c, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
/* The policy index (c->policies): every ImagePolicy watch event keeps it. */
void imagepolicy_on_event(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
/* An ImageRepository watch event: the policies that use it are enqueued once it has a scan. */
void imagepolicy_on_repository(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);

#endif
