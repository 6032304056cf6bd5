/*
 * gen: the benchmark's deterministic observations and queries (gen.h).
 * Integer arithmetic only (splitmix64, Irwin-Hall sums for the clusters),
 * so every machine generates the same bytes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen.h"

#define LON_MIN 460000000
#define LON_MAX 475000000
#define LAT_MIN 393000000
#define LAT_MAX 405000000

struct weighted {
	const char *name;
	int weight; /* per mille */
};

/* OSCE SMM daily reports: explosions and bursts dominate. */
static const struct weighted categories[] = {
	{ "explosion", 420 }, { "burst_or_shot", 230 },
	{ "projectile_in_flight", 90 }, { "muzzle_flash", 70 },
	{ "illumination_flare", 60 }, { "small_arms_fire", 50 },
	{ "drone_strike", 20 }, { "airspace_violation", 15 },
	{ "movement_in_restricted_zone", 15 }, { "fortification_work", 15 },
	{ "mine_or_uxo", 5 }, { "other", 10 }, { NULL, 0 },
};

static const struct weighted sources[] = {
	{ "observation_post", 400 }, { "patrol", 180 }, { "camera", 140 },
	{ "acoustic_sensor", 120 }, { "uav", 80 }, { "radar", 30 },
	{ "complaint", 30 }, { "media", 10 }, { "other", 10 }, { NULL, 0 },
};

static const struct weighted query_categories[] = {
	{ "explosion", 500 }, { "burst_or_shot", 250 },
	{ "projectile_in_flight", 150 }, { "muzzle_flash", 100 }, { NULL, 0 },
};

/* Settlements near the former line of contact (GeoNames cities500). */
static const struct {
	int32_t lat_e7, lon_e7;
	int weight; /* percent of the clustered half */
} clusters[] = {
	{ 399909600, 469273600, 30 }, /* Agdam */
	{ 403420100, 469316100, 15 }, /* Terter */
	{ 402112700, 468213500, 12 }, /* Martakert */
	{ 396009400, 471452900, 12 }, /* Fizuli */
	{ 399129700, 467902800, 8 },  /* Xocali */
	{ 398177000, 467528000, 8 },  /* Xankandi */
	{ 397600600, 467498900, 6 },  /* Susa */
	{ 395200300, 470319000, 5 },  /* Hadrut */
	{ 393444100, 465818300, 4 },  /* Qubadli */
};
#define NCLUSTERS (sizeof(clusters) / sizeof(clusters[0]))

static const char *const narratives[] = {
	"heard from the north-east, direction of fire unclear",
	"flashes seen on the horizon, sound followed after about 10 s",
	"reported by the local administration, not yet verified",
	"impact crater observed next morning, fragments collected",
	"sustained bursts for about two minutes",
};
#define NNARRATIVES (sizeof(narratives) / sizeof(narratives[0]))

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The k-th independent random word of item i of a stream. */
static uint64_t
draw(uint64_t stream, uint64_t i, unsigned k)
{
	return splitmix64(splitmix64(stream * 0x100000001b3ULL + i) + k);
}

static const char *
pick(const struct weighted *w, uint64_t r)
{
	int x = (int)(r % 1000);

	for (; w->name != NULL; w++) {
		if (x < w->weight)
			return w->name;
		x -= w->weight;
	}
	return (w - 1)->name;
}

