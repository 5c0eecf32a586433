/* cli/install.c - what `cflux install` applies (CRDs, namespace, least-privilege RBAC, Flux's
 * three NetworkPolicies, and for each chosen controller a Deployment and a Service), the
 * internal token Secret it creates, `cflux install`, `uninstall` and `check`. The CRDs are
 * compiled in from manifests/crds. */
#include "cli.h"

#include "apply/apply.h"
#include "runtime/addr.h"
#include "runtime/kinds.h"
#include "util/alloc.h"
#include "util/err.h"
#include "yaml/yaml.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


extern const char cflux_crds_yaml[];

/* The shared secret of the artifact service and the event intakes (see common/bus/bus.h): a Secret
 * that install creates in the cluster and never writes into --export (bootstrap commits that
 * output to Git); the controllers read it from a mounted file, never from argv. */
#define INTERNAL_TOKEN_SECRET "cflux-internal-token"
#define INTERNAL_TOKEN_DIR "/etc/cflux/internal-token"
#define INTERNAL_TOKEN_FLAG "--internal-token-file=" INTERNAL_TOKEN_DIR "/token"

/* Flux's ports for metrics (http-prom) and probes (healthz), passed to every controller */
#define METRICS_PORT 8080
#define HEALTH_PORT 9440
#define METRICS_ARG "--metrics-addr=:8080"
#define HEALTH_ARG "--health-addr=:9440"


/* One controller: its rules (as compact JSON, in a ClusterRole), container args, ports. */
typedef struct component {
	const char *name;
	const char *rules;
	const char *args;      /* JSON array, %s = namespace */
	const char *ports;     /* JSON array of container ports */
	const char *svc_ports; /* JSON array of service ports, or NULL */
	int cluster_admin;     /* applies arbitrary manifests: bound to cluster-admin, as in Flux */
	/* the container's memory limit, from measurements: the kustomize-controller holds an
	 * artifact compressed and inflated while it builds (a 256 MiB artifact, the default
	 * --artifact-max-size, peaks at about 520 MiB: tests/bench/bench_tree_rss), so it and the
	 * source-controller get Flux's 1Gi; the notification-controller idles at ~3.4 MiB with a
	 * bounded queue */
	const char *memory_limit;
	const char *scratch;   /* a writable emptyDir's mount path (artifacts, tag stores, helm's work), or NULL */
	/* the memory request: what the controller holds at steady load (cflux controllers idle at
	 * 3.4 to 8 MiB and peak at ~31 MiB with 500 Kustomizations: 32Mi); the helm-controller's helm
	 * child renders charts in its own process: Flux's 64Mi */
	const char *memory_request;
	/* Flux's terminationGracePeriodSeconds for the controller: time to finish the reconcile in
	 * flight after SIGTERM (60 s for a kustomize apply, 600 s for a helm upgrade) */
	int grace_seconds;
} component;

