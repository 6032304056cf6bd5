/*
 * witnessd: a member's witness as a server, per C2SP tlog-witness: it
 * serves POST /add-checkpoint and cosigns (C2SP tlog-cosignature) a log's
 * checkpoint only if it is consistent with the last one it cosigned for that
 * log. The decision is tlog/witness.c's (pure); this file keeps the state.
 *
 * State: one file per log origin in the state directory, holding the size
 * and root of the latest cosigned checkpoint. Check-then-save happens under
 * one mutex (and the directory's flock against a second process); the new
 * state is written to a temporary file, fsynced, renamed over the old one
 * and the directory fsynced before the cosignature is answered, so a crash
 * can never make the witness cosign a fork of what it already cosigned.
 */
#ifndef TRUCE_WITNESSD_H
#define TRUCE_WITNESSD_H

#include <stddef.h>
#include <stdint.h>

struct note_signer;
struct witnessd;

/*
 * Starts a witness signing with key (owned, also on failure; a
 * cosignature key), trusting the logs whose verifier keys are
 * log_vkeys[0..nlogs-1] (several keys of one origin form one log), keeping
 * its state in state_dir (created; locked) and listening on listen
 * ("HOST:PORT", port 0 picks one), over HTTPS when tls_cert and tls_key
 * (PEM text, not copied: they must live until witnessd_stop) are given,
 * else over HTTP (both NULL). NULL with a message in err.
 */
struct witnessd *witnessd_start(struct note_signer *key,
    const char *const *log_vkeys, size_t nlogs, const char *state_dir,
    const char *listen, const char *tls_cert, const char *tls_key, char *err,
    size_t errlen);

/* The port bound. */
uint16_t witnessd_port(struct witnessd *w);

/* Stops serving and frees w; NULL does nothing. */
void witnessd_stop(struct witnessd *w);

#endif
