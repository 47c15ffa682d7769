/* vchan.c -- test unikernel: vchans with stock libxenvchan, both roles */
#include "uk.h"

/*
 * Without arguments: the server.  Offers a vchan at data/vchan (64 KiB
 * rings) and sends back every byte it reads, in order, through a buffer
 * of its own, so either ring may be full while the other is not.  At the
 * end of the stream it closes, prints SUCCESS with the byte count and
 * powers off.  The peer is Dom0 unless Dom0 wrote another domid in our
 * data/peer before we ran.
 *
 * With `role=client': the client.  Dom0 serves data/srv0 (rings inside
 * the shared page) and data/srv1 (64 KiB rings, pages of their own);
 * for each, as soon as the keys are there, it connects, sends 1 MiB of a
 * known pattern while reading the echo back, checks every byte, and
 * closes.  SUCCESS once both went through.  If Dom0 wrote a domid in our
 * data/server, that domain is the server instead (this unikernel in the
 * server role) and the one vchan is its data/vchan.
 *
 * Dom0's side is stock libxenvchan: tests/tools/vchanpeer.c (src/vchan.c).
 */

#define PATH	 "data/vchan"
#define BUF	 65536
#define CLI_SIZE (1024 * 1024)

static char buf[BUF];
static size_t head, tail; /* server: bytes [tail, head) wait to go back */
static unsigned long total;
static int done, failed;

static void
serve(struct uk_vchan *c)
{
	long n = 0;

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
			failed |= n < 0;
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
on_serve(struct uk_vchan *c, int events, void *arg)
{
	(void)events;
	(void)arg;
	serve(c);
}

static int
server(unsigned int peer)
{
	struct uk_vchan *c;
	int rc;

	rc = uk_vchan_server((uint16_t)peer, PATH, BUF, BUF, on_serve, NULL,
	    &c);
	if (rc != 0) {
		printf("vchan: FAILURE: server: %d\n", rc);
		return 1;
	}
	printf("vchan: serving at " PATH " to domain %u\n", peer);
	serve(c);
	while (!done)
		(void)uk_poll(UK_FOREVER);
	printf("vchan: echoed %lu bytes\n", total);
	if (failed || head != tail)
		failed = 1;
	return failed;
}

/* The client's transfer: sent bytes out, got bytes back and checked. */
static unsigned long sent, got;

static char
pattern(unsigned long i)
{
	return (char)(i * 13 + (i >> 9));
}

static void
exchange(struct uk_vchan *c)
{
	long n = 0;
	size_t i, len;

	for (;;) {
		len = CLI_SIZE - sent < BUF ? CLI_SIZE - sent : BUF;
		for (i = 0; i < len; i++)
			buf[i] = pattern(sent + i);
		if (len > 0 && (n = uk_vchan_write(c, buf, len)) > 0)
			sent += (unsigned long)n;
		else if (len > 0 && n != -UK_EAGAIN)
			break;
		if ((n = uk_vchan_read(c, buf, BUF)) == -UK_EAGAIN)
			return;
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(got + i)) {
				printf("vchan: byte %lu differs\n", got + i);
				n = -1;
				break;
			}
		if (n < 0)
			break;
		got += (unsigned long)n;
		if (got == CLI_SIZE) {
			uk_vchan_close(c);
			done = 1;
			return;
		}
	}
	printf("vchan: FAILURE: stopped after %lu sent, %lu back (%ld)\n", sent,
	    got, n);
	uk_vchan_close(c);
	failed = done = 1;
}

static void
on_exchange(struct uk_vchan *c, int events, void *arg)
{
	(void)events;
	(void)arg;
	exchange(c);
}

static void
on_keys(struct uk_xs_watch *w, const char *path, void *arg)
{
	(void)w;
	(void)path;
	*(int *)arg = 1;
}

static int
client(unsigned int srv, const char *path)
{
	struct uk_xs_watch w;
	struct uk_vchan *c;
	int changed = 0, rc;

	if ((rc = uk_xs_watch(&w, path, on_keys, &changed)) != 0)
		return rc;
	do {
		while (!changed)
			(void)uk_poll(UK_FOREVER);
		changed = 0;
		rc = uk_vchan_client((uint16_t)srv, path, on_exchange, NULL,
		    &c);
	} while (rc == -UK_ENOENT);
	(void)uk_xs_unwatch(&w);
	if (rc != 0)
		return rc;
	printf("vchan: connected to %s\n", path);
	sent = got = 0;
	done = 0;
	exchange(c);
	while (!done)
		(void)uk_poll(UK_FOREVER);
	printf("vchan: %s: %lu bytes echoed intact\n", path, failed ? 0 : got);
	return failed ? -UK_EIO : 0;
}

/* The domid Dom0 wrote in our data/KEY, 0 (Dom0 itself) if none. */
static unsigned int
domid_key(const char *key)
{
	char v[16];

	if (uk_xs_read(key, v, sizeof(v)) <= 0)
		return 0;
	return (unsigned int)strtoul(v, NULL, 10);
}

int
uk_main(void)
{
	char role[16], path[64];
	unsigned int dom;
	int rc;

	if (uk_cmdline_get("role", role, sizeof(role)) < 0 ||
	    strcmp(role, "client") != 0)
		rc = server(domid_key("data/peer"));
	else if ((dom = domid_key("data/server")) != 0) {
		snprintf(path, sizeof(path), "/local/domain/%u/" PATH, dom);
		rc = client(dom, path);
	} else if ((rc = client(0, "data/srv0")) == 0)
		rc = client(0, "data/srv1");
	if (rc != 0)
		printf("vchan: client: %d\n", rc);
	printf(rc != 0 ? "vchan: FAILURE\n" : "vchan: SUCCESS\n");
	return rc != 0;
}
