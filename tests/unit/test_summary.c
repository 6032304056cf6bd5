/*
 * Unit test of the running summary (associate_summary_* in
 * fusion/associate.h) against the full recomputation
 * (associate_summarize): on randomized incidents — positions, covariances,
 * windows with and without a common time, categories, sources, counts
 * and qualifiers, unlocated reports, totals at the cap, complaints — the
 * summary after each added member must be the full pass's bit for bit,
 * up to thousands of members in one incident. Then the associator itself:
 * a burst at one spot placed with the book's running summaries and
 * without them (every summary from the members, as before) must give the
 * same incidents, bit for bit, and the running one must stay linear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fusion/associate.h"
#include "fusion/incident_set.h"
#include "tap.h"

#define T 1795875600000LL /* 2026-11-28T14:20:00Z */
#define MIN 60000LL

/* 1 if a and b are the same summary, doubles compared by their bits. */
static int
same_incident(const struct associate_incident *a,
    const struct associate_incident *b)
{
	return strcmp(a->id, b->id) == 0 && a->seed_index == b->seed_index &&
	    a->updated_index == b->updated_index && a->kind == b->kind &&
	    a->group == b->group && a->category == b->category &&
	    a->located == b->located &&
	    memcmp(&a->lat, &b->lat, sizeof(a->lat)) == 0 &&
	    memcmp(&a->lon, &b->lon, sizeof(a->lon)) == 0 &&
	    memcmp(a->cov, b->cov, sizeof(a->cov)) == 0 &&
	    memcmp(&a->search_m, &b->search_m, sizeof(a->search_m)) == 0 &&
	    a->t_from == b->t_from && a->t_to == b->t_to &&
	    a->g_from == b->g_from && a->g_to == b->g_to &&
	    a->count == b->count && a->qualifier == b->qualifier &&
	    a->nobs == b->nobs && a->ncomplaints == b->ncomplaints &&
	    a->nsources == b->nsources && a->source_types == b->source_types &&
	    a->pinned == b->pinned && a->live == b->live &&
	    strcmp(a->merged_into, b->merged_into) == 0;
}

static double
uniform(void)
{
	return (double)rand() / ((double)RAND_MAX + 1.0);
}

/* A random member of a random incident whose shape is set by mode. */
static void
random_obs(struct associate_obs *o, int64_t index, int mode, int nsources,
    int complaint)
{
	static const char *const cats[] = { "explosion",
		"projectile_in_flight", "drone_strike", "burst_or_shot",
		"illumination_flare", "other" };
	static const char *const types[] = { "patrol", "observation_post",
		"uav", "camera", "acoustic_sensor", "radar" };
	double sigma;
	int64_t t, tol;
	char unit[32];

	memset(o, 0, sizeof(*o));
	o->index = index;
	snprintf(o->id, sizeof(o->id), "%064lld", (long long)index);
	t = T + (int64_t)(uniform() * (mode == 2 ? 600 : 20) * MIN);
	tol = (int64_t)(uniform() * 10 * MIN);
	o->t_from = t;
	o->t_to = t + (rand() % 4 == 0 ? (int64_t)(uniform() * MIN) : 0);
	o->w_from = o->t_from - tol;
	o->w_to = o->t_to + tol / 2;
	o->category = associate_category(cats[rand() % (mode == 0 ? 1 : 6)]);
	o->group = ASSOCIATE_IMPACT;
	o->source_type = associate_source_type(complaint ? "complaint"
						       : types[rand() % 6]);
	snprintf(unit, sizeof(unit), "u%d", rand() % nsources);
	o->source = associate_source_hash(complaint ? "complaint" : "patrol",
	    "RU", NULL, unit);
	o->count = 1 + rand() % 5;
	if (mode == 3 && rand() % 8 == 0)
		o->count = 400000000; /* totals reach the cap */
	o->qualifier = rand() % 3;
	o->complaint = complaint;
	o->located = mode == 4 ? rand() % 3 != 0 : rand() % 50 != 0;
	if (o->located) {
		sigma = 10 + uniform() * 1000;
		o->lat = 39.9 + (uniform() - 0.5) * 0.02;
		o->lon = 46.9 + (uniform() - 0.5) * 0.02;
		o->cov[0] = sigma * sigma * (0.5 + uniform());
		o->cov[2] = sigma * sigma * (0.5 + uniform());
		o->cov[1] = (uniform() - 0.5) * sqrt(o->cov[0] * o->cov[2]);
		if (mode == 4 && rand() % 5 == 0) /* degenerate information */
			o->cov[0] = o->cov[1] = o->cov[2] = -1e6;
	}
}

/*
 * Builds one incident of n members (mode: 0 one category, 1 mixed, 2
 * windows with no common time, 3 capped totals, 4 unlocated and
 * degenerate reports) and compares the running summary with the full pass
 * after every member when every is set, else at the end. Returns the
 * number of mismatches.
 */
