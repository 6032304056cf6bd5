/*
 * Unit test of locate/fixjson: the answer to any line is one valid JSON
 * object with the input's id and a status; strict field errors name the
 * field; ids with quotes and control characters are escaped; and 20,000
 * seeded random mutations of valid fixes never crash (ASan/UBSan in `make
 * test`) and always answer valid JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "locate/fixjson.h"
#include "tap.h"

static uint64_t rng = 0xdeadbeefcafef00dULL;

static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Answers line; checks the answer is a JSON object with a known status. */
static int
answer(const char *line, json_t **outp, int *rc)
{
	char out[FIXJSON_OUT_LEN];
	json_t *o = NULL;
	const char *st;

	if (outp != NULL)
		*outp = NULL;
	*rc = fixjson_locate(line, strlen(line), NULL, out, sizeof(out));
	o = json_loads(out, 0, NULL);
	if (o == NULL || !json_is_object(o))
		goto bad;
	st = json_string_value(json_object_get(o, "status"));
	if (st == NULL || (strcmp(st, "ok") != 0 &&
			      strcmp(st, "poor_geometry") != 0 &&
			      strcmp(st, "failed") != 0))
		goto bad;
	if (outp != NULL)
		*outp = o;
	else
		json_decref(o);
	return 0;
bad:
	diag("bad answer to %.200s: %.300s", line, out);
	json_decref(o);
	return -1;
}

static const char *
msg(json_t *o)
{
	const char *m = json_string_value(json_object_get(o, "message"));

	return m ? m : "";
}

