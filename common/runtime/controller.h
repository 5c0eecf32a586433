/* common/runtime/controller.h - a controller's kinds as a table: one row per kind it watches,
 * with what a watch event does (on_event), whether it asks for a reconcile (wants_reconcile)
 * and the reconcile itself. The workers' keys are "Kind/ns/name"; a worker finds the row by the
 * Kind and calls its reconcile. Adding a kind to a controller is adding its row and its file.
 *
 * A source kind of the source-controller (GitRepository, HelmRepository, HelmChart,
 * OCIRepository) is a row whose reconcile runs src_source_reconcile with the kind's body: the
 * storage of the artifact it serves, its removal, and the notice it publishes are the
 * source-controller's (source-controller/storage.c), named by the row's kind. */
#ifndef CF_CONTROLLER_H
#define CF_CONTROLLER_H

#include <jansson.h>
#include <stddef.h>

#include "bus/bus.h"
#include "kube/kube.h"
#include "runtime/kinds.h"
#include "runtime/leader.h"
#include "runtime/metrics.h"
#include "runtime/workqueue.h"
#include "util/flags.h"
#include "util/log.h"

/* The longest work key: Kind + '/' + namespace (63) + '/' + name (253), with room. */
#define CF_WORK_KEY_MAX 512

typedef struct cf_kind_handler {
	cf_kind_id kind;          /* the row of runtime/kinds.h: apiVersion and Kind */
	/* every watch event of the kind (its row in runtime/kinds.h), before wants_reconcile
	 * (caches, indexes, waking others); ctx is the controller's; NULL: none */
	void (*on_event)(void *ctx, const cf_kind *kind, const char *type, const json_t *obj);
	/* whether a watch event asks for a reconcile of obj; NULL: the kind is only watched */
	int  (*wants_reconcile)(const char *type, const json_t *obj);
	/* reconciles ns/name once: 0 (*requeue_ms: look again then; 0: only on change) or a negative
	 * code (retried after *requeue_ms when set, else backed off); NULL: not reconciled */
	int  (*reconcile)(void *ctx, cf_kube *k, const char *ns, const char *name, long *requeue_ms);
	/* 1: the kind's objects are kept as the watch shows them (runtime/objstore) and its
	 * reconciles read their object from there, not with a GET */
	int cached;
} cf_kind_handler;

/* A controller's table. */
typedef struct cf_kind_table {
	const cf_kind_handler *rows;
	size_t n;
} cf_kind_table;

/* The row of Kind name kind, or NULL. */
const cf_kind_handler *cf_kind_table_find(const cf_kind_table *t, const char *kind);

/* Writes "Kind/ns/name" into key. CF_EINVAL when it does not fit in size. */
int cf_work_key(char *key, size_t size, cf_kind_id kind, const char *ns, const char *name);

/* Splits key ("Kind/ns/name") in place: *row is the table's row of Kind, *ns and *name point
 * into key. CF_EINVAL (recorded, naming the key) when it is not Kind/ns/name or the Kind has no
 * reconcile in t. */
int cf_work_key_parse(char *key, const cf_kind_table *t, const cf_kind_handler **row, const char **ns,
		      const char **name);

/* Adds the key of obj (an object of kind) to q; objects without namespace or name are passed
 * over. */
void cf_work_enqueue(cf_workqueue *q, cf_kind_id kind, const json_t *obj);
/* The same for kind/ns/name. */
void cf_work_enqueue_name(cf_workqueue *q, cf_kind_id kind, const char *ns, const char *name);

/* What a watch event of row's kind does: on_event, then, when wants_reconcile says so, obj's
 * key into q. Returns 0 (a watch callback's result). */
int cf_kind_watch_event(const cf_kind_handler *row, void *ctx, cf_workqueue *q, const char *type,
			const json_t *obj);

/* ---- a controller's process ---- */

/* The flags every controller takes, for the head of its table: ctl is its options struct, with
 * the fields kubeconfig, context, watch_namespace, events_addr, internal_token_file and
 * log_level; events_help and token_help say what the address and the token are to it. */
