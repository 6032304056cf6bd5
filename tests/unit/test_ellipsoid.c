/*
 * Unit test of locate/ellipsoid: WGS84 geodetic <-> ECEF against closed
 * values and round trips, ENU frames, and covariance <-> 95 % ellipse.
 */
#include <math.h>
#include <stdint.h>

#include "locate/ellipsoid.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ULL;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * 0x1p-53;
}

int
main(void)
{
	double x[3], lat, lon, h, worst_ang = 0, worst_h = 0, enu[3], y[3];
	double cov[3], c9[9], ce[9];
	struct ellipsoid_enu f;
	struct ellipsoid_ellipse el, el2;
	int i;

	ellipsoid_to_ecef(0, 0, 0, x);
	ok(fabs(x[0] - 6378137.0) < 1e-9 && fabs(x[1]) < 1e-9 &&
		fabs(x[2]) < 1e-9,
	    "equator, prime meridian -> (a, 0, 0)");
	ellipsoid_to_ecef(90, 0, 0, x);
	ok(fabs(x[2] - 6356752.314245) < 1e-6 && fabs(x[0]) < 1e-6,
	    "north pole -> (0, 0, b), b = 6356752.314245 m (%.6f)", x[2]);
	ellipsoid_to_ecef(0, 90, 100, x);
	ok(fabs(x[1] - 6378237.0) < 1e-9, "height adds along the normal");
	ellipsoid_from_ecef((double[3]){ 0, 0, 6356752.314245 + 50 }, &lat,
	    &lon, &h);
	ok(fabs(lat - 90) < 1e-12 && fabs(h - 50) < 1e-6,
	    "pole + 50 m inverts (lat %.12f, h %.9f)", lat, h);

	/* Round trips from -12 km to 1,000 km, everywhere. */
	for (i = 0; i < 20000; i++) {
		double la = uniform() * 180 - 90, lo = uniform() * 360 - 180;
		double hh = uniform() * 1012000 - 12000;

		ellipsoid_to_ecef(la, lo, hh, x);
		ellipsoid_from_ecef(x, &lat, &lon, &h);
		if (fabs(lat - la) > worst_ang)
			worst_ang = fabs(lat - la);
		if (fabs(la) < 89.9 && fabs(lon - lo) > worst_ang)
			worst_ang = fabs(lon - lo);
		if (fabs(h - hh) > worst_h)
			worst_h = fabs(h - hh);
	}
	ok(worst_ang < 1e-11, "20,000 round trips: angles within %.2g deg "
			      "(< 1e-11, ~1 um)", worst_ang);
	ok(worst_h < 1e-6, "20,000 round trips: heights within %.2g m",
	    worst_h);

	/* ENU frame at Ağdam. */
	ellipsoid_enu_init(&f, 39.9930, 46.9300, 300);
	ellipsoid_enu_from_ecef(&f, f.origin, enu);
	ok(fabs(enu[0]) + fabs(enu[1]) + fabs(enu[2]) < 1e-9,
	    "origin is (0, 0, 0)");
	ellipsoid_to_ecef(39.9930, 46.9300, 1300, x);
	ellipsoid_enu_from_ecef(&f, x, enu);
	ok(fabs(enu[2] - 1000) < 1e-6 && fabs(enu[0]) < 1e-6 &&
		fabs(enu[1]) < 1e-6,
	    "1 km higher is 1 km up");
	ellipsoid_to_ecef(39.9930 + 0.01, 46.9300, 300, x);
	ellipsoid_enu_from_ecef(&f, x, enu);
	ok(enu[1] > 1110 && enu[1] < 1112 && fabs(enu[0]) < 1e-6,
	    "0.01 deg north is ~1,111 m north (%.3f)", enu[1]);
	enu[0] = 1234.5;
	enu[1] = -987.25;
	enu[2] = 42;
	ellipsoid_enu_to_ecef(&f, enu, x);
	ellipsoid_enu_from_ecef(&f, x, y);
	ok(fabs(y[0] - 1234.5) + fabs(y[1] + 987.25) + fabs(y[2] - 42) < 1e-8,
	    "ENU -> ECEF -> ENU round trip");
	for (i = 0; i < 9; i++)
		c9[i] = i % 4 == 0 ? 4.0 : 0;
	ellipsoid_enu_cov(&f, c9, ce);
	ok(fabs(ce[0] - 4) + fabs(ce[4] - 4) + fabs(ce[8] - 4) + fabs(ce[1]) <
		1e-12,
	    "an isotropic covariance stays isotropic");

	/* Ellipses. */
	cov[0] = 4;
	cov[1] = 0;
	cov[2] = 1;
	ok(ellipsoid_ellipse95(cov, &el) == 0, "ellipse of diag(4, 1)");
	ok(fabs(el.semi_major_m - 2 * sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-12 &&
		fabs(el.semi_minor_m - sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-12,
	    "semi-axes 2 and 1 times sqrt(5.991) (%.6f, %.6f)",
	    el.semi_major_m, el.semi_minor_m);
	ok(fabs(el.orientation_deg - 90) < 1e-12,
	    "major axis east-west: orientation 90 (%.6f)", el.orientation_deg);
	cov[0] = 1;
	cov[2] = 4;
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.orientation_deg) < 1e-12, "north-south: orientation 0");
	cov[0] = 2.5;
	cov[1] = 1.5;
	cov[2] = 2.5;
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.orientation_deg - 45) < 1e-9 &&
		fabs(el.semi_major_m - 2 * sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-9,
	    "positively correlated: north-east, orientation 45 (%.6f)",
	    el.orientation_deg);
	cov[1] = -1.5;
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.orientation_deg - 135) < 1e-9,
	    "negatively correlated: orientation 135 (%.6f)",
	    el.orientation_deg);
	ok(ellipsoid_ellipse95_cov(&el, cov) == 0 &&
		fabs(cov[0] - 2.5) + fabs(cov[1] + 1.5) + fabs(cov[2] - 2.5) <
		    1e-9,
	    "ellipse -> covariance inverts it");
	el2.semi_major_m = 300;
	el2.semi_minor_m = 100;
	el2.orientation_deg = 30;
	ellipsoid_ellipse95_cov(&el2, cov);
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.semi_major_m - 300) < 1e-9 &&
		fabs(el.semi_minor_m - 100) < 1e-9 &&
		fabs(el.orientation_deg - 30) < 1e-9,
	    "covariance -> ellipse inverts it");
	cov[0] = 1;
	cov[1] = 3;
	cov[2] = 1;
	ok(ellipsoid_ellipse95(cov, &el) == -1, "indefinite covariance refused");
	cov[1] = NAN;
	ok(ellipsoid_ellipse95(cov, &el) == -1, "NaN covariance refused");
	el2.semi_minor_m = 400;
	ok(ellipsoid_ellipse95_cov(&el2, cov) == -1,
	    "minor above major refused");
	return done_testing();
}