static const component COMPONENTS[] = {
	{ "source-controller",
	  "[{\"apiGroups\":[\"" CF_GROUP_SOURCE "\"],\"resources\":[\"gitrepositories\",\"gitrepositories/status\",\"gitrepositories/finalizers\","
	  "\"helmrepositories\",\"helmrepositories/status\",\"helmrepositories/finalizers\","
	  "\"helmcharts\",\"helmcharts/status\",\"helmcharts/finalizers\","
	  "\"ocirepositories\",\"ocirepositories/status\",\"ocirepositories/finalizers\"],"
	  "\"verbs\":[\"get\",\"list\",\"watch\",\"patch\",\"update\"]},"
	  "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],\"verbs\":[\"get\",\"create\",\"update\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"events\"],\"verbs\":[\"create\",\"patch\"]}]",
	  "[\"--storage-path=/data\",\"--artifact-addr=tcp://0.0.0.0:" CF_PORT_ARTIFACT "\",\"--notify-addr=tcp://0.0.0.0:" CF_PORT_NOTIFY "\","
	  "\"--storage-adv-addr=tcp://source-controller.%s.svc:" CF_PORT_ARTIFACT "\",\"--events-addr=tcp://notification-controller.%s.svc:" CF_PORT_EVENTS "\","
	  "\"" INTERNAL_TOKEN_FLAG "\"]",
	  "[{\"name\":\"artifacts\",\"containerPort\":" CF_PORT_ARTIFACT ",\"protocol\":\"TCP\"},{\"name\":\"notices\",\"containerPort\":" CF_PORT_NOTIFY ",\"protocol\":\"TCP\"}]",
	  "[{\"name\":\"artifacts\",\"port\":" CF_PORT_ARTIFACT ",\"targetPort\":\"artifacts\",\"protocol\":\"TCP\"},"
	  "{\"name\":\"notices\",\"port\":" CF_PORT_NOTIFY ",\"targetPort\":\"notices\",\"protocol\":\"TCP\"}]", 0, "1Gi", "/data", "32Mi", 10 },
	{ "kustomize-controller", NULL,
	  "[\"--source-notify-addr=tcp://source-controller.%s.svc:" CF_PORT_NOTIFY "\",\"--events-addr=tcp://notification-controller.%s.svc:" CF_PORT_EVENTS "\","
	  "\"" INTERNAL_TOKEN_FLAG "\"]",
	  "[]", NULL, 1, "1Gi", NULL, "32Mi", 60 },
	{ "notification-controller",
	  "[{\"apiGroups\":[\"" CF_GROUP_NOTIFICATION "\"],\"resources\":[\"providers\",\"alerts\",\"receivers\",\"providers/status\","
	  "\"alerts/status\",\"receivers/status\"],"
	  "\"verbs\":[\"get\",\"list\",\"watch\",\"patch\",\"update\"]},"
	  "{\"apiGroups\":[\"" CF_GROUP_SOURCE "\",\"" CF_GROUP_KUSTOMIZE "\",\"" CF_GROUP_HELM "\",\"" CF_GROUP_IMAGE "\"],"
	  "\"resources\":[\"*\"],\"verbs\":[\"get\",\"list\",\"patch\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]},"
	  "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],\"verbs\":[\"get\",\"create\",\"update\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"events\"],\"verbs\":[\"create\",\"patch\"]}]",
	  "[\"--events-addr=tcp://0.0.0.0:" CF_PORT_EVENTS "\",\"--events-http-addr=0.0.0.0:" CF_PORT_EVENTS_HTTP "\",\"--receiver-addr=0.0.0.0:" CF_PORT_RECEIVER "\","
	  "\"" INTERNAL_TOKEN_FLAG "\"]",
	  "[{\"name\":\"events\",\"containerPort\":" CF_PORT_EVENTS ",\"protocol\":\"TCP\"},{\"name\":\"events-http\",\"containerPort\":" CF_PORT_EVENTS_HTTP ",\"protocol\":\"TCP\"},"
	  "{\"name\":\"webhook\",\"containerPort\":" CF_PORT_RECEIVER ",\"protocol\":\"TCP\"}]",
	  "[{\"name\":\"events\",\"port\":" CF_PORT_EVENTS ",\"targetPort\":\"events\",\"protocol\":\"TCP\"},"
	  "{\"name\":\"events-http\",\"port\":" CF_PORT_EVENTS_HTTP ",\"targetPort\":\"events-http\",\"protocol\":\"TCP\"},"
	  "{\"name\":\"webhook\",\"port\":80,\"targetPort\":\"webhook\",\"protocol\":\"TCP\"}]", 0, "256Mi", NULL, "32Mi", 10 },
	/* helm installs whatever a chart holds: bound to cluster-admin, as Flux's helm-controller;
	 * helm runs as a child process with its own peak (a chart's rendering), hence Flux's 1Gi */
	{ "helm-controller", NULL,
	  "[\"--source-notify-addr=tcp://source-controller.%s.svc:" CF_PORT_NOTIFY "\",\"--events-addr=tcp://notification-controller.%s.svc:" CF_PORT_EVENTS "\","
	  "\"--helm=/usr/local/bin/helm\",\"" INTERNAL_TOKEN_FLAG "\"]",
	  "[]", NULL, 1, "1Gi", "/tmp", "64Mi", 600 },
	/* Flux's image-reflector- and image-automation-controller in one process: its kinds, the
	 * GitRepositories it commits to, the Secrets and service accounts of registries and Git,
	 * the namespaces of accessFrom; the tag stores on /data. Memory: tag lists are capped
	 * (--tags-max) and read a page at a time */
	{ "image-automation-controller",
	  "[{\"apiGroups\":[\"" CF_GROUP_IMAGE "\"],\"resources\":[\"imagerepositories\",\"imagerepositories/status\","
	  "\"imagerepositories/finalizers\",\"imagepolicies\",\"imagepolicies/status\",\"imagepolicies/finalizers\","
	  "\"imageupdateautomations\",\"imageupdateautomations/status\",\"imageupdateautomations/finalizers\"],"
	  "\"verbs\":[\"get\",\"list\",\"watch\",\"patch\",\"update\"]},"
	  "{\"apiGroups\":[\"" CF_GROUP_SOURCE "\"],\"resources\":[\"gitrepositories\"],\"verbs\":[\"get\",\"list\",\"watch\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\",\"serviceaccounts\",\"namespaces\"],\"verbs\":[\"get\"]},"
	  "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],\"verbs\":[\"get\",\"create\",\"update\"]},"
	  "{\"apiGroups\":[\"\"],\"resources\":[\"events\"],\"verbs\":[\"create\",\"patch\"]}]",
	  "[\"--storage-path=/data\",\"--events-addr=tcp://notification-controller.%s.svc:" CF_PORT_EVENTS "\",\"" INTERNAL_TOKEN_FLAG "\"]",
	  "[]", NULL, 0, "256Mi", "/data", "32Mi", 10 },
};

