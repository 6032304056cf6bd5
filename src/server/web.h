/*
 * web: what the center serves to a browser besides the API — the
 * dashboard's static files at / (built by `make` into web/dist;
 * docs/dashboard.md), and the center's base geography as one GeoJSON
 * FeatureCollection (RFC 7946) at GET /v1/geo, for the dashboard's map.
 * Internal to src/server/.
 *
 * Static files: only GET, only paths of [A-Za-z0-9._-] segments separated
 * by single slashes, no segment starting with a dot, at most
 * WEB_MAX_PATH bytes; a file of at most WEB_MAX_FILE bytes, a regular
 * file directly below the web root. Every answer carries a strict
 * Content-Security-Policy (WEB_CSP): scripts, styles, images, fonts and
 * connections from the center itself only, no inline script, no frames.
 *
 * The web root is $TRUCE_WEB if set, else the web/dist folder of the
 * repository the running binary was built in (build/<flavour>/truce ->
 * ../../web/dist), else "web/dist".
 */
#ifndef TRUCE_WEB_H
#define TRUCE_WEB_H

#include <microhttpd.h>

struct request;
struct route;

#define WEB_MAX_PATH 200
#define WEB_MAX_FILE (16L * 1024 * 1024)
#define WEB_CSP                                                           \
	"default-src 'self'; script-src 'self'; "                         \
	"style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " \
	"connect-src 'self'; worker-src 'self'; manifest-src 'self'; "    \
	"object-src 'none'; base-uri 'none'; form-action 'self'; "        \
	"frame-ancestors 'none'"

/*
 * The route of the static files for a request the route table did not
 * match: a public GET route when method is GET and url lies outside the
 * API's prefixes (/v1/, /tile/, /checkpoint), else NULL (the router then
 * answers 404 as before).
 */
const struct route *web_route(const char *method, const char *url);

/* Route handler: one static file (404 problem+json when there is none). */
enum MHD_Result web_static(struct request *r);

/*
 * Route handler: the geography of the center's region as one GeoJSON
 * FeatureCollection: the zone and line layers read from the same files
 * geo/layers.h loads (each feature's properties: "layer", "kind" (zone or
 * line), "name"), and the gazetteer's settlements as Points ("kind"
 * place, "name" as the gazetteer holds it, "names" its other spellings,
 * transliterations included, "country", "population"). An empty
 * collection for region none.
 */
enum MHD_Result web_geo(struct request *r);

/*
 * Route handler (public): what a browser pins to verify the joint
 * checkpoint (GET /checkpoint) itself: {"origin", "region" (its
 * geography: karabakh, donbas or none), "log_key" (the log's
 * verifier key), "quorum" (cosignatures a joint checkpoint needs),
 * "witnesses": [each witness's cosigning verifier key]}.
 */
enum MHD_Result web_witnesses(struct request *r);

#endif
