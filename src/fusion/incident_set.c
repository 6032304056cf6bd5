/*
 * incident_set: the in-memory book (see incident_set.h). Open-addressing
 * hash tables map log indexes to observations, ids to incidents and grid
 * keys (group, kind, cell, hour) to the incidents or complaints whose box
 * and window touch them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/nomem.h"
#include "fusion/incident_set.h"

#define CELL_DEG 0.05	   /* finest cells: about 5.5 km */
#define BUCKET_MS 900000LL /* finest time buckets: 15 minutes */

#define CELL_INLINE 2
struct cell {
	uint64_t key; /* 0: empty (no real key is 0: bit 63 is set) */
	union {
		uint32_t *v;		  /* cap > CELL_INLINE */
		uint32_t in[CELL_INLINE]; /* cap == CELL_INLINE */
	} u;
	uint32_t n, cap; /* cap 0 is a new cell: CELL_INLINE */
};

static uint32_t *
cell_items(struct cell *c)
{
	return c->cap > CELL_INLINE ? c->u.v : c->u.in;
}

struct grid {
	struct cell *t;
	size_t cap, used;
};

/*
 * A hierarchical grid: level l has cells of CELL_DEG * 8^l degrees and
 * buckets of BUCKET_MS * 8^l. An item is registered at the finest level
 * where its box and window span at most SPAN_MAX cells and buckets in
 * each dimension (so at most SPAN_MAX^3 keys), or on the level's list of
 * "any place, any time" items past the last level. A query visits, at
 * each level, the cells its own box spans — or, when they outnumber the
 * level's items, the items directly — so its cost is bounded whatever the
 * sizes of the boxes.
 */
#define NLEVELS 5
#define SPAN_MAX 4

struct greg {	      /* an item's registration (kept by the item's owner) */
	int level;    /* 0..NLEVELS; -1 not registered */
	int class;    /* group * 2 + kind */
	uint32_t pos; /* in the level's item list */
	uint64_t *keys;
	size_t nkeys, capkeys;
};

#define NCLASSES 32 /* group (0..15) x kind (0..1) */

/* The cells of one time bucket of one level: items that are near in
 * time stay near in memory, so a stream in time order works in cache. */
struct bucket {
	uint64_t key; /* level and bucket number; 0: empty slot */
	struct grid g;
};

struct hgrid {
	struct bucket *b; /* open addressing by (level, bucket) */
	size_t bcap, bused;
	uint32_t *items[NLEVELS + 1]; /* registered items of each level */
	size_t nitems[NLEVELS + 1], capitems[NLEVELS + 1];
	size_t nclass[NLEVELS + 1][NCLASSES]; /* items by group and kind */
};

struct obs_rec {
	struct associate_obs o;
	uint32_t inc; /* slot of its incident */
};

struct inc_rec {
	struct associate_incident inc;
	uint32_t *mem; /* observation slots, in log order */
	size_t nmem, capmem;
	int64_t *links; /* complaint log indexes, ascending */
	size_t nlinks, caplinks;
	struct greg reg;	       /* where it is in the grid */
	struct associate_summary *sum; /* running summary; NULL: none yet */
};

struct slot_map { /* int64 or hashed-string key -> slot */
	uint64_t *key;
	uint32_t *val; /* slot + 1; 0 empty */
	size_t cap, used;
};

