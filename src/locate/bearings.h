/*
 * bearings: triangulation of a point from two or more bearings taken at
 * known posts (observation posts, patrols), each with its standard
 * deviation, on the WGS84 ellipsoid.
 *
 * Method (docs/localization.md): a bearing is the azimuth of the geodesic
 * from the post to the point. A weighted least-squares intersection of the
 * bearing lines in a local east-north plane starts Gauss-Newton iterations
 * on the ellipsoid that use Karney's geodesics (PROJ geodesic.h): the model
 * azimuth azi1 and its exact derivative with respect to the point,
 * d azi1 = (cos azi2 de - sin azi2 dn) / m12 (m12 the reduced length). The
 * covariance is (J^T W J)^-1 with W = diag(1 / sigma_i^2), times the
 * a-posteriori variance factor when three or more bearings miss by more
 * than their sigmas allow (locate/uncertainty.h); the 95 % ellipse follows
 * from it. Pure: no I/O, no allocation, no globals.
 */
#ifndef TRUCE_BEARINGS_H
#define TRUCE_BEARINGS_H

#include <stddef.h>

#include "locate/ellipsoid.h"

#define BEARINGS_MAX 64		   /* bearings per fix (STYLE.md rule 6) */
#define BEARINGS_MSG_LEN 256	   /* size of bearings_result.message */
#define BEARINGS_MAX_SIGMA 45.0	   /* degrees */
#define BEARINGS_MIN_CROSSING 10.0 /* degrees: below, poor_geometry */

/* One bearing: the post (WGS84) and the azimuth it saw, clockwise from
 * true north, with its standard deviation. */
struct bearings_obs {
	double lat_deg, lon_deg;
	double bearing_deg; /* [0, 360) */
	double sigma_deg;   /* (0, BEARINGS_MAX_SIGMA] */
};

enum bearings_status {
	BEARINGS_OK = 0,
	BEARINGS_POOR_GEOMETRY, /* bearings cross at less than 10 degrees */
	BEARINGS_FAILED		/* no position */
};

struct bearings_result {
	enum bearings_status status;
	double lat_deg, lon_deg; /* the point; NaN when failed */
	double cov_en[3];	 /* {ee, en, nn}, m^2 */
	int has_ellipse;	 /* 0 when the covariance is singular */
	struct ellipsoid_ellipse ellipse; /* 95 % */
	double crossing_deg;	/* widest crossing angle of two bearings */
	double residual_rms_m;	/* RMS miss distance of the bearing lines */
	double chi2;		/* sum of squared standardized residuals */
	double variance_factor; /* applied to cov_en: chi2 / (n - 2) when
				     the global test fails at 5 %, else 1 */
	int iterations;
	size_t nused; /* bearings used (all of them), in order */
	char message[BEARINGS_MSG_LEN]; /* what happened, always set */
};

/*
 * Triangulates the n bearings obs[0..n-1] (2 <= n <= BEARINGS_MAX; the
 * caller keeps obs) into *res. A value out of range is refused with a
 * message naming obs[i] and the field.
 *
 * Returns 0 when a point was found: status ok, or poor_geometry when the
 * widest crossing angle is under BEARINGS_MIN_CROSSING. Returns -1 with
 * status failed when there is none: too few bearings, bad values, bearings
 * that are parallel or meet only behind a post, or no convergence. Cost: a
 * geodesic inverse per bearing and iteration, about 5 iterations.
 */
int bearings_solve(const struct bearings_obs *obs, size_t n,
    struct bearings_result *res);

/* "ok", "poor_geometry" or "failed". */
const char *bearings_status_name(enum bearings_status s);

#endif
