/*
 * audit: `truce audit URL`, a member's proof that a center's record is
 * intact (DESIGN.md "The record", issue 3 "Audit"). Against the center at
 * URL it checks, in this order (docs/audit.md):
 *
 *  1. GET /checkpoint: a C2SP tlog-checkpoint signed by the log key
 *     (signed-note, named after the origin) and cosigned (tlog-cosignature)
 *     by every given witness key, or by the quorum of them;
 *  2. with a state directory: the checkpoint saved by the previous audit
 *     is not larger (the record never shrinks);
 *  3. every entry bundle and level-0 hash tile (C2SP tlog-tiles) up to the
 *     checkpoint's size: every leaf hash recomputed from the entries equals
 *     the tile's, every higher tile hash equals the hash of the subtree it
 *     covers, and the recomputed RFC 6962 root equals the checkpoint's;
 *  4. every entry parses, is canonical JSON, entry 0 is the genesis of this
 *     origin and log key, and replaying all of them into a fresh scratch
 *     store succeeds (store/store.h, the code the center itself replays
 *     with);
 *  5. GET /v1/observations/digest (store/obsdigest.h), chunk by chunk:
 *     the center's store holds exactly the observations of the replay,
 *     each id at its index; where a digest differs, halving ranges and
 *     then the listing (GET /v1/observations) name the first difference;
 *     then GET /v1/state/digest (store/statedigest.h) kind by kind: the
 *     incidents, states, assessments, tasks, principals, members, custody
 *     and reports the center shows are the replay's (replayed with fusion
 *     over the geography the log names); where a digest differs, halving
 *     ranges and then the rows name the first row and field that differ;
 *  6. the center's own proofs verify: inclusion of the first and last
 *     entries, the log's latest checkpoint (GET /v1/log/checkpoint)
 *     consistent with the joint one (never two roots for one size);
 *  7. with a state directory: consistency with the saved checkpoint (GET
 *     /v1/log/proof/consistency verified with merkle_verify_consistency,
 *     and the root recomputed at the saved size), then the new checkpoint
 *     saved atomically.
 *
 * The first failure stops the audit with a message naming the index, tile
 * or checkpoint at fault. Pure checks are tlog/'s; this module does the
 * I/O (audit/fetch.h, the scratch store, the state directory) on three
 * threads: one fetches, hashes and checks the entries, one replays them
 * into the scratch store, one fetches the center's digests.
 */
#ifndef TRUCE_AUDIT_H
#define TRUCE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

struct fetch;
struct fetch_reply;
struct note_verifier;

#define AUDIT_MAX_WITNESSES 16
#define AUDIT_MAX_GEO_DATA 8	 /* copies of data/, one per geography */
#define AUDIT_MAX_GEOGRAPHIES 16 /* geographies a replayed log names */
#define AUDIT_MAX_ENTRIES INT64_C(100000000) /* tree size we audit */

/* How an audit ended (also the exit status of `truce audit`). */
enum audit_outcome {
	AUDIT_OK = 0,
	AUDIT_FAILED = 1,    /* a check failed: the message is evidence */
	AUDIT_USAGE = 2,     /* bad options (keys, quorum, state) */
	AUDIT_INCOMPLETE = 3 /* the audit could not be completed: network,
				 server error, local I/O */
};

/* What to audit; the caller holds it on the stack. */
struct audit_options {
	const char *url;		 /* the center's base URL */
	const char *log_key;		 /* the log's verifier key */
	const char *const *witness_keys; /* cosignature verifier keys */
	size_t nwitness_keys;
	size_t quorum;			  /* 0: every witness key */
	const char *state_dir;		  /* NULL: no state */
	const char *token;		  /* reader's bearer token, or NULL */
	const char *geo_data;		  /* data directory holding geo/;
					      NULL: layers_datadir() */
	const char *geo_aliases;	  /* the center's alias file, or
					      NULL */
	const char *const *geo_data_more; /* further copies of data/, for
					      the older geographies a log
					      names (docs/geography.md) */
	size_t ngeo_data_more;		  /* at most AUDIT_MAX_GEO_DATA - 1 */
	int observations_only;		  /* compare only the observations'
					      digests, not the state's */
};

/* What an audit found; filled by audit_run. */
struct audit_summary {
	enum audit_outcome outcome;
	char origin[1025]; /* CHECKPOINT_ORIGIN_MAX + 1 */
	int64_t size;	   /* of the audited checkpoint */
	char root[MERKLE_BASE64_SIZE];
	size_t cosignatures;   /* of the given witness keys */
	int64_t replayed;      /* entries hashed and replayed */
	int64_t observations;  /* compared with the center's */
	int state_compared;    /* the state digests were compared */
	int64_t state_rows;    /* state rows compared, every kind */
	int64_t previous_size; /* saved in the state; -1: none */
	double seconds;	       /* the whole audit */
	double tree_seconds;   /* steps 3 and 4 (fetch, hash,
					      check, replay), until the last
					      entry is replayed */
};

