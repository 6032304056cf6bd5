/*
 * tdoa: TDOA multilateration. Closed-form spherical intersection (Bancroft
 * 1985, the squared-range linearisation of Chan & Ho 1994) for the starts,
 * Levenberg-Marquardt (Marquardt 1963; Foy 1976 for the Taylor-series TDOA
 * iteration) with the analytic ECEF Jacobian for the refinement, Baarda's
 * (1968) data snooping for the robust step, sigma_r^2 (H^T H)^-1 for the
 * covariance (the Cramer-Rao bound). docs/localization.md derives each step.
 *
 * Numerics: positions are ECEF offsets from a frame origin at the sensors'
 * centroid, so they stay below ~1e6 m; arrival times are reduced to the
 * earliest before they become ranges (integer nanoseconds are subtracted as
 * integers, so 1e18 ns epoch times lose nothing); the closed form is solved
 * on coordinates scaled by the array size.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "locate/ellipsoid.h"
#include "locate/tdoa.h"
#include "locate/uncertainty.h"

#define MAXN TDOA_MAX_SENSORS
#define MAXP 4		    /* unknowns: 3 position + bias */
#define MAXMIN 8	    /* minima kept per sensor set */
#define STEP_TOL 1e-7	    /* m: a step this short ends the refinement */
#define DECREMENT_TOL 1e-10 /* of sigma_r^2: converged */
#define FAR_M 1e8	    /* m: a run that wanders this far has diverged */
#define THIN 0.01	    /* width/length below which sensors are collinear */
#define MIRROR_THIN 0.25 /* width/length below which mirror images are tried */
#define DEG (M_PI / 180.0)
#define E2 (ELLIPSOID_F * (2.0 - ELLIPSOID_F)) /* e^2 */

struct work {
	const struct tdoa_fix *fix;
	const struct tdoa_options *opt;
	int dim;	       /* 2 (known height) or 3 */
	int np;		       /* unknowns: dim + 1 */
	size_t n;	       /* sensors in play */
	size_t idx[MAXN];      /* their input indices */
	double s[MAXN][3];     /* their ECEF positions minus o */
	double rho[MAXN];      /* speed * (t - t_min), m */
	double all_s[MAXN][3]; /* every input sensor, ECEF minus o */
	double all_rho[MAXN];
	double o[3];	    /* origin: the frame's */
	double sigma_r;	    /* speed * sigma_t, m */
	double scale;	    /* rms distance of sensors from the origin */
	double thin;	    /* width/length of the sensor set */
	double normal[3];   /* 3-D: normal of the sensors' best plane;
				  2-D: horizontal normal of their best line */
	double centroid[3]; /* of the sensors in play, ECEF minus o */
	struct ellipsoid_enu frame; /* ENU at the sensors' centroid */
	int iterations;
};

/* A point the refinement reached (or a start, before it runs). */
struct minimum {
	double x[3];  /* ECEF minus o */
	double b;     /* range bias: speed * (t_emission - t_min), m */
	double cost;  /* sum of squared residuals, m^2 */
	double reach; /* see reach() */
	double h;     /* height above the ellipsoid, m */
	int converged;
};

