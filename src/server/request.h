/*
 * request: what the server core shares with its route files (server.c,
 * observations.c): one HTTP request's state and the response helpers.
 * Internal to src/server/.
 */
#ifndef TRUCE_REQUEST_H
#define TRUCE_REQUEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "ledger/sequencer.h"
#include "server/query.h"
#include "verify/principal.h"

struct center;
struct store_pool;
struct ratelimit;
struct request;
struct ledger_provers;
struct conn_watch;
struct events;

struct server {
	struct MHD_Daemon *daemon;
	struct center *center;
	struct store_pool *readers; /* the center's (not owned) */
	struct ratelimit *auth_failures;
	struct ratelimit *writes;	/* log entries per principal */
	struct ledger_provers *provers; /* ledger.c's, per tree size */
	struct events *events;		/* the event streams and alerts */
	uint16_t port;
	pthread_mutex_t mu;
	int inflight;
	int large; /* large bodies in flight (under mu) */
	/* Connections waiting for a request's headers, and the thread that
	   closes those that take longer than header_timeout_s (server.c). */
	pthread_mutex_t watch_mu;
	pthread_cond_t watch_cv;
	struct conn_watch *watching;
	pthread_t reaper;
	int reaper_started;
	int reaper_stop;	  /* under watch_mu */
	_Atomic int connections;  /* open now (on_connection) */
	char *tls_cert, *tls_key; /* PEM, while the daemon runs; or NULL */
	/* 503 "out of memory", made at start: the answer when another
	   could not be made (server.c, answer_oom). */
	struct MHD_Response *oom;
};

typedef enum MHD_Result (*route_fn)(struct request *r);

/*
 * 1 if no allocation of jansson's failed in this thread since the current
 * call of the access handler began, else 0 (logged): JSON built since
 * (an answer, an entry) may silently lack a member and must not be sent
 * or logged.
 */
int http_json_whole(const struct request *r);

/* Takes a chunk of a streamed body (BODY_STREAM); 0, or -1 to refuse the
 * rest (the route then answers with what it recorded in the request). */
typedef int (*route_chunk_fn)(struct request *r, const char *data, size_t len);

#define REQUEST_ARG_LEN 128

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	struct principal who;
	char *body;
	size_t body_len, body_cap;
	int body_too_large;
	int body_busy; /* a large body found no place: 503 */
	int large;     /* holds one of the server's large-body places */
	int close;     /* answer with Connection: close */
	struct conn_watch *watch; /* the connection's (server.c) */
	int chunk_failed;	  /* a BODY_STREAM chunk refused the rest */
	const struct route *route;
	char arg[REQUEST_ARG_LEN];  /* first path parameter, e.g. an id */
	char arg2[REQUEST_ARG_LEN]; /* second, if the path has one */
	char client[64];	    /* the client's address, as text (set when
				       authenticating) */
	struct query query;	    /* the query string, checked against the
				       route's names (server/query.h) */
	const char *min_size;	    /* ?min_size= of a read, or NULL */
	int64_t log_size;	    /* X-Truce-Log-Size of the answer, or -1
				       (server.c, reflect) */
	route_fn written;	    /* answers a write once it is durable */
	void *ctx;		    /* a route's own state, freed with ... */
	void (*ctx_free)(void *ctx);
	/* An asynchronous write in progress (see observations.c). */
	struct seq_request seq;
	struct seq_item *items;
	size_t nitems;
	char **bytes;
	json_t **entries;
	char *ids;  /* nitems ids of OBSERVATION_ID_LEN + 1 */
	int single; /* the body was one object, not an array */
	int seq_status;
	int seq_done; /* set by the sequencer before resuming */
	int finished;
	/* jansson's failed allocations in this thread when the current
	   call of the access handler began (common/jsonmem.h): an answer
	   or an entry built while it moved may lack a member. */
	uint64_t json_failures;
};

/* Bits of the roles allowed on a route. */
#define ALLOW(role) (1u << (role))

/* What a route takes as its body. */
enum body_kind {
	BODY_NONE = 0,
	BODY_JSON,  /* application/json, up to max_body_bytes */
	BODY_NOTE,  /* a signed note: text/plain; charset=utf-8, up to
			   MEMBER_NOTE_MAX bytes */
	BODY_STREAM /* any media type, streamed to chunk, up to
			   max_evidence_bytes */
};

