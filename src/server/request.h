/*
 * request: what the server core shares with its route files (server.c,
 * observations.c): one HTTP request's state and the response helpers.
 * Internal to src/server/.
 */
#ifndef TRUCE_REQUEST_H
#define TRUCE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "center/tokens.h"
#include "ledger/sequencer.h"

struct center;
struct store_pool;

struct server {
	struct MHD_Daemon *daemon;
	struct center *center;
	struct store_pool *readers;
	uint16_t port;
	pthread_mutex_t mu;
	int inflight;
};

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	struct principal who;
	char *body;
	size_t body_len, body_cap;
	int body_too_large;
	const struct route *route;
	char arg[128];		/* path parameter, e.g. an observation id */
	/* An asynchronous write in progress (see observations.c). */
	struct seq_request seq;
	struct seq_item *items;
	size_t nitems;
	char **bytes;
	json_t **entries;
	char *ids;		/* nitems ids of OBSERVATION_ID_LEN + 1 */
	int single;		/* the body was one object, not an array */
	int seq_status;
	int seq_done;		/* set by the sequencer before resuming */
	int finished;
	/* Answers the write once durable (NULL: observations_written). */
	enum MHD_Result (*written)(struct request *r);
};

typedef enum MHD_Result (*route_fn)(struct request *r);

/* Bits of the roles allowed on a route. */
#define ALLOW(role) (1u << (role))

struct route {
	const char *method;
	const char *path;	/* exact; a prefix ending in '/' with one path
				   segment as arg; or ending in '*' with any
				   rest as arg */
	route_fn fn;
	unsigned roles;		/* 0: public, no token needed */
	int has_body;
};

/* Queues a JSON body (compact, reals with 10 significant digits). */
enum MHD_Result http_json(struct request *r, unsigned int status,
    json_t *body);

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
 * Parses the RFC 3339 query argument key=value into *ms. 0, or -1 with a
 * message naming key in err (*ms untouched).
 */
int http_parse_time(const char *key, const char *value, int64_t *ms,
    char *err, size_t errlen);

/*
 * Parses a comma-separated list of observation categories: copies value
 * into buf (bufsize bytes) and points cats[0..*n-1] into it (at most
 * STORE_MAX_CATEGORIES). 0, or -1 with a message in err.
 */
int http_parse_categories(const char *value, char *buf, size_t bufsize,
    const char **cats, size_t *n, char *err, size_t errlen);

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

/* Submits r->items (r->nitems of them) to the sequencer and suspends the
 * connection; `written` answers on resume. Returns MHD_YES. */
enum MHD_Result http_submit(struct request *r,
    enum MHD_Result (*written)(struct request *r));

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

#endif
