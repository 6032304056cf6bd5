/*
 * tdoa: time-difference-of-arrival multilateration for any wave speed
 * (343 m/s for sound, c for radio): sensors at known WGS84 positions report
 * when one emission reached them; the source position follows, in 3-D or in
 * 2-D at a known ellipsoidal height, with its covariance, a 95 % error
 * ellipse, a dilution of precision and a status that says when not to trust
 * it.
 *
 * Method (docs/localization.md has the equations): the unknown emission time
 * is a parameter (a range bias b), so every arrival is a time-of-arrival
 * residual r_i = speed * (t_i - t_ref) - |x - s_i| - b; with independent
 * timing errors this is the maximum-likelihood TDOA solution and gives the
 * same covariance as TDOA with its correlated covariance. A closed-form
 * spherical-intersection estimate (Bancroft 1985, as Chan & Ho 1994 use the
 * squared-range linearisation) gives up to two roots; each, and the mirror
 * image across the sensors' line or plane, starts a Levenberg-Marquardt
 * refinement (Foy 1976 / Marquardt 1963) with an analytic Jacobian in ECEF;
 * distinct minima that fit about as well mean the fix is ambiguous. A
 * data-snooping step (Baarda 1968) drops a sensor whose standardized
 * residual is inconsistent. The covariance is sigma_r^2 (H^T H)^-1 at the
 * solution, sigma_r = speed * sigma_t (its Cramer-Rao bound), scaled by the
 * a-posteriori variance factor chi2 / dof when the residuals fail the
 * global test at 5 %, plus the model error of the wave type (sensor
 * survey, wave speed, a floor: locate/uncertainty.h): the ellipse of what
 * the fix is, not only of the timing.
 *
 * Pure: no I/O, no allocation, no globals; safe from any thread.
 */
#ifndef TRUCE_TDOA_H
#define TRUCE_TDOA_H

#include <stddef.h>
#include <stdint.h>

#include "locate/ellipsoid.h"

#define TDOA_MAX_SENSORS 64 /* sensors per fix (STYLE.md rule 6) */
#define TDOA_MSG_LEN 320    /* size of tdoa_result.message */

/* Bounds on the inputs that tdoa_solve enforces (and cmd_locate names). */
#define TDOA_MIN_SPEED 1.0		      /* m/s */
#define TDOA_MAX_SPEED 3.0e8		      /* m/s, a little over c */
#define TDOA_MIN_ALT (-12000.0)		      /* m, sensor and source heights */
#define TDOA_MAX_ALT 1.0e6		      /* m */
#define TDOA_MAX_SIGMA_T 1000.0		      /* s */
#define TDOA_MAX_T_S 1.0e12		      /* |t_s|, s */
#define TDOA_MAX_SPREAD_NS (INT64_C(1) << 53) /* t_ns max - min */

/* One sensor's position and arrival time. */
struct tdoa_sensor {
	double lat_deg, lon_deg; /* WGS84 */
	double alt_m;		 /* height above the ellipsoid */
	int64_t t_ns;		 /* arrival time, ns, when times_ns is set */
	double t_s;		 /* arrival time, s, otherwise */
};

/* A fix to solve: the caller owns sensors[] (not copied, not kept). */
struct tdoa_fix {
	const struct tdoa_sensor *sensors;
	size_t nsensors;  /* 1..TDOA_MAX_SENSORS */
	int times_ns;	  /* 1: arrival times in t_ns; 0: in t_s */
	double speed_mps; /* wave speed */
	double sigma_t_s; /* standard deviation of each arrival time */
	int known_alt;	  /* 1: 2-D solve at height alt_m; 0: 3-D */
	double alt_m;
};

