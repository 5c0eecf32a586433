# cflux - one build for everything.
#   make              libcflux.a and every binary into bin/
#   make test         every suite (unit, fuzz corpus replay, integration against tests/env)
#   make SANITIZE=1   the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   make deps         Debian packages for the build and the test environment, and helm (npm)
#   make demo         the main job: local control plane + Git server + controllers, a fleet synced,
#                     a change applied, drift undone, a file pruned (make demo-down stops it)
#   make fuzz         libFuzzer builds of the fuzz targets (needs clang)
#   make install      cflux and the controllers in COMPONENTS under PREFIX, with systemd units
#   make check-layers lower layers of common/ never include higher ones (make test runs it)
#   make images       one OCI image per controller (umoci; REGISTRY= pushes with skopeo)

CC      ?= cc
PKGS     = libgit2 yaml-0.1 jansson zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcurl: Debian's curl source built static on mbedTLS with HTTP/2, HTTP(S) only, by make deps
# (tests/env/build-curl: Debian's libcurl4 maps 40 libraries, ~7 MiB of each process's RSS).
CURL_DIR  ?= $(or $(CFLUX_CACHE),$(HOME)/.cache/cflux)/curl
CURL_LIB   = $(CURL_DIR)/lib/libcurl.a
CURL_LIBS  = $(CURL_LIB) -lnghttp2 -lmbedtls
# nng: Debian's nng source built static with 7 threads whatever the CPUs (Debian's libnng starts
# 3 per CPU and more: 13 on 2 cores, 87 on 64), without its TLS and WebSocket, by make deps
# (tests/env/build-nng)
NNG_DIR   ?= $(or $(CFLUX_CACHE),$(HOME)/.cache/cflux)/nng
NNG_LIB    = $(NNG_DIR)/lib/libnng.a
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -iquote common -iquote . -iquote cli -iquote tests/unit \
           -isystem $(CURL_DIR)/include -isystem $(NNG_DIR)/include $(PKG_CFLAGS)
LDLIBS  += $(CURL_LIBS) $(PKG_LIBS) $(NNG_LIB) -lmbedx509 -lmbedcrypto -lpthread -lm

ifeq ($(SANITIZE),1)
MODE     = sanitize
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
MODE     = release
# a section per function and per object: link/*.order places only what a controller runs at idle
CFLAGS  += -ffunction-sections -fdata-sections
endif

BUILD = build/$(MODE)
# bin/ holds one mode at a time: switching modes relinks everything there.
$(shell mkdir -p bin $(BUILD); if [ "$$(cat bin/.mode 2>/dev/null)" != "$(MODE)" ]; then \
	rm -f bin/*; echo $(MODE) > bin/.mode; fi)

# common/<layer>/*.c make one library. The layers, lowest first (common/README.md): a file
# includes only its own layer's and lower layers' headers, never a controller's (make
# check-layers, run by make test, reads this line).
LAYERS     = util yaml http kube bus source kustomize apply runtime
# common/source/gssapi_absent.c is not in the library: only the release source- and
# image-automation-controller link it (see GIT_CONTROLLERS below), and the tests that check it.
GSSAPI_ABSENT = common/source/gssapi_absent.c
COMMON_SRC = $(filter-out $(GSSAPI_ABSENT),$(wildcard common/*/*.c))
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIB        = $(BUILD)/libcflux.a

# The controllers, one folder and one binary each: this list drives the binaries, their archives,
# make install COMPONENTS=, make images and make controllers (the list, for scripts).
CONTROLLERS = source-controller kustomize-controller notification-controller helm-controller image-automation-controller

# Each controller's objects except main.o also make an archive, build/<mode>/lib<controller>.a,
# which every unit test, fuzz target and benchmark links (before libcflux.a); the linker takes
# only the members a test uses. The rule: a controller's module is tested by the unit test of its
# name (kustomize-controller/objcache.c: tests/unit/test_objcache.c), with no Makefile change.
ctrl_src    = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
CTRL_SRC    = $(foreach c,$(CONTROLLERS),$(call ctrl_src,$(c)))
CTRL_LIBS   = $(CONTROLLERS:%=$(BUILD)/lib%.a)

UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC  = $(wildcard tests/integration/test_*.c)
INTEG_BIN  = $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
KUST_SRC   = $(wildcard tests/kustomize/test_*.c)
KUST_BIN   = $(KUST_SRC:tests/kustomize/%.c=$(BUILD)/tests/kustomize_%)
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%_replay)
HARNESS_OBJ = $(BUILD)/tests/harness.o
TOOLS      = $(if $(wildcard tests/env/webhook-sink.c),$(BUILD)/tests/webhook-sink) \
             $(if $(wildcard tests/env/token-server.c),$(BUILD)/tests/token-server)

BINS       = bin/cflux $(CONTROLLERS:%=bin/%)

