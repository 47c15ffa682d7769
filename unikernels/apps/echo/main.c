/* main.c -- echo: every byte received on TCP port= (7) is sent back */
#include "uk.h"

/*
 * Each connection echoes through the stack's own buffers: read what fits
 * in a chunk, write it, and when the send buffer is full keep the rest
 * (pending) and stop reading until UK_NET_WRITE.  So a client that sends
 * without reading stalls on its own window, never on our memory.
 */

#define ECHO_CONNS	64
#define CHUNK		2048

struct echo {
	struct uk_tcp	*c;
	uint8_t		 buf[CHUNK];
	size_t		 off, len;	/* pending bytes buf[off, len) */
};

static struct echo conns[ECHO_CONNS];
static unsigned long served;

static void
echo_end(struct echo *e)
{
	uk_tcp_close(e->c);
	e->c = NULL;
	served++;
}

/* Returns 0 while pending bytes remain (wait for UK_NET_WRITE). */
static int
echo_flush(struct echo *e)
{
	long n;

	while (e->off < e->len) {
		n = uk_tcp_write(e->c, e->buf + e->off, e->len - e->off);
		if (n == -UK_EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		e->off += (size_t)n;
	}
	e->off = e->len = 0;
	return 1;
}

static void
echo_event(struct uk_tcp *c, int events, void *arg)
{
	struct echo *e = arg;
	long n;
	int rc;

	(void)c;
	(void)events;
	while ((rc = echo_flush(e)) == 1) {
		n = uk_tcp_read(e->c, e->buf, sizeof(e->buf));
		if (n == -UK_EAGAIN)
			return;
		if (n <= 0) {
			echo_end(e);
			return;
		}
		e->len = (size_t)n;
	}
	if (rc < 0)
		echo_end(e);
}

static void
echo_accept(struct uk_tcp_listener *l, void *arg)
{
	struct uk_tcp *c;
	int i;

	(void)arg;
	for (;;) {
		for (i = 0; i < ECHO_CONNS && conns[i].c != NULL; i++)
			;
		if (i == ECHO_CONNS)
			return;		/* accept again when one ends */
		if ((c = uk_tcp_accept(l, echo_event, &conns[i])) == NULL)
			return;
		conns[i].c = c;
		conns[i].off = conns[i].len = 0;
	}
}

int
uk_main(void)
{
	struct uk_tcp_listener *l;
	struct uk_ipinfo ip;
	char buf[8];
	unsigned long port = 7;
	int rc;

	if (uk_cmdline_get("port", buf, sizeof(buf)) > 0)
		port = strtoul(buf, NULL, 10);
	if ((rc = uk_ip_up(&ip)) != 0) {
		printf("echo: network: error %d (need jitsu.ip=A.B.C.D/N)\n", rc);
		return 1;
	}
	if (port == 0 || port > 65535 || (rc = uk_tcp_listen((uint16_t)port,
	    64, echo_accept, NULL, &l)) != 0) {
		printf("echo: listen on port %lu: error %d\n", port, rc);
		return 1;
	}
	printf("echo: listening on %u.%u.%u.%u:%lu\n", ip.ip >> 24,
	    (ip.ip >> 16) & 0xff, (ip.ip >> 8) & 0xff, ip.ip & 0xff, port);
	(void)uk_ready();
	for (;;)
		uk_poll(UK_FOREVER);
}
