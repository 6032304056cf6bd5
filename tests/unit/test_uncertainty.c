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

#define NOISE_SEED 0x123456789abcdefULL
#include "noise.h"

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
	ok(fabs(el.semi_minor_m - hypot(500, uncertainty_polar_sag(3000, 10)) *
			 sqrt(ELLIPSOID_CHI2_95_2D)) < 1e-6,
	    "minor axis: the distance error and the sag (%.3f m at 95 %%)",
	    el.semi_minor_m);
	ok(fabs(uncertainty_polar_sag(3000, 10) - 3000 * pow(10 * M_PI / 180,
			 2) * sqrt(3.0) / 2) < 1e-9,
	    "the sag of 10 degrees at 3 km: %.1f m",
	    uncertainty_polar_sag(3000, 10));
	ok(uncertainty_variance_factor(3.0, 1) == 1 &&
		uncertainty_variance_factor(40.0, 0) == 1,
	    "variance factor 1: residuals consistent, or no redundancy");
	ok(fabs(uncertainty_variance_factor(20.0, 2) - 10) < 1e-12,
	    "variance factor chi2 / dof when the global test fails (20 on 2)");
	ok(fabs(uncertainty_chi2_95(1) - 3.841459) < 1e-5 &&
		fabs(uncertainty_chi2_95(30) - 43.773) < 0.05,
	    "chi2 95 %% points: 1 dof %.4f, 30 dof %.3f",
	    uncertainty_chi2_95(1), uncertainty_chi2_95(30));
	{
		struct uncertainty_tdoa_model m;

		uncertainty_tdoa_model(343, &m);
		ok(m.survey_m == 5 && m.speed_share == 0.01 &&
			m.floor_m == 0,
		    "sound: survey 5 m, speed 1 %%, no floor");
		uncertainty_tdoa_model(299792458, &m);
		ok(m.survey_m == 0 && m.floor_m == 120,
		    "radio: floor 120 m (LocaRDS)");
	}
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
	ok(fabs(cov[0] - (200 * 200 + pow(uncertainty_polar_sag(2000, 2), 2) +
			     100 * 100 / ELLIPSOID_CHI2_95_2D)) < 1e-6,
	    "adding the place's own error: east variance %.1f", cov[0]);
	return done_testing();
}
