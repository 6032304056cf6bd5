/*
 * Unit test of locate/uncertainty: the 95 % circle of a precision class and
 * the CE90 circle come back as the 95 % / 90 % radii, and a polar offset's
 * ellipse lies along the bearing with the distance error and across it
 * with distance x bearing error; a Monte Carlo check of the CE90 rate.
 */
#include <math.h>
#include <stdint.h>

#include "locate/ellipsoid.h"
#include "locate/uncertainty.h"
#include "tap.h"

static uint64_t rng = 0x123456789abcdefULL;

static double
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) * 0x1p-53;
}

int
main(void)
{
	double cov[3], add[3];
	struct ellipsoid_ellipse el;
	int i, in = 0;

	ok(uncertainty_point95(100, cov) == 0, "point, +-100 m");
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.semi_major_m - 100) < 1e-9 &&
		fabs(el.semi_minor_m - 100) < 1e-9,
	    "its 95 %% ellipse is the 100 m circle (%.6f, %.6f)",
	    el.semi_major_m, el.semi_minor_m);
	ok(uncertainty_point95(0, cov) == -1 &&
		uncertainty_point95(NAN, cov) == -1,
	    "precision 0 or NaN refused");

	ok(uncertainty_ce90(50, cov) == 0, "UAV frame, CE90 50 m");
	/* Monte Carlo: 90 % of draws within 50 m. */
	for (i = 0; i < 100000; i++) {
		double r = sqrt(-2 * log(1 - uniform())) * sqrt(cov[0]);

		in += r <= 50;
	}
	ok(in > 89500 && in < 90500, "%.2f %% of draws within the CE90",
	    in / 1000.0);
	ok(uncertainty_ce90(-1, cov) == -1, "negative CE90 refused");

	/* 3 km at 45 deg, +-10 deg, +-500 m: across 523.6 m, along 500 m. */
	ok(uncertainty_polar(45, 3000, 10, 500, cov) == 0, "polar offset");
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.semi_major_m - 3000 * 10 * M_PI / 180 *
			 sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-6,
	    "major axis: distance x bearing error (%.3f m at 95 %%)",
	    el.semi_major_m);
	ok(fabs(el.semi_minor_m - 500 * sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-6,
	    "minor axis: the distance error (%.3f m at 95 %%)",
	    el.semi_minor_m);
	ok(fabs(el.orientation_deg - 135) < 1e-6,
	    "major axis across the bearing: 135 deg (%.3f)",
	    el.orientation_deg);
	uncertainty_polar(0, 1000, 1, 2000, cov);
	ellipsoid_ellipse95(cov, &el);
	ok(fabs(el.orientation_deg) < 1e-9 || fabs(el.orientation_deg - 180) <
		1e-9,
	    "a large distance error: major axis along the bearing (%.3f)",
	    el.orientation_deg);
	ok(uncertainty_polar(0, 1000, 91, 10, cov) == -1,
	    "bearing error over 90 deg refused");
	uncertainty_point95(100, add);
	uncertainty_polar(90, 2000, 2, 200, cov);
	uncertainty_add(cov, add);
	ok(fabs(cov[0] - (200 * 200 + 100 * 100 / ELLIPSOID_CHI2_95_2D)) <
		1e-6,
	    "adding the place's own error: east variance %.1f", cov[0]);
	return done_testing();
}
