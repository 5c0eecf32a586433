/* common/runtime/leader.c - leader election on a Lease (see leader.h). */
#include "runtime/leader.h"

#include "util/alloc.h"
#include "util/duration.h"
#include "util/err.h"
#include "util/log.h"
#include "yaml/yaml.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

cf_leader_opts cf_leader_flags = { 0, 35000, 30000, 5000, 1, NULL };

int cf_lease_valid(long observed_ms, long lease_ms, long now_ms)
{
	return observed_ms + lease_ms > now_ms;
}

int cf_lease_may_take(const char *holder, const char *me, int valid)
{
	return holder == NULL || holder[0] == '\0' || strcmp(holder, me) == 0 || !valid;
}

int cf_leader_lost(long last_ms, long renew_deadline_ms, long now_ms)
{
	return now_ms - last_ms >= renew_deadline_ms;
}

int cf_leader_check(const cf_leader_opts *o)
{
	if (o->lease_ms <= o->renew_deadline_ms)
		return cf_err_set(CF_EINVAL, "--leader-election-lease-duration (%ld ms) must be greater than "
				  "--leader-election-renew-deadline (%ld ms)", o->lease_ms, o->renew_deadline_ms);
	if ((double)o->renew_deadline_ms <= (double)o->retry_ms * 1.2)
		return cf_err_set(CF_EINVAL, "--leader-election-renew-deadline (%ld ms) must be greater than "
				  "1.2 x --leader-election-retry-period (%ld ms)", o->renew_deadline_ms, o->retry_ms);
	return 0;
}

struct cf_leader {
	cf_leader_opts o;
	cf_kube *k;
	char name[300], ns[64], path[512], identity[320];
	/* the record last read or written: what changed it last, when (monotonic ms) */
	char seen_holder[320], seen_renew[CF_TIME_MAX];
	long seen_at, last_renew;
	pthread_t thread;
	volatile int done;
	int running;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* hostname + "_" + 16 random hex digits, as client-go's hostname_uuid */
static int make_identity(char *out, size_t size)
{
	unsigned char r[8];
	char host[256];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, r, sizeof(r)) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(r))
		return cf_err_set(CF_EIO, "leader election: cannot read /dev/urandom for the identity");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, size, "%s_%02x%02x%02x%02x%02x%02x%02x%02x", host, r[0], r[1], r[2], r[3], r[4], r[5], r[6],
		 r[7]);
	return 0;
}

static void note_record(cf_leader *l, const char *holder, const char *renew)
{
	if (strcmp(l->seen_holder, holder) != 0 || strcmp(l->seen_renew, renew) != 0) {
		snprintf(l->seen_holder, sizeof(l->seen_holder), "%s", holder);
		snprintf(l->seen_renew, sizeof(l->seen_renew), "%s", renew);
		l->seen_at = now_ms();
	}
}