struct incident_set {
	struct obs_rec *obs;
	size_t nobs, capobs;
	struct inc_rec *inc;
	size_t ninc, capinc;
	uint32_t *by_index; /* log index -> observation slot + 1 */
	size_t capindex;
	struct slot_map by_id;
	struct hgrid igrid, cgrid;
	uint32_t stamp;
	uint32_t *istamp; /* per incident slot, for queries */
	size_t capistamp;
	uint32_t *cstamp; /* per observation slot, for complaint queries */
	size_t capstamp;
	size_t applied, refused;
	size_t last_slot; /* the incident looked up last */
};

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t
hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((np = nomem_realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* ---- slot maps ---------------------------------------------------- */

static int map_put(struct slot_map *m, uint64_t key, uint32_t slot);

static int
map_rehash(struct slot_map *m)
{
	struct slot_map n;
	size_t i;

	n.cap = m->cap ? m->cap * 2 : 1024;
	n.used = 0;
	n.key = nomem_calloc(n.cap, sizeof(*n.key));
	n.val = nomem_calloc(n.cap, sizeof(*n.val));
	if (n.key == NULL || n.val == NULL) {
		free(n.key);
		free(n.val);
		return -1;
	}
	for (i = 0; i < m->cap; i++)
		if (m->val[i] != 0)
			map_put(&n, m->key[i], m->val[i] - 1);
	free(m->key);
	free(m->val);
	*m = n;
	return 0;
}

/* Inserts key -> slot (duplicate keys allowed: string ids collide). */
static int
map_put(struct slot_map *m, uint64_t key, uint32_t slot)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap && map_rehash(m) == -1)
		return -1;
	i = mix(key) & (m->cap - 1);
	while (m->val[i] != 0)
		i = (i + 1) & (m->cap - 1);
	m->key[i] = key;
	m->val[i] = slot + 1;
	m->used++;
	return 0;
}

static long
obs_slot(const struct incident_set *s, int64_t index)
{
	if (index < 0 || (uint64_t)index >= s->capindex ||
	    s->by_index[index] == 0)
		return -1;
	return (long)s->by_index[index] - 1;
}

/* The slot of incident id, or -1. */
static long
inc_lookup(const struct incident_set *s, const char *id)
{
	const struct slot_map *m = &s->by_id;
	uint64_t h = hash_id(id);
	size_t i;

	if (m->cap == 0)
		return -1;
	i = mix(h) & (m->cap - 1);
	while (m->val[i] != 0) {
		if (m->key[i] == h &&
		    strcmp(s->inc[m->val[i] - 1].inc.id, id) == 0)
			return (long)m->val[i] - 1;
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

/* The same, remembering the last answer: one placement asks for the same
 * incident several times. */
static long
inc_slot(struct incident_set *s, const char *id)
{
	long k;

	if (s->last_slot < s->ninc &&
	    strcmp(s->inc[s->last_slot].inc.id, id) == 0)
		return (long)s->last_slot;
	if ((k = inc_lookup(s, id)) >= 0)
		s->last_slot = (size_t)k;
	return k;
}

/* ---- the grid ----------------------------------------------------- */

static uint64_t
grid_key(int level, int group, int kind, int64_t cx, int64_t cy, int64_t tb)
{
	return (1ULL << 63) | ((uint64_t)(level & 7) << 60) |
	    ((uint64_t)(tb & 0xfffffff) << 32) |
	    ((uint64_t)((cx + 4096) & 0x1fff) << 19) |
	    ((uint64_t)((cy + 2048) & 0xfff) << 7) |
	    ((uint64_t)(group & 0xf) << 3) | ((uint64_t)(kind & 1) << 2);
}

static struct cell *grid_find(struct grid *g, uint64_t key, int create);

static int
grid_rehash(struct grid *g)
{
	struct cell *old = g->t, *c;
	size_t oldcap = g->cap, i;

	g->cap = g->cap ? g->cap * 2 : 64;
	if ((g->t = nomem_calloc(g->cap, sizeof(*g->t))) == NULL) {
		g->t = old;
		g->cap = oldcap;
		return -1;
	}
	g->used = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == 0)
			continue;
		c = grid_find(g, old[i].key, 1);
		*c = old[i];
	}
	free(old);
	return 0;
}

