/* stack.c -- the stack's one instance on the NIC: uk.h's TCP/IP calls */
#include "net.h"

/*
 * The glue between the pure stack (struct net) and the libOS: it owns
 * the instance, feeds it received frames and the clock from the poll
 * hook, keeps one uk_timer armed at the stack's next deadline, and runs
 * the application's callbacks.  Callbacks never run inside the stack:
 * the stack only marks handles (events), and stack_notify() calls them
 * afterwards, so an application may call anything from a callback.
 */

static struct net stack;
static struct uk_timer stack_timer;
static uint8_t rx_frame[NET_FRAME + 2];
static int stack_up;

#define TX_RETRY UK_MSEC(1)

static int
stack_output(struct net *n, const uint8_t *f, size_t len)
{
	(void)n;
	return uk_net_send(f, len);
}

static int
notify_listeners(void)
{
	struct tcp_listener *l;
	int i, k = 0;

	for (i = 0; i < NET_TCP_NLISTEN; i++) {
		l = &stack.listen[i];
		if (!l->used || l->events == 0)
			continue;
		l->events = 0;
		if (l->cb_fn != NULL) {
			l->cb_fn((struct uk_tcp_listener *)(void *)l,
			    l->cb_arg);
			k++;
		}
	}
	return k;
}

static int
notify_conns(void)
{
	struct tcp_conn *c;
	int i, k = 0;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &stack.tcp[i];
		if (c->events == 0)
			continue;
		c->events = 0;
		if (c->app && c->cb_fn != NULL) {
			c->cb_fn((struct uk_tcp *)(void *)c, tcp_ready(c),
			    c->cb_arg);
			k++;
		}
	}
	return k;
}

static int
notify_udp(void)
{
	struct udp_sock *u;
	int i, k = 0;

	for (i = 0; i < NET_UDP_NSOCK; i++) {
		u = &stack.udp[i];
		if (!u->used || u->events == 0)
			continue;
		u->events = 0;
		if (u->cb_fn != NULL) {
			u->cb_fn((struct uk_udp *)(void *)u, u->cb_arg);
			k++;
		}
	}
	return k;
}

/* Until quiet: a callback may make other handles ready (accept does). */
static int
stack_notify(void)
{
	int k, total = 0, pass;

	for (pass = 0; pass < 8; pass++) {
		k = notify_listeners() + notify_conns() + notify_udp();
		if (k == 0)
			break;
		total += k;
	}
	return total;
}

static void
stack_rearm(void)
{
	uint64_t t = net_next(&stack), now;

	if (stack.tx_blocked && (now = uk_now()) + TX_RETRY < t)
		t = now + TX_RETRY;
	if (t == UK_FOREVER)
		uk_timer_cancel(&stack_timer);
	else if (!uk_timer_armed(&stack_timer) || stack_timer.deadline != t)
		uk_timer_arm(&stack_timer, t);
}

/* The NIC had no room: everything that has data to send tries again. */
static void
stack_retry_tx(void)
{
	uint64_t now = uk_now();
	int i;

	stack.tx_blocked = 0;
	for (i = 0; i < NET_TCP_NCONN; i++)
		if (stack.tcp[i].state != TCP_CLOSED)
			tcp_output(&stack, &stack.tcp[i], now);
}

static void
stack_tick(struct uk_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (stack.tx_blocked)
		stack_retry_tx();
	net_tick(&stack, uk_now());
	(void)stack_notify();
	stack_rearm();
}

static int
stack_hook(void)
{
	int len, k;

	while ((len = uk_net_recv(rx_frame, sizeof(rx_frame))) != -UK_EAGAIN)
		if (len > 0)
			net_input(&stack, rx_frame, (size_t)len, uk_now());
	k = stack_notify();
	stack_rearm();
	return k;
}

