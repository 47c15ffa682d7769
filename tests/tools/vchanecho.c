/* vchanecho.c -- stock libxenvchan client: send bytes, check the echo */
#include <sys/time.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxenvchan.h>

/*
 * Usage: vchanecho DOMID PATH BYTES
 *
 * Connects to the vchan a domain offers at PATH (libxenvchan's client,
 * unchanged), sends BYTES bytes of a known pattern while reading back
 * what the server echoes, checks every byte, closes and exits 0.  Both
 * directions move at once, non-blocking: libxenvchan_wait sleeps only
 * after a read and a write both did nothing, and each has then asked the
 * server for a signal.  For the libOS's vchan server (the tests/vchan.c
 * unikernel, tests/xen/uk-vchan.sh).
 */

static char
pattern(uint64_t i)
{
	return (char)((i * 7 + 3) ^ (i >> 11));
}

static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

int
main(int argc, char **argv)
{
	static char	    out[16384], in[16384];
	struct libxenvchan *c;
	uint64_t	    total, sent = 0, got = 0, t0, i;
	int		    n, moved;

	if (argc != 4)
		errx(2, "usage: vchanecho DOMID PATH BYTES");
	total = strtoull(argv[3], NULL, 10);
	t0 = now_ms();
	if ((c = libxenvchan_client_init(NULL, atoi(argv[1]), argv[2])) == NULL)
		err(1, "libxenvchan_client_init %s %s", argv[1], argv[2]);
	c->blocking = 0;
	while (got < total) {
		moved = 0;
		if (sent < total) {
			size_t len = total - sent < sizeof(out) ? total - sent :
								  sizeof(out);

			for (i = 0; i < len; i++)
				out[i] = pattern(sent + i);
			if ((n = libxenvchan_write(c, out, len)) < 0)
				errx(1, "write failed after %llu bytes",
				    (unsigned long long)sent);
			sent += (uint64_t)n;
			moved |= n > 0;
		}
		if ((n = libxenvchan_read(c, in, sizeof(in))) < 0)
			errx(1, "read failed after %llu bytes (server gone?)",
			    (unsigned long long)got);
		for (i = 0; i < (uint64_t)n; i++)
			if (in[i] != pattern(got + i))
				errx(1, "byte %llu differs",
				    (unsigned long long)(got + i));
		got += (uint64_t)n;
		moved |= n > 0;
		if (!moved && libxenvchan_wait(c) != 0)
			errx(1, "libxenvchan_wait failed");
	}
	libxenvchan_close(c);
	printf("vchanecho: %llu bytes echoed intact in %llu ms\n",
	    (unsigned long long)total, (unsigned long long)(now_ms() - t0));
	return 0;
}
