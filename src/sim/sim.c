/*
 * sim: illustrative observations of simulated ceasefire violations. See
 * sim.h for the model. Geodesy (reported bearings and distances, offsets)
 * is PROJ's geodesic.h (Karney) on WGS84.
 *
 * Every random draw goes through one struct prng, in a fixed order, so the
 * output depends only on the seed, the configuration and the region.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <geodesic.h>
#include <jansson.h>

#include "common/log.h"
#include "record/timefmt.h"
#include "sim/prng.h"
#include "sim/region.h"
#include "sim/sim.h"

#define DAY_S 86400
#define MAX_POSTS 24
#define NUM_ARRAYS 3
#define NUM_PATROLS 10
#define NUM_UAVS 3
#define ARRAY_MICS 4	     /* microphones of an acoustic array */
#define SOUND_MPS 343.0	     /* the speed the arrays assume (and is) */
#define MIC_SIGMA_S 0.005    /* timing error of one microphone */
#define OP_BEARING_SIGMA 1.5 /* degrees: a post's bearing error */
#define UAV_CE90_M 15	     /* frame centres: 6 m blur, CE90 stated */

enum episode_kind { SHELLING, EXCHANGE, FLARES, DRONE, ENGINEERING, NKINDS };

/* Relative frequency of each kind of episode. */
static const double kind_weight[NKINDS] = { 0.36, 0.30, 0.14, 0.08, 0.12 };
/* Mean number of events after the first in an episode of each kind. */
static const double kind_extra[NKINDS] = { 2.0, 1.5, 0.8, 0.3, 0.2 };

/* Hour-of-day weights (UTC here; most violations fall in the evening). */
static const double night_hours[24] = { 7, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 2, 3, 4, 6, 8, 9, 9, 8 };
static const double dark_hours[24] = { 8, 8, 7, 6, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 1, 4, 8, 9, 9, 9 };
static const double day_hours[24] = { 0, 0, 0, 0, 0, 0, 1, 3, 5, 6, 6, 6, 5, 6,
	6, 5, 4, 2, 1, 0, 0, 0, 0, 0 };

/* A fixed monitoring asset: an observation post or an acoustic array. */
struct post {
	char unit[16];
	const char *member;
	double lat, lon;
	double mic_lat[ARRAY_MICS], mic_lon[ARRAY_MICS]; /* arrays only */
};

struct event {
	int64_t t; /* UTC seconds */
	double lat, lon;
	const char *category;
	const char *weapon; /* NULL: none */
	int64_t count;
	int side;
	uint64_t episode;
	uint64_t seq; /* order of generation, breaks ties */
	size_t *obs;  /* indexes of the observations that report it */
	size_t nobs, capobs;
};

/* An observation waiting to be sorted into the day's output. */
struct report {
	int64_t t;
	uint64_t seq;
	json_t *obs;
	size_t ev_first, ev_count; /* the events it reports (sorted order) */
};

struct sim {
	const struct region *r;
	const struct sim_config *cfg;
	struct prng prng;
	struct geod_geodesic geod;
	struct post posts[MAX_POSTS];
	size_t nposts;
	struct post arrays[NUM_ARRAYS];
	struct event *ev;
	size_t nev, capev;
	struct report *rep;
	size_t nrep, caprep;
	uint64_t seq, episode, next_event_id;
	size_t out_index; /* index of the next observation written */
};

int
sim_format_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || t > 253402300799LL || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

static double
round_to(double x, double unit)
{
	return floor(x / unit + 0.5) * unit;
}

static double
uniform(struct sim *s, double lo, double hi)
{
	return lo + (hi - lo) * prng_uniform(&s->prng);
}

static int
chance(struct sim *s, double p)
{
	return prng_uniform(&s->prng) < p;
}