static json_t *labels(const char *component)
{
	return json_pack("{s:s,s:s,s:s*}", "app.kubernetes.io/part-of", "cflux", "app.kubernetes.io/version", CFLUX_VERSION,
			 "app.kubernetes.io/component", component);
}

static json_t *loads(const char *fmt_or_json, const char *ns)
{
	char text[2048];

	snprintf(text, sizeof(text), fmt_or_json, ns, ns);
	return json_loads(text, 0, NULL);
}

static int add_component(json_t *objs, const component *c, const char *ns)
{
	char role[200], image[600];
	json_t *args = loads(c->args, ns), *ports = json_loads(c->ports, 0, NULL);
	json_t *container, *pod, *dep;

	snprintf(role, sizeof(role), "cflux-%s", c->name);
	json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:s,s:o}}", "apiVersion", "v1", "kind", "ServiceAccount",
					      "metadata", "name", c->name, "namespace", ns, "labels", labels(c->name)));
	if (c->rules)
		json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:o},s:o}", "apiVersion", "rbac.authorization.k8s.io/v1",
						      "kind", "ClusterRole", "metadata", "name", role, "labels", labels(c->name),
						      "rules", json_loads(c->rules, 0, NULL)));
	json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:o},s:{s:s,s:s,s:s},s:[{s:s,s:s,s:s}]}",
					      "apiVersion", "rbac.authorization.k8s.io/v1", "kind", "ClusterRoleBinding",
					      "metadata", "name", role, "labels", labels(c->name),
					      "roleRef", "apiGroup", "rbac.authorization.k8s.io", "kind", "ClusterRole",
					      "name", c->cluster_admin ? "cluster-admin" : role,
					      "subjects", "kind", "ServiceAccount", "name", c->name, "namespace", ns));
	/* Flux's container: its ports for metrics (http-prom) and probes (healthz), the probes on
	 * them, the restricted securityContext, requests from measurements and Flux's limits */
	snprintf(image, sizeof(image), "%s/%s:%s", cli_install.registry, c->name, CFLUX_VERSION);
	json_array_append_new(ports, json_pack("{s:s,s:i,s:s}", "name", "http-prom", "containerPort", METRICS_PORT, "protocol", "TCP"));
	json_array_append_new(ports, json_pack("{s:s,s:i,s:s}", "name", "healthz", "containerPort", HEALTH_PORT, "protocol", "TCP"));
	json_array_append_new(args, json_string(METRICS_ARG));
	json_array_append_new(args, json_string(HEALTH_ARG));
	json_array_append_new(args, json_string("--enable-leader-election"));
	container = json_pack("{s:s,s:s,s:s,s:o,s:o,s:{s:{s:s,s:s}},s:{s:{s:s,s:s}},"
			      "s:{s:b,s:b,s:b,s:{s:[s]},s:{s:s}},s:{s:{s:s,s:s},s:{s:s,s:s}}}",
			      "name", "manager", "image", image, "imagePullPolicy", "IfNotPresent",
			      "args", args, "ports", ports,
			      "livenessProbe", "httpGet", "path", "/healthz", "port", "healthz",
			      "readinessProbe", "httpGet", "path", "/readyz", "port", "healthz",
			      "securityContext", "allowPrivilegeEscalation", 0, "readOnlyRootFilesystem", 1, "runAsNonRoot", 1,
			      "capabilities", "drop", "ALL", "seccompProfile", "type", "RuntimeDefault",
			      "resources", "requests", "cpu", "100m", "memory", c->memory_request,
			      "limits", "cpu", "1000m", "memory", c->memory_limit);
	if (!container)
		return cf_err_set(CF_ENOMEM, "install: %s: the Deployment's container: out of memory", c->name);
	if (!cli_install.watch_all)
		json_array_append_new(args, json_sprintf("--watch-namespace=%s", ns));
	/* as Flux's manifests: the level always, JSON lines (what `cflux logs` reads from pods) */
	json_array_append_new(args, json_sprintf("--log-level=%s", cli_install.log_level));
	json_array_append_new(args, json_string("--log-encoding=json"));
	/* fsGroup: the volumes' group, as Flux (1337; AWS IAM roles need it) */
	pod = json_pack("{s:s,s:i,s:{s:b,s:i,s:{s:s}},s:{s:s},s:[o]}", "serviceAccountName", c->name,
			"terminationGracePeriodSeconds", c->grace_seconds, "securityContext", "runAsNonRoot", 1,
			"fsGroup", 1337, "seccompProfile", "type", "RuntimeDefault", "nodeSelector", "kubernetes.io/os", "linux",
			"containers", container);
	if (cli_install.pull_secret)
		json_object_set_new(pod, "imagePullSecrets", json_pack("[{s:s}]", "name", cli_install.pull_secret));
	if (cli_install.tolerations.n > 0) {
		json_t *t = json_array();
		for (size_t i = 0; i < cli_install.tolerations.n; i++)
			json_array_append_new(t, json_pack("{s:s,s:s}", "key", cli_install.tolerations.items[i], "operator", "Exists"));
		json_object_set_new(pod, "tolerations", t);
	}
	/* the internal token as a file; not optional: without the Secret the pod waits, never runs open */
	json_object_set_new(pod, "volumes", json_pack("[{s:s,s:{s:s,s:b}}]", "name", "internal-token", "secret",
						      "secretName", INTERNAL_TOKEN_SECRET, "optional", 0));
	json_object_set_new(container, "volumeMounts", json_pack("[{s:s,s:s,s:b}]", "name", "internal-token",
								 "mountPath", INTERNAL_TOKEN_DIR, "readOnly", 1));
	/* a writable directory on the read-only root: the artifacts, helm's private work directories */
	if (c->scratch) {
		json_array_append_new(json_object_get(pod, "volumes"), json_pack("{s:s,s:{}}", "name", "data", "emptyDir"));
		json_array_append_new(json_object_get(container, "volumeMounts"), json_pack("{s:s,s:s}", "name", "data", "mountPath", c->scratch));
	}
	/* /tmp writable on the read-only root (Flux's "temp" volume) */
	if (!c->scratch || strcmp(c->scratch, "/tmp") != 0) {
		json_array_append_new(json_object_get(pod, "volumes"), json_pack("{s:s,s:{}}", "name", "temp", "emptyDir"));
		json_array_append_new(json_object_get(container, "volumeMounts"), json_pack("{s:s,s:s}", "name", "temp", "mountPath", "/tmp"));
	}
	dep = json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:{s:i,s:{s:{s:o},s:o}}}", "apiVersion", "apps/v1",
			"kind", "Deployment", "metadata", "name", c->name, "namespace", ns, "labels", labels(c->name),
			"spec", "replicas", 1, "template", "metadata", "labels",
			json_pack("{s:s}", "app", c->name), "spec", pod);
	/* as Flux: the source-controller's old pod goes before the new one starts (one owner of the
	 * storage); the others roll, the new pod waiting for the leader's Lease */
	if (strcmp(c->name, "source-controller") == 0)
		json_object_set_new(json_object_get(dep, "spec"), "strategy", json_pack("{s:s}", "type", "Recreate"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(dep, "spec"), "template"), "metadata"), "annotations",
			    json_pack("{s:s,s:s}", "prometheus.io/port", "8080", "prometheus.io/scrape", "true"));
	json_object_set_new(json_object_get(dep, "spec"), "selector", json_pack("{s:{s:s}}", "matchLabels", "app", c->name));
	json_array_append_new(objs, dep);
	if (c->svc_ports)
		json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:{s:{s:s},s:o}}", "apiVersion", "v1",
						      "kind", "Service", "metadata", "name", c->name, "namespace", ns,
						      "labels", labels(c->name), "spec", "selector", "app", c->name,
						      "ports", json_loads(c->svc_ports, 0, NULL)));
	return 0;
}