#define CF_CONTROLLER_COMMON_FLAGS(ctl, events_help, token_help)                                                     \
	{ "kubeconfig", CF_FLAG_STRING, &(ctl).kubeconfig,                                                           \
	  "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)", 0 },                                 \
	{ "context", CF_FLAG_STRING, &(ctl).context, "kubeconfig context", 0 },                                      \
	{ "watch-namespace", CF_FLAG_STRING, &(ctl).watch_namespace, "only this namespace (default: all)", 0 },      \
	{ "events-addr", CF_FLAG_STRING, &(ctl).events_addr, events_help, 0 },                                       \
	{ "internal-token-file", CF_FLAG_STRING, &(ctl).internal_token_file, token_help, 0 },                        \
	{ "log-level", CF_FLAG_STRING, &(ctl).log_level, "debug, info, warn or error", 0 },                          \
	{ "log-encoding", CF_FLAG_STRING, &cf_log_encoding_flag, "log encoding format: console (key=value) or json", 0 }, \
	{ "metrics-addr", CF_FLAG_STRING, &cf_metrics_addr_flag,                                                     \
	  "the address the metric endpoint binds to (\"\": off)", 0 },                                                \
	{ "health-addr", CF_FLAG_STRING, &cf_health_addr_flag,                                                       \
	  "the address the health endpoint binds to (\"\": off)", 0 },                                               \
	{ "watch-label-selector", CF_FLAG_STRING, &cf_watch_label_selector,                                          \
	  "watch only the objects of the reconciled kinds with these labels (sharding)", 0 },                      \
	CF_LEADER_FLAGS

/* --watch-label-selector: the list and watch of every reconciled kind (a row with reconcile)
 * carries it, as Flux's cache does for its own kinds; the kinds only watched (sources a
 * Kustomization refers to) are watched whole. NULL: everything. */
extern const char *cf_watch_label_selector;

/* What a controller's main.c hands to cf_controller_main: its name, flags, kind rows and the
 * hooks for what only it does. The fields under bind point into its options struct (ctx);
 * CF_CONTROLLER_BIND(ctl) fills them for a struct with the fields of CF_CONTROLLER_COMMON_FLAGS
 * plus internal_token, queue and stop. */
typedef struct cf_controller_def {
	const char *name;                 /* "source-controller": its API user agent and error prefix */
	const char *usage;                /* --help's first lines */
	const cf_flag *flags;
	size_t nflags;
	const cf_kind_table *kinds;
	void *ctx;                        /* the controller's state, to every hook and row */
	struct {
		const char *const *kubeconfig, *const *context, *const *watch_namespace;
		const char *const *log_level, *const *events_addr, *const *internal_token_file;
		char **internal_token;    /* loaded from the file before setup; NULL without it */
		cf_workqueue **queue;
		volatile int *stop;
	} bind;
	const long *workers;              /* the worker pool's size (a flag's value) */
	const long *requeue_max_ms;       /* the longest failure backoff */
	cf_bus_pub **events;              /* when set: the PUSH socket to events_addr, with the token */
	/* Each hook may be NULL. setup: after the flags, the token, the queue and events, the
	 * controller's own sockets and servers (< 0: the start fails, exit 1). run: after the
	 * workers and the watches, its own threads and its "started" log. stopping: once a signal
	 * asked to stop, before the reconciles in flight finish. join: after workers and watches
	 * ended, its own threads. teardown: last, whenever setup ran (also after a failed start):
	 * frees what setup made. */
	int  (*setup)(void *ctx);
	int  (*run)(void *ctx);
	void (*stopping)(void *ctx);
	void (*join)(void *ctx);
	void (*teardown)(void *ctx);
} cf_controller_def;

#define CF_CONTROLLER_BIND(ctl)                                                                              \
	{ &(ctl).kubeconfig, &(ctl).context, &(ctl).watch_namespace, &(ctl).log_level, &(ctl).events_addr,   \
	  &(ctl).internal_token_file, &(ctl).internal_token, &(ctl).queue, &(ctl).stop }

/* A controller's process: flags (exit 0 after --help, 2 after an error), the log level, the
 * internal token, the workqueue (1 s doubling up to *requeue_max_ms), the events socket, setup,
 * SIGTERM/SIGINT, the worker pool (each worker with its own API client from the kubeconfig),
 * with --enable-leader-election first the Lease (runtime/leader.h: a standby waits there, before
 * setup, so it opens no server and writes nothing), a watch per kind row, run; the metrics and
 * health endpoints (runtime/metrics.h) from before setup to the end; then, once stopped, the
 * reconciles in flight finished, threads joined, the Lease released and everything freed.
 * Returns the exit status: 0, 1 (a start failed, logged "cannot
 * start") or 2. */
int cf_controller_main(const cf_controller_def *d, int argc, char **argv);
/* An API client as the controller's workers have it (d's kubeconfig and context, user agent
 * d->name). */
int cf_controller_client(const cf_controller_def *d, cf_kube **k);

#endif
