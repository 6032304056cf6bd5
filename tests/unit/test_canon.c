/* Unit test of record/canon: byte-exact canonical JSON (RFC 8785 subset). */
#include <stdlib.h>

#include "record/canon.h"
#include "tap.h"

static void
check(const char *in, const char *want, const char *name)
{
	json_error_t e;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &e);
	char *out = NULL;
	size_t len = 0;
	int rc;

	if (v == NULL) {
		ok(0, "%s: parse %s", name, e.text);
		return;
	}
	rc = canon_encode(v, &out, &len);
	if (want == NULL)
		ok(rc == -1, "%s: refused", name);
	else {
		ok(rc == 0, "%s: encodes", name);
		is_str(out, want, "%s: bytes", name);
		if (out != NULL)
			is_int(len, strlen(want), "%s: length", name);
	}
	free(out);
	json_decref(v);
}

int
main(void)
{
	check("{\"b\":1, \"a\": [true,false,null], \"c\":{\"z\":\"\",\"y\":-3}}",
	    "{\"a\":[true,false,null],\"b\":1,\"c\":{\"y\":-3,\"z\":\"\"}}",
	    "sorts keys at every level, no spaces");
	check("\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"",
	    "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"",
	    "RFC 8785 string escapes, solidus and DEL literal");
	check("\"A\\u011fdam \\u20ac \\ud83d\\ude00\"",
	    "\"A\xc4\x9f" "dam \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "non-ASCII written as UTF-8, not escaped");
	check("9007199254740991", "9007199254740991", "largest safe integer");
	check("-9007199254740991", "-9007199254740991",
	    "smallest safe integer");
	check("9007199254740992", NULL, "2^53 refused");
	check("1.5", NULL, "real refused");
	check("[1.0]", NULL, "real inside array refused");
	check("{\"k\":0}", "{\"k\":0}", "zero");
	check("{\"b\":{},\"a\":[]}", "{\"a\":[],\"b\":{}}", "empty containers");
	check("{\"aa\":1,\"a\":2,\"B\":3,\"_\":4}",
	    "{\"B\":3,\"_\":4,\"a\":2,\"aa\":1}", "byte order of keys");
	check("[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", NULL,
	    "depth over the limit refused");
	return done_testing();
}
