/*
 * associate: the association rules and the incremental associator (see
 * associate.h and docs/fusion.md). Distances are taken in the local
 * east-north-up frame of the incident (locate/ellipsoid.h, exact ECEF).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/nomem.h"
#include "fusion/associate.h"
#include "locate/ellipsoid.h"
#include "record/observation.h"

/* Time precision of each source type (docs/fusion.md, "Time windows"). */
static const struct {
	const char *type;
	int64_t before_ms, after_ms;
} tolerances[] = {
	/* People log an event after it happens, to the minute: the event may
	 * precede the logged time by the reporting delay, and follow it by
	 * at most the minute that the logged time was rounded down to. */
	{ "patrol", 300000, 60000 },
	{ "observation_post", 120000, 60000 },
	{ "uav", 7200000, 60000 }, /* a frame often shows the aftermath */
	{ "camera", 30000, 30000 },
	{ "acoustic_sensor", 60000, 2000 }, /* sound travels a minute */
	{ "radar", 10000, 10000 },
	{ "complaint", 3600000, 3600000 },
	{ "media", 3600000, 3600000 },
	{ "other", 1800000, 1800000 },
};
#define SOLVED_TOLERANCE_MS 2000 /* a sensor fix's own emission time */

static const struct {
	const char *category;
	int group;
} groups[] = {
	{ "explosion", ASSOCIATE_IMPACT },
	{ "projectile_in_flight", ASSOCIATE_IMPACT },
	{ "drone_strike", ASSOCIATE_IMPACT },
	{ "burst_or_shot", ASSOCIATE_FIRE },
	{ "small_arms_fire", ASSOCIATE_FIRE },
	{ "muzzle_flash", ASSOCIATE_FIRE },
	{ "illumination_flare", ASSOCIATE_FLARE },
	{ "airspace_violation", ASSOCIATE_AIR },
	{ "movement_in_restricted_zone", ASSOCIATE_MOVEMENT },
	{ "fortification_work", ASSOCIATE_WORKS },
	{ "mine_or_uxo", ASSOCIATE_MINE },
	{ "other", ASSOCIATE_OTHER },
};

/* Name and extent sigma (metres) of each group, in enum order. */
static const struct {
	const char *name;
	double extent_m;
} group_info[ASSOCIATE_NGROUPS] = {
	{ "impact", 250 },
	{ "fire", 150 },
	{ "flare", 500 },
	{ "air", 2000 },
	{ "movement", 300 },
	{ "works", 200 },
	{ "mine", 50 },
	{ "other", 250 },
};

static const char *const qualifier_names[] = { "exact", "about", "at_least" };

const char *
associate_category_name(int i)
{
	return i < 0 ? NULL : observation_category((size_t)i);
}

int
associate_category(const char *name)
{
	const char *c;
	int i;

	for (i = 0; (c = observation_category((size_t)i)) != NULL; i++)
		if (strcmp(c, name) == 0)
			return i;
	return -1;
}

const char *
associate_source_type_name(int i)
{
	return i < 0 ? NULL : observation_source_type((size_t)i);
}

int
associate_source_type(const char *name)
{
	const char *c;
	int i;

	for (i = 0; (c = observation_source_type((size_t)i)) != NULL; i++)
		if (strcmp(c, name) == 0)
			return i;
	return -1;
}

int
associate_group_of(int category)
{
	const char *name = associate_category_name(category);
	size_t i;

	for (i = 0; name != NULL && i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(groups[i].category, name) == 0)
			return groups[i].group;
	return ASSOCIATE_OTHER;
}

const char *
associate_group_name(int group)
{
	return group >= 0 && group < ASSOCIATE_NGROUPS ? group_info[group].name
						       : "other";
}

double
associate_extent_m(int group)
{
	return group >= 0 && group < ASSOCIATE_NGROUPS
	    ? group_info[group].extent_m
	    : group_info[ASSOCIATE_OTHER].extent_m;
}

const char *
associate_qualifier_name(int q)
{
	return q >= 0 && q <= ASSOCIATE_AT_LEAST ? qualifier_names[q] : "exact";
}

int
associate_qualifier(const char *name)
{
	int i;

	for (i = 0; i <= ASSOCIATE_AT_LEAST; i++)
		if (strcmp(qualifier_names[i], name) == 0)
			return i;
	return -1;
}

void
associate_time_tolerance(int source_type, int solved, int64_t *before_ms,
    int64_t *after_ms)
{
	const char *name = associate_source_type_name(source_type);
	size_t i;

	*before_ms = *after_ms = 1800000; /* unknown: as "other" */
	if (solved) {
		*before_ms = *after_ms = SOLVED_TOLERANCE_MS;
		return;
	}
	for (i = 0;
	     name != NULL && i < sizeof(tolerances) / sizeof(tolerances[0]);
	     i++)
		if (strcmp(tolerances[i].type, name) == 0) {
			*before_ms = tolerances[i].before_ms;
			*after_ms = tolerances[i].after_ms;
		}
}