static size_t
pick_weighted(struct sim *s, const double *w, size_t n)
{
	double total = 0, x;
	size_t i;

	for (i = 0; i < n; i++)
		total += w[i];
	x = prng_uniform(&s->prng) * total;
	for (i = 0; i + 1 < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static const char *
member(struct sim *s, size_t i)
{
	return s->cfg->members[i % s->cfg->nmembers];
}

/* The point dist_m away from (lat, lon) on azimuth az_deg. */
static void
offset(struct sim *s, double lat, double lon, double az_deg, double dist_m,
    double *olat, double *olon)
{
	geod_direct(&s->geod, lat, lon, az_deg, dist_m, olat, olon, NULL);
}

/* Distance (m) and azimuth (0..360 degrees) from point 1 to point 2. */
static void
inverse(struct sim *s, double lat1, double lon1, double lat2, double lon2,
    double *dist_m, double *az_deg)
{
	double az2;

	geod_inverse(&s->geod, lat1, lon1, lat2, lon2, dist_m, az_deg, &az2);
	if (*az_deg < 0)
		*az_deg += 360.0;
}

/* Moves a point in a random direction by a normal error of sd metres. */
static void
blur(struct sim *s, double lat, double lon, double sd_m, double *olat,
    double *olon)
{
	double az = uniform(s, 0, 360), d = fabs(prng_normal(&s->prng)) * sd_m;

	offset(s, lat, lon, az, d, olat, olon);
}

static json_t *
coord(double deg)
{
	return json_real(round_to(deg, 1e-6));
}

static const char *const compass[8] = { "north", "north-east", "east",
	"south-east", "south", "south-west", "west", "north-west" };

static const char *
direction(double az)
{
	return compass[(int)floor(fmod(az + 22.5, 360.0) / 45.0) % 8];
}

/* The words a report uses for n things of a category. */
static const char *
noun(const char *category, int64_t n)
{
	static const struct {
		const char *cat, *one, *many;
	} nouns[] = {
		{ "explosion", "undetermined explosion",
		    "undetermined explosions" },
		{ "projectile_in_flight", "projectile in flight",
		    "projectiles in flight" },
		{ "muzzle_flash", "muzzle flash", "muzzle flashes" },
		{ "illumination_flare", "illumination flare",
		    "illumination flares" },
		{ "burst_or_shot", "burst", "bursts and shots" },
		{ "small_arms_fire", "small-arms shot", "small-arms shots" },
		{ "drone_strike", "drone strike", "drone strikes" },
		{ "airspace_violation", "drone crossing the line",
		    "drones crossing the line" },
		{ "movement_in_restricted_zone",
		    "movement in the restricted zone",
		    "people or vehicles moving in the restricted zone" },
		{ "fortification_work", "fortification work",
		    "fortification works" },
		{ "mine_or_uxo", "mine or unexploded ordnance",
		    "mines or unexploded ordnance" },
	};
	size_t i;

	for (i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
		if (strcmp(nouns[i].cat, category) == 0)
			return n == 1 ? nouns[i].one : nouns[i].many;
	return "events";
}

static int
heard(const char *category)
{
	return strcmp(category, "explosion") == 0 ||
	    strcmp(category, "burst_or_shot") == 0 ||
	    strcmp(category, "small_arms_fire") == 0;
}

/* Seen as a flash or a glow: posts can take a bearing on it. */
static int
visual(const char *category)
{
	return strcmp(category, "explosion") == 0 ||
	    strcmp(category, "muzzle_flash") == 0 ||
	    strcmp(category, "illumination_flare") == 0 ||
	    strcmp(category, "projectile_in_flight") == 0 ||
	    strcmp(category, "drone_strike") == 0;
}

static const char *qualifier_words(const char *q);

/* "about 5 undetermined explosions", or "fortification work". */
static void
count_phrase(char *buf, size_t len, const char *category, const char *q,
    int64_t n)
{
	if (n == 1 &&
	    (strcmp(category, "fortification_work") == 0 ||
		strcmp(category, "movement_in_restricted_zone") == 0 ||
		strcmp(category, "mine_or_uxo") == 0))
		snprintf(buf, len, "%s", noun(category, n));
	else
		snprintf(buf, len, "%s%lld %s", qualifier_words(q),
		    (long long)n, noun(category, n));
}

static const char *
qualifier_words(const char *q)
{
	if (strcmp(q, "about") == 0)
		return "about ";
	if (strcmp(q, "at_least") == 0)
		return "at least ";
	return "";
}

/* A source's estimate of a count: noisy, with a qualifier. */
static void
perceive(struct sim *s, int64_t truth, int64_t *value, const char **q)
{
	double v;

	if (truth == 1 && chance(s, 0.85)) {
		*value = 1;
		*q = "exact";
		return;
	}
	v = round_to((double)truth * exp(0.25 * prng_normal(&s->prng)), 1);
	*value = v < 1 ? 1 : (int64_t)v;
	switch (prng_below(&s->prng, 4)) {
	case 0: *q = "exact"; break;
	case 1: *q = "at_least"; break;
	default: *q = "about"; break;
	}
}

static int
add_event(struct sim *s, const struct event *e)
{
	struct event *n;
	size_t ncap;

	if (s->nev == s->capev) {
		ncap = s->capev ? s->capev * 2 : 256;
		if ((n = realloc(s->ev, ncap * sizeof(*n))) == NULL)
			return -1;
		s->ev = n;
		s->capev = ncap;
	}
	s->ev[s->nev++] = *e;
	return 0;
}

/* Queues obs (taken) as a report of events [first, first + count). */
static int
add_report(struct sim *s, int64_t t, json_t *obs, size_t first, size_t count)
{
	struct report *n;
	size_t ncap;

	if (obs == NULL)
		return -1;
	if (s->nrep == s->caprep) {
		ncap = s->caprep ? s->caprep * 2 : 512;
		if ((n = realloc(s->rep, ncap * sizeof(*n))) == NULL) {
			json_decref(obs);
			return -1;
		}
		s->rep = n;
		s->caprep = ncap;
	}
	s->rep[s->nrep].t = t;
	s->rep[s->nrep].seq = s->seq++;
	s->rep[s->nrep].obs = obs;
	s->rep[s->nrep].ev_first = first;
	s->rep[s->nrep].ev_count = count;
	s->nrep++;
	return 0;
}

static json_t *
new_observation(struct sim *s, int64_t t, const char *type,
    const char *member_name, const char *organisation, const char *unit)
{
	char when[32];
	json_t *obs, *src;

	(void)s;
	if (sim_format_time(t, when, sizeof(when)) == -1)
		return NULL;
	src = json_pack("{s:s}", "type", type);
	if (src != NULL && member_name != NULL)
		json_object_set_new(src, "member", json_string(member_name));
	if (src != NULL && organisation != NULL)
		json_object_set_new(src, "organisation",
		    json_string(organisation));
	if (src != NULL && unit != NULL)
		json_object_set_new(src, "unit", json_string(unit));
	obs = json_pack("{s:s, s:o}", "observed_at", when, "source", src);
	return obs;
}

static void
set_count(json_t *obs, int64_t value, const char *q)
{
	json_object_set_new(obs, "count",
	    json_pack("{s:I, s:s}", "value", (json_int_t)value, "qualifier",
		q));
}

static void
set_point(json_t *obs, double lat, double lon, int64_t precision_m)
{
	json_object_set_new(obs, "location",
	    json_pack("{s:o, s:o, s:I}", "lat", coord(lat), "lon", coord(lon),
		"precision_m", (json_int_t)precision_m));
}

static void set_narrative(json_t *obs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_narrative(json_t *obs, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_set_new(obs, "narrative", json_string(text));
}

/* The weapon a source names: often right, sometimes "unknown". */
static void
set_weapon(struct sim *s, json_t *obs, const struct event *e, double p_right)
{
	if (e->weapon == NULL)
		return;
	json_object_set_new(obs, "weapon",
	    json_string(chance(s, p_right) ? e->weapon : "unknown"));
}

static int
is_dark(int64_t t)
{
	int h = (int)((t % DAY_S) / 3600);

	return h >= 19 || h < 6;
}

static int
is_daylight(int64_t t)
{
	int h = (int)((t % DAY_S) / 3600);

	return h >= 7 && h < 18;
}

/* Detection range (km) of an observation post for a category. */
static double
post_range_km(const char *category, int64_t t)
{
	if (strcmp(category, "illumination_flare") == 0 ||
	    strcmp(category, "projectile_in_flight") == 0 ||
	    strcmp(category, "muzzle_flash") == 0)
		return is_dark(t) ? 15 : 5;
	if (strcmp(category, "explosion") == 0 ||
	    strcmp(category, "drone_strike") == 0)
		return 15;
	if (strcmp(category, "burst_or_shot") == 0 ||
	    strcmp(category, "small_arms_fire") == 0)
		return 8;
	if (strcmp(category, "airspace_violation") == 0)
		return 6;
	return is_daylight(t) ? 5 : 0.5;
}

static int64_t
minute(int64_t t)
{
	return t - t % 60;
}

/* The honest 95 % radius of a point blurred by |N(0,1)| * sd metres,
 * rounded up to 100 m. */
static int64_t
precision_of(double sd)
{
	return (int64_t)ceil(1.96 * sd / 100.0) * 100;
}

static int
report_post(struct sim *s, size_t k, const struct post *op, double d_m)
{
	const struct event *e = &s->ev[k];
	double lat, lon, az, dd;
	char what[160];
	int64_t value, t;
	const char *q;
	json_t *obs;

	t = minute(e->t + (int64_t)uniform(s, 0, 120));
	obs = new_observation(s, t, "observation_post", op->member, NULL,
	    op->unit);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string(e->category));
	set_weapon(s, obs, e, 0.5);
	perceive(s, e->count, &value, &q);
	set_count(obs, value, q);
	blur(s, e->lat, e->lon, fmax(150.0, 0.12 * d_m), &lat, &lon);
	set_point(obs, lat, lon, precision_of(fmax(150.0, 0.12 * d_m)));
	inverse(s, op->lat, op->lon, lat, lon, &dd, &az);
	count_phrase(what, sizeof(what), e->category, q, value);
	set_narrative(obs, "%s %s: %s, about %.0f km %s of the post.",
	    heard(e->category) ? "Heard at" : "Seen from", op->unit, what,
	    fmax(1.0, round_to(dd / 1000.0, 1)), direction(az));
	return add_report(s, t, obs, k, 1);
}

static int
report_camera(struct sim *s, size_t k, const struct post *op, double d_m)
{
	const struct event *e = &s->ev[k];
	double lat, lon;
	char unit[24];
	json_t *obs;
	int64_t t = e->t + (int64_t)uniform(s, 0, 5);

	snprintf(unit, sizeof(unit), "CAM-%s", op->unit + 3);
	obs = new_observation(s, t, "camera", op->member, NULL, unit);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string(e->category));
	set_count(obs, e->count, "exact");
	blur(s, e->lat, e->lon, fmax(200.0, 0.15 * d_m), &lat, &lon);
	set_point(obs, lat, lon, precision_of(fmax(200.0, 0.15 * d_m)));
	return add_report(s, t, obs, k, 1);
}

/*
 * Two posts that both saw a flash or a burst in the dark report it
 * together as their two bearings (a cross-fix), one observation of the
 * post network.
 */
static int
report_cross_fix(struct sim *s, size_t k, const struct post *a,
    const struct post *b)
{
	const struct post *op[2] = { a, b };
	const struct event *e = &s->ev[k];
	double dist, az;
	char unit[40], what[160];
	int64_t value, t;
	const char *q;
	json_t *obs, *list;
	int i;

	t = minute(e->t + (int64_t)uniform(s, 0, 120));
	snprintf(unit, sizeof(unit), "%s+%s", a->unit, b->unit);
	obs = new_observation(s, t, "observation_post", a->member, NULL, unit);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string(e->category));
	set_weapon(s, obs, e, 0.5);
	perceive(s, e->count, &value, &q);
	set_count(obs, value, q);
	list = json_array();
	for (i = 0; i < 2; i++) {
		inverse(s, op[i]->lat, op[i]->lon, e->lat, e->lon, &dist, &az);
		az =
		    fmod(round_to(az + OP_BEARING_SIGMA * prng_normal(&s->prng),
			     0.5) +
			    720.0,
			360.0);
		if (az >= 359.999)
			az = 0;
		json_array_append_new(list,
		    json_pack("{s:o,s:o,s:f,s:f}", "lat", coord(op[i]->lat),
			"lon", coord(op[i]->lon), "bearing_deg", az,
			"sigma_deg", 2.0));
	}
	json_object_set_new(obs, "location",
	    json_pack("{s:o}", "bearings", list));
	count_phrase(what, sizeof(what), e->category, q, value);
	set_narrative(obs,
	    "Seen from %s and %s: %s; bearings taken from "
	    "both posts.",
	    a->unit, b->unit, what);
	return add_report(s, t, obs, k, 1);
}

static int
report_array(struct sim *s, size_t k, const struct post *a, double d_m)
{
	const struct event *e = &s->ev[k];
	double arr[ARRAY_MICS], first = INFINITY, dist, az, err;
	int64_t t0_ms, value = e->count;
	char when[TIMEFMT_LEN];
	json_t *obs, *src, *mics;
	size_t i, bad;

	(void)d_m;
	/* Sound reaches each microphone d/343 s after the event; each times
	 * it with a small error, and now and then one hears an echo. */
	bad = chance(s, 0.05) ? prng_below(&s->prng, ARRAY_MICS) : ARRAY_MICS;
	for (i = 0; i < ARRAY_MICS; i++) {
		inverse(s, a->mic_lat[i], a->mic_lon[i], e->lat, e->lon, &dist,
		    &az);
		err = MIC_SIGMA_S * prng_normal(&s->prng);
		if (i == bad)
			err += uniform(s, 0.05, 0.3);
		arr[i] = (double)e->t + dist / SOUND_MPS + err;
		if (arr[i] < first)
			first = arr[i];
	}
	t0_ms = (int64_t)floor(first * 1000.0);
	timefmt_format(t0_ms, when);
	src = json_pack("{s:s,s:s,s:s}", "type", "acoustic_sensor", "member",
	    a->member, "unit", a->unit);
	obs = json_pack("{s:s,s:o}", "observed_at", when, "source", src);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string("explosion"));
	if (value > 3)
		value -= (int64_t)prng_below(&s->prng, (uint64_t)value / 3);
	set_count(obs, value, value == e->count ? "exact" : "at_least");
	mics = json_array();
	for (i = 0; i < ARRAY_MICS; i++)
		json_array_append_new(mics,
		    json_pack("{s:o,s:o,s:i,s:I}", "lat",
			json_real(round_to(a->mic_lat[i], 1e-7)), "lon",
			json_real(round_to(a->mic_lon[i], 1e-7)), "alt_m", 0,
			"t_ns",
			(json_int_t)llround(
			    (arr[i] - (double)t0_ms / 1000.0) * 1e9)));
	json_object_set_new(obs, "location",
	    json_pack("{s:o,s:f,s:f,s:i}", "sensors", mics, "speed_mps",
		SOUND_MPS, "sigma_t_s", MIC_SIGMA_S, "source_alt_m", 0));
	return add_report(s, (int64_t)floor(first), obs, k, 1);
}