/* Flux's three policies (manifests/policies in fluxcd/flux2): pods of the namespace reach each
 * other and go out anywhere; from other namespaces only metrics scraping (8080) and the
 * notification-controller's webhook receiver. Flux's allow-webhooks admits every port of the
 * notification-controller; ours admits only the receiver's, so the event intakes stay inside. */
static void add_network_policies(json_t *objs, const char *ns)
{
	static const char *const names[] = { "allow-egress", "allow-scraping", "allow-webhooks" };
	json_t *specs[3], *egress, *scraping, *webhooks;

	egress = json_pack("{s:[s,s],s:[{s:[{s:{}}]}],s:[{}],s:{}}", "policyTypes", "Ingress", "Egress",
			   "ingress", "from", "podSelector", "egress", "podSelector");
	scraping = json_pack("{s:[s],s:[{s:[{s:{}}],s:[{s:s,s:i}]}],s:{}}", "policyTypes", "Ingress",
			     "ingress", "from", "namespaceSelector", "ports", "protocol", "TCP", "port", 8080, "podSelector");
	webhooks = json_pack("{s:[s],s:[{s:[{s:{}}],s:[{s:s,s:i}]}],s:{s:{s:s}}}", "policyTypes", "Ingress",
			     "ingress", "from", "namespaceSelector", "ports", "protocol", "TCP", "port", 9292,
			     "podSelector", "matchLabels", "app", "notification-controller");
	specs[0] = egress;
	specs[1] = scraping;
	specs[2] = webhooks;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:o}", "apiVersion", "networking.k8s.io/v1",
						      "kind", "NetworkPolicy", "metadata", "name", names[i], "namespace", ns,
						      "labels", labels(NULL), "spec", specs[i]));
}

