/*
 * uncertainty: covariances of the point, CE90 and polar-offset location
 * forms. Circular Gaussian radii from the chi-square (Rayleigh) quantiles
 * with 2 degrees of freedom; the polar offset by first-order propagation of
 * (bearing, distance) through (e, n) = d (sin b, cos b).
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
	va = sigma_distance_m * sigma_distance_m; /* along (sin b, cos b) */
	vc = distance_m * sigma_bearing_deg * DEG;
	vc *= vc; /* across (cos b, -sin b) */
	cov[0] = va * sb * sb + vc * cb * cb;
	cov[1] = (va - vc) * sb * cb;
	cov[2] = va * cb * cb + vc * sb * sb;
	return 0;
}

void
uncertainty_add(double a[3], const double b[3])
{
	a[0] += b[0];
	a[1] += b[1];
	a[2] += b[2];
}