static void msg_add(struct tdoa_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to res->message; a message too long for the buffer is cut. */
static void
msg_add(struct tdoa_result *res, const char *fmt, ...)
{
	size_t len = strlen(res->message);
	va_list ap;

	if (len + 1 >= sizeof(res->message))
		return;
	va_start(ap, fmt);
	vsnprintf(res->message + len, sizeof(res->message) - len, fmt, ap);
	va_end(ap);
}

static double
dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double
dist3(const double a[3], const double b[3])
{
	double d[3] = { a[0] - b[0], a[1] - b[1], a[2] - b[2] };

	return sqrt(dot3(d, d));
}

/*
 * Cholesky factorisation of the p x p symmetric matrix a in place (lower
 * triangle). Returns -1 when a pivot is not positive relative to the
 * diagonal's scale (singular or indefinite).
 */
static int
chol(int p, double a[MAXP][MAXP])
{
	double dmax = 0, v;
	int i, j, k;

	for (i = 0; i < p; i++)
		if (a[i][i] > dmax)
			dmax = a[i][i];
	if (!(dmax > 0) || !isfinite(dmax))
		return -1;
	for (j = 0; j < p; j++) {
		v = a[j][j];
		for (k = 0; k < j; k++)
			v -= a[j][k] * a[j][k];
		if (!(v > 1e-13 * dmax))
			return -1;
		a[j][j] = sqrt(v);
		for (i = j + 1; i < p; i++) {
			v = a[i][j];
			for (k = 0; k < j; k++)
				v -= a[i][k] * a[j][k];
			a[i][j] = v / a[j][j];
		}
	}
	return 0;
}

/* Solves L L^T x = b with the factor from chol. */
static void
chol_solve(int p, double l[MAXP][MAXP], const double b[MAXP], double x[MAXP])
{
	double y[MAXP], v;
	int i, k;

	for (i = 0; i < p; i++) {
		v = b[i];
		for (k = 0; k < i; k++)
			v -= l[i][k] * y[k];
		y[i] = v / l[i][i];
	}
	for (i = p - 1; i >= 0; i--) {
		v = y[i];
		for (k = i + 1; k < p; k++)
			v -= l[k][i] * x[k];
		x[i] = v / l[i][i];
	}
}

/* Inverts the symmetric positive definite a into inv; -1 if singular. */
static int
spd_inverse(int p, double a[MAXP][MAXP], double inv[MAXP][MAXP])
{
	double l[MAXP][MAXP], e[MAXP], col[MAXP];
	int i, j;

	memcpy(l, a, sizeof(l));
	if (chol(p, l) == -1)
		return -1;
	for (j = 0; j < p; j++) {
		for (i = 0; i < p; i++)
			e[i] = i == j;
		chol_solve(p, l, e, col);
		for (i = 0; i < p; i++)
			inv[i][j] = col[i];
	}
	return 0;
}

/* Eigen-decomposition of a symmetric 3x3 (cyclic Jacobi); ascending. */
static void
eigen3(const double m[3][3], double val[3], double vec[3][3])
{
	double a[3][3], v[3][3], t, c, s, th, tmp;
	int i, j, k, sweep, p, q, order[3] = { 0, 1, 2 };

	memcpy(a, m, sizeof(a));
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			v[i][j] = i == j;
	for (sweep = 0; sweep < 50; sweep++) {
		double off = fabs(a[0][1]) + fabs(a[0][2]) + fabs(a[1][2]);

		if (off <= 1e-18 *
			    (fabs(a[0][0]) + fabs(a[1][1]) + fabs(a[2][2])) ||
		    off == 0)
			break;
		for (p = 0; p < 2; p++)
			for (q = p + 1; q < 3; q++) {
				if (a[p][q] == 0)
					continue;
				th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
				t = (th >= 0 ? 1.0 : -1.0) /
				    (fabs(th) + sqrt(th * th + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				for (k = 0; k < 3; k++) {
					tmp = a[k][p];
					a[k][p] = c * tmp - s * a[k][q];
					a[k][q] = s * tmp + c * a[k][q];
				}
				for (k = 0; k < 3; k++) {
					tmp = a[p][k];
					a[p][k] = c * tmp - s * a[q][k];
					a[q][k] = s * tmp + c * a[q][k];
				}
				for (k = 0; k < 3; k++) {
					tmp = v[k][p];
					v[k][p] = c * tmp - s * v[k][q];
					v[k][q] = s * tmp + c * v[k][q];
				}
			}
	}
	/* Sort ascending (three elements). */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2 - i; j++)
			if (a[order[j]][order[j]] >
			    a[order[j + 1]][order[j + 1]]) {
				k = order[j];
				order[j] = order[j + 1];
				order[j + 1] = k;
			}
	for (i = 0; i < 3; i++) {
		val[i] = a[order[i]][order[i]];
		for (k = 0; k < 3; k++)
			vec[i][k] = v[k][order[i]];
	}
}

/* The geodetic coordinates of x (ECEF minus o). */
static void
geodetic(const struct work *w, const double x[3], double *lat, double *lon,
    double *h)
{
	double X[3] = { x[0] + w->o[0], x[1] + w->o[1], x[2] + w->o[2] };

	ellipsoid_from_ecef(X, lat, lon, h);
}

/*
 * 2-D: the point at latitude lat, longitude lon (radians) and the known
 * height, as ECEF minus o, with the east and north unit vectors there.
 */
static void
surface(const struct work *w, double lat, double lon, double x[3], double e[3],
    double n[3])
{
	double sp = sin(lat), cp = cos(lat), sl = sin(lon), cl = cos(lon);
	double nr = ELLIPSOID_A / sqrt(1.0 - E2 * sp * sp), h = w->fix->alt_m;

	x[0] = (nr + h) * cp * cl - w->o[0];
	x[1] = (nr + h) * cp * sl - w->o[1];
	x[2] = (nr * (1.0 - E2) + h) * sp - w->o[2];
	e[0] = -sl;
	e[1] = cl;
	e[2] = 0;
	n[0] = -sp * cl;
	n[1] = -sp * sl;
	n[2] = cp;
}

/*
 * 2-D: moves x onto the surface at the known height along the ellipsoid
 * normal, writes its latitude and longitude (radians) and the east and north
 * unit vectors there.
 */
static void
project(const struct work *w, double x[3], double *lat, double *lon,
    double e[3], double n[3])
{
	double la, lo;

	geodetic(w, x, &la, &lo, NULL);
	*lat = la * DEG;
	*lon = lo * DEG;
	surface(w, *lat, *lon, x, e, n);
}

/*
 * 2-D: the point d[0] metres east and d[1] north of (lat, lon) on the
 * surface: a step in latitude and longitude scaled by the radii of
 * curvature (exact to first order, like the Jacobian); near the poles, where
 * longitude degenerates, a tangent step projected back to the surface.
 */
static void
surface_step(const struct work *w, double *lat, double *lon, const double x[3],
    const double e[3], const double n[3], const double d[2], double xn[3],
    double en[3], double nn[3])
{
	double sp = sin(*lat), q = 1.0 - E2 * sp * sp, h = w->fix->alt_m;
	double rn = ELLIPSOID_A / sqrt(q), rm = rn * (1.0 - E2) / q;
	double la = *lat + d[1] / (rm + h), lo;
	int k;

	if (fabs(la) < M_PI / 2 - 1e-4 && fabs(*lat) < M_PI / 2 - 1e-4) {
		lo = *lon + d[0] / ((rn + h) * cos(*lat));
		surface(w, la, lo, xn, en, nn);
		*lat = la;
		*lon = lo;
		return;
	}
	for (k = 0; k < 3; k++)
		xn[k] = x[k] + d[0] * e[k] + d[1] * n[k];
	project(w, xn, lat, lon, en, nn);
}

/*
 * Residuals r_i = rho_i - |x - s_i| - b and the unit vectors u_i from the
 * sensors to x (the model's gradient); returns the sum of squares.
 */
static double
residuals(const struct work *w, const double x[3], double b, double r[MAXN],
    double u[MAXN][3])
{
	double cost = 0, d[3], len;
	size_t i;
	int k;

	for (i = 0; i < w->n; i++) {
		for (k = 0; k < 3; k++)
			d[k] = x[k] - w->s[i][k];
		len = sqrt(dot3(d, d));
		r[i] = w->rho[i] - len - b;
		cost += r[i] * r[i];
		for (k = 0; k < 3; k++)
			u[i][k] = len > 1e-9 ? d[k] / len : 0;
	}
	return cost;
}

/*
 * The Jacobian of the model with respect to the unknowns: 3-D rows
 * (u_i^T, 1); 2-D rows (u_i . east, u_i . north, 1) at the current point.
 */
static void
jacobian(const struct work *w, double u[MAXN][3], const double e[3],
    const double n[3], double h[MAXN][MAXP])
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->dim == 3) {
			h[i][0] = u[i][0];
			h[i][1] = u[i][1];
			h[i][2] = u[i][2];
			h[i][3] = 1;
		} else {
			h[i][0] = dot3(u[i], e);
			h[i][1] = dot3(u[i], n);
			h[i][2] = 1;
		}
	}
}

static void
normal_eq(const struct work *w, double h[MAXN][MAXP], const double r[MAXN],
    double nm[MAXP][MAXP], double g[MAXP])
{
	size_t i;
	int j, k, p = w->np;

	for (j = 0; j < p; j++) {
		g[j] = 0;
		for (k = 0; k < p; k++)
			nm[j][k] = 0;
	}
	for (i = 0; i < w->n; i++)
		for (j = 0; j < p; j++) {
			g[j] += h[i][j] * r[i];
			for (k = 0; k <= j; k++)
				nm[j][k] += h[i][j] * h[i][k];
		}
	for (j = 0; j < p; j++)
		for (k = j + 1; k < p; k++)
			nm[j][k] = nm[k][j];
}

/* The bias that minimises the cost at x: mean(rho_i - |x - s_i|). */
static double
best_bias(const struct work *w, const double x[3])
{
	double sum = 0;
	size_t i;

	for (i = 0; i < w->n; i++)
		sum += w->rho[i] - dist3(x, w->s[i]);
	return sum / (double)w->n;
}

/*
 * Levenberg-Marquardt from m->x (the bias is re-estimated there first), with
 * Marquardt's diagonal scaling and Nielsen's (1999) damping update. Stops
 * when the Gauss-Newton decrement g^T N^-1 g (the cost a full step would
 * still remove) is below DECREMENT_TOL of sigma_r^2, i.e. the point is
 * within 1e-5 standard deviations of the minimum in every direction, or
 * when no step lowers the cost any more. On return m holds the end point,
 * its cost and whether it converged.
 */
