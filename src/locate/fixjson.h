/*
 * fixjson: the JSON form of a localization fix, as `truce locate` reads and
 * writes it one line at a time (issue 4), and as observations will carry it:
 *
 *   {"id":"a1","speed_mps":343.0,"sigma_t_s":0.001,"alt_m":250,
 *    "sensors":[{"lat":39.95,"lon":46.90,"alt_m":300,"t_s":12.3456}, ...]}
 *   {"id":"b1","bearings":[{"lat":..,"lon":..,"bearing_deg":..,
 *    "sigma_deg":..}, ...]}
 *
 * -> {"id":"a1","status":"ok"|"poor_geometry"|"failed","lat":..,"lon":..,
 *     "alt_m":..,"ellipse":{"semi_major_m":..,"semi_minor_m":..,
 *     "orientation_deg":..},"residual_rms_m":..,"sensors_used":[0,1,3],
 *     "message":".."}
 *
 * docs/localization.md lists every field and limit. Parsing is strict: an
 * unknown field, a wrong type or a value out of range is an error naming the
 * field as a JSON pointer (RFC 6901) and the limit. Pure: uses jansson, no
 * I/O, no globals.
 */
#ifndef TRUCE_FIXJSON_H
#define TRUCE_FIXJSON_H

#include <stddef.h>

#define FIXJSON_MAX_LINE 65536 /* bytes of one input line */
#define FIXJSON_MAX_ID 128     /* bytes of an id */
#define FIXJSON_OUT_LEN 4096   /* an output line always fits */

struct tdoa_options;

/*
 * Parses, solves and answers one input line: line holds len bytes of JSON
 * (no newline needed, no NUL needed; len <= FIXJSON_MAX_LINE). Writes the
 * output line, JSON without a newline and NUL-terminated, into out (outlen
 * >= FIXJSON_OUT_LEN). opt tunes the TDOA solver (NULL: defaults).
 *
 * Returns 0 when the line was a valid fix, whatever the solver's status
 * (failed included: too few sensors is an answer), and -1 when the line was
 * invalid; the output line is then a `failed` line whose message names the
 * field. Cost: a JSON parse and one solve (tdoa_solve, bearings_solve).
 */
int fixjson_locate(const char *line, size_t len, const struct tdoa_options *opt,
    char *out, size_t outlen);

/*
 * Writes the `failed` output line {"id":id,"status":"failed","message":msg}
 * into out (id may be NULL: written as null). For errors found outside a
 * line's JSON, such as an over-long line.
 */
void fixjson_failed(const char *id, const char *msg, char *out, size_t outlen);

#endif