static json_t *lease_object(const cf_leader *l, const char *holder, long duration_s, const char *acquire,
			    const char *renew, long transitions, const char *rv)
{
	json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:I,s:s,s:s,s:I}}", "apiVersion", "coordination.k8s.io/v1",
			      "kind", "Lease", "metadata", "name", l->name, "namespace", l->ns, "spec",
			      "holderIdentity", holder, "leaseDurationSeconds", (json_int_t)duration_s,
			      "acquireTime", acquire, "renewTime", renew, "leaseTransitions", (json_int_t)transitions);

	if (o && rv && json_object_set_new(json_object_get(o, "metadata"), "resourceVersion", json_string(rv)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int put_lease(cf_leader *l, const char *method, const char *path, json_t *obj)
{
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int rc;

	if (body == NULL) {
		json_decref(obj);
		return cf_err_set(CF_ENOMEM, "out of memory");
	}
	rc = cf_kube_request(l->k, NULL, method, path, "application/json", body, strlen(body));
	cf_free(body);
	json_decref(obj);
	return rc;
}

/* client-go's tryAcquireOrRenew: 1 we hold it (created, renewed or taken), 0 another holds it,
 * < 0 the API failed (a conflict: someone wrote between our read and our write). */
static int try_acquire_or_renew(cf_leader *l)
{
	char now[CF_TIME_MAX], coll[400];
	json_t *cur = NULL;
	const json_t *spec;
	const char *holder, *renew, *acquire;
	long transitions, dur;
	int rc;

	cf_time_rfc3339(now, 6);
	rc = cf_kube_request(l->k, &cur, "GET", l->path, NULL, NULL, 0);
	if (rc == CF_ENOTFOUND) {
		snprintf(coll, sizeof(coll), "/apis/coordination.k8s.io/v1/namespaces/%s/leases", l->ns);
		rc = put_lease(l, "POST", coll, lease_object(l, l->identity, l->o.lease_ms / 1000, now, now, 0, NULL));
		if (rc < 0)
			return rc;
		note_record(l, l->identity, now);
		return 1;
	}
	if (rc < 0)
		return rc;
	spec = json_object_get(cur, "spec");
	holder = cf_json_str(spec, "holderIdentity");
	renew = cf_json_str(spec, "renewTime");
	acquire = cf_json_str(spec, "acquireTime");
	holder = holder ? holder : "";
	transitions = (long)json_integer_value(json_object_get(spec, "leaseTransitions"));
	dur = (long)json_integer_value(json_object_get(spec, "leaseDurationSeconds"));
	note_record(l, holder, renew ? renew : "");
	if (!cf_lease_may_take(holder, l->identity, cf_lease_valid(l->seen_at, dur * 1000, now_ms()))) {
		json_decref(cur);
		return 0;
	}
	if (strcmp(holder, l->identity) != 0) {
		acquire = now;
		transitions++;   /* client-go counts every change of holder, from a released "" too */
	}
	rc = put_lease(l, "PUT", l->path,
		       lease_object(l, l->identity, l->o.lease_ms / 1000, acquire ? acquire : now, now, transitions,
				    cf_json_str(json_object_get(cur, "metadata"), "resourceVersion")));
	json_decref(cur);
	if (rc < 0)
		return rc;
	note_record(l, l->identity, now);
	return 1;
}

/* Sleeps ms in steps, ending early when *flag is set. */
static void nap(long ms, volatile int *flag)
{
	for (long t = 0; t < ms && !*flag; t += 50)
		usleep(50000);
}

static void *renew_loop(void *arg)
{
	cf_leader *l = arg;

	while (!l->done) {
		int rc;

		nap(l->o.retry_ms, &l->done);
		if (l->done)
			break;
		rc = try_acquire_or_renew(l);
		if (rc == 1) {
			l->last_renew = now_ms();
			continue;
		}
		if (rc == 0 || cf_leader_lost(l->last_renew, l->o.renew_deadline_ms, now_ms())) {
			/* stop writing at once, as controller-runtime: the process ends here */
			cf_log(CF_LOG_ERROR, "leader election lost", "lease", l->name, "namespace", l->ns, "identity",
			       l->identity, "holder", rc == 0 ? l->seen_holder : "", "error",
			       rc == 0 ? "another holder renewed the lease" : cf_err_msg(), NULL);
			_exit(1);
		}
		cf_log(CF_LOG_WARN, "failed to renew the lease; retrying", "lease", l->name, "error", cf_err_msg(),
		       NULL);
	}
	return NULL;
}

static int leader_new(cf_leader **out, const cf_leader_opts *o, const char *name, const char *kubeconfig,
		      const char *context)
{
	cf_kube_opts ko = CF_KUBE_OPTS_INIT;
	cf_leader *l;

	if (cf_leader_check(o) < 0)
		return CF_EINVAL;
	if ((l = cf_calloc(1, sizeof(*l))) == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	l->o = *o;
	ko.kubeconfig = kubeconfig;
	ko.context = context;
	ko.user_agent = name;
	ko.timeout_ms = o->retry_ms < o->renew_deadline_ms / 2 ? o->renew_deadline_ms / 2 : o->retry_ms;
	ko.max_retries = 0;   /* the loop retries, within the renew deadline */
	snprintf(l->name, sizeof(l->name), "%s-leader-election", name);
	if (make_identity(l->identity, sizeof(l->identity)) < 0 || cf_kube_new(&l->k, &ko) < 0) {
		cf_kube_free(l->k);
		cf_free(l);
		return -1;
	}
	snprintf(l->ns, sizeof(l->ns), "%s", o->namespace && o->namespace[0] ? o->namespace : cf_kube_namespace(l->k));
	snprintf(l->path, sizeof(l->path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns, l->name);
	*out = l;
	return 0;
}

int cf_leader_acquire(cf_leader **out, const cf_leader_opts *o, const char *name, const char *kubeconfig,
		      const char *context, volatile int *stop)
{
	cf_leader *l = NULL;
	long start;

	*out = NULL;
	if (!o->enable)
		return 0;
	if (leader_new(&l, o, name, kubeconfig, context) < 0)
		return -1;
	cf_log(CF_LOG_INFO, "attempting to acquire leader lease", "lease", l->name, "namespace", l->ns, "identity",
	       l->identity, NULL);
	start = now_ms();
	for (;;) {
		int rc = try_acquire_or_renew(l);

		if (rc == 1)
			break;
		if (rc < 0)
			cf_log(CF_LOG_WARN, "error retrieving or updating the lease", "lease", l->name, "error",
			       cf_err_msg(), NULL);
		nap(l->o.retry_ms, stop);
		if (*stop) {
			cf_log(CF_LOG_INFO, "stopped as a standby", "lease", l->name, "identity", l->identity, NULL);
			cf_kube_free(l->k);
			cf_free(l);
			return 0;
		}
	}
	{
		char waited[32];

		snprintf(waited, sizeof(waited), "%ld", now_ms() - start);
		cf_log(CF_LOG_INFO, "successfully acquired lease", "lease", l->name, "namespace", l->ns, "identity",
		       l->identity, "waited_ms", waited, NULL);
	}
	l->last_renew = now_ms();
	if (pthread_create(&l->thread, NULL, renew_loop, l) != 0) {
		cf_kube_free(l->k);
		cf_free(l);
		return cf_err_set(CF_ERR, "leader election: cannot start the renewal thread");
	}
	l->running = 1;
	*out = l;
	return 0;
}

/* client-go's release: holderIdentity "", leaseDurationSeconds 1, the transitions kept. */
static void release_lease(cf_leader *l)
{
	char now[CF_TIME_MAX];
	json_t *cur = NULL;
	const json_t *spec;
	const char *holder;
	int rc;

	cf_time_rfc3339(now, 6);
	if (cf_kube_request(l->k, &cur, "GET", l->path, NULL, NULL, 0) < 0) {
		cf_log(CF_LOG_WARN, "cannot release the lease", "lease", l->name, "error", cf_err_msg(), NULL);
		return;
	}
	spec = json_object_get(cur, "spec");
	holder = cf_json_str(spec, "holderIdentity");
	if (holder == NULL || strcmp(holder, l->identity) != 0) {
		json_decref(cur);
		return;
	}
	rc = put_lease(l, "PUT", l->path,
		       lease_object(l, "", 1, now, now, (long)json_integer_value(json_object_get(spec, "leaseTransitions")),
				    cf_json_str(json_object_get(cur, "metadata"), "resourceVersion")));
	json_decref(cur);
	if (rc < 0)
		cf_log(CF_LOG_WARN, "cannot release the lease", "lease", l->name, "error", cf_err_msg(), NULL);
	else
		cf_log(CF_LOG_INFO, "released the lease", "lease", l->name, "identity", l->identity, NULL);
}

void cf_leader_release(cf_leader *l)
{
	if (l == NULL)
		return;
	l->done = 1;
	if (l->running)
		pthread_join(l->thread, NULL);
	if (l->o.release_on_cancel)
		release_lease(l);
	cf_kube_free(l->k);
	cf_free(l);
}

const char *cf_leader_identity(const cf_leader *l)
{
	return l ? l->identity : "";
}