static void
refine(struct work *w, struct minimum *m)
{
	double r[MAXN], u[MAXN][3], rn[MAXN], un[MAXN][3], h[MAXN][MAXP];
	double nm[MAXP][MAXP], a[MAXP][MAXP], g[MAXP], d[MAXP];
	double e[3] = { 0 }, nn[3] = { 0 }, en[3], nnn[3];
	double x[3], xn[3], b, bn, cost, cn, mu = 1e-4, nu = 2, dmax, step;
	double lat = 0, lon = 0, lat_n = 0, lon_n = 0;
	double dec, pred, rho, t, tol = DECREMENT_TOL * w->sigma_r * w->sigma_r;
	int it, j, k, p = w->np;

	memcpy(x, m->x, sizeof(x));
	if (w->dim == 2)
		project(w, x, &lat, &lon, e, nn);
	b = best_bias(w, x);
	cost = residuals(w, x, b, r, u);
	jacobian(w, u, e, nn, h);
	m->converged = 0;
	for (it = 0; it < w->opt->max_iter; it++) {
		normal_eq(w, h, r, nm, g);
		/* Converged when a full Gauss-Newton step gains nothing. */
		memcpy(a, nm, sizeof(a));
		if (chol(p, a) == 0) {
			chol_solve(p, a, g, d);
			for (dec = 0, j = 0; j < p; j++)
				dec += g[j] * d[j];
			if (dec < tol) {
				m->converged = 1;
				break;
			}
		}
		dmax = 0;
		for (j = 0; j < p; j++)
			if (nm[j][j] > dmax)
				dmax = nm[j][j];
		memcpy(a, nm, sizeof(a));
		for (j = 0; j < p; j++)
			a[j][j] += mu * fmax(nm[j][j], 1e-9 * dmax);
		if (chol(p, a) == -1) {
			mu *= nu;
			nu *= 2;
			if (mu > 1e12)
				break;
			continue;
		}
		chol_solve(p, a, g, d);
		if (w->dim == 3) {
			for (k = 0; k < 3; k++)
				xn[k] = x[k] + d[k];
			bn = b + d[3];
			step = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
		} else {
			lat_n = lat;
			lon_n = lon;
			surface_step(w, &lat_n, &lon_n, x, e, nn, d, xn, en,
			    nnn);
			bn = b + d[2];
			step = hypot(d[0], d[1]);
		}
		if (!(fabs(xn[0]) + fabs(xn[1]) + fabs(xn[2]) < FAR_M) ||
		    !isfinite(bn))
			break;
		cn = residuals(w, xn, bn, rn, un);
		/* Gain ratio: actual over predicted reduction. */
		for (pred = 0, j = 0; j < p; j++)
			pred += 2 * d[j] * g[j];
		for (j = 0; j < p; j++)
			for (k = 0; k < p; k++)
				pred -= d[j] * nm[j][k] * d[k];
		rho = pred > 0 ? (cost - cn) / pred : (cn < cost ? 1 : -1);
		if (cn < cost || (cn == cost && step < STEP_TOL)) {
			memcpy(x, xn, sizeof(x));
			b = bn;
			memcpy(r, rn, sizeof(double) * w->n);
			memcpy(u, un, sizeof(double) * 3 * w->n);
			if (w->dim == 2) {
				memcpy(e, en, sizeof(e));
				memcpy(nn, nnn, sizeof(nn));
				lat = lat_n;
				lon = lon_n;
			}
			jacobian(w, u, e, nn, h);
			cost = cn;
			t = 2 * rho - 1;
			mu *= fmax(1.0 / 3, 1 - t * t * t);
			if (mu < 1e-15)
				mu = 1e-15;
			nu = 2;
			if (step < STEP_TOL) {
				m->converged = 1;
				it++;
				break;
			}
		} else {
			mu *= nu;
			nu *= 2;
			if (mu > 1e10 || step < STEP_TOL) {
				/* No step lowers the cost: a minimum. */
				m->converged = 1;
				break;
			}
		}
	}
	w->iterations += it;
	memcpy(m->x, x, sizeof(x));
	m->b = b;
	m->cost = cost;
}

/*
 * Closed-form spherical intersection (Bancroft): with lambda = |x|^2 - b^2
 * every squared range equation is linear in (x, b),
 *   2 s_i.x - 2 rho_i b = |s_i|^2 - rho_i^2 + lambda,
 * so (x, b) = p + lambda q by least squares and lambda solves a quadratic.
 * dim 3 solves (e, n, u, b); dim 2 fixes the frame's up coordinate at u0
 * and solves (e, n, b). Coordinates are scaled by the array size. Writes up
 * to two roots into roots (ECEF minus o) and returns how many.
 */
static int
closed_form(const struct work *w, int dim, double u0, struct minimum *roots)
{
	double a[MAXN][MAXP], m[MAXP][MAXP], atg[MAXP], at1[MAXP];
	double pv[MAXP], qv[MAXP], lam[2], enu[3], big[3], sc = w->scale;
	double a2, a1, a0, disc, qq, s[3], rho, gi, uu = u0 / sc;
	int q = dim + 1, j, k, nl = 0, nr = 0, nphys = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		ellipsoid_enu_from_ecef(&w->frame,
		    (double[3]){ w->s[i][0] + w->o[0], w->s[i][1] + w->o[1],
			w->s[i][2] + w->o[2] },
		    s);
		for (k = 0; k < 3; k++)
			s[k] /= sc;
		rho = w->rho[i] / sc;
		a[i][0] = 2 * s[0];
		a[i][1] = 2 * s[1];
		if (dim == 3)
			a[i][2] = 2 * s[2];
		a[i][dim] = -2 * rho;
		gi = dot3(s, s) - rho * rho;
		if (dim == 2)
			gi += uu * uu - 2 * uu * s[2];
		for (j = 0; j < q; j++) {
			atg[j] = (i == 0 ? 0 : atg[j]) + a[i][j] * gi;
			at1[j] = (i == 0 ? 0 : at1[j]) + a[i][j];
		}
	}
	for (j = 0; j < q; j++)
		for (k = 0; k < q; k++) {
			m[j][k] = 0;
			for (i = 0; i < w->n; i++)
				m[j][k] += a[i][j] * a[i][k];
		}
	if (chol(q, m) == -1)
		return 0;
	chol_solve(q, m, atg, pv);
	chol_solve(q, m, at1, qv);
	a2 = -qv[dim] * qv[dim];
	a1 = -2 * pv[dim] * qv[dim] - 1;
	a0 = -pv[dim] * pv[dim];
	for (k = 0; k < dim; k++) {
		a2 += qv[k] * qv[k];
		a1 += 2 * pv[k] * qv[k];
		a0 += pv[k] * pv[k];
	}
	if (fabs(a2) < 1e-12 * (fabs(a1) + fabs(a0))) {
		if (a1 != 0)
			lam[nl++] = -a0 / a1;
	} else {
		disc = a1 * a1 - 4 * a2 * a0;
		if (disc < 0)
			disc = 0; /* noise: keep the vertex */
		qq = -0.5 * (a1 + (a1 >= 0 ? 1 : -1) * sqrt(disc));
		lam[nl++] = qq / a2;
		if (qq != 0 && disc > 0)
			lam[nl++] = a0 / qq;
	}
	for (j = 0; j < nl; j++) {
		enu[0] = (pv[0] + lam[j] * qv[0]) * sc;
		enu[1] = (pv[1] + lam[j] * qv[1]) * sc;
		enu[2] = dim == 3 ? (pv[2] + lam[j] * qv[2]) * sc : u0;
		if (!isfinite(enu[0]) || !isfinite(enu[1]) ||
		    !isfinite(enu[2]) ||
		    fabs(enu[0]) + fabs(enu[1]) + fabs(enu[2]) > FAR_M)
			continue;
		ellipsoid_enu_to_ecef(&w->frame, enu, big);
		for (k = 0; k < 3; k++)
			roots[nr].x[k] = big[k] - w->o[k];
		roots[nr].b = (pv[dim] + lam[j] * qv[dim]) * sc;
		roots[nr].converged = 0;
		/* A root with a negative range (the emission after an
		 * arrival) solves the squared equations only. */
		for (i = 0; i < w->n; i++)
			if (w->rho[i] - roots[nr].b <
			    -(3 * w->sigma_r + 1e-9 * sc))
				break;
		if (i < w->n) {
			nphys--;
			roots[nr].converged = -1;
		}
		nr++;
		nphys++;
	}
	/* Keep the physical roots when there are any. */
	if (nphys > 0 && nphys < nr) {
		for (j = 0, k = 0; j < nr; j++)
			if (roots[j].converged == 0)
				roots[k++] = roots[j];
		nr = k;
	}
	for (j = 0; j < nr; j++)
		roots[j].converged = 0;
	return nr;
}