static int
report_patrol(struct sim *s, size_t k)
{
	const struct event *e = &s->ev[k];
	double slat, slon, km, dist, az, rd, rb;
	const char *place, *q;
	char unit[16], what[160];
	int64_t value, t;
	uint64_t p;
	long si;
	json_t *obs;

	si = region_nearest_settlement(s->r, e->lat, e->lon, &km);
	if (si < 0 || km > (strcmp(e->category, "explosion") == 0 ? 12 : 5))
		return 0;
	if (!chance(s, is_daylight(e->t) ? 0.5 : 0.15))
		return 0;
	place = region_settlement(s->r, (size_t)si, &slat, &slon);
	p = prng_below(&s->prng, NUM_PATROLS);
	snprintf(unit, sizeof(unit), "P-%02u", (unsigned)p + 1);
	t = minute(e->t + (int64_t)uniform(s, 0, 180));
	obs = new_observation(s, t, "patrol", member(s, (size_t)p), NULL, unit);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string(e->category));
	set_weapon(s, obs, e, 0.4);
	perceive(s, e->count, &value, &q);
	set_count(obs, value, q);
	inverse(s, slat, slon, e->lat, e->lon, &dist, &az);
	rb = fmod(round_to(az + 8.0 * prng_normal(&s->prng), 5) + 720.0, 360.0);
	rd = round_to(dist * (1.0 + 0.15 * prng_normal(&s->prng)), 100);
	if (rd < 100)
		rd = 100;
	json_object_set_new(obs, "location",
	    json_pack("{s:s, s:I, s:I, s:I}", "place", place, "bearing_deg",
		(json_int_t)rb, "distance_m", (json_int_t)rd,
		"distance_error_m",
		(json_int_t)fmax(200.0, round_to(0.25 * rd, 100))));
	count_phrase(what, sizeof(what), e->category, q, value);
	set_narrative(obs, "Positioned in %s, the patrol %s %s, %.1f km %s.",
	    place, heard(e->category) ? "heard" : "saw", what, rd / 1000.0,
	    direction(rb));
	return add_report(s, t, obs, k, 1);
}

