/*
 * center: one monitoring center on disk, the composition of its parts.
 *
 *   DIR/truce.conf   configuration (center/config.h)
 *   DIR/log/         the append-only log, the truth (ledger/entrylog.h)
 *   DIR/store.db     the store, an index rebuilt from the log (store/)
 *   DIR/keys/log.key the log's signing key (C2SP signed-note, mode 0600)
 *   DIR/keys/M.key   member M's key, only when init generated it (a
 *                    demonstration: a real member keeps its key at home)
 *   DIR/log/checkpoint.joint  the latest joint checkpoint
 *   DIR/evidence/    content-addressed evidence files (center/cas.h)
 *   DIR/control.sock the control socket while served (center/control.h)
 *
 * Principals, members and their keys are log entries (verify/principal.h,
 * verify/member.h), applied into the store like everything else.
 *
 * Opening a center replays into the store whatever part of the log it has
 * not applied yet (after a crash between the log's sync and the store's
 * commit), so the store always equals a replay of the log. Whenever the
 * store is written — catch-up, the sequencer, rebuild — fusion
 * (fusion/fusion.h) is attached to it with the geography of the
 * configuration (`region`), so incidents follow the log the same way live
 * and on replay. The struct is open because the server and the commands
 * use its parts directly.
 */
#ifndef TRUCE_CENTER_H
#define TRUCE_CENTER_H

#include <limits.h>
#include <stdint.h>

#include <jansson.h>

#include "center/config.h"
#include "geo/geodigest.h"
#include "tlog/note.h"
#include "verify/member.h"
#include "verify/principal.h"

struct entrylog;
struct store;
struct store_pool;
struct sequencer;
struct checkpointer;
struct layers;
struct fusion;
struct follower;

struct center {
	char dir[PATH_MAX];
	struct config cfg;
	struct entrylog *log;
	struct store *store;	    /* the writer connection */
	struct sequencer *seq;	    /* NULL unless opened with CENTER_WRITE */
	struct checkpointer *cp;    /* idem */
	struct store_pool *readers; /* idem: read connections for threads */
	struct layers *geo;	    /* the geography fusion reads, or NULL */
	struct fusion *fusion;	    /* on the writer's apply path, or NULL */
	struct follower *follower;  /* a read server's (CENTER_READ_ONLY) */
	char log_vkey[512];	    /* the log's verifier key, C2SP form */
};

#define CENTER_WRITE 1 /* start the sequencer */
/*
 * A read server beside a writer (docs/readservers.md): the log opened as
 * a follower (no lock, read-only), the store read-only through readers
 * only (store is NULL), a checkpointer that only serves the joint
 * checkpoint, and a follower (center/follower.h) raising the log's size
 * to the store's applied size. Nothing in DIR is written.
 */
#define CENTER_READ_ONLY 2

#define CENTER_MAX_PARTIES 16

/* What the genesis entry says beyond the configuration. */
struct center_genesis {
	/* Member i's verifier key (cfg->members[i]); "" generates a pair
	 * into DIR/keys/<member>.key, a demonstration convenience. */
	char vkeys[CONFIG_MAX_MEMBERS][NOTE_VKEY_MAX];
	struct member_rule rule;
	char parties[CENTER_MAX_PARTIES][PRINCIPAL_NAME_LEN];
	size_t nparties;
};

/*
 * Creates a new center in dir (which must not hold one) with cfg and g:
 * creates the log's key pair (DIR/keys/log.key; its verifier key, named
 * after the origin, goes to log_vkey), the members' keys g asks for, and
 * appends the genesis entry at index 0: origin, log key, members with
 * their keys, the ruling rule, the parties and the first principal,
 * "admin", whose token is written to admin_token (shown once). The
 * members' verifier keys are written back into g->vkeys. Returns -1 with
 * a message in err.
 */
