/*
 * Unit test of fusion/position: every location form to a position and a
 * covariance (point and UAV frame sigmas from their 95 % and 90 % radii,
 * place + bearing + distance along and across the bearing, exact TDOA and
 * bearing fixes), and every way to stay unresolved with a reason.
 */
#include <math.h>
#include <stdlib.h>

#include "fusion/position.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "locate/ellipsoid.h"
#include "tap.h"

#define T0 1795875600000LL

static json_t *
loc(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	if (j == NULL)
		diag("bad test JSON: %s", s);
	return j;
}

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

/* Metres between two points (geodesic). */
static double
dist(double lat1, double lon1, double lat2, double lon2)
{
	struct geodesy_point a = { lat1, lon1 }, b = { lat2, lon2 };

	return geodesy_distance(&a, &b);
}

static struct gazetteer *
small_gazetteer(void)
{
	struct gazetteer *g = gazetteer_new();
	struct gazetteer_place t;
	char err[200];

	memset(&t, 0, sizeof(t));
	t.name = "Testville";
	t.country = "AZ";
	t.source = "test";
	t.lat = 40.0;
	t.lon = 47.0;
	t.population = 12000;
	t.kind = GAZETTEER_SETTLEMENT;
	if (gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1)
		diag("gazetteer_add: %s", err);
	t.name = "Roughplace";
	t.lat = 40.2;
	t.lon = 47.2;
	t.approximate = 1;
	if (gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1)
		diag("gazetteer_add: %s", err);
	return g;
}

/* Arrival times (ns after the first) at sensors s[] from a source. */
static void
arrivals_json(char *buf, size_t len, const double (*s)[2], size_t n,
    double lat, double lon, double speed, const char *extra)
{
	double src[3], x[3], t[8], first = INFINITY;
	size_t i, o;

	ellipsoid_to_ecef(lat, lon, 0, src);
	for (i = 0; i < n; i++) {
		ellipsoid_to_ecef(s[i][0], s[i][1], 0, x);
		t[i] = sqrt((x[0] - src[0]) * (x[0] - src[0]) +
		    (x[1] - src[1]) * (x[1] - src[1]) +
		    (x[2] - src[2]) * (x[2] - src[2])) / speed;
		if (t[i] < first)
			first = t[i];
	}
	o = (size_t)snprintf(buf, len, "{\"form\":\"arrivals\",\"speed_mmps\":"
	    "%.0f,\"sigma_t_ns\":1000000%s,\"sensors\":[", speed * 1000,
	    extra);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s{\"lat_e7\":%lld,"
		    "\"lon_e7\":%lld,\"alt_m\":0,\"t_ns\":%lld}", i ? "," : "",
		    (long long)llround(s[i][0] * 1e7),
		    (long long)llround(s[i][1] * 1e7),
		    (long long)llround((t[i] - first) * 1e9));
	snprintf(buf + o, len - o, "]}");
}