cli_install_args cli_install = { "ghcr.io/cflux", NULL, NULL, "info", { { 0 }, 0, { 0 }, 0 }, 1, 1 };

/* The component of a name; Flux's image-reflector-controller is the image-automation-controller
 * here (one process owns the image kinds). */
static const component *find_component(const char *name)
{
	if (strcmp(name, "image-reflector-controller") == 0)
		name = "image-automation-controller";
	for (size_t i = 0; i < sizeof(COMPONENTS) / sizeof(COMPONENTS[0]); i++)
		if (strcmp(name, COMPONENTS[i].name) == 0)
			return &COMPONENTS[i];
	return NULL;
}

int cli_install_manifests(json_t **out, const char *components, const char *ns)
{
	unsigned added = 0;
	json_t *objs = NULL, *crds = NULL;
	size_t len = strlen(components) + (cli_install.extra ? strlen(cli_install.extra) + 2 : 1);
	char *list = cf_malloc(len), *save = NULL;
	int rc = 0;

	*out = NULL;
	if (list == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	snprintf(list, len, "%s%s%s", components, cli_install.extra && cli_install.extra[0] ? "," : "",
		 cli_install.extra ? cli_install.extra : "");
	if (strcmp(cli_install.log_level, "debug") != 0 && strcmp(cli_install.log_level, "info") != 0 &&
	    strcmp(cli_install.log_level, "warn") != 0 && strcmp(cli_install.log_level, "error") != 0) {
		cf_free(list);
		return cf_err_set(CF_EINVAL, "--log-level \"%s\": debug, info, warn or error", cli_install.log_level);
	}
	if ((rc = cf_yaml_load_all(&crds, cflux_crds_yaml, strlen(cflux_crds_yaml), "manifests/crds")) < 0)
		goto out;
	objs = json_array();
	json_array_extend(objs, crds);
	json_array_append_new(objs, json_pack("{s:s,s:s,s:{s:s,s:o}}", "apiVersion", "v1", "kind", "Namespace", "metadata",
					      "name", ns, "labels", labels(NULL)));
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const component *c = find_component(t);
		size_t i = c ? (size_t)(c - COMPONENTS) : 0;
		if (*t == '\0')
			continue;
		if (c == NULL) {
			rc = cf_err_set(CF_EINVAL, "unknown component \"%s\" (known: source-controller, kustomize-controller, "
					"notification-controller, helm-controller, image-reflector-controller, image-automation-controller)", t);
			goto out;
		}
		if (!(added & (1u << i)))
			add_component(objs, c, ns);
		added |= 1u << i;
	}
	if (cli_install.network_policy)
		add_network_policies(objs, ns);
	*out = objs;
	objs = NULL;
out:
	json_decref(objs);
	json_decref(crds);
	cf_free(list);
	return rc;
}

int cli_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	ssize_t n = -1;
	int fd;

	if (nbytes > sizeof(raw))
		return cli_fail(1, "a random token of %zu bytes is too long", nbytes);
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, raw, nbytes);
		close(fd);
	}
	if (n != (ssize_t)nbytes)
		return cli_fail(1, "failed to generate random token: cannot read /dev/urandom");
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	cf_wipe(raw, sizeof(raw));
	return 0;
}

/* Creates the internal token Secret unless it exists (an existing token is kept: rotating it
 * is deleting the Secret, installing again and restarting the controllers). */