/* Tuning; tdoa_options_default documents each default. */
struct tdoa_options {
	double max_gdop;  /* poor_geometry above this horizontal DOP */
	double outlier_k; /* drop a sensor whose |standardized residual| > k */
	double min_alt_m; /* 3-D minima below this height are not physical */
	double ambiguity_chi2; /* a rival minimum within this chi2 is a tie */
	int max_iter;	       /* Levenberg-Marquardt iterations per start */
	int robust;	       /* 1: run the outlier-dropping step */
	int multistart;	       /* 1: look for a second minimum (ambiguity) */
	int variance_factor;   /* 1: scale by chi2 / dof when the global
				test fails (uncertainty_variance_factor) */
	int model_floor;       /* 1: add the wave type's model error: survey,
			     speed, floor (uncertainty_tdoa_model) */
};

enum tdoa_status {
	TDOA_OK = 0,
	TDOA_POOR_GEOMETRY, /* a position, but do not trust its ellipse */
	TDOA_FAILED	    /* no position */
};

struct tdoa_result {
	enum tdoa_status status;
	double lat_deg, lon_deg, alt_m; /* the source; NaN when failed */
	double cov_en[3];	/* horizontal covariance {ee, en, nn}, m^2:
				timing and survey x variance factor +
				speed + floor */
	double var_up;		/* 3-D: variance of the height, m^2; 2-D: 0 */
	double variance_factor; /* applied to the timing covariance, >= 1 */
	double survey_m;	/* the model error applied (all 0 when */
	double speed_share;	/* model_floor is off): uncertainty.h's */
	double floor_m;		/* struct uncertainty_tdoa_model */
	int has_ellipse;	/* 0 when the covariance is singular */
	struct ellipsoid_ellipse ellipse; /* 95 %, horizontal */
	int ambiguous;	       /* poor_geometry for more than the gdop: a
				rival minimum, collinear sensors or only
				an underground solution; the ellipse
				describes one of several places */
	double gdop;	       /* horizontal DOP of the timing covariance:
				sqrt(var_e + var_n) / sigma_r */
	double residual_rms_m; /* RMS of the range residuals of used sensors */
	double chi2;	       /* sum of squared residuals / sigma_r^2 */
	int dof;	       /* used sensors - unknowns */
	int iterations;	       /* Levenberg-Marquardt steps, all starts */
	size_t nused;	       /* sensors kept, their input indices ascending */
	size_t used[TDOA_MAX_SENSORS];
	char message[TDOA_MSG_LEN]; /* what happened, always set */
};

/*
 * Fills *o with the defaults: max_gdop 10, outlier_k 4 (a false drop once in
 * ~16,000 good sensors), min_alt_m -1000 (no land lies lower),
 * ambiguity_chi2 9 (a rival within 3 sigma), max_iter 60, robust 1,
 * multistart 1, variance_factor 1, model_floor 1.
 */
void tdoa_options_default(struct tdoa_options *o);

/*
 * Solves *fix with options *opt (NULL: the defaults) into *res. Input limits
 * (TDOA_* above) are checked and a violation names the sensor and the field.
 * At least 4 sensors are needed in 3-D and 3 in 2-D.
 *
 * Returns 0 when a position was found (status ok or poor_geometry), -1 when
 * not (status failed); in both cases *res is filled and res->message says
 * what happened. Cost: O(n) per iteration, a few hundred iterations at most;
 * typically 5-20 microseconds for 5 sensors.
 */
int tdoa_solve(const struct tdoa_fix *fix, const struct tdoa_options *opt,
    struct tdoa_result *res);

/*
 * The Cramer-Rao bound of *fix's geometry for a source at lat_deg, lon_deg,
 * alt_m: the covariance sigma_r^2 (H^T H)^-1 of the TOA model with the
 * emission time unknown (identical to that of TDOA with correlated
 * differences). Writes the horizontal block {ee, en, nn} into cov_en and,
 * when var_up is not NULL, the height variance (3-D; 0 for 2-D). Uses every
 * sensor; the arrival times are not read. Returns -1, outputs untouched, if
 * the information matrix is singular or the fix is out of bounds.
 */
int tdoa_crb(const struct tdoa_fix *fix, double lat_deg, double lon_deg,
    double alt_m, double cov_en[3], double *var_up);

/* "ok", "poor_geometry" or "failed". */
const char *tdoa_status_name(enum tdoa_status s);

#endif