.PHONY: all test unit faults check-layers controllers images deps demo demo-down fuzz clean env-up env-down bench bench-peer bench-helm bench-image bench-idle link-order install
# keep intermediate objects: no "rm" after the test summary, no rebuilds
.SECONDARY:
all: $(LIB) $(CTRL_LIBS) $(BINS) $(UNIT_BIN) $(INTEG_BIN) $(KUST_BIN) $(FUZZ_REPLAY) $(TOOLS)

$(BUILD)/%.o: %.c $(wildcard common/*/*.h $(CONTROLLERS:%=%/*.h) cli/*.h) tests/unit/test.h $(wildcard tests/integration/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# libcurl.a and libnng.a are prerequisites so that a new one relinks every binary (through
# this archive)
$(LIB): $(COMMON_OBJ) $(CURL_LIB) $(NNG_LIB)
	rm -f $@
	ar rcs $@ $(COMMON_OBJ)

$(CURL_LIB):
	@echo "$@ is missing: make deps builds it (tests/env/build-curl)" >&2; exit 1
$(NNG_LIB):
	@echo "$@ is missing: make deps builds it (tests/env/build-nng)" >&2; exit 1

# debug helmrelease composes values with the helm-controller's own code (helm-controller/values.c)
CLI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c)) $(BUILD)/gen/crds.o $(BUILD)/helm-controller/values.o
bin/cflux: $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the CRDs, compiled into cflux for install and bootstrap
CRD_YAML = $(filter-out manifests/crds/kustomization.yaml,$(wildcard manifests/crds/*.yaml))
$(BUILD)/gen/crds.c: $(CRD_YAML)
	@mkdir -p $(dir $@)
	{ echo '/* generated from manifests/crds by the Makefile */'; echo 'const char cflux_crds_yaml[] ='; \
	  for f in $(CRD_YAML); do printf '%s\n' '"---\n"'; sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; done; \
	  echo ';'; } > $@

$(BUILD)/gen/crds.o: $(BUILD)/gen/crds.c
	$(CC) $(CFLAGS) -c -o $@ $<

# The controllers that need no libgit2 link static (static-pie) in a release build: one
# binary, no shared libraries to map and relocate: an idle one sat at 3.4 to 3.8 MiB RSS
# instead of 4.9 to 5.3 (tests/bench/idle.sh; 2.4 to 2.6 with the layout below). glibc notes at link time that getaddrinfo in a static
# binary may load NSS modules at run time; hosts "files dns" (Debian's, and the default with no
# nsswitch.conf) are built into it, so none is loaded. The link runs quiet (-w) and, when it
# fails, again without -w to show why. The sanitizer build links them as the others.
STATIC_CONTROLLERS = kustomize-controller helm-controller notification-controller
STATIC_LDLIBS      = $(CURL_LIBS) -lyaml -ljansson -lz $(NNG_LIB) -lmbedx509 -lmbedcrypto -lpthread -lm
static_link = $(CC) $(LDFLAGS) -static-pie $(RELR) $(LAYOUT) -o $@ $(LINK_INPUTS) $(STATIC_LDLIBS) -Wl,-w || \
	$(CC) $(LDFLAGS) -static-pie $(RELR) $(LAYOUT) -o $@ $(LINK_INPUTS) $(STATIC_LDLIBS)
# The two with libgit2 (source- and image-automation-controller) link static-pie too, with
# Debian's libgit2.a, libssh2.a and OpenSSL's libcrypto.a (libssh2's backend). Debian ships no
# static Kerberos: the GSS-API functions libgit2.a refers to are common/source/gssapi_absent.c,
# which libgit2 never calls from cflux (it offers Negotiate only for a "default" credential,
# which cflux never makes; that file says why, tests/integration/test_git.c checks it). Linked
# with Debian's shared GSS-API, libc and seven Kerberos libraries stayed mapped: 6.5 MiB idle
# instead of 4.9. Their relative relocations are packed (DT_RELR, binutils 2.38 and glibc 2.36
# on): 20,000 of them (OpenSSL's tables) as .rela.dyn were 480 KiB of every process's RSS.
# In a sanitizer build both link as the others (libgit2's shared library brings GSS-API).
GIT_CONTROLLERS  = source-controller image-automation-controller
RELR             = -Wl,-z,pack-relative-relocs
GSSAPI_ABSENT_OBJ = $(BUILD)/$(GSSAPI_ABSENT:.c=.o)
GIT_STATIC_LDLIBS = $(CURL_LIB) -lnghttp2 -lgit2 -lssh2 -lcrypto -lhttp_parser -lpcre2-8 \
	-lmbedtls -lmbedx509 -lmbedcrypto -lyaml -ljansson $(NNG_LIB) -lz -lpthread -lm
git_static_link = $(CC) $(LDFLAGS) -static-pie $(RELR) $(LAYOUT) -o $@ $(LINK_INPUTS) $(GIT_STATIC_LDLIBS) -Wl,-w || \
	$(CC) $(LDFLAGS) -static-pie $(RELR) $(LAYOUT) -o $@ $(LINK_INPUTS) $(GIT_STATIC_LDLIBS)
# The layout of both static links: ld's own script with the code and constants that a
# controller uses from start to idle placed first in .text and .rodata (link/<controller>.order,
# made by make link-order; link/README.md). Scattered over a 7-13 MiB binary, they cost an idle
# controller whole 64 KiB windows of RSS (the kernel maps the cached pages around each fault):
# 2-2.5 MiB of code; gathered, about 1 MiB. The link map is written beside the script, for
# link/profile.sh.
LAYOUT      = -Wl,-T,$(BUILD)/link/$(@F).ld -Wl,-Map,$(BUILD)/link/$(@F).map
LINK_INPUTS = $(filter-out %.ld,$^)
$(BUILD)/link/%.ld: link/%.order link/script.awk
	@mkdir -p $(dir $@)
	printf 'int main(void) { return 0; }\n' | $(CC) $(LDFLAGS) -static-pie $(RELR) -Wl,--verbose -x c - \
		-o $@.empty > $@.verbose
	awk -v order=$< -f link/script.awk $@.verbose > $@.new
	grep -q '^SECTIONS' $@.new && mv $@.new $@ && rm -f $@.verbose $@.empty
ifeq ($(MODE),release)
$(GIT_CONTROLLERS:%=bin/%): $(GSSAPI_ABSENT_OBJ)
$(foreach c,$(STATIC_CONTROLLERS) $(GIT_CONTROLLERS),$(eval bin/$(c): $(BUILD)/link/$(c).ld))
endif
link_controller = $(if $(filter release,$(MODE)),$(if $(filter $(1),$(STATIC_CONTROLLERS)),$(static_link),$(if $(filter $(1),$(GIT_CONTROLLERS)),$(git_static_link),$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS))),$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS))