int center_create(const char *dir, const struct config *cfg,
    struct center_genesis *g, char admin_token[PRINCIPAL_TOKEN_LEN + 1],
    char *log_vkey, size_t vkeylen, char *err, size_t errlen);

/*
 * Appends entry (canonical-encoded here) through the sequencer and waits
 * until it is durable and applied. Returns 0 with its log index in *index,
 * or -1 with *status 503 (not stored) or 409 (stored, but the apply path
 * refused it: the reason is in err) and a message in err. Blocks the
 * calling thread for one group commit.
 */
int center_append(struct center *c, const json_t *entry, int64_t *index,
    int *status, char *err, size_t errlen);

/*
 * Checks that principal p may be created (principal_check; its member one
 * of the center's; its party one of the genesis parties when any are
 * listed; its name not taken) and makes its `add` entry (caller owns it),
 * acting as by, with a new token written to token. The HTTP route submits
 * the entry itself; center_add_principal below waits for it. NULL with
 * *status (422, 409, 503) and the reason in err; token untouched.
 */
json_t *center_principal_add_entry(struct center *c, const char *by,
    const struct principal *p, char token[PRINCIPAL_TOKEN_LEN + 1], int *status,
    char *err, size_t errlen);

/*
 * As center_principal_add_entry for revoking name: NULL with *status 404
 * when no active principal has that name (503 on a store error).
 */
json_t *center_principal_revoke_entry(struct center *c, const char *by,
    const char *name, int *status, char *err, size_t errlen);

/*
 * Creates principal p (center_principal_add_entry's checks) its member must be one of
 * the center's, its party one of the genesis parties when any are listed)
 * by a log entry, acting as by (a principal name or PRINCIPAL_LOCAL), and
 * writes its new token to token. -1 with *status (422 invalid, 409 the name
 * is taken, 503) and the reason in err; the token is then untouched.
 */
int center_add_principal(struct center *c, const char *by,
    const struct principal *p, char token[PRINCIPAL_TOKEN_LEN + 1], int *status,
    char *err, size_t errlen);

/*
 * Revokes principal name by a log entry, acting as by; its tokens stop
 * working when this returns. -1 with *status (404 no active principal of
 * that name, 503) and the reason in err.
 */
int center_revoke_principal(struct center *c, const char *by, const char *name,
    int *status, char *err, size_t errlen);

/*
 * Opens the center in dir: loads and checks its configuration, locks and
 * recovers the log, catches the store up with it and, with CENTER_WRITE,
 * starts the sequencer; with CENTER_READ_ONLY opens a read server's view
 * instead (above). NULL with a message in err on failure.
 */
struct center *center_open(const char *dir, int flags, char *err,
    size_t errlen);

/* Stops the sequencer (finishing queued writes) and closes everything. */
void center_close(struct center *c);

#define CENTER_REBUILD_MAX_GEO_DATA 8 /* --geo-data copies of a rebuild */

/*
 * Recreates the store of the (closed) center in dir from its log alone.
 * Each part of the log is replayed with the copy of data/ whose digest is
 * the geography the log names for it (docs/geography.md): the configured
 * one (geo_data), or one of the ngeo_data directories geo_data[] (at most
 * CENTER_REBUILD_MAX_GEO_DATA; borrowed), fusion's engine switching at
 * each geography entry. Refuses, before replaying anything and leaving
 * the store as it was, when no copy is the geography of entries fusion
 * worded with it, or a given copy is unreadable. Writes the number of
 * entries replayed to *replayed. 0 or -1 with err.
 */
int center_rebuild(const char *dir, const char *const *geo_data,
    size_t ngeo_data, int64_t *replayed, char *err, size_t errlen);

struct center_replayer;

