/*
 * mirror: `truce mirror URL DIR`, a member's own verified copy of a
 * center's log and store (issue 16 "Members' mirrors", docs/mirror.md),
 * on the model of Certificate Transparency monitors and C2SP tlog-mirror.
 *
 * Each round it fetches the center's joint checkpoint (GET /checkpoint)
 * and accepts it only when it is signed by the log key, cosigned by the
 * given witness keys (audit_verify_joint, the audit's own check) and
 * consistent with the checkpoint the mirror holds: never smaller, the
 * same root at the same size, and the center's consistency proof
 * (GET /v1/log/proof/consistency) verifying from the held root to the new
 * one. It then fetches the new entries' bundles and level-0 hash tiles
 * (C2SP tlog-tiles), checks every entry's RFC 6962 leaf hash against the
 * tile, appends the entries to its own entry log (ledger/entrylog.h, the
 * center's format and code), and recomputes the root at the new size from
 * its own log: only when it equals the checkpoint's is the checkpoint
 * saved (atomically) and the entries replayed into its own SQLite store
 * with the replay of `truce rebuild` (center_replayer_run: fusion over the
 * copy of data/ each part of the log names, --geo-data repeated).
 *
 * Layout of DIR (created, mode 0700):
 *   log/        the verified entries (entrylog: entries, index, hashes,
 *               lock; the lock keeps one mirror per DIR)
 *   checkpoint  the last accepted joint checkpoint, the signed note as
 *               the center served it; the log is opened against it
 *   store.db    the store, replayed from log/ (the store remembers how
 *               many entries it applied, so a killed replay resumes)
 *   evidence/   one folder per refusal: both checkpoints, the proof or
 *               the bundle and tile that conflict, and `reason`
 *   refused     names the evidence folder: while it exists the mirror
 *               applies nothing more (an operator removes it after
 *               looking)
 *
 * With --listen, the center's server (server/server.h) serves DIR over a
 * struct center without sequencer (read-only) whose checkpointer serves
 * the held checkpoint (checkpointer_follow), published after each replay.
 *
 * Entries beyond the held checkpoint (fetched, not yet verified against a
 * root, as after a kill mid-fetch) are cut at open; entries up to it are
 * never fetched again. Limits: those of the audit (notes 1 MiB, tiles
 * 8 KiB, bundles 256 x 64 KiB, proofs 64 hashes) and trees of at most
 * AUDIT_MAX_ENTRIES entries. One thread.
 */
#ifndef TRUCE_MIRROR_H
#define TRUCE_MIRROR_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define MIRROR_MAX_WITNESSES 16
#define MIRROR_MIN_INTERVAL 1 /* seconds between polls */
#define MIRROR_MAX_INTERVAL 3600

/* How a mirror ended (also the exit status of `truce mirror`). */
enum mirror_outcome {
	MIRROR_OK = 0,
	MIRROR_REFUSED = 1,   /* the center's log failed a check: evidence
				 kept in DIR/evidence, nothing applied */
	MIRROR_USAGE = 2,     /* bad options or keys */
	MIRROR_INCOMPLETE = 3 /* network, center or local I/O failure */
};

/* What to mirror; the caller holds it on the stack. */
struct mirror_options {
	const char *url;		 /* the center's base URL */
	const char *dir;		 /* the mirror's directory */
	const char *log_key;		 /* the log's verifier key */
	const char *const *witness_keys; /* cosignature verifier keys */
	size_t nwitness_keys;
	size_t quorum;	      /* 0: every witness key */
	const char *token;    /* reader's bearer token, or NULL */
	const char *store;    /* the store's backend, as truce.conf's
				 `store` names it; NULL: "sqlite" */
	const char *geo_data; /* data/ the center uses; NULL: default */
	const char *const *geo_data_more; /* further copies of data/, for
					     the other geographies a log
					     names (docs/geography.md) */
	size_t ngeo_data_more;		  /* at most
					     CENTER_REBUILD_MAX_GEO_DATA */
	const char *geo_aliases;	  /* the center's alias file, or NULL */
	const char *listen; /* "HOST:PORT" to serve the read API, or
				    NULL */
	int once;	    /* catch up once and return */
	int interval;	    /* seconds between polls when following */
};

/* What the mirror holds; filled by mirror_run. */
struct mirror_summary {
	enum mirror_outcome outcome;
	int64_t size;	  /* of the held checkpoint */
	int64_t fetched;  /* entries fetched and verified by this run */
	int64_t replayed; /* entries replayed by this run */
	double seconds;
	/* Where the time went: wall and CPU (user + system of the process)
	   seconds fetching and verifying (checkpoints, proofs, tiles,
	   bundles, appends), and replaying. */
	double fetch_seconds, fetch_cpu, replay_seconds, replay_cpu;
	char evidence[PATH_MAX]; /* the evidence folder of a refusal, or "" */
};

/*
 * Runs the mirror described by o: one catch-up with o->once, else rounds
 * every o->interval seconds until a refusal or SIGINT/SIGTERM (a center
 * that cannot be reached is retried at the next round). With o->listen it
 * also serves the center's read routes (server/server.h, read-only: no
 * writes, no events) from DIR at the size it verified, and after a
 * refusal keeps serving the last good state until SIGINT/SIGTERM; it
 * prints "truce: mirror of ORIGIN serving on http://HOST:PORT" on stdout
 * once listening. Returns 0 (s->outcome
 * MIRROR_OK) or -1 with s->outcome saying why and the failure in err.
 * Cost per round: the new entries' bytes over the network, one append
 * and fdatasync per bundle, one replay of the new entries.
 */
int mirror_run(const struct mirror_options *o, struct mirror_summary *s,
    char *err, size_t errlen);

#endif
