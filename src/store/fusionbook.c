/*
 * fusionbook: fusion's write-behind book above the store backends (see
 * fusionbook.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/nomem.h"
#include "fusion/associate.h"
#include "fusion/fusion.h"
#include "fusion/incident_set.h"
#include "store/fusionbook.h"

/* What the backend's tables still lack of one incident. */
struct fb_inc {
	double dlat, dlon;	/* where its words were taken */
	unsigned described : 1; /* it has words (taken at dlat, dlon) */
	unsigned row : 1;	/* its row and box are to be written */
	unsigned words : 1;	/* its words are to be taken anew */
	unsigned links : 1;	/* its complaint links are to be written */
	unsigned queued : 1;	/* on the dirty list */
	unsigned stored : 1;	/* its row is in the table */
	unsigned zoned : 1;	/* it may have zone rows */
};

struct fusionbook {
	struct fusion *fusion;
	const struct fusionbook_rows *rows;
	void *db;
	const char *name;
	struct incident_set *set; /* NULL: not loaded */
	struct fb_inc *v;	  /* by the set's incident position */
	size_t cap;
	uint32_t *dirty; /* positions to write, in the order first changed */
	size_t ndirty, capdirty;
	struct fb_words *fw; /* the flush's words; NULL until the first */
	struct fusionbook_placed *placed; /* fusionbook_apply's, or NULL */
};

_Static_assert(ASSOCIATE_ID_LEN <
	sizeof(((struct fusionbook_placed *)0)->incident),
    "an incident id fits fusionbook_placed");

struct fusionbook *
fusionbook_new(struct fusion *f, const struct fusionbook_rows *rows, void *db,
    const char *name)
{
	struct fusionbook *b = nomem_calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->fusion = f;
	b->rows = rows;
	b->db = db;
	b->name = name;
	return b;
}

void
fusionbook_drop(struct fusionbook *b)
{
	if (b == NULL)
		return;
	incident_set_free(b->set);
	free(b->v);
	free(b->dirty);
	b->set = NULL;
	b->v = NULL;
	b->dirty = NULL;
	b->cap = b->ndirty = b->capdirty = 0;
}

void
fusionbook_free(struct fusionbook *b)
{
	if (b == NULL)
		return;
	fusionbook_drop(b);
	free(b->fw);
	free(b);
}

/* Distance in metres between two nearby positions (local, for "has it
 * moved"; fusion's own distances are on the ellipsoid). */
static double
moved_m(double lat1, double lon1, double lat2, double lon2)
{
	double dn = (lat2 - lat1) * 111132.0;
	double de =
	    (lon2 - lon1) * 111320.0 * cos(lat1 * 3.14159265358979 / 180);

	return sqrt(dn * dn + de * de);
}

/* The state of incident id, which the set holds (clean, not described
 * when new); NULL when the set has no such incident or out of memory. */
static struct fb_inc *
fb_get(struct fusionbook *b, const char *id)
{
	long k = incident_set_find(b->set, id);
	struct fb_inc *nv;
	size_t ncap;

	if (k < 0)
		return NULL;
	if ((size_t)k >= b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap <= (size_t)k)
			ncap *= 2;
		if ((nv = nomem_realloc(b->v, ncap * sizeof(*nv))) == NULL)
			return NULL;
		memset(nv + b->cap, 0, (ncap - b->cap) * sizeof(*nv));
		b->v = nv;
		b->cap = ncap;
	}
	return &b->v[k];
}

/* Queues incident e for the next flush (once). */
static int
fb_queue(struct fusionbook *b, struct fb_inc *e)
{
	uint32_t *nd;
	size_t ncap;

	if (e->queued)
		return 0;
	if (b->ndirty == b->capdirty) {
		ncap = b->capdirty ? b->capdirty * 2 : 256;
		if ((nd = nomem_realloc(b->dirty, ncap * sizeof(*nd))) == NULL)
			return -1;
		b->dirty = nd;
		b->capdirty = ncap;
	}
	b->dirty[b->ndirty++] = (uint32_t)(e - b->v);
	e->queued = 1;
	return 0;
}