int cli_install_token(cf_kube *k, const char *ns)
{
	char hex[2 * CLI_TOKEN_BYTES + 1];
	json_t *secret, *existing = NULL;
	int rc;

	rc = cf_kube_get(k, &existing, &(cf_kube_ref){ "v1", "Secret", ns, INTERNAL_TOKEN_SECRET });
	json_decref(existing);
	if (rc == 0) {
		cli_ok("Secret/%s/%s unchanged", ns, INTERNAL_TOKEN_SECRET);
		return 0;
	}
	if (rc != CF_ENOTFOUND)
		return cli_fail(1, "Secret %s/%s: %s", ns, INTERNAL_TOKEN_SECRET, cf_err_msg());
	if (cli_random_hex(hex, CLI_TOKEN_BYTES) != 0)
		return 1;
	secret = json_pack("{s:s,s:s,s:{s:s,s:s,s:o},s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Secret", "metadata",
			   "name", INTERNAL_TOKEN_SECRET, "namespace", ns, "labels", labels(NULL), "type", "Opaque",
			   "stringData", "token", hex);
	rc = secret ? cf_kube_create(k, NULL, secret) : cf_err_set(CF_ENOMEM, "out of memory");
	if (secret)   /* the token lives in the JSON string too: wipe it there */
		cf_wipe((void *)json_string_value(json_object_get(json_object_get(secret, "stringData"), "token")), sizeof(hex) - 1);
	json_decref(secret);
	cf_wipe(hex, sizeof(hex));
	if (rc < 0)
		return cli_fail(1, "Secret %s/%s: %s", ns, INTERNAL_TOKEN_SECRET, cf_err_msg());
	cli_ok("Secret/%s/%s created", ns, INTERNAL_TOKEN_SECRET);
	return 0;
}

int cmd_install(int argc, char **argv)
{
	const char *components = "source-controller,kustomize-controller,helm-controller,notification-controller";
	int export = 0, rc;
	const cf_flag own[] = {
		{ "components", CF_FLAG_STRING, &components, "list of components, accepts comma-separated values", 0 },
		{ "export", CF_FLAG_BOOL, &export, "write the install manifests to stdout and exit", 0 },
		CLI_INSTALL_FLAGS,
	};
	json_t *objs = NULL;

	rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
		       "usage: cflux install [--components a,b] [--components-extra c] [--registry R] [--image-pull-secret S]\n"
		       "       [--toleration-keys k,...] [--network-policy=false] [--watch-all-namespaces=false] [--export]", NULL, NULL);
	if (rc == 0 && cli_install_manifests(&objs, components, cli.namespace) < 0)
		rc = cli_fail(CLI_EXIT_USAGE, "%s", cf_err_msg());
	cf_flag_list_free(&cli_install.tolerations);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (export) {
		cf_buf out = CF_BUF_INIT(64u << 20);
		rc = cf_yaml_dump_all(&out, objs);
		if (rc == 0)
			printf("# The controllers read their internal token from the Secret %s/%s, which is not\n"
			       "# exported: `cflux install` creates it, or: kubectl -n %s create secret generic %s \\\n"
			       "#   --from-literal=token=$(openssl rand -hex 32)\n---\n%.*s",
			       cli.namespace, INTERNAL_TOKEN_SECRET, cli.namespace, INTERNAL_TOKEN_SECRET, (int)out.len, out.data);
		cf_buf_free(&out);
		json_decref(objs);
		return rc == 0 ? 0 : cli_fail(1, "%s", cf_err_msg());
	}
	rc = cli_apply_all(objs, "installing");
	json_decref(objs);
	if (rc == 0) {
		cf_kube *k = cli_client();
		if (k == NULL)
			return 1;
		rc = cli_install_token(k, cli.namespace);
		cf_kube_free(k);
	}
	return rc;
}

int cli_apply_all(json_t *objs, const char *what)
{
	cf_apply_opts o = CF_APPLY_OPTS_INIT;
	cf_apply_result res;
	cf_kube *k = cli_client();
	int rc;

	if (k == NULL)
		return 1;
	cli_say("%s %zu objects", what, json_array_size(objs));
	o.field_manager = "cflux";
	o.force = 1;
	o.wait_ms = cli.timeout_ms;
	rc = cf_apply_set(k, &res, objs, &o);
	if (rc < 0) {
		rc = cli_fail(1, "%s", cf_err_msg());
	} else {
		cli_ok("%zu created, %zu configured, %zu unchanged", res.created, res.configured, res.unchanged);
		cf_apply_result_free(&res);
	}
	cf_kube_free(k);
	return rc;
}

/* ---- uninstall ---- */

/* Deletes cflux's objects of kind (in ns, or cluster-wide when NULL); with dry_run only names
 * them, as flux uninstall --dry-run prints what it would delete. */
static void delete_labelled(cf_kube *k, const char *av, const char *kind, const char *ns, int dry_run)
{
	json_t *list = NULL, *o;
	size_t i;

	if (cf_kube_list(k, &list, &(cf_kube_ref){ av, kind, ns, NULL }, "app.kubernetes.io/part-of=cflux") < 0) {
		cf_err_clear();
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, o) {
		const char *name = json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));
		if (dry_run)
			cli_ok("%s/%s deleted (dry run)", kind, name ? name : "");
		else if (cf_kube_delete(k, &(cf_kube_ref){ av, kind, ns, name }, "Background") == 0)
			cli_ok("%s/%s deleted", kind, name);
	}
	json_decref(list);
}