static int
report_uav(struct sim *s, size_t k)
{
	static const char hex[] = "0123456789abcdef";
	const struct event *e = &s->ev[k];
	double lat, lon, p;
	char unit[16], digest[65];
	uint64_t crew;
	json_t *obs;
	int64_t t;
	int i;

	if (!is_daylight(e->t))
		return 0;
	p = (strcmp(e->category, "fortification_work") == 0 ||
		strcmp(e->category, "movement_in_restricted_zone") == 0 ||
		strcmp(e->category, "mine_or_uxo") == 0 ||
		strcmp(e->category, "drone_strike") == 0)
	    ? 0.45
	    : strcmp(e->category, "explosion") == 0 ? 0.15
						    : 0.0;
	if (!chance(s, p))
		return 0;
	crew = prng_below(&s->prng, NUM_UAVS);
	snprintf(unit, sizeof(unit), "UAV-%u", (unsigned)crew + 1);
	t = minute(e->t + (int64_t)uniform(s, 600, 5400));
	obs = new_observation(s, t, "uav", member(s, (size_t)crew + 1), NULL,
	    unit);
	if (obs == NULL)
		return -1;
	json_object_set_new(obs, "category", json_string(e->category));
	set_weapon(s, obs, e, 0.8);
	set_count(obs, e->count, "exact");
	blur(s, e->lat, e->lon, 6.0, &lat, &lon);
	json_object_set_new(obs, "location",
	    json_pack("{s:o, s:o, s:i}", "lat", coord(lat), "lon", coord(lon),
		"ce90_m", UAV_CE90_M));
	for (i = 0; i < 64; i += 16) {
		uint64_t x = prng_next(&s->prng);
		int j;

		for (j = 0; j < 16; j++)
			digest[i + j] = hex[(x >> (4 * j)) & 0xf];
	}
	digest[64] = '\0';
	json_object_set_new(obs, "evidence",
	    json_pack("[{s:s, s:s}]", "sha256", digest, "media_type",
		chance(s, 0.7) ? "image/jpeg" : "video/mp4"));
	set_narrative(obs, "Imagery from %s: %lld %s.", unit,
	    (long long)e->count,
	    strcmp(e->category, "explosion") == 0
		? (e->count == 1 ? "fresh crater" : "fresh craters")
		: noun(e->category, e->count));
	return add_report(s, t, obs, k, 1);
}