/*
 * Runs the audit described by o and fills *s. Returns 0 when every check
 * holds (s->outcome AUDIT_OK), else -1 with s->outcome saying why and the
 * first failure described in err (errlen bytes). Cost: one pass over the
 * log's entries (its bytes over the network), a scratch SQLite store of
 * the same size (in memory up to its 256 MiB page cache, then in a
 * temporary file), O(size / 256) hashes of memory plus at most 32
 * bundles waiting for the replay.
 */
int audit_run(const struct audit_options *o, struct audit_summary *s, char *err,
    size_t errlen);

/*
 * Reads a proof answer of the center (GET /v1/log/proof/inclusion or
 * /consistency, docs/api.md: an object whose "proof" is an array of at
 * most MERKLE_MAX_PROOF base64 SHA-256 hashes) from body[0..len-1] into
 * proof (room for MERKLE_MAX_PROOF) and *plen. Returns 0, or -1 with the
 * reason in err. Pure; fuzzed by fuzz/fuzz_proof.c.
 */
int audit_parse_proof(const uint8_t *body, size_t len,
    uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *plen, char *err, size_t errlen);

/*
 * Step 1 without the I/O: checks that msg[0..len-1] is a C2SP signed note
 * signed by log_v whose text is a tlog-checkpoint of the log key's origin,
 * cosigned by every one of the nwit witness keys wit_v (or by quorum of
 * them; quorum <= nwit, nwit <= AUDIT_MAX_WITNESSES). Sets *size, root and
 * *cosignatures (of the given keys) and returns 0, or -1 with the reason
 * ("checkpoint: ...") in err. Used by the audit and by `truce mirror`.
 */
int audit_verify_joint(const uint8_t *msg, size_t len,
    const struct note_verifier *log_v, const struct note_verifier *const *wit_v,
    size_t nwit, size_t quorum, int64_t *size, uint8_t root[MERKLE_HASH_SIZE],
    size_t *cosignatures, char *err, size_t errlen);

/* The keys a joint checkpoint is checked with (audit_keys_parse). */
struct audit_keys {
	struct note_verifier *log_v;			  /* the log's */
	struct note_verifier *wit_v[AUDIT_MAX_WITNESSES]; /* witnesses' */
	size_t nwit;   /* parsed witness keys */
	size_t quorum; /* cosignatures required, 1..nwit (0 with none) */
};

/*
 * Parses the log's verifier key (an Ed25519 note key), the nwitness
 * witness keys (cosignature/v1 keys, at most AUDIT_MAX_WITNESSES) and the
 * quorum (0: every witness key; at most nwitness) into *k, for the audit
 * and `truce mirror` alike. 0, or -1 with the reason naming the option
 * ("--log-key: ...", "--witness-key 2: ...", "--quorum: ...") in err: a
 * usage error. Either way *k holds what was parsed: free it with
 * audit_keys_free. Pure.
 */
int audit_keys_parse(struct audit_keys *k, const char *log_key,
    const char *const *witness_keys, size_t nwitness, size_t quorum, char *err,
    size_t errlen);

/* Frees the keys in *k and zeroes it; on a zeroed *k does nothing. */
void audit_keys_free(struct audit_keys *k);

/*
 * What a center's answer r to GET what means: AUDIT_OK for a 200 with a
 * body; AUDIT_INCOMPLETE (a failed transfer, a 5xx: try again) or
 * AUDIT_FAILED (another status: the center refuses to serve what it must)
 * with "WHAT: GET PATH: why" or "WHAT: GET PATH answered S: BODY" (BODY
 * cut to 200 bytes) in err. Pure.
 */
enum audit_outcome audit_reply_check(const struct fetch_reply *r,
    const char *what, char *err, size_t errlen);

/*
 * GETs path (an inclusion or consistency proof, at most 64 KiB) from f and
 * reads it into proof (room for MERKLE_MAX_PROOF) and *plen. AUDIT_OK, or
 * the outcome of audit_reply_check, or AUDIT_FAILED for an answer that is
 * no proof, with the reason ("WHAT: ...") in err. The answer is left in
 * *r either way: the caller frees r->body (and may keep it as evidence).
 */
enum audit_outcome audit_get_proof(struct fetch *f, const char *path,
    const char *what, uint8_t (*proof)[MERKLE_HASH_SIZE], size_t *plen,
    struct fetch_reply *r, char *err, size_t errlen);

#endif
