#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL 15 + PostGIS cluster for a test or a
# benchmark (docs/testing.md, "PostgreSQL"). Source it, then
#   pg_start [-c NAME=VALUE ...]   initdb in a new temporary folder, start
#                                  on a free port of 127.0.0.1 (the unix
#                                  socket in the same folder); sets PG_DIR,
#                                  PG_PORT, PG_URI (postgresql://...:PORT/,
#                                  no database) and registers pg_stop to run
#                                  on exit (tap.sh's tap_on_exit when it is
#                                  loaded; otherwise the caller's cleanup
#                                  calls pg_stop);
#   pg_createdb NAME               a database with postgis and btree_gist
#                                  (copied from a template made once);
#   pg_sql DB ARGS...              psql -X -v ON_ERROR_STOP=1 on DB;
#   pg_stop                        stop the cluster and remove its folder.
# Run as a command, `tests/lib/pg.sh run CMD...` starts a cluster, runs CMD
# with TRUCE_TEST_STORE=$PG_URI (tests/lib/truce-store.sh gives every center
# created under it a fresh database of that cluster), TRUCE_TEST_PG_URL (its
# `postgres` database, for tests/unit/test_store_pg.c) and PG_DIR, PG_PORT,
# PG_URI exported, and stops it after. A script that sources this file
# under it finds the cluster in those (pg_sql, pg_createdb work on it).
#
# PostgreSQL refuses to run as root: as root (the tests and CI are), initdb
# and the server run as the `postgres` user (runuser) in a folder it owns.
# fsync, synchronous_commit and full_page_writes are off: a test cluster
# outlives no crash; PG_DURABLE=1 keeps PostgreSQL's defaults (the
# benchmarks). PG_BIN overrides /usr/lib/postgresql/15/bin.

: "${PG_BIN:=/usr/lib/postgresql/15/bin}"
PG_DIR=${PG_DIR:-}
PG_PORT=${PG_PORT:-}
PG_URI=${PG_URI:-}
PG_OWNER=

pg_fail() {
	echo "pg.sh: $*" >&2
	return 1
}

# pg_as CMD...: runs CMD as the cluster's owner.
pg_as() {
	if [ -n "$PG_OWNER" ]; then
		runuser -u "$PG_OWNER" -- "$@"
	else
		"$@"
	fi
}

# pg_check: PostgreSQL 15 and PostGIS are installed (scripts/deps.sh).
pg_check() {
	local share
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
		pg_fail "PostgreSQL 15 is missing ($PG_BIN/initdb): run make deps" ||
		return 1
	command -v psql >/dev/null 2>&1 ||
		pg_fail "psql is missing: run make deps" || return 1
	share=$("$PG_BIN/pg_config" --sharedir 2>/dev/null) ||
		share=/usr/share/postgresql/15
	[ -f "$share/extension/postgis.control" ] ||
		pg_fail "PostGIS is missing ($share/extension/postgis.control):" \
		    "run make deps (postgresql-15-postgis-3)" || return 1
	[ -f "$share/extension/btree_gist.control" ] ||
		pg_fail "btree_gist is missing ($share/extension):" \
		    "run make deps (postgresql-15)" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 ||
			pg_fail "running as root needs the postgres user" \
			    "(Debian's postgresql package makes it)" || return 1
		PG_OWNER=postgres
	fi
}

pg_free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null ||
			{ echo "$p"; return 0; }
	done
	pg_fail "no free port found"
}

pg_start() {
	local try fast="-c fsync=off -c synchronous_commit=off"
	fast+=" -c full_page_writes=off"
	[ -z "${PG_DURABLE:-}" ] || fast=
	pg_check || return 1
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/truce-pg.XXXXXX") || return 1
	[ -z "$PG_OWNER" ] || chown "$PG_OWNER:" "$PG_DIR"
	chmod 700 "$PG_DIR"
	if [ "$(type -t tap_on_exit)" = function ]; then
		tap_on_exit pg_stop
	fi
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
	    -E UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		sed 's/^/pg.sh: initdb: /' "$PG_DIR/initdb.log" >&2
		pg_fail "initdb failed in $PG_DIR/data"
		return 1
	fi
	# Another process may take the port between the probe and the start:
	# a few ports are tried.
	for try in 1 2 3 4 5; do
		PG_PORT=$(pg_free_port) || return 1
		if pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" \
		    -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $PG_PORT \
		    -k $PG_DIR $fast -c jit=off -c max_connections=200 \
		    $*" start >/dev/null 2>&1; then
			PG_URI="postgresql://postgres@127.0.0.1:$PG_PORT/"
			export PG_DIR PG_PORT PG_URI
			pg_template || return 1
			return 0
		fi
		grep -q 'already in use' "$PG_DIR/log" 2>/dev/null || break
	done
	sed 's/^/pg.sh: postgres: /' "$PG_DIR/log" >&2
	pg_fail "the cluster of $PG_DIR did not start"
}

pg_sql() { # pg_sql DB ARGS...
	local db=$1
	shift
	psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres \
		-d "$db" "$@"
}

# The template every test database is copied from: CREATE EXTENSION postgis
# costs about a second, CREATE DATABASE ... TEMPLATE a few milliseconds.
pg_template() {
	pg_sql postgres -c "CREATE DATABASE truce_template" &&
		pg_sql truce_template -c "CREATE EXTENSION postgis" \
		    -c "CREATE EXTENSION btree_gist" ||
		pg_fail "cannot make the template database (postgis, btree_gist)"
}

pg_createdb() { # pg_createdb NAME
	pg_sql postgres -c "CREATE DATABASE \"$1\" TEMPLATE truce_template"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w \
			stop >/dev/null 2>&1 || true
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

# tests/lib/pg.sh run CMD...
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	[ "${1:-}" = run ] && [ $# -ge 2 ] || {
		echo "usage: tests/lib/pg.sh run CMD..." >&2
		exit 2
	}
	shift
	trap pg_stop EXIT
	trap 'exit 130' INT TERM
	pg_start || exit 1
	TRUCE_TEST_STORE=$PG_URI TRUCE_TEST_PG_URL=${PG_URI}postgres "$@"
	exit $?
fi