static const char *
side_name(int side)
{
	return side ? "side B" : "side A";
}

/* One complaint about a whole episode (events [first, first + n)). */
static int
report_complaint(struct sim *s, size_t first, size_t n, int spurious,
    double lat, double lon, int side, int64_t t0)
{
	double slat, slon, km, dist, az;
	const char *place, *category, *weapon;
	char org[64], when_from[32], when_to[32];
	int64_t from, to, total = 0;
	size_t i;
	long si;
	json_t *obs;

	si = region_nearest_settlement(s->r, lat, lon, &km);
	if (si < 0 || km > 8)
		return 0; /* nobody lives near enough to complain */
	place = region_settlement(s->r, (size_t)si, &slat, &slon);
	for (i = first; i < first + n; i++)
		total += s->ev[i].count;
	if (spurious)
		total = 1 + (int64_t)prng_poisson(&s->prng, 8);
	total = (int64_t)round_to((double)total * uniform(s, 1.0, 2.0), 1);
	from = t0 - (int64_t)uniform(s, 0, 2700);
	from -= from % 1800;
	to = from + 3600 * (1 + (int64_t)prng_below(&s->prng, 3));
	if (sim_format_time(from, when_from, sizeof(when_from)) == -1 ||
	    sim_format_time(to, when_to, sizeof(when_to)) == -1)
		return -1;
	snprintf(org, sizeof(org), "%s liaison", side_name(side));
	category = "explosion";
	weapon = chance(s, 0.6) ? "artillery" : "mortar";
	if (n > 0 && strcmp(s->ev[first].category, "drone_strike") == 0) {
		category = "drone_strike";
		weapon = "drone";
	}
	obs = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s}", "observed_at",
	    "from", when_from, "to", when_to, "source", "type", "complaint",
	    "organisation", org, "category", category, "weapon", weapon);
	if (obs == NULL)
		return -1;
	set_count(obs, total, "at_least");
	inverse(s, slat, slon, lat, lon, &dist, &az);
	json_object_set_new(obs, "location",
	    json_pack("{s:s, s:I, s:I, s:I}", "place", place, "bearing_deg",
		(json_int_t)fmod(round_to(az, 45), 360.0), "distance_m",
		(json_int_t)fmax(1000.0, round_to(dist, 1000)),
		"distance_error_m", (json_int_t)3000));
	json_object_set_new(obs, "alleged_by", json_string(side_name(side)));
	json_object_set_new(obs, "alleged_against",
	    json_string(side_name(!side)));
	set_narrative(obs,
	    "%s reports that %s came under fire: at least "
	    "%lld rounds between %.5s and %.5s UTC.",
	    side ? "Side B" : "Side A", place, (long long)total, when_from + 11,
	    when_to + 11);
	return add_report(s, to, obs, first, n);
}

