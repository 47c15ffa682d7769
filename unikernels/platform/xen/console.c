/* console.c -- the Xen PV console ring (output side) */
#include "xenplat.h"

/*
 * The console page holds two byte rings; we produce into `out` and
 * xenconsoled consumes it, advances out_cons and notifies us.  Until
 * console_init() ran (or if the backend corrupted the ring) output goes to
 * the boot binding's debug channel instead, so early failures are seen.
 * A `uk.debug` word on the command line copies everything there too.
 */

static struct xencons_interface *cons;
static int broken;
static int mirror;

static void
console_put(const char *p, size_t n)
{
	struct xencons_interface *c = cons;
	uint32_t prod, ocons;
	int w;

	while (n > 0) {
		ocons = xen_load_idx(&c->out_cons);
		prod = c->out_prod;
		w = ring_write(c->out, sizeof(c->out), prod, ocons, p, n);
		if (w < 0) {
			broken = 1;
			xen_debug_write("uk: console ring corrupt\n", 25);
			return;
		}
		if (w == 0) {
			/* Full: wait for xenconsoled to drain some. */
			evtchn_clear(xenplat.cons_port);
			if (xen_load_idx(&c->out_cons) == ocons)
				evtchn_wait(&xenplat.cons_port, 1, UK_FOREVER);
			continue;
		}
		xen_store_idx(&c->out_prod, prod + (uint32_t)w);
		evtchn_notify(xenplat.cons_port);
		p += w;
		n -= (size_t)w;
	}
}

void
uk_console_write(const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	if (cons == NULL || broken || mirror)
		xen_debug_write(buf, len);
	if (cons == NULL || broken)
		return;
	/* Terminals want "\r\n"; the ring carries raw bytes. */
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl == NULL ? len : (size_t)(nl - buf);
		console_put(buf, n);
		if (nl == NULL)
			break;
		console_put("\r\n", 2);
		buf += n + 1;
		len -= n + 1;
	}
}

void
console_flush(uint64_t deadline)
{
	if (cons == NULL || broken)
		return;
	for (;;) {
		evtchn_clear(xenplat.cons_port);
		xen_mb();
		if (xen_load_idx(&cons->out_cons) == cons->out_prod)
			return;
		if (uk_now() >= deadline)
			return;
		evtchn_wait(&xenplat.cons_port, 1, deadline);
	}
}

void
console_init(void)
{
	char word[16];

	cons = xenplat.cons;
	mirror = cmdline_find(xenplat.cmdline, "uk.debug", word,
		     sizeof(word)) != -UK_ENOENT;
}
