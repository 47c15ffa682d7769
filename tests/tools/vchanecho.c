/* vchanecho.c -- stock libxenvchan at both ends of the libOS's vchan test */
#include <sys/time.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxenvchan.h>

/*
 * Usage: vchanecho DOMID PATH BYTES
 *        vchanecho -s DOMID PATH READ_MIN WRITE_MIN
 *
 * The first connects to the vchan domain DOMID offers at PATH
 * (libxenvchan_client_init), sends BYTES bytes of a known pattern while
 * reading back what the server echoes, checks every byte and closes.
 * With -s it is the server instead (libxenvchan_server_init, rings of
 * at least READ_MIN and WRITE_MIN bytes): it echoes everything until
 * the client closes.  Both directions move at once, non-blocking:
 * libxenvchan_wait sleeps only when neither a read nor a write did
 * anything, and each has then asked the peer for a signal.  Dom0's side
 * of tests/xen/uk-vchan.sh (the tests/vchan.c unikernel).
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

static int
client(int domid, const char *path, uint64_t total)
{
	static char	    out[16384], in[16384];
	struct libxenvchan *c;
	uint64_t	    sent = 0, got = 0, t0 = now_ms(), i;
	int		    n, moved;

	if ((c = libxenvchan_client_init(NULL, domid, path)) == NULL)
		err(1, "libxenvchan_client_init %d %s", domid, path);
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

/* Echoes through buf until the client has closed and all went back. */
static int
server(int domid, const char *path, size_t read_min, size_t write_min)
{
	static char	    buf[65536];
	struct libxenvchan *c;
	size_t		    head = 0, tail = 0;
	uint64_t	    total = 0;
	int		    n, moved, eof = 0;

	c = libxenvchan_server_init(NULL, domid, path, read_min, write_min);
	if (c == NULL)
		err(1, "libxenvchan_server_init %d %s", domid, path);
	c->blocking = 0;
	printf("vchanecho: serving %s, rings %d and %d bytes\n", path,
	    1 << c->read.order, 1 << c->write.order);
	fflush(stdout);
	while (!eof || tail < head) {
		moved = 0;
		if (tail < head) {
			if ((n = libxenvchan_write(c, buf + tail,
				 head - tail)) < 0)
				errx(1, "write failed, client gone");
			tail += (size_t)n;
			moved |= n > 0;
		}
		if (tail == head)
			head = tail = 0;
		if (!eof && head < sizeof(buf)) {
			n = libxenvchan_read(c, buf + head, sizeof(buf) - head);
			/* -1 with nothing left to read: the client closed. */
			if (n < 0 && libxenvchan_is_open(c))
				errx(1, "read failed");
			eof = n < 0;
			head += n > 0 ? (size_t)n : 0;
			total += n > 0 ? (uint64_t)n : 0;
			moved |= n != 0;
		}
		if (!moved && libxenvchan_wait(c) != 0)
			errx(1, "libxenvchan_wait failed");
	}
	libxenvchan_close(c);
	printf("vchanecho: echoed %llu bytes on %s\n",
	    (unsigned long long)total, path);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "-s") == 0)
		return server(atoi(argv[2]), argv[3],
		    strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10));
	if (argc == 4)
		return client(atoi(argv[1]), argv[2],
		    strtoull(argv[3], NULL, 10));
	errx(2,
	    "usage: vchanecho DOMID PATH BYTES | "
	    "vchanecho -s DOMID PATH READ_MIN WRITE_MIN");
}