static int
load_incident(void *ctx, const struct associate_incident *inc, int described,
    double dlat, double dlon)
{
	struct fusionbook *b = ctx;
	struct fb_inc *e;

	if (incident_set_ops.put(b->set, inc) == -1 ||
	    (e = fb_get(b, inc->id)) == NULL)
		return -1;
	e->described = described != 0;
	e->stored = e->zoned = 1;
	e->dlat = dlat;
	e->dlon = dlon;
	return 0;
}

static int
load_obs(void *ctx, const struct associate_obs *o, const char *incident)
{
	struct fusionbook *b = ctx;

	return incident_set_ops.add_obs(b->set, o, incident);
}

static int
load_link(void *ctx, const char *incident, int64_t complaint_index)
{
	struct fusionbook *b = ctx;

	return incident_set_ops.add_link(b->set, incident, complaint_index);
}

int
fusionbook_load(struct fusionbook *b)
{
	if (b->set != NULL)
		return 0;
	if ((b->set = incident_set_new()) == NULL ||
	    b->rows->load(b->db, load_incident, load_obs, load_link, b) == -1) {
		log_warnx("store %s: cannot load fusion's book", b->name);
		fusionbook_drop(b);
		return -1;
	}
	return 0;
}

/*
 * Words are taken for up to FB_BLOCK changed incidents at a time, on two
 * threads when there are at least FB_TWO of them (fusion_describe only
 * reads the geography), then their rows are written in order: the same
 * words, a third to a half less time when many incidents are new at once
 * (a rebuild, an audit's replay, a large batch).
 */
#define FB_BLOCK 256
#define FB_TWO 32

/* The words of the incidents of a block that take them. */
struct fb_words {
	struct fusion *fusion;
	size_t n;
	double lat[FB_BLOCK], lon[FB_BLOCK];
	struct fusion_words w[FB_BLOCK];
	int ok[FB_BLOCK];
};

/* Words items first, first + step, ... of *arg's block. */
struct fb_share {
	struct fb_words *fw;
	size_t first, step;
};

static void *
fb_describe(void *arg)
{
	struct fb_share *h = arg;
	struct fb_words *fw = h->fw;
	size_t i;

	for (i = h->first; i < fw->n; i += h->step)
		fw->ok[i] = fusion_describe(fw->fusion, fw->lat[i], fw->lon[i],
				&fw->w[i]) == 0;
	return NULL;
}

/* Takes the words of fw's fw->n positions. */
static void
fb_describe_all(struct fb_words *fw)
{
	struct fb_share h[2] = { { fw, 0, 1 }, { fw, 1, 2 } };
	pthread_t second;
	int two = fw->n >= FB_TWO;

	if (two && pthread_create(&second, NULL, fb_describe, &h[1]) != 0)
		two = 0;
	h[0].step = two ? 2 : 1;
	fb_describe(&h[0]);
	if (two)
		pthread_join(second, NULL);
}

/* Writes incident inc's row (with e->words, its words: w, NULL when it
 * has none). */
static int
put_incident(struct fusionbook *b, const struct associate_incident *inc,
    struct fb_inc *e, const struct fusion_words *w)
{
	struct fusionbook_words words = { 0, NULL, 0, 0 };

	if (e->words) {
		words.take = 1;
		words.w = w;
		words.dlat = e->dlat;
		words.dlon = e->dlon;
	}
	if (b->rows->put_incident(b->db, inc, e->stored, &words, e->zoned) ==
	    -1)
		return -1;
	e->stored = 1;
	if (e->words) {
		e->described = w != NULL;
		e->zoned = w != NULL && w->nzones > 0;
	}
	return 0;
}

