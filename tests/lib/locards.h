/*
 * locards.h: reads the LocaRDS reference data (data/locards/, see its
 * README.md: Schaefer et al., Sensors 21(16):5516, 2021, CC BY-SA 4.0) for
 * the conformance test and the benchmark. Header-only, test code: sensors.csv
 * (serial, latitude, longitude, height, type, good) and set_N.csv (id,
 * timeAtServer, aircraft, latitude, longitude, baroAltitude, geoAltitude,
 * numMeasurements, "[[serial, toa_ns, rssi], ...]").
 */
#ifndef TRUCE_LOCARDS_H
#define TRUCE_LOCARDS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCARDS_MAX_SERIAL 1024
#define LOCARDS_MAX_MEAS 16
#define LOCARDS_MAX_MSGS 4096

struct locards_sensor {
	int present;
	double lat, lon, h;
};

struct locards_msg {
	long id;
	double lat, lon, baro_alt, geo_alt; /* truth */
	int n;
	int serial[LOCARDS_MAX_MEAS];
	int64_t toa_ns[LOCARDS_MAX_MEAS];
};

struct locards {
	struct locards_sensor sensor[LOCARDS_MAX_SERIAL];
	struct locards_msg *msg;
	size_t nmsg;
};

/* Splits line at commas into at most max fields (in place); count. */
static int __attribute__((unused))
locards_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	f[n++] = p;
	while (*p != '\0' && n < max) {
		if (*p == '"')
			break;
		if (*p == ',') {
			*p = '\0';
			f[n++] = p + 1;
		}
		p++;
	}
	return n;
}

static int __attribute__((unused))
locards_load_sensors(struct locards *d, const char *dir)
{
	char path[1024], line[512], *f[8];
	FILE *fp;
	long serial;

	if (snprintf(path, sizeof(path), "%s/sensors.csv", dir) >=
	    (int)sizeof(path))
		return -1;
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "serial", 6) == 0)
			continue;
		if (locards_split(line, f, 8) < 4)
			continue;
		serial = strtol(f[0], NULL, 10);
		if (serial <= 0 || serial >= LOCARDS_MAX_SERIAL)
			continue;
		d->sensor[serial].present = 1;
		d->sensor[serial].lat = strtod(f[1], NULL);
		d->sensor[serial].lon = strtod(f[2], NULL);
		d->sensor[serial].h = strtod(f[3], NULL);
	}
	fclose(fp);
	return 0;
}

/* Parses "[[s,t,r],[s,t,r],...]" into m. */
static int __attribute__((unused))
locards_measurements(const char *p, struct locards_msg *m)
{
	char *end;

	m->n = 0;
	while ((p = strstr(p, "[")) != NULL) {
		while (*p == '[')
			p++;
		if (m->n >= LOCARDS_MAX_MEAS)
			return -1;
		m->serial[m->n] = (int)strtol(p, &end, 10);
		if (*end != ',')
			return -1;
		m->toa_ns[m->n] = strtoll(end + 1, &end, 10);
		if (*end != ',')
			return -1;
		m->n++;
		p = end;
	}
	return 0;
}

/* Loads sensors.csv and set_1.csv .. set_8.csv from dir; -1 on error. */
static int __attribute__((unused))
locards_load(struct locards *d, const char *dir)
{
	char path[1024], line[4096], *f[9];
	struct locards_msg *m;
	FILE *fp;
	int set;

	memset(d, 0, sizeof(*d));
	if (locards_load_sensors(d, dir) == -1)
		return -1;
	d->msg = calloc(LOCARDS_MAX_MSGS, sizeof(*d->msg));
	if (d->msg == NULL)
		return -1;
	for (set = 1; set <= 8; set++) {
		if (snprintf(path, sizeof(path), "%s/set_%d.csv", dir, set) >=
		    (int)sizeof(path))
			return -1;
		if ((fp = fopen(path, "r")) == NULL)
			return -1;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (strncmp(line, "id,", 3) == 0)
				continue;
			if (locards_split(line, f, 9) < 9 ||
			    d->nmsg >= LOCARDS_MAX_MSGS)
				continue;
			m = &d->msg[d->nmsg];
			m->id = strtol(f[0], NULL, 10);
			m->lat = strtod(f[3], NULL);
			m->lon = strtod(f[4], NULL);
			m->baro_alt = strtod(f[5], NULL);
			m->geo_alt = strtod(f[6], NULL);
			if (locards_measurements(f[8], m) == 0)
				d->nmsg++;
		}
		fclose(fp);
	}
	return 0;
}

#endif