/*
 * Shape of the sensors in play: centroid, the normal of their best line
 * (2-D, horizontal) or plane (3-D), and thinness = width / length (2-D:
 * horizontal minor / major extent; 3-D: middle / major extent, so a line).
 * Also sets the plane's thinness into *flat (3-D: minor / major).
 */
static void
shape(struct work *w, double *flat)
{
	double c[3] = { 0 }, m[3][3] = { { 0 } }, val[3], vec[3][3], d[3];
	double enu[3], big[3];
	size_t i;
	int j, k;

	for (i = 0; i < w->n; i++)
		for (k = 0; k < 3; k++)
			c[k] += w->s[i][k] / (double)w->n;
	memcpy(w->centroid, c, sizeof(c));
	for (i = 0; i < w->n; i++) {
		for (k = 0; k < 3; k++)
			big[k] = w->s[i][k] + w->o[k];
		ellipsoid_enu_from_ecef(&w->frame, big, enu);
		for (k = 0; k < 3; k++)
			d[k] = enu[k];
		if (w->dim == 2)
			d[2] = 0;
		for (j = 0; j < 3; j++)
			for (k = 0; k < 3; k++)
				m[j][k] += d[j] * d[k];
	}
	/* Centre the scatter (frame origin is near, not at, the centroid). */
	for (k = 0; k < 3; k++)
		big[k] = c[k] + w->o[k];
	ellipsoid_enu_from_ecef(&w->frame, big, enu);
	if (w->dim == 2)
		enu[2] = 0;
	for (j = 0; j < 3; j++)
		for (k = 0; k < 3; k++)
			m[j][k] -= (double)w->n * enu[j] * enu[k];
	eigen3(m, val, vec);
	for (k = 0; k < 3; k++)
		val[k] = val[k] > 0 ? sqrt(val[k]) : 0;
	if (w->dim == 2) {
		/* val[0] is the zeroed up axis. */
		w->thin = val[2] > 0 ? val[1] / val[2] : 0;
		for (k = 0; k < 3; k++)
			w->normal[k] = vec[1][0] * w->frame.e[k] +
			    vec[1][1] * w->frame.n[k] +
			    vec[1][2] * w->frame.u[k];
		*flat = 0;
	} else {
		w->thin = val[2] > 0 ? val[1] / val[2] : 0;
		*flat = val[2] > 0 ? val[0] / val[2] : 0;
		for (k = 0; k < 3; k++)
			w->normal[k] = vec[0][0] * w->frame.e[k] +
			    vec[0][1] * w->frame.n[k] +
			    vec[0][2] * w->frame.u[k];
	}
}

/*
 * Covariance of the minimum m: horizontal {ee, en, nn} and the height
 * variance (3-D), scaled by sigma_r^2, plus the hat-matrix diagonal
 * (leverages) when lev is not NULL. Returns -1 if H^T H is singular.
 */
static int
covariance(struct work *w, const struct minimum *m, double cov_en[3],
    double *var_up, double lev[MAXN])
{
	double r[MAXN], u[MAXN][3], h[MAXN][MAXP], nm[MAXP][MAXP];
	double inv[MAXP][MAXP], g[MAXP], x[3], e[3] = { 0 }, n[3] = { 0 };
	double c3[9], cenu[9], lat, lon, hh, s2 = w->sigma_r * w->sigma_r;
	struct ellipsoid_enu f;
	size_t i;
	int j, k, p = w->np;

	memcpy(x, m->x, sizeof(x));
	if (w->dim == 2)
		project(w, x, &lat, &lon, e, n);
	residuals(w, x, m->b, r, u);
	jacobian(w, u, e, n, h);
	normal_eq(w, h, r, nm, g);
	if (spd_inverse(p, nm, inv) == -1)
		return -1;
	if (w->dim == 2) {
		cov_en[0] = s2 * inv[0][0];
		cov_en[1] = s2 * inv[0][1];
		cov_en[2] = s2 * inv[1][1];
		*var_up = 0;
	} else {
		for (j = 0; j < 3; j++)
			for (k = 0; k < 3; k++)
				c3[j * 3 + k] = s2 * inv[j][k];
		geodetic(w, x, &lat, &lon, &hh);
		ellipsoid_enu_init(&f, lat, lon, hh);
		ellipsoid_enu_cov(&f, c3, cenu);
		cov_en[0] = cenu[0];
		cov_en[1] = cenu[1];
		cov_en[2] = cenu[4];
		*var_up = cenu[8];
	}
	if (lev != NULL)
		for (i = 0; i < w->n; i++) {
			lev[i] = 0;
			for (j = 0; j < p; j++)
				for (k = 0; k < p; k++)
					lev[i] += h[i][j] * inv[j][k] * h[i][k];
		}
	return 0;
}

/* Height of m above the ellipsoid. */
static double
height(const struct work *w, const struct minimum *m)
{
	double h;

	geodetic(w, m->x, NULL, NULL, &h);
	return h;
}

/* Whether m (its h set) could be a source: 3-D, not under the ground. */
static int
physical(const struct work *w, const struct minimum *m)
{
	return w->dim == 2 || m->h >= w->opt->min_alt_m;
}