int
fusionbook_flush(struct fusionbook *b)
{
	const struct associate_incident *inc;
	const struct fusion_words *w;
	struct fb_words *fw = NULL;
	struct fb_inc *e;
	int64_t *links = NULL;
	long nl;
	size_t i, start = 0, end = 0, m = 0;
	int rc = 0;

	if (b == NULL || b->set == NULL || b->ndirty == 0)
		return 0;
	if (b->fw == NULL && (b->fw = nomem_malloc(sizeof(*b->fw))) == NULL)
		return -1;
	fw = b->fw;
	fw->fusion = b->fusion;
	for (i = 0; rc == 0 && i < b->ndirty; i++) {
		if (i == end) {
			/* The next block: its words first. */
			start = i;
			end =
			    b->ndirty - i < FB_BLOCK ? b->ndirty : i + FB_BLOCK;
			fw->n = 0;
			for (m = start; m < end; m++) {
				e = &b->v[b->dirty[m]];
				if (e->row && e->words && e->described) {
					fw->lat[fw->n] = e->dlat;
					fw->lon[fw->n++] = e->dlon;
				}
			}
			fb_describe_all(fw);
			m = 0;
		}
		e = &b->v[b->dirty[i]];
		if ((inc = incident_set_incident(b->set, b->dirty[i])) ==
		    NULL) {
			rc = -1;
			break;
		}
		w = NULL;
		if (e->row && e->words && e->described) {
			w = fw->ok[m] ? &fw->w[m] : NULL;
			m++;
		}
		if (e->row && (rc = put_incident(b, inc, e, w)) == -1)
			break;
		if (e->links) {
			nl = incident_set_links(b->set, inc->id, NULL, 0);
			if (nl < 0 ||
			    (nl > 0 &&
				(links = nomem_malloc(
				     (size_t)nl * sizeof(*links))) == NULL)) {
				rc = -1;
				break;
			}
			incident_set_links(b->set, inc->id, links, (size_t)nl);
			rc = b->rows->set_links(b->db, inc->id, links,
			    (size_t)nl);
			free(links);
			links = NULL;
		}
		e->row = e->words = e->links = e->queued = 0;
	}
	if (rc == 0)
		b->ndirty = 0;
	return rc;
}

/* ---- associate_book_ops over the set, writing behind ------------------ */

static int
wb_candidates(void *book, const struct associate_query *q,
    associate_incident_fn fn, void *arg)
{
	return incident_set_ops.candidates(((struct fusionbook *)book)->set, q,
	    fn, arg);
}

static int
wb_get(void *book, const char *id, struct associate_incident *out)
{
	return incident_set_ops.get(((struct fusionbook *)book)->set, id, out);
}

static int
wb_members(void *book, const char *id, associate_obs_fn fn, void *arg)
{
	return incident_set_ops.members(((struct fusionbook *)book)->set, id,
	    fn, arg);
}

static int
wb_complaints(void *book, const struct associate_query *q, associate_obs_fn fn,
    void *arg)
{
	return incident_set_ops.complaints(((struct fusionbook *)book)->set, q,
	    fn, arg);
}

static int
wb_add_obs(void *book, const struct associate_obs *o, const char *incident)
{
	struct fusionbook *b = book;

	if (incident_set_ops.add_obs(b->set, o, incident) == -1) {
		log_warnx("store %s: fusion's book cannot take entry %lld: "
			  "out of memory, held already, or past its limits (%d "
			  "observations, log indexes below %lld)",
		    b->name, (long long)o->index, INCIDENT_SET_MAX_OBS,
		    (long long)INCIDENT_SET_MAX_INDEX);
		return -1;
	}
	/* The observation being applied (fusion adds no other). */
	if (b->placed != NULL && o->index == b->placed->index) {
		b->placed->located = o->located;
		b->placed->lat = o->lat;
		b->placed->lon = o->lon;
		snprintf(b->placed->incident, sizeof(b->placed->incident), "%s",
		    incident);
	}
	return b->rows->add_obs(b->db, o, incident);
}

