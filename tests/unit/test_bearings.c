/*
 * Unit test of locate/bearings: exact bearings from two or three posts give
 * the exact point; noisy bearings put the truth inside the 95 % ellipse at
 * close to 95 % of 2,000 trials; near-parallel bearings are poor_geometry;
 * parallel, diverging, too few and out-of-range bearings fail with a reason.
 */
#include <geodesic.h>
#include <math.h>
#include <stdint.h>

#include "locate/bearings.h"
#include "locate/ellipsoid.h"
#include "tap.h"

#define NOISE_SEED 0x2545f4914f6cdd1dULL
#include "noise.h"

static struct geod_geodesic g;

/* The true azimuth from the post to the point, in [0, 360). */
static double
azimuth(double plat, double plon, double lat, double lon)
{
	double s12, a1, a2;

	geod_inverse(&g, plat, plon, lat, lon, &s12, &a1, &a2);
	return a1 < 0 ? a1 + 360 : a1;
}

/* Horizontal miss (m) and squared Mahalanobis distance of the truth. */
static void
miss(const struct bearings_result *r, double lat, double lon, double *d,
    double *d2)
{
	double s12, a1, a2, e, n, det;

	geod_inverse(&g, r->lat_deg, r->lon_deg, lat, lon, &s12, &a1, &a2);
	e = s12 * sin(a1 * M_PI / 180);
	n = s12 * cos(a1 * M_PI / 180);
	*d = s12;
	det = r->cov_en[0] * r->cov_en[2] - r->cov_en[1] * r->cov_en[1];
	*d2 = (r->cov_en[2] * e * e - 2 * r->cov_en[1] * e * n +
		  r->cov_en[0] * n * n) /
	    det;
}

int
main(void)
{
	struct bearings_obs o[4];
	struct bearings_result r;
	double lat = 39.9930, lon = 46.9300, d, d2, plat, plon;
	int i, k, inside = 0, trials = 2000;

	geod_init(&g, ELLIPSOID_A, ELLIPSOID_F);

	/* Two posts, exact. */
	o[0] = (struct bearings_obs){ 39.95, 46.85, 0, 1.0 };
	o[1] = (struct bearings_obs){ 39.96, 46.99, 0, 2.0 };
	for (k = 0; k < 2; k++)
		o[k].bearing_deg = azimuth(o[k].lat_deg, o[k].lon_deg, lat,
		    lon);
	ok(bearings_solve(o, 2, &r) == 0 && r.status == BEARINGS_OK,
	    "two posts: ok (%s)", r.message);
	miss(&r, lat, lon, &d, &d2);
	ok(d < 1e-3, "two posts, exact bearings: within 1 mm (%.2g m)", d);
	ok(r.has_ellipse && r.ellipse.semi_major_m > 0,
	    "with an ellipse (%.0f x %.0f m, %.0f deg)",
	    r.ellipse.semi_major_m, r.ellipse.semi_minor_m,
	    r.ellipse.orientation_deg);

	/* Long range: posts 80 km apart, point 120 km away. */
	o[0] = (struct bearings_obs){ 40.5, 46.0, 0, 0.5 };
	o[1] = (struct bearings_obs){ 40.3, 46.9, 0, 0.5 };
	o[2] = (struct bearings_obs){ 40.6, 46.5, 0, 0.5 };
	for (k = 0; k < 3; k++)
		o[k].bearing_deg = azimuth(o[k].lat_deg, o[k].lon_deg, 39.5,
		    46.7);
	ok(bearings_solve(o, 3, &r) == 0, "three posts at 120 km: solved");
	miss(&r, 39.5, 46.7, &d, &d2);
	ok(d < 1e-3, "three posts at 120 km: within 1 mm on the ellipsoid "
		     "(%.2g m)", d);
	ok(r.residual_rms_m < 1e-3, "residual %.2g m", r.residual_rms_m);

	/* Noisy bearings: coverage of the 95 % ellipse. */
	for (i = 0; i < trials; i++) {
		o[0] = (struct bearings_obs){ 39.95, 46.85, 0, 1.0 };
		o[1] = (struct bearings_obs){ 39.96, 46.99, 0, 2.0 };
		o[2] = (struct bearings_obs){ 40.05, 46.95, 0, 1.5 };
		for (k = 0; k < 3; k++) {
			o[k].bearing_deg = azimuth(o[k].lat_deg,
			    o[k].lon_deg, lat, lon) + o[k].sigma_deg * gauss();
			o[k].bearing_deg = fmod(o[k].bearing_deg + 360, 360);
		}
		if (bearings_solve(o, 3, &r) == -1)
			continue;
		miss(&r, lat, lon, &d, &d2);
		inside += d2 <= ELLIPSOID_CHI2_95_2D;
	}
	ok(inside >= 0.92 * trials && inside <= 0.98 * trials,
	    "noisy bearings: truth inside the 95 %% ellipse in %.1f %% of %d",
	    100.0 * inside / trials, trials);

	/* Nearly parallel: two posts 1 km apart looking 20 km away. */
	o[0] = (struct bearings_obs){ 40.0, 47.0, 0, 0.5 };
	plat = 40.009;
	plon = 47.0;
	o[1] = (struct bearings_obs){ plat, plon, 0, 0.5 };
	for (k = 0; k < 2; k++)
		o[k].bearing_deg = azimuth(o[k].lat_deg, o[k].lon_deg, 40.0,
		    47.25);
	k = bearings_solve(o, 2, &r);
	ok(k == 0 && r.status == BEARINGS_POOR_GEOMETRY,
	    "nearly parallel bearings (%.1f deg crossing): poor_geometry",
	    r.crossing_deg);
	ok(strstr(r.message, "parallel") != NULL, "and says why: %s",
	    r.message);

	/* Exactly parallel in the plane: no intersection. */
	o[0] = (struct bearings_obs){ 40.0, 47.0, 90, 1 };
	o[1] = (struct bearings_obs){ 40.0, 47.0, 90, 1 };
	ok(bearings_solve(o, 2, &r) == -1 && r.status == BEARINGS_FAILED &&
		strstr(r.message, "parallel") != NULL,
	    "identical lines: failed (%s)", r.message);

	/* Diverging: the lines meet behind the posts. */
	o[0] = (struct bearings_obs){ 40.0, 47.0, 300, 1 };
	o[1] = (struct bearings_obs){ 40.0, 47.1, 60, 1 };
	ok(bearings_solve(o, 2, &r) == -1 &&
		strstr(r.message, "in front") != NULL,
	    "diverging bearings: failed (%s)", r.message);

	ok(bearings_solve(o, 1, &r) == -1 &&
		strstr(r.message, "too few") != NULL,
	    "one bearing: failed (%s)", r.message);
	o[1].sigma_deg = 0;
	ok(bearings_solve(o, 2, &r) == -1 &&
		strstr(r.message, "bearings[1].sigma_deg") != NULL,
	    "sigma 0 refused (%s)", r.message);
	o[1].sigma_deg = 1;
	o[1].bearing_deg = 360;
	ok(bearings_solve(o, 2, &r) == -1 &&
		strstr(r.message, "bearings[1].bearing_deg") != NULL,
	    "bearing 360 refused (%s)", r.message);
	ok(bearings_solve(o, BEARINGS_MAX + 1, &r) == -1 &&
		strstr(r.message, "at most 64") != NULL,
	    "65 bearings refused (%s)", r.message);
	return done_testing();
}