/* poll_dump's part: the counters, the state, what ARP knows. */
static void
stack_dump(void)
{
	const struct net_stats *st = &stack.stats;
	int i, conns = 0, arps = 0;

	for (i = 0; i < NET_TCP_NCONN; i++)
		conns += stack.tcp[i].state != TCP_CLOSED;
	for (i = 0; i < NET_ARP_NENT; i++)
		arps += stack.arp[i].state != 0;
	printf("net: rx %lu tx %lu rx_drop %lu tx_drop %lu arp_drop %lu "
	       "quiet_drop %lu\n",
	    st->rx, st->tx, st->rx_drop, st->tx_drop, st->arp_drop,
	    st->quiet_drop);
	printf("net: rexmit %lu rst_sent %lu synflood %lu nomem %lu ooo %lu\n",
	    st->tcp_rexmit, st->tcp_rst_sent, st->tcp_synflood, st->tcp_nomem,
	    st->tcp_ooo);
	printf("net: quiet %d tx_blocked %d announced %d conns %d arp %d "
	       "timer %s %llu\n",
	    stack.quiet, stack.tx_blocked, stack.announced, conns, arps,
	    uk_timer_armed(&stack_timer) ? "armed" : "idle",
	    (unsigned long long)stack_timer.deadline);
}

static int
cmdline_ip(const char *key, uint32_t *ip)
{
	char buf[24];
	int rc;

	if ((rc = uk_cmdline_get(key, buf, sizeof(buf))) == -UK_ENOENT)
		return 0;
	return rc < 0 ? -UK_EINVAL : uk_ip_parse(buf, ip);
}

static int
stack_config(struct uk_ipinfo *info)
{
	char buf[24];
	int rc;

	memset(info, 0, sizeof(*info));
	if (uk_cmdline_get("jitsu.ip", buf, sizeof(buf)) < 0 ||
	    addr_cidr(buf, &info->ip, &info->mask) != 0)
		return -UK_EINVAL;
	if ((rc = cmdline_ip("jitsu.gw", &info->gw)) != 0)
		return rc;
	if (uk_cmdline_get("jitsu.name", info->name, sizeof(info->name)) < 0)
		info->name[0] = '\0';
	return 0;
}

int
uk_ip_up(struct uk_ipinfo *out)
{
	struct uk_netinfo ni;
	struct uk_ipinfo info;
	uint32_t seed;
	int rc, held;

	if (stack_up)
		return -UK_EBUSY;
	if ((rc = stack_config(&info)) != 0)
		return rc;
	held = synjitsu_expect();
	if ((rc = uk_net_open(&ni)) != 0)
		return rc;
	if (held)
		synjitsu_nic_up();
	memcpy(info.mac, ni.mac, 6);
	/* Not a secret against a local observer; varies per boot and MAC. */
	seed = (uint32_t)uk_now() ^ (uint32_t)(uk_now() >> 32) ^
	    get32(ni.mac + 2);
	net_init(&stack, ni.mac, info.ip, info.mask, info.gw, stack_output,
	    seed);
	uk_timer_init(&stack_timer, stack_tick, NULL);
	poll_set_hook(stack_hook);
	poll_set_dump(stack_dump);
	stack_up = 1;
	/* jitsud still holds our clients: not a word until they are ours
	 * (unless synjitsu.c gave up meanwhile: it released no stack). */
	if (held && synjitsu_holding())
		stack.quiet = 1;
	else {
		arp_announce(&stack, uk_now());
		stack_rearm();
	}
	if (out != NULL)
		*out = info;
	return 0;
}

void
stack_release(void)
{
	if (!stack_up || !stack.quiet)
		return;
	stack.quiet = 0;
	arp_announce(&stack, uk_now());
	stack_rearm();
}

/* Handles are the stack's own structs under an opaque name. */
#define CONN(c)	    ((struct tcp_conn *)(void *)(c))
#define LISTENER(l) ((struct tcp_listener *)(void *)(l))
#define UDPSOCK(u)  ((struct udp_sock *)(void *)(u))

int
uk_tcp_listen(uint16_t port, int backlog, uk_tcp_accept_fn *fn, void *arg,
    struct uk_tcp_listener **lp)
{
	struct tcp_listener *l;
	int i;

	for (i = 0; i < NET_TCP_NLISTEN; i++)
		if (stack.listen[i].used && stack.listen[i].port == port)
			return -UK_EADDRINUSE;
	if ((l = tcp_listen(&stack, port, backlog)) == NULL)
		return port == 0 ? -UK_EINVAL : -UK_ENOSPC;
	l->cb_fn = fn;
	l->cb_arg = arg;
	*lp = (struct uk_tcp_listener *)(void *)l;
	return 0;
}