/* Removes the finalizers of one object. One left in a namespace that no longer exists (an
 * older apiserver can finish a namespace without it) cannot be patched, and would keep its
 * CRD terminating for ever: its namespace is made again for the patch, then deleted. */
static int drop_finalizers(cf_kube *k, const cf_kind *kd, const char *ns, const char *name, const json_t *patch)
{
	const cf_kube_ref ref = { kd->api_version, kd->kind, ns, name };
	const cf_kube_ref nsref = { "v1", "Namespace", NULL, ns };
	json_t *nsobj;
	int rc = cf_kube_merge_patch(k, NULL, &ref, patch);

	if (rc == 0 || rc != CF_ENOTFOUND || ns == NULL || cf_kube_get(k, NULL, &nsref) != CF_ENOTFOUND)
		return rc == CF_ENOTFOUND ? 0 : rc;   /* gone already */
	cf_err_clear();
	nsobj = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", ns);
	if (nsobj == NULL)
		return cf_err_set(CF_ENOMEM, "out of memory");
	rc = cf_kube_create(k, NULL, nsobj);
	json_decref(nsobj);
	if (rc == 0 && (rc = cf_kube_merge_patch(k, NULL, &ref, patch)) == 0)
		cli_ok("%s/%s/%s: finalizers removed (its namespace was gone: made again for that, and deleted)",
		       kd->kind, ns, name);
	if (cf_kube_delete(k, &nsref, "Background") < 0 && rc == 0)
		rc = cf_err_code();
	return rc;
}