/* Every source that may have perceived event k reports it. */
static int
observe_event(struct sim *s, size_t k)
{
	const struct event *e = &s->ev[k];
	double d, range, best[2] = { INFINITY, INFINITY };
	size_t i, nb[2] = { 0, 0 }, j;
	int saw[2] = { 0, 0 }, cross;

	/* The two nearest observation posts. */
	for (i = 0; i < s->nposts; i++) {
		d = region_km(e->lat, e->lon, s->posts[i].lat, s->posts[i].lon);
		if (d < best[0]) {
			best[1] = best[0];
			nb[1] = nb[0];
			best[0] = d;
			nb[0] = i;
		} else if (d < best[1]) {
			best[1] = d;
			nb[1] = i;
		}
	}
	range = post_range_km(e->category, e->t);
	for (j = 0; j < 2 && j < s->nposts; j++)
		saw[j] = best[j] < range &&
		    chance(s, 0.95 * (1 - pow(best[j] / range, 2)));
	cross = s->nposts >= 2 && saw[0] && saw[1] && visual(e->category) &&
	    chance(s, 0.5);
	if (cross &&
	    report_cross_fix(s, k, &s->posts[nb[0]], &s->posts[nb[1]]) == -1)
		return -1;
	for (j = 0; j < 2 && j < s->nposts; j++) {
		if (!saw[j])
			continue;
		if (!cross &&
		    report_post(s, k, &s->posts[nb[j]], best[j] * 1000) == -1)
			return -1;
		if (is_dark(e->t) && strcmp(e->category, "burst_or_shot") &&
		    strcmp(e->category, "small_arms_fire") && best[j] < 8 &&
		    chance(s, 0.5) &&
		    report_camera(s, k, &s->posts[nb[j]], best[j] * 1000) == -1)
			return -1;
	}
	if (strcmp(e->category, "explosion") == 0 ||
	    strcmp(e->category, "drone_strike") == 0)
		for (i = 0; i < NUM_ARRAYS; i++) {
			d = region_km(e->lat, e->lon, s->arrays[i].lat,
			    s->arrays[i].lon);
			if (d < 20 && chance(s, 0.7) &&
			    report_array(s, k, &s->arrays[i], d * 1000) == -1)
				return -1;
		}
	if (report_patrol(s, k) == -1 || report_uav(s, k) == -1)
		return -1;
	return 0;
}

static double
pick_hour_start(struct sim *s, int64_t day, const double *weights)
{
	size_t h = pick_weighted(s, weights, 24);

	return (double)(day + (int64_t)h * 3600) + uniform(s, 0, 3600);
}

/* Draws the category, weapon and count of one event of an episode. */
static void
draw_kind(struct sim *s, enum episode_kind kind, struct event *e)
{
	static const char *const guns[] = { "artillery", "mortar",
		"grenade_launcher", "tank", "mlrs", "unknown" };
	static const double gunw[] = { 0.30, 0.35, 0.10, 0.08, 0.05, 0.12 };
	double x = prng_uniform(&s->prng);

	e->weapon = NULL;
	e->count = 1;
	switch (kind) {
	case SHELLING:
		e->weapon = guns[pick_weighted(s, gunw, 6)];
		if (x < 0.75) {
			e->category = "explosion";
			e->count = chance(s, 0.06)
			    ? 20 + (int64_t)prng_below(&s->prng, 60)
			    : 1 + (int64_t)prng_poisson(&s->prng, 5);
		} else if (x < 0.87) {
			e->category = "muzzle_flash";
			e->count = 1 + (int64_t)prng_poisson(&s->prng, 3);
		} else {
			e->category = "projectile_in_flight";
			e->count = 1 + (int64_t)prng_poisson(&s->prng, 2);
		}
		break;
	case EXCHANGE:
		if (x < 0.7) {
			e->category = "burst_or_shot";
			e->weapon =
			    chance(s, 0.6) ? "small_arms" : "heavy_machine_gun";
			e->count = 1 + (int64_t)prng_poisson(&s->prng, 10);
		} else {
			e->category = "small_arms_fire";
			e->weapon = "small_arms";
			e->count = 1 + (int64_t)prng_poisson(&s->prng, 25);
		}
		break;
	case FLARES:
		e->category = "illumination_flare";
		e->count = 1 + (int64_t)prng_poisson(&s->prng, 1.5);
		break;
	case DRONE:
		e->weapon = "drone";
		e->category = x < 0.5 ? "drone_strike" : "airspace_violation";
		e->count =
		    x < 0.5 ? 1 + (int64_t)prng_poisson(&s->prng, 0.4) : 1;
		break;
	default:
		if (x < 0.45)
			e->category = "fortification_work";
		else if (x < 0.8) {
			e->category = "movement_in_restricted_zone";
			e->count = 1 + (int64_t)prng_poisson(&s->prng, 2);
		} else {
			e->category = "mine_or_uxo";
			e->weapon = "mine";
		}
		break;
	}
}

