# truce — build, test, run. GNU Make + pkg-config (DESIGN.md).
#
#   make deps    install the Debian packages the build, tests and bench need
#   make         build build/release/truce
#   make run     deps + build + demo center under var/ on 127.0.0.1:8080
#                (the dashboard at http://127.0.0.1:8080/, docs/dashboard.md)
#   make test    deps + build (ASan+UBSan) + every test under prove
#   make bench   deps + build + benchmarks (bench/RESULTS.md); make
#                bench-products runs the products' part alone;
#                bench-readservers the read servers' (issue 16)

# `make` alone builds the release binary: the first rule below would not be.
.DEFAULT_GOAL := all

PKGS     := libmicrohttpd jansson sqlite3 libsodium libcurl proj librsvg-2.0 cairo \
	    libpq
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	    -Wpointer-arith -Wformat=2 -Wsign-compare -Werror
CPPFLAGS := -D_GNU_SOURCE -Isrc
CFLAGS_BASE = -std=c17 -g $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined

LIB_SRC  := $(filter-out src/cli/main.c,$(shell find src -name '*.c' | sort))
HDRS     := $(shell find src tests/lib -name '*.h')
TEST_SRC := $(wildcard tests/unit/test_*.c)

# Two flavours share the rules below: release (-O2) and asan (-O1 + sanitizers).
define flavour
$(1)_DIR    := build/$(1)
$(1)_CFLAGS := $$(CFLAGS_BASE) $(2)
$(1)_LDFLAGS := $(3)
$(1)_OBJ    := $$(patsubst src/%.c,build/$(1)/obj/%.o,$$(LIB_SRC))
$(1)_TESTS  := $$(patsubst tests/unit/%.c,build/$(1)/tests/%,$$(TEST_SRC))