struct route {
	const char *method;
	const char *path; /* segments; "{name}" matches one non-empty
				   segment (arg, then arg2); a final "*" the
				   rest, slashes included (arg) */
	route_fn fn;
	unsigned roles; /* 0: public, no token needed */
	enum body_kind body;
	route_chunk_fn chunk;	   /* BODY_STREAM only */
	const char *const *params; /* the query parameters it takes,
				      NULL-ended; NULL: none (query.h) */
};

/*
 * Adds X-Truce-Log-Size (the log size r's answer reflects, docs/api.md) to
 * resp when r is a read; every answer queued without http_queue calls it.
 */
void http_reflects(const struct request *r, struct MHD_Response *resp);

/* Queues a JSON body (compact, reals with 10 significant digits). */
enum MHD_Result http_json(struct request *r, unsigned int status, json_t *body);

/* Queues an RFC 9457 problem+json error with detail (printf format). */
enum MHD_Result http_problem(struct request *r, unsigned int status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Queues a problem+json body built by the caller (takes ownership). */
enum MHD_Result http_problem_json(struct request *r, unsigned int status,
    json_t *problem);

/* Makes a problem+json object for status with detail. */
json_t *http_problem_new(unsigned int status, const char *detail);

/* Builds a JSON response without queueing it (for resumed requests). */
struct MHD_Response *http_json_response(json_t *body);

/* Loads the body as JSON after checking its nesting depth; on failure
 * queues the error itself and returns NULL with *result set. */
json_t *http_body_json(struct request *r, enum MHD_Result *result);

/* Route handlers (observations.c). */
enum MHD_Result observations_post(struct request *r);
enum MHD_Result observations_get(struct request *r);
enum MHD_Result observations_list(struct request *r);

/* Route handlers (ledger.c): tiles and proofs of the log. */
enum MHD_Result ledger_tile(struct request *r);
enum MHD_Result ledger_entries(struct request *r);
enum MHD_Result ledger_inclusion(struct request *r);
enum MHD_Result ledger_consistency(struct request *r);

/*
 * The inclusion route's provers (tlog/prover.h) for the last few tree
 * sizes asked for: NULL if out of memory. Freed with ledger_provers_free
 * (NULL does nothing) once no request runs.
 */
struct ledger_provers *ledger_provers_new(void);
void ledger_provers_free(struct ledger_provers *lp);

/*
 * Parses the RFC 3339 query argument key=value into *ms. 0, or -1 with a
 * message naming key in err (*ms untouched).
 */
int http_parse_time(const char *key, const char *value, int64_t *ms, char *err,
    size_t errlen);

/*
 * Parses a comma-separated list of observation categories: copies value
 * into buf (bufsize bytes) and points cats[0..*n-1] into it (at most
 * STORE_MAX_CATEGORIES). 0, or -1 with a message in err.
 */
int http_parse_categories(const char *value, char *buf, size_t bufsize,
    const char **cats, size_t *n, char *err, size_t errlen);

/*
 * Queues resp (made by the caller, destroyed here) with the headers every
 * answer carries (Content-Security-Policy, nosniff, ...). NULL: MHD_NO.
 */
enum MHD_Result http_queue(struct request *r, unsigned int status,
    struct MHD_Response *resp);

/*
 * Answers a write the log could not store: 507 when the disk is full
 * (entrylog_nospace), else 503; what names it ("observations", "entry").
 */
enum MHD_Result http_log_failed(struct request *r, const char *what);

/* Queues raw bytes with a content type and cache policy (copied). */
enum MHD_Result http_bytes(struct request *r, unsigned int status,
    const void *data, size_t len, const char *ctype, const char *cache);

/* Answers a write once the sequencer is done (on the resumed call). */
enum MHD_Result observations_written(struct request *r);

/*
 * Parses "minlon,minlat,maxlon,maxlat" (decimal degrees) into 1e-7 degree
 * bounds, rounded outward: e7[0..3] = min lon, min lat, max lon, max lat.
 * -1 with a message naming the part and the limit in err.
 */
int http_parse_bbox(const char *v, int64_t e7[4], char *err, size_t errlen);

/* Route handlers (incidents.c). */
enum MHD_Result incidents_list(struct request *r);
enum MHD_Result incidents_get(struct request *r);
enum MHD_Result incidents_post(struct request *r);

/*
 * The receipt of log entry index: {"index", "checkpoint" (signed note),
 * "inclusion_proof" [base64...]} against note (a log-signed checkpoint of
 * size entries) or, when note is NULL, the latest one. NULL on failure.
 */
json_t *ledger_receipt(struct server *srv, int64_t index, const char *note,
    int64_t size);

/* Route handlers (ledger.c): checkpoints and keys. */
enum MHD_Result ledger_checkpoint(struct request *r);
enum MHD_Result ledger_latest_checkpoint(struct request *r);
enum MHD_Result ledger_key(struct request *r);
enum MHD_Result observations_receipt(struct request *r);

/* Frees the asynchronous write state of r. */
void observations_free(struct request *r);

/*
 * Submits entry (not owned) as one log entry and suspends the connection;
 * when it is durable and applied, the resumed request calls written(r) to
 * queue the answer (http_written tells it what became of the entry).
 * Returns what the access handler must return now; on failure it has
 * queued the error itself.
 */
enum MHD_Result http_submit(struct request *r, const json_t *entry,
    route_fn written);

/*
 * Admits n log entries written by r's principal under its write limit
 * (write_burst, write_per_minute): 0, or -1 with 429 and Retry-After
 * queued (413 when n alone is over write_burst) and *ret set. Every route
 * that appends to the log calls it before doing the work.
 */
int http_admit_writes(struct request *r, size_t n, enum MHD_Result *ret);

/*
 * In a written() callback: 0 with the entry's log index in *index when it
 * was stored and applied; otherwise queues 503 (not stored) or 409 (the
 * apply path refused it, with its reason), sets *ret and returns -1.
 */
int http_written(struct request *r, int64_t *index, enum MHD_Result *ret);

/*
 * The value of query parameter name (one the route takes: see the route
 * table), checked by server/query.h before the route runs; NULL when the
 * request did not give it.
 */
const char *http_query(struct request *r, const char *name);

/* The value of request header name, or NULL. */
const char *http_header(struct request *r, const char *name);

/* Route handlers (principals.c): principals over HTTP, for admins. */
enum MHD_Result principals_list(struct request *r);
enum MHD_Result principals_post(struct request *r);
enum MHD_Result principals_delete(struct request *r);
enum MHD_Result principals_me(struct request *r);

/* Route handlers (members.c): the members, their keys and the rule. */
enum MHD_Result members_list(struct request *r);
enum MHD_Result members_post(struct request *r);

/* Route handlers (verification.c): states, assessments, tasks, queue. */
/*
 * For incidents.c: whether r's principal may see incident id (a liaison
 * only once released to its party): 1, 0, -1 on a store error; and the
 * incident's verification view (state, tier, rule, each member's latest
 * assessment, tasks, releases), a new object, or NULL after queueing 503
 * (*ret).
 */
int verification_may_see(struct request *r, const char *id);
json_t *verification_view(struct request *r, const char *id,
    enum MHD_Result *ret);
enum MHD_Result verification_history(struct request *r);
enum MHD_Result verification_assessments(struct request *r);
enum MHD_Result verification_state(struct request *r);
enum MHD_Result verification_assess(struct request *r);
enum MHD_Result verification_task(struct request *r);
enum MHD_Result verification_task_done(struct request *r);
enum MHD_Result verification_release(struct request *r);
enum MHD_Result verification_queue(struct request *r);
/* POST /v1/sources/{id}/status: a source's status statement
 * (record/source_status.h); a sensor for itself only. */
enum MHD_Result verification_source_status(struct request *r);

/* Route handlers (reports.c): the center's products. */
enum MHD_Result reports_post(struct request *r);
enum MHD_Result reports_list(struct request *r);
enum MHD_Result reports_trends(struct request *r);
enum MHD_Result reports_get(struct request *r);
enum MHD_Result reports_sign(struct request *r);

/* Route handler (digest.c): the digest of the store's observations over
 * a range of log indexes, for auditors (store/obsdigest.h). */
enum MHD_Result digest_observations(struct request *r);
enum MHD_Result digest_state(struct request *r);

/* Route handlers (evidence.c): content-addressed evidence and custody. */
enum MHD_Result evidence_post(struct request *r);
int evidence_chunk(struct request *r, const char *data, size_t len);
enum MHD_Result evidence_get(struct request *r);
enum MHD_Result evidence_custody(struct request *r);

/* Route handlers (alerts.c): the event stream and the alert rules. */
enum MHD_Result alerts_events(struct request *r);
enum MHD_Result alerts_rules_post(struct request *r);
enum MHD_Result alerts_rules_list(struct request *r);
enum MHD_Result alerts_rules_delete(struct request *r);
enum MHD_Result alerts_deliveries(struct request *r);

#endif