/* Generates one episode of up to max_events events on day `day`. */
static int
episode(struct sim *s, int64_t day, size_t max_events)
{
	enum episode_kind kind =
	    (enum episode_kind)pick_weighted(s, kind_weight, NKINDS);
	double lat, lon, dir, t, slat, slon;
	struct event e;
	size_t n, i, first = s->nev;
	long si;

	if (chance(s, 0.65)) {
		region_line_point(s->r, &s->prng, &lat, &lon, &dir);
		offset(s, lat, lon, dir + 90.0,
		    fmax(-6000, fmin(6000, 1500 * prng_normal(&s->prng))), &lat,
		    &lon);
	} else {
		si = (long)prng_below(&s->prng, region_nsettlements(s->r));
		region_settlement(s->r, (size_t)si, &slat, &slon);
		offset(s, slat, slon, uniform(s, 0, 360), uniform(s, 500, 4000),
		    &lat, &lon);
	}
	t = pick_hour_start(s, day,
	    kind == FLARES	      ? dark_hours
		: kind == ENGINEERING ? day_hours
				      : night_hours);
	n = 1 + (size_t)prng_poisson(&s->prng, kind_extra[kind]);
	if (n > max_events)
		n = max_events;
	s->episode++;
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		/* Events follow each other by 2 to 25 minutes; a late episode
		 * runs on past midnight rather than firing its remaining
		 * events all at one instant (which no source could tell
		 * apart). */
		if (i > 0)
			t += uniform(s, 120, 1500);
		e.t = (int64_t)t;
		blur(s, lat, lon, 600.0, &e.lat, &e.lon);
		e.lat = round_to(e.lat, 1e-6);
		e.lon = round_to(e.lon, 1e-6);
		draw_kind(s, kind, &e);
		e.side = region_side(s->r, e.lat, e.lon);
		e.episode = s->episode;
		e.seq = s->seq++;
		if (add_event(s, &e) == -1)
			return -1;
	}
	/* The side that was hit may complain about a shelling or drone. */
	if ((kind == SHELLING ||
		(kind == DRONE &&
		    strcmp(s->ev[first].category, "drone_strike") == 0)) &&
	    chance(s, 0.3))
		if (report_complaint(s, first, n, 0, s->ev[first].lat,
			s->ev[first].lon, s->ev[first].side,
			s->ev[first].t) == -1)
			return -1;
	return 0;
}

