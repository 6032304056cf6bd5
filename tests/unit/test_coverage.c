/*
 * Honest ellipses, simulated (docs/localization.md, "Honest ellipses"):
 * for every location form fusion takes, reports drawn under the form's own
 * stated error model go through position_resolve, and the truth must lie
 * inside the 95 % ellipse of the covariance fusion uses in 93-97 % of
 * 2,000 trials:
 *  - point: the precision class (10, 100, 1000 m) is the 95 % radius;
 *  - uav_frame: the CE90 is the 90 % radius;
 *  - place + bearing + distance: given the report, the observer stood
 *    somewhere in the settlement (300 m), the true bearing is off by 10
 *    degrees (one sigma), the true distance by distance_error_m or, without
 *    it, 20 % of the reported distance (at least 100 m);
 *  - bearings: 2 to 4 posts 2-15 km away, each bearing off by its sigma;
 *  - arrivals: 4-microphone acoustic arrays (1-2 km), sources up to 6 km
 *    away, 5 ms timing, the speed of sound off by 1 % and every microphone
 *    misplaced by 5 m (the floor of docs/localization.md).
 * Seeded, so the figures are the same on every run.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fusion/position.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "locate/ellipsoid.h"
#include "tap.h"

#define T0 1795875600000LL
#define TRIALS 2000
#define LAT0 40.0
#define LON0 47.0
#define SOUND 343.0
#define DEG (M_PI / 180.0)

#define NOISE_SEED 0x2545f4914f6cdd1dULL
#include "noise.h"

/* The point e metres east and n north of (lat, lon), on the ground. */
static void
move(double lat, double lon, double e, double n, double *olat, double *olon)
{
	struct ellipsoid_enu f;
	double enu[3] = { e, n, 0 }, x[3];

	ellipsoid_enu_init(&f, lat, lon, 0);
	ellipsoid_enu_to_ecef(&f, enu, x);
	ellipsoid_from_ecef(x, olat, olon, NULL);
}

/* Whether the truth lies inside the 95 % ellipse of the position p. */
static int
inside(const struct position *p, double lat, double lon)
{
	struct ellipsoid_enu f;
	double x[3], enu[3], det, d2;

	ellipsoid_enu_init(&f, p->lat, p->lon, 0);
	ellipsoid_to_ecef(lat, lon, 0, x);
	ellipsoid_enu_from_ecef(&f, x, enu);
	det = p->cov[0] * p->cov[2] - p->cov[1] * p->cov[1];
	d2 = (p->cov[2] * enu[0] * enu[0] - 2 * p->cov[1] * enu[0] * enu[1] +
		 p->cov[0] * enu[1] * enu[1]) /
	    det;
	return d2 <= ELLIPSOID_CHI2_95_2D;
}

static long long
e7(double deg)
{
	return llround(deg * 1e7);
}

/* Resolves the location text and counts the truth in or out. */
static void
tally(struct position_resolver *r, const char *text, double lat, double lon,
    int *in, int *resolved)
{
	struct position p;
	json_t *l = json_loads(text, 0, NULL);

	if (l == NULL) {
		diag("bad JSON: %s", text);
		return;
	}
	if (position_resolve(r, l, T0, &p) == 0) {
		(*resolved)++;
		*in += inside(&p, lat, lon);
	}
	json_decref(l);
}

static void
report(const char *form, int in, int resolved, int min_resolved)
{
	double share = resolved > 0 ? 100.0 * in / resolved : 0;

	ok(resolved >= min_resolved, "%s: %d of %d trials resolved", form,
	    resolved, TRIALS);
	ok(share >= 93 && share <= 97,
	    "%s: the truth inside the 95 %% ellipse in %.1f %% of %d",
	    form, share, resolved);
}