static struct cell *
grid_find(struct grid *g, uint64_t key, int create)
{
	size_t i;

	if (create && (g->used + 1) * 2 > g->cap && grid_rehash(g) == -1)
		return NULL;
	if (g->cap == 0)
		return NULL;
	i = mix(key) & (g->cap - 1);
	while (g->t[i].key != 0) {
		if (g->t[i].key == key)
			return &g->t[i];
		i = (i + 1) & (g->cap - 1);
	}
	if (!create)
		return NULL;
	g->t[i].key = key;
	g->used++;
	return &g->t[i];
}

static uint64_t
bucket_key(uint64_t cell_key)
{
	/* marker, level and time bucket: the top 32 bits of a cell key */
	return cell_key >> 32;
}

static struct bucket *bucket_find(struct hgrid *h, uint64_t key, int create);

static int
bucket_rehash(struct hgrid *h)
{
	struct bucket *old = h->b, *nb;
	size_t oldcap = h->bcap, i;

	h->bcap = h->bcap ? h->bcap * 2 : 1024;
	if ((h->b = nomem_calloc(h->bcap, sizeof(*h->b))) == NULL) {
		h->b = old;
		h->bcap = oldcap;
		return -1;
	}
	h->bused = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == 0)
			continue;
		nb = bucket_find(h, old[i].key, 1);
		*nb = old[i];
	}
	free(old);
	return 0;
}

static struct bucket *
bucket_find(struct hgrid *h, uint64_t key, int create)
{
	size_t i;

	if (create && (h->bused + 1) * 2 > h->bcap && bucket_rehash(h) == -1)
		return NULL;
	if (h->bcap == 0)
		return NULL;
	i = mix(key) & (h->bcap - 1);
	while (h->b[i].key != 0) {
		if (h->b[i].key == key)
			return &h->b[i];
		i = (i + 1) & (h->bcap - 1);
	}
	if (!create)
		return NULL;
	h->b[i].key = key;
	h->bused++;
	return &h->b[i];
}

/* The cell of key in h, created when asked; NULL if none (or no memory). */
static struct cell *
hcell(struct hgrid *h, uint64_t key, int create)
{
	struct bucket *b = bucket_find(h, bucket_key(key), create);

	return b == NULL ? NULL : grid_find(&b->g, key, create);
}

/* What an item or a query covers: a box in degrees and a time window. */
struct extent {
	double min_lat, max_lat, min_lon, max_lon;
	int64_t from, to;
};

struct span {
	int64_t cx0, cx1, cy0, cy1, tb0, tb1;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
span_at(const struct extent *e, int level, struct span *sp)
{
	double deg = CELL_DEG;
	int64_t ms = BUCKET_MS;
	int l;

	for (l = 0; l < level; l++) {
		deg *= 8;
		ms *= 8;
	}
	sp->cx0 = (int64_t)floor(fmax(-180, e->min_lon) / deg);
	sp->cx1 = (int64_t)floor(fmin(180, e->max_lon) / deg);
	sp->cy0 = (int64_t)floor(fmax(-90, e->min_lat) / deg);
	sp->cy1 = (int64_t)floor(fmin(90, e->max_lat) / deg);
	sp->tb0 = floor_div(e->from, ms);
	sp->tb1 = floor_div(e->to, ms);
}

/* An item's extent: its box (associate_box) and window. */
static void
extent_of(double lat, double lon, double r_m, int64_t from, int64_t to,
    struct extent *e)
{
	struct associate_query q;