static int
cmp_report(const void *a, const void *b)
{
	const struct report *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = *(const struct event *const *)a;
	const struct event *y = *(const struct event *const *)b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
add_index(struct event *e, size_t index)
{
	size_t *n, ncap;

	if (e->nobs == e->capobs) {
		ncap = e->capobs ? e->capobs * 2 : 4;
		if ((n = realloc(e->obs, ncap * sizeof(*n))) == NULL)
			return -1;
		e->obs = n;
		e->capobs = ncap;
	}
	e->obs[e->nobs++] = index;
	return 0;
}

static json_t *
event_json(struct sim *s, const struct event *e)
{
	char when[32], id[32];
	json_t *ev, *idx;
	size_t i;

	if (sim_format_time(e->t, when, sizeof(when)) == -1)
		return NULL;
	snprintf(id, sizeof(id), "E%06llu",
	    (unsigned long long)++s->next_event_id);
	ev = json_pack("{s:s, s:I, s:s, s:o, s:o, s:s}", "id", id, "episode",
	    (json_int_t)e->episode, "time", when, "lat", coord(e->lat), "lon",
	    coord(e->lon), "category", e->category);
	if (ev == NULL)
		return NULL;
	if (e->weapon != NULL)
		json_object_set_new(ev, "weapon", json_string(e->weapon));
	json_object_set_new(ev, "count", json_integer(e->count));
	json_object_set_new(ev, "side", json_string(side_name(e->side)));
	idx = json_array();
	for (i = 0; idx != NULL && i < e->nobs; i++)
		json_array_append_new(idx, json_integer((json_int_t)e->obs[i]));
	if (json_object_set_new(ev, "observations", idx) == -1) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* Writes the day's reports in time order, then its events. */
static int
flush_day(struct sim *s, sim_observation_fn on_obs, sim_event_fn on_event,
    void *arg)
{
	struct event **order = NULL;
	struct report *rp;
	json_t *ev;
	size_t i, k;
	int ret = -1;

	qsort(s->rep, s->nrep, sizeof(s->rep[0]), cmp_report);
	for (i = 0; i < s->nrep; i++) {
		rp = &s->rep[i];
		if (on_obs(arg, rp->obs) == -1)
			goto out;
		for (k = rp->ev_first; k < rp->ev_first + rp->ev_count; k++)
			if (add_index(&s->ev[k], s->out_index) == -1)
				goto out;
		s->out_index++;
	}
	/* Truth in time order; events were drawn episode by episode. */
	if (on_event != NULL && s->nev > 0) {
		if ((order = malloc(s->nev * sizeof(*order))) == NULL)
			goto out;
		for (i = 0; i < s->nev; i++)
			order[i] = &s->ev[i];
		qsort(order, s->nev, sizeof(*order), cmp_event);
	}
	for (i = 0; on_event != NULL && i < s->nev; i++) {
		if ((ev = event_json(s, order[i])) == NULL)
			goto out;
		if (on_event(arg, ev) == -1) {
			json_decref(ev);
			goto out;
		}
		json_decref(ev);
	}
	ret = 0;
out:
	free(order);
	for (i = 0; i < s->nrep; i++)
		json_decref(s->rep[i].obs);
	s->nrep = 0;
	for (i = 0; i < s->nev; i++)
		free(s->ev[i].obs);
	s->nev = 0;
	return ret;
}

/* Places the observation posts and acoustic arrays along the line. */
static void
place_assets(struct sim *s)
{
	double lat, lon, dir, side;
	size_t i, n;

	n = (size_t)(region_line_km(s->r) / 10.0);
	n = n < 4 ? 4 : n > MAX_POSTS ? MAX_POSTS : n;
	for (i = 0; i < n; i++) {
		region_line_point(s->r, &s->prng, &lat, &lon, &dir);
		side = (i % 2) ? 90.0 : -90.0;
		offset(s, lat, lon, dir + side, uniform(s, 1500, 4000),
		    &s->posts[i].lat, &s->posts[i].lon);
		snprintf(s->posts[i].unit, sizeof(s->posts[i].unit), "OP-%zu",
		    i + 1);
		s->posts[i].member = member(s, i);
	}
	s->nposts = n;
	for (i = 0; i < NUM_ARRAYS; i++) {
		region_line_point(s->r, &s->prng, &lat, &lon, &dir);
		offset(s, lat, lon, dir + ((i % 2) ? 90.0 : -90.0),
		    uniform(s, 3000, 8000), &s->arrays[i].lat,
		    &s->arrays[i].lon);
		snprintf(s->arrays[i].unit, sizeof(s->arrays[i].unit), "AS-%zu",
		    i + 1);
		s->arrays[i].member = member(s, i + 1);
		/* Microphones on a ring of 1-2 km around the array's centre. */
		for (n = 0; n < ARRAY_MICS; n++)
			offset(s, s->arrays[i].lat, s->arrays[i].lon,
			    (double)n * 360.0 / ARRAY_MICS +
				uniform(s, -20, 20),
			    uniform(s, 1000, 2000), &s->arrays[i].mic_lat[n],
			    &s->arrays[i].mic_lon[n]);
	}
}

int
sim_run(const struct region *r, const struct sim_config *cfg,
    sim_observation_fn on_obs, sim_event_fn on_event, void *arg)
{
	struct sim s;
	int64_t d, day;
	size_t target, made, k, spur, si;
	double lat, lon;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.cfg = cfg;
	prng_seed(&s.prng, cfg->seed);
	geod_init(&s.geod, 6378137.0, 1 / 298.257223563);
	if (region_nsegments(r) == 0 || region_nsettlements(r) == 0 ||
	    cfg->nmembers == 0) {
		log_warnx("simulate: the region needs a line and settlements, "
			  "the center a member");
		goto out;
	}
	place_assets(&s);
	for (d = 0; d < cfg->days; d++) {
		day = cfg->start_s + d * DAY_S;
		target = (size_t)prng_poisson(&s.prng, cfg->per_day);
		for (made = 0; made < target; made = s.nev)
			if (episode(&s, day, target - made) == -1)
				goto nomem;
		for (k = 0; k < s.nev; k++)
			if (observe_event(&s, k) == -1)
				goto nomem;
		for (spur = prng_poisson(&s.prng, 0.3); spur > 0; spur--) {
			si =
			    (size_t)prng_below(&s.prng, region_nsettlements(r));
			region_settlement(r, si, &lat, &lon);
			if (report_complaint(&s, 0, 0, 1, lat, lon,
				region_side(r, lat, lon),
				(int64_t)pick_hour_start(&s, day,
				    night_hours)) == -1)
				goto nomem;
		}
		if (flush_day(&s, on_obs, on_event, arg) == -1)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	log_warnx("simulate: out of memory");
out:
	for (k = 0; k < s.nrep; k++)
		json_decref(s.rep[k].obs);
	for (k = 0; k < s.nev; k++)
		free(s.ev[k].obs);
	free(s.rep);
	free(s.ev);
	return ret;
}