/* Mirror image of x across the sensors' line (2-D) or plane (3-D). */
static void
mirror(const struct work *w, const double x[3], double out[3])
{
	double d[3], t;
	int k;

	for (k = 0; k < 3; k++)
		d[k] = x[k] - w->centroid[k];
	t = dot3(d, w->normal);
	for (k = 0; k < 3; k++)
		out[k] = x[k] - 2 * t * w->normal[k];
}

/*
 * How far a minimum's basin is taken to reach: 3 times the 95 % radius of
 * its whole position covariance, at least 1 m. Starts inside it are not run
 * again, and a rival minimum must lie outside it.
 */
static double
reach(struct work *w, const struct minimum *m)
{
	double cov[3], vu;

	if (covariance(w, m, cov, &vu, NULL) == -1)
		return 1.0;
	return fmax(1.0,
	    3 * sqrt(ELLIPSOID_CHI2_95_2D * (cov[0] + cov[2] + vu)));
}

/* Runs the refinement from start unless a known minimum's basin has it. */
static void
try_start(struct work *w, const double x[3], struct minimum *mins, int *nmin)
{
	struct minimum m;
	int j;

	if (*nmin >= MAXMIN)
		return;
	for (j = 0; j < *nmin; j++)
		if (dist3(mins[j].x, x) < mins[j].reach)
			return;
	memcpy(m.x, x, sizeof(m.x));
	refine(w, &m);
	if (!m.converged)
		return;
	m.reach = reach(w, &m);
	m.h = w->dim == 2 ? w->fix->alt_m : height(w, &m);
	mins[(*nmin)++] = m;
}

/* The cost at a start, with the best bias there (2-D: on the surface). */
static double
start_cost(const struct work *w, const double x0[3])
{
	double x[3], r[MAXN], u[MAXN][3], e[3], n[3], lat, lon;

	memcpy(x, x0, sizeof(x));
	if (w->dim == 2)
		project(w, x, &lat, &lon, e, n);
	return residuals(w, x, best_bias(w, x), r, u);
}

/* What solving one set of sensors found. */
struct outcome {
	struct minimum best;
	int found;	 /* a converged minimum exists */
	int underground; /* 3-D: only minima below min_alt_m */
	int has_rival;	 /* an ambiguity of the horizontal position */
	struct minimum rival;
	int has_height_rival; /* 3-D: one of the height only */
	struct minimum height_rival;
	int has_cov;
	double cov_en[3], var_up;
	struct ellipsoid_ellipse ellipse;
	double lev[MAXN];
	double flat;
};

/*
 * Whether minimum b lies horizontally outside a's horizontal reach (3 times
 * its 95 % ellipse's semi-major axis, at least 1 m), in the ENU frame at a.
 */
static int
horizontal_apart(const struct work *w, const struct minimum *a,
    const struct minimum *b, const struct outcome *out)
{
	struct ellipsoid_enu f;
	double lat, lon, h, big[3], enu[3], r;
	int k;

	if (w->dim == 2)
		return 1;
	geodetic(w, a->x, &lat, &lon, &h);
	ellipsoid_enu_init(&f, lat, lon, h);
	for (k = 0; k < 3; k++)
		big[k] = b->x[k] + w->o[k];
	ellipsoid_enu_from_ecef(&f, big, enu);
	r = out->has_cov ? 3 * out->ellipse.semi_major_m : 0;
	return hypot(enu[0], enu[1]) > fmax(1.0, r);
}

/*
 * Starts, refinements, the best minimum and its rival for w's sensors: the
 * closed form's roots, cheapest first, then (for thin arrays) the mirror
 * image of the best across the sensors' line or plane.
 */
static void
solve_set(struct work *w, struct outcome *out)
{
	struct minimum starts[4], mins[MAXMIN], tmp;
	double mx[3], dchi2, c[4];
	int ns, nmin = 0, j, k, bi = -1;

	memset(out, 0, sizeof(*out));
	shape(w, &out->flat);
	ns = closed_form(w, w->dim, 0, starts);
	if (ns == 0 && w->dim == 3) {
		/* Flat arrays: the 3-D closed form is singular; start above
		 * and below the array instead. */
		ns = closed_form(w, 2, w->scale, starts);
		ns += closed_form(w, 2, -w->scale, starts + ns);
	}
	if (ns == 0) {
		memcpy(starts[0].x, w->centroid, sizeof(starts[0].x));
		ns = 1;
	}
	for (j = 0; j < ns; j++)
		c[j] = start_cost(w, starts[j].x);
	for (j = 1; j < ns; j++)
		for (k = j; k > 0 && c[k] < c[k - 1]; k--) {
			tmp = starts[k];
			starts[k] = starts[k - 1];
			starts[k - 1] = tmp;
			dchi2 = c[k];
			c[k] = c[k - 1];
			c[k - 1] = dchi2;
		}
	for (j = 0; j < ns && (w->opt->multistart || nmin == 0); j++)
		try_start(w, starts[j].x, mins, &nmin);
	for (j = 0; j < nmin; j++)
		if (physical(w, &mins[j]) &&
		    (bi < 0 || mins[j].cost < mins[bi].cost))
			bi = j;
	if (bi < 0) {
		for (j = 0; j < nmin; j++)
			if (bi < 0 || mins[j].cost < mins[bi].cost)
				bi = j;
		out->underground = bi >= 0;
	}
	if (bi >= 0 && w->opt->multistart &&
	    (w->dim == 2 ? w->thin : out->flat) < MIRROR_THIN) {
		/* The mirror image across the sensors' line or plane, when
		 * it could be a physical source. */
		mirror(w, mins[bi].x, mx);
		tmp.x[0] = mx[0];
		tmp.x[1] = mx[1];
		tmp.x[2] = mx[2];
		tmp.h = w->dim == 2 ? 0 : height(w, &tmp);
		if (physical(w, &tmp)) {
			try_start(w, mx, mins, &nmin);
			for (j = 0; j < nmin; j++)
				if (physical(w, &mins[j]) &&
				    mins[j].cost < mins[bi].cost)
					bi = j;
			if (out->underground && physical(w, &mins[bi]))
				out->underground = 0;
		}
	}
	if (bi < 0)
		return;
	out->found = 1;
	out->best = mins[bi];
	out->has_cov = covariance(w, &out->best, out->cov_en, &out->var_up,
			   out->lev) == 0 &&
	    ellipsoid_ellipse95(out->cov_en, &out->ellipse) == 0;
	for (j = 0; j < nmin; j++) {
		if (j == bi || !physical(w, &mins[j]))
			continue;
		dchi2 =
		    (mins[j].cost - mins[bi].cost) / (w->sigma_r * w->sigma_r);
		if (dist3(mins[j].x, mins[bi].x) <= mins[bi].reach ||
		    dchi2 >= w->opt->ambiguity_chi2)
			continue;
		/* A rival that differs only in height (the mirror image
		 * across a flat array) leaves the horizontal fix alone. */
		if (horizontal_apart(w, &mins[bi], &mins[j], out)) {
			if (!out->has_rival || mins[j].cost < out->rival.cost) {
				out->has_rival = 1;
				out->rival = mins[j];
			}
		} else if (!out->has_height_rival ||
		    mins[j].cost < out->height_rival.cost) {
			out->has_height_rival = 1;
			out->height_rival = mins[j];
		}
	}
	if (out->has_height_rival && out->height_rival.h > out->best.h) {
		/* A tie in height (a flat array): sources are on or above
		 * the ground the sensors stand on, so the higher one is
		 * reported and the other named in the message. */
		tmp = out->best;
		out->best = out->height_rival;
		out->height_rival = tmp;
		out->has_cov = covariance(w, &out->best, out->cov_en,
				   &out->var_up, out->lev) == 0 &&
		    ellipsoid_ellipse95(out->cov_en, &out->ellipse) == 0;
	}
}