static void
point_forms(struct position_resolver *r)
{
	static const int classes[3] = { 10, 100, 1000 };
	double lat, lon, sigma;
	char buf[256];
	int i, c, in = 0, n = 0, ce90;

	for (i = 0; i < TRIALS; i++) {
		c = classes[i % 3];
		sigma = c / POSITION_SIGMA_95;
		move(LAT0, LON0, sigma * gauss(), sigma * gauss(), &lat, &lon);
		snprintf(buf, sizeof(buf), "{\"form\":\"point\",\"lat_e7\":%lld,"
		    "\"lon_e7\":%lld,\"precision_m\":%d}", e7(lat), e7(lon), c);
		tally(r, buf, LAT0, LON0, &in, &n);
	}
	report("point with a precision class", in, n, TRIALS);
	in = n = 0;
	for (i = 0; i < TRIALS; i++) {
		ce90 = 5 + (int)(uniform() * 200);
		sigma = ce90 / POSITION_SIGMA_90;
		move(LAT0, LON0, sigma * gauss(), sigma * gauss(), &lat, &lon);
		snprintf(buf, sizeof(buf), "{\"form\":\"uav_frame\",\"lat_e7\":"
		    "%lld,\"lon_e7\":%lld,\"ce90_m\":%d}", e7(lat), e7(lon),
		    ce90);
		tally(r, buf, LAT0, LON0, &in, &n);
	}
	report("UAV frame centre with its CE90", in, n, TRIALS);
}

static void
place_form(struct position_resolver *r)
{
	struct geodesy_point obs, truth;
	double olat, olon, said, derr, b, azi2, d;
	char buf[256], extra[64];
	int i, in = 0, n = 0, given;

	for (i = 0; i < TRIALS; i++) {
		said = 300 + uniform() * 14700;
		b = uniform() * 360;
		given = i % 2;
		derr = given ? fmax(50, (0.05 + 0.25 * uniform()) * said)
			     : fmax(POSITION_MIN_DISTANCE_ERROR_M,
				   POSITION_DISTANCE_ERROR_SHARE * said);
		move(LAT0, LON0, POSITION_SETTLEMENT_ERROR_M * gauss(),
		    POSITION_SETTLEMENT_ERROR_M * gauss(), &olat, &olon);
		obs.lat = olat;
		obs.lon = olon;
		do
			d = said + derr * gauss();
		while (d < 0);
		if (geodesy_direct(&obs, b + POSITION_BEARING_ERROR_DEG *
			gauss(), d, &truth, &azi2) == -1)
			continue;
		extra[0] = '\0';
		if (given)
			snprintf(extra, sizeof(extra),
			    ",\"distance_error_m\":%.0f", derr);
		snprintf(buf, sizeof(buf), "{\"form\":\"place\",\"place\":"
		    "\"Testville\",\"bearing_mdeg\":%lld,\"distance_m\":"
		    "%.0f%s}", llround(b * 1000) % 360000, said, extra);
		tally(r, buf, truth.lat, truth.lon, &in, &n);
	}
	report("place + bearing + distance", in, n, TRIALS - 10);
}

static void
bearings_form(struct position_resolver *r)
{
	struct geodesy_point post, target = { LAT0, LON0 };
	struct geodesy_inverse inv;
	double plat, plon, az, d, sigma, b;
	char buf[1024];
	size_t o;
	int i, k, nb, in = 0, n = 0;

	for (i = 0; i < TRIALS; i++) {
		nb = 2 + i % 3;
		o = (size_t)snprintf(buf, sizeof(buf), "{\"form\":\"bearings\","
		    "\"bearings\":[");
		for (k = 0; k < nb; k++) {
			az = uniform() * 2 * M_PI;
			d = 2000 + uniform() * 13000;
			move(LAT0, LON0, d * sin(az), d * cos(az), &plat, &plon);
			post.lat = plat;
			post.lon = plon;
			geodesy_inverse(&post, &target, &inv);
			sigma = 0.5 + uniform() * 2.5;
			b = fmod(inv.azi1_deg + sigma * gauss() + 720.0, 360.0);
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "%s{\"lat_e7\":%lld,\"lon_e7\":%lld,"
			    "\"bearing_mdeg\":%lld,\"sigma_mdeg\":%lld}",
			    k ? "," : "", e7(plat), e7(plon),
			    llround(b * 1000) % 360000,
			    llround(sigma * 1000));
		}
		snprintf(buf + o, sizeof(buf) - o, "]}");
		tally(r, buf, LAT0, LON0, &in, &n);
	}
	report("bearings triangulation", in, n, TRIALS * 9 / 10);
}

