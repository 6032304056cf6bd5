/*
 * client: the HTTP client of the CLI's client commands (observe, import,
 * query), a thin wrapper over one reused libcurl easy handle (keep-alive).
 *
 * It speaks the center's JSON API: request bodies are JSON, responses are
 * decoded as JSON (application/json or application/problem+json, RFC 9457)
 * up to CLIENT_MAX_RESPONSE bytes. The bearer token goes only into the
 * Authorization header: it is never logged, printed or put in a URL.
 */
#ifndef TRUCE_CLIENT_H
#define TRUCE_CLIENT_H

#include <stddef.h>

#include <jansson.h>

struct client;

/* Largest response body accepted; a bigger one is an error naming it. */
#define CLIENT_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
/* Longest base URL and token accepted. */
#define CLIENT_MAX_URL 2048
#define CLIENT_MAX_TOKEN 1024
/* Default base URL when neither --server nor TRUCE_SERVER is given. */
#define CLIENT_DEFAULT_SERVER "http://127.0.0.1:8080"

/*
 * Creates a client for the center at server (a http:// or https:// base
 * URL; NULL means $TRUCE_SERVER, then CLIENT_DEFAULT_SERVER) using the
 * bearer token (NULL means $TRUCE_TOKEN, then none). timeout_s bounds each
 * whole request (0: none); connecting is bounded to 10 s regardless.
 * Returns NULL after logging what is wrong (bad URL, bad token, no curl).
 * Free with client_free.
 */
struct client *client_new(const char *server, const char *token,
    long timeout_s);

/*
 * Makes the clients made from now on check an https:// server's
 * certificate against the CAs in the PEM file path (--cacert; not
 * copied: it must live as long as the command), instead of TRUCE_CACERT's
 * or the system's.
 */
void client_set_cacert(const char *path);

/* Frees c and wipes its copy of the token; client_free(NULL) does nothing. */
void client_free(struct client *c);

/* As client_get with DELETE. */
int client_delete(struct client *c, const char *path, long *status,
    json_t **body);

/* Takes a chunk of a streamed answer; non-zero stops the stream. */
typedef int (*client_chunk_fn)(void *ctx, const char *data, size_t len);

/*
 * GETs base+path with Accept: accept and hands the answer to fn as it
 * arrives, with no time limit (an event stream). 0 when the server ended
 * it, 1 when fn stopped it, -1 after logging a transport failure; the
 * status goes to *status. The handle's other settings are reset.
 */
int client_stream(struct client *c, const char *path, const char *accept,
    client_chunk_fn fn, void *ctx, long *status);

/*
 * Sends GET base+path (path starts with '/' and may carry a query string
 * built with client_escape). On any HTTP response returns 0 with the status
 * in *status and the decoded body in *body (caller json_decref's it; a
 * non-JSON error body becomes {"detail": "<its first bytes>"}; an empty body
 * is NULL). Returns -1 after logging on a transport failure, a body over
 * CLIENT_MAX_RESPONSE, or a 2xx body that is not JSON; *status and *body
 * are then untouched.
 */
int client_get(struct client *c, const char *path, long *status, json_t **body);

/*
 * As client_get, but POSTs the JSON request (serialized compactly, sent as
 * application/json) to base+path.
 */
int client_post(struct client *c, const char *path, const json_t *request,
    long *status, json_t **body);

/*
 * As client_post, but POSTs a C2SP signed note (note[0..len-1]) as
 * text/plain; charset=utf-8.
 */
int client_post_note(struct client *c, const char *path, const char *note,
    size_t len, long *status, json_t **body);

/*
 * URL-encodes s for a query string (RFC 3986 unreserved characters kept).
 * Returns a malloc'd string the caller frees, or NULL on allocation failure.
 */
char *client_escape(struct client *c, const char *s);

/*
 * Writes into buf (len bytes, always terminated) a one-line, readable
 * message for an error response: "HTTP <status> <title>: <detail>" from a
 * problem+json body, or "HTTP <status>" when the body says nothing. The
 * per-item "errors" list is not included: callers that can map items back
 * to their input print those themselves.
 */
void client_problem(long status, const json_t *body, char *buf, size_t len);

/* Returns the base URL in use (for messages; it carries no secret). */
const char *client_server(const struct client *c);

/*
 * Appends "key=value" (value URL-escaped, "&" first unless q is empty) to
 * the NUL-terminated query string q of qlen bytes. 0, or -1 (logged) when
 * it does not fit or memory runs out.
 */
int client_add_param(struct client *c, char *q, size_t qlen, const char *key,
    const char *value);

/*
 * Pages through a route that answers a GeoJSON FeatureCollection with a
 * `next` cursor (GET /v1/observations, GET /v1/incidents; docs/api.md):
 * GET route?filters&limit=..[&cursor=..] again and again, calling fn for
 * each feature in order, limit features in all at the most, pages of at
 * most CLIENT_PAGE_MAX, at most CLIENT_MAX_PAGES pages. filters is a
 * query string built with client_add_param (may be empty). 0 when the
 * answers are exhausted or limit is reached; -1 after logging an error
 * answer (with its per-item errors), a transport failure, a malformed or
 * repeated cursor, or fn's -1 (the output could not be written).
 */
#define CLIENT_PAGE_MAX 1000	 /* the API's largest page */
#define CLIENT_MAX_PAGES 1000000 /* a server that never ends */
typedef int (*client_feature_fn)(void *ctx, const json_t *feature);
int client_features(struct client *c, const char *route, const char *filters,
    int64_t limit, client_feature_fn fn, void *ctx);

/*
 * Logs an error answer: client_problem's line, then each of its per-item
 * "errors" ({pointer, message}) on a line of its own on stderr.
 */
void client_report(struct client *c, long status, const json_t *body);

/* How the client commands that read (query, incidents) print: --format. */
enum client_format { CLIENT_TABLE, CLIENT_JSONL, CLIENT_GEOJSON, CLIENT_CSV };

/*
 * Parses the value of --format (table, jsonl, geojson or csv) into *out;
 * otherwise prints a usage error for cmd and returns -1.
 */
int client_parse_format(const char *cmd, const char *val,
    enum client_format *out);

#endif