	associate_box(lat, lon, r_m, &q);
	e->min_lat = q.min_lat;
	e->max_lat = q.max_lat;
	e->min_lon = q.min_lon;
	e->max_lon = q.max_lon;
	e->from = from;
	e->to = to;
}

static int
cell_add(struct cell *c, uint32_t item)
{
	uint32_t *nv;

	if (c->cap == 0)
		c->cap = CELL_INLINE;
	if (c->n == c->cap) {
		if (c->cap == CELL_INLINE) {
			if ((nv = nomem_malloc(
				 2 * CELL_INLINE * sizeof(*nv))) == NULL)
				return -1;
			memcpy(nv, c->u.in, sizeof(c->u.in));
		} else if ((nv = nomem_realloc(c->u.v,
				2 * (size_t)c->cap * sizeof(*nv))) == NULL)
			return -1;
		c->u.v = nv;
		c->cap *= 2;
	}
	cell_items(c)[c->n++] = item;
	return 0;
}

static void
cell_del(struct cell *c, uint32_t item)
{
	uint32_t *v = cell_items(c), i;

	for (i = 0; i < c->n; i++)
		if (v[i] == item) {
			v[i] = v[--c->n];
			return;
		}
}

/*
 * Registers item (with reg, its owner's record; pos_of finds the record of
 * another item to fix its position after a removal) under extent e for
 * group and kind.
 */
static int
hgrid_add(struct hgrid *h, uint32_t item, struct greg *reg,
    const struct extent *e, int group, int kind)
{
	struct span sp;
	struct cell *c;
	int64_t x, y, t;
	void *v;
	int l;

	for (l = 0; l < NLEVELS; l++) {
		span_at(e, l, &sp);
		if (sp.cx1 - sp.cx0 < SPAN_MAX && sp.cy1 - sp.cy0 < SPAN_MAX &&
		    sp.tb1 - sp.tb0 < SPAN_MAX)
			break;
	}
	v = h->items[l];
	if (grow(&v, &h->capitems[l], h->nitems[l] + 1, sizeof(uint32_t)) == -1)
		return -1;
	h->items[l] = v;
	reg->level = l;
	reg->class = ((group & 0xf) << 1 | (kind & 1)) % NCLASSES;
	h->nclass[l][reg->class]++;
	reg->pos = (uint32_t)h->nitems[l];
	h->items[l][h->nitems[l]++] = item;
	reg->nkeys = 0;
	if (l == NLEVELS)
		return 0;
	for (t = sp.tb0; t <= sp.tb1; t++)
		for (x = sp.cx0; x <= sp.cx1; x++)
			for (y = sp.cy0; y <= sp.cy1; y++) {
				uint64_t k = grid_key(l, group, kind, x, y, t);

				if ((c = hcell(h, k, 1)) == NULL ||
				    cell_add(c, item) == -1)
					return -1;
				v = reg->keys;
				if (grow(&v, &reg->capkeys, reg->nkeys + 1,
					sizeof(*reg->keys)) == -1)
					return -1;
				reg->keys = v;
				reg->keys[reg->nkeys++] = k;
			}
	return 0;
}

/*
 * Unregisters item; the item moved into its place in the level list gets
 * its position fixed through moved (its record), found by the caller's
 * reg_of.
 */
static void
hgrid_del(struct hgrid *h, uint32_t item, struct greg *reg,
    struct greg *(*reg_of)(void *ctx, uint32_t item), void *ctx)
{
	struct cell *c;
	uint32_t last;
	size_t i;
	int l = reg->level;

