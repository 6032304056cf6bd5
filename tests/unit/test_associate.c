/*
 * Unit test of fusion/associate with the in-memory book
 * (fusion/incident_set): the gate (space, time, category groups), ids
 * derived from the seeding observation, the total order that breaks ties
 * whatever the ids and whatever order the book lists candidates in, the
 * count rule (no double counting), corroboration, complaint links,
 * analysts' merges and splits, and the same results on a second run.
 */
#include <math.h>
#include <stdlib.h>

#include "fusion/associate.h"
#include "fusion/incident_set.h"
#include "tap.h"

#define T 1795875600000LL /* 2026-11-28T14:20:00Z */
#define MIN 60000LL

static struct associate_obs
obs(int64_t index, char hex, double lat, double lon, double sigma_m,
    int64_t t, int64_t tol, const char *category, const char *type,
    const char *unit, int64_t count, int qualifier)
{
	struct associate_obs o;

	memset(&o, 0, sizeof(o));
	o.index = index;
	memset(o.id, hex, ASSOCIATE_OBS_ID_LEN);
	o.id[0] = (char)('0' + index % 10); /* distinct ids */
	o.id[ASSOCIATE_OBS_ID_LEN] = '\0';
	o.t_from = o.t_to = t;
	o.w_from = t - tol;
	o.w_to = t + tol;
	o.category = associate_category(category);
	o.group = associate_group_of(o.category);
	o.source_type = associate_source_type(type);
	o.source = associate_source_hash(type, "RU", NULL, unit);
	o.count = count;
	o.qualifier = qualifier;
	o.complaint = strcmp(type, "complaint") == 0;
	o.located = 1;
	o.lat = lat;
	o.lon = lon;
	o.cov[0] = o.cov[2] = sigma_m * sigma_m;
	return o;
}

static const char *
place(struct incident_set *s, const struct associate_obs *o)
{
	static char id[ASSOCIATE_ID_LEN + 1];

	if (associate_observation(&incident_set_ops, s, o, id) == -1)
		return "(failed)";
	return id;
}

static const struct associate_incident *
find(struct incident_set *s, const char *id)
{
	size_t i;

	for (i = 0; i < incident_set_count(s); i++)
		if (strcmp(incident_set_incident(s, i)->id, id) == 0)
			return incident_set_incident(s, i);
	return NULL;
}

/* A book that lists candidates in reverse: ties must not depend on it. */
struct reversed {
	struct associate_incident v[64];
	size_t n;
};

static int
collect(void *arg, const struct associate_incident *inc)
{
	struct reversed *r = arg;

	if (r->n < 64)
		r->v[r->n++] = *inc;
	return 0;
}

static int
rev_candidates(void *book, const struct associate_query *q,
    associate_incident_fn fn, void *arg)
{
	struct reversed r;
	size_t i;

	r.n = 0;
	if (incident_set_ops.candidates(book, q, collect, &r) == -1)
		return -1;
	for (i = r.n; i > 0; i--)
		if (fn(arg, &r.v[i - 1]) != 0)
			break;
	return 0;
}

/* The tie case: two incidents at one place, one before and one after; a
 * vague report halfway between matches both equally. */
static const char *
tie(char hex_a, char hex_b, int reverse)
{
	static char won[ASSOCIATE_ID_LEN + 1];
	struct associate_book_ops ops = incident_set_ops;
	struct incident_set *s = incident_set_new();
	struct associate_obs a, b, c;
	char id[ASSOCIATE_ID_LEN + 1];

	if (reverse)
		ops.candidates = rev_candidates;
	a = obs(1, hex_a, 40.0, 47.0, 50, T, 2 * MIN, "explosion", "camera",
	    "C1", 1, ASSOCIATE_EXACT);
	b = obs(2, hex_b, 40.0, 47.0, 50, T + 5 * MIN, 2 * MIN, "explosion",
	    "camera", "C2", 1, ASSOCIATE_EXACT);
	c = obs(3, 'c', 40.0, 47.0, 400, T + 150000, 10 * MIN, "explosion",
	    "patrol", "P1", 1, ASSOCIATE_EXACT);
	associate_observation(&ops, s, &a, id);
	associate_observation(&ops, s, &b, id);
	associate_observation(&ops, s, &c, won);
	incident_set_free(s);
	return won;
}