static void
arrivals_form(struct position_resolver *r)
{
	double mic[4][2], tmic[4][2], slat, slon, a, rad, d, az, t[4], first;
	double speed, src[3], x[3];
	char buf[1024];
	size_t o;
	int i, k, in = 0, n = 0;

	for (i = 0; i < TRIALS; i++) {
		rad = 1000 + uniform() * 1000;
		a = uniform() * 2 * M_PI;
		for (k = 0; k < 4; k++) {
			/* A ring, each microphone 20 degrees off regular. */
			az = a + k * M_PI / 2 + 20 * DEG * (2 * uniform() - 1);
			move(LAT0, LON0, rad * sin(az), rad * cos(az),
			    &mic[k][0], &mic[k][1]);
			move(mic[k][0], mic[k][1], 5 * gauss(), 5 * gauss(),
			    &tmic[k][0], &tmic[k][1]);
		}
		d = uniform() * 6000;
		az = uniform() * 2 * M_PI;
		move(LAT0, LON0, d * sin(az), d * cos(az), &slat, &slon);
		speed = SOUND * (1 + 0.01 * gauss());
		ellipsoid_to_ecef(slat, slon, 0, src);
		first = INFINITY;
		for (k = 0; k < 4; k++) {
			ellipsoid_to_ecef(tmic[k][0], tmic[k][1], 0, x);
			t[k] = sqrt((x[0] - src[0]) * (x[0] - src[0]) +
			    (x[1] - src[1]) * (x[1] - src[1]) +
			    (x[2] - src[2]) * (x[2] - src[2])) / speed +
			    0.005 * gauss();
			if (t[k] < first)
				first = t[k];
		}
		o = (size_t)snprintf(buf, sizeof(buf), "{\"form\":\"arrivals\","
		    "\"speed_mmps\":%.0f,\"sigma_t_ns\":5000000,"
		    "\"source_alt_m\":0,\"sensors\":[", SOUND * 1000);
		for (k = 0; k < 4; k++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "%s{\"lat_e7\":%lld,\"lon_e7\":%lld,\"alt_m\":0,"
			    "\"t_ns\":%lld}", k ? "," : "", e7(mic[k][0]),
			    e7(mic[k][1]), llround((t[k] - first) * 1e9));
		snprintf(buf + o, sizeof(buf) - o, "]}");
		tally(r, buf, slat, slon, &in, &n);
	}
	report("TDOA (acoustic arrays)", in, n, TRIALS * 9 / 10);
}

static struct gazetteer *
one_town(void)
{
	struct gazetteer *g = gazetteer_new();
	struct gazetteer_place t;
	char err[200];

	memset(&t, 0, sizeof(t));
	t.name = "Testville";
	t.country = "AZ";
	t.source = "test";
	t.lat = LAT0;
	t.lon = LON0;
	t.population = 12000;
	t.kind = GAZETTEER_SETTLEMENT;
	if (gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1)
		diag("gazetteer_add: %s", err);
	return g;
}

int
main(void)
{
	struct gazetteer *g = one_town();
	struct position_resolver *r = position_resolver_new(g);

	ok(r != NULL, "a resolver over a one-town gazetteer");
	point_forms(r);
	place_form(r);
	bearings_form(r);
	arrivals_form(r);
	position_resolver_free(r);
	gazetteer_free(g);
	return done_testing();
}
