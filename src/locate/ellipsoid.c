/*
 * ellipsoid: WGS84 geodetic <-> ECEF, ENU frames, covariance <-> 95 %
 * ellipse. Methods: closed-form geodetic -> ECEF; Bowring (1976) iteration
 * for ECEF -> geodetic, with h from the robust p cos(phi) + z sin(phi) -
 * a^2/N form; 2x2 symmetric eigen-decomposition for the ellipse.
 */
#include <math.h>
#include <stddef.h>

#include "locate/ellipsoid.h"

#define DEG (M_PI / 180.0)
#define E2 (ELLIPSOID_F * (2.0 - ELLIPSOID_F))		       /* e^2 */
#define B_AXIS (ELLIPSOID_A * (1.0 - ELLIPSOID_F))	       /* b */
#define EP2 (E2 / ((1.0 - ELLIPSOID_F) * (1.0 - ELLIPSOID_F))) /* e'^2 */

void
ellipsoid_to_ecef(double lat_deg, double lon_deg, double h_m, double xyz[3])
{
	double sp = sin(lat_deg * DEG), cp = cos(lat_deg * DEG);
	double sl = sin(lon_deg * DEG), cl = cos(lon_deg * DEG);
	double n = ELLIPSOID_A / sqrt(1.0 - E2 * sp * sp);

	xyz[0] = (n + h_m) * cp * cl;
	xyz[1] = (n + h_m) * cp * sl;
	xyz[2] = (n * (1.0 - E2) + h_m) * sp;
}

void
ellipsoid_from_ecef(const double xyz[3], double *lat_deg, double *lon_deg,
    double *h_m)
{
	double p = hypot(xyz[0], xyz[1]), z = xyz[2];
	double beta, sb, cb, phi = 0, prev, sp, cp;
	int i;

	/* Bowring: iterate on the parametric latitude beta. */
	beta = atan2(z, (1.0 - ELLIPSOID_F) * p);
	for (i = 0; i < 6; i++) {
		sb = sin(beta);
		cb = cos(beta);
		prev = phi;
		phi = atan2(z + EP2 * B_AXIS * sb * sb * sb,
		    p - E2 * ELLIPSOID_A * cb * cb * cb);
		beta = atan2((1.0 - ELLIPSOID_F) * sin(phi), cos(phi));
		if (i > 0 && fabs(phi - prev) < 1e-15)
			break;
	}
	sp = sin(phi);
	cp = cos(phi);
	if (lat_deg != NULL)
		*lat_deg = phi / DEG;
	if (lon_deg != NULL)
		*lon_deg = atan2(xyz[1], xyz[0]) / DEG;
	if (h_m != NULL)
		*h_m = p * cp + z * sp - ELLIPSOID_A * sqrt(1.0 - E2 * sp * sp);
}

void
ellipsoid_enu_init(struct ellipsoid_enu *f, double lat_deg, double lon_deg,
    double h_m)
{
	double sp = sin(lat_deg * DEG), cp = cos(lat_deg * DEG);
	double sl = sin(lon_deg * DEG), cl = cos(lon_deg * DEG);

	f->lat_deg = lat_deg;
	f->lon_deg = lon_deg;
	f->h_m = h_m;
	ellipsoid_to_ecef(lat_deg, lon_deg, h_m, f->origin);
	f->e[0] = -sl;
	f->e[1] = cl;
	f->e[2] = 0;
	f->n[0] = -sp * cl;
	f->n[1] = -sp * sl;
	f->n[2] = cp;
	f->u[0] = cp * cl;
	f->u[1] = cp * sl;
	f->u[2] = sp;
}

void
ellipsoid_enu_from_ecef(const struct ellipsoid_enu *f, const double xyz[3],
    double enu[3])
{
	double d[3];

	d[0] = xyz[0] - f->origin[0];
	d[1] = xyz[1] - f->origin[1];
	d[2] = xyz[2] - f->origin[2];
	enu[0] = f->e[0] * d[0] + f->e[1] * d[1] + f->e[2] * d[2];
	enu[1] = f->n[0] * d[0] + f->n[1] * d[1] + f->n[2] * d[2];
	enu[2] = f->u[0] * d[0] + f->u[1] * d[1] + f->u[2] * d[2];
}

void
ellipsoid_enu_to_ecef(const struct ellipsoid_enu *f, const double enu[3],
    double xyz[3])
{
	int k;

	for (k = 0; k < 3; k++)
		xyz[k] = f->origin[k] + f->e[k] * enu[0] + f->n[k] * enu[1] +
		    f->u[k] * enu[2];
}

void
ellipsoid_enu_cov(const struct ellipsoid_enu *f, const double c_ecef[9],
    double c_enu[9])
{
	const double *r[3] = { f->e, f->n, f->u };
	double t[3][3];
	int i, j, k;

	/* t = R C, then c_enu = t R^T. */
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			t[i][j] = 0;
			for (k = 0; k < 3; k++)
				t[i][j] += r[i][k] * c_ecef[k * 3 + j];
		}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			c_enu[i * 3 + j] = 0;
			for (k = 0; k < 3; k++)
				c_enu[i * 3 + j] += t[i][k] * r[j][k];
		}
}

int
ellipsoid_ellipse95(const double cov[3], struct ellipsoid_ellipse *out)
{
	double ee = cov[0], en = cov[1], nn = cov[2];
	double mean, rad, l1, l2, theta, bearing, tol;

	if (!isfinite(ee) || !isfinite(en) || !isfinite(nn))
		return -1;
	/* Positive semi-definite up to rounding relative to the trace. */
	tol = 1e-12 * (fabs(ee) + fabs(nn));
	if (ee < -tol || nn < -tol ||
	    ee * nn - en * en < -1e-12 * (ee + nn) * (ee + nn))
		return -1;
	mean = (ee + nn) / 2;
	rad = hypot((ee - nn) / 2, en);
	l1 = mean + rad;
	l2 = mean - rad;
	if (l2 < 0)
		l2 = 0;
	/* Major axis at theta from east, counter-clockwise. */
	theta = 0.5 * atan2(2 * en, ee - nn);
	bearing = 90.0 - theta / DEG;
	bearing = fmod(bearing, 180.0);
	if (bearing < 0)
		bearing += 180.0;
	if (bearing >= 180.0)
		bearing -= 180.0;
	out->semi_major_m = sqrt(ELLIPSOID_CHI2_95_2D * l1);
	out->semi_minor_m = sqrt(ELLIPSOID_CHI2_95_2D * l2);
	out->orientation_deg = bearing;
	return 0;
}

int
ellipsoid_ellipse95_cov(const struct ellipsoid_ellipse *el, double cov[3])
{
	double l1, l2, b, se, cn;

	if (!isfinite(el->semi_major_m) || !isfinite(el->semi_minor_m) ||
	    !isfinite(el->orientation_deg) || el->semi_minor_m < 0 ||
	    el->semi_minor_m > el->semi_major_m)
		return -1;
	l1 = el->semi_major_m * el->semi_major_m / ELLIPSOID_CHI2_95_2D;
	l2 = el->semi_minor_m * el->semi_minor_m / ELLIPSOID_CHI2_95_2D;
	/* Unit vector of the major axis in (east, north). */
	b = el->orientation_deg * DEG;
	se = sin(b);
	cn = cos(b);
	cov[0] = l1 * se * se + l2 * cn * cn;
	cov[1] = (l1 - l2) * se * cn;
	cov[2] = l1 * cn * cn + l2 * se * se;
	return 0;
}
