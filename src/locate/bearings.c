/*
 * bearings: triangulation from bearings at known posts. Weighted line
 * intersection in a local ENU plane for the start, then Gauss-Newton on the
 * WGS84 ellipsoid with Karney's geodesics (C. F. F. Karney, "Algorithms for
 * geodesics", J. Geodesy 87:43-55, 2013, as PROJ's geodesic.h implements
 * it); covariance (J^T W J)^-1.
 */
#include <geodesic.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "locate/bearings.h"
#include "locate/ellipsoid.h"
#include "locate/uncertainty.h"

#define DEG (M_PI / 180.0)
#define MAX_ITER 50
#define STEP_TOL 1e-5 /* m */

static void msg_add(struct bearings_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to res->message; a message too long for the buffer is cut. */
static void
msg_add(struct bearings_result *res, const char *fmt, ...)
{
	size_t len = strlen(res->message);
	va_list ap;

	if (len + 1 >= sizeof(res->message))
		return;
	va_start(ap, fmt);
	vsnprintf(res->message + len, sizeof(res->message) - len, fmt, ap);
	va_end(ap);
}

/* The angle a - b wrapped into (-180, 180] degrees. */
static double
wrap180(double a)
{
	a = fmod(a, 360.0);
	if (a > 180)
		a -= 360;
	else if (a <= -180)
		a += 360;
	return a;
}

static int
check(const struct bearings_obs *obs, size_t n, struct bearings_result *res)
{
	size_t i;

	if (n < 2) {
		msg_add(res,
		    "too few bearings: triangulation needs at least "
		    "2, got %zu",
		    n);
		return -1;
	}
	if (n > BEARINGS_MAX) {
		msg_add(res, "bearings: %zu given, at most %d per fix", n,
		    BEARINGS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!(obs[i].lat_deg >= -90 && obs[i].lat_deg <= 90)) {
			msg_add(res, "bearings[%zu].lat: must be in [-90, 90]",
			    i);
			return -1;
		}
		if (!(obs[i].lon_deg >= -180 && obs[i].lon_deg <= 180)) {
			msg_add(res,
			    "bearings[%zu].lon: must be in [-180, 180]", i);
			return -1;
		}
		if (!(obs[i].bearing_deg >= 0 && obs[i].bearing_deg < 360)) {
			msg_add(res,
			    "bearings[%zu].bearing_deg: must be in "
			    "[0, 360)",
			    i);
			return -1;
		}
		if (!(obs[i].sigma_deg > 0 &&
			obs[i].sigma_deg <= BEARINGS_MAX_SIGMA)) {
			msg_add(res,
			    "bearings[%zu].sigma_deg: must be in "
			    "(0, %g]",
			    i, BEARINGS_MAX_SIGMA);
			return -1;
		}
	}
	return 0;
}

/*
 * The start: the weighted least-squares intersection of the bearing lines
 * in the ENU plane at the posts' centroid, each line's direction taken from
 * its post's own east and north. Returns -1 if the lines are parallel
 * (singular normal matrix) or meet behind a post.
 */
static int
start(const struct bearings_obs *obs, size_t n, double *lat, double *lon,
    struct bearings_result *res)
{
	struct ellipsoid_enu f, fp;
	double c[3] = { 0 }, x[3], p[3], dir[3], v[3], la, lo, h, w;
	double a00 = 0, a01 = 0, a11 = 0, b0 = 0, b1 = 0, det, nrm[2], pt[2];
	double enu[3], big[3];
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		ellipsoid_to_ecef(obs[i].lat_deg, obs[i].lon_deg, 0, x);
		for (k = 0; k < 3; k++)
			c[k] += x[k] / (double)n;
	}
	ellipsoid_from_ecef(c, &la, &lo, &h);
	ellipsoid_enu_init(&f, la, lo, 0);
	for (i = 0; i < n; i++) {
		ellipsoid_enu_init(&fp, obs[i].lat_deg, obs[i].lon_deg, 0);
		ellipsoid_enu_from_ecef(&f, fp.origin, p);
		for (k = 0; k < 3; k++)
			v[k] = sin(obs[i].bearing_deg * DEG) * fp.e[k] +
			    cos(obs[i].bearing_deg * DEG) * fp.n[k];
		dir[0] = v[0] * f.e[0] + v[1] * f.e[1] + v[2] * f.e[2];
		dir[1] = v[0] * f.n[0] + v[1] * f.n[1] + v[2] * f.n[2];
		w = hypot(dir[0], dir[1]);
		nrm[0] = dir[1] / w;
		nrm[1] = -dir[0] / w;
		w = 1 / (obs[i].sigma_deg * obs[i].sigma_deg);
		a00 += w * nrm[0] * nrm[0];
		a01 += w * nrm[0] * nrm[1];
		a11 += w * nrm[1] * nrm[1];
		b0 += w * nrm[0] * (nrm[0] * p[0] + nrm[1] * p[1]);
		b1 += w * nrm[1] * (nrm[0] * p[0] + nrm[1] * p[1]);
	}
	det = a00 * a11 - a01 * a01;
	if (!(det > 1e-12 * (a00 + a11) * (a00 + a11))) {
		msg_add(res, "bearings are parallel: they do not intersect");
		return -1;
	}
	pt[0] = (a11 * b0 - a01 * b1) / det;
	pt[1] = (a00 * b1 - a01 * b0) / det;
	/* Each post must look towards the point, not away from it. */
	for (i = 0; i < n; i++) {
		ellipsoid_enu_init(&fp, obs[i].lat_deg, obs[i].lon_deg, 0);
		ellipsoid_enu_from_ecef(&f, fp.origin, p);
		for (k = 0; k < 3; k++)
			v[k] = sin(obs[i].bearing_deg * DEG) * fp.e[k] +
			    cos(obs[i].bearing_deg * DEG) * fp.n[k];
		dir[0] = v[0] * f.e[0] + v[1] * f.e[1] + v[2] * f.e[2];
		dir[1] = v[0] * f.n[0] + v[1] * f.n[1] + v[2] * f.n[2];
		if ((pt[0] - p[0]) * dir[0] + (pt[1] - p[1]) * dir[1] <= 0) {
			msg_add(res,
			    "bearings do not meet in front of post "
			    "%zu",
			    i);
			return -1;
		}
	}
	enu[0] = pt[0];
	enu[1] = pt[1];
	enu[2] = 0;
	ellipsoid_enu_to_ecef(&f, enu, big);
	ellipsoid_from_ecef(big, lat, lon, NULL);
	return 0;
}

