/* Unit test of common/num: the checked number parser. */
#include <stdint.h>

#include "common/num.h"
#include "tap.h"

int
main(void)
{
	int64_t v = 7;
	double d = 0;
	char err[128];

	ok(num_parse_i64("42", 0, 100, &v, err, sizeof(err)) == 0 && v == 42,
	    "parses 42");
	v = 7;
	ok(num_parse_i64("101", 0, 100, &v, err, sizeof(err)) == -1 && v == 7,
	    "refuses 101 above max, output untouched");
	ok(strstr(err, "[0, 100]") != NULL, "error names the limit: %s", err);
	ok(num_parse_i64("12x", 0, 100, &v, err, sizeof(err)) == -1,
	    "refuses trailing junk");
	ok(num_parse_i64("", 0, 100, &v, err, sizeof(err)) == -1,
	    "refuses empty");
	ok(num_parse_i64(" 1", 0, 100, &v, err, sizeof(err)) == -1,
	    "refuses leading space");
	ok(num_parse_i64("99999999999999999999", INT64_MIN, INT64_MAX, &v, err,
	       sizeof(err)) == -1,
	    "refuses overflow");
	ok(num_parse_i64("-5", -10, 10, &v, err, sizeof(err)) == 0 && v == -5,
	    "parses negative");
	ok(num_parse_double("39.95", -90, 90, &d, err, sizeof(err)) == 0 &&
		d > 39.9499 && d < 39.9501,
	    "parses 39.95");
	ok(num_parse_double("nan", -90, 90, &d, err, sizeof(err)) == -1,
	    "refuses nan");
	ok(num_parse_double("0x10", -90, 90, &d, err, sizeof(err)) == -1,
	    "refuses hex");
	ok(num_parse_double("91", -90, 90, &d, err, sizeof(err)) == -1,
	    "refuses 91 above 90");
	return done_testing();
}