	if (l < 0)
		return;
	for (i = 0; i < reg->nkeys; i++)
		if ((c = hcell(h, reg->keys[i], 0)) != NULL)
			cell_del(c, item);
	reg->nkeys = 0;
	h->nclass[l][reg->class]--;
	last = h->items[l][--h->nitems[l]];
	if (last != item) {
		h->items[l][reg->pos] = last;
		reg_of(ctx, last)->pos = reg->pos;
	}
	reg->level = -1;
}

/* Visits the items of cell c not seen yet in this query. */
static int
visit_cell(struct cell *c, uint32_t *stamps, uint32_t stamp,
    int (*visit)(void *ctx, uint32_t item), void *ctx)
{
	uint32_t i, it;

	for (i = 0; i < c->n; i++) {
		it = cell_items(c)[i];
		if (stamps[it] == stamp)
			continue;
		stamps[it] = stamp;
		if (visit(ctx, it) != 0)
			return 1;
	}
	return 0;
}

/*
 * Calls visit for every item registered where a query of extent e for
 * group and kind may meet it (each once: stamps[] and stamp). Stops when
 * visit returns non-zero. In each time bucket, the query looks up the
 * cells its box spans, or — when they outnumber the bucket's cells (a
 * very uncertain position) — walks the bucket's cells instead, so the
 * cost stays bounded by what the window holds.
 */
static void
hgrid_query(struct hgrid *h, const struct extent *e, int group, int kind,
    uint32_t *stamps, uint32_t stamp, int (*visit)(void *ctx, uint32_t item),
    void *ctx)
{
	const uint64_t class_mask = (0xfULL << 3) | (1ULL << 2);
	uint64_t class_bits = grid_key(0, group, kind, 0, 0, 0) & class_mask;
	struct bucket *b;
	struct span sp;
	struct cell *c;
	int64_t x, y, t;
	double cells;
	uint32_t it;
	size_t k;
	int l;

	for (l = 0; l <= NLEVELS; l++) {
		if (h->nclass[l][((group & 0xf) << 1 | (kind & 1)) %
			NCLASSES] == 0)
			continue;
		if (l == NLEVELS) {
			for (k = 0; k < h->nitems[l]; k++) {
				it = h->items[l][k];
				if (stamps[it] == stamp)
					continue;
				stamps[it] = stamp;
				if (visit(ctx, it) != 0)
					return;
			}
			continue;
		}
		span_at(e, l, &sp);
		cells = (double)(sp.cx1 - sp.cx0 + 1) *
		    (double)(sp.cy1 - sp.cy0 + 1);
		for (t = sp.tb0; t <= sp.tb1; t++) {
			b = bucket_find(h,
			    bucket_key(grid_key(l, 0, 0, 0, 0, t)), 0);
			if (b == NULL || b->g.used == 0)
				continue;
			if (cells > (double)b->g.used) {
				for (k = 0; k < b->g.cap; k++) {
					c = &b->g.t[k];
					if (c->key == 0 ||
					    (c->key & class_mask) != class_bits)
						continue;
					if (visit_cell(c, stamps, stamp, visit,
						ctx))
						return;
				}
				continue;
			}
			for (x = sp.cx0; x <= sp.cx1; x++)
				for (y = sp.cy0; y <= sp.cy1; y++) {
					c = grid_find(&b->g,
					    grid_key(l, group, kind, x, y, t),
					    0);
					if (c != NULL &&
					    visit_cell(c, stamps, stamp, visit,
						ctx))
						return;
				}
		}
	}
}

static void
hgrid_free(struct hgrid *h)
{
	size_t i;
	int l;

	size_t k;

	for (k = 0; k < h->bcap; k++) {
		if (h->b[k].key == 0)
			continue;
		for (i = 0; i < h->b[k].g.cap; i++)
			if (h->b[k].g.t[i].cap > CELL_INLINE)
				free(h->b[k].g.t[i].u.v);
		free(h->b[k].g.t);
	}
	free(h->b);
	for (l = 0; l <= NLEVELS; l++)
		free(h->items[l]);
}

static struct greg *
inc_reg(void *ctx, uint32_t item)
{
	return &((struct incident_set *)ctx)->inc[item].reg;
}

/* Takes incident slot out of the grid. */
static void
unregister_inc(struct incident_set *s, uint32_t slot)
{
	hgrid_del(&s->igrid, slot, &s->inc[slot].reg, inc_reg, s);
}

/* Puts a live, located incident into the grid under its box and window. */
static int
register_inc(struct incident_set *s, uint32_t slot)
{
	const struct associate_incident *inc = &s->inc[slot].inc;
	struct extent e;

	if (!inc->live || !inc->located)
		return 0;
	extent_of(inc->lat, inc->lon, inc->search_m, inc->g_from, inc->g_to,
	    &e);
	return hgrid_add(&s->igrid, slot, &s->inc[slot].reg, &e, inc->group,
	    inc->kind);
}

/* Registers a complaint observation once (complaints never move). */
static int
register_complaint(struct incident_set *s, uint32_t slot)
{
	const struct associate_obs *o = &s->obs[slot].o;
	struct greg reg;
	struct extent e;
	int rc;

	if (!o->located)
		return 0;
	memset(&reg, 0, sizeof(reg));
	extent_of(o->lat, o->lon, o->search_m, o->w_from, o->w_to, &e);
	rc = hgrid_add(&s->cgrid, slot, &reg, &e, 0, 0);
	free(reg.keys); /* complaints are never unregistered */
	return rc;
}

/* ---- public --------------------------------------------------------- */

struct incident_set *
incident_set_new(void)
{
	return nomem_calloc(1, sizeof(struct incident_set));
}

void
incident_set_free(struct incident_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ninc; i++) {
		free(s->inc[i].mem);
		free(s->inc[i].links);
		free(s->inc[i].reg.keys);
		associate_summary_free(s->inc[i].sum);
	}
	free(s->inc);
	free(s->obs);
	free(s->cstamp);
	free(s->istamp);
	free(s->by_index);
	free(s->by_id.key);
	free(s->by_id.val);
	hgrid_free(&s->igrid);
	hgrid_free(&s->cgrid);
	free(s);
}