static int32_t
clamp(int64_t v, int32_t lo, int32_t hi)
{
	return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* About normal with the standard deviation sd (Irwin-Hall, 4 terms). */
static int64_t
normalish(uint64_t r, int64_t sd)
{
	int64_t a = sd * 866 / 1000; /* sd * sqrt(3) / 2 */
	int64_t sum = 0;
	int k;

	for (k = 0; k < 4; k++)
		sum += (int64_t)((r >> (16 * k)) & 0xffff) * 2 * a / 0xffff - a;
	return sum;
}

void
gen_observation(uint64_t i, uint64_t n, struct gen_obs *o)
{
	int64_t slot = GEN_SPAN_S / (int64_t)n;
	uint64_t r;
	size_t c;
	int x;
	const char *prefix;

	memset(o, 0, sizeof(*o));
	/* Slot starts are at least `slot` apart: no two are equal. */
	o->from_s = GEN_START_S + (int64_t)i * GEN_SPAN_S / (int64_t)n +
	    (int64_t)(draw(1, i, 0) % (uint64_t)slot);
	o->to_s = o->from_s;
	if (draw(1, i, 1) % 10 == 0) /* one in ten: an interval */
		o->to_s += 60 + (int64_t)(draw(1, i, 2) % 1741);
	r = draw(1, i, 3);
	if (r % 2 == 0) {
		o->lat_e7 = (int32_t)(LAT_MIN + (int64_t)(draw(1, i, 4) %
		    (LAT_MAX - LAT_MIN + 1)));
		o->lon_e7 = (int32_t)(LON_MIN + (int64_t)(draw(1, i, 5) %
		    (LON_MAX - LON_MIN + 1)));
	} else {
		x = (int)((r >> 8) % 100);
		for (c = 0; c < NCLUSTERS - 1 && x >= clusters[c].weight; c++)
			x -= clusters[c].weight;
		o->lat_e7 = clamp(clusters[c].lat_e7 +
		    normalish(draw(1, i, 4), 450000), LAT_MIN, LAT_MAX);
		o->lon_e7 = clamp(clusters[c].lon_e7 +
		    normalish(draw(1, i, 5), 586000), LON_MIN, LON_MAX);
	}
	r = draw(1, i, 6);
	o->precision_m = r % 10 < 2 ? 10 : r % 10 < 7 ? 100 : 1000;
	o->category = pick(categories, draw(1, i, 7));
	o->source_type = pick(sources, draw(1, i, 8));
	r = draw(1, i, 9);
	o->member = r % 2 ? "RU" : "TR";
	prefix = strcmp(o->source_type, "observation_post") == 0 ? "OP"
	    : strcmp(o->source_type, "patrol") == 0		 ? "P"
	    : strcmp(o->source_type, "camera") == 0		 ? "CAM"
	    : strcmp(o->source_type, "acoustic_sensor") == 0	 ? "AS"
	    : strcmp(o->source_type, "uav") == 0		 ? "UAV"
								 : "X";
	snprintf(o->unit, sizeof(o->unit), "%s-%02d", prefix,
	    (int)((r >> 8) % 24) + 1);
	r = draw(1, i, 10);
	if (r % 10 < 6) {
		o->count = 1;
		o->qualifier = "exact";
	} else {
		o->count = 2 + (int)((r >> 8) % 19);
		o->qualifier = r % 10 < 9 ? "about" : "at_least";
	}
	r = draw(1, i, 11);
	o->narrative = r % 100 < 15 ? narratives[(r >> 8) % NNARRATIVES]
				    : NULL;
}

void
gen_rfc3339(int64_t s, char out[24])
{
	time_t t = (time_t)s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes an e7 integer as degrees with exactly 7 decimals. */
static int
deg(char *out, size_t cap, int32_t e7)
{
	int64_t v = e7 < 0 ? -(int64_t)e7 : e7;

	return snprintf(out, cap, "%s%lld.%07lld", e7 < 0 ? "-" : "",
	    (long long)(v / 10000000), (long long)(v % 10000000));
}

size_t
gen_json(const struct gen_obs *o, char *buf, size_t cap)
{
	char t1[24], t2[24], lat[24], lon[24], at[80], narr[200] = "";
	int n;

	gen_rfc3339(o->from_s, t1);
	gen_rfc3339(o->to_s, t2);
	if (o->to_s == o->from_s)
		snprintf(at, sizeof(at), "\"%s\"", t1);
	else
		snprintf(at, sizeof(at), "{\"from\":\"%s\",\"to\":\"%s\"}", t1,
		    t2);
	deg(lat, sizeof(lat), o->lat_e7);
	deg(lon, sizeof(lon), o->lon_e7);
	if (o->narrative)
		snprintf(narr, sizeof(narr), ",\"narrative\":\"%s\"",
		    o->narrative);
	n = snprintf(buf, cap,
	    "{\"observed_at\":%s,\"source\":{\"type\":\"%s\",\"member\":"
	    "\"%s\",\"unit\":\"%s\"},\"category\":\"%s\",\"count\":"
	    "{\"value\":%d,\"qualifier\":\"%s\"},\"location\":{\"lat\":%s,"
	    "\"lon\":%s,\"precision_m\":%d}%s}",
	    at, o->source_type, o->member, o->unit, o->category, o->count,
	    o->qualifier, lat, lon, o->precision_m, narr);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

void
gen_query(uint64_t j, struct gen_query *q)
{
	int32_t clat = 399909600, clon = 469273600;
	int32_t dlat = 450000, dlon = 586000; /* 5 km either way at 40N */
	int64_t window;
	char a[24], b[24], c[24], d[24];

	clat += (int32_t)(draw(2, j, 0) % 400001) - 200000;
	clon += (int32_t)(draw(2, j, 1) % 400001) - 200000;
	deg(a, sizeof(a), clon - dlon);
	deg(b, sizeof(b), clat - dlat);
	deg(c, sizeof(c), clon + dlon);
	deg(d, sizeof(d), clat + dlat);
	snprintf(q->bbox, sizeof(q->bbox), "%s,%s,%s,%s", a, b, c, d);
	window = draw(2, j, 2) % 2 ? 86400 : 7 * 86400;
	q->from_s = GEN_START_S +
	    (int64_t)(draw(2, j, 3) % (uint64_t)(GEN_SPAN_S - window));
	q->to_s = q->from_s + window;
	gen_rfc3339(q->from_s, q->from);
	gen_rfc3339(q->to_s, q->to);
	q->category = pick(query_categories, draw(2, j, 4));
}
