/* vchan.c -- test unikernel: a vchan server that echoes until end of stream */
#include "uk.h"

/*
 * Offers a vchan to Dom0 at data/vchan (64 KiB rings) and sends back
 * every byte it reads, in order, through a buffer of its own, so either
 * ring may be full while the other is not.  At the end of the stream it
 * closes, prints SUCCESS with the byte count and powers off.  Dom0's
 * side is stock libxenvchan: tests/tools/vchanecho.c.
 */

#define PATH "data/vchan"
#define BUF  65536

static char buf[BUF];
static size_t head, tail; /* bytes [tail, head) wait to go back */
static unsigned long total;
static int done, failed;

static void
pump(struct uk_vchan *c)
{
	long n;

	for (;;) {
		if (tail < head) {
			n = uk_vchan_write(c, buf + tail, head - tail);
			if (n > 0)
				tail += (size_t)n;
			else if (n != -UK_EAGAIN) {
				failed = 1;
				break;
			}
		}
		if (tail == head)
			head = tail = 0;
		if (head == BUF)
			return; /* waits for UK_NET_WRITE */
		n = uk_vchan_read(c, buf + head, BUF - head);
		if (n == -UK_EAGAIN)
			return;
		if (n <= 0) {
			failed = n < 0;
			break;
		}
		head += (size_t)n;
		total += (unsigned long)n;
	}
	if (n < 0)
		printf("vchan: error %ld\n", n);
	uk_vchan_close(c);
	done = 1;
}

static void
on_event(struct uk_vchan *c, int events, void *arg)
{
	(void)events;
	(void)arg;
	pump(c);
}

int
uk_main(void)
{
	struct uk_vchan *c;
	int rc;

	if ((rc = uk_vchan_server(0, PATH, BUF, BUF, on_event, NULL, &c)) !=
	    0) {
		printf("vchan: FAILURE: server: %d\n", rc);
		return 1;
	}
	printf("vchan: serving at " PATH "\n");
	pump(c);
	while (!done)
		(void)uk_poll(UK_FOREVER);
	printf("vchan: echoed %lu bytes\n", total);
	printf(failed || head != tail ? "vchan: FAILURE\n" :
					"vchan: SUCCESS\n");
	return failed;
}
