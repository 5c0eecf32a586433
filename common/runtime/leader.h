/* common/runtime/leader.h - leader election on a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection (what controller-runtime and so Flux use): the Lease
 * "<controller>-leader-election" in the controller's namespace holds holderIdentity,
 * leaseDurationSeconds, acquireTime, renewTime and leaseTransitions; every write is a PUT with
 * the resourceVersion read, so two candidates never both win.
 *
 * A candidate (cf_leader_acquire) retries every retry period until the lease is free: no holder,
 * or a holder whose record has not changed for leaseDurationSeconds of our own clock (the
 * observed time, as client-go: clocks of other hosts are not compared). The leader renews every
 * retry period in a thread; when it has not renewed for the renew deadline, or it reads another
 * holder, it logs "leader election lost" and exits 1 at once (controller-runtime's os.Exit): no
 * write of this process follows. cf_leader_release (after the reconciles in flight ended)
 * hands the lease back (holderIdentity "", leaseDurationSeconds 1: ReleaseOnCancel) so a
 * standby takes over within its retry period. */
#ifndef CF_LEADER_H
#define CF_LEADER_H

#include "kube/kube.h"

/* The flags' values (Flux's names and defaults; see CF_LEADER_FLAGS). */
typedef struct cf_leader_opts {
	int enable;                 /* --enable-leader-election (false) */
	long lease_ms;              /* --leader-election-lease-duration (35s) */
	long renew_deadline_ms;     /* --leader-election-renew-deadline (30s) */
	long retry_ms;              /* --leader-election-retry-period (5s) */
	int release_on_cancel;      /* --leader-election-release-on-cancel (true) */
	const char *namespace;      /* --leader-election-namespace (cflux's; default: the client's:
				     * the kubeconfig context's, in a cluster the service account's) */
} cf_leader_opts;
extern cf_leader_opts cf_leader_flags;

#define CF_LEADER_FLAGS                                                                                          \
	{ "enable-leader-election", CF_FLAG_BOOL, &cf_leader_flags.enable,                                       \
	  "enable leader election: only the holder of the Lease reconciles", 0 },                                \
	{ "leader-election-lease-duration", CF_FLAG_DURATION, &cf_leader_flags.lease_ms,                         \
	  "how long standbys wait before taking an unrenewed lease", 1000 },                                     \
	{ "leader-election-renew-deadline", CF_FLAG_DURATION, &cf_leader_flags.renew_deadline_ms,                \
	  "how long the leader retries renewing before it gives up (and exits)", 1000 },                         \
	{ "leader-election-retry-period", CF_FLAG_DURATION, &cf_leader_flags.retry_ms,                           \
	  "how often candidates try to acquire and the leader renews", 100 },                                    \
	{ "leader-election-release-on-cancel", CF_FLAG_BOOL, &cf_leader_flags.release_on_cancel,                 \
	  "release the lease when the process stops", 0 },                                                       \
	{ "leader-election-namespace", CF_FLAG_STRING, &cf_leader_flags.namespace,                               \
	  "namespace of the Lease (default: the kubeconfig context's or the service account's)", 0 }

/* ---- the pure decisions (client-go's) ---- */

/* Whether a record last seen changing at observed_ms (a monotonic clock) is still held at now_ms
 * for lease_ms. */
int cf_lease_valid(long observed_ms, long lease_ms, long now_ms);
/* Whether me may take a lease held by holder ("" or NULL: free) that is (valid) or is not
 * current: it is free, ours, or expired. */
int cf_lease_may_take(const char *holder, const char *me, int valid);
/* Whether a leader whose last renewal was at last_ms has lost it at now_ms. */
int cf_leader_lost(long last_ms, long renew_deadline_ms, long now_ms);
/* The durations as client-go checks them: lease > renew deadline > retry * 1.2. CF_EINVAL naming
 * the flags otherwise. */
int cf_leader_check(const cf_leader_opts *o);

/* ---- the election ---- */

typedef struct cf_leader cf_leader;

/* With o->enable: a candidate for the Lease "<name>-leader-election" (client from kubeconfig and
 * context, user agent name), identity hostname_<random>; returns once it leads (0, *out set and
 * the renewal running) or *stop is set (0, *out NULL: the process ends as a standby). Without
 * o->enable: 0 at once, *out NULL. < 0: the flags or the client are wrong. */
int  cf_leader_acquire(cf_leader **out, const cf_leader_opts *o, const char *name, const char *kubeconfig,
		       const char *context, volatile int *stop);
/* Stops renewing, releases the lease when o->release_on_cancel and frees l. Safe on NULL. */
void cf_leader_release(cf_leader *l);
/* The identity ("host_hex"), for logs and tests. */
const char *cf_leader_identity(const cf_leader *l);

#endif
