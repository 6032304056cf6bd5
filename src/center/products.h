/*
 * products: the center's reports computed from its store and log, and
 * their bytes kept by hash (docs/products.md).
 *
 *   DIR/reports/sha256/ab/abcdef...   each drafted report's canonical
 *                                     bytes, named by their SHA-256 (the
 *                                     report's id; center/cas.h)
 *
 * A report is computed in one read snapshot of the store (store.h
 * store_read_begin): its log size is the store's applied size less the
 * report entries at its end (store_report_basis), its root the log's
 * RFC 6962 root at that size, its facts what the store says then — so
 * the same log prefix gives the same bytes, on the center or on a
 * member's replay. The report model itself is report/report.h (pure).
 */
#ifndef TRUCE_PRODUCTS_H
#define TRUCE_PRODUCTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "report/render.h"
#include "report/report.h"

struct center;
struct layers;
struct store;
struct tz_zone;

#define PRODUCTS_SUBJECT_MAX 4096

/* A computed report: its object, canonical bytes and id. */
struct products_report {
	json_t *report; /* owned */
	char *bytes;	/* owned, NUL-terminated */
	size_t len;
	char id[REPORT_ID_LEN + 1];
	char subject[PRODUCTS_SUBJECT_MAX];
};

/*
 * Loads time zone name from the system tz database ($TZDIR, else
 * /usr/share/zoneinfo). A new zone, or NULL with the reason in err.
 */
struct tz_zone *products_tz_load(const char *name, char *err, size_t errlen);

/*
 * Computes report rq of center c through store connection s (a reader,
 * not in a transaction). 0 with *out filled (products_report_clear
 * frees it), or -1 with *status (422: the request names what does not
 * exist; 503: the store or log failed) and the reason in err.
 */
int products_compute(struct center *c, struct store *s,
    const struct report_request *rq, struct products_report *out, int *status,
    char *err, size_t errlen);

/*
 * The trend (report/trend.h) of the ndays report days up to the one whose
 * period holds now_ms, from the store connection s (one read snapshot),
 * in zone and of category when not NULL; for a liaison (party not NULL)
 * only the incidents released to that party. A new object, or NULL with
 * the reason in err.
 */
json_t *products_trend(struct center *c, struct store *s, int64_t now_ms,
    int ndays, const char *zone, const char *category, const char *party,
    char *err, size_t errlen);

/* Frees what r holds; r itself is the caller's. */
void products_report_clear(struct products_report *r);

/*
 * Keeps bytes[0..len-1] under DIR/reports by their SHA-256, which must
 * be id (durably: synced before it returns). 0, or -1 with err.
 */
int products_keep(struct center *c, const char *bytes, size_t len,
    const char *id, char *err, size_t errlen);

/*
 * Reads report id's bytes from DIR/reports, checking they still hash to
 * id. 0 with *bytes (NUL-terminated, caller frees) and *len, or -1 with
 * err.
 */
int products_read(struct center *c, const char *id, char **bytes, size_t *len,
    char *err, size_t errlen);

/* The geography of a map, drawn from a center's layers. */
struct products_geo {
	struct render_geo geo; /* what render_* take (points into l) */
	struct render_path *paths;
	struct render_place *places;
};

/*
 * Fills g from l (NULL: an empty map): every line layer's parts as lines,
 * every zone layer's outer rings as areas, the gazetteer's places with a
 * population, and the data's attribution (data/README.md). g borrows from
 * l, which must outlive it. 0, or -1 out of memory.
 */
int products_geo(const struct layers *l, struct products_geo *g);

/* Frees what g holds. */
void products_geo_clear(struct products_geo *g);

/*
 * The PDF of env (GET /v1/reports/{id}'s record, with "report") over geo:
 * render_pages' pages through report/raster.h, dated the report
 * period's end, its verifiable payload appended. 0 with *out (caller
 * frees out->data), or -1 with err.
 */
int products_pdf(const json_t *env, const struct render_geo *geo,
    struct render_out *out, char *err, size_t errlen);

/* The PNG of the report's map over geo. 0 with *out, or -1 with err. */
int products_png(const json_t *report, const struct render_geo *geo,
    struct render_out *out, char *err, size_t errlen);

#endif