/*
 * A replay that words each part of a log with the copy of data/ its
 * geography names (docs/geography.md), for `truce rebuild` and a member's
 * mirror: cfg's copy (its region, geo_data and geo_aliases; loaded now)
 * first, then the ngeo_data directories geo_data[] (at most
 * CENTER_REBUILD_MAX_GEO_DATA; borrowed: they must outlive the replayer),
 * each read when a geography asks for it. NULL with err when cfg's copy
 * cannot be loaded. Free with center_replayer_free.
 */
struct center_replayer *center_replayer_new(const struct config *cfg,
    const char *const *geo_data, size_t ngeo_data, char *err, size_t errlen);

/* The layers of cfg's copy (borrowed; NULL for region "none"). */
struct layers *center_replayer_layers(struct center_replayer *r);

/*
 * The check center_replayer_run makes before it applies anything: scans
 * the entries of log not scanned yet, and finds the copy of every
 * geography that words an entry of [from, entrylog_size(log)) fusion acts
 * on. 0, or -1 with a message naming the entries and the digests, ending
 * with remedy, or naming an unreadable --geo-data copy or log entry.
 */
int center_replayer_check(struct center_replayer *r, struct entrylog *log,
    int64_t from, const char *remedy, char *err, size_t errlen);

/*
 * Applies log entries [from, entrylog_size(log)) to store as center_replay
 * does (every `every` entries a commit, then committed(ctx, size) when not
 * NULL), with fusion attached: at each entry, the engine over the copy of
 * data/ whose digest is the geography in effect there. The log is scanned
 * for its geographies once (a later call scans only the entries added
 * since); every geography that words an entry of [from, size) fusion acts
 * on must be one of the copies, checked before anything is applied, else
 * -1 with a message naming the entries and the digests, ending with
 * remedy (what to do). At a geography entry naming another copy the
 * entries before it are committed and the new engine's book is reloaded
 * from the store, as the center did when it started with the new data.
 * 0, or -1 with err. Cost: center_replay's, plus one pass over the new
 * entries' bytes (geopin) and a digest of each copy once.
 */
int center_replayer_run(struct center_replayer *r, struct entrylog *log,
    struct store *store, int64_t from, int64_t every,
    void (*committed)(void *, int64_t), void *ctx, const char *remedy,
    char *err, size_t errlen);

/* Frees r, its engines and layers; NULL does nothing. */
void center_replayer_free(struct center_replayer *r);

/* Writes DIR/name into out. 0, or -1 when it does not fit. */
int center_path(const char *dir, const char *name, char *out, size_t outlen);

/*
 * Loads the geography of cfg (its region, geo_data and geo_aliases) and
 * makes the fusion engine over it (both owned by the caller: fusion_free,
 * then layers_free), its digest into *gd and its data directory into dir
 * (PATH_MAX bytes). With region "none" there is no geography. 0, or -1
 * with a message in err. Shared with `truce mirror`, which replays as the
 * center does.
 */
int center_open_fusion(const struct config *cfg, struct layers **geo,
    struct fusion **fusion, struct geodigest *gd, char *dir, char *err,
    size_t errlen);

/*
 * Checks that the log names gd's geography for every entry from `from` on
 * (center/geopin.h), before they are replayed with it; the digest in
 * effect at the log's end goes to last ("" if the log names none). -1
 * with a message saying what to do (remedy).
 */
int center_pin_geography(struct entrylog *log, int64_t from,
    const struct geodigest *gd, const char *gdir, const char *remedy,
    char last[GEODIGEST_HEX_LEN], char *err, size_t errlen);

/*
 * Applies log entries [from, entrylog_size(log)) to store (fusion attached
 * by the caller) with store_apply_entry, committing every `every` entries
 * and at the end; after each commit calls committed(ctx, applied size)
 * when it is not NULL. 0, or -1 with the reason in err (the entries of
 * the commit in progress are rolled back; earlier commits stay).
 */
int center_replay(struct entrylog *log, struct store *store, int64_t from,
    int64_t every, void (*committed)(void *, int64_t), void *ctx, char *err,
    size_t errlen);

#endif