void
uk_tcp_unlisten(struct uk_tcp_listener *l)
{
	tcp_unlisten(&stack, LISTENER(l));
	stack_rearm();
}

struct uk_tcp *
uk_tcp_accept(struct uk_tcp_listener *l, uk_tcp_fn *fn, void *arg)
{
	struct tcp_conn *c = tcp_accept(&stack, LISTENER(l));

	if (c == NULL)
		return NULL;
	c->cb_fn = fn;
	c->cb_arg = arg;
	return (struct uk_tcp *)(void *)c;
}

int
uk_tcp_connect(uint32_t ip, uint16_t port, uk_tcp_fn *fn, void *arg,
    struct uk_tcp **cp)
{
	struct tcp_conn *c = tcp_connect(&stack, ip, port, uk_now());

	if (c == NULL)
		return port == 0 ? -UK_EINVAL : -UK_ENOSPC;
	c->cb_fn = fn;
	c->cb_arg = arg;
	*cp = (struct uk_tcp *)(void *)c;
	stack_rearm();
	return 0;
}

long
uk_tcp_read(struct uk_tcp *c, void *buf, size_t len)
{
	long rc = tcp_read(&stack, CONN(c), buf, len, uk_now());

	stack_rearm();
	return rc;
}

long
uk_tcp_write(struct uk_tcp *c, const void *buf, size_t len)
{
	struct tcp_conn *t = CONN(c);
	uint64_t now = uk_now();
	long rc = tcp_write(&stack, t, buf, len, now);

	/* The end of the Synjitsu timeline, on the guest's console. */
	if (rc > 0 && t->adopted) {
		t->adopted = 0;
		printf("synjitsu: first reply byte to %u.%u.%u.%u:%u, %lu ms "
		       "after its adoption\n",
		    t->rip >> 24, (t->rip >> 16) & 0xff, (t->rip >> 8) & 0xff,
		    t->rip & 0xff, t->rport,
		    (unsigned long)((now - t->born) / 1000000));
	}
	stack_rearm();
	return rc;
}

void
uk_tcp_close(struct uk_tcp *c)
{
	tcp_close(&stack, CONN(c), uk_now());
	stack_rearm();
}

void
uk_tcp_peer(const struct uk_tcp *c, uint32_t *ip, uint16_t *port)
{
	const struct tcp_conn *t = (const struct tcp_conn *)(const void *)c;

	*ip = t->rip;
	*port = t->rport;
}

int
uk_tcp_adopt(const struct uk_tcp_adopt *rec)
{
	int rc;

	if ((rc = tcp_adopt_check(&stack, rec)) != 0)
		return rc;
	if (tcp_adopt(&stack, rec, uk_now()) == NULL)
		return -UK_ENOSPC;
	stack_rearm();
	return 0;
}

int
uk_udp_bind(uint16_t port, uk_udp_fn *fn, void *arg, struct uk_udp **up)
{
	struct udp_sock *u;
	int i;

	for (i = 0; i < NET_UDP_NSOCK; i++)
		if (stack.udp[i].used && stack.udp[i].port == port)
			return -UK_EADDRINUSE;
	if ((u = udp_bind(&stack, port)) == NULL)
		return port == 0 ? -UK_EINVAL : -UK_ENOSPC;
	u->cb_fn = fn;
	u->cb_arg = arg;
	*up = (struct uk_udp *)(void *)u;
	return 0;
}

int
uk_udp_sendto(struct uk_udp *u, const void *buf, size_t len, uint32_t ip,
    uint16_t port)
{
	int rc = udp_sendto(&stack, UDPSOCK(u), buf, len, ip, port, uk_now());

	stack_rearm();
	return rc;
}

int
uk_udp_recvfrom(struct uk_udp *u, void *buf, size_t len, uint32_t *ip,
    uint16_t *port)
{
	return udp_recvfrom(UDPSOCK(u), buf, len, ip, port);
}

void
uk_udp_close(struct uk_udp *u)
{
	udp_close(UDPSOCK(u));
}
