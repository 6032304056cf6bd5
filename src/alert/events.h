/*
 * events: the center's nervous system (docs/alerts.md). One thread, the
 * follower, reads every log entry once the store has applied it, in log
 * order, and
 *   - turns it into an event (its type, the entry, the incident it
 *     concerns, where it is) kept in a ring of the latest EVENTS_RING, from
 *     which the event streams (GET /v1/events) are served: a stream's
 *     cursor is a log index, so resuming after index N gives N+1 onwards,
 *     across restarts (older events are recomputed from the log);
 *   - keeps the alert rules (alert/alert_rule.h) and evaluates them, so
 *     the alerts are a function of the log alone: the outbox of webhook
 *     deliveries is derived from the log, and a small append-only file of
 *     acknowledged delivery ids (DIR/alerts/acks, synced before a delivery
 *     counts as done) says which are done. A kill -9 therefore loses no
 *     alert: after a restart the follower replays the log, finds every
 *     alert again, and the ones not acknowledged are delivered again with
 *     the same delivery id (at least once; receivers de-duplicate).
 * A second thread delivers webhooks with libcurl, one request in flight
 * per target URL, so each target gets its alerts in log order; retries
 * back off exponentially with jitter until alert_retry_s, after which the
 * delivery is failed by an alert_failed log entry (an event, too).
 *
 * Webhook secrets are kept in DIR/alerts/secrets (mode 0600, synced before
 * the rule entry is written), never in the log.
 *
 * Streams do no blocking waits: when a stream has nothing to send, its
 * connection is suspended (the suspend callback, under the hub's lock)
 * and the follower resumes it when there is something new, a joint
 * checkpoint was published, a heartbeat is due or the hub stops.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef TRUCE_EVENTS_H
#define TRUCE_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "verify/principal.h"

#define EVENTS_RING 4096    /* events kept in memory */
#define EVENTS_MAX_TYPES 16 /* types= names */

struct center;
struct events;
struct events_stream;

/* What a stream asks for (the query of GET /v1/events). */
struct events_filter {
	char types[EVENTS_MAX_TYPES][32];
	size_t ntypes; /* 0: every type */
	int has_bbox;
	int64_t bbox[4]; /* min lon, min lat, max lon, max lat, 1e-7 */
	char zone[128];	 /* "" any */
	char categories[16][32];
	size_t ncategories; /* 0: any */
};

/*
 * Starts the hub of center c (opened with CENTER_WRITE; not owned): loads
 * the secrets and acknowledgements, replays the log through the rules,
 * then follows it and delivers. For a read server (CENTER_READ_ONLY) it
 * only serves streams: it follows the applied size (center/follower.h),
 * raises the same events, alerts included, and delivers, drafts and
 * writes nothing. NULL with a message in err.
 */
struct events *events_start(struct center *c, char *err, size_t errlen);

/*
 * Ends every stream (their next read ends the response) and resumes the
 * suspended ones; new streams are refused. Call before stopping the HTTP
 * daemon, which must not hold suspended connections.
 */
void events_close_streams(struct events *h);

/* Stops the threads and frees h (streams must be gone). NULL: nothing. */
void events_stop(struct events *h);

/*
 * Opens a stream for principal who with filter f, starting after log
 * index after (-1: from the first entry; below -1: from now on, the
 * log's next entry).
 * suspend(arg) and resume(arg) suspend and resume its connection; the hub
 * calls them under its lock. gone(arg), if not NULL, is 1 when the client
 * has closed its end: the hub asks it of every suspended stream each
 * second and ends the streams of clients gone, so that their connections
 * are closed then and not at a heartbeat's failed write (15 s or more
 * later: until then each held a place under the connection limits). NULL
 * with *status (429 too many streams of this principal, 503 too many in
 * all or the hub is stopping) and a message in err.
 */
struct events_stream *events_stream_new(struct events *h,
    const struct principal *who, const struct events_filter *f, int64_t after,
    void (*suspend)(void *), void (*resume)(void *), int (*gone)(void *),
    void *arg, int *status, char *err, size_t errlen);

/*
 * Fills buf (max bytes) with the stream's next bytes of text/event-stream.
 * Returns how many (> 0); 0 after suspending the connection (nothing to
 * send now: it will be resumed); -1 when the stream ends.
 */
ssize_t events_stream_read(struct events_stream *st, char *buf, size_t max);

/* Frees st (the response is done). NULL does nothing. */
void events_stream_free(struct events_stream *st);

/*
 * Waits until the hub has processed the log's first size entries, at most
 * timeout_ms. 0, or -1 on timeout.
 */
int events_wait(struct events *h, int64_t size, int timeout_ms);

/*
 * Keeps secret (the webhook secret whose SHA-256 is sha256_hex) durably
 * before the rule entry naming it is written. 0, or -1 (logged).
 */
int events_secret_put(struct events *h, const char *sha256_hex,
    const char *secret);

/*
 * Every rule, as a new array of alert_rule_view objects, oldest first;
 * with active_only, only rules not disabled. NULL if out of memory.
 */
json_t *events_rules(struct events *h, int active_only);

/* 1 if rule id exists and is active, 0 if not (or disabled). */
int events_rule_active(struct events *h, int64_t id);

/*
 * The webhook deliveries, newest first, at most limit: {"id","rule",
 * "index","url","state" (pending|delivered|failed),"attempts",
 * "last_error"?,"next_attempt"?}; rule -1 any, state NULL any. NULL if
 * out of memory.
 */
json_t *events_deliveries(struct events *h, int64_t rule, const char *state,
    size_t limit);

#endif
