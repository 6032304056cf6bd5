/*
 * fusion: the entry point of fusion on the store's apply path (see
 * fusion.h and docs/fusion.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nomem.h"
#include "fusion/fusion.h"
#include "fusion/position.h"
#include "geo/describe.h"
#include "geo/geodesy.h"
#include "record/decision.h"
#include "record/entry.h"

struct fusion {
	struct fusion_geography geo;
	struct position_resolver *resolver;
	struct describe_index *settlements; /* NULL without a gazetteer */
};

struct fusion *
fusion_new(const struct fusion_geography *geo)
{
	struct fusion *f;

	if ((f = nomem_calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (geo != NULL)
		f->geo = *geo;
	if ((f->resolver = position_resolver_new(f->geo.gazetteer)) == NULL ||
	    (f->geo.gazetteer != NULL &&
		(f->settlements = describe_index_new(f->geo.gazetteer)) ==
		    NULL)) {
		position_resolver_free(f->resolver);
		free(f);
		return NULL;
	}
	return f;
}

void
fusion_free(struct fusion *f)
{
	if (f == NULL)
		return;
	position_resolver_free(f->resolver);
	describe_index_free(f->settlements);
	free(f);
}

/*
 * src into dst of len bytes, cut at len - 1 bytes and terminated (nothing
 * written if len is 0): snprintf(dst, len, "%s", src) without the format
 * machinery, which took a tenth of the words' time.
 */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n;

	if (len == 0)
		return;
	n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *
str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

int
fusion_observation(struct fusion *f, int64_t index, const json_t *entry,
    const char *id, struct associate_obs *out, char *note, size_t notelen)
{
	const json_t *at = json_object_get(entry, "observed_at");
	const json_t *src = json_object_get(entry, "source");
	const json_t *cnt = json_object_get(entry, "count");
	const json_t *loc = json_object_get(entry, "location");
	struct associate_obs o;
	struct position p;
	int64_t before, after, tol;
	int q;

	if (!json_is_object(at) || !json_is_object(src) ||
	    !json_is_object(loc) || id == NULL ||
	    strlen(id) != ASSOCIATE_OBS_ID_LEN)
		return -1;
	memset(&o, 0, sizeof(o));
	o.index = index;
	copy_str(o.id, sizeof(o.id), id);
	o.t_from = json_integer_value(json_object_get(at, "from"));
	o.t_to = json_integer_value(json_object_get(at, "to"));
	o.category = associate_category(str_of(entry, "category"));
	o.source_type = associate_source_type(str_of(src, "type"));
	if (o.category < 0 || o.source_type < 0 || o.t_to < o.t_from)
		return -1;
	o.group = associate_group_of(o.category);
	o.complaint = strcmp(str_of(src, "type"), "complaint") == 0;
	/* One source: its type, member or organisation, and unit. */
	o.source =
	    associate_source_hash(str_of(src, "type"), str_of(src, "member"),
		str_of(src, "organisation"), str_of(src, "unit"));
	o.count = json_is_object(cnt)
	    ? json_integer_value(json_object_get(cnt, "value"))
	    : 1;
	if (o.count < 1)
		o.count = 1;
	q = json_is_object(cnt) ? associate_qualifier(str_of(cnt, "qualifier"))
				: ASSOCIATE_EXACT;
	o.qualifier = q < 0 ? ASSOCIATE_EXACT : q;

	position_resolve(f->resolver, loc, o.t_from, &p);
	o.located = p.resolved;
	if (p.resolved) {
		o.lat = p.lat;
		o.lon = p.lon;
		memcpy(o.cov, p.cov, sizeof(o.cov));
	}
	if (note != NULL)
		copy_str(note, notelen, p.note);
	if (p.resolved && p.has_time) {
		/* A sensor fix dates the emission itself. */
		o.t_from = o.t_to = llround(p.t_ms);
		associate_time_tolerance(o.source_type, 1, &before, &after);
		tol = llround(ceil(3 * p.t_sigma_ms));
		if (tol > 600000)
			tol = 600000;
		if (tol > before)
			before = after = tol;
	} else
		associate_time_tolerance(o.source_type, 0, &before, &after);
	o.w_from = o.t_from - before;
	o.w_to = o.t_to + after;
	*out = o;
	return 0;
}

int
fusion_acts_on(const char *type)
{
	return entry_type_fused(entry_type_parse(type));
}

int
fusion_apply(struct fusion *f, const struct associate_book_ops *ops, void *book,
    int64_t index, const json_t *entry, const char *id)
{
	enum entry_type type = entry_type_of(entry);
	const char *ids[DECISION_MAX_SPLIT];
	char incident[ASSOCIATE_ID_LEN + 1], note[POSITION_REASON_LEN];
	struct associate_obs o;
	struct decision d;
	const json_t *it;
	size_t i;

	if (!entry_type_fused(type))
		return 0;
	if (type == ENTRY_OBSERVATION) {
		if (fusion_observation(f, index, entry, id, &o, note,
			sizeof(note)) == -1)
			return 0; /* the validator made it; nothing to place */
		o.note = note;
		return associate_observation(ops, book, &o, incident);
	}
	if (decision_parse(entry, &d) == -1)
		return ops->decided ? ops->decided(book, index, "", 0,
					  "malformed decision entry")
				    : 0;
	if (d.kind == DECISION_MERGE)
		return associate_merge(ops, book, index, d.incident, d.with);
	json_array_foreach(d.observations, i, it) ids[i] =
	    json_string_value(it);
	return associate_split(ops, book, index, d.incident, ids,
	    json_array_size(d.observations));
}

/* The zones of r into w (empty before). */
static void
words_zones(struct fusion_words *w, const struct describe_result *r)
{
	size_t i;

	for (i = 0; i < r->nzones && i < FUSION_MAX_ZONES; i++) {
		copy_str(w->zone_layer[i], FUSION_ZONE_LEN, r->zones[i].layer);
		copy_str(w->zone[i], FUSION_ZONE_LEN, r->zones[i].zone);
	}
	w->nzones = i;
	if (i > 0)
		copy_str(w->primary_zone, sizeof(w->primary_zone),
		    w->zone[i - 1]);
}

/*
 * Words (lat, lon) into *w and r: its zones, and when full the nearest
 * line of the first line layer and the reference settlement (from the
 * index: describe_point's words, bit for bit, at a fraction of the cost;
 * docs/fusion.md); not full, only the zones' tests run. 0, or -1 if the
 * position is invalid (w is then empty).
 */
static int
word(struct fusion *f, double lat, double lon, int full,
    struct describe_result *r, struct fusion_words *w)
{
	struct geodesy_point p;
	char err[160];

	memset(w, 0, sizeof(*w));
	p.lat = lat;
	p.lon = lon;
	if (describe_point_with(full ? f->geo.gazetteer : NULL,
		full ? f->settlements : NULL,
		DESCRIBE_FIRST_LINE | DESCRIBE_NO_NEAREST, f->geo.zones,
		f->geo.nzones, full ? f->geo.lines : NULL,
		full ? f->geo.nlines : 0, &p, r, err, sizeof(err)) == -1)
		return -1;
	words_zones(w, r);
	return 0;
}

int
fusion_zones(struct fusion *f, double lat, double lon, struct fusion_words *w)
{
	struct describe_result r;

	return word(f, lat, lon, 0, &r, w);
}

int
fusion_describe(struct fusion *f, double lat, double lon,
    struct fusion_words *w)
{
	struct describe_result r;

	if (word(f, lat, lon, 1, &r, w) == -1)
		return -1;
	if (r.nlines > 0) {
		w->has_line = 1;
		copy_str(w->line, sizeof(w->line),
		    r.lines[0].nearest.feature_name
			? r.lines[0].nearest.feature_name
			: r.lines[0].layer);
		w->line_m = r.lines[0].nearest.where.distance_m;
		copy_str(w->line_side, sizeof(w->line_side),
		    r.lines[0].nearest.side_name ? r.lines[0].nearest.side_name
						 : "");
	}
	copy_str(w->text, sizeof(w->text), r.text);
	return 0;
}