/* Horizontal DOP of an outcome (infinite without a covariance). */
static double
hdop(const struct work *w, const struct outcome *o)
{
	if (!o->has_cov)
		return INFINITY;
	return sqrt(o->cov_en[0] + o->cov_en[2]) / w->sigma_r;
}

/* Upper 0.1 % point of chi-square with k dof (Wilson-Hilferty). */
static double
chi2_999(int k)
{
	double t = 2.0 / (9.0 * k), c = 1 - t + 3.090232 * sqrt(t);

	return k * c * c * c;
}

/* Copies the sensors marked in keep into w's working set. */
static void
select_sensors(struct work *w, const int keep[MAXN])
{
	size_t i, n = 0;

	for (i = 0; i < w->fix->nsensors; i++) {
		if (!keep[i])
			continue;
		w->idx[n] = i;
		memcpy(w->s[n], w->all_s[i], sizeof(w->s[n]));
		w->rho[n] = w->all_rho[i];
		n++;
	}
	w->n = n;
}

/* Checks the fix's bounds; writes the first violation into res. */
static int
check_fix(const struct tdoa_fix *fix, struct tdoa_result *res)
{
	const struct tdoa_sensor *s;
	int64_t tmin, tmax;
	size_t i;

	if (fix->sensors == NULL || fix->nsensors == 0) {
		msg_add(res, "sensors: none given");
		return -1;
	}
	if (fix->nsensors > TDOA_MAX_SENSORS) {
		msg_add(res, "sensors: %zu given, at most %d per fix",
		    fix->nsensors, TDOA_MAX_SENSORS);
		return -1;
	}
	if (!(fix->speed_mps >= TDOA_MIN_SPEED &&
		fix->speed_mps <= TDOA_MAX_SPEED)) {
		msg_add(res, "speed_mps: must be in [%g, %g]", TDOA_MIN_SPEED,
		    TDOA_MAX_SPEED);
		return -1;
	}
	if (!(fix->sigma_t_s > 0 && fix->sigma_t_s <= TDOA_MAX_SIGMA_T)) {
		msg_add(res, "sigma_t_s: must be in (0, %g]", TDOA_MAX_SIGMA_T);
		return -1;
	}
	if (fix->known_alt &&
	    !(fix->alt_m >= TDOA_MIN_ALT && fix->alt_m <= TDOA_MAX_ALT)) {
		msg_add(res, "alt_m: must be in [%g, %g]", TDOA_MIN_ALT,
		    TDOA_MAX_ALT);
		return -1;
	}
	tmin = tmax = fix->sensors[0].t_ns;
	for (i = 0; i < fix->nsensors; i++) {
		s = &fix->sensors[i];
		if (!(s->lat_deg >= -90 && s->lat_deg <= 90)) {
			msg_add(res, "sensors[%zu].lat: must be in [-90, 90]",
			    i);
			return -1;
		}
		if (!(s->lon_deg >= -180 && s->lon_deg <= 180)) {
			msg_add(res, "sensors[%zu].lon: must be in [-180, 180]",
			    i);
			return -1;
		}
		if (!(s->alt_m >= TDOA_MIN_ALT && s->alt_m <= TDOA_MAX_ALT)) {
			msg_add(res, "sensors[%zu].alt_m: must be in [%g, %g]",
			    i, TDOA_MIN_ALT, TDOA_MAX_ALT);
			return -1;
		}
		if (fix->times_ns) {
			if (s->t_ns < tmin)
				tmin = s->t_ns;
			if (s->t_ns > tmax)
				tmax = s->t_ns;
		} else if (!(fabs(s->t_s) <= TDOA_MAX_T_S)) {
			msg_add(res,
			    "sensors[%zu].t_s: must be finite, |t_s| "
			    "at most %g",
			    i, TDOA_MAX_T_S);
			return -1;
		}
	}
	/* tmax - tmin could overflow int64: compare halves first. */
	if (fix->times_ns &&
	    (tmax / 2 - tmin / 2 > TDOA_MAX_SPREAD_NS / 2 ||
		tmax - tmin > TDOA_MAX_SPREAD_NS)) {
		msg_add(res,
		    "sensors[].t_ns: arrival times spread over more "
		    "than 2^53 ns");
		return -1;
	}
	return 0;
}

/* Fills w's geometry and ranges for all of fix's sensors. */
static int
setup(struct work *w, const struct tdoa_fix *fix,
    const struct tdoa_options *opt, struct tdoa_result *res)
{
	double c[3] = { 0 }, lat, lon, h, tmin_s, tmax_abs = 0;
	int64_t tmin_ns;
	size_t i, n = fix->nsensors;
	int k;

	memset(w, 0, sizeof(*w));
	w->fix = fix;
	w->opt = opt;
	w->dim = fix->known_alt ? 2 : 3;
	w->np = w->dim + 1;
	w->sigma_r = fix->speed_mps * fix->sigma_t_s;
	for (i = 0; i < n; i++) {
		ellipsoid_to_ecef(fix->sensors[i].lat_deg,
		    fix->sensors[i].lon_deg, fix->sensors[i].alt_m,
		    w->all_s[i]);
		for (k = 0; k < 3; k++)
			c[k] += w->all_s[i][k] / (double)n;
	}
	ellipsoid_from_ecef(c, &lat, &lon, &h);
	ellipsoid_enu_init(&w->frame, lat, lon,
	    fix->known_alt ? fix->alt_m : h);
	memcpy(w->o, w->frame.origin, sizeof(w->o));
	for (i = 0; i < n; i++) {
		for (k = 0; k < 3; k++)
			w->all_s[i][k] -= w->o[k];
		w->scale += dot3(w->all_s[i], w->all_s[i]) / (double)n;
	}
	w->scale = sqrt(w->scale);
	if (!(w->scale > 1e-3)) {
		msg_add(res, "sensors: all at one place");
		return -1;
	}
	if (fix->times_ns) {
		tmin_ns = fix->sensors[0].t_ns;
		for (i = 1; i < n; i++)
			if (fix->sensors[i].t_ns < tmin_ns)
				tmin_ns = fix->sensors[i].t_ns;
		for (i = 0; i < n; i++)
			w->all_rho[i] =
			    (double)((long double)(fix->sensors[i].t_ns -
					 tmin_ns) *
				1e-9L * fix->speed_mps);
	} else {
		tmin_s = fix->sensors[0].t_s;
		for (i = 1; i < n; i++)
			if (fix->sensors[i].t_s < tmin_s)
				tmin_s = fix->sensors[i].t_s;
		for (i = 0; i < n; i++) {
			w->all_rho[i] =
			    (fix->sensors[i].t_s - tmin_s) * fix->speed_mps;
			if (fabs(fix->sensors[i].t_s) > tmax_abs)
				tmax_abs = fabs(fix->sensors[i].t_s);
		}
		/* A double's spacing at that magnitude, as range. */
		if (tmax_abs * 0x1p-52 * fix->speed_mps > 0.1 * w->sigma_r)
			msg_add(res,
			    "t_s of magnitude %.3g s is resolved to "
			    "only %.2g m of range, send t_ns; ",
			    tmax_abs, tmax_abs * 0x1p-52 * fix->speed_mps);
	}
	return 0;
}

