/* main.c -- echo: TCP, UDP (port=, 7) and conduit channels sent back */
#include "uk.h"

/*
 * Each connection echoes through the stack's own buffers: read what fits
 * in a chunk, write it, and when the send buffer is full keep the rest
 * (pending) and stop reading until UK_NET_WRITE.  So a client that sends
 * without reading stalls on its own window, never on our memory.
 */

#define ECHO_CONNS 64
#define CHUNK	   2048
#define UDP_MAX	   1472 /* uk_udp_sendto's largest datagram */

/* A conduit's echo, the same way through a larger chunk. */
#define CD_CONNS 8
#define CD_CHUNK 8192
#define CD_NAMES 4

/* What a TCP connection and a conduit differ in, for the pump. */
struct echo_ops {
	long (*read)(void *c, void *buf, size_t len);
	long (*write)(void *c, const void *buf, size_t len);
	void (*close)(void *c);
	unsigned long *served;
};

struct echo {
	const struct echo_ops *ops;
	void *c; /* NULL: free */
	uint8_t *buf;
	size_t size;
	size_t off, len; /* pending bytes buf[off, len) */
};

static unsigned long cd_served;
static unsigned long served;

static long
echo_tcp_read(void *c, void *buf, size_t len)
{
	return uk_tcp_read(c, buf, len);
}

static long
echo_tcp_write(void *c, const void *buf, size_t len)
{
	return uk_tcp_write(c, buf, len);
}

static void
echo_tcp_close(void *c)
{
	uk_tcp_close(c);
}

static long
echo_cd_read(void *c, void *buf, size_t len)
{
	return uk_conduit_read(c, buf, len);
}

static long
echo_cd_write(void *c, const void *buf, size_t len)
{
	return uk_conduit_write(c, buf, len);
}

static void
echo_cd_close(void *c)
{
	uk_conduit_close(c);
}

static const struct echo_ops tcp_ops = { echo_tcp_read, echo_tcp_write,
	echo_tcp_close, &served };
static const struct echo_ops cd_ops = { echo_cd_read, echo_cd_write,
	echo_cd_close, &cd_served };

static uint8_t tcp_bufs[ECHO_CONNS][CHUNK];
static uint8_t cd_bufs[CD_CONNS][CD_CHUNK];
static struct echo conns[ECHO_CONNS];
static struct echo cd_conns[CD_CONNS];
/* One byte more than we can send: a longer datagram shows as cut. */
static uint8_t dgram[UDP_MAX + 1];
static unsigned long dgram_echoed, dgram_dropped;

static void
echo_end(struct echo *e)
{
	e->ops->close(e->c);
	e->c = NULL;
	(*e->ops->served)++;
}

