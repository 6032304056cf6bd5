/*
 * b64: strict and Go-compatible standard base64 over libsodium (b64.h).
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tlog/b64.h"

#define B64_GO_MAX 16384

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
value(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/* Whole groups, the alphabet, and at most two '=' at the very end. */
static int
shape_ok(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return 0;
	if (len > 0 && s[len - 1] == '=')
		pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (value((unsigned char)s[i]) == -1)
			return 0;
	return 1;
}

int
b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = 0;

	if (!shape_ok(s, len))
		return -1;
	if (len == 0) {
		*outlen = 0;
		return 0;
	}
	if (sodium_base642bin(out, cap, s, len, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	*outlen = n;
	return 0;
}

int
b64_decode_go(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *outlen)
{
	char tmp[B64_GO_MAX];
	size_t pad = 0;
	int v;

	if (len == 0 || len > sizeof(tmp) || !shape_ok(s, len))
		return -1;
	memcpy(tmp, s, len);
	if (tmp[len - 1] == '=')
		pad = tmp[len - 2] == '=' ? 2 : 1;
	/* Clear the bits Go ignores: 4 before "==", 2 before "=". */
	v = value((unsigned char)tmp[len - 1 - pad]);
	if (v == -1)
		return -1;
	v &= pad == 2 ? 0x30 : pad == 1 ? 0x3c : 0x3f;
	tmp[len - 1 - pad] = alphabet[v];
	return b64_decode(tmp, len, out, cap, outlen);
}

int
b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	if (cap <
	    sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL))
		return -1;
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
b64_encode_public(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	uint32_t v;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 2 || cap < (len + 2) / 3 * 4 + 1)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}