static int
wb_move_obs(void *book, int64_t index, const char *incident)
{
	struct fusionbook *b = book;

	if (incident_set_ops.move_obs(b->set, index, incident) == -1)
		return -1;
	return b->rows->move_obs(b->db, index, incident);
}

static int
wb_put(void *book, const struct associate_incident *inc)
{
	struct fusionbook *b = book;
	struct fb_inc *e;
	int here;

	if (incident_set_ops.put(b->set, inc) == -1 ||
	    (e = fb_get(b, inc->id)) == NULL)
		return -1;
	e->row = 1;
	/* Whether the words change is decided here, at every change, from
	 * where they were last taken; the words are taken at the flush. */
	here = inc->located && isfinite(inc->lat) && isfinite(inc->lon) &&
	    fabs(inc->lat) <= 90 && fabs(inc->lon) <= 180;
	if (!(inc->located && e->described &&
		moved_m(e->dlat, e->dlon, inc->lat, inc->lon) <=
		    FUSIONBOOK_REWORD_M) &&
	    !(!inc->located && !e->described)) {
		e->words = 1;
		e->described = (unsigned)here;
		e->dlat = inc->lat;
		e->dlon = inc->lon;
	}
	return fb_queue(b, e);
}

static int
links_changed(struct fusionbook *b, const char *incident)
{
	struct fb_inc *e = fb_get(b, incident);

	if (e == NULL)
		return -1;
	e->links = 1;
	return fb_queue(b, e);
}

static int
wb_set_links(void *book, const char *incident, const int64_t *idx, size_t n)
{
	struct fusionbook *b = book;

	if (incident_set_ops.set_links(b->set, incident, idx, n) == -1)
		return -1;
	return links_changed(b, incident);
}

static int
wb_add_link(void *book, const char *incident, int64_t index)
{
	struct fusionbook *b = book;

	if (incident_set_ops.add_link(b->set, incident, index) == -1)
		return -1;
	return links_changed(b, incident);
}

static int
wb_decided(void *book, int64_t index, const char *incident, int applied,
    const char *message)
{
	struct fusionbook *b = book;

	if (incident_set_ops.decided(b->set, index, incident, applied,
		message) == -1)
		return -1;
	return b->rows->decided(b->db, index, incident, applied, message);
}

static struct associate_summary *
wb_summary(void *book, const char *id)
{
	return incident_set_ops.summary(((struct fusionbook *)book)->set, id);
}

static const struct associate_book_ops fusionbook_ops = {
	.candidates = wb_candidates,
	.get = wb_get,
	.members = wb_members,
	.add_obs = wb_add_obs,
	.move_obs = wb_move_obs,
	.put = wb_put,
	.complaints = wb_complaints,
	.set_links = wb_set_links,
	.add_link = wb_add_link,
	.decided = wb_decided,
	.summary = wb_summary,
};

int
fusionbook_apply(struct fusionbook *b, int64_t index, const json_t *entry,
    const char *id, struct fusionbook_placed *placed)
{
	struct associate_incident inc;
	int rc;

	if (placed != NULL) {
		placed->index = index;
		placed->incident[0] = '\0';
	}
	if (b->set == NULL && fusionbook_load(b) == -1)
		goto fail;
	b->placed = placed;
	rc = fusion_apply(b->fusion, &fusionbook_ops, b, index, entry, id);
	b->placed = NULL;
	if (rc == -1)
		goto fail;
	if (placed != NULL) {
		/* Seeded by it: as the tables say it (seed_idx = index). */
		if (placed->incident[0] != '\0' &&
		    incident_set_ops.get(b->set, placed->incident, &inc) == 1)
			placed->created = inc.seed_index == index;
		else
			placed->index = -1;
	}
	return 0;
fail:
	if (placed != NULL)
		placed->index = -1;
	return -1;
}
