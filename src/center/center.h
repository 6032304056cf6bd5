/*
 * center: one monitoring center on disk, the composition of its parts.
 *
 *   DIR/truce.conf   configuration (center/config.h)
 *   DIR/log/         the append-only log, the truth (ledger/entrylog.h)
 *   DIR/store.db     the store, an index rebuilt from the log (store/)
 *   DIR/auth.db      hashed bearer tokens (center/tokens.h)
 *   DIR/keys/log.key the log's signing key (C2SP signed-note, mode 0600)
 *   DIR/log/checkpoint.joint  the latest joint checkpoint
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

#include "center/config.h"
#include "center/tokens.h"

struct entrylog;
struct store;
struct sequencer;
struct checkpointer;
struct layers;
struct fusion;

struct center {
	char dir[PATH_MAX];
	struct config cfg;
	struct entrylog *log;
	struct store *store;	   /* the writer connection */
	struct tokens *tokens;
	struct sequencer *seq;	   /* NULL unless opened with CENTER_WRITE */
	struct checkpointer *cp;   /* idem */
	struct layers *geo;	   /* the geography fusion reads, or NULL */
	struct fusion *fusion;	   /* on the writer's apply path, or NULL */
	char log_vkey[512];	   /* the log's verifier key, C2SP form */
};

#define CENTER_WRITE 1 /* start the sequencer */

/*
 * Creates a new center in dir (which must not hold one) with cfg, appends
 * the genesis entry at index 0, creates the log's key pair (DIR/keys/log.key;
 * its verifier key, named after the origin, goes to log_vkey) and an admin
 * token, written to admin_token. Returns -1 with a message in err.
 */
int center_create(const char *dir, const struct config *cfg,
    char admin_token[TOKEN_LEN + 1], char *log_vkey, size_t vkeylen,
    char *err, size_t errlen);

/*
 * Opens the center in dir: loads and checks its configuration, locks and
 * recovers the log, catches the store up with it and, with CENTER_WRITE,
 * starts the sequencer. NULL with a message in err on failure.
 */
struct center *center_open(const char *dir, int flags, char *err,
    size_t errlen);

/* Stops the sequencer (finishing queued writes) and closes everything. */
void center_close(struct center *c);

/*
 * Recreates the store of the (closed) center in dir from its log alone.
 * Writes the number of entries replayed to *replayed. 0 or -1 with err.
 */
int center_rebuild(const char *dir, int64_t *replayed, char *err,
    size_t errlen);

/* Writes DIR/name into out. 0, or -1 when it does not fit. */
int center_path(const char *dir, const char *name, char *out, size_t outlen);

#endif