int
main(void)
{
	struct incident_set *s = incident_set_new(), *s2;
	struct associate_obs a, b, o, v[8];
	const struct associate_incident *inc;
	char ia[ASSOCIATE_ID_LEN + 1], ib[ASSOCIATE_ID_LEN + 1];
	char want[ASSOCIATE_ID_LEN + 1], nid[ASSOCIATE_ID_LEN + 1];
	char w1[ASSOCIATE_ID_LEN + 1], w2[ASSOCIATE_ID_LEN + 1];
	const char *ids[2];
	int64_t links[8];
	size_t applied, refused, i;
	long nl;

	/* Gate: same place and time join; the id is the seed's. */
	a = obs(1, 'a', 40.0, 47.0, 300, T, 2 * MIN, "explosion",
	    "observation_post", "OP-1", 10, ASSOCIATE_ABOUT);
	b = obs(2, 'b', 40.003, 47.002, 300, T + MIN, 5 * MIN, "explosion",
	    "patrol", "P-1", 10, ASSOCIATE_ABOUT);
	snprintf(ia, sizeof(ia), "%s", place(s, &a));
	snprintf(ib, sizeof(ib), "%s", place(s, &b));
	associate_seed_id(a.id, want);
	is_str(ia, want, "the seeding observation names the incident");
	ok(strncmp(ia, "inc-", 4) == 0 && strlen(ia) == ASSOCIATE_ID_LEN &&
		strncmp(ia + 4, a.id, 24) == 0,
	    "incident id: inc- and the seed's first 24 hex digits");
	is_str(ib, ia, "a report 400 m and a minute away joins it");
	inc = find(s, ia);
	ok(inc && inc->count == 10 && inc->qualifier == ASSOCIATE_ABOUT &&
		inc->nsources == 2,
	    "two sources of 'about 10' give about 10, not 20 (%lld, %d "
	    "sources)", inc ? (long long)inc->count : -1,
	    inc ? inc->nsources : -1);

	o = obs(3, 'c', 40.5, 47.0, 300, T, 2 * MIN, "explosion",
	    "observation_post", "OP-2", 1, ASSOCIATE_EXACT);
	ok(strcmp(place(s, &o), ia) != 0, "55 km away: another incident");
	o = obs(4, 'd', 40.0, 47.0, 300, T + 30 * MIN, 2 * MIN, "explosion",
	    "observation_post", "OP-3", 1, ASSOCIATE_EXACT);
	ok(strcmp(place(s, &o), ia) != 0,
	    "same place, half an hour later: another incident");
	o = obs(5, 'e', 40.0, 47.0, 300, T, 2 * MIN, "burst_or_shot",
	    "observation_post", "OP-4", 1, ASSOCIATE_EXACT);
	ok(strcmp(place(s, &o), ia) != 0,
	    "same place and time, bursts not explosions: another incident");
	o = obs(6, 'f', 40.0, 47.0, 300, T, 2 * MIN, "projectile_in_flight",
	    "observation_post", "OP-5", 1, ASSOCIATE_EXACT);
	is_str(place(s, &o), ia, "a projectile in flight is the same group");

	/* Count rule: a source's reports add up, sources do not. */
	o = obs(7, 'g', 40.0, 47.0, 300, T, 2 * MIN, "explosion", "camera",
	    "CAM-1", 3, ASSOCIATE_EXACT);
	place(s, &o);
	o = obs(8, 'h', 40.0, 47.0, 300, T + 30000, 2 * MIN, "explosion",
	    "camera", "CAM-1", 9, ASSOCIATE_EXACT);
	place(s, &o);
	inc = find(s, ia);
	ok(inc && inc->count == 12 && inc->qualifier == ASSOCIATE_EXACT,
	    "one camera's two reports (3 + 9) add up to exactly 12, more than "
	    "any other source (%lld)", inc ? (long long)inc->count : -1);
	ok(inc && inc->nsources == 4 && inc->nobs == 5,
	    "4 independent sources in 5 observations (%d, %d)",
	    inc ? inc->nsources : -1, inc ? inc->nobs : -1);
	ok(inc && (inc->source_types &
		      (1u << associate_source_type("camera"))) &&
		(inc->source_types & (1u << associate_source_type("patrol"))),
	    "source types are kept");

	/* Complaints link, never count. */
	o = obs(9, 'i', 40.01, 47.01, 3000, T, 60 * MIN, "explosion",
	    "complaint", "", 50, ASSOCIATE_AT_LEAST);
	snprintf(ib, sizeof(ib), "%s", place(s, &o));
	ok(strcmp(ib, ia) != 0 && find(s, ib) &&
		find(s, ib)->kind == ASSOCIATE_COMPLAINT,
	    "a complaint is its own (complaint) incident");
	nl = incident_set_links(s, ia, links, 8);
	ok(nl == 1 && links[0] == 9, "and is linked to the incident it "
	    "matches (%ld links)", nl);
	inc = find(s, ia);
	ok(inc && inc->count == 12 && inc->nsources == 4,
	    "a linked complaint's '50' counts nowhere, nor as a source");
	o = obs(10, 'j', 41.0, 47.0, 3000, T, 60 * MIN, "explosion",
	    "complaint", "", 5, ASSOCIATE_AT_LEAST);
	snprintf(ib, sizeof(ib), "%s", place(s, &o));
	for (i = 0, nl = 0; i < incident_set_count(s); i++)
		nl += incident_set_links(s, incident_set_incident(s, i)->id,
		    links, 8) > 0 &&
		    links[0] == 10;
	ok(nl == 0 && find(s, ib)->nsources == 0,
	    "a complaint nothing matches is linked nowhere (uncorroborated)");
	o = obs(11, 'k', 41.001, 47.001, 200, T + MIN, 2 * MIN, "explosion",
	    "observation_post", "OP-9", 2, ASSOCIATE_EXACT);
	snprintf(w1, sizeof(w1), "%s", place(s, &o));
	nl = incident_set_links(s, w1, links, 8);
	ok(nl == 1 && links[0] == 10,
	    "an observation arriving after the complaint links it");

	/* Determinism: ties go to the incident seeded first, whatever the
	 * ids and the order candidates come in. */
	snprintf(w1, sizeof(w1), "%s", tie('f', '0', 0));
	associate_seed_id("1fffffffffffffffffffffffffffffffffffffffffffffffffffff"
			  "ffffffffff", want);
	is_str(w1, want, "tie: the incident seeded first wins");
	snprintf(w2, sizeof(w2), "%s", tie('0', 'f', 0));
	ok(strncmp(w2, "inc-1000", 8) == 0,
	    "tie: with the ids' order swapped, still the first seeded (%s)",
	    w2);
	is_str(tie('f', '0', 1), w1,
	    "tie: candidates listed in reverse order, same winner");
	is_str(tie('0', 'f', 1), w2, "tie: both swaps together, same winner");

	/* Merge and split. */
	s2 = incident_set_new();
	v[0] = obs(1, 'a', 40.0, 47.0, 100, T, 2 * MIN, "explosion",
	    "camera", "C1", 1, ASSOCIATE_EXACT);
	v[1] = obs(2, 'b', 40.0, 47.2, 100, T, 2 * MIN, "explosion",
	    "camera", "C2", 1, ASSOCIATE_EXACT);
	v[2] = obs(3, 'c', 40.0, 47.0, 100, T + 20000, 2 * MIN, "explosion",
	    "camera", "C3", 4, ASSOCIATE_EXACT);
	snprintf(ia, sizeof(ia), "%s", place(s2, &v[0]));
	snprintf(ib, sizeof(ib), "%s", place(s2, &v[1]));
	ok(strcmp(ia, ib) != 0, "17 km apart: two incidents");
	ok(associate_merge(&incident_set_ops, s2, 10, ia, ib) == 0 &&
		!find(s2, ib)->live &&
		strcmp(find(s2, ib)->merged_into, ia) == 0 &&
		find(s2, ia)->nobs == 2 && find(s2, ia)->pinned,
	    "merge: the second's observations move, it points to the first");
	is_str(place(s2, &v[2]), ia,
	    "a later report joins the merged incident");
	v[3] = obs(4, 'd', 40.0, 47.2, 100, T, 2 * MIN, "explosion",
	    "camera", "C4", 1, ASSOCIATE_EXACT);
	is_str(place(s2, &v[3]), ia,
	    "a later report where the merged-away one was: the merged pair "
	    "stays merged");
	ok(associate_merge(&incident_set_ops, s2, 11, ia, ib) == 0,
	    "merging again is not an error of the book");
	incident_set_decisions(s2, &applied, &refused);
	ok(applied == 1 && refused == 1, "but the decision is refused, and "
	    "recorded so");
	ids[0] = v[1].id;
	ids[1] = v[3].id;
	ok(associate_split(&incident_set_ops, s2, 12, ia, ids, 2) == 0,
	    "split two observations off");
	associate_split_id(ia, 12, nid);
	ok(find(s2, nid) != NULL && find(s2, nid)->nobs == 2 &&
		find(s2, nid)->live && find(s2, ia)->nobs == 2,
	    "split: a new incident with an id derived from the parent and "
	    "the decision's index (%s)", nid);
	ok(incident_set_incident_of(s2, 2) != NULL &&
		strcmp(incident_set_incident_of(s2, 2), nid) == 0 &&
		strcmp(incident_set_incident_of(s2, 1), ia) == 0,
	    "each observation is where the split put it");
	associate_split_id(ia, 13, w1);
	ok(strcmp(w1, nid) != 0, "another index, another id");
	ids[0] = v[0].id;
	ids[1] = v[2].id;
	ok(associate_split(&incident_set_ops, s2, 14, nid, ids, 2) == 0 &&
		find(s2, nid) != NULL && find(s2, nid)->nobs == 2,
	    "a split naming observations of another incident is refused");
	ids[0] = v[1].id;
	ids[1] = v[3].id;
	ok(associate_split(&incident_set_ops, s2, 15, nid, ids, 2) == 0 &&
		find(s2, nid) != NULL && find(s2, nid)->nobs == 2,
	    "a split of every observation is refused");
	incident_set_decisions(s2, &applied, &refused);
	ok(applied == 2 && refused == 3, "decisions: 2 applied, 3 refused");
	incident_set_free(s2);

	/* The same input, again: the same incidents and ids. */
	s2 = incident_set_new();
	a = obs(1, 'a', 40.0, 47.0, 300, T, 2 * MIN, "explosion",
	    "observation_post", "OP-1", 10, ASSOCIATE_ABOUT);
	b = obs(2, 'b', 40.003, 47.002, 300, T + MIN, 5 * MIN, "explosion",
	    "patrol", "P-1", 10, ASSOCIATE_ABOUT);
	place(s2, &a);
	place(s2, &b);
	ok(strcmp(incident_set_incident_of(s2, 2),
		  incident_set_incident_of(s, 2)) == 0 &&
		find(s2, incident_set_incident_of(s2, 1))->count == 10,
	    "a second run gives the same incident ids");
	incident_set_free(s2);
	incident_set_free(s);
	incident_set_free(NULL);
	return done_testing();
}
