/*
 * Unit test of tlog/b64's encoders: b64_encode_public gives the RFC 4648
 * §10 test vectors and exactly libsodium's output (b64_encode) for every
 * length 0..200 of pseudo-random bytes, round-trips through the strict
 * decoder, and refuses a buffer one byte short.
 */
#include <stdint.h>
#include <string.h>

#include "tlog/b64.h"
#include "tap.h"

int
main(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
		"fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
		"Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	uint8_t in[200], back[200];
	char a[300], b[300];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	size_t i, len, n;
	int vec_ok = 1, same = 1, round = 1;

	for (i = 0; i < 7; i++)
		if (b64_encode_public((const uint8_t *)plain[i],
			strlen(plain[i]), a, sizeof(a)) != 0 ||
		    strcmp(a, coded[i]) != 0)
			vec_ok = 0;
	ok(vec_ok, "RFC 4648 test vectors");
	for (i = 0; i < sizeof(in); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i] = (uint8_t)(x >> 32);
	}
	for (len = 0; len <= sizeof(in); len++) {
		if (b64_encode_public(in, len, a, sizeof(a)) != 0 ||
		    b64_encode(in, len, b, sizeof(b)) != 0 ||
		    strcmp(a, b) != 0)
			same = 0;
		if (b64_decode(a, strlen(a), back, sizeof(back), &n) != 0 ||
		    n != len || memcmp(back, in, len) != 0)
			round = 0;
	}
	ok(same, "the same text as libsodium's encoder for lengths 0..200");
	ok(round, "and it decodes back with the strict decoder");
	is_int(b64_encode_public(in, 32, a, 44), -1,
	    "44 bytes cannot hold 32 bytes' 44 characters and a NUL");
	ok(b64_encode_public(in, 32, a, 45) == 0 && strlen(a) == 44,
	    "45 can");
	ok(b64_encode_public((const uint8_t *)"\xff\xff\xff\x00", 4, a,
	       sizeof(a)) == 0 && strcmp(a, "////AA==") == 0,
	    "every bit of the last characters (0xff 0xff 0xff 0x00)");
	return done_testing();
}