void
tdoa_options_default(struct tdoa_options *o)
{
	o->max_gdop = 10;
	o->outlier_k = 4;
	o->min_alt_m = -1000;
	o->ambiguity_chi2 = 9;
	o->max_iter = 60;
	o->robust = 1;
	o->multistart = 1;
	o->variance_factor = 1;
	o->model_floor = 1;
}

const char *
tdoa_status_name(enum tdoa_status s)
{
	switch (s) {
	case TDOA_OK: return "ok";
	case TDOA_POOR_GEOMETRY: return "poor_geometry";
	default: return "failed";
	}
}

static void
result_init(struct tdoa_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = TDOA_FAILED;
	res->lat_deg = res->lon_deg = res->alt_m = NAN;
	res->gdop = res->residual_rms_m = res->chi2 = NAN;
	res->variance_factor = 1;
}

/*
 * The covariance that a relative error share of the wave speed adds at m
 * (a consider parameter): the speed scales every range rho_i together, so
 * the solution moves by (H^T H)^-1 H^T rho per unit of share. Returns -1
 * when the information matrix is singular.
 */
static int
speed_cov(const struct work *w, const struct minimum *m, double share,
    double cov_en[3], double *var_up)
{
	double r[MAXN], u[MAXN][3], h[MAXN][MAXP], nm[MAXP][MAXP];
	double inv[MAXP][MAXP], g[MAXP], d[MAXP], x[3], e[3] = { 0 };
	double n[3] = { 0 }, c3[9], cenu[9], lat, lon, hh;
	struct ellipsoid_enu f;
	int j, k, p = w->np;

	memcpy(x, m->x, sizeof(x));
	if (w->dim == 2)
		project(w, x, &lat, &lon, e, n);
	residuals(w, x, m->b, r, u);
	jacobian(w, u, e, n, h);
	normal_eq(w, h, w->rho, nm, g);
	if (spd_inverse(p, nm, inv) == -1)
		return -1;
	for (j = 0; j < p; j++) {
		d[j] = 0;
		for (k = 0; k < p; k++)
			d[j] += inv[j][k] * g[k] * share;
	}
	if (w->dim == 2) {
		cov_en[0] = d[0] * d[0];
		cov_en[1] = d[0] * d[1];
		cov_en[2] = d[1] * d[1];
		*var_up = 0;
		return 0;
	}
	for (j = 0; j < 3; j++)
		for (k = 0; k < 3; k++)
			c3[j * 3 + k] = d[j] * d[k];
	geodetic(w, x, &lat, &lon, &hh);
	ellipsoid_enu_init(&f, lat, lon, hh);
	ellipsoid_enu_cov(&f, c3, cenu);
	cov_en[0] = cenu[0];
	cov_en[1] = cenu[1];
	cov_en[2] = cenu[4];
	*var_up = cenu[8];
	return 0;
}

/*
 * The honest covariance of out's best minimum (docs/localization.md,
 * "Honest ellipses"): the random part, the timing and the sensors' survey
 * error, (sigma_r^2 + survey^2) (H^T H)^-1, times the a-posteriori variance
 * factor when the residuals fail the global test against it; plus the wave
 * speed's error propagated; plus the floor. The ellipse follows.
 */
static void
honest(const struct work *w, const struct tdoa_options *opt,
    const struct outcome *out, int dof, struct tdoa_result *res)
{
	struct uncertainty_tdoa_model m = { 0, 0, 0 };
	double q, f = 1, sc[3] = { 0, 0, 0 }, su = 0, s2;
	int k;

	if (opt->model_floor)
		uncertainty_tdoa_model(w->fix->speed_mps, &m);
	s2 = w->sigma_r * w->sigma_r;
	q = (s2 + m.survey_m * m.survey_m) / s2;
	if (opt->variance_factor)
		f = uncertainty_variance_factor(out->best.cost /
			(s2 + m.survey_m * m.survey_m),
		    dof);
	if (m.speed_share > 0 &&
	    speed_cov(w, &out->best, m.speed_share, sc, &su) == -1)
		sc[0] = sc[1] = sc[2] = su = 0;
	for (k = 0; k < 3; k++)
		res->cov_en[k] = f * q * out->cov_en[k] + sc[k];
	res->cov_en[0] += m.floor_m * m.floor_m;
	res->cov_en[2] += m.floor_m * m.floor_m;
	res->var_up =
	    w->dim == 3 ? f * q * out->var_up + su + m.floor_m * m.floor_m : 0;
	res->variance_factor = f;
	res->survey_m = m.survey_m;
	res->speed_share = m.speed_share;
	res->floor_m = m.floor_m;
	if (ellipsoid_ellipse95(res->cov_en, &res->ellipse) == -1)
		res->has_ellipse = 0;
}

int
tdoa_solve(const struct tdoa_fix *fix, const struct tdoa_options *opt,
    struct tdoa_result *res)
{
	struct tdoa_options defaults;
	struct work w;
	struct outcome out, trial;
	struct uncertainty_tdoa_model model;
	int keep[MAXN], poor = 0, dof, imax;
	double wmax, wi, lat, lon, h, sw;
	size_t i, nin, drop;