const char *
bearings_status_name(enum bearings_status s)
{
	switch (s) {
	case BEARINGS_OK: return "ok";
	case BEARINGS_POOR_GEOMETRY: return "poor_geometry";
	default: return "failed";
	}
}

int
bearings_solve(const struct bearings_obs *obs, size_t n,
    struct bearings_result *res)
{
	struct geod_geodesic g;
	double lat, lon, s12, azi1, azi2, m12, r, w, j0, j1, step, ss = 0;
	double a00, a01, a11, b0, b1, det, de, dn, az[BEARINGS_MAX];
	double best = 0, c, chi2 = 0;
	size_t i, k;
	int it, converged = 0;

	memset(res, 0, sizeof(*res));
	res->status = BEARINGS_FAILED;
	res->lat_deg = res->lon_deg = NAN;
	res->residual_rms_m = res->crossing_deg = res->chi2 = NAN;
	res->variance_factor = 1;
	if (obs == NULL || check(obs, n, res) == -1)
		goto fail;
	if (start(obs, n, &lat, &lon, res) == -1)
		goto fail;
	geod_init(&g, ELLIPSOID_A, ELLIPSOID_F);
	for (it = 0; it < MAX_ITER; it++) {
		a00 = a01 = a11 = b0 = b1 = 0;
		ss = chi2 = 0;
		for (i = 0; i < n; i++) {
			geod_geninverse(&g, obs[i].lat_deg, obs[i].lon_deg, lat,
			    lon, &s12, &azi1, &azi2, &m12, NULL, NULL, NULL);
			if (!(s12 > 1e-3) || fabs(m12) < 1e-3) {
				msg_add(res, "the point falls on post %zu", i);
				goto fail;
			}
			az[i] = azi2;
			r = wrap180(obs[i].bearing_deg - azi1) * DEG;
			if (fabs(r) > M_PI / 2) {
				msg_add(res,
				    "bearings do not meet in front "
				    "of post %zu",
				    i);
				goto fail;
			}
			ss += r * s12 * r * s12;
			w = 1 /
			    (obs[i].sigma_deg * DEG * obs[i].sigma_deg * DEG);
			j0 = cos(azi2 * DEG) / m12;
			j1 = -sin(azi2 * DEG) / m12;
			chi2 += w * r * r;
			a00 += w * j0 * j0;
			a01 += w * j0 * j1;
			a11 += w * j1 * j1;
			b0 += w * j0 * r;
			b1 += w * j1 * r;
		}
		det = a00 * a11 - a01 * a01;
		if (!(det > 0)) {
			msg_add(res,
			    "bearings are parallel: they do not "
			    "intersect");
			goto fail;
		}
		res->cov_en[0] = a11 / det;
		res->cov_en[1] = -a01 / det;
		res->cov_en[2] = a00 / det;
		if (converged)
			break;
		de = (a11 * b0 - a01 * b1) / det;
		dn = (a00 * b1 - a01 * b0) / det;
		step = hypot(de, dn);
		if (!isfinite(step) || step > 2e7) {
			msg_add(res, "no convergence");
			goto fail;
		}
		geod_direct(&g, lat, lon, atan2(de, dn) / DEG, step, &lat, &lon,
		    NULL);
		/* One more pass at the final point for its covariance. */
		if (step < STEP_TOL)
			converged = 1;
	}
	if (!converged) {
		msg_add(res, "no convergence after %d iterations", MAX_ITER);
		goto fail;
	}
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++) {
			c = fabs(wrap180(az[i] - az[k]));
			if (c > 90)
				c = 180 - c;
			if (c > best)
				best = c;
		}
	res->lat_deg = lat;
	res->lon_deg = lon;
	res->iterations = it;
	res->nused = n;
	res->crossing_deg = best;
	res->residual_rms_m = sqrt(ss / (double)n);
	/* Honest ellipses: with three bearings or more, the a-posteriori
	 * variance factor when the misses are too large for the sigmas. */
	res->chi2 = chi2;
	res->variance_factor = uncertainty_variance_factor(chi2, (int)n - 2);
	for (k = 0; k < 3; k++)
		res->cov_en[k] *= res->variance_factor;
	res->has_ellipse = ellipsoid_ellipse95(res->cov_en, &res->ellipse) == 0;
	msg_add(res, "%zu bearings, widest crossing %.1f deg", n, best);
	if (res->variance_factor > 1)
		msg_add(res, ", variance factor %.3g (chi2 %.3g on %zu dof)",
		    res->variance_factor, chi2, n - 2);
	res->status = BEARINGS_OK;
	if (best < BEARINGS_MIN_CROSSING) {
		msg_add(res,
		    "; bearings nearly parallel (crossing below %g "
		    "deg)",
		    BEARINGS_MIN_CROSSING);
		res->status = BEARINGS_POOR_GEOMETRY;
	}
	return 0;
fail:
	res->status = BEARINGS_FAILED;
	res->lat_deg = res->lon_deg = NAN;
	return -1;
}
