/*
 * sim: an ILLUSTRATIVE generator of ceasefire-violation observations — the
 * demonstration data of truce and, later, the ground truth of the fusion
 * tests. Nothing it writes describes real events.
 *
 * True events are drawn in episodes (a shelling, an exchange of fire,
 * night flares, a drone, engineering work) near the ceasefire line and
 * near real settlements of a struct region, mostly in the evening and at
 * night, as the OSCE SMM reported them. Each event is then reported by the
 * sources that could have perceived it, each in its own way: observation
 * posts and cameras give a point with the honest 95 % radius of its error
 * (two posts that both saw a flash give their two bearings instead),
 * patrols a place with bearing and distance, UAVs a frame centre with its
 * CE90 and imagery, acoustic arrays the arrival times at their four
 * microphones, liaison officers of the parties a complaint with a coarse
 * place, a time interval and an inflated count.
 * Some events go unreported; a few complaints report nothing real.
 *
 * Pure and deterministic: the same region, configuration and seed give the
 * same observations, in the same order (sorted by report time within each
 * day), byte for byte. Observations are in the input form of the API
 * (issue 2) and can be fed to `truce import` as JSON lines.
 */
#ifndef TRUCE_SIM_H
#define TRUCE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct region;

#define SIM_MAX_DAYS 3660
#define SIM_MAX_PER_DAY 100000.0
#define SIM_MAX_MEMBERS 8

struct sim_config {
	int64_t start_s; /* UTC midnight of the first day, s */
	int64_t days;	 /* 1 .. SIM_MAX_DAYS */
	double per_day;	 /* mean true events a day, > 0 */
	uint64_t seed;
	const char *const *members; /* the center's members (monitors) */
	size_t nmembers;	    /* 1 .. SIM_MAX_MEMBERS */
};

/*
 * Receives each observation in output order; its 0-based position in that
 * order is the "observations" index the truth refers to. obs is borrowed.
 * Returns 0, or -1 to stop the run.
 */
typedef int (*sim_observation_fn)(void *arg, const json_t *obs);

/*
 * Receives each true event after all its observations, in time order:
 * {"id", "episode", "time", "lat", "lon", "category", "weapon"?, "count",
 * "side", "observations": [indexes]}. ev is borrowed. Returns 0 or -1.
 */
typedef int (*sim_event_fn)(void *arg, const json_t *ev);

/*
 * Runs the simulation of cfg over region r (which needs a line and at
 * least one settlement), calling on_obs for every observation and, when it
 * is not NULL, on_event for every true event. Returns 0, or -1 when a
 * callback failed or memory ran out (logged). Cost: linear in the number
 * of events times the number of settlements and posts.
 */
int sim_run(const struct region *r, const struct sim_config *cfg,
    sim_observation_fn on_obs, sim_event_fn on_event, void *arg);

/*
 * Formats the UTC time t (seconds since the epoch) as RFC 3339
 * "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). Returns 0, or -1
 * when t is out of range.
 */
int sim_format_time(int64_t t, char *buf, size_t len);

#endif
