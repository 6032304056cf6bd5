/*
 * fetch: the HTTP client of `truce audit` (libcurl's multi interface): GETs
 * against one center, many in flight over kept-alive connections, each
 * answer read into memory up to a limit given per request. The audit
 * queues the tiles and entry bundles it will need next and processes them
 * in order as they arrive, so the network and the center work while it
 * hashes and replays.
 *
 * Only GET, no redirects followed, a bearer token sent when given (entry
 * bundles and the observations list need a reader's token). A transfer
 * that stalls (under 1 byte/s for 30 s) or runs over its limit fails.
 */
#ifndef TRUCE_FETCH_H
#define TRUCE_FETCH_H

#include <stddef.h>
#include <stdint.h>

#define FETCH_URL_MAX 2048

struct fetch;

/* One finished transfer; hold it on the stack, free its body with free(). */
struct fetch_reply {
	void *tag;     /* as given to fetch_queue */
	long status;   /* HTTP status, 0 when the transfer failed */
	uint8_t *body; /* NUL-terminated (not counted in len); caller
			      frees; NULL when the transfer failed */
	size_t len;
	char error[256];	  /* why the transfer failed (status 0) */
	char path[FETCH_URL_MAX]; /* the path asked for, for messages */
};

/*
 * A client for the center at base_url ("http://host:port", no trailing
 * path), sending token (NULL: none) as a bearer token, with at most
 * max_connections connections open. NULL with the reason in err.
 */
struct fetch *fetch_new(const char *base_url, const char *token,
    int max_connections, char *err, size_t errlen);

/* Aborts what is in flight and frees f; fetch_free(NULL) does nothing. */
void fetch_free(struct fetch *f);

/*
 * Queues GET base_url + path (starting with '/'), reading at most max
 * bytes of body; tag comes back in the reply. 0, or -1 (out of memory, path
 * too long) with the reason in err.
 */
int fetch_queue(struct fetch *f, const char *path, size_t max, void *tag,
    char *err, size_t errlen);

/*
 * Waits for any queued transfer to finish and fills *r (the first finished,
 * in no particular order). Returns 1 with *r filled, 0 when nothing is
 * pending.
 */
int fetch_next(struct fetch *f, struct fetch_reply *r);

/*
 * GET base_url + path and wait for it (other queued transfers progress
 * meanwhile; their replies are kept for fetch_next). 0 with *r filled
 * (whatever the status: a failed transfer has status 0), -1 if it could not
 * be queued (reason in r->error).
 */
int fetch_get(struct fetch *f, const char *path, size_t max,
    struct fetch_reply *r);

#endif
