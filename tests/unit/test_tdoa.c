/*
 * Unit test of locate/tdoa: exact synthetic arrivals give the exact source
 * (2-D and 3-D, sound and radio, t_s and epoch-scale t_ns); noisy arrivals
 * put the truth inside the 95 % ellipse at close to 95 % of 2,000 trials and
 * the RMSE near the Cramer-Rao bound; too few, collinear and ambiguous
 * sensors get the right status; an outlier sensor is dropped.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "locate/ellipsoid.h"
#include "locate/tdoa.h"
#include "tap.h"

#define C_LIGHT 299792458.0

#define NOISE_SEED 0x9e3779b97f4a7c15ULL
#include "noise.h"

/* The geodetic point at (east, north, up) metres from lat0, lon0, h0. */
static void
offset(double lat0, double lon0, double h0, double e, double n, double u,
    double *lat, double *lon, double *h)
{
	struct ellipsoid_enu f;
	double enu[3] = { e, n, u }, x[3];

	ellipsoid_enu_init(&f, lat0, lon0, h0);
	ellipsoid_enu_to_ecef(&f, enu, x);
	ellipsoid_from_ecef(x, lat, lon, h);
}

static double
range(double lat1, double lon1, double h1, double lat2, double lon2,
    double h2)
{
	double a[3], b[3];

	ellipsoid_to_ecef(lat1, lon1, h1, a);
	ellipsoid_to_ecef(lat2, lon2, h2, b);
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) +
	    (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/* Horizontal distance (m) and the squared Mahalanobis distance. */
static void
miss(const struct tdoa_result *r, double lat, double lon, double h,
    double *dist, double *d2)
{
	struct ellipsoid_enu f;
	double x[3], enu[3], det;

	ellipsoid_enu_init(&f, r->lat_deg, r->lon_deg, r->alt_m);
	ellipsoid_to_ecef(lat, lon, h, x);
	ellipsoid_enu_from_ecef(&f, x, enu);
	*dist = hypot(enu[0], enu[1]);
	det = r->cov_en[0] * r->cov_en[2] - r->cov_en[1] * r->cov_en[1];
	*d2 = (r->cov_en[2] * enu[0] * enu[0] -
		  2 * r->cov_en[1] * enu[0] * enu[1] +
		  r->cov_en[0] * enu[1] * enu[1]) /
	    det;
}

/*
 * Fills sensors[] at the (east, north, up) offsets from a centre, with
 * arrival times from a source at lat, lon, h emitted at t0, plus noise of
 * sigma (s). Times in t_s, and in t_ns (rounded) from t0_ns.
 */
static void
make_fix(struct tdoa_sensor *s, size_t n, const double (*enu)[3],
    double clat, double clon, double lat, double lon, double h,
    double speed, double t0, int64_t t0_ns, double sigma)
{
	double d, noise;
	size_t i;

	for (i = 0; i < n; i++) {
		offset(clat, clon, 0, enu[i][0], enu[i][1], enu[i][2],
		    &s[i].lat_deg, &s[i].lon_deg, &s[i].alt_m);
		d = range(s[i].lat_deg, s[i].lon_deg, s[i].alt_m, lat, lon, h);
		noise = sigma > 0 ? sigma * gauss() : 0;
		s[i].t_s = t0 + d / speed + noise;
		s[i].t_ns = t0_ns + (int64_t)llround((d / speed + noise) * 1e9);
	}
}

static const double ring5[5][3] = { { 0, 0, 10 }, { 3000, 500, 40 },
	{ -2000, 2500, -20 }, { -1500, -2800, 5 }, { 2500, -2000, 60 } };

static void
exact_cases(void)
{
	struct tdoa_sensor s[8];
	struct tdoa_fix fix = { s, 5, 0, 343.0, 0.001, 0, 0 };
	struct tdoa_result r;
	double lat, lon, h, dist, d2, lat2, lon2, h2;
	static const double radio[6][3] = { { 0, 0, 300 },
		{ 60000, 10000, 500 }, { -40000, 50000, 200 },
		{ -30000, -55000, 900 }, { 50000, -40000, 100 },
		{ 5000, 70000, 1500 } };

	/* Sound, 3-D: a source 1.2 km from the centre, 250 m up. */
	offset(39.95, 46.90, 0, 1200, -800, 250, &lat, &lon, &h);
	make_fix(s, 5, ring5, 39.95, 46.90, lat, lon, h, 343.0, 12.0, 0, 0);
	ok(tdoa_solve(&fix, NULL, &r) == 0, "sound 3-D exact: solved (%s)",
	    r.message);
	is_str(tdoa_status_name(r.status), "ok", "sound 3-D exact: ok");
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 1e-3 && fabs(r.alt_m - h) < 1e-3,
	    "sound 3-D exact: within 1 mm (%.2g m, dh %.2g m)", dist,
	    r.alt_m - h);
	is_int(r.nused, 5, "sound 3-D: all 5 sensors used");
	ok(r.residual_rms_m < 1e-6, "sound 3-D: residual %.2g m",
	    r.residual_rms_m);

	/* Sound, 2-D at the known height. */
	fix.known_alt = 1;
	fix.alt_m = h;
	ok(tdoa_solve(&fix, NULL, &r) == 0 && r.status == TDOA_OK,
	    "sound 2-D exact: ok (%s)", r.message);
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 1e-3, "sound 2-D exact: within 1 mm (%.2g m)", dist);
	ok(r.alt_m == h, "sound 2-D: height is the given one");

	/* Sound, 2-D with three sensors: the minimum. */
	fix.nsensors = 3;
	offset(39.95, 46.90, 0, -300, 400, 0, &lat2, &lon2, &h2);
	fix.alt_m = h2;
	make_fix(s, 3, ring5 + 1, 39.95, 46.90, lat2, lon2, h2, 343.0, 3.0, 0,
	    0);
	ok(tdoa_solve(&fix, NULL, &r) == 0, "sound 2-D, 3 sensors: solved (%s)",
	    r.message);
	miss(&r, lat2, lon2, h2, &dist, &d2);
	ok(dist < 1e-3 || r.status == TDOA_POOR_GEOMETRY,
	    "sound 2-D, 3 sensors: within 1 mm or flagged ambiguous (%.2g m, "
	    "%s)",
	    dist, tdoa_status_name(r.status));

	/* Radio, 3-D: an aircraft at 9 km, sensors spread over ~100 km. */
	offset(48.0, 10.0, 0, 20000, 15000, 9000, &lat, &lon, &h);
	make_fix(s, 6, radio, 48.0, 10.0, lat, lon, h, C_LIGHT, 100.0, 0, 0);
	fix.nsensors = 6;
	fix.known_alt = 0;
	fix.speed_mps = C_LIGHT;
	fix.sigma_t_s = 50e-9;
	ok(tdoa_solve(&fix, NULL, &r) == 0, "radio 3-D exact: solved (%s)",
	    r.message);
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 1e-3 && fabs(r.alt_m - h) < 1e-2,
	    "radio 3-D exact (t_s): within 1 mm horizontally (%.2g m, dh "
	    "%.2g m)",
	    dist, r.alt_m - h);
	fix.known_alt = 1;
	fix.alt_m = h;
	ok(tdoa_solve(&fix, NULL, &r) == 0 && r.status == TDOA_OK,
	    "radio 2-D exact: ok (%s)", r.message);
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 1e-3, "radio 2-D exact (t_s): within 1 mm (%.2g m)", dist);

	/*
	 * Across the antimeridian and at the north pole, sound, 2-D/3-D.
	 * The 3-D source is 400 m up: at 150 m this nearly flat array cannot
	 * tell it from its mirror image 120 m underground (delta chi2 7.4)
	 * and the fix is rightly flagged ambiguous.
	 */
	{
		static const double where[2][2] = { { 65.0, 179.995 },
			{ 90.0, 0.0 } };
		static const char *name[2] = { "antimeridian", "north pole" };
		int k, dim;

		for (k = 0; k < 2; k++)
			for (dim = 2; dim <= 3; dim++) {
				struct tdoa_fix f2 = { s, 5, 0, 343.0, 0.001,
					dim == 2, 0 };

				offset(where[k][0], where[k][1], 0, 900, 700,
				    dim == 3 ? 400 : 0, &lat2, &lon2, &h2);
				f2.alt_m = h2;
				make_fix(s, 5, ring5, where[k][0], where[k][1],
				    lat2, lon2, h2, 343.0, 7.0, 0, 0);
				tdoa_solve(&f2, NULL, &r);
				miss(&r, lat2, lon2, h2, &dist, &d2);
				ok(r.status == TDOA_OK && dist < 1e-3,
				    "%s, %d-D exact: ok within 1 mm (%.2g m; "
				    "%s)",
				    name[k], dim, dist, r.message);
			}
	}

	/* Radio in integer ns at an epoch of 1.8e18 ns: ns rounding only. */
	make_fix(s, 6, radio, 48.0, 10.0, lat, lon, h, C_LIGHT, 0,
	    INT64_C(1800000000123456789), 0);
	fix.times_ns = 1;
	ok(tdoa_solve(&fix, NULL, &r) == 0, "radio 2-D t_ns at 1.8e18 ns: "
					    "solved (%s)", r.message);
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 0.5, "radio t_ns at 1.8e18: within the ns rounding (%.3g m)",
	    dist);
	{
		double d_small;
		struct tdoa_result r2;

		make_fix(s, 6, radio, 48.0, 10.0, lat, lon, h, C_LIGHT, 0,
		    INT64_C(1000), 0);
		tdoa_solve(&fix, NULL, &r2);
		miss(&r2, r.lat_deg, r.lon_deg, h, &d_small, &d2);
		ok(d_small < 1e-6, "radio t_ns: epoch 1.8e18 and epoch 1e3 "
				   "give the same answer (%.2g m)", d_small);
	}
}