size_t
incident_set_count(const struct incident_set *s)
{
	return s->ninc;
}

const struct associate_incident *
incident_set_incident(const struct incident_set *s, size_t i)
{
	return i < s->ninc ? &s->inc[i].inc : NULL;
}

long
incident_set_find(const struct incident_set *s, const char *id)
{
	return inc_lookup(s, id);
}

const char *
incident_set_incident_of(const struct incident_set *s, int64_t index)
{
	long k = obs_slot(s, index);

	return k < 0 ? NULL : s->inc[s->obs[k].inc].inc.id;
}

long
incident_set_links(const struct incident_set *s, const char *id, int64_t *idx,
    size_t max)
{
	long k = inc_lookup(s, id);
	size_t i;

	if (k < 0)
		return -1;
	for (i = 0; i < s->inc[k].nlinks && i < max; i++)
		idx[i] = s->inc[k].links[i];
	return (long)s->inc[k].nlinks;
}

void
incident_set_decisions(const struct incident_set *s, size_t *applied,
    size_t *refused)
{
	*applied = s->applied;
	*refused = s->refused;
}

/* ---- book operations ------------------------------------------------ */

struct visit_inc {
	struct incident_set *s;
	const struct associate_query *q;
	associate_incident_fn fn;
	void *arg;
};

static int
visit_inc(void *ctx, uint32_t item)
{
	struct visit_inc *v = ctx;
	const struct associate_incident *inc = &v->s->inc[item].inc;

	/* Items past the last level share one list: check group and kind. */
	if (inc->group != v->q->group || inc->kind != v->q->kind)
		return 0;
	return v->fn(v->arg, inc);
}

static int
op_candidates(void *book, const struct associate_query *q,
    associate_incident_fn fn, void *arg)
{
	struct incident_set *s = book;
	struct visit_inc v = { s, q, fn, arg };
	struct extent e = { q->min_lat, q->max_lat, q->min_lon, q->max_lon,
		q->from, q->to };

	hgrid_query(&s->igrid, &e, q->group, q->kind, s->istamp, ++s->stamp,
	    visit_inc, &v);
	return 0;
}

static int
op_get(void *book, const char *id, struct associate_incident *out)
{
	struct incident_set *s = book;
	long k = inc_slot(s, id);

	if (k < 0)
		return 0;
	*out = s->inc[k].inc;
	return 1;
}

static int
op_members(void *book, const char *id, associate_obs_fn fn, void *arg)
{
	struct incident_set *s = book;
	long k = inc_slot(s, id);
	size_t i;

	for (i = 0; k >= 0 && i < s->inc[k].nmem; i++)
		if (fn(arg, &s->obs[s->inc[k].mem[i]].o) != 0)
			break;
	return 0;
}

