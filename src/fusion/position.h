/*
 * position: every location form of an observation (docs/observation.md) as
 * a horizontal position on WGS84 with a 2x2 covariance in local east/north
 * metres — or "unresolved" with the reason (a place the gazetteer does not
 * know, a fix the solver could not make).
 *
 * Models (docs/fusion.md, "Position models"; sigmas are one standard
 * deviation per axis):
 *  - point: precision_m is the radius of the 95 % circle, so
 *    sigma = precision_m / 2.4477 (the square root of chi2(2 dof, 0.95));
 *  - uav_frame: ce90_m is the radius of the 90 % circle, so
 *    sigma = ce90_m / 2.1460 (the square root of chi2(2 dof, 0.90));
 *  - place + bearing + distance: the direct geodesic problem from the
 *    gazetteer's place (geo/gazetteer.h, geo/geodesy.h: Karney via PROJ);
 *    along the bearing sigma = distance_error_m, or 20 % of the distance
 *    and at least 100 m when not given, and the bearing error's sag
 *    (locate/uncertainty.h) in quadrature; across it
 *    sigma = distance * tan(10 degrees); plus an isotropic place term: the
 *    observer stands somewhere in the settlement (300 m), or the place is
 *    an area estimate or a district label point (5,000 m, as truce geo
 *    resolve);
 *  - bearings: triangulation by locate/bearings.h, its covariance;
 *  - arrivals: TDOA multilateration by locate/tdoa.h at the given wave
 *    speed, its covariance, and the emission time (the arrival time less
 *    the travel time, averaged over the sensors used).
 * A solver's "poor_geometry" answer is kept and says so in `note`; its
 * covariance is inflated fourfold (twice the sigma) when the fix is
 * ambiguous (bearings; TDOA with tdoa_result.ambiguous), not when a TDOA
 * fix is only wide (gdop): its honest covariance says how wide already.
 *
 * Pure: no I/O. A resolver remembers the places it has looked up (the
 * gazetteer scans every name per lookup); it is not thread-safe.
 */
#ifndef TRUCE_POSITION_H
#define TRUCE_POSITION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define POSITION_SIGMA_95 2.447746830680816 /* sqrt(chi2(2, 0.95)) */
#define POSITION_SIGMA_90 2.145966026289347 /* sqrt(chi2(2, 0.90)) */
#define POSITION_BEARING_ERROR_DEG 10.0
#define POSITION_DISTANCE_ERROR_SHARE 0.2
#define POSITION_MIN_DISTANCE_ERROR_M 100.0
#define POSITION_SETTLEMENT_ERROR_M 300.0
#define POSITION_AREA_ERROR_M 5000.0
#define POSITION_POOR_GEOMETRY_INFLATION 4.0
#define POSITION_MAX_CACHED_PLACES 4096
#define POSITION_REASON_LEN 200

struct gazetteer;
struct position_resolver;

struct position {
	int resolved;	   /* 1: lat, lon, cov are set */
	double lat, lon;   /* WGS84 degrees */
	double cov[3];	   /* {var_east, cov_east_north, var_north}, m^2 */
	int has_time;	   /* 1: the fix solved the emission time */
	double t_ms;	   /* emission time, ms since the epoch */
	double t_sigma_ms; /* its standard deviation */
	char note[POSITION_REASON_LEN]; /* why unresolved, or a caveat */
};

/*
 * A resolver over gazetteer g (borrowed; NULL: no gazetteer, so every
 * place is unresolved). NULL if out of memory. Free with
 * position_resolver_free.
 */
struct position_resolver *position_resolver_new(const struct gazetteer *g);

/* Frees r; NULL does nothing. */
void position_resolver_free(struct position_resolver *r);

/*
 * Resolves the canonical location object loc (an observation entry's
 * "location") of an observation observed from t0_ms into *out. Returns 0
 * when resolved, -1 when not (out->resolved 0, out->note says why: an
 * unknown place, a failed solve, a malformed or unknown form). Cost: a
 * gazetteer lookup the first time a place name is seen, then a hash probe;
 * a geodesic direct problem; a TDOA or bearings solve (tens of
 * microseconds).
 */
int position_resolve(struct position_resolver *r, const json_t *loc,
    int64_t t0_ms, struct position *out);

/*
 * The covariance {ee, en, nn} of a position known to sigma_along_m along
 * the bearing azi_deg and sigma_across_m across it, plus an isotropic
 * sigma_iso_m. Pure arithmetic.
 */
void position_track_cov(double azi_deg, double sigma_along_m,
    double sigma_across_m, double sigma_iso_m, double cov[3]);

#endif
