/*
 * products: reports from the store and the log (see products.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "center/cas.h"
#include "center/center.h"
#include "center/products.h"
#include "format/increcord.h"
#include "format/reportform.h"
#include "format/verform.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"
#include "ledger/entrylog.h"
#include "report/raster.h"
#include "report/trend.h"
#include "report/tz.h"
#include "store/store.h"
#include "tlog/merkle.h"

#define PAGE 1000 /* rows per store query while gathering */

struct tz_zone *
products_tz_load(const char *name, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char path[512], why[128];
	struct tz_zone *z = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1;

	if (!tz_name_ok(name)) {
		snprintf(err, errlen, "time zone '%.64s' is not a zone name",
		    name ? name : "");
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s",
		dir && *dir ? dir : "/usr/share/zoneinfo",
		name) >= sizeof(path)) {
		snprintf(err, errlen, "time zone path too long");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen,
		    "time zone %s: %s (is tzdata "
		    "installed?)",
		    path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(TZ_MAX_FILE + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	while (len <= TZ_MAX_FILE &&
	    (n = read(fd, buf + len, TZ_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	if (len > TZ_MAX_FILE) {
		snprintf(err, errlen, "time zone %s: over %d bytes", path,
		    TZ_MAX_FILE);
		goto done;
	}
	if ((z = tz_parse(buf, len, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "time zone %s: %s", path, why);
done:
	free(buf);
	close(fd);
	return z;
}

void
products_report_clear(struct products_report *r)
{
	json_decref(r->report);
	free(r->bytes);
	r->report = NULL;
	r->bytes = NULL;
}

/* ---- gathering ------------------------------------------------------------ */

struct gather {
	struct store *s;
	json_t *list;
	int64_t last;
	int rows, failed;
};

static int
collect_incident(void *ctx, int64_t cursor, const json_t *incident)
{
	struct gather *g = ctx;

	json_array_append(g->list, (json_t *)incident);
	g->last = cursor;
	g->rows++;
	return 0;
}

/* The organisation of the observation id (a complaint's party). */
static const char *
party_of(struct store *s, const char *id, char *buf, size_t len)
{
	json_t *e;
	char *bytes = NULL;
	size_t n;
	int64_t idx;
	const char *p = NULL;

	if (store_find_observation(s, id, &idx, &bytes, &n) != 1)
		return NULL;
	if ((e = json_loadb(bytes, n, 0, NULL)) != NULL &&
	    (p = json_string_value(json_object_get(json_object_get(e, "source"),
		 "organisation"))) != NULL) {
		snprintf(buf, len, "%s", p);
		p = buf;
	}
	json_decref(e);
	free(bytes);
	return p;
}

/* Adds the state, each member's latest view and (complaints) the party
 * to every incident of list. 0 or -1. */
static int
verification_of(struct store *s, json_t *list)
{
	json_t *inc, *w;
	const char *id, *kind, *p;
	char party[128];
	size_t i;

	json_array_foreach(list, i, inc)
	{
		id = json_string_value(json_object_get(inc, "id"));
		if ((w = verform_views(s, id)) == NULL)
			return -1;
		json_object_set(inc, "state", json_object_get(w, "state"));
		json_object_set(inc, "assessments",
		    json_object_get(w, "assessments"));
		json_decref(w);
		kind = json_string_value(json_object_get(inc, "kind"));
		if (kind != NULL && strcmp(kind, "complaint") == 0 &&
		    (p = party_of(s,
			 json_string_value(
			     json_array_get(json_object_get(inc, "complaints"),
				 0)),
			 party, sizeof(party))) != NULL)
			json_object_set_new(inc, "party", json_string(p));
	}
	return 0;
}

static int
incidents_in(struct store *s, int64_t from, int64_t to, json_t *list)
{
	struct store_incident_query q;
	struct gather g = { s, list, -1, 0, 0 };

	store_incident_query_init(&q);
	q.from_ms = from;
	q.to_ms = to - 1;
	q.limit = PAGE;
	do {
		g.rows = 0;
		if (increcord_query(s, &q, collect_incident, &g) == -1)
			return -1;
		q.after = g.last;
	} while (g.rows == PAGE);
	return 0;
}

static int
collect_obs(void *ctx, int64_t index, const char *entry, size_t len,
    const uint8_t *id)
{
	struct gather *g = ctx;
	char hex[65];
	json_t *e;

	sodium_bin2hex(hex, sizeof(hex), id, 32);
	if ((e = json_loadb(entry, len, 0, NULL)) == NULL) {
		g->failed = 1;
		return 1;
	}
	json_array_append_new(g->list,
	    json_pack("{s:s,s:I,s:o}", "id", hex, "index", (json_int_t)index,
		"entry", e));
	g->last = index;
	g->rows++;
	return 0;
}

static int
observations_in(struct store *s, int64_t from, int64_t to, json_t *list)
{
	struct store_query q;
	struct gather g = { s, list, -1, 0, 0 };

	store_query_init(&q);
	q.from_ms = from;
	q.to_ms = to - 1;
	q.limit = PAGE;
	do {
		g.rows = 0;
		if (store_query_observations(s, &q, collect_obs, &g) == -1 ||
		    g.failed)
			return -1;
		q.after_index = g.last;
	} while (g.rows == PAGE);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Spot: the named incidents and their observations. 0, -1 (503), or 1
 * (err says which incident is missing). */
static int
spot_facts(struct store *s, const struct report_request *rq, json_t *incs,
    json_t *obs, char *err, size_t errlen)
{
	json_t *inc, *id, *e;
	char *bytes;
	size_t i, j, n;
	int64_t idx;
	int r;

	for (i = 0; i < rq->nincidents; i++) {
		inc = NULL;
		if ((r = increcord_find(s, rq->incidents[i], &inc)) != 1) {
			if (r == 0)
				snprintf(err, errlen,
				    "/incidents/%zu: no "
				    "incident has id %.64s",
				    i, rq->incidents[i]);
			return r == 0 ? 1 : -1;
		}
		json_array_append_new(incs, inc);
		json_array_foreach(json_object_get(inc, "observations"), j, id)
		{
			bytes = NULL;
			if (store_find_observation(s, json_string_value(id),
				&idx, &bytes, &n) != 1)
				return -1;
			e = json_loadb(bytes, n, 0, NULL);
			free(bytes);
			if (e == NULL)
				return -1;
			json_array_append_new(obs,
			    json_pack("{s:O,s:I,s:o}", "id", id, "index",
				(json_int_t)idx, "entry", e));
		}
	}
	return 0;
}

/* The subject (what a later draft supersedes) of rq. */
static int
subject_of(const struct report_request *rq, char *buf, size_t len)
{
	const char *ids[REPORT_MAX_INCIDENTS];
	char a[16], b[16];
	size_t i, n = 0;

	if (rq->kind != REPORT_SPOT) {
		report_date_format(rq->first_day, a);
		report_date_format(rq->last_day, b);
		n = (size_t)snprintf(buf, len, "%s/%s", a, b);
		return n < len ? 0 : -1;
	}
	memcpy(ids, rq->incidents, rq->nincidents * sizeof(ids[0]));
	qsort(ids, rq->nincidents, sizeof(ids[0]), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < rq->nincidents; i++) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    i ? "," : "", ids[i]);
		if (n >= len)
			return -1;
	}
	return 0;
}

/* N of "Spot Report N/YYYY": an earlier draft's of the same subject, or
 * one more than the spot reports of the year drafted so far. */
static int
spot_sequence(struct store *s, const char *subject, const json_t *incs,
    const struct tz_zone *z, int64_t *seq)
{
	json_t *list, *r;
	int64_t from = INT64_MAX, t, y, yy, n = 0;
	const char *num;
	char tail[32];
	size_t i;
	int m, d;

	json_array_foreach(incs, i, r)
	{
		t = json_integer_value(json_object_get(r, "time_from_ms"));
		if (t < from)
			from = t;
	}
	tz_civil_from_days((from / 1000 + tz_offset_at(z, from / 1000)) / 86400,
	    &y, &m, &d);
	snprintf(tail, sizeof(tail), "/%lld", (long long)y);
	if ((list = reportform_list(s, NULL, "spot")) == NULL)
		return -1;
	*seq = 0;
	json_array_foreach(list, i, r)
	{
		num = json_string_value(json_object_get(r, "number"));
		if (num == NULL || strlen(num) < strlen(tail) ||
		    strcmp(num + strlen(num) - strlen(tail), tail) != 0 ||
		    sscanf(num, "Spot Report %lld/%lld", (long long *)&t,
			(long long *)&yy) != 2)
			continue;
		if (strcmp(json_string_value(json_object_get(r, "subject")),
			subject) == 0) {
			*seq = t;
			break;
		}
		if (t > n)
			n = t;
	}
	json_decref(list);
	if (*seq == 0)
		*seq = n + 1;
	return 0;
}

struct tallying {
	struct trend *t;
	int failed;
};

/* Counts each violation among the store's rows (store_incident_tallies). */
static int
tally_violation(void *ctx, const struct store_incident_tally *row)
{
	struct tallying *g = ctx;

	if (!report_is_violation_of(row->kind, row->state))
		return 0;
	if (trend_add(g->t, row->time_from_ms, row->count, row->category,
		row->zone) == -1)
		g->failed = 1;
	return g->failed;
}

json_t *
products_trend(struct center *c, struct store *s, int64_t now_ms, int ndays,
    const char *zone, const char *category, const char *party, char *err,
    size_t errlen)
{
	struct tz_zone *z = NULL;
	struct tallying g = { NULL, 0 };
	json_t *out = NULL;
	int64_t last_day, from, to, end;
	char why[256];
	int cutoff, snap = 0, rc;

	if ((z = products_tz_load(c->cfg.report_timezone, err, errlen)) == NULL)
		goto done;
	if (report_cutoff_parse(c->cfg.report_cutoff, &cutoff, why,
		sizeof(why)) == -1) {
		snprintf(err, errlen, "report_cutoff: %s", why);
		goto done;
	}
	/* The report day whose period holds now. */
	last_day = now_ms / 86400000;
	report_day_period(z, cutoff, last_day, &from, &to);
	if (now_ms >= to)
		last_day++;
	else if (now_ms < from)
		last_day--;
	report_day_period(z, cutoff, last_day - (ndays - 1), &from, &end);
	report_day_period(z, cutoff, last_day, &end, &to);
	if ((g.t = trend_new(z, cutoff, last_day, ndays, zone, category)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	/* One row per incident, not its record: a year holds hundreds of
	   thousands (bench/RESULTS.md, "Products"). A liaison counts only
	   what was released to its party. */
	if (store_read_begin(s) == -1)
		goto store_failed;
	snap = 1;
	rc = store_incident_tallies(s, from, to, party, tally_violation, &g);
	store_read_end(s);
	snap = 0;
	if (rc == -1)
		goto store_failed;
	if (g.failed)
		snprintf(err, errlen,
		    "more than %d categories or zones to count, or out of "
		    "memory",
		    TREND_MAX_NAMES);
	else if ((out = trend_json(g.t, c->cfg.report_timezone)) == NULL)
		snprintf(err, errlen, "out of memory");
	goto done;
store_failed:
	snprintf(err, errlen, "the store could not be read");
done:
	if (snap)
		store_read_end(s);
	trend_free(g.t);
	tz_free(z);
	return out;
}

int
products_compute(struct center *c, struct store *s,
    const struct report_request *rq, struct products_report *out, int *status,
    char *err, size_t errlen)
{
	struct report_context cx;
	struct tz_zone *z = NULL;
	uint8_t root[MERKLE_HASH_SIZE];
	char root_b64[MERKLE_BASE64_SIZE], why[256];
	json_t *incs = json_array(), *obs = json_array(), *facts = NULL;
	json_t *members = NULL, *report = NULL, *statuses = NULL;
	int64_t applied, basis, wfrom, wto, pfrom, pto;
	int snap = 0, r, rc = -1;

	memset(out, 0, sizeof(*out));
	*status = 503;
	memset(&cx, 0, sizeof(cx));
	if ((z = products_tz_load(c->cfg.report_timezone, err, errlen)) == NULL)
		goto done;
	if (report_cutoff_parse(c->cfg.report_cutoff, &cx.cutoff_min, why,
		sizeof(why)) == -1) {
		snprintf(err, errlen, "report_cutoff: %s", why);
		goto done;
	}
	cx.origin = c->cfg.origin;
	cx.time_zone = c->cfg.report_timezone;
	cx.tz = z;
	if (subject_of(rq, out->subject, sizeof(out->subject)) == -1) {
		*status = 422;
		snprintf(err, errlen, "/incidents: too many to name");
		goto done;
	}
	if (store_read_begin(s) == -1)
		goto store_failed;
	snap = 1;
	if (store_applied_size(s, &applied) == -1 ||
	    store_report_basis(s, applied, &basis) == -1 ||
	    (members = verform_members(s)) == NULL)
		goto store_failed;
	if (rq->kind == REPORT_SPOT) {
		if ((r = spot_facts(s, rq, incs, obs, err, errlen)) != 0) {
			if (r == 1)
				*status = 422;
			else
				snprintf(err, errlen,
				    "the store is "
				    "unavailable");
			goto done;
		}
		if (spot_sequence(s, out->subject, incs, z,
			&cx.spot_sequence) == -1 ||
		    verification_of(s, incs) == -1)
			goto store_failed;
	} else {
		/* The window: the period and those it is compared with. */
		report_window(rq, &cx, &wfrom, &wto);
		report_day_period(z, cx.cutoff_min, rq->first_day, &pfrom,
		    &pto);
		pto = wto;
		if (incidents_in(s, wfrom, wto, incs) == -1 ||
		    verification_of(s, incs) == -1 ||
		    observations_in(s, pfrom, pto, obs) == -1 ||
		    (statuses = reportform_source_statuses(s, pfrom, pto)) ==
			NULL)
			goto store_failed;
	}
	store_read_end(s);
	snap = 0;
	if (entrylog_root(c->log, basis, root) == -1) {
		snprintf(err, errlen,
		    "the log's root at size %lld is "
		    "unreadable",
		    (long long)basis);
		goto done;
	}
	merkle_hash_to_base64(root, root_b64);
	cx.log_size = basis;
	cx.root = root_b64;
	facts = json_pack("{s:O,s:O,s:O}", "incidents", incs, "observations",
	    obs, "members", members);
	if (facts != NULL && statuses != NULL)
		json_object_set(facts, "source_status", statuses);
	if (facts == NULL ||
	    (report = report_build(rq, &cx, facts, why, sizeof(why))) == NULL) {
		*status = 422;
		snprintf(err, errlen, "%s", facts ? why : "out of memory");
		goto done;
	}
	if (report_encode(report, &out->bytes, &out->len, out->id) == -1) {
		*status = 500;
		snprintf(err, errlen,
		    "the report cannot be encoded "
		    "canonically");
		goto done;
	}
	out->report = report;
	report = NULL;
	rc = 0;
	goto done;
store_failed:
	snprintf(err, errlen, "the store is unavailable");
done:
	if (snap)
		store_read_end(s);
	json_decref(report);
	json_decref(facts);
	json_decref(incs);
	json_decref(obs);
	json_decref(members);
	json_decref(statuses);
	tz_free(z);
	return rc;
}

/* DIR/reports. */
static int
reports_root(struct center *c, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/reports", c->dir) < len ? 0 : -1;
}

int
products_keep(struct center *c, const char *bytes, size_t len, const char *id,
    char *err, size_t errlen)
{
	struct cas_writer *w;
	uint8_t want[32];
	char root[PATH_MAX + 16], hex[CAS_HEX_LEN + 1];
	int64_t size;
	int existed, mismatch = 0, rc = -1;

	if (reports_root(c, root, sizeof(root)) == -1 ||
	    sodium_hex2bin(want, sizeof(want), id, strlen(id), NULL, NULL,
		NULL) != 0) {
		snprintf(err, errlen, "bad report id or path");
		return -1;
	}
	if ((w = cas_writer_new(root, err, errlen)) == NULL)
		return -1;
	if (cas_writer_write(w, bytes, len, err, errlen) == 0 &&
	    cas_writer_finish(w, want, hex, &size, &existed, &mismatch, err,
		errlen) == 0)
		rc = 0;
	else if (mismatch)
		snprintf(err, errlen,
		    "the report's bytes do not hash to its "
		    "id");
	cas_writer_free(w);
	return rc;
}

int
products_read(struct center *c, const char *id, char **bytes, size_t *len,
    char *err, size_t errlen)
{
	char root[PATH_MAX + 16], *buf = NULL;
	int64_t size;
	size_t got = 0;
	ssize_t n;
	int fd, corrupt = 0;

	if (reports_root(c, root, sizeof(root)) == -1 || !report_is_id(id)) {
		snprintf(err, errlen, "bad report id");
		return -1;
	}
	if (cas_open(root, id, &fd, &size, &corrupt, err, errlen) == -1)
		return -1;
	if (size < 0 || size > (int64_t)1 << 30 ||
	    (buf = malloc((size_t)size + 1)) == NULL) {
		snprintf(err, errlen, "report %.16s…: too large", id);
		close(fd);
		return -1;
	}
	while (got < (size_t)size &&
	    (n = read(fd, buf + got, (size_t)size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got != (size_t)size) {
		snprintf(err, errlen, "report %.16s…: short read", id);
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*bytes = buf;
	*len = got;
	return 0;
}

/* ---- the map's geography ------------------------------------------------ */

int
products_geo(const struct layers *l, struct products_geo *g)
{
	const struct lines_layer *const *ll;
	const struct polygon_layer *const *zl;
	const struct geodesy_point *pts;
	const struct gazetteer_place *pl;
	const struct gazetteer *gz;
	const double *lon, *lat;
	size_t nl = 0, nz = 0, i, f, k, n, npaths = 0, nareas = 0, np = 0;
	size_t nlines = 0;

	memset(g, 0, sizeof(*g));
	g->geo.attribution = "Lines, areas: Made with Natural Earth. "
			     "Settlements: GeoNames.org (CC BY 4.0).";
	if (l == NULL)
		return 0;
	ll = layers_lines(l, &nl);
	zl = layers_zones(l, &nz);
	for (i = 0; i < nl; i++)
		for (f = 0; f < lines_layer_feature_count(ll[i]); f++)
			npaths += lines_layer_part_count(ll[i], f);
	for (i = 0; i < nz; i++)
		for (f = 0; f < polygon_layer_zone_count(zl[i]); f++)
			npaths += polygon_layer_poly_count(zl[i], f);
	gz = layers_gazetteer(l);
	if ((g->paths = calloc(npaths + 1, sizeof(*g->paths))) == NULL ||
	    (g->places = calloc(gazetteer_count(gz) + 1, sizeof(*g->places))) ==
		NULL) {
		products_geo_clear(g);
		return -1;
	}
	/* Areas first, then lines, in one array. */
	for (i = 0; i < nz; i++)
		for (f = 0; f < polygon_layer_zone_count(zl[i]); f++)
			for (k = 0; k < polygon_layer_poly_count(zl[i], f);
			     k++) {
				if (polygon_layer_outer_ring(zl[i], f, k, &lon,
					&lat, &n) == -1)
					continue;
				g->paths[nareas++] =
				    (struct render_path){ lat, lon, n, 1,
					    polygon_layer_zone_name(zl[i], f) };
			}
	for (i = 0; i < nl; i++) {
		for (f = 0; f < lines_layer_feature_count(ll[i]); f++)
			for (k = 0; k < lines_layer_part_count(ll[i], f); k++) {
				if ((pts = lines_layer_part(ll[i], f, k, &n)) ==
				    NULL)
					continue;
				g->paths[nareas + nlines++] =
				    (struct render_path){
					    &pts[0].lat, &pts[0].lon, n,
					    sizeof(pts[0]) / sizeof(double),
					    lines_layer_feature_name(ll[i], f)
				    };
			}
		/* The first line layer is the line of contact (the one
		   fusion's words measure from); the others are borders. */
		if (i == 0)
			g->geo.nlines = nlines;
	}
	for (i = 0; i < gazetteer_count(gz); i++) {
		pl = gazetteer_place(gz, i);
		if (pl == NULL || pl->population <= 0)
			continue;
		g->places[np++] = (struct render_place){ pl->lat, pl->lon,
			pl->name, pl->population };
	}
	g->geo.areas = g->paths;
	g->geo.nareas = nareas;
	g->geo.lines = g->paths + nareas;
	g->geo.boundaries = g->paths + nareas + g->geo.nlines;
	g->geo.nboundaries = nlines - g->geo.nlines;
	g->geo.places = g->places;
	g->geo.nplaces = np;
	return 0;
}

void
products_geo_clear(struct products_geo *g)
{
	free(g->paths);
	free(g->places);
	memset(g, 0, sizeof(*g));
}

/* ---- PDF and PNG ---------------------------------------------------------- */

int
products_pdf(const json_t *env, const struct render_geo *geo,
    struct render_out *out, char *err, size_t errlen)
{
	const json_t *report = json_object_get(env, "report");
	struct render_page *pages = NULL;
	size_t n = 0;
	char *payload = NULL;
	int rc = -1;

	if (render_pages(env, geo, &pages, &n) == -1 ||
	    (payload = render_payload(env)) == NULL) {
		snprintf(err, errlen, "the report cannot be laid out");
		goto done;
	}
	rc = raster_pdf(pages, n,
	    json_string_value(json_object_get(report, "number")),
	    json_integer_value(
		json_object_get(json_object_get(report, "period"), "to_ms")),
	    payload, out, err, errlen);
done:
	free(payload);
	render_pages_free(pages, n);
	return rc;
}

int
products_png(const json_t *report, const struct render_geo *geo,
    struct render_out *out, char *err, size_t errlen)
{
	struct render_out svg = { NULL, 0 };
	int rc;

	if (render_map_svg(report, geo, &svg) == -1) {
		snprintf(err, errlen, "the map cannot be drawn");
		return -1;
	}
	rc = raster_png(&svg, 1.0, out, err, errlen);
	free(svg.data);
	return rc;
}