int cmd_uninstall(int argc, char **argv)
{
	int keep_ns = 0, dry_run = 0, silent = 0, rc, stuck = 0;
	const cf_flag own[] = {
		{ "dry-run", CF_FLAG_BOOL, &dry_run, "only print the objects that would be deleted", 0 },
		{ "keep-namespace", CF_FLAG_BOOL, &keep_ns, "skip namespace deletion", 0 },
		/* cflux asks nothing, so a script's --silent changes nothing */
		{ "silent|s", CF_FLAG_BOOL, &silent, "delete components without asking for confirmation", 0 },
	};
	static const char *const workloads[][2] = {
		{ "apps/v1", "Deployment" }, { "v1", "Service" }, { "v1", "ServiceAccount" }, { "v1", "Secret" },
		{ "networking.k8s.io/v1", "NetworkPolicy" },
	}, *const cluster_wide[][2] = {
		{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" }, { "rbac.authorization.k8s.io/v1", "ClusterRole" },
		{ "apiextensions.k8s.io/v1", "CustomResourceDefinition" },
	};
	cf_kube *k;

	if ((rc = cli_parse(own, sizeof(own) / sizeof(own[0]), argc, argv,
			    "usage: cflux uninstall [--keep-namespace] [--dry-run] [--silent]", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	(void)silent;
	if ((k = cli_client()) == NULL)
		return 1;
	/* finalizers first, as Flux does: deleting the CRDs must not wait on controllers that are gone */
	if (!dry_run)
		cli_say("removing finalizers from cflux objects");
	/* the kinds of the controllers cflux ships, users (Kustomization) before their sources */
	for (int i = CF_KIND_COUNT - 1; i >= 0 && !dry_run; i--) {
		const cf_kind *kd = cf_kind_get((cf_kind_id)i);
		json_t *list = NULL, *o, *patch;
		size_t j;
		if (!cf_kind_shipped(kd))
			continue;
		patch = json_pack("{s:{s:n}}", "metadata", "finalizers");
		if (cf_kube_list(k, &list, &(cf_kube_ref){ kd->api_version, kd->kind, NULL, NULL }, NULL) == 0)
			json_array_foreach(json_object_get(list, "items"), j, o) {
				const json_t *md = json_object_get(o, "metadata");
				const char *ons = json_string_value(json_object_get(md, "namespace"));
				const char *oname = json_string_value(json_object_get(md, "name"));
				if (json_array_size(json_object_get(md, "finalizers")) > 0 &&
				    drop_finalizers(k, kd, ons, oname, patch) < 0) {
					stuck = cli_fail(1, "%s/%s/%s: finalizers not removed: %s (its CRD cannot be deleted until they are)",
							 kd->kind, ons ? ons : "", oname ? oname : "", cf_err_msg());
					cf_err_clear();
				}
			}
		cf_err_clear();
		json_decref(list);
		json_decref(patch);
	}
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		delete_labelled(k, workloads[i][0], workloads[i][1], cli.namespace, dry_run);
	for (size_t i = 0; i < sizeof(cluster_wide) / sizeof(cluster_wide[0]); i++)
		delete_labelled(k, cluster_wide[i][0], cluster_wide[i][1], NULL, dry_run);
	if (!keep_ns && dry_run)
		cli_ok("Namespace/%s deleted (dry run)", cli.namespace);
	else if (!keep_ns && cf_kube_delete(k, &(cf_kube_ref){ "v1", "Namespace", NULL, cli.namespace }, "Background") == 0)
		cli_ok("Namespace/%s deleted", cli.namespace);
	if (!stuck)
		cli_ok("uninstall finished");
	cf_kube_free(k);
	return stuck;
}

/* ---- check ---- */

/* The version a CRD stores, as flux check prints it ("v1"). */
static const char *crd_version(const json_t *crd)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(crd, "spec"), "versions"), i, v)
		if (json_is_true(json_object_get(v, "storage")))
			return json_string_value(json_object_get(v, "name"));
	return "?";
}

int cmd_check(int argc, char **argv)
{
	int pre = 0, rc, bad = 0;
	const cf_flag own[] = { { "pre", CF_FLAG_BOOL, &pre, "only the prerequisites (the API server)", 0 } };
	json_t *v = NULL, *list = NULL, *o;
	cf_kube *k;
	size_t i;

	if ((rc = cli_parse(own, 1, argc, argv, "usage: cflux check [--pre]", NULL, NULL)) != 0)
		return rc == 1 ? 0 : rc;
	cli_say("checking prerequisites");
	if ((k = cli_client()) == NULL)
		return 1;
	if (cf_kube_request(k, &v, "GET", "/version", NULL, NULL, 0) < 0) {
		rc = cli_fail(1, "the API server at %s does not answer: %s", cf_kube_server(k), cf_err_msg());
		cf_kube_free(k);
		return rc;
	}
	{
		const char *maj = json_string_value(json_object_get(v, "major")), *min = json_string_value(json_object_get(v, "minor"));
		int ok = maj && min && (atoi(maj) > 1 || (atoi(maj) == 1 && atoi(min) >= 20));
		if (ok)
			cli_ok("Kubernetes %s >=1.20.0", json_string_value(json_object_get(v, "gitVersion")));
		else
			bad = cli_fail(1, "Kubernetes %s is older than 1.20", json_string_value(json_object_get(v, "gitVersion")));
	}
	json_decref(v);
	if (!pre) {
		cli_say("checking CRDs");
		if (cf_kube_list(k, &list, &(cf_kube_ref){ "apiextensions.k8s.io/v1", "CustomResourceDefinition", NULL, NULL },
				 "app.kubernetes.io/part-of=cflux") < 0 || json_array_size(json_object_get(list, "items")) == 0) {
			bad = cli_fail(1, "no cflux CRDs installed (cflux install)");
		} else {
			json_array_foreach(json_object_get(list, "items"), i, o) {
				const json_t *c, *conds = json_object_get(json_object_get(o, "status"), "conditions");
				size_t j;
				int est = 0;
				json_array_foreach(conds, j, c)
					est |= strcmp(json_string_value(json_object_get(c, "type")), "Established") == 0 &&
					       strcmp(json_string_value(json_object_get(c, "status")), "True") == 0;
				if (est)
					cli_ok("%s: %s", json_string_value(json_object_get(json_object_get(o, "metadata"), "name")), crd_version(o));
				else
					bad = cli_fail(1, "%s is not established", json_string_value(json_object_get(json_object_get(o, "metadata"), "name")));
			}
		}
		json_decref(list);
		list = NULL;
		cli_say("checking controllers");
		if (cf_kube_list(k, &list, &(cf_kube_ref){ "apps/v1", "Deployment", cli.namespace, NULL }, "app.kubernetes.io/part-of=cflux") < 0 ||
		    json_array_size(json_object_get(list, "items")) == 0) {
			cli_say("no controller Deployments in %s (controllers may run outside the cluster)", cli.namespace);
		} else {
			json_array_foreach(json_object_get(list, "items"), i, o) {
				const char *name = json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));
				long long ready = json_integer_value(json_object_get(json_object_get(o, "status"), "readyReplicas"));
				const char *image = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(json_object_get(
					json_object_get(o, "spec"), "template"), "spec"), "containers"), 0), "image"));
				if (ready > 0)
					cli_ok("%s: deployment ready", name);
				else
					bad = cli_fail(1, "%s: no ready replica", name);
				if (image)
					cli_say("%s", image);
			}
		}
		json_decref(list);
	}
	cf_kube_free(k);
	if (bad)
		return 1;
	cli_ok("all checks passed");
	return 0;
}