int
main(void)
{
	static const char *const good[] = {
		"{\"id\":\"a\",\"speed_mps\":343,\"sigma_t_s\":0.001,\"alt_m\":0,"
		"\"sensors\":[{\"lat\":39.95,\"lon\":46.9,\"alt_m\":0,\"t_s\":1},"
		"{\"lat\":39.96,\"lon\":46.9,\"alt_m\":0,\"t_s\":1.2},"
		"{\"lat\":39.95,\"lon\":46.92,\"alt_m\":0,\"t_s\":1.5},"
		"{\"lat\":39.94,\"lon\":46.91,\"alt_m\":0,\"t_s\":1.3}]}",
		"{\"id\":\"r\",\"speed_mps\":299792458,\"sigma_t_s\":1e-7,"
		"\"sensors\":[{\"lat\":48,\"lon\":10,\"alt_m\":300,"
		"\"t_ns\":1800000000000000000},{\"lat\":48.5,\"lon\":10.2,"
		"\"alt_m\":500,\"t_ns\":1800000000000100000},{\"lat\":47.6,"
		"\"lon\":10.6,\"alt_m\":200,\"t_ns\":1800000000000050000},"
		"{\"lat\":47.7,\"lon\":9.4,\"alt_m\":900,"
		"\"t_ns\":1800000000000070000},{\"lat\":48.3,\"lon\":9.5,"
		"\"alt_m\":100,\"t_ns\":1800000000000020000}]}",
		"{\"id\":\"b\",\"bearings\":[{\"lat\":39.95,\"lon\":46.85,"
		"\"bearing_deg\":45,\"sigma_deg\":1},{\"lat\":39.96,\"lon\":46.99,"
		"\"bearing_deg\":300,\"sigma_deg\":2}]}",
	};
	static const char alphabet[] = "{}[]\",:0123456789.-eE tnfalsru\\\x01";
	char buf[2048];
	json_t *o = NULL;
	int i, rc, bad = 0, invalid = 0;
	size_t n, k, pos;

	for (i = 0; i < 3; i++) {
		k = (size_t)answer(good[i], &o, &rc);
		ok(k == 0 && rc == 0, "valid fix %d answered: %s", i,
		    json_string_value(json_object_get(o, "status")));
		is_str(json_string_value(json_object_get(o, "id")),
		    i == 0 ? "a" : i == 1 ? "r" : "b", "id echoed");
		ok(json_is_array(json_object_get(o, "sensors_used")),
		    "sensors_used present");
		json_decref(o);
	}

	answer("{\"id\":\"q\\\"\\u0001\\\\\",\"sensors\":5}", &o, &rc);
	is_str(json_string_value(json_object_get(o, "id")), "q\"\001\\",
	    "an id with a quote, a control character and a backslash "
	    "round-trips");
	ok(rc == -1 && strstr(msg(o), "/sensors: must be an array") != NULL,
	    "and the error names the field: %s", msg(o));
	json_decref(o);

	answer("{\"id\":7}", &o, &rc);
	ok(rc == -1 && json_is_null(json_object_get(o, "id")) &&
		strstr(msg(o), "/id") != NULL,
	    "a numeric id: refused, id null (%s)", msg(o));
	json_decref(o);
	answer("{\"id\":\"x\",\"bearings\":[],\"sensors\":[]}", &o, &rc);
	ok(rc == -1 && strstr(msg(o), "not both") != NULL,
	    "sensors and bearings together: refused (%s)", msg(o));
	json_decref(o);
	answer("{\"id\":\"x\",\"id\":\"y\",\"bearings\":[]}", &o, &rc);
	ok(rc == -1 && strstr(msg(o), "invalid JSON") != NULL,
	    "duplicate keys: refused (%s)", msg(o));
	json_decref(o);
	answer("{\"id\":\"x\",\"speed_mps\":1e400,\"sigma_t_s\":1,"
	       "\"sensors\":[]}",
	    &o, &rc);
	ok(rc == -1, "1e400: refused (%s)", msg(o));
	json_decref(o);
	answer("{\"id\":\"x\",\"speed_mps\":343,\"sigma_t_s\":0.001,"
	       "\"sensors\":[{\"lat\":1,\"lon\":2,\"alt_m\":0,\"t_s\":1,"
	       "\"t_ns\":1}]}",
	    &o, &rc);
	ok(rc == -1 && strstr(msg(o), "not both") != NULL,
	    "t_s and t_ns in one sensor: refused (%s)", msg(o));
	json_decref(o);
	answer("{\"id\":\"x\",\"speed_mps\":343,\"sigma_t_s\":0.001,"
	       "\"sensors\":[{\"lat\":1,\"lon\":2,\"alt_m\":0,"
	       "\"t_ns\":-9223372036854775807},{\"lat\":1,\"lon\":2.1,"
	       "\"alt_m\":0,\"t_ns\":9223372036854775807},{\"lat\":1.1,"
	       "\"lon\":2,\"alt_m\":0,\"t_ns\":0}]}",
	    &o, &rc);
	ok(rc == -1 && strstr(msg(o), "/sensors: t_ns values spread") != NULL,
	    "t_ns spread over the int64 range: refused, no overflow (%s)",
	    msg(o));
	json_decref(o);

	/* Seeded random mutations of the valid fixes. */
	for (i = 0; i < 20000; i++) {
		const char *src = good[next() % 3];

		n = strlen(src);
		memcpy(buf, src, n + 1);
		for (k = 0; k < 1 + next() % 4; k++) {
			pos = next() % n;
			switch (next() % 3) {
			case 0: /* replace */
				buf[pos] = alphabet[next() %
				    (sizeof(alphabet) - 1)];
				break;
			case 1: /* delete */
				memmove(buf + pos, buf + pos + 1, n - pos);
				n--;
				break;
			default: /* duplicate a byte */
				if (n + 2 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos,
					    n - pos + 1);
					n++;
				}
			}
		}
		if (answer(buf, NULL, &rc) == -1)
			bad++;
		invalid += rc == -1;
	}
	is_int(bad, 0, "20,000 mutated lines: every answer is valid JSON "
		       "(%d were invalid input)", invalid);
	return done_testing();
}