/*
 * Monte Carlo: n trials of the geometry with timing noise only; the share of
 * truths inside the 95 % ellipse of the timing part (the model-error floor
 * off, the variance factor on: it must not make a right sigma_t
 * conservative) and the RMSE against the Cramer-Rao bound.
 */
static void
coverage(const char *name, const double (*enu)[3], size_t n, double speed,
    double sigma, int known_alt, double se, double sn, double su)
{
	struct tdoa_sensor s[8];
	struct tdoa_fix fix = { s, n, 0, speed, sigma, known_alt, 0 };
	struct tdoa_options opt;
	struct tdoa_result r;
	double lat, lon, h, dist, d2, sum2 = 0, crb[3], vu;
	int i, inside = 0, solved = 0, trials = 2000;

	tdoa_options_default(&opt);
	opt.model_floor = 0;
	offset(40.0, 47.0, 0, se, sn, su, &lat, &lon, &h);
	fix.alt_m = h;
	make_fix(s, n, enu, 40.0, 47.0, lat, lon, h, speed, 5.0, 0, 0);
	ok(tdoa_crb(&fix, lat, lon, h, crb, &vu) == 0, "%s: CRB computed",
	    name);
	for (i = 0; i < trials; i++) {
		make_fix(s, n, enu, 40.0, 47.0, lat, lon, h, speed, 5.0, 0,
		    sigma);
		if (tdoa_solve(&fix, &opt, &r) == -1)
			continue;
		solved++;
		miss(&r, lat, lon, h, &dist, &d2);
		sum2 += dist * dist;
		inside += d2 <= ELLIPSOID_CHI2_95_2D;
	}
	is_int(solved, trials, "%s: every trial solved", name);
	ok(inside >= 0.92 * trials && inside <= 0.98 * trials,
	    "%s: truth inside the 95 %% ellipse in %.1f %% of %d trials", name,
	    100.0 * inside / trials, trials);
	ok(sqrt(sum2 / solved) < 1.15 * sqrt(crb[0] + crb[2]),
	    "%s: horizontal RMSE %.3g m within 15 %% of the CRB %.3g m", name,
	    sqrt(sum2 / solved), sqrt(crb[0] + crb[2]));
}