uint64_t
associate_source_hash(const char *type, const char *member,
    const char *organisation, const char *unit)
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];
	const char *part[4] = { type, member, organisation, unit };
	uint64_t v = 0;
	int i;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < 4; i++) {
		if (i > 0)
			crypto_hash_sha256_update(&st, (const uint8_t *)"|", 1);
		if (part[i] != NULL)
			crypto_hash_sha256_update(&st, (const uint8_t *)part[i],
			    strlen(part[i]));
	}
	crypto_hash_sha256_final(&st, h);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return v;
}

void
associate_seed_id(const char *obs_id, char id[ASSOCIATE_ID_LEN + 1])
{
	snprintf(id, ASSOCIATE_ID_LEN + 1, "inc-%.24s", obs_id);
}

void
associate_split_id(const char *parent, int64_t index,
    char id[ASSOCIATE_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char msg[128], hex[2 * crypto_hash_sha256_BYTES + 1];
	int n;

	n = snprintf(msg, sizeof(msg), "truce-split\n%s\n%lld", parent,
	    (long long)index);
	crypto_hash_sha256(h, (const uint8_t *)msg, (size_t)n);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(id, ASSOCIATE_ID_LEN + 1, "inc-%.24s", hex);
}

/* Largest eigenvalue of the symmetric {a, b, c} = [[a, b], [b, c]]. */
static double
lambda_max(const double m[3])
{
	double tr = m[0] + m[2], det = m[0] * m[2] - m[1] * m[1];

	return tr / 2 + sqrt(fmax(0, tr * tr / 4 - det));
}

/* Inverts the symmetric 2x2 m into out; -1 if singular. */
static int
inverse2(const double m[3], double out[3])
{
	double det = m[0] * m[2] - m[1] * m[1];

	if (!(det > 0) || !isfinite(det))
		return -1;
	out[0] = m[2] / det;
	out[1] = -m[1] / det;
	out[2] = m[0] / det;
	return 0;
}

double
associate_obs_radius(const struct associate_obs *o)
{
	double e = associate_extent_m(o->group);

	return sqrt(ASSOCIATE_GATE_CHI2 * (lambda_max(o->cov) + e * e));
}

/* East and north of (lat, lon) in frame f, metres. */
static void
to_enu(const struct ellipsoid_enu *f, double lat, double lon, double en[2])
{
	double xyz[3], enu[3];

	ellipsoid_to_ecef(lat, lon, 0, xyz);
	ellipsoid_enu_from_ecef(f, xyz, enu);
	en[0] = enu[0];
	en[1] = enu[1];
}

double
associate_distance2(const struct associate_obs *o,
    const struct associate_incident *inc)
{
	struct ellipsoid_enu f;
	double d[2], s[3], w[3], e = associate_extent_m(inc->group);

	if (!o->located || !inc->located)
		return INFINITY;
	ellipsoid_enu_init(&f, inc->lat, inc->lon, 0);
	to_enu(&f, o->lat, o->lon, d);
	s[0] = o->cov[0] + inc->cov[0] + e * e;
	s[1] = o->cov[1] + inc->cov[1];
	s[2] = o->cov[2] + inc->cov[2] + e * e;
	if (inverse2(s, w) == -1)
		return INFINITY;
	return d[0] * d[0] * w[0] + 2 * d[0] * d[1] * w[1] + d[1] * d[1] * w[2];
}

double
associate_time2(const struct associate_obs *o,
    const struct associate_incident *inc)
{
	double oc = ((double)o->w_from + (double)o->w_to) / 2;
	double ic = ((double)inc->g_from + (double)inc->g_to) / 2;
	double os = ((double)o->w_to - (double)o->w_from) / 4;
	double is = ((double)inc->g_to - (double)inc->g_from) / 4;
	double dt = oc - ic;

	/* + 1 ms^2: two instants still compare */
	return dt * dt / (os * os + is * is + 1.0);
}

static int
overlaps(int64_t a_from, int64_t a_to, int64_t b_from, int64_t b_to)
{
	return a_from <= b_to && b_from <= a_to;
}

/* Orders pointers to members by source key, then log index. */
static int
cmp_source(const void *a, const void *b)
{
	const struct associate_obs *x = *(const struct associate_obs *const *)a;
	const struct associate_obs *y = *(const struct associate_obs *const *)b;

	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A stronger claim of the same number: exact, then about, then at least. */
static int
better_qualifier(int a, int b)
{
	return a < b;
}

/*
 * The count rule (docs/fusion.md): within one source its reports of the
 * incident add up (they describe different moments of it); across sources
 * the largest total wins, never the sum. A source's total is exact if all
 * its reports were, at least if any was, else about.
 */
static void
count_rule(const struct associate_obs *const *u, size_t n, int64_t *count,
    int *qualifier, int *nsources)
{
	int64_t best = 0, sum;
	int bq = ASSOCIATE_EXACT, q;
	size_t i, j;

	*nsources = 0;
	for (i = 0; i < n; i = j) {
		sum = 0;
		q = ASSOCIATE_EXACT;
		for (j = i; j < n && u[j]->source == u[i]->source; j++) {
			sum += u[j]->count;
			if (sum > 1000000000)
				sum = 1000000000;
			if (u[j]->qualifier == ASSOCIATE_AT_LEAST)
				q = ASSOCIATE_AT_LEAST;
			else if (u[j]->qualifier == ASSOCIATE_ABOUT &&
			    q == ASSOCIATE_EXACT)
				q = ASSOCIATE_ABOUT;
		}
		(*nsources)++;
		if (sum > best || (sum == best && better_qualifier(q, bq))) {
			best = sum;
			bq = q;
		}
	}
	*count = best;
	*qualifier = bq;
}

/*
 * An analyst's merge may join reports of places far apart: the incident
 * is then as wide as its members are spread. Adds the second moment of
 * the located members' positions about the centre c (frame f) to p.
 */
static void
add_scatter(const struct ellipsoid_enu *f, const struct associate_obs *const *u,
    size_t nu, const double c[2], double p[3])
{
	double x[2], sc[3] = { 0, 0, 0 };
	size_t i, k = 0;

	for (i = 0; i < nu; i++) {
		if (!u[i]->located)
			continue;
		to_enu(f, u[i]->lat, u[i]->lon, x);
		sc[0] += (x[0] - c[0]) * (x[0] - c[0]);
		sc[1] += (x[0] - c[0]) * (x[1] - c[1]);
		sc[2] += (x[1] - c[1]) * (x[1] - c[1]);
		k++;
	}
	for (i = 0; k > 0 && i < 3; i++)
		p[i] += sc[i] / (double)k;
}

int
associate_summarize(const struct associate_obs *m, size_t n,
    struct associate_incident *inc)
{
	const struct associate_obs **u, *ustack[64];
	struct associate_incident out;
	struct ellipsoid_enu f;
	double lam[3] = { 0, 0, 0 }, eta[2] = { 0, 0 }, s[3], w[3], x[2], p[3],
	       enu[3], xyz[3], e;
	size_t i, nu = 0, ncomp = 0;
	int catn[64], best, ref = -1, c;
	int64_t g_from = INT64_MIN, g_to = INT64_MAX;

	if (n == 0)
		return -1;
	if (n <= sizeof(ustack) / sizeof(ustack[0]))
		u = ustack;
	else if ((u = nomem_malloc(n * sizeof(*u))) == NULL)
		return -1;
	out = *inc;
	for (i = 0; i < n; i++)
		if (!m[i].complaint)
			u[nu++] = &m[i];
		else
			ncomp++;
	out.kind = nu > 0 ? ASSOCIATE_OBSERVED : ASSOCIATE_COMPLAINT;
	if (nu == 0)
		for (i = 0; i < n; i++)
			u[nu++] = &m[i];
	out.nobs = (int)n;
	out.ncomplaints = (int)ncomp;
	out.group = u[0]->group;
	e = associate_extent_m(out.group);

	/* Category: the most frequent; ties to the first in the list. */
	memset(catn, 0, sizeof(catn));
	for (i = 0; i < nu; i++)
		if (u[i]->category >= 0 && u[i]->category < 64)
			catn[u[i]->category]++;
	for (c = 0, best = u[0]->category; c < 64; c++)
		if (catn[c] > (best >= 0 && best < 64 ? catn[best] : 0))
			best = c;
	out.category = best;

	/* Windows: the reports' union; the gate's intersection. */
	out.t_from = INT64_MAX;
	out.t_to = INT64_MIN;
	out.source_types = 0;
	for (i = 0; i < nu; i++) {
		if (u[i]->t_from < out.t_from)
			out.t_from = u[i]->t_from;
		if (u[i]->t_to > out.t_to)
			out.t_to = u[i]->t_to;
		if (u[i]->w_from > g_from)
			g_from = u[i]->w_from;
		if (u[i]->w_to < g_to)
			g_to = u[i]->w_to;
		if (u[i]->source_type >= 0 && u[i]->source_type < 32)
			out.source_types |= 1u << u[i]->source_type;
		if (u[i]->located && ref < 0)
			ref = (int)i;
	}
	if (g_from > g_to) {
		/* No common time (an analyst merged distinct times): the
		 * union, so that the incident still gates. */
		g_from = INT64_MAX;
		g_to = INT64_MIN;
		for (i = 0; i < nu; i++) {
			if (u[i]->w_from < g_from)
				g_from = u[i]->w_from;
			if (u[i]->w_to > g_to)
				g_to = u[i]->w_to;
		}
	}
	out.g_from = g_from;
	out.g_to = g_to;

	/* Position: information-weighted mean, each report's covariance
	 * plus the extent term; the covariance is the inverse of the sum
	 * of the information. */
	out.located = ref >= 0;
	out.lat = out.lon = 0;
	out.cov[0] = out.cov[1] = out.cov[2] = 0;
	out.search_m = 0;
	if (ref >= 0) {
		ellipsoid_enu_init(&f, u[ref]->lat, u[ref]->lon, 0);
		for (i = 0; i < nu; i++) {
			if (!u[i]->located)
				continue;
			s[0] = u[i]->cov[0] + e * e;
			s[1] = u[i]->cov[1];
			s[2] = u[i]->cov[2] + e * e;
			if (inverse2(s, w) == -1)
				continue;
			to_enu(&f, u[i]->lat, u[i]->lon, x);
			lam[0] += w[0];
			lam[1] += w[1];
			lam[2] += w[2];
			eta[0] += w[0] * x[0] + w[1] * x[1];
			eta[1] += w[1] * x[0] + w[2] * x[1];
		}
		if (inverse2(lam, p) == 0) {
			enu[0] = p[0] * eta[0] + p[1] * eta[1];
			enu[1] = p[1] * eta[0] + p[2] * eta[1];
			enu[2] = 0;
			if (out.pinned)
				add_scatter(&f, u, nu, enu, p);
			ellipsoid_enu_to_ecef(&f, enu, xyz);
			ellipsoid_from_ecef(xyz, &out.lat, &out.lon, NULL);
			memcpy(out.cov, p, sizeof(p));
			out.search_m =
			    sqrt(ASSOCIATE_GATE_CHI2 * lambda_max(p));
		} else {
			out.lat = u[ref]->lat;
			out.lon = u[ref]->lon;
			out.cov[0] = u[ref]->cov[0] + e * e;
			out.cov[1] = u[ref]->cov[1];
			out.cov[2] = u[ref]->cov[2] + e * e;
			out.search_m =
			    sqrt(ASSOCIATE_GATE_CHI2 * lambda_max(out.cov));
		}
	}

	/* Count and corroboration: by source. */
	qsort(u, nu, sizeof(*u), cmp_source);
	count_rule(u, nu, &out.count, &out.qualifier, &out.nsources);
	if (out.kind == ASSOCIATE_COMPLAINT)
		out.nsources = 0; /* complaints never corroborate */
	if (u != ustack)
		free(u);
	*inc = out;
	return 0;
}

/* ---- running summaries (associate.h) -------------------------------- */

#define SUMMARY_CATEGORIES 64 /* as associate_summarize counts them */

/* One source's reports so far: their count total and qualifier. */
struct summary_source {
	uint64_t key;
	int64_t sum;
	int q;
	int used;
};

struct associate_summary {
	size_t n, ncomp;      /* members; complaints among them */
	int64_t last_index;   /* log index of the last member added */
	int group, first_cat; /* of the first member */
	int catn[SUMMARY_CATEGORIES];
	int64_t t_from, t_to; /* union of the reported times */
	int64_t i_from, i_to; /* intersection of the widened windows */
	int64_t u_from, u_to; /* and their union */
	unsigned source_types;
	int located; /* a member is: ref and f are set */
	double ref_lat, ref_lon, ref_cov[3];
	struct ellipsoid_enu f;	    /* the frame at the first located one */
	double lam[3], eta[2];	    /* information and its weighted sum */
	struct summary_source *src; /* open addressing by source key */
	size_t nsrc, capsrc;
	int64_t best; /* the count rule's answer so far */
	int bq;
};

struct associate_summary *
associate_summary_new(void)
{
	struct associate_summary *sum = nomem_calloc(1, sizeof(*sum));

	if (sum != NULL)
		associate_summary_reset(sum);
	return sum;
}

void
associate_summary_free(struct associate_summary *sum)
{
	if (sum == NULL)
		return;
	free(sum->src);
	free(sum);
}

void
associate_summary_reset(struct associate_summary *sum)
{
	struct summary_source *src = sum->src;
	size_t cap = sum->capsrc;

	memset(sum, 0, sizeof(*sum));
	sum->src = src;
	sum->capsrc = cap;
	if (src != NULL)
		memset(src, 0, cap * sizeof(*src));
	sum->t_from = sum->u_from = INT64_MAX;
	sum->t_to = sum->u_to = INT64_MIN;
	sum->i_from = INT64_MIN;
	sum->i_to = INT64_MAX;
	sum->best = 0;
	sum->bq = ASSOCIATE_EXACT;
}

static size_t
source_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* The entry of source key, created (zero) when new; NULL if no memory. */
static struct summary_source *
summary_source(struct associate_summary *sum, uint64_t key)
{
	struct summary_source *nv, *e;
	size_t i, k, ncap;

	if ((sum->nsrc + 1) * 2 > sum->capsrc) {
		ncap = sum->capsrc ? sum->capsrc * 2 : 16;
		if ((nv = nomem_calloc(ncap, sizeof(*nv))) == NULL)
			return NULL;
		for (i = 0; i < sum->capsrc; i++) {
			if (!sum->src[i].used)
				continue;
			k = source_slot(sum->src[i].key, ncap);
			while (nv[k].used)
				k = (k + 1) & (ncap - 1);
			nv[k] = sum->src[i];
		}
		free(sum->src);
		sum->src = nv;
		sum->capsrc = ncap;
	}
	k = source_slot(key, sum->capsrc);
	while (sum->src[k].used && sum->src[k].key != key)
		k = (k + 1) & (sum->capsrc - 1);
	e = &sum->src[k];
	if (!e->used) {
		e->used = 1;
		e->key = key;
		e->sum = 0;
		e->q = ASSOCIATE_EXACT;
		sum->nsrc++;
	}
	return e;
}

/* 1 if the total (s1, q1) wins over (s2, q2) in the count rule. */
static int
count_wins(int64_t s1, int q1, int64_t s2, int q2)
{
	return s1 > s2 || (s1 == s2 && better_qualifier(q1, q2));
}

int
associate_summary_add(struct associate_summary *sum,
    const struct associate_obs *o)
{
	struct summary_source *src;
	double s[3], w[3], x[2], e;
	int64_t old_sum;
	int old_q;
	size_t i;

	if (sum->n == 0) {
		sum->group = o->group;
		sum->first_cat = o->category;
	}
	e = associate_extent_m(sum->group);
	if ((src = summary_source(sum, o->source)) == NULL) {
		associate_summary_reset(sum);
		return -1;
	}
	sum->n++;
	if (o->complaint)
		sum->ncomp++;
	sum->last_index = o->index;
	if (o->category >= 0 && o->category < SUMMARY_CATEGORIES)
		sum->catn[o->category]++;
	if (o->t_from < sum->t_from)
		sum->t_from = o->t_from;
	if (o->t_to > sum->t_to)
		sum->t_to = o->t_to;
	if (o->w_from > sum->i_from)
		sum->i_from = o->w_from;
	if (o->w_to < sum->i_to)
		sum->i_to = o->w_to;
	if (o->w_from < sum->u_from)
		sum->u_from = o->w_from;
	if (o->w_to > sum->u_to)
		sum->u_to = o->w_to;
	if (o->source_type >= 0 && o->source_type < 32)
		sum->source_types |= 1u << o->source_type;

	/* Position: the same terms, in the same order, as the full pass. */
	if (o->located && !sum->located) {
		sum->located = 1;
		sum->ref_lat = o->lat;
		sum->ref_lon = o->lon;
		memcpy(sum->ref_cov, o->cov, sizeof(sum->ref_cov));
		ellipsoid_enu_init(&sum->f, o->lat, o->lon, 0);
	}
	if (o->located) {
		s[0] = o->cov[0] + e * e;
		s[1] = o->cov[1];
		s[2] = o->cov[2] + e * e;
		if (inverse2(s, w) == 0) {
			to_enu(&sum->f, o->lat, o->lon, x);
			sum->lam[0] += w[0];
			sum->lam[1] += w[1];
			sum->lam[2] += w[2];
			sum->eta[0] += w[0] * x[0] + w[1] * x[1];
			sum->eta[1] += w[1] * x[0] + w[2] * x[1];
		}
	}

	/* Count: the source's total and qualifier as count_rule adds them;
	 * the best total across sources kept as it changes. */
	old_sum = src->sum;
	old_q = src->q;
	src->sum += o->count;
	if (src->sum > 1000000000)
		src->sum = 1000000000;
	if (o->qualifier == ASSOCIATE_AT_LEAST)
		src->q = ASSOCIATE_AT_LEAST;
	else if (o->qualifier == ASSOCIATE_ABOUT && src->q == ASSOCIATE_EXACT)
		src->q = ASSOCIATE_ABOUT;
	if (count_wins(src->sum, src->q, sum->best, sum->bq)) {
		sum->best = src->sum;
		sum->bq = src->q;
	} else if (count_wins(old_sum, old_q, src->sum, src->q) &&
	    old_sum == sum->best && old_q == sum->bq) {
		/* The best total lost ground (a capped total whose qualifier
		 * weakened, or a count below one): look at every source. */
		sum->best = 0;
		sum->bq = ASSOCIATE_EXACT;
		for (i = 0; i < sum->capsrc; i++)
			if (sum->src[i].used &&
			    count_wins(sum->src[i].sum, sum->src[i].q,
				sum->best, sum->bq)) {
				sum->best = sum->src[i].sum;
				sum->bq = sum->src[i].q;
			}
	}
	return 0;
}

int
associate_summary_result(const struct associate_summary *sum,
    struct associate_incident *inc)
{
	struct associate_incident out;
	double p[3], enu[3], xyz[3], e;
	int best, c;

	if (sum->n == 0 || inc->pinned ||
	    (sum->ncomp > 0 && sum->ncomp < sum->n))
		return 1;
	out = *inc;
	out.kind = sum->ncomp == 0 ? ASSOCIATE_OBSERVED : ASSOCIATE_COMPLAINT;
	out.nobs = (int)sum->n;
	out.ncomplaints = (int)sum->ncomp;
	out.group = sum->group;
	e = associate_extent_m(out.group);

	best = sum->first_cat;
	for (c = 0; c < SUMMARY_CATEGORIES; c++)
		if (sum->catn[c] > (best >= 0 && best < SUMMARY_CATEGORIES
					   ? sum->catn[best]
					   : 0))
			best = c;
	out.category = best;

	out.t_from = sum->t_from;
	out.t_to = sum->t_to;
	out.source_types = sum->source_types;
	if (sum->i_from > sum->i_to) {
		out.g_from = sum->u_from;
		out.g_to = sum->u_to;
	} else {
		out.g_from = sum->i_from;
		out.g_to = sum->i_to;
	}

	out.located = sum->located;
	out.lat = out.lon = 0;
	out.cov[0] = out.cov[1] = out.cov[2] = 0;
	out.search_m = 0;
	if (sum->located) {
		if (inverse2(sum->lam, p) == 0) {
			enu[0] = p[0] * sum->eta[0] + p[1] * sum->eta[1];
			enu[1] = p[1] * sum->eta[0] + p[2] * sum->eta[1];
			enu[2] = 0;
			ellipsoid_enu_to_ecef(&sum->f, enu, xyz);
			ellipsoid_from_ecef(xyz, &out.lat, &out.lon, NULL);
			memcpy(out.cov, p, sizeof(p));
			out.search_m =
			    sqrt(ASSOCIATE_GATE_CHI2 * lambda_max(p));
		} else {
			out.lat = sum->ref_lat;
			out.lon = sum->ref_lon;
			out.cov[0] = sum->ref_cov[0] + e * e;
			out.cov[1] = sum->ref_cov[1];
			out.cov[2] = sum->ref_cov[2] + e * e;
			out.search_m =
			    sqrt(ASSOCIATE_GATE_CHI2 * lambda_max(out.cov));
		}
	}

	out.count = sum->best;
	out.qualifier = sum->bq;
	out.nsources = out.kind == ASSOCIATE_COMPLAINT ? 0 : (int)sum->nsrc;
	*inc = out;
	return 0;
}

/* Growable copies of members, for summaries; small incidents stay in
 * the inline array (no allocation on the common path). */
#define INLINE_MEMBERS 16
struct obs_list {
	struct associate_obs *v;
	size_t n, cap;
	int failed;
	struct associate_obs inl[INLINE_MEMBERS];
};

static void
obs_list_init(struct obs_list *l)
{
	l->v = l->inl;
	l->n = 0;
	l->cap = INLINE_MEMBERS;
	l->failed = 0;
}

static void
obs_list_free(struct obs_list *l)
{
	if (l->v != l->inl)
		free(l->v);
}

static int
collect_obs(void *arg, const struct associate_obs *o)
{
	struct obs_list *l = arg;
	struct associate_obs *nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap * 2;
		if (l->v == l->inl) {
			if ((nv = nomem_malloc(ncap * sizeof(*nv))) != NULL)
				memcpy(nv, l->inl, l->n * sizeof(*nv));
		} else
			nv = nomem_realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			l->failed = 1;
			return 1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *o;
	return 0;
}

static int
load_members(const struct associate_book_ops *ops, void *book, const char *id,
    struct obs_list *l)
{
	l->n = 0;
	l->failed = 0;
	if (ops->members(book, id, collect_obs, l) == -1 || l->failed)
		return -1;
	return 0;
}

void
associate_box(double lat, double lon, double r_m, struct associate_query *q)
{
	/* Lower bounds of a degree's length: the meridian's at the equator,
	 * the parallel's at the box's pole-ward edge (WGS84). */
	double dlat = r_m / 110574.0 * 1.001 + 1e-7;
	double edge = fmin(90.0, fabs(lat) + dlat), dlon;

	q->min_lat = fmax(-90.0, lat - dlat);
	q->max_lat = fmin(90.0, lat + dlat);
	if (edge >= 89.9) {
		q->min_lon = -180.0;
		q->max_lon = 180.0;
		return;
	}
	dlon = r_m / (111319.0 * cos(edge * 3.14159265358979323846 / 180)) *
		1.001 +
	    1e-7;
	q->min_lon = lon - dlon;
	q->max_lon = lon + dlon;
}

/* Recomputes the complaints linked to the (observed) incident inc. */
struct link_ctx {
	const struct associate_incident *inc;
	int64_t *idx;
	size_t n, cap;
	int failed;
};

static int
link_one(void *arg, const struct associate_obs *c)
{
	struct link_ctx *l = arg;
	int64_t *nv;
	size_t ncap;

	if (c->group != l->inc->group ||
	    !overlaps(c->w_from, c->w_to, l->inc->g_from, l->inc->g_to) ||
	    associate_distance2(c, l->inc) > ASSOCIATE_GATE_CHI2)
		return 0;
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		if ((nv = nomem_realloc(l->idx, ncap * sizeof(*nv))) == NULL) {
			l->failed = 1;
			return 1;
		}
		l->idx = nv;
		l->cap = ncap;
	}
	l->idx[l->n++] = c->index;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
relink(const struct associate_book_ops *ops, void *book,
    const struct associate_incident *inc)
{
	struct associate_query q;
	struct link_ctx l;
	size_t i, k;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	l.inc = inc;
	if (inc->live && inc->located && inc->kind == ASSOCIATE_OBSERVED) {
		memset(&q, 0, sizeof(q));
		associate_box(inc->lat, inc->lon, inc->search_m, &q);
		q.from = inc->g_from;
		q.to = inc->g_to;
		if (ops->complaints(book, &q, link_one, &l) == -1 || l.failed)
			goto done;
		if (l.n > 1)
			qsort(l.idx, l.n, sizeof(*l.idx), cmp_i64);
		for (i = k = 0; i < l.n; i++)
			if (k == 0 || l.idx[k - 1] != l.idx[i])
				l.idx[k++] = l.idx[i];
		l.n = k;
	}
	rc = ops->set_links(book, inc->id, l.idx, l.n);
done:
	free(l.idx);
	return rc;
}

/*
 * The book's running summary of inc when it holds exactly inc's members
 * (the book keeps one, it was filled as they joined, and inc is not
 * pinned); NULL otherwise. An unpinned incident changes only by members
 * joining, each the entry that last updated it, so its member count and
 * its last member's index tell whether the summary has seen them all.
 */
static struct associate_summary *
current_summary(const struct associate_book_ops *ops, void *book,
    const struct associate_incident *inc)
{
	struct associate_summary *sum;

	if (ops->summary == NULL || inc->pinned || inc->nobs <= 0 ||
	    (sum = ops->summary(book, inc->id)) == NULL)
		return NULL;
	if (sum->n != (size_t)inc->nobs ||
	    sum->last_index != inc->updated_index)
		return NULL;
	return sum;
}

/* Summarizes incident inc from the book's members and stores it; fills
 * the book's running summary of it anew (unpinned incidents). */
static int
refresh(const struct associate_book_ops *ops, void *book,
    struct associate_incident *inc, struct obs_list *l)
{
	struct associate_summary *sum;
	size_t i;

	if (load_members(ops, book, inc->id, l) == -1)
		return -1;
	if (l->n > 0 && associate_summarize(l->v, l->n, inc) == -1)
		return -1;
	if (ops->summary != NULL && !inc->pinned &&
	    (sum = ops->summary(book, inc->id)) != NULL) {
		/* Out of memory leaves it empty: the next join comes back
		 * here instead of using it. */
		associate_summary_reset(sum);
		for (i = 0; i < l->n; i++)
			if (associate_summary_add(sum, &l->v[i]) == -1)
				break;
	}
	if (ops->put(book, inc) == -1)
		return -1;
	return relink(ops, book, inc);
}

/* The best candidate so far: smallest distance, then first seeded, then
 * smallest id (a total order, whatever order the book gives them in). */
struct choose_ctx {
	const struct associate_obs *o;
	struct associate_incident best;
	double best_d2;
	int found;
	int link_only; /* complaints: link every match instead */
	const struct associate_book_ops *ops;
	void *book;
	int failed;
};

static int
better(double d2, const struct associate_incident *inc,
    const struct choose_ctx *c)
{
	if (!c->found)
		return 1;
	if (d2 != c->best_d2)
		return d2 < c->best_d2;
	if (inc->seed_index != c->best.seed_index)
		return inc->seed_index < c->best.seed_index;
	return strcmp(inc->id, c->best.id) < 0;
}

static int
consider(void *arg, const struct associate_incident *inc)
{
	struct choose_ctx *c = arg;
	double d2;

	if (!inc->live || !inc->located || inc->kind != ASSOCIATE_OBSERVED ||
	    inc->group != c->o->group ||
	    !overlaps(c->o->w_from, c->o->w_to, inc->g_from, inc->g_to))
		return 0;
	d2 = associate_distance2(c->o, inc);
	if (!(d2 <= ASSOCIATE_GATE_CHI2))
		return 0;
	if (!c->link_only)
		d2 += associate_time2(c->o, inc);
	if (c->link_only) {
		if (c->ops->add_link(c->book, inc->id, c->o->index) == -1) {
			c->failed = 1;
			return 1;
		}
		return 0;
	}
	if (better(d2, inc, c)) {
		c->best = *inc;
		c->best_d2 = d2;
		c->found = 1;
	}
	return 0;
}

int
associate_observation(const struct associate_book_ops *ops, void *book,
    const struct associate_obs *obs, char incident[ASSOCIATE_ID_LEN + 1])
{
	struct associate_obs o = *obs;
	struct associate_summary *sum;
	struct associate_incident inc;
	struct associate_query q;
	struct choose_ctx c;
	struct obs_list l;
	int rc = -1;

	obs_list_init(&l);
	o.search_m = o.located ? associate_obs_radius(&o) : 0;
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.ops = ops;
	c.book = book;
	c.link_only = o.complaint;
	if (o.located) {
		memset(&q, 0, sizeof(q));
		associate_box(o.lat, o.lon, o.search_m, &q);
		q.group = o.group;
		q.kind = ASSOCIATE_OBSERVED;
		q.from = o.w_from;
		q.to = o.w_to;
		if (ops->candidates(book, &q, consider, &c) == -1 || c.failed)
			goto done;
	}
	if (c.found) {
		inc = c.best;
		sum = current_summary(ops, book, &inc);
		inc.updated_index = o.index;
		if (ops->add_obs(book, &o, inc.id) == -1)
			goto done;
		/* One step of the running summary: O(1), not a pass over
		 * every member (docs/fusion.md, "Cost"). */
		if (sum != NULL && o.index > sum->last_index &&
		    associate_summary_add(sum, &o) == 0 &&
		    associate_summary_result(sum, &inc) == 0) {
			if (ops->put(book, &inc) == -1 ||
			    relink(ops, book, &inc) == -1)
				goto done;
			snprintf(incident, ASSOCIATE_ID_LEN + 1, "%s", inc.id);
			rc = 0;
			goto done;
		}
	} else {
		/* Seed: a new incident named after the observation. */
		memset(&inc, 0, sizeof(inc));
		associate_seed_id(o.id, inc.id);
		inc.seed_index = inc.updated_index = o.index;
		inc.live = 1;
		if (ops->add_obs(book, &o, inc.id) == -1)
			goto done;
	}
	if (refresh(ops, book, &inc, &l) == -1)
		goto done;
	snprintf(incident, ASSOCIATE_ID_LEN + 1, "%s", inc.id);
	rc = 0;
done:
	obs_list_free(&l);
	return rc;
}

int
associate_merge(const struct associate_book_ops *ops, void *book, int64_t index,
    const char *into, const char *with)
{
	struct associate_incident a, b;
	struct obs_list l;
	char msg[160];
	int ga, gb, rc = -1;
	size_t i;

	obs_list_init(&l);
	if ((ga = ops->get(book, into, &a)) == -1 ||
	    (gb = ops->get(book, with, &b)) == -1)
		goto done;
	msg[0] = '\0';
	if (strcmp(into, with) == 0)
		snprintf(msg, sizeof(msg),
		    "an incident cannot be merged with "
		    "itself");
	else if (ga == 0 || gb == 0)
		snprintf(msg, sizeof(msg), "no incident %s", ga ? with : into);
	else if (!a.live || !b.live)
		snprintf(msg, sizeof(msg), "%s was already merged into %s",
		    a.live ? with : into,
		    a.live ? b.merged_into : a.merged_into);
	if (msg[0] != '\0') {
		rc = ops->decided ? ops->decided(book, index, into, 0, msg) : 0;
		goto done;
	}
	if (load_members(ops, book, with, &l) == -1)
		goto done;
	for (i = 0; i < l.n; i++)
		if (ops->move_obs(book, l.v[i].index, into) == -1)
			goto done;
	b.live = 0;
	snprintf(b.merged_into, sizeof(b.merged_into), "%s", into);
	b.updated_index = index;
	b.pinned = 1;
	if (ops->put(book, &b) == -1 ||
	    ops->set_links(book, b.id, NULL, 0) == -1)
		goto done;
	a.pinned = 1;
	a.updated_index = index;
	if (refresh(ops, book, &a, &l) == -1)
		goto done;
	snprintf(msg, sizeof(msg), "merged %s into %s", with, into);
	rc = ops->decided ? ops->decided(book, index, into, 1, msg) : 0;
done:
	obs_list_free(&l);
	return rc;
}

int
associate_split(const struct associate_book_ops *ops, void *book, int64_t index,
    const char *from, const char *const *ids, size_t n)
{
	struct associate_incident a, b;
	struct obs_list l;
	char msg[200], nid[ASSOCIATE_ID_LEN + 1];
	int ga, gb, rc = -1;
	size_t i, k, found;
	unsigned char *moving = NULL;

	obs_list_init(&l);
	if ((ga = ops->get(book, from, &a)) == -1)
		goto done;
	msg[0] = '\0';
	associate_split_id(from, index, nid);
	if (ga == 0)
		snprintf(msg, sizeof(msg), "no incident %s", from);
	else if (!a.live)
		snprintf(msg, sizeof(msg), "%s was merged into %s", from,
		    a.merged_into);
	else if ((gb = ops->get(book, nid, &b)) != 0) {
		if (gb == -1)
			goto done;
		snprintf(msg, sizeof(msg), "incident %s exists already", nid);
	} else if (load_members(ops, book, from, &l) == -1)
		goto done;
	else if ((moving = nomem_calloc(l.n ? l.n : 1, 1)) == NULL)
		goto done;
	else {
		for (k = 0; k < n && msg[0] == '\0'; k++) {
			for (i = 0, found = 0; i < l.n; i++)
				if (strcmp(l.v[i].id, ids[k]) == 0) {
					moving[i] = 1;
					found = 1;
				}
			if (!found)
				snprintf(msg, sizeof(msg),
				    "observation %.16s… "
				    "is not in %s",
				    ids[k], from);
		}
		for (i = 0, found = 0; i < l.n; i++)
			found += moving[i];
		if (msg[0] == '\0' && found == l.n)
			snprintf(msg, sizeof(msg),
			    "a split must leave at "
			    "least one observation in %s",
			    from);
	}
	if (msg[0] != '\0') {
		rc = ops->decided ? ops->decided(book, index, from, 0, msg) : 0;
		goto done;
	}
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "%s", nid);
	b.seed_index = b.updated_index = index;
	b.live = 1;
	b.pinned = 1;
	for (i = 0; i < l.n; i++)
		if (moving[i] && ops->move_obs(book, l.v[i].index, nid) == -1)
			goto done;
	a.pinned = 1;
	a.updated_index = index;
	if (refresh(ops, book, &a, &l) == -1 ||
	    refresh(ops, book, &b, &l) == -1)
		goto done;
	snprintf(msg, sizeof(msg), "split %zu observations off %s into %s", n,
	    from, nid);
	rc = ops->decided ? ops->decided(book, index, from, 1, msg) : 0;
done:
	free(moving);
	obs_list_free(&l);
	return rc;
}
