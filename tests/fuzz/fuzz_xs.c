/* fuzz_xs.c -- the libOS's XenStore wire parser, on what xenstored sends */
#include <stdlib.h>

#include "fuzz.h"
#include "xenplat.h"

/*
 * The input is a stream of replies as they come out of the XenStore
 * ring: a header, then its payload.  Each goes through what xenstore.c
 * does with it: xs_decode_header, then by type xs_watch_event,
 * xs_errno, xs_directory_count or xs_tx_id.  Payloads are exact-size
 * heap copies, so a parser reading past the length it was given is an
 * ASan report.  What a parser accepts must lie inside the payload.
 */
static void
fuzz_xs_payload(uint32_t type, const char *p, size_t len)
{
	const char *path, *token;
	uint32_t    tx;
	int	    n;

	switch (type) {
	case XS_WATCH_EVENT:
		if (xs_watch_event(p, len, &path, &token) == 0) {
			FUZZ_CHECK(path == p);
			FUZZ_CHECK(token > p && token < p + len);
			FUZZ_CHECK(token + strlen(token) < p + len);
		}
		break;
	case XS_ERROR:
		FUZZ_CHECK(xs_errno(p, len) > 0);
		break;
	case XS_DIRECTORY:
		n = xs_directory_count(p, len);
		FUZZ_CHECK(n < 0 || (size_t)n <= len);
		break;
	case XS_TRANSACTION_START:
		if (xs_tx_id(p, len, &tx) == 0)
			FUZZ_CHECK(tx != 0);
		break;
	}
}

/* A request naming the payload's first string, as xenstore.c sends. */
static void
fuzz_xs_encode(const char *p, size_t len)
{
	static char	   buf[XS_HDR_LEN + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;
	const char	  *strs[1];
	int		   n;

	if (strnlen(p, len) == len)
		return;
	strs[0] = p;
	n = xs_encode(buf, sizeof(buf), XS_READ, 1, 0, strs, 1, 1);
	FUZZ_CHECK(n == (int)(XS_HDR_LEN + strlen(p) + 1));
	FUZZ_CHECK(xs_decode_header(buf, &h) == 0 && h.len == strlen(p) + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in	   in = { data, size };
	struct xsd_sockmsg h;
	const uint8_t	  *p;
	char		  *copy;

	while (in.left >= XS_HDR_LEN) {
		fuzz_take(&in, &p, XS_HDR_LEN);
		if (xs_decode_header(p, &h) != 0)
			return 0; /* xenstore.c drops the connection */
		FUZZ_CHECK(h.len <= XENSTORE_PAYLOAD_MAX);
		if (fuzz_take(&in, &p, h.len) < h.len)
			return 0;
		if ((copy = malloc(h.len ? h.len : 1)) == NULL)
			return 0;
		memcpy(copy, p, h.len);
		fuzz_xs_payload(h.type, copy, h.len);
		fuzz_xs_encode(copy, h.len);
		free(copy);
	}
	return 0;
}
