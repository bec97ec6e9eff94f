# onestop: make builds the module, the CLI and the engine under build/;
# make run sets everything up and serves on 127.0.0.1:8080; make test runs
# every test through prove.

NGINX_SRC   ?= /usr/share/nginx/src
BUILD       := build
ABUILD      := $(CURDIR)/build
CC          ?= cc
CFLAGS_ENG  := -std=c11 -D_GNU_SOURCE -O2 -g -fPIC -Wall -Wextra -Werror \
               -Wno-unused-parameter -Iengine -Ilmdb-schema
LIBS        := -llmdb -lyajl -lqrencode -lhiredis -lcurl -lz -lcrypto -lpthread

ENGINE_SRCS := engine/args.c engine/date.c engine/record.c engine/history.c engine/mask.c engine/catalog.c \
               engine/batch.c engine/batch_record.c engine/json.c \
               engine/contrib.c engine/counters.c engine/deltas.c engine/query.c engine/stats.c \
               engine/report.c engine/verify.c engine/apologies.c \
               engine/evaluation_summary.c engine/qr.c \
               engine/audit.c engine/store.c engine/write.c engine/outbox.c \
               engine/change.c engine/changelog.c engine/replica.c engine/replica_read.c \
               engine/replica_role.c engine/store_ready.c \
               engine/catalog_db.c engine/util.c engine/scratch.c engine/demo.c \
               engine/demo_world.c engine/demo_data.c \
               engine/html.c engine/figures.c engine/evaluation.c \
               engine/access.c engine/pages.c engine/ingest.c \
               engine/feed.c engine/feed_conf.c engine/resp.c engine/answer.c \
               engine/publisher.c engine/link.c engine/sse.c \
               engine/probe.c \
               engine/calendar.c engine/feedback.c engine/feedback_db.c \
               engine/feedback_stats.c engine/feedback_read.c \
               engine/feedback_render.c \
               engine/notify_conf.c engine/notify_template.c \
               engine/notify_db.c engine/notify_status.c \
               engine/notify_channel.c engine/notify_journal.c \
               engine/notify.c \
               engine/sms.c
# issue 15: the catalog, CSV dialects, a sync partner's read
ENGINE_SRCS += engine/csv.c engine/catalog_view.c engine/record_json.c
# issue 18: published figures
ENGINE_SRCS += engine/published.c engine/published_read.c engine/store_settings.c
# issue 20: numbers without printf
ENGINE_SRCS += engine/number.c engine/series.c engine/counters_upgrade.c
CLI_SRCS    := engine/cli.c engine/cli_admin.c engine/cli_demo.c \
               engine/cli_keys.c engine/cli_replica.c engine/cli_notify.c \
               engine/cli_util.c engine/cli_read.c
