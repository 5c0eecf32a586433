/* tests/unit/test_imagerepository.c - image-automation-controller/imagerepository.c: spec.image
 * read as go-containerregistry's name.NewRepository reads it (the canonical name Flux writes in
 * status.canonicalImageName), and what it refuses. */
#include "image-automation-controller/controller.h"

#include "test.h"
#include "util/err.h"

#include <string.h>

static const struct { const char *image, *canonical, *api_host, *repository; } GOOD[] = {
	{ "ghcr.io/fluxcd/flux-cli", "ghcr.io/fluxcd/flux-cli", "ghcr.io", "fluxcd/flux-cli" },
	{ "alpine", "index.docker.io/library/alpine", "registry-1.docker.io", "library/alpine" },
	{ "fluxcd/flux", "index.docker.io/fluxcd/flux", "registry-1.docker.io", "fluxcd/flux" },
	{ "docker.io/alpine", "index.docker.io/library/alpine", "registry-1.docker.io", "library/alpine" },
	{ "index.docker.io/stefanprodan/podinfo", "index.docker.io/stefanprodan/podinfo", "registry-1.docker.io", "stefanprodan/podinfo" },
	{ "localhost/app", "localhost/app", "localhost", "app" },
	{ "127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c" },
	{ "registry.example:443/team_x/app-1.2", "registry.example:443/team_x/app-1.2", "registry.example:443", "team_x/app-1.2" },
};

static const struct { const char *image, *why; } BAD[] = {
	{ "", "spec.image is required" },
	{ "ghcr.io/app:1.0", "must not contain a tag or a digest" },
	{ "alpine:3", "must not contain a tag" },
	{ "ghcr.io/app@sha256:0123", "must not contain a tag or a digest" },
	{ "https://ghcr.io/app", "must not start with a URL scheme" },
	{ "ghcr.io/App", "lower-case" },
	{ "ghcr.io/", "has no repository" },
};

static void parse(void)
{
	iac_image img;

	for (size_t i = 0; i < sizeof(GOOD) / sizeof(GOOD[0]); i++) {
		if (iac_image_parse(&img, GOOD[i].image) < 0) {
			cf_test_fail(__FILE__, __LINE__, "%s: %s", GOOD[i].image, cf_err_msg());
			continue;
		}
		CHECK_STR(img.canonical, GOOD[i].canonical);
		CHECK_STR(img.api_host, GOOD[i].api_host);
		CHECK_STR(img.repository, GOOD[i].repository);
	}
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		if (iac_image_parse(&img, BAD[i].image) == 0) {
			cf_test_fail(__FILE__, __LINE__, "%s parsed", BAD[i].image);
			continue;
		}
		CHECK_CONTAINS(cf_err_msg(), BAD[i].why);
	}
	CHECK(iac_image_parse(&img, NULL) == CF_EINVAL);
}

static const cf_test_case tests[] = {
	{ "parse", parse },
};
CF_TEST_MAIN(tests)
