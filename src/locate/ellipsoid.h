/*
 * ellipsoid: the WGS84 ellipsoid for the localization solvers: geodetic
 * latitude/longitude/height <-> Earth-centred Earth-fixed (ECEF) coordinates,
 * local east-north-up (ENU) tangent frames, and the 2x2 horizontal covariance
 * <-> 95 % confidence error ellipse.
 *
 * Follows NIMA TR8350.2 (WGS84 constants), the closed-form ECEF of any
 * geodesy text, Bowring's (1976) iteration for the inverse, and for the
 * ellipse the eigen-decomposition of the covariance scaled by the chi-square
 * quantile with 2 degrees of freedom (95 %: 5.991464547). Pure arithmetic:
 * no I/O, no allocation, no globals.
 */
#ifndef TRUCE_ELLIPSOID_H
#define TRUCE_ELLIPSOID_H

#define ELLIPSOID_A 6378137.0		       /* semi-major axis, metres */
#define ELLIPSOID_F (1.0 / 298.257223563)      /* flattening */
#define ELLIPSOID_CHI2_95_2D 5.991464547107979 /* chi2(2 dof) 95 % quantile */

/*
 * A local east-north-up frame tangent to the ellipsoid at a point. Callers
 * hold it on the stack (it is small and has no resources); fill it with
 * ellipsoid_enu_init only.
 */
struct ellipsoid_enu {
	double lat_deg, lon_deg, h_m; /* the frame's origin, geodetic */
	double origin[3];	      /* the origin in ECEF, metres */
	double e[3], n[3], u[3];      /* unit vectors east, north, up in ECEF */
};

/*
 * The 95 % confidence ellipse of a horizontal position: semi-axes in metres
 * and the bearing of the major axis, degrees clockwise from true north in
 * [0, 180).
 */
struct ellipsoid_ellipse {
	double semi_major_m;
	double semi_minor_m;
	double orientation_deg;
};

/*
 * Writes the ECEF coordinates (metres) of the point at geodetic latitude
 * lat_deg, longitude lon_deg (degrees) and ellipsoidal height h_m into xyz.
 * Cost: one sin/cos pair each, one sqrt.
 */
void ellipsoid_to_ecef(double lat_deg, double lon_deg, double h_m,
    double xyz[3]);

/*
 * Writes the geodetic coordinates of the ECEF point xyz into *lat_deg,
 * *lon_deg (-180, 180] and *h_m. Accurate to well under a micrometre for any
 * point farther than 50 km from the Earth's centre (Bowring's iteration run
 * to convergence, at most 6 steps; typically 2). Any argument pointer may be
 * NULL when the value is not wanted.
 */
void ellipsoid_from_ecef(const double xyz[3], double *lat_deg, double *lon_deg,
    double *h_m);

/* Fills *f with the ENU frame whose origin is the geodetic point given. */
void ellipsoid_enu_init(struct ellipsoid_enu *f, double lat_deg, double lon_deg,
    double h_m);

/* Writes the ENU coordinates in frame f of the ECEF point xyz into enu. */
void ellipsoid_enu_from_ecef(const struct ellipsoid_enu *f, const double xyz[3],
    double enu[3]);

/* Writes the ECEF coordinates of the point enu of frame f into xyz. */
void ellipsoid_enu_to_ecef(const struct ellipsoid_enu *f, const double enu[3],
    double xyz[3]);

/*
 * Rotates the ECEF covariance c_ecef (3x3, row-major, m^2) into frame f's
 * axes: c_enu = R c_ecef R^T, row-major, order east, north, up.
 */
void ellipsoid_enu_cov(const struct ellipsoid_enu *f, const double c_ecef[9],
    double c_enu[9]);

/*
 * Writes the 95 % confidence ellipse of the horizontal covariance
 * cov = {var_east, cov_east_north, var_north} (m^2) into *out. Returns -1,
 * *out untouched, when cov is not finite or not positive semi-definite
 * (within rounding).
 */
int ellipsoid_ellipse95(const double cov[3], struct ellipsoid_ellipse *out);

/*
 * The inverse of ellipsoid_ellipse95: writes the covariance
 * {var_east, cov_east_north, var_north} whose 95 % ellipse is *el into cov.
 * Returns -1, cov untouched, when the semi-axes are negative, not finite, or
 * the minor exceeds the major.
 */
int ellipsoid_ellipse95_cov(const struct ellipsoid_ellipse *el, double cov[3]);

#endif
