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
 * Returns -1, cov untouched, on negative, non-finite or (bearing) over
 * 90-degree errors.
 */
int uncertainty_polar(double bearing_deg, double distance_m,
    double sigma_bearing_deg, double sigma_distance_m, double cov[3]);

/* Adds covariance b into a (independent errors): a += b. */
void uncertainty_add(double a[3], const double b[3]);

#endif
