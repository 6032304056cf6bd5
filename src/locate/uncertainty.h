/*
 * uncertainty: the horizontal covariances of the simple location forms, so
 * that every form of an observation's location becomes a position with a
 * 2x2 covariance {var_east, cov_east_north, var_north} (m^2) before fusion
 * (issue 4): a point with a precision class, a UAV frame centre with its
 * CE90, and an offset from a known place by bearing and distance. TDOA and
 * bearing fixes get theirs from locate/tdoa and locate/bearings.
 *
 * Conventions (docs/localization.md): errors are Gaussian and circular
 * unless stated; a "precision" of field tools (+-10 m, +-100 m, +-1 km) is
 * read as the radius of the 95 % circle; CE90 is the radius of the 90 %
 * circle (sigma = CE90 / sqrt(-2 ln 0.1) = CE90 / 2.1460); a bearing and
 * distance offset is linearised: sigma along the bearing = the distance
 * error, across it = distance * bearing error (radians). Pure arithmetic.
 *
 * Honest ellipses (docs/localization.md, "Honest ellipses"): a fix with
 * redundant measurements takes the a-posteriori variance factor chi2 / dof
 * when its residuals fail the global test at 5 % (uncertainty_variance_
 * factor); a TDOA fix adds the model error of its wave type
 * (uncertainty_tdoa_model), the error that timing alone does not model.
 */
#ifndef TRUCE_UNCERTAINTY_H
#define TRUCE_UNCERTAINTY_H

/*
 * Writes the covariance of a point whose 95 % circle has radius
 * precision_m (> 0) into cov. Returns -1, cov untouched, if precision_m is
 * not a positive finite number.
 */
int uncertainty_point95(double precision_m, double cov[3]);

/*
 * Writes the covariance of a position with circular error CE90 ce90_m (> 0)
 * into cov. Returns -1, cov untouched, if ce90_m is not positive finite.
 */
int uncertainty_ce90(double ce90_m, double cov[3]);

/*
 * Writes the covariance of the point reached from a known place along
 * bearing_deg (clockwise from true north) for distance_m, given the
 * standard deviations of the bearing (degrees) and of the distance (m),
 * into cov; the place's own covariance, if any, is added by the caller.
 * Along the bearing the distance error and the sag (uncertainty_polar_sag)
 * add in quadrature. Returns -1, cov untouched, on negative, non-finite or
 * (bearing) over 90-degree errors.
 */
int uncertainty_polar(double bearing_deg, double distance_m,
    double sigma_bearing_deg, double sigma_distance_m, double cov[3]);

/*
 * The second-order along-bearing error of a polar offset: a bearing off by
 * e puts the point d (1 - cos e) ~ d e^2 / 2 short of where the first-order
 * ellipse centres it; for e ~ N(0, s^2) (s in radians) the root mean square
 * about the reported point is d s^2 sqrt(3) / 2. It matters when the
 * distance is known better than the bearing (a 5 % distance error with a
 * 10-degree bearing: 2.6 % of the distance).
 */
double uncertainty_polar_sag(double distance_m, double sigma_bearing_deg);

/* Adds covariance b into a (independent errors): a += b. */
void uncertainty_add(double a[3], const double b[3]);

/*
 * The model error of a TDOA fix beyond its timing, per wave type: what
 * timing alone does not model, each term one standard deviation.
 *  - survey_m: each sensor's position error, as range (added to every
 *    range's variance: speed * sigma_t becomes the root sum of squares);
 *  - speed_share: the relative error of the wave speed, which scales every
 *    range together (a consider parameter: its effect on the solution is
 *    propagated, not estimated);
 *  - floor_m: an isotropic horizontal floor on the position.
 * Sound: sensors surveyed with hand-held GNSS (5 m), the speed of sound
 * known to 1 % (6 degrees C of temperature, or 3.4 m/s of wind along the
 * path), no floor. Radio: receivers surveyed to a metre (0), the speed in
 * air c / (1 + N) with the refractivity N ~ 1.8e-4 near the ground left to
 * the caller (1.8e-4), and a floor of 120 m measured on LocaRDS: the
 * smallest multiple of 10 m that puts 95 % of the truths inside the 95 %
 * ellipse on the two thirds of the messages tests/unit/test_locards.c does
 * not use; chiefly the emitter's motion against its reported position
 * (the error lies along the aircraft's track).
 */
#define UNCERTAINTY_RADIO_SPEED 1.0e8 /* m/s: at or above, radio */

struct uncertainty_tdoa_model {
	double survey_m;
	double speed_share;
	double floor_m;
};

/* The model error of a TDOA fix at wave speed speed_mps. */
void uncertainty_tdoa_model(double speed_mps, struct uncertainty_tdoa_model *m);

/* The upper 5 % point of chi-square with dof (>= 1) degrees of freedom. */
double uncertainty_chi2_95(int dof);

/*
 * The a-posteriori variance factor of a least-squares fix with sum of
 * squared standardized residuals chi2 on dof degrees of freedom: chi2 / dof
 * when dof >= 1 and chi2 exceeds the global test's 5 % point (the stated
 * errors are then too small for the residuals), else 1 (no redundancy, or
 * residuals consistent: the stated errors stand; a small chi2 from one or
 * two degrees of freedom is no evidence that they are too large).
 */
double uncertainty_variance_factor(double chi2, int dof);

#endif