/* The slot of incident id, created (empty, live) when new. */
static long
inc_slot_create(struct incident_set *s, const char *id)
{
	long k = inc_slot(s, id);
	void *v = s->inc, *st = s->istamp;

	if (k >= 0)
		return k;
	if (grow(&v, &s->capinc, s->ninc + 1, sizeof(*s->inc)) == -1)
		return -1;
	s->inc = v;
	if (grow(&st, &s->capistamp, s->ninc + 1, sizeof(*s->istamp)) == -1)
		return -1;
	s->istamp = st;
	s->istamp[s->ninc] = 0;
	memset(&s->inc[s->ninc], 0, sizeof(s->inc[s->ninc]));
	s->inc[s->ninc].reg.level = -1;
	snprintf(s->inc[s->ninc].inc.id, sizeof(s->inc[s->ninc].inc.id), "%s",
	    id);
	s->inc[s->ninc].inc.live = 1;
	if (map_put(&s->by_id, hash_id(id), (uint32_t)s->ninc) == -1)
		return -1;
	return (long)s->ninc++;
}

/* Adds observation slot to incident k's members, in log order. */
static int
member_add(struct incident_set *s, long k, uint32_t slot)
{
	struct inc_rec *r = &s->inc[k];
	void *v = r->mem;
	size_t i;

	if (grow(&v, &r->capmem, r->nmem + 1, sizeof(*r->mem)) == -1)
		return -1;
	r->mem = v;
	i = r->nmem;
	while (i > 0 && s->obs[r->mem[i - 1]].o.index > s->obs[slot].o.index) {
		r->mem[i] = r->mem[i - 1];
		i--;
	}
	r->mem[i] = slot;
	r->nmem++;
	s->obs[slot].inc = (uint32_t)k;
	return 0;
}

static void
member_del(struct incident_set *s, long k, uint32_t slot)
{
	struct inc_rec *r = &s->inc[k];
	size_t i;

	for (i = 0; i < r->nmem; i++)
		if (r->mem[i] == slot) {
			memmove(&r->mem[i], &r->mem[i + 1],
			    (r->nmem - i - 1) * sizeof(*r->mem));
			r->nmem--;
			return;
		}
}

static int
op_add_obs(void *book, const struct associate_obs *o, const char *incident)
{
	struct incident_set *s = book;
	void *v = s->obs, *st = s->cstamp;
	long k;

	if (s->nobs >= INCIDENT_SET_MAX_OBS || o->index < 0 ||
	    o->index >= INCIDENT_SET_MAX_INDEX || obs_slot(s, o->index) >= 0)
		return -1;
	if ((uint64_t)o->index >= s->capindex) {
		/* Log indexes are dense: a direct table, doubled as needed. */
		size_t ncap = s->capindex ? s->capindex : 1024;
		uint32_t *nt;

		while (ncap <= (uint64_t)o->index)
			ncap *= 2;
		if ((nt = nomem_realloc(s->by_index, ncap * sizeof(*nt))) ==
		    NULL)
			return -1;
		memset(nt + s->capindex, 0, (ncap - s->capindex) * sizeof(*nt));
		s->by_index = nt;
		s->capindex = ncap;
	}
	if (grow(&v, &s->capobs, s->nobs + 1, sizeof(*s->obs)) == -1)
		return -1;
	s->obs = v;
	if (grow(&st, &s->capstamp, s->nobs + 1, sizeof(*s->cstamp)) == -1)
		return -1;
	s->cstamp = st;
	s->obs[s->nobs].o = *o;
	s->obs[s->nobs].o.note = NULL; /* borrowed: not kept */
	s->cstamp[s->nobs] = 0;
	s->by_index[o->index] = (uint32_t)s->nobs + 1;
	if ((k = inc_slot_create(s, incident)) < 0 ||
	    member_add(s, k, (uint32_t)s->nobs) == -1)
		return -1;
	if (o->complaint && register_complaint(s, (uint32_t)s->nobs) == -1)
		return -1;
	s->nobs++;
	return 0;
}

