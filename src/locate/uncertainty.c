/*
 * uncertainty: covariances of the point, CE90 and polar-offset location
 * forms. Circular Gaussian radii from the chi-square (Rayleigh) quantiles
 * with 2 degrees of freedom; the polar offset by first-order propagation of
 * (bearing, distance) through (e, n) = d (sin b, cos b). The variance
 * factor and the TDOA floors of honest ellipses.
 */
#include <math.h>

#include "locate/ellipsoid.h"
#include "locate/uncertainty.h"

#define DEG (M_PI / 180.0)

static void
circular(double sigma, double cov[3])
{
	cov[0] = sigma * sigma;
	cov[1] = 0;
	cov[2] = sigma * sigma;
}

int
uncertainty_point95(double precision_m, double cov[3])
{
	if (!(precision_m > 0) || !isfinite(precision_m))
		return -1;
	circular(precision_m / sqrt(ELLIPSOID_CHI2_95_2D), cov);
	return 0;
}

int
uncertainty_ce90(double ce90_m, double cov[3])
{
	if (!(ce90_m > 0) || !isfinite(ce90_m))
		return -1;
	/* P(r <= R) = 1 - exp(-R^2 / (2 sigma^2)) = 0.9. */
	circular(ce90_m / sqrt(-2 * log(0.1)), cov);
	return 0;
}

int
uncertainty_polar(double bearing_deg, double distance_m,
    double sigma_bearing_deg, double sigma_distance_m, double cov[3])
{
	double sb, cb, va, vc;

	if (!isfinite(bearing_deg) || !(distance_m >= 0) ||
	    !isfinite(distance_m) || !(sigma_bearing_deg >= 0) ||
	    sigma_bearing_deg > 90 || !(sigma_distance_m >= 0) ||
	    !isfinite(sigma_distance_m))
		return -1;
	sb = sin(bearing_deg * DEG);
	cb = cos(bearing_deg * DEG);
	va = uncertainty_polar_sag(distance_m, sigma_bearing_deg);
	va = sigma_distance_m * sigma_distance_m + va * va; /* along */
	vc = distance_m * sigma_bearing_deg * DEG;
	vc *= vc; /* across (cos b, -sin b) */
	cov[0] = va * sb * sb + vc * cb * cb;
	cov[1] = (va - vc) * sb * cb;
	cov[2] = va * cb * cb + vc * sb * sb;
	return 0;
}

double
uncertainty_polar_sag(double distance_m, double sigma_bearing_deg)
{
	double s = sigma_bearing_deg * DEG;

	return distance_m * s * s * sqrt(3.0) / 2;
}

void
uncertainty_add(double a[3], const double b[3])
{
	a[0] += b[0];
	a[1] += b[1];
	a[2] += b[2];
}

void
uncertainty_tdoa_model(double speed_mps, struct uncertainty_tdoa_model *m)
{
	if (speed_mps >= UNCERTAINTY_RADIO_SPEED) {
		m->survey_m = 0;
		m->speed_share = 1.8e-4;
		m->floor_m = 120;
	} else {
		m->survey_m = 5;
		m->speed_share = 0.01;
		m->floor_m = 0;
	}
}

double
uncertainty_chi2_95(int dof)
{
	static const double q[] = { 3.841459, 5.991465, 7.814728, 9.487729,
		11.070498, 12.591587, 14.067140, 15.507313, 16.918978,
		18.307038 };
	double t, c;

	if (dof < 1)
		return INFINITY;
	if (dof <= 10)
		return q[dof - 1];
	/* Wilson-Hilferty: within 0.1 % from 11 degrees of freedom. */
	t = 2.0 / (9.0 * dof);
	c = 1 - t + 1.644854 * sqrt(t);
	return dof * c * c * c;
}

double
uncertainty_variance_factor(double chi2, int dof)
{
	if (dof < 1 || !isfinite(chi2) || chi2 <= uncertainty_chi2_95(dof))
		return 1;
	return chi2 / dof;
}
