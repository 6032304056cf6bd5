/*
 * checkpointer: signs the log's checkpoints and gathers the members'
 * witnesses' cosignatures into joint checkpoints.
 *
 * Specs: C2SP tlog-checkpoint (the body), signed-note (the log's Ed25519
 * signature), tlog-witness (POST <witness>/add-checkpoint with the old size
 * the witness last cosigned and an RFC 9162 consistency proof from it) and
 * tlog-cosignature (the witnesses' cosignature/v1 lines).
 *
 * The sequencer calls checkpointer_sign after every batch is durable, so a
 * write's answer can carry a checkpoint that covers it (its receipt). A
 * background thread then runs one cosigning round at a time over the latest
 * signed checkpoint, all witnesses in parallel; when the configured quorum
 * (every witness, or k of n) cosigned it, it becomes the joint checkpoint,
 * saved to DIR/log/checkpoint.joint (synced, renamed) and served at
 * /checkpoint. A witness that is down or behind only delays the joint
 * checkpoint: it is retried with back-off and catches up from the size it
 * last cosigned (learned from its 409 answer). With no witness configured
 * the log's own checkpoint is the joint one.
 *
 * The log never signs two roots for one size: it signs only synced entries,
 * and records every checkpoint it signs in log/checkpoint.signed (synced)
 * before the checkpoint is shown to anyone. checkpointer_anchors reads
 * those records and the joint checkpoint back, and entrylog_open refuses
 * a log that holds fewer entries than one of them, or another root at its
 * size (docs/storage.md): a log cut or altered on disk stops instead of
 * signing a fork.
 */
#ifndef TRUCE_CHECKPOINTER_H
#define TRUCE_CHECKPOINTER_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/entrylog.h"

struct note_signer;
struct note_verifier;
struct config;
struct checkpointer;

/* The joint checkpoint and the two slots of log/checkpoint.signed. */
#define CHECKPOINTER_MAX_ANCHORS 3

/*
 * Reads the checkpoints the log has signed from joint_path (the joint
 * checkpoint) and checkpoint.signed beside it, verified with the log's key
 * v, into out[0..*n-1] as anchors for entrylog_open. A file that is
 * missing is skipped; one that does not verify is reported and skipped (a
 * torn slot: the other slot holds the last good one). 0, or -1 if the
 * paths are too long.
 */
int checkpointer_anchors(const char *joint_path, const struct note_verifier *v,
    struct entrylog_anchor out[CHECKPOINTER_MAX_ANCHORS], size_t *n);

/*
 * Starts a checkpointer for log under origin, signing with signer (owned
 * from now on, also on failure), cosigned by the witnesses of cfg; the
 * joint checkpoint is kept in joint_path. Signs the log's current size.
 * NULL (after log_warnx) on failure.
 */
struct checkpointer *checkpointer_start(struct entrylog *log,
    const char *origin, struct note_signer *signer, const struct config *cfg,
    const char *joint_path);

/*
 * Signs the checkpoint of the first size entries (which must be synced),
 * records it durably in log/checkpoint.signed and makes it the latest;
 * wakes the cosigning thread. 0, or -1 (reported) if it cannot be signed
 * or recorded: then nobody sees it, and the caller must not acknowledge
 * the entries it would cover. Called from one thread at a time.
 * Cost: O(log size) stored-hash reads, one Ed25519 signature, one
 * 2 KiB write and one fdatasync.
 */
int checkpointer_sign(struct checkpointer *cp, int64_t size);

/*
 * A copy of the latest log-signed checkpoint (note, NUL-terminated; caller
 * frees) and its size, or NULL if none yet.
 */
char *checkpointer_latest(struct checkpointer *cp, int64_t *size);

/* A copy of the latest joint checkpoint, as for checkpointer_latest. */
char *checkpointer_joint(struct checkpointer *cp, int64_t *size);

/* The size of the latest joint checkpoint, 0 if none. Thread-safe. */
int64_t checkpointer_joint_size(struct checkpointer *cp);

/*
 * A checkpointer that signs nothing and cosigns nothing: it serves the
 * checkpoints given to checkpointer_publish (a member's mirror serving
 * the center's joint checkpoint it verified). Free it with
 * checkpointer_stop. NULL when out of memory.
 */
struct checkpointer *checkpointer_follow(void);

/*
 * Makes note (a joint checkpoint of size entries, NUL-terminated; copied)
 * both the latest and the joint checkpoint of cp. Thread-safe. 0, or -1
 * when out of memory (cp unchanged).
 */
int checkpointer_publish(struct checkpointer *cp, const char *note,
    int64_t size);

/* Stops the cosigning thread and frees cp. NULL does nothing. */
void checkpointer_stop(struct checkpointer *cp);

#endif