static void
status_cases(void)
{
	struct tdoa_sensor s[8];
	struct tdoa_fix fix = { s, 3, 0, 343.0, 0.001, 0, 0 };
	struct tdoa_result r;
	double lat, lon, h, dist, d2;
	static const double line[5][3] = { { -2000, 0, 0 }, { -500, 0, 0 },
		{ 0, 0, 0 }, { 1000, 0, 0 }, { 2600, 0, 0 } };
	static const double square4[4][3] = { { -1000, -1000, 0 },
		{ 1000, -1000, 0 }, { 1000, 1000, 0 }, { -1000, 1000, 0 } };

	offset(40.0, 47.0, 0, 300, 200, 0, &lat, &lon, &h);
	make_fix(s, 3, ring5, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0, 0);
	ok(tdoa_solve(&fix, NULL, &r) == -1 && r.status == TDOA_FAILED,
	    "3-D with 3 sensors: failed");
	ok(strstr(r.message, "too few sensors") != NULL, "and says why: %s",
	    r.message);
	fix.nsensors = 2;
	fix.known_alt = 1;
	fix.alt_m = h;
	ok(tdoa_solve(&fix, NULL, &r) == -1 && r.status == TDOA_FAILED,
	    "2-D with 2 sensors: failed (%s)", r.message);

	/* Collinear sensors: the mirror image across their line fits. */
	offset(40.0, 47.0, 0, 400, 1500, 0, &lat, &lon, &h);
	make_fix(s, 5, line, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0, 0);
	fix.nsensors = 5;
	fix.alt_m = h;
	ok(tdoa_solve(&fix, NULL, &r) == 0 &&
		r.status == TDOA_POOR_GEOMETRY,
	    "2-D collinear sensors: poor_geometry");
	ok(strstr(r.message, "collinear") != NULL, "and says why: %s",
	    r.message);

	/* Three sensors, source outside their triangle: the two hyperbolas
	 * cross twice and both crossings fit exactly. */
	{
		static const double tri[3][3] = { { 0, 0, 0 }, { 2000, 0, 0 },
			{ 600, 1500, 0 } };
		static const double tri5[5][3] = { { 0, 0, 0 }, { 2000, 0, 0 },
			{ 600, 1500, 0 }, { -3000, -1000, 0 },
			{ -1000, -4000, 0 } };
		const char *p;
		double rlat = 0, rlon = 0, d_best, d_rival;

		offset(40.0, 47.0, 0, -5000, -3500, 0, &lat, &lon, &h);
		make_fix(s, 3, tri, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0,
		    0);
		fix.nsensors = 3;
		fix.alt_m = h;
		tdoa_solve(&fix, NULL, &r);
		ok(r.status == TDOA_POOR_GEOMETRY &&
			(p = strstr(r.message, "ambiguous")) != NULL,
		    "3 sensors, two exact crossings: poor_geometry, ambiguous "
		    "(%s)",
		    r.message);
		p = strstr(r.message, "second solution at ");
		if (p != NULL)
			sscanf(p + 19, "%lf,%lf", &rlat, &rlon);
		miss(&r, lat, lon, h, &d_best, &d2);
		d_rival = range(rlat, rlon, h, lat, lon, h);
		ok(d_best < 1e-3 || d_rival < 1.0,
		    "the truth is the fix (%.2g m) or the named rival (%.2g m)",
		    d_best, d_rival);
		make_fix(s, 5, tri5, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0,
		    0);
		fix.nsensors = 5;
		tdoa_solve(&fix, NULL, &r);
		miss(&r, lat, lon, h, &dist, &d2);
		ok(r.status == TDOA_OK && dist < 1e-3,
		    "two more sensors resolve it: ok, exact (%.2g m)", dist);
	}

	/* A flat array in 3-D: the source and its mirror below the array
	 * fit equally; same place, so ok, and the higher one is given. */
	{
		static const double flat[5][3] = { { 0, 0, 0 }, { 300, 50, 0 },
			{ -200, 250, 0 }, { -150, -280, 0 }, { 250, -200, 0 } };

		offset(40.0, 47.0, 0, 100, 80, 200, &lat, &lon, &h);
		make_fix(s, 5, flat, 40.0, 47.0, lat, lon, h, 343.0, 3.0, 0, 0);
		fix.nsensors = 5;
		fix.known_alt = 0;
		fix.sigma_t_s = 0.0001;
		tdoa_solve(&fix, NULL, &r);
		miss(&r, lat, lon, h, &dist, &d2);
		ok(r.status == TDOA_OK && dist < 1e-3 &&
			fabs(r.alt_m - h) < 1e-3 &&
			strstr(r.message, "height ambiguous") != NULL,
		    "flat array, 3-D, source 200 m up: ok, exact, the mirror "
		    "named (%.2g m, dh %.2g m; %s)",
		    dist, r.alt_m - h, r.message);
		fix.known_alt = 1;
		fix.sigma_t_s = 0.001;
	}

	/* Far outside a small array: high GDOP. */
	offset(40.0, 47.0, 0, 60000, 30000, 0, &lat, &lon, &h);
	make_fix(s, 4, square4, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0, 0);
	fix.nsensors = 4;
	fix.alt_m = h;
	tdoa_solve(&fix, NULL, &r);
	ok(r.status == TDOA_POOR_GEOMETRY && r.gdop > 10,
	    "2-D source 30 array radii away: poor_geometry, gdop %.3g (%s)",
	    r.gdop, r.message);

	/* An outlier: one sensor 100 ms late (34 m of range; the w-test
	 * allows for the 5 m survey error sound sensors carry). */
	offset(40.0, 47.0, 0, 500, -700, 0, &lat, &lon, &h);
	make_fix(s, 5, ring5, 40.0, 47.0, lat, lon, h, 343.0, 1.0, 0, 0);
	s[2].t_s += 0.100;
	fix.nsensors = 5;
	fix.alt_m = h;
	ok(tdoa_solve(&fix, NULL, &r) == 0 && r.status == TDOA_OK,
	    "2-D with an outlier: ok (%s)", r.message);
	is_int(r.nused, 4, "the outlier is dropped");
	ok(r.used[0] == 0 && r.used[1] == 1 && r.used[2] == 3 &&
		r.used[3] == 4,
	    "sensor 2 is the one dropped");
	miss(&r, lat, lon, h, &dist, &d2);
	ok(dist < 1e-3, "and the fix is exact again (%.2g m)", dist);

	/* Bad inputs name the field. */
	fix.sigma_t_s = 0;
	ok(tdoa_solve(&fix, NULL, &r) == -1 &&
		strstr(r.message, "sigma_t_s") != NULL,
	    "sigma_t_s 0 refused: %s", r.message);
	fix.sigma_t_s = 0.001;
	s[1].lat_deg = 91;
	ok(tdoa_solve(&fix, NULL, &r) == -1 &&
		strstr(r.message, "sensors[1].lat") != NULL,
	    "latitude 91 refused: %s", r.message);
	s[1].lat_deg = 40;
	fix.nsensors = TDOA_MAX_SENSORS + 1;
	ok(tdoa_solve(&fix, NULL, &r) == -1 &&
		strstr(r.message, "at most 64") != NULL,
	    "65 sensors refused: %s", r.message);
}

int
main(void)
{
	static const double ring6[6][3] = { { 0, 0, 5 }, { 2000, 300, 20 },
		{ -1200, 1800, -10 }, { -900, -1700, 0 }, { 1500, -1300, 30 },
		{ 300, 2200, 15 } };
	static const double radio5[5][3] = { { 0, 0, 300 },
		{ 60000, 10000, 500 }, { -40000, 50000, 200 },
		{ -30000, -55000, 900 }, { 50000, -40000, 100 } };

	exact_cases();
	status_cases();
	coverage("sound 2-D, 5 sensors, 1 ms", ring5, 5, 343.0, 0.001, 1, 700,
	    -400, 0);
	coverage("sound 3-D, 6 sensors, 0.5 ms", ring6, 6, 343.0, 0.0005, 0,
	    400, 600, 200);
	coverage("radio 2-D, 5 sensors, 30 ns", radio5, 5, C_LIGHT, 30e-9, 1,
	    15000, -10000, 9000);
	return done_testing();
}