/* Returns 0 while pending bytes remain (wait for UK_NET_WRITE). */
static int
echo_flush(struct echo *e)
{
	long n;

	while (e->off < e->len) {
		n = e->ops->write(e->c, e->buf + e->off, e->len - e->off);
		if (n == -UK_EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		e->off += (size_t)n;
	}
	e->off = e->len = 0;
	return 1;
}

/* Send back what is pending, then what can be read, until it blocks. */
static void
echo_pump(struct echo *e)
{
	long n;
	int rc;

	while ((rc = echo_flush(e)) == 1) {
		n = e->ops->read(e->c, e->buf, e->size);
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

/* A free slot of the n in v, made ready for c with its buffer. */
static struct echo *
echo_slot(struct echo *v, int n, uint8_t *bufs, size_t size,
    const struct echo_ops *ops)
{
	int i;

	for (i = 0; i < n && v[i].c != NULL; i++)
		;
	if (i == n)
		return NULL;
	v[i].ops = ops;
	v[i].buf = bufs + (size_t)i * size;
	v[i].size = size;
	v[i].off = v[i].len = 0;
	return &v[i];
}

static void
echo_event(struct uk_tcp *c, int events, void *arg)
{
	(void)c;
	(void)events;
	echo_pump(arg);
}

static void
echo_accept(struct uk_tcp_listener *l, void *arg)
{
	struct echo *e;

	(void)arg;
	for (;;) {
		if ((e = echo_slot(conns, ECHO_CONNS, &tcp_bufs[0][0], CHUNK,
			 &tcp_ops)) == NULL)
			return; /* accept again when one ends */
		if ((e->c = uk_tcp_accept(l, echo_event, e)) == NULL)
			return;
	}
}

static void
echo_cd_event(struct uk_conduit *c, int events, void *arg)
{
	(void)c;
	(void)events;
	if (arg != NULL) /* before echo_cd_accept gave it its slot */
		echo_pump(arg);
}

static void
echo_cd_accept(struct uk_conduit *c, unsigned int client, const char *name,
    void *arg)
{
	struct echo *e;

	(void)arg;
	if ((e = echo_slot(cd_conns, CD_CONNS, &cd_bufs[0][0], CD_CHUNK,
		 &cd_ops)) == NULL) {
		uk_conduit_close(c);
		return;
	}
	printf("echo: conduit %s from domain %u\n", name, client);
	e->c = c;
	uk_conduit_set_arg(c, e);
	echo_pump(e);
}

/*
 * Listens on each name of conduit=NAME[,NAME...], or else of the
 * jitsu.conduit= jitsud writes from the binding's conduit= list; how
 * many, or < 0.
 */
static int
echo_conduits(void)
{
	char names[CD_NAMES * 256], *name, *comma;
	int n = 0, rc;

	if ((rc = uk_cmdline_get("conduit", names, sizeof(names))) ==
		-UK_ENOENT &&
	    (rc = uk_cmdline_get("jitsu.conduit", names, sizeof(names))) ==
		-UK_ENOENT)
		return 0;
	if (rc <= 0)
		return -UK_EINVAL;
	for (name = names; name != NULL; name = comma) {
		if ((comma = strchr(name, ',')) != NULL)
			*comma++ = '\0';
		if ((rc = uk_conduit_listen(name, echo_cd_accept, echo_cd_event,
			 NULL)) != 0) {
			printf("echo: conduit %s: error %d\n", name, rc);
			return rc;
		}
		printf("echo: serving conduit %s\n", name);
		n++;
	}
	return n;
}

/*
 * Each datagram goes straight back to its sender, whole or not at all.
 * One longer than UDP_MAX (only the kernel's sockets, on unix-sock, can
 * deliver one) would come back cut, so it is dropped instead.  A reply
 * the stack refuses (NIC ring full, no route) is dropped too: UDP
 * promises nothing, and there is no UK_NET_WRITE for UDP to wait for.
 * The stack queues 4 datagrams at most: read them all on every call.
 */
static void
echo_dgram(struct uk_udp *u, void *arg)
{
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	while ((n = uk_udp_recvfrom(u, dgram, sizeof(dgram), &ip, &port)) >= 0)
		if (n <= UDP_MAX &&
		    uk_udp_sendto(u, dgram, (size_t)n, ip, port) == 0)
			dgram_echoed++;
		else
			dgram_dropped++;
}

static void
echo_shutdown(enum uk_shutdown_reason reason, void *arg)
{
	(void)arg;
	printf("echo: TCP connections served %lu, UDP datagrams echoed %lu, "
	       "dropped %lu, conduits served %lu\n",
	    served, dgram_echoed, dgram_dropped, cd_served);
	uk_shutdown(reason);
}

/* port= from the command line, 7 without it; 0 if it is not a port. */
static unsigned long
echo_port(void)
{
	char buf[8], *end;
	unsigned long port;
	int rc;

	if ((rc = uk_cmdline_get("port", buf, sizeof(buf))) == -UK_ENOENT)
		return 7;
	if (rc <= 0)
		return 0;
	port = strtoul(buf, &end, 10);
	return *end == '\0' && port <= 65535 ? port : 0;
}

/* TCP and UDP on port; 0 or 1 (a failure, said). */
static int
echo_net(unsigned long port)
{
	struct uk_tcp_listener *l;
	struct uk_udp *u;
	struct uk_ipinfo ip;
	int rc;

	if ((rc = uk_ip_up(&ip)) != 0) {
		printf("echo: network: error %d (need jitsu.ip=A.B.C.D/N)\n",
		    rc);
		return 1;
	}
	if ((rc = uk_tcp_listen((uint16_t)port, 64, echo_accept, NULL, &l)) !=
		0 ||
	    (rc = uk_udp_bind((uint16_t)port, echo_dgram, NULL, &u)) != 0) {
		printf("echo: TCP and UDP port %lu: error %d\n", port, rc);
		return 1;
	}
	printf("echo: listening on %u.%u.%u.%u:%lu (TCP and UDP)\n",
	    ip.ip >> 24, (ip.ip >> 16) & 0xff, (ip.ip >> 8) & 0xff,
	    ip.ip & 0xff, port);
	return 0;
}

/*
 * The network is set up unless the command line has jitsu.conduit= names
 * and no jitsu.ip: a conduit-only echo needs no NIC.
 */
int
uk_main(void)
{
	char ipkey[32];
	unsigned long port;
	int ncd;

	if ((port = echo_port()) == 0) {
		printf("echo: port= must be a number from 1 to 65535\n");
		return 1;
	}
	if ((ncd = echo_conduits()) < 0)
		return 1;
	if ((ncd == 0 ||
		uk_cmdline_get("jitsu.ip", ipkey, sizeof(ipkey)) !=
		    -UK_ENOENT) &&
	    echo_net(port) != 0)
		return 1;
	uk_on_shutdown(echo_shutdown, NULL);
	(void)uk_ready();
	for (;;)
		uk_poll(UK_FOREVER);
}