static int
op_move_obs(void *book, int64_t index, const char *incident)
{
	struct incident_set *s = book;
	long slot = obs_slot(s, index), k;

	if (slot < 0 || (k = inc_slot_create(s, incident)) < 0)
		return -1;
	member_del(s, (long)s->obs[slot].inc, (uint32_t)slot);
	return member_add(s, k, (uint32_t)slot);
}

static int
op_put(void *book, const struct associate_incident *inc)
{
	struct incident_set *s = book;
	long k = inc_slot_create(s, inc->id);

	if (k < 0)
		return -1;
	unregister_inc(s, (uint32_t)k);
	s->inc[k].inc = *inc;
	return register_inc(s, (uint32_t)k);
}

struct visit_obs {
	struct incident_set *s;
	associate_obs_fn fn;
	void *arg;
};

static int
visit_obs(void *ctx, uint32_t item)
{
	struct visit_obs *v = ctx;

	return v->fn(v->arg, &v->s->obs[item].o);
}

static int
op_complaints(void *book, const struct associate_query *q, associate_obs_fn fn,
    void *arg)
{
	struct incident_set *s = book;
	struct visit_obs v = { s, fn, arg };
	struct extent e = { q->min_lat, q->max_lat, q->min_lon, q->max_lon,
		q->from, q->to };

	hgrid_query(&s->cgrid, &e, 0, 0, s->cstamp, ++s->stamp, visit_obs, &v);
	return 0;
}

static int
op_set_links(void *book, const char *incident, const int64_t *idx, size_t n)
{
	struct incident_set *s = book;
	long k = inc_slot_create(s, incident);
	void *v;

	if (k < 0)
		return -1;
	v = s->inc[k].links;
	if (grow(&v, &s->inc[k].caplinks, n, sizeof(*idx)) == -1)
		return -1;
	s->inc[k].links = v;
	if (n > 0)
		memcpy(s->inc[k].links, idx, n * sizeof(*idx));
	s->inc[k].nlinks = n;
	return 0;
}

static int
op_add_link(void *book, const char *incident, int64_t index)
{
	struct incident_set *s = book;
	long k = inc_slot_create(s, incident);
	struct inc_rec *r;
	void *v;
	size_t i;

	if (k < 0)
		return -1;
	r = &s->inc[k];
	for (i = 0; i < r->nlinks; i++)
		if (r->links[i] == index)
			return 0;
	v = r->links;
	if (grow(&v, &r->caplinks, r->nlinks + 1, sizeof(*r->links)) == -1)
		return -1;
	r->links = v;
	i = r->nlinks;
	while (i > 0 && r->links[i - 1] > index) {
		r->links[i] = r->links[i - 1];
		i--;
	}
	r->links[i] = index;
	r->nlinks++;
	return 0;
}

static int
op_decided(void *book, int64_t index, const char *incident, int applied,
    const char *message)
{
	struct incident_set *s = book;

	(void)index;
	(void)incident;
	(void)message;
	if (applied)
		s->applied++;
	else
		s->refused++;
	return 0;
}

static struct associate_summary *
op_summary(void *book, const char *id)
{
	struct incident_set *s = book;
	long k = inc_slot(s, id);

	if (k < 0)
		return NULL;
	if (s->inc[k].sum == NULL)
		s->inc[k].sum = associate_summary_new();
	return s->inc[k].sum;
}

const struct associate_book_ops incident_set_ops = {
	.candidates = op_candidates,
	.get = op_get,
	.members = op_members,
	.add_obs = op_add_obs,
	.move_obs = op_move_obs,
	.put = op_put,
	.complaints = op_complaints,
	.set_links = op_set_links,
	.add_link = op_add_link,
	.decided = op_decided,
	.summary = op_summary,
};