build/$(1)/obj/%.o: src/%.c $$(HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$($(1)_CFLAGS) -c $$< -o $$@

build/$(1)/libtruce.a: $$($(1)_OBJ)
	@rm -f $$@
	ar rcs $$@ $$^

build/$(1)/truce: src/cli/main.c build/$(1)/libtruce.a $$(HDRS)
	$$(CC) $$(CPPFLAGS) $$($(1)_CFLAGS) $$< build/$(1)/libtruce.a \
		$$($(1)_LDFLAGS) $$(LDLIBS) -o $$@

build/$(1)/tests/%: tests/unit/%.c build/$(1)/libtruce.a $$(HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Itests/lib $$($(1)_CFLAGS) $$< build/$(1)/libtruce.a \
		$$($(1)_LDFLAGS) $$(LDLIBS) -o $$@
endef

# The release build allocates with jemalloc, as Redis does: a batch of
# observations is tens of thousands of small JSON nodes made by one thread
# and freed by another, which glibc's malloc serves poorly (bench/RESULTS.md).
# The ASan build keeps the sanitizer's own allocator.
JEMALLOC := $(shell pkg-config --libs jemalloc 2>/dev/null)
$(eval $(call flavour,release,-O2,$(JEMALLOC)))
$(eval $(call flavour,asan,-O1 $(SAN),$(SAN)))

.PHONY: all deps run test test-build bench check-src clean demo test-pg \
	test-pg-run bench-pgstore bench-mirror \
	bench-dashboard bench-load bench-products bench-alerts \
	bench-readservers
all: build/release/truce web/dist/index.html

deps:
	@scripts/deps.sh

check-src:
	@tests/checksrc.sh

test-build: build/asan/truce build/release/truce $(asan_TESTS) \
	build/asan/faultshim.so web/dist/index.html

# An LD_PRELOAD library that fails the log's fdatasync on demand
# (tests/integration/io_fault.t).
build/asan/faultshim.so: tests/lib/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O1 -g -Wall -Wextra -Werror $< -o $@ -ldl

# The dashboard (docs/dashboard.md): JavaScript from the npm registry at the
# versions of web/package-lock.json, bundled by esbuild into web/dist, which
# `truce serve` serves at /.
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/build.mjs
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && node build.mjs

# Integration tests run the ASan binary; TRUCE_BIN points them at it.
# The browser test runs alone after the others: a headless chromium, a
# center and two witnesses under ASan are what two cores can hold, and
# its waits are for the page, not for a neighbour test's load.
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
TEST_ENV := TRUCE_BIN=$(CURDIR)/build/asan/truce TRUCE_TOP=$(CURDIR) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SERIAL_T := tests/integration/dashboard.t
# The store-heavy integration tests run a second time with every center on
# its own database of a throwaway PostgreSQL cluster (tests/lib/pg.sh,
# docs/testing.md); skipped with a note while the binary has no PostgreSQL
# store. `make test-pg` runs this pass alone.
PG_T := $(addprefix tests/integration/,observations.t fusion.t query.t \
	verification.t state_audit.t sources.t evidence.t incident_map.t \
	trends.t principals.t reports.t exports.t backup.t audit.t mirror.t \
	geography.t)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) check-src test-build
	$(TEST_ENV) prove -j2 --exec '' $(asan_TESTS) \
		$(filter-out $(SERIAL_T),$(wildcard tests/integration/*.t))
	$(TEST_ENV) prove --exec '' $(SERIAL_T)
	@$(MAKE) --no-print-directory test-pg-run

test-pg: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/asan/truce \
		build/asan/tests/test_store_pg
	@$(MAKE) --no-print-directory test-pg-run

# test_store_pg (skipped in the first pass) gets the cluster's URL here.
test-pg-run:
	@if build/asan/truce serve --help-config 2>&1 | grep -q postgresql; \
	then \
		echo "make test: again on PostgreSQL: $(notdir $(PG_T))"; \
		$(TEST_ENV) tests/lib/pg.sh run prove -j2 --exec '' \
			build/asan/tests/test_store_pg $(PG_T); \
	else \
		echo "make test: the binary has no PostgreSQL store:" \
		    "the PostgreSQL pass is skipped"; \
	fi

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce \
		web/dist/index.html
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/run.sh

# Issue 17's load figures (bench/load/RESULTS.md): 1,000 connections for
# 60 s, slow senders beside a normal client.
bench-load: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/load/run.sh

# Issue 12's products alone (the daily report of a peak day, the 365-day
# trend and its PostGIS peer; bench/RESULTS.md): OBS=100000 for a quick
# check, the default 1,000,000 for the figures.
bench-products: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/products/run.sh

# Issue 13's alerts benchmark (its section of bench/RESULTS.md): webhooks,
# 1,000 event streams and PostgreSQL LISTEN/NOTIFY at 1,000 observations/s.
bench-alerts: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/alerts/run.sh

# Issue 16's read servers (their section of bench/RESULTS.md): 1, 2 and 4
# `truce serve --read-only` beside the writer, over SQLite and PostgreSQL;
# queries/s, p99 and queries per CPU second. READ_SECONDS=2 READ_REPS=1
# for a quick look.
bench-readservers: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/readservers/run.sh

# Issue 16's store backends (bench/pgstore/run.sh, its section of
# bench/RESULTS.md): ingest and the observation query on SQLite, on
# PostgreSQL + PostGIS and on a bare PostGIS table, in one run;
# BENCH_PG_OBS=20000 BENCH_REPS=1 for a quick check.
bench-pgstore: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/pgstore/run.sh

# Issue 16's mirror benchmark (its section of bench/RESULTS.md): a
# member's mirror catching up with a center, beside `truce audit` of the
# same center in the same run; ENTRIES=50000 by default, 1000000 for the
# issue's figure.
bench-mirror: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce
	@bench/mirror/run.sh

# Issue 14's dashboard benchmark (web/bench/RESULTS.md).
bench-dashboard: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build/release/truce \
		web/dist/index.html
	@web/bench/run.sh

clean:
	rm -rf build web/dist

# Fuzzing (fuzz/README.md). Every fuzz/fuzz_NAME.c is linked with
# fuzz/replay.c into build/asan/fuzz/replay_NAME, which tests/integration/
# fuzz_replay.t runs over fuzz/corpus/NAME/ (ordinary compiler, ASan +
# UBSan); `make fuzz [FUZZ_SECONDS=N]` builds the same files with clang's
# libFuzzer into build/fuzz/ and runs each for N seconds (scripts/fuzz.sh).
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
asan_REPLAY  := $(patsubst %,build/asan/fuzz/replay_%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
# clang's warnings differ from gcc's: they are shown, not fatal, here.
FUZZ_CFLAGS  := $(filter-out -Werror,$(CFLAGS_BASE)) -O1 \
		-fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_OBJ     := $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC))
FUZZ_BINS    := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_NAMES))

build/asan/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h \
		build/asan/libtruce.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifuzz $(asan_CFLAGS) fuzz/replay.c $< \
		build/asan/libtruce.a $(asan_LDFLAGS) $(LDLIBS) -o $@

test-build: $(asan_REPLAY)

build/fuzz/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/libtruce.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h build/fuzz/libtruce.a $(HDRS)
	$(FUZZ_CC) $(CPPFLAGS) -Ifuzz $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer,address,undefined $< build/fuzz/libtruce.a \
		$(LDLIBS) -o $@

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_NAMES)