static int
compare_incident(size_t n, int mode, int nsources, int complaint, int every)
{
	struct associate_obs *m;
	struct associate_incident full, run;
	struct associate_summary *sum;
	size_t i;
	int bad = 0;

	if ((m = calloc(n, sizeof(*m))) == NULL ||
	    (sum = associate_summary_new()) == NULL) {
		free(m);
		return 1;
	}
	memset(&full, 0, sizeof(full));
	snprintf(full.id, sizeof(full.id), "inc-%024d", mode);
	full.seed_index = full.updated_index = 1;
	full.live = 1;
	for (i = 0; i < n; i++) {
		random_obs(&m[i], (int64_t)(1 + 3 * i), mode, nsources,
		    complaint);
		if (associate_summary_add(sum, &m[i]) == -1) {
			bad++;
			break;
		}
		if (!every && i + 1 < n)
			continue;
		run = full;
		if (associate_summarize(m, i + 1, &full) == -1 ||
		    associate_summary_result(sum, &run) != 0 ||
		    !same_incident(&full, &run)) {
			if (bad == 0)
				diag("mode %d: member %zu differs: count %lld/"
				    "%lld sources %d/%d lat %.17g/%.17g", mode,
				    i, (long long)full.count,
				    (long long)run.count, full.nsources,
				    run.nsources, full.lat, run.lat);
			bad++;
		}
	}
	associate_summary_free(sum);
	free(m);
	return bad;
}

/* One spot, n reports from distinct sensors: places them with ops and
 * returns the CPU seconds taken; the set is kept in *out. */
static double
burst(const struct associate_book_ops *ops, size_t n,
    struct incident_set **out)
{
	struct incident_set *s = incident_set_new();
	char id[ASSOCIATE_ID_LEN + 1], unit[32];
	struct associate_obs o;
	clock_t c0 = clock();
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		memset(&o, 0, sizeof(o));
		o.index = (int64_t)i + 1;
		snprintf(o.id, sizeof(o.id), "%064zx", i + 1);
		o.t_from = o.t_to = T;
		o.w_from = T - MIN;
		o.w_to = T + 2000;
		o.category = associate_category("explosion");
		o.group = ASSOCIATE_IMPACT;
		o.source_type = associate_source_type("acoustic_sensor");
		snprintf(unit, sizeof(unit), "s%zu", i);
		o.source = associate_source_hash("acoustic_sensor", "TR",
		    NULL, unit);
		o.count = 1;
		o.located = 1;
		o.lat = 39.9;
		o.lon = 46.9;
		o.cov[0] = o.cov[2] = 100.0 * 100.0;
		if (associate_observation(ops, s, &o, id) == -1) {
			incident_set_free(s);
			s = NULL;
		}
	}
	*out = s;
	return (double)(clock() - c0) / CLOCKS_PER_SEC;
}

int
main(void)
{
	struct associate_book_ops full_ops = incident_set_ops;
	struct incident_set *a, *b;
	const struct associate_incident *ia, *ib;
	double t_run, t_full, t_small, t_big;
	size_t i;
	int mode, round, bad;

	srand(20261128);
	for (mode = 0; mode <= 4; mode++) {
		bad = 0;
		for (round = 0; round < 40; round++)
			bad += compare_incident(1 + (size_t)(rand() % 60), mode,
			    1 + rand() % 8, 0, 1);
		is_int(bad, 0, "mode %d: the running summary is the full pass's "
		    "after every member of 40 random incidents", mode);
	}
	is_int(compare_incident(40, 1, 5, 1, 1), 0,
	    "a complaint-only incident summarizes alike");
	is_int(compare_incident(2000, 1, 40, 0, 1), 0,
	    "2,000 members of one incident from 40 sources: alike after "
	    "every one");
	is_int(compare_incident(20000, 3, 2000, 0, 0), 0,
	    "20,000 members, 2,000 sources, capped totals: alike");

	/* The associator with and without the book's running summaries. */
	full_ops.summary = NULL;
	t_run = burst(&incident_set_ops, 1500, &a);
	t_full = burst(&full_ops, 1500, &b);
	ok(a != NULL && b != NULL &&
		incident_set_count(a) == incident_set_count(b),
	    "a burst of 1,500 at one spot makes the same incidents both ways");
	for (i = 0, bad = 0; a != NULL && b != NULL &&
	     i < incident_set_count(a); i++) {
		ia = incident_set_incident(a, i);
		ib = incident_set_incident(b, i);
		bad += !same_incident(ia, ib);
	}
	is_int(bad, 0, "bit for bit (%zu incidents, %d members in the first)",
	    a ? incident_set_count(a) : 0,
	    a && incident_set_count(a) ? incident_set_incident(a, 0)->nobs : 0);
	diag("1,500 at one spot: %.3f s with running summaries, %.3f s "
	    "summarizing every member", t_run, t_full);
	incident_set_free(a);
	incident_set_free(b);

	/* Linear: 4x the members must not cost much more than 4x the time
	 * (the full pass costs 16x and more). */
	t_small = burst(&incident_set_ops, 2000, &a);
	incident_set_free(a);
	t_big = burst(&incident_set_ops, 8000, &a);
	ok(a != NULL && incident_set_incident(a, 0)->nobs == 8000,
	    "8,000 at one spot are one incident");
	incident_set_free(a);
	diag("2,000: %.3f s, 8,000: %.3f s", t_small, t_big);
	ok(t_big < 8 * t_small + 0.05, "cost grows linearly with the burst");
	return done_testing();
}