# bin/<controller>: main.o and the controller's other objects, linked directly
define controller_rules
$$(BUILD)/lib$(1).a: $$(patsubst %.c,$$(BUILD)/%.o,$$(call ctrl_src,$(1)))
	rm -f $$@
	ar rcs $$@ $$^

bin/$(1): $$(patsubst %.c,$$(BUILD)/%.o,$$(wildcard $(1)/*.c)) $$(LIB)
	$$(call link_controller,$(1))
endef
$(foreach c,$(CONTROLLERS),$(eval $(call controller_rules,$(c))))

$(HARNESS_OBJ): tests/unit/harness.c tests/unit/test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(HARNESS_OBJ) $(CTRL_LIBS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The GSS-API functions of the static link, on their own and in front of libgit2's shared
# library in the Git test (which checks that libgit2 never calls them)
$(BUILD)/tests/test_gssapi_absent: $(BUILD)/tests/unit/test_gssapi_absent.o $(GSSAPI_ABSENT_OBJ) $(HARNESS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/test_git: $(GSSAPI_ABSENT_OBJ)

# the CLI's in-process unified diff, tested on its own
$(BUILD)/tests/test_udiff: $(BUILD)/tests/unit/test_udiff.o $(BUILD)/cli/udiff.o $(HARNESS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/integration/test_%.o $(HARNESS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/kustomize_%: $(BUILD)/tests/kustomize/%.o $(HARNESS_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the CLI's migrate scan (cli/migrate_scan.c), fuzzed on its own
$(BUILD)/tests/fuzz_migrate_replay: $(BUILD)/tests/fuzz/fuzz_migrate.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/cli/migrate_scan.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/fuzz_%_replay: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(CTRL_LIBS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/webhook-sink: $(BUILD)/tests/env/webhook-sink.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/token-server: $(BUILD)/tests/env/token-server.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Every suite; the closing line is "N passed, N failed".
test: all check-layers
	@BUILD=$(BUILD) sh tests/run

# The fault campaign (tests/faults, docs/faults.md) at full size, against tests/env (brought up).
faults: all
	@sh tests/env/up >/dev/null && . $${CFLUX_ENV_DIR:-/tmp/cflux-env}/env && sh tests/faults/run

unit: all check-layers
	@BUILD=$(BUILD) CFLUX_SUITES=unit,fuzz sh tests/run

check-layers:
	@sh tests/check-layers.sh . $(LAYERS)

deps:
	@sh tests/env/deps

# make install PREFIX=/usr/local COMPONENTS="source-controller kustomize-controller": cflux, the
# chosen controllers, and a systemd unit for each (DESTDIR for staging).
PREFIX     ?= /usr/local
COMPONENTS ?= $(CONTROLLERS)
install: bin/cflux $(addprefix bin/,$(filter $(CONTROLLERS),$(COMPONENTS)))
	@for c in $(COMPONENTS); do case " $(CONTROLLERS) " in \
		*" $$c "*) ;; *) echo "make install: unknown component $$c" >&2; exit 2;; esac; done
	install -D -m 0755 bin/cflux $(DESTDIR)$(PREFIX)/bin/cflux
	for c in $(COMPONENTS); do \
		install -D -m 0755 bin/$$c $(DESTDIR)$(PREFIX)/bin/$$c && \
		mkdir -p $(DESTDIR)$(PREFIX)/lib/systemd/system && \
		sed -e "s|@NAME@|$$c|g" -e "s|@BINDIR@|$(PREFIX)/bin|g" deploy/systemd/cflux-controller.service.in \
			> $(DESTDIR)$(PREFIX)/lib/systemd/system/cflux-$$c.service || exit 1; done

# One OCI image per controller without a Docker engine (deploy/build-image.sh: umoci, skopeo):
# build/images/<controller> is its OCI layout, tagged IMAGE_TAG; with REGISTRY= each is copied
# to REGISTRY/<controller>:IMAGE_TAG (make images REGISTRY=127.0.0.1:5000/cflux). deploy/Dockerfile
# stays for Docker users.
IMAGE_TAG    ?= 0.1.0-dev
REGISTRY     ?=
images: $(CONTROLLERS:%=bin/%)
	@for c in $(CONTROLLERS); do \
		sh deploy/build-image.sh $$c bin/$$c build/images/$$c $(IMAGE_TAG) $(REGISTRY) || exit 1; done

controllers:
	@echo $(CONTROLLERS)

BENCH_BIN = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(CTRL_LIBS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Benchmarks, side by side with the peer tools, as ratios (never asserted in tests).
# BENCH_PEER=flux|none: Flux's own controllers beside cflux's (built from the Go module proxy
# by tests/env/build-flux), or cflux alone; BENCH_APPS: apps in that scenario (default 100).
# make bench-peer runs only that scenario. BENCH_HELM_RELEASES: HelmReleases beside serial
# `helm upgrade --install` (default 100; BENCH_PEER=none: the helm-controller alone); make
# bench-helm runs only that scenario. make bench-idle: the five controllers idle (RSS, its
# private part, the libraries mapped; tests/bench/idle.sh).
BENCH_PEER ?= flux
BENCH_APPS ?= 100
BENCH_HELM_RELEASES ?= 100
BENCH_ENV = BUILD=$(BUILD) BENCH_PEER=$(BENCH_PEER) BENCH_APPS=$(BENCH_APPS) BENCH_HELM_RELEASES=$(BENCH_HELM_RELEASES)
bench: $(BENCH_BIN) $(BINS)
	@$(BENCH_ENV) sh tests/bench/run

bench-peer: $(BINS)
	@$(BENCH_ENV) CFLUX_BENCH_ONLY=peer sh tests/bench/run

bench-helm: $(BINS)
	@$(BENCH_ENV) CFLUX_BENCH_ONLY=helm sh tests/bench/run

bench-image: $(BINS) $(BUILD)/bench/bench_push_tags
	@$(BENCH_ENV) CFLUX_BENCH_ONLY=image sh tests/bench/run

bench-idle: $(BINS)
	@$(BENCH_ENV) CFLUX_BENCH_ONLY=idle sh tests/bench/run

# make link-order: link/<controller>.order anew, from profiles of the idle controllers (a native
# one of the pages they touch, and callgrind's; link/profile.sh)
link-order: $(BINS)
	@sh link/profile.sh

demo: all
	@BUILD=$(BUILD) sh tests/env/demo

demo-down:
	@sh tests/env/down

env-up: all
	@BUILD=$(BUILD) sh tests/env/up

env-down:
	@sh tests/env/down

FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -iquote common -iquote . -iquote cli -isystem $(CURL_DIR)/include -isystem $(NNG_DIR)/include $(PKG_CFLAGS)
fuzz:
	@mkdir -p build/fuzz/ctrl
	rm -f build/fuzz/libctrl.a
	for s in $(CTRL_SRC); do o=build/fuzz/ctrl/$$(echo $$s | tr / _ | sed 's/\.c$$/.o/'); \
		$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $$o $$s && \
		ar rcs build/fuzz/libctrl.a $$o || exit 1; done
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
			-o build/fuzz/$$n $$f $(COMMON_SRC) cli/migrate_scan.c build/fuzz/libctrl.a $(CURL_LIBS) $(PKG_LIBS) $(NNG_LIB) -lmbedx509 -lmbedcrypto -lpthread -lm || exit 1; done
	@echo "fuzzers in build/fuzz/; run e.g. build/fuzz/fuzz_yaml tests/fuzz/corpus/yaml"

clean:
	rm -rf build bin