int
main(void)
{
	struct gazetteer *g = small_gazetteer();
	struct position_resolver *r = position_resolver_new(g);
	struct position_resolver *bare = position_resolver_new(NULL);
	struct geodesy_point from = { 40.0, 47.0 }, to;
	struct position p;
	json_t *l;
	double s, azi2, ex[3], along, cross;
	char buf[4096];
	int rc;

	/* point: precision is the 95 % radius. */
	l = loc("{\"form\":\"point\",\"lat_e7\":400000000,\"lon_e7\":"
		"470000000,\"precision_m\":100}");
	s = 100 / 2.4477468306808161;
	ok(position_resolve(r, l, T0, &p) == 0 && p.resolved &&
		near(p.lat, 40, 1e-12) && near(p.lon, 47, 1e-12),
	    "point: resolved at its coordinates");
	ok(near(p.cov[0], s * s, 1e-6) && near(p.cov[2], s * s, 1e-6) &&
		p.cov[1] == 0,
	    "point: sigma = precision / 2.4477 on each axis (%.3f m^2)",
	    p.cov[0]);
	json_decref(l);

	/* UAV frame: CE90 is the 90 % radius. */
	l = loc("{\"form\":\"uav_frame\",\"lat_e7\":400000000,\"lon_e7\":"
		"470000000,\"ce90_m\":15}");
	s = 15 / 2.1459660262893472;
	ok(position_resolve(r, l, T0, &p) == 0 && near(p.cov[0], s * s,
							     1e-6),
	    "uav_frame: sigma = CE90 / 2.1460 (%.3f m^2)", p.cov[0]);
	json_decref(l);

	/* place + bearing + distance, default distance error. */
	l = loc("{\"form\":\"place\",\"place\":\"testville\",\"bearing_mdeg\":"
		"90000,\"distance_m\":3000}");
	geodesy_direct(&from, 90, 3000, &to, &azi2);
	ok(position_resolve(r, l, T0, &p) == 0 &&
		dist(p.lat, p.lon, to.lat, to.lon) < 1e-3,
	    "place: the direct problem from the gazetteer's place (folded "
	    "name)");
	/* Along: 20 % and the sag of a 10-degree bearing error. */
	along = hypot(0.2 * 3000,
	    3000 * pow(10 * M_PI / 180, 2) * sqrt(3.0) / 2);
	cross = 3000 * tan(10 * M_PI / 180);
	position_track_cov(azi2, along, cross, 300, ex);
	ok(near(p.cov[0], ex[0], 1e-6) && near(p.cov[1], ex[1], 1e-6) &&
		near(p.cov[2], ex[2], 1e-6),
	    "place: 20 %% of the distance and the sag along, 10 degrees "
	    "across, 300 m settlement");
	ok(near(sqrt(p.cov[0]), sqrt(along * along + 300 * 300), 2) &&
		near(sqrt(p.cov[2]), sqrt(cross * cross + 300 * 300), 2),
	    "place: east (along) %.0f m, north (across) %.0f m",
	    sqrt(p.cov[0]), sqrt(p.cov[2]));
	json_decref(l);

	l = loc("{\"form\":\"place\",\"place\":\"Testville\",\"bearing_mdeg\":"
		"0,\"distance_m\":200,\"distance_error_m\":250}");
	ok(position_resolve(r, l, T0, &p) == 0 &&
		near(sqrt(p.cov[2]), sqrt(250.0 * 250 + 300 * 300), 0.5),
	    "place: a given distance error is the along-track sigma");
	json_decref(l);

	l = loc("{\"form\":\"place\",\"place\":\"Roughplace\",\"bearing_mdeg\":"
		"0,\"distance_m\":0}");
	ok(position_resolve(r, l, T0, &p) == 0 &&
		near(sqrt(p.cov[0]), sqrt(5000.0 * 5000 + 100 * 100), 1),
	    "place: an approximate place adds 5 km");
	json_decref(l);

	l = loc("{\"form\":\"place\",\"place\":\"Nowhere\",\"bearing_mdeg\":0,"
		"\"distance_m\":100}");
	ok(position_resolve(r, l, T0, &p) == -1 && !p.resolved &&
		strstr(p.note, "not in the gazetteer") != NULL,
	    "place: unknown name unresolved (%s)", p.note);
	ok(position_resolve(r, l, T0, &p) == -1 &&
		strstr(p.note, "not in the gazetteer") != NULL,
	    "place: the remembered miss says the same");
	ok(position_resolve(bare, l, T0, &p) == -1 &&
		strstr(p.note, "no gazetteer") != NULL,
	    "place without a gazetteer unresolved (%s)", p.note);
	json_decref(l);

	/* arrivals: exact times give the source and its emission time. */
	{
		static const double s4[4][2] = { { 40.00, 47.00 },
			{ 40.02, 47.03 }, { 39.98, 47.04 }, { 40.01, 47.06 } };
		double tlat = 40.05, tlon = 47.10, src[3], x[3], d0;

		arrivals_json(buf, sizeof(buf), s4, 4, tlat, tlon, 343,
		    ",\"source_alt_m\":0");
		l = loc(buf);
		rc = position_resolve(r, l, T0, &p);
		ok(rc == 0 && dist(p.lat, p.lon, tlat, tlon) < 1.0,
		    "arrivals: exact times locate the source (%.3f m off)",
		    dist(p.lat, p.lon, tlat, tlon));
		/* The first arrival was at T0: emission = T0 - d_min/343. */
		ellipsoid_to_ecef(tlat, tlon, 0, src);
		ellipsoid_to_ecef(s4[3][0], s4[3][1], 0, x);
		d0 = sqrt((x[0] - src[0]) * (x[0] - src[0]) +
		    (x[1] - src[1]) * (x[1] - src[1]) +
		    (x[2] - src[2]) * (x[2] - src[2]));
		ok(p.has_time && near(p.t_ms, (double)T0 - d0 / 343 * 1000,
				     1.0),
		    "arrivals: the emission time is solved (%.1f ms off)",
		    p.t_ms - ((double)T0 - d0 / 343 * 1000));
		ok(p.cov[0] > 0 && p.cov[2] > 0 &&
			p.cov[0] * p.cov[2] > p.cov[1] * p.cov[1],
		    "arrivals: a positive definite covariance");
		json_decref(l);
	}
	{
		static const double same[3][2] = { { 40.0, 47.0 },
			{ 40.0, 47.0 }, { 40.0, 47.0 } };

		arrivals_json(buf, sizeof(buf), same, 3, 40.05, 47.1, 343,
		    ",\"source_alt_m\":0");
		l = loc(buf);
		ok(position_resolve(r, l, T0, &p) == -1 &&
			strncmp(p.note, "arrivals:", 9) == 0,
		    "arrivals: three sensors at one point stay unresolved "
		    "(%s)", p.note);
		json_decref(l);
	}

	/* bearings: two exact bearings cross at the target. */
	{
		struct geodesy_point a = { 40.0, 47.0 }, b = { 40.0, 47.1 },
				     t = { 40.05, 47.05 };
		struct geodesy_inverse ia, ib;

		geodesy_inverse(&a, &t, &ia);
		geodesy_inverse(&b, &t, &ib);
		snprintf(buf, sizeof(buf), "{\"form\":\"bearings\",\"bearings\":"
		    "[{\"lat_e7\":400000000,\"lon_e7\":470000000,"
		    "\"bearing_mdeg\":%lld,\"sigma_mdeg\":1000},{\"lat_e7\":"
		    "400000000,\"lon_e7\":471000000,\"bearing_mdeg\":%lld,"
		    "\"sigma_mdeg\":1000}]}",
		    (long long)llround(ia.azi1_deg * 1000),
		    (long long)llround(ib.azi1_deg * 1000));
		l = loc(buf);
		rc = position_resolve(r, l, T0, &p);
		ok(rc == 0 && dist(p.lat, p.lon, t.lat, t.lon) < 2.0,
		    "bearings: two exact bearings cross at the target (%.2f m)",
		    dist(p.lat, p.lon, t.lat, t.lon));
		ok(!p.has_time, "bearings: no emission time");
		json_decref(l);
	}
	l = loc("{\"form\":\"bearings\",\"bearings\":[{\"lat_e7\":400000000,"
		"\"lon_e7\":470000000,\"bearing_mdeg\":270000,\"sigma_mdeg\":"
		"1000},{\"lat_e7\":400000000,\"lon_e7\":471000000,"
		"\"bearing_mdeg\":90000,\"sigma_mdeg\":1000}]}");
	rc = position_resolve(r, l, T0, &p);
	ok(rc == -1 && strncmp(p.note, "bearings:", 9) == 0,
	    "bearings that meet only behind the posts stay unresolved (%s)",
	    p.note);
	json_decref(l);
	l = loc("{\"form\":\"bearings\",\"bearings\":[{\"lat_e7\":400000000,"
		"\"lon_e7\":470000000,\"bearing_mdeg\":1000,\"sigma_mdeg\":1000},"
		"{\"lat_e7\":400000000,\"lon_e7\":471000000,\"bearing_mdeg\":"
		"357000,\"sigma_mdeg\":1000}]}");
	rc = position_resolve(r, l, T0, &p);
	ok(rc == 0 && strstr(p.note, "poor geometry") != NULL &&
		p.cov[0] > 1e6,
	    "bearings crossing at 4 degrees: kept, covariance inflated (%s)",
	    p.note);
	json_decref(l);

	l = loc("{\"form\":\"smoke_signal\"}");
	ok(position_resolve(r, l, T0, &p) == -1 &&
		strstr(p.note, "unknown location form") != NULL,
	    "an unknown form is unresolved, not a crash");
	json_decref(l);

	position_resolver_free(r);
	position_resolver_free(bare);
	position_resolver_free(NULL);
	gazetteer_free(g);
	return done_testing();
}
