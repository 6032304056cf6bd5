/*
 * geopin: the geographies a log names, checked before a replay (see
 * geopin.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "center/geopin.h"
#include "ledger/entrylog.h"
#include "record/geography.h"

#define SCAN_BUNDLE 256

/* Records the geography entry index names, if it names one. */
static int
scan_entry(struct geopin *p, int64_t index, const uint8_t *bytes, size_t len,
    char *err, size_t errlen)
{
	const char *digest, *region;
	char why[256];
	json_error_t je;
	json_t *e;
	int rc = -1, r;

	if (p->n > 0 && !p->span[p->n - 1].fused && geography_fused(bytes, len))
		p->span[p->n - 1].fused = 1;
	if (!geography_maybe(bytes, len))
		return 0;
	if ((e = json_loadb((const char *)bytes, len, 0, &je)) == NULL) {
		snprintf(err, errlen, "log entry %lld: not JSON: %s",
		    (long long)index, je.text);
		return -1;
	}
	if ((r = geography_read(e, &digest, &region, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "log entry %lld: %s", (long long)index,
		    why);
		goto done;
	}
	if (r == 1) {
		if (p->n == GEOPIN_MAX_SPANS) {
			snprintf(err, errlen,
			    "log entry %lld: the log names "
			    "more than %d geographies",
			    (long long)index, GEOPIN_MAX_SPANS);
			goto done;
		}
		p->span[p->n].from = index;
		p->span[p->n].fused = 0;
		snprintf(p->span[p->n].digest, sizeof(p->span[p->n].digest),
		    "%s", digest);
		snprintf(p->span[p->n].region, sizeof(p->span[p->n].region),
		    "%s", region);
		p->n++;
	}
	rc = 0;
done:
	json_decref(e);
	return rc;
}

int
geopin_scan(struct entrylog *log, int64_t size, struct geopin *p, char *err,
    size_t errlen)
{
	p->n = 0;
	p->scanned = 0;
	return geopin_scan_more(log, size, p, err, errlen);
}

int
geopin_scan_more(struct entrylog *log, int64_t size, struct geopin *p,
    char *err, size_t errlen)
{
	uint8_t *bundle = NULL;
	int64_t start, count, i;
	size_t len, pos, elen;
	int rc = -1;

	for (start = p->scanned; start < size; start += count) {
		count = size - start < SCAN_BUNDLE ? size - start : SCAN_BUNDLE;
		free(bundle);
		bundle = NULL;
		if (entrylog_read_bundle(log, start, count, &bundle, &len) ==
		    -1) {
			snprintf(err, errlen,
			    "log entries %lld to %lld "
			    "unreadable",
			    (long long)start, (long long)(start + count - 1));
			goto done;
		}
		/* Records: a big-endian uint16 length, then the entry. */
		for (pos = 0, i = start; i < start + count; i++) {
			if (len - pos < 2 ||
			    (elen = (size_t)bundle[pos] << 8 |
				    bundle[pos + 1]) > len - pos - 2) {
				snprintf(err, errlen,
				    "log entry %lld: its "
				    "record is cut short",
				    (long long)i);
				goto done;
			}
			if (scan_entry(p, i, bundle + pos + 2, elen, err,
				errlen) == -1)
				goto done;
			pos += 2 + elen;
			p->scanned = i + 1;
		}
	}
	rc = 0;
done:
	free(bundle);
	return rc;
}

const char *
geopin_last(const struct geopin *p)
{
	return p->n == 0 ? "" : p->span[p->n - 1].digest;
}

int
geopin_check(const struct geopin *p, int64_t from, int64_t to,
    const struct geodigest *have, const char *datadir, const char *remedy,
    char *err, size_t errlen)
{
	int64_t end;
	size_t i;

	for (i = 0; from < to && i < p->n; i++) {
		end = i + 1 < p->n ? p->span[i + 1].from : INT64_MAX;
		if (end <= from || p->span[i].from >= to)
			continue;
		if (!p->span[i].fused)
			continue;
		if (strcmp(p->span[i].digest, have->digest) == 0 &&
		    strcmp(p->span[i].region, have->region) == 0)
			continue;
		snprintf(err, errlen,
		    "geography: log entries %lld to %lld "
		    "were computed with geography %s (region %s, named by "
		    "entry %lld), but the data in %.256s is geography %s "
		    "(region %s); replaying them with it could word or zone "
		    "their incidents differently, so nothing was replayed: "
		    "%s%s",
		    (long long)(p->span[i].from > from ? p->span[i].from
						       : from),
		    (long long)((end < to ? end : to) - 1), p->span[i].digest,
		    p->span[i].region, (long long)p->span[i].from, datadir,
		    have->digest, have->region, remedy,
		    i + 1 < p->n
			? " (a process replays with one copy of the data: once "
			  "incidents were worded with two geographies, keep "
			  "the "
			  "store and its backups, `truce backup`, since a "
			  "replay "
			  "from the first entry needs the older data)"
			: "");
		return -1;
	}
	return 0;
}