ENGINE_HDRS := $(wildcard engine/*.h) lmdb-schema/onestop_schema.h
MODULE_SRCS := $(wildcard ngx_onestop/*.c ngx_onestop/*.h \
               ngx_onestop/html/*)
ENGINE_OBJS := $(ENGINE_SRCS:engine/%.c=$(BUILD)/engine/%.o)
UNIT_SRCS   := $(wildcard engine/test/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:engine/test/%.c=$(BUILD)/test/%)

.PHONY: all deps audit-deps run stop test unit clean asan asan-module screenshots layout \
        fuzz fuzz-build fuzz-deps catalog deb bench

all: $(BUILD)/libonestop.a $(BUILD)/onestop \
     $(BUILD)/ngx_http_onestop_module.so $(UNIT_BINS) $(BUILD)/demo-catalog

# Debian's packages (.ci/deps.sh), then the npm packages the tests use
# (docs/openapi.yaml's linter and validator, t/openapi.t), exactly as
# pinned in tools/package-lock.json
deps:
	@sh .ci/deps.sh
	@$(MAKE) -s tools/node_modules/.package-lock.json

# issue 20: onestop side by side with a Lua + Redis lookup and PostgreSQL
# 15 statistics over the same BENCH_DOSSIERS (100000) demo dossiers
# (bench/README.md); the peers' packages first
bench: deps all
	@sh .ci/deps.sh libnginx-mod-http-lua lua-nginx-redis postgresql-15 \
	    wrk redis-server lmdb-utils
	bench/side-by-side

tools/node_modules/.package-lock.json: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/engine/%.o: engine/%.c $(ENGINE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ENG) -c $< -o $@

$(BUILD)/libonestop.a: $(ENGINE_OBJS)
	ar rcs $@ $^

$(BUILD)/onestop: $(CLI_SRCS) $(ENGINE_HDRS) $(BUILD)/libonestop.a
	$(CC) $(CFLAGS_ENG) $(CLI_SRCS) $(BUILD)/libonestop.a $(LIBS) -o $@

# the demo's catalog (Long An's agencies, fields and procedures), which
# conf/catalog-longan.json is: make catalog writes it again
$(BUILD)/demo-catalog: tools/demo_catalog.c $(BUILD)/libonestop.a
	$(CC) $(CFLAGS_ENG) $< $(BUILD)/libonestop.a $(LIBS) -o $@

catalog: $(BUILD)/demo-catalog
	$(BUILD)/demo-catalog > conf/catalog-longan.json.tmp
	mv conf/catalog-longan.json.tmp conf/catalog-longan.json

$(BUILD)/test/%: engine/test/%.c $(wildcard engine/test/*.h) $(BUILD)/libonestop.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ENG) -Iengine/test $< $(BUILD)/libonestop.a $(LIBS) -o $@

# nginx's own build of the dynamic module, in a private copy of Debian's
# nginx-dev sources so that nothing under /usr/share is written
$(BUILD)/nginx/Makefile: config ngx_onestop/html/embed.pl \
                         conf/configure-module.sh \
                         $(wildcard ngx_onestop/html/*)
	@test -d $(NGINX_SRC) || { echo "nginx-dev is missing: make deps"; exit 1; }
	@mkdir -p $(BUILD)
	flock $(BUILD)/.nginx.lock conf/configure-module.sh $(NGINX_SRC) \
	    $(CURDIR) $(ABUILD)

$(BUILD)/ngx_http_onestop_module.so: $(BUILD)/nginx/Makefile $(MODULE_SRCS) \
                                     $(ENGINE_SRCS) $(ENGINE_HDRS)
	flock $(BUILD)/.nginx.lock $(MAKE) -s -f $(ABUILD)/nginx/Makefile \
	    -C $(ABUILD)/nginx-src modules
	cp $(BUILD)/nginx/ngx_http_onestop_module.so $@.tmp && mv $@.tmp $@

SHELL := /bin/bash

unit: $(UNIT_BINS)
	prove $(UNIT_BINS)

test: deps all audit-deps
	prove -j2 $(UNIT_BINS) t/ tools/layout.t

# the accessibility audit's tools (t/axe.t), pinned by t/axe/package-lock.json
audit-deps: $(BUILD)/axe/node_modules/.installed

$(BUILD)/axe/node_modules/.installed: t/axe/package.json t/axe/package-lock.json
	mkdir -p $(BUILD)/axe
	cp t/axe/package.json t/axe/package-lock.json $(BUILD)/axe/
	cd $(BUILD)/axe && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# the screenshots in docs/img/, taken again by the browser tests
screenshots: deps all
	ONESTOP_SCREENSHOTS=1 prove t/dashboard.t t/widgets_browser.t

run: deps all
	@sh conf/run.sh start

stop:
	@sh conf/run.sh stop

# the engine, the CLI and the unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer in build/asan/, then the unit tests and the
# CLI over a demo store (demo, every kind of statistics query, import,
# delete, verify); any report stops it
ASAN_FLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=all \
               -Wall -Wextra -Werror -Wno-unused-parameter -Iengine \
               -Ilmdb-schema

asan: deps
	@rm -rf $(BUILD)/asan && mkdir -p $(BUILD)/asan/test
	$(CC) $(ASAN_FLAGS) $(CLI_SRCS) $(ENGINE_SRCS) $(LIBS) \
	    -o $(BUILD)/asan/onestop
	for t in $(UNIT_SRCS); do \
	    $(CC) $(ASAN_FLAGS) -Iengine/test $$t $(ENGINE_SRCS) $(LIBS) \
	        -o $(BUILD)/asan/test/$$(basename $$t .c) || exit 1; \
	done
	prove $(BUILD)/asan/test/test_*
	@sh conf/asan-smoke.sh $(BUILD)/asan

# the module under AddressSanitizer, through the integration suites
# (about 2 minutes; see conf/asan-module.sh)
asan-module: deps all
	@sh conf/asan-module.sh $(NGINX_SRC) $(CURDIR)

# libFuzzer targets (fuzz/, docs/fuzzing.md): every parser of a request's
# arguments and bodies with AddressSanitizer and UndefinedBehaviorSanitizer,
# each run FUZZ_SECONDS from its seeds in t/fuzz-corpus/; needs clang
# (.ci/deps.sh installs it), which make test does not
FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
FUZZ_TARGETS := stats_query apology_query summary_query widget lookup_code sms \
                evaluation_form batch catalog timestamp token changes_query
# issue 15: the public catalog's arguments and the CSV file names
FUZZ_TARGETS += public_catalog
# issue 14: the questions' bodies, queries and search words
FUZZ_TARGETS += feedback
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
                -fno-sanitize-recover=all -Wall -Wextra -Werror \
                -Wno-unused-parameter -Iengine -Ilmdb-schema -Ifuzz
FUZZ_OBJS    := $(ENGINE_SRCS:engine/%.c=$(BUILD)/fuzz/engine/%.o) \
                $(BUILD)/fuzz/fuzz_store.o
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/engine/%.o: engine/%.c $(ENGINE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -c $< -o $@

$(BUILD)/fuzz/fuzz_store.o: fuzz/fuzz_store.c fuzz/fuzz.h $(ENGINE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -c $< -o $@

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
	    $< $(FUZZ_OBJS) $(LIBS) -o $@

fuzz-deps: deps
	@sh .ci/deps.sh clang libclang-rt-dev llvm

fuzz-build: fuzz-deps
	$(MAKE) $(FUZZ_BINS)

fuzz: fuzz-build
	@sh fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# the Debian package libnginx-mod-http-onestop (debian/), built from this
# tree with debhelper against this machine's nginx-dev, into build/deb/
# (the .deb, .buildinfo and .changes); needs dpkg-dev and debhelper
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH    = $(shell dpkg --print-architecture)

deb: all
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null \
	    || { echo "make deb needs dpkg-dev and debhelper: sh .ci/deps.sh dpkg-dev debhelper"; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb
	dpkg-buildpackage -b -us -uc --post-clean \
	    --buildinfo-option=-u$(BUILD)/deb --changes-option=-u$(BUILD)/deb \
	    --buildinfo-file=$(BUILD)/deb/onestop_$(DEB_VERSION)_$(DEB_ARCH).buildinfo \
	    --changes-file=$(BUILD)/deb/onestop_$(DEB_VERSION)_$(DEB_ARCH).changes
	@ls -1 $(BUILD)/deb/*.deb

clean:
	rm -rf $(BUILD)

# issue 12's shape: file sizes, the nginx layer's total (a TODO until it is
# met), no mutual calls in ngx_onestop/, no circle in engine/; in make test
layout:
	prove tools/layout.t