	result_init(res);
	if (opt == NULL) {
		tdoa_options_default(&defaults);
		opt = &defaults;
	}
	if (check_fix(fix, res) == -1)
		goto fail;
	nin = fix->nsensors;
	if (nin < (fix->known_alt ? 3u : 4u)) {
		msg_add(res,
		    "too few sensors: a %s fix needs at least %d "
		    "arrivals, got %zu",
		    fix->known_alt ? "2-D (known height)" : "3-D",
		    fix->known_alt ? 3 : 4, nin);
		goto fail;
	}
	if (setup(&w, fix, opt, res) == -1)
		goto fail;
	for (i = 0; i < nin; i++)
		keep[i] = 1;
	select_sensors(&w, keep);
	/* The random error per range the w-test expects: the timing and,
	 * with the model error on, the sensors' survey (a sensor misplaced
	 * by its survey error is not an outlier). */
	sw = w.sigma_r;
	if (opt->model_floor) {
		uncertainty_tdoa_model(fix->speed_mps, &model);
		sw = hypot(w.sigma_r, model.survey_m);
	}
	solve_set(&w, &out);
	if (!out.found) {
		msg_add(res, "no convergence from any start");
		goto fail;
	}
	while (opt->robust && (int)w.n - w.np >= 2 && out.has_cov) {
		/* Data snooping: the largest standardized residual. */
		double r[MAXN], u[MAXN][3];

		residuals(&w, out.best.x, out.best.b, r, u);
		wmax = 0;
		imax = -1;
		for (i = 0; i < w.n; i++) {
			if (1 - out.lev[i] < 1e-9)
				continue;
			wi = fabs(r[i]) / (sw * sqrt(1 - out.lev[i]));
			if (wi > wmax) {
				wmax = wi;
				imax = (int)i;
			}
		}
		if (imax < 0 || wmax <= opt->outlier_k)
			break;
		drop = w.idx[imax];
		keep[drop] = 0;
		select_sensors(&w, keep);
		solve_set(&w, &trial);
		if (!trial.found || (trial.has_rival && !out.has_rival) ||
		    !trial.has_cov ||
		    (hdop(&w, &trial) > opt->max_gdop &&
			hdop(&w, &out) <= opt->max_gdop)) {
			/* Without it the fix would be ambiguous or weak:
			 * keep it and say so. */
			keep[drop] = 1;
			select_sensors(&w, keep);
			msg_add(res,
			    "sensor %zu looks inconsistent "
			    "(standardized residual %.1f > %g) but "
			    "the fix without it is weaker: kept; ",
			    drop, wmax, opt->outlier_k);
			break;
		}
		out = trial;
		msg_add(res,
		    "dropped sensor %zu (standardized residual %.1f "
		    "> %g); ",
		    drop, wmax, opt->outlier_k);
	}
	dof = (int)w.n - w.np;
	geodetic(&w, out.best.x, &lat, &lon, &h);
	res->lat_deg = lat;
	res->lon_deg = lon;
	res->alt_m = w.dim == 2 ? fix->alt_m : h;
	res->nused = w.n;
	memcpy(res->used, w.idx, sizeof(size_t) * w.n);
	res->residual_rms_m = sqrt(out.best.cost / (double)w.n);
	res->chi2 = out.best.cost / (w.sigma_r * w.sigma_r);
	res->dof = dof;
	res->iterations = w.iterations;
	res->has_ellipse = out.has_cov;
	if (out.has_cov) {
		res->gdop = hdop(&w, &out);
		honest(&w, opt, &out, dof, res);
	}
	msg_add(res, "%s fix from %zu of %zu sensors",
	    w.dim == 3 ? "3-D" : "2-D", w.n, nin);
	if (out.has_cov)
		msg_add(res, ", gdop %.3g", res->gdop);
	msg_add(res, ", chi2 %.3g on %d dof", res->chi2, dof);
	if (res->variance_factor > 1)
		msg_add(res, ", variance factor %.3g", res->variance_factor);
	if (res->survey_m > 0 || res->speed_share > 0 || res->floor_m > 0)
		msg_add(res,
		    ", model error: survey %.3g m, speed %.2g, floor "
		    "%.3g m",
		    res->survey_m, res->speed_share, res->floor_m);
	if (!out.has_cov) {
		msg_add(res,
		    "; covariance singular (source on the sensors' "
		    "line or plane?)");
		poor = 1;
	} else if (res->gdop > opt->max_gdop) {
		msg_add(res, "; gdop above %g", opt->max_gdop);
		poor = 1;
	}
	if (w.thin < THIN) {
		msg_add(res,
		    "; sensors are collinear (width/length %.2g): "
		    "the mirror image fits as well",
		    w.thin);
		poor = 1;
		res->ambiguous = 1;
	}
	if (out.has_rival) {
		double rlat, rlon;

		geodetic(&w, out.rival.x, &rlat, &rlon, NULL);
		msg_add(res,
		    "; ambiguous: a second solution at %.6f,%.6f "
		    "(%.0f m away) fits as well (delta chi2 %.2g)",
		    rlat, rlon, dist3(out.rival.x, out.best.x),
		    (out.rival.cost - out.best.cost) / (w.sigma_r * w.sigma_r));
		poor = 1;
		res->ambiguous = 1;
	}
	if (out.has_height_rival) {
		double rh;

		geodetic(&w, out.height_rival.x, NULL, NULL, &rh);
		msg_add(res,
		    "; height ambiguous: a solution at the same "
		    "place, %.0f m high, fits as well (delta chi2 "
		    "%.2g); the higher one is given",
		    rh,
		    fabs(out.height_rival.cost - out.best.cost) /
			(w.sigma_r * w.sigma_r));
	}
	if (out.underground) {
		msg_add(res,
		    "; the only solution lies %.0f m below the "
		    "ellipsoid",
		    -h);
		poor = 1;
		res->ambiguous = 1;
	}
	if (w.dim == 3 && out.has_cov &&
	    sqrt(out.var_up) > opt->max_gdop * w.sigma_r)
		msg_add(res, "; height poorly determined (sigma %.3g m)",
		    sqrt(out.var_up));
	if (dof >= 1 && res->chi2 > chi2_999(dof))
		msg_add(res, "; residuals inconsistent with sigma_t%s",
		    dof < 2 ? " (too few sensors to tell which is wrong)" : "");
	res->status = poor ? TDOA_POOR_GEOMETRY : TDOA_OK;
	return 0;
fail:
	res->status = TDOA_FAILED;
	return -1;
}

int
tdoa_crb(const struct tdoa_fix *fix, double lat_deg, double lon_deg,
    double alt_m, double cov_en[3], double *var_up)
{
	struct tdoa_options opt;
	struct tdoa_result res;
	struct work w;
	struct minimum m;
	int keep[MAXN];
	double big[3], c[3], vu;
	size_t i;
	int k;

	tdoa_options_default(&opt);
	result_init(&res);
	if (check_fix(fix, &res) == -1 || setup(&w, fix, &opt, &res) == -1)
		return -1;
	for (i = 0; i < fix->nsensors; i++)
		keep[i] = 1;
	select_sensors(&w, keep);
	ellipsoid_to_ecef(lat_deg, lon_deg, fix->known_alt ? fix->alt_m : alt_m,
	    big);
	for (k = 0; k < 3; k++)
		m.x[k] = big[k] - w.o[k];
	m.b = 0;
	if (covariance(&w, &m, c, &vu, NULL) == -1)
		return -1;
	memcpy(cov_en, c, sizeof(c));
	if (var_up != NULL)
		*var_up = vu;
	return 0;
}
