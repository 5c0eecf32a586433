/* common/apply/health.c - kstatus-style health of live objects. */
#include "apply/health.h"

#include "util/err.h"
#include "yaml/yaml.h"

#include <stdio.h>
#include <string.h>

static long long iget(const json_t *o, const char *k, long long dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The condition `type` of status, or NULL. */
static const json_t *condition(const json_t *status, const char *type)
{
	size_t i;
	const json_t *c;

	json_array_foreach(json_object_get(status, "conditions"), i, c)
		if (streq(cf_json_str(c, "type"), type))
			return c;
	return NULL;
}

static int cond_is(const json_t *status, const char *type, const char *want)
{
	return streq(cf_json_str(condition(status, type), "status"), want);
}

static cf_health progress(char *msg, size_t size, const char *fmt, long long a, long long b)
{
	snprintf(msg, size, fmt, a, b);
	return CF_HEALTH_IN_PROGRESS;
}

static cf_health deployment(const json_t *spec, const json_t *st, char *msg, size_t size)
{
	long long want = iget(spec, "replicas", 1);
	const json_t *p = condition(st, "Progressing");

	if (p && streq(cf_json_str(p, "reason"), "ProgressDeadlineExceeded")) {
		snprintf(msg, size, "progress deadline exceeded");
		return CF_HEALTH_FAILED;
	}
	if (iget(st, "updatedReplicas", 0) < want)
		return progress(msg, size, "updated replicas: %lld/%lld", iget(st, "updatedReplicas", 0), want);
	if (iget(st, "replicas", 0) > want)
		return progress(msg, size, "pending termination: %lld/%lld", iget(st, "replicas", 0) - want, want);
	if (iget(st, "availableReplicas", 0) < want)
		return progress(msg, size, "available replicas: %lld/%lld", iget(st, "availableReplicas", 0), want);
	return CF_HEALTH_CURRENT;
}

static cf_health statefulset(const json_t *spec, const json_t *st, char *msg, size_t size)
{
	long long want = iget(spec, "replicas", 1);
	const char *strategy = cf_json_str(json_object_get(spec, "updateStrategy"), "type");

	if (iget(st, "readyReplicas", 0) < want)
		return progress(msg, size, "ready replicas: %lld/%lld", iget(st, "readyReplicas", 0), want);
	if ((strategy == NULL || streq(strategy, "RollingUpdate")) &&
	    !streq(cf_json_str(st, "currentRevision"), cf_json_str(st, "updateRevision"))) {
		snprintf(msg, size, "waiting for the rolling update to complete");
		return CF_HEALTH_IN_PROGRESS;
	}
	return CF_HEALTH_CURRENT;
}

static cf_health daemonset(const json_t *st, char *msg, size_t size)
{
	long long want = iget(st, "desiredNumberScheduled", -1);

	if (want < 0) {
		snprintf(msg, size, "not scheduled yet");
		return CF_HEALTH_IN_PROGRESS;
	}
	if (iget(st, "updatedNumberScheduled", 0) < want)
		return progress(msg, size, "updated: %lld/%lld", iget(st, "updatedNumberScheduled", 0), want);
	if (iget(st, "numberAvailable", 0) < want)
		return progress(msg, size, "available: %lld/%lld", iget(st, "numberAvailable", 0), want);
	return CF_HEALTH_CURRENT;
}

static cf_health job(const json_t *spec, const json_t *st, char *msg, size_t size)
{
	if (cond_is(st, "Failed", "True")) {
		snprintf(msg, size, "job failed: %s", cf_json_str(condition(st, "Failed"), "message") ?
			 cf_json_str(condition(st, "Failed"), "message") : "no message");
		return CF_HEALTH_FAILED;
	}
	if (cond_is(st, "Complete", "True"))
		return CF_HEALTH_CURRENT;
	return progress(msg, size, "succeeded: %lld/%lld", iget(st, "succeeded", 0), iget(spec, "completions", 1));
}

static cf_health pod(const json_t *st, char *msg, size_t size)
{
	const char *phase = cf_json_str(st, "phase");

	if (streq(phase, "Succeeded") || (streq(phase, "Running") && cond_is(st, "Ready", "True")))
		return CF_HEALTH_CURRENT;
	snprintf(msg, size, "pod phase %s", phase ? phase : "unknown");
	return streq(phase, "Failed") ? CF_HEALTH_FAILED : CF_HEALTH_IN_PROGRESS;
}

/* Any other kind: observedGeneration (if reported) at the generation, then the Stalled,
 * Reconciling and Ready conditions (if any). */
static cf_health generic(const json_t *md, const json_t *st, char *msg, size_t size)
{
	const json_t *ready = condition(st, "Ready");
	const json_t *og = json_object_get(st, "observedGeneration");

	if (og && json_integer_value(og) != iget(md, "generation", 0))
		return progress(msg, size, "observed generation %lld, generation %lld", json_integer_value(og),
				iget(md, "generation", 0));
	if (cond_is(st, "Stalled", "True")) {
		snprintf(msg, size, "stalled: %s", cf_json_str(condition(st, "Stalled"), "message") ?
			 cf_json_str(condition(st, "Stalled"), "message") : "");
		return CF_HEALTH_FAILED;
	}
	if (cond_is(st, "Reconciling", "True")) {
		snprintf(msg, size, "reconciling");
		return CF_HEALTH_IN_PROGRESS;
	}
	if (ready && !streq(cf_json_str(ready, "status"), "True")) {
		snprintf(msg, size, "not ready: %s", cf_json_str(ready, "message") ? cf_json_str(ready, "message") : "");
		return CF_HEALTH_IN_PROGRESS;
	}
	return CF_HEALTH_CURRENT;
}

cf_health cf_health_of(const json_t *obj, char *msg, size_t size)
{
	const char *kind = cf_json_str(obj, "kind");
	const json_t *md = json_object_get(obj, "metadata"), *spec = json_object_get(obj, "spec");
	const json_t *st = json_object_get(obj, "status");
	const json_t *og = json_object_get(st, "observedGeneration");

	msg[0] = '\0';
	if (kind == NULL)
		return CF_HEALTH_CURRENT;
	if (json_object_get(md, "deletionTimestamp")) {
		snprintf(msg, size, "being deleted");
		return CF_HEALTH_IN_PROGRESS;
	}
	/* the workload kinds report the generation their status describes */
	if ((streq(kind, "Deployment") || streq(kind, "StatefulSet") || streq(kind, "DaemonSet") ||
	     streq(kind, "ReplicaSet")) && (og == NULL || json_integer_value(og) < iget(md, "generation", 0))) {
		snprintf(msg, size, "the controller has not observed generation %lld yet", iget(md, "generation", 0));
		return CF_HEALTH_IN_PROGRESS;
	}
	if (streq(kind, "Deployment"))
		return deployment(spec, st, msg, size);
	if (streq(kind, "StatefulSet"))
		return statefulset(spec, st, msg, size);
	if (streq(kind, "DaemonSet"))
		return daemonset(st, msg, size);
	if (streq(kind, "ReplicaSet")) {
		long long want = iget(spec, "replicas", 1);
		if (iget(st, "availableReplicas", 0) < want)
			return progress(msg, size, "available replicas: %lld/%lld", iget(st, "availableReplicas", 0), want);
		return CF_HEALTH_CURRENT;
	}
	if (streq(kind, "Job"))
		return job(spec, st, msg, size);
	if (streq(kind, "Pod"))
		return pod(st, msg, size);
	if (streq(kind, "PersistentVolumeClaim")) {
		if (streq(cf_json_str(st, "phase"), "Bound"))
			return CF_HEALTH_CURRENT;
		snprintf(msg, size, "PVC is not bound");
		return CF_HEALTH_IN_PROGRESS;
	}
	if (streq(kind, "Service")) {
		if (!streq(cf_json_str(spec, "type"), "LoadBalancer") ||
		    json_array_size(json_object_get(json_object_get(st, "loadBalancer"), "ingress")) > 0)
			return CF_HEALTH_CURRENT;
		snprintf(msg, size, "no external address yet");
		return CF_HEALTH_IN_PROGRESS;
	}
	if (streq(kind, "CustomResourceDefinition")) {
		if (cond_is(st, "Established", "True"))
			return CF_HEALTH_CURRENT;
		snprintf(msg, size, "not established");
		return cond_is(st, "NamesAccepted", "False") ? CF_HEALTH_FAILED : CF_HEALTH_IN_PROGRESS;
	}
	if (streq(kind, "Namespace")) {
		if (streq(cf_json_str(st, "phase"), "Active"))
			return CF_HEALTH_CURRENT;
		snprintf(msg, size, "namespace phase %s", cf_json_str(st, "phase") ? cf_json_str(st, "phase") : "unknown");
		return CF_HEALTH_IN_PROGRESS;
	}
	return generic(md, st, msg, size);
}

const char *cf_health_str(cf_health h)
{
	return h == CF_HEALTH_CURRENT ? "Current" : h == CF_HEALTH_FAILED ? "Failed" : "InProgress";
}

cf_health cf_health_check_refs(cf_kube *k, const json_t *targets, cf_buf *msg)
{
	const json_t *t;
	size_t i, n = 0;
	cf_health worst = CF_HEALTH_CURRENT;

	cf_buf_reset(msg);
	json_array_foreach(targets, i, t) {
		cf_kube_ref ref = { cf_json_str(t, "apiVersion"), cf_json_str(t, "kind"), cf_json_str(t, "namespace"), cf_json_str(t, "name") };
		json_t *live = NULL;
		char why[512];
		cf_health h;
		int rc = cf_kube_get(k, &live, &ref);

		if (rc < 0) {
			h = CF_HEALTH_IN_PROGRESS;
			snprintf(why, sizeof(why), "%s", rc == CF_ENOTFOUND ? "not found" : cf_err_msg());
			cf_err_clear();
		} else {
			h = cf_health_of(live, why, sizeof(why));
		}
		json_decref(live);
		if (h == CF_HEALTH_CURRENT)
			continue;
		if (h > worst)
			worst = h;
		cf_buf_printf(msg, "%s%s/%s%s%s status: '%s'%s%s", n++ ? ", " : "", ref.kind,
			      ref.namespace ? ref.namespace : "", ref.namespace ? "/" : "", ref.name, cf_health_str(h),
			      why[0] ? ": " : "", why);
	}
	return worst;
}
