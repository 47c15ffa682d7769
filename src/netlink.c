/* netlink.c -- rtnetlink: veth pairs, addresses, routes, link counters,
 * neighbours; and a link's IPv6 off */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jitsud.h"

/*
 * The only file speaking rtnetlink.  Requests are built into a struct
 * nl_msg by pure functions (the unit tests check their bytes), then
 * sent on a NETLINK_ROUTE socket and answered by an ack.  The kernel
 * handles an rtnetlink request synchronously inside sendmsg(), so the
 * answer is already queued when we read it: no call here waits for
 * anything but the kernel itself.
 */

#define NL_RECV_MAX  32768 /* a link dump message is a few KB */
#define NL_TIMEOUT_S 1

/*
 * Per thread: the process backend calls us from the main thread, the Xen
 * builder (xlv.c, vif-plug inline) from its own, each on its own socket.
 */
static _Thread_local uint32_t nl_seq;

/* Replies are read into this; 8-byte aligned for the nlmsghdr casts. */
static _Thread_local uint64_t nl_rbuf[NL_RECV_MAX / 8];

static struct nlmsghdr *
nl_hdr(struct nl_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

/* Start a request: header and the family header `fam' of `flen' bytes. */
static void
nl_begin(struct nl_msg *m, uint16_t type, uint16_t flags, const void *fam,
    size_t flen)
{
	struct nlmsghdr *h = nl_hdr(m);

	memset(m->buf, 0, sizeof(m->buf));
	m->len = NLMSG_SPACE(flen);
	h->nlmsg_len = (uint32_t)m->len;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(h), fam, flen);
}

/*
 * Append an attribute.  On overflow m->len becomes 0 and stays 0, so a
 * builder checks once at its end.
 */
static struct rtattr *
nl_attr(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a;

	if (m->len == 0 || len > UINT16_MAX - RTA_LENGTH(0) ||
	    RTA_SPACE(len) > sizeof(m->buf) - m->len) {
		m->len = 0;
		return NULL;
	}
	a = (struct rtattr *)((uint8_t *)m->buf + m->len);
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(a), data, len);
	m->len += RTA_SPACE(len);
	nl_hdr(m)->nlmsg_len = (uint32_t)m->len;
	return a;
}

static int
nl_attr_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr(m, type, s, strlen(s) + 1) == NULL ? -1 : 0;
}

static int
nl_attr_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_attr(m, type, &v, sizeof(v)) == NULL ? -1 : 0;
}

/* A nested attribute spans everything appended since it was opened. */
static void
nl_nest_end(struct nl_msg *m, struct rtattr *a)
{
	if (m->len == 0 || a == NULL)
		return;
	a->rta_len = (uint16_t)((uint8_t *)m->buf + m->len - (uint8_t *)a);
}

static int
nl_end(struct nl_msg *m)
{
	return m->len == 0 ? -1 : 0;
}

/*
 * The peer is described inside IFLA_LINKINFO / IFLA_INFO_DATA /
 * VETH_INFO_PEER as an ifinfomsg followed by its own attributes; its
 * IFLA_NET_NS_PID makes the kernel create it directly in that process's
 * namespace, so it never appears on the host.
 */
int
nl_msg_veth(struct nl_msg *m, const struct nl_veth *ve)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr	*info, *data, *peer;

	ifi.ifi_flags = ve->down ? 0 : IFF_UP;
	ifi.ifi_change = IFF_UP;
	nl_begin(m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi,
	    sizeof(ifi));
	nl_attr_str(m, IFLA_IFNAME, ve->name);
	if (ve->mac != NULL)
		nl_attr(m, IFLA_ADDRESS, ve->mac, 6);
	if (ve->master > 0)
		nl_attr_u32(m, IFLA_MASTER, (uint32_t)ve->master);
	info = nl_attr(m, IFLA_LINKINFO, NULL, 0);
	nl_attr_str(m, IFLA_INFO_KIND, "veth");
	data = nl_attr(m, IFLA_INFO_DATA, NULL, 0);
	memset(&ifi, 0, sizeof(ifi));
	peer = nl_attr(m, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_attr_str(m, IFLA_IFNAME, ve->peer);
	if (ve->peer_mac != NULL)
		nl_attr(m, IFLA_ADDRESS, ve->peer_mac, 6);
	nl_attr_u32(m, IFLA_NET_NS_PID, (uint32_t)ve->peer_pid);
	nl_nest_end(m, peer);
	nl_nest_end(m, data);
	nl_nest_end(m, info);
	return nl_end(m);
}

int
nl_msg_addr(struct nl_msg *m, int ifindex, int family, const void *addr,
    unsigned int prefixlen)
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)family };
	size_t		 alen = family == AF_INET6 ? 16 : 4;

	if ((family != AF_INET && family != AF_INET6) || prefixlen > alen * 8)
		return -1;
	ifa.ifa_prefixlen = (uint8_t)prefixlen;
	ifa.ifa_index = (uint32_t)ifindex;
	/* A guest's address is ours to give: no duplicate detection wait. */
	if (family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	nl_begin(m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa,
	    sizeof(ifa));
	nl_attr(m, IFA_LOCAL, addr, alen);
	nl_attr(m, IFA_ADDRESS, addr, alen);
	return nl_end(m);
}

int
nl_msg_route4(struct nl_msg *m, int ifindex, struct in_addr gw)
{
	struct rtmsg rt = { .rtm_family = AF_INET };

	rt.rtm_table = RT_TABLE_MAIN;
	rt.rtm_protocol = RTPROT_BOOT;
	rt.rtm_scope = RT_SCOPE_UNIVERSE;
	rt.rtm_type = RTN_UNICAST;
	nl_begin(m, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &rt,
	    sizeof(rt));
	nl_attr(m, RTA_GATEWAY, &gw, sizeof(gw));
	nl_attr_u32(m, RTA_OIF, (uint32_t)ifindex);
	return nl_end(m);
}

int
nl_msg_link_up(struct nl_msg *m, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	ifi.ifi_index = ifindex;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	nl_begin(m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	return nl_end(m);
}

int
nl_msg_link_plug(struct nl_msg *m, int ifindex, int master)
{
	if (nl_msg_link_up(m, ifindex) == -1 || master <= 0)
		return -1;
	return nl_attr_u32(m, IFLA_MASTER, (uint32_t)master);
}

int
nl_msg_link(struct nl_msg *m, uint16_t type, int ifindex, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	ifi.ifi_index = ifindex;
	/* A get is answered by the link itself; a delete by an ack. */
	nl_begin(m, type, type == RTM_DELLINK ? NLM_F_ACK : 0, &ifi,
	    sizeof(ifi));
	if (ifindex == 0 &&
	    (name == NULL || strlen(name) >= IFNAMSIZ ||
		nl_attr_str(m, IFLA_IFNAME, name) == -1))
		return -1;
	return nl_end(m);
}

int
nl_msg_neigh4(struct nl_msg *m, int ifindex, struct in_addr ip)
{
	struct ndmsg nd = { .ndm_family = AF_INET };

	/* A get of one entry needs its device (Linux 5.0's neigh_get). */
	if (ifindex <= 0)
		return -1;
	nd.ndm_ifindex = ifindex;
	nl_begin(m, RTM_GETNEIGH, 0, &nd, sizeof(nd));
	if (nl_attr(m, NDA_DST, &ip, sizeof(ip)) == NULL)
		return -1;
	return nl_end(m);
}

/*
 * Walk the attributes after a family header of `flen' bytes; fn sees
 * each one whose length is sound.  -1 when the message is malformed.
 */
static int
nl_attrs(const void *msg, size_t len, size_t flen,
    void (*fn)(uint16_t, const uint8_t *, size_t, void *), void *arg)
{
	const uint8_t  *p = msg;
	struct nlmsghdr h;
	struct rtattr	a;
	size_t		off, end;

	if (len < NLMSG_HDRLEN)
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_len > len || h.nlmsg_len < NLMSG_SPACE(flen))
		return -1;
	end = h.nlmsg_len;
	for (off = NLMSG_SPACE(flen); off + sizeof(a) <= end;
	     off += RTA_ALIGN(a.rta_len)) {
		memcpy(&a, p + off, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > end - off)
			return -1;
		fn(a.rta_type, p + off + RTA_LENGTH(0),
		    a.rta_len - RTA_LENGTH(0), arg);
	}
	return 0;
}

static void
nl_link_attr(uint16_t type, const uint8_t *data, size_t len, void *arg)
{
	struct nl_link		*l = arg;
	struct rtnl_link_stats64 st;

	if (type != IFLA_STATS64 || len < sizeof(st))
		return;
	memcpy(&st, data, sizeof(st)); /* only 4-byte aligned */
	l->rx_bytes = st.rx_bytes;
	l->tx_bytes = st.tx_bytes;
}

int
nl_parse_link(const void *msg, size_t len, struct nl_link *l)
{
	struct nlmsghdr	 h;
	struct ifinfomsg ifi;

	memset(l, 0, sizeof(*l));
	if (len < NLMSG_SPACE(sizeof(ifi)))
		return -1;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type != RTM_NEWLINK)
		return -1;
	memcpy(&ifi, (const uint8_t *)msg + NLMSG_HDRLEN, sizeof(ifi));
	l->index = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	return nl_attrs(msg, len, sizeof(ifi), nl_link_attr, l);
}

struct nl_neigh_attrs {
	struct nl_neigh *n;
	int		 mac;
};

static void
nl_neigh_attr(uint16_t type, const uint8_t *data, size_t len, void *arg)
{
	struct nl_neigh_attrs *a = arg;

	if (type == NDA_LLADDR && len == sizeof(a->n->mac)) {
		memcpy(a->n->mac, data, len);
		a->mac = 1;
	} else if (type == NDA_DST && len == sizeof(a->n->ip))
		memcpy(&a->n->ip, data, len);
}

int
nl_parse_neigh(const void *msg, size_t len, struct nl_neigh *n)
{
	struct nlmsghdr	      h;
	struct ndmsg	      nd;
	struct nl_neigh_attrs a = { n, 0 };

	memset(n, 0, sizeof(*n));
	if (len < NLMSG_SPACE(sizeof(nd)))
		return -1;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type != RTM_NEWNEIGH)
		return -1;
	memcpy(&nd, (const uint8_t *)msg + NLMSG_HDRLEN, sizeof(nd));
	if (nd.ndm_family != AF_INET ||
	    nl_attrs(msg, len, sizeof(nd), nl_neigh_attr, &a) == -1)
		return -1;
	n->ifindex = nd.ndm_ifindex;
	n->state = nd.ndm_state;
	/* An entry still asking (INCOMPLETE, FAILED) has no address. */
	if (!a.mac)
		n->state = 0;
	return 0;
}

struct nl_addr4 {
	struct in_addr addr;
	int	       found;
};

static void
nl_addr4_attr(uint16_t type, const uint8_t *data, size_t len, void *arg)
{
	struct nl_addr4 *a = arg;

	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer's
	 * on point-to-point links, the same elsewhere. */
	if ((type != IFA_LOCAL && !(type == IFA_ADDRESS && !a->found)) ||
	    len != sizeof(a->addr))
		return;
	memcpy(&a->addr, data, sizeof(a->addr));
	a->found = 1;
}

int
nl_parse_addr4(const void *msg, size_t len, int ifindex, struct in_addr *addr,
    unsigned int *plen)
{
	struct nlmsghdr	 h;
	struct ifaddrmsg ifa;
	struct nl_addr4	 a = { .found = 0 };

	if (len < NLMSG_SPACE(sizeof(ifa)))
		return -1;
	memcpy(&h, msg, sizeof(h));
	memcpy(&ifa, (const uint8_t *)msg + NLMSG_HDRLEN, sizeof(ifa));
	if (h.nlmsg_type != RTM_NEWADDR)
		return -1;
	if (nl_attrs(msg, len, sizeof(ifa), nl_addr4_attr, &a) == -1)
		return -1;
	if (ifa.ifa_family != AF_INET || (int)ifa.ifa_index != ifindex ||
	    !a.found)
		return 0;
	*addr = a.addr;
	*plen = ifa.ifa_prefixlen;
	return 1;
}

int
nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval	   tv = { NL_TIMEOUT_S, 0 };
	int		   fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
nl_send(int fd, struct nl_msg *m, uint32_t *seq)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t		   n;

	if (m->len == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	*seq = ++nl_seq;
	nl_hdr(m)->nlmsg_seq = *seq;
	n = sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n == -1)
		return -1;
	if ((size_t)n != m->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/*
 * One reply message for `seq'.  Returns 1 when the exchange is over
 * (an ack, the end of a dump, or the single answer to a get), 0 when
 * more follows, -1 with errno on a kernel error.
 */
static int
nl_reply(const struct nlmsghdr *h, size_t	   len,
    int (*fn)(const void *, size_t, void *), void *arg)
{
	struct nlmsgerr e;

	if (h->nlmsg_type == NLMSG_DONE)
		return 1;
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (len < NLMSG_SPACE(sizeof(e))) {
			errno = EBADMSG;
			return -1;
		}
		memcpy(&e, NLMSG_DATA(h), sizeof(e));
		if (e.error == 0)
			return 1;
		errno = -e.error;
		return -1;
	}
	if (fn != NULL && fn(h, len, arg) == -1)
		return -1;
	return (h->nlmsg_flags & NLM_F_MULTI) ? 0 : 1;
}

/* Read replies to `seq' until the exchange is over. */
static int
nl_recv(int fd, uint32_t seq, int (*fn)(const void *, size_t, void *),
    void *arg)
{
	const uint8_t	      *p = (const uint8_t *)nl_rbuf;
	const struct nlmsghdr *h;
	ssize_t		       n;
	size_t		       off;
	int		       r;

	for (;;) {
		if ((n = recv(fd, nl_rbuf, sizeof(nl_rbuf), 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;
		     off += NLMSG_ALIGN(h->nlmsg_len)) {
			h = (const struct nlmsghdr *)(p + off);
			if (h->nlmsg_len < NLMSG_HDRLEN ||
			    h->nlmsg_len > (size_t)n - off) {
				errno = EBADMSG;
				return -1;
			}
			if (h->nlmsg_seq != seq)
				continue; /* late answer to an old one */
			if ((r = nl_reply(h, h->nlmsg_len, fn, arg)) != 0)
				return r == 1 ? 0 : -1;
		}
	}
}

int
nl_request(int fd, struct nl_msg *m)
{
	uint32_t seq;

	if (nl_send(fd, m, &seq) == -1)
		return -1;
	return nl_recv(fd, seq, NULL, NULL);
}

int
nl_veth_add(int fd, const struct nl_veth *ve)
{
	struct nl_msg m;

	if (nl_msg_veth(&m, ve) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return nl_request(fd, &m);
}

static int
nl_link_reply(const void *msg, size_t len, void *arg)
{
	return nl_parse_link(msg, len, arg) == -1 ? (errno = EBADMSG, -1) : 0;
}

int
nl_link_get(int fd, int ifindex, const char *name, struct nl_link *l)
{
	struct nl_msg m;
	uint32_t      seq;

	memset(l, 0, sizeof(*l));
	if (nl_msg_link(&m, RTM_GETLINK, ifindex, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (nl_send(fd, &m, &seq) == -1 ||
	    nl_recv(fd, seq, nl_link_reply, l) == -1)
		return -1;
	if (l->index <= 0) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

int
nl_link_del(int fd, int ifindex)
{
	struct nl_msg m;

	if (ifindex <= 0 || nl_msg_link(&m, RTM_DELLINK, ifindex, NULL) == -1) {
		errno = EINVAL;
		return -1;
	}
	return nl_request(fd, &m);
}

int
nl_link_up(int fd, int ifindex)
{
	struct nl_msg m;

	nl_msg_link_up(&m, ifindex);
	return nl_request(fd, &m);
}

int
nl_link_plug(int fd, int ifindex, int master)
{
	struct nl_msg m;

	if (ifindex <= 0 || nl_msg_link_plug(&m, ifindex, master) == -1) {
		errno = EINVAL;
		return -1;
	}
	return nl_request(fd, &m);
}

int
nl_addr_add(int fd, int ifindex, int family, const void *addr,
    unsigned int prefixlen)
{
	struct nl_msg m;

	if (nl_msg_addr(&m, ifindex, family, addr, prefixlen) == -1) {
		errno = EINVAL;
		return -1;
	}
	return nl_request(fd, &m);
}

int
nl_route4_add(int fd, int ifindex, struct in_addr gw)
{
	struct nl_msg m;

	nl_msg_route4(&m, ifindex, gw);
	return nl_request(fd, &m);
}

struct nl_find4 {
	int	       ifindex;
	uint32_t       net, mask;
	struct in_addr found;
	int	       n;
};

static int
nl_find4_reply(const void *msg, size_t len, void *arg)
{
	struct nl_find4 *f = arg;
	struct in_addr	 a;
	unsigned int	 plen;

	if (nl_parse_addr4(msg, len, f->ifindex, &a, &plen) != 1 || f->n > 0)
		return 0;
	if ((ntohl(a.s_addr) & f->mask) == f->net) {
		f->found = a;
		f->n = 1;
	}
	return 0;
}

int
nl_addr4_find(int fd, int ifindex, struct in_addr net, unsigned int plen,
    struct in_addr *found)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct nl_find4	 f = { .ifindex = ifindex };
	struct nl_msg	 m;
	uint32_t	 seq;

	if (plen > 32) {
		errno = EINVAL;
		return -1;
	}
	f.mask = plen == 0 ? 0 : UINT32_MAX << (32 - plen);
	f.net = ntohl(net.s_addr) & f.mask;
	/* Filtering by index needs a strict dump: read them all instead. */
	nl_begin(&m, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	if (nl_send(fd, &m, &seq) == -1 ||
	    nl_recv(fd, seq, nl_find4_reply, &f) == -1)
		return -1;
	if (f.n)
		*found = f.found;
	return f.n;
}

static int
nl_neigh_reply(const void *msg, size_t len, void *arg)
{
	return nl_parse_neigh(msg, len, arg) == -1 ? (errno = EBADMSG, -1) : 0;
}

int
nl_neigh_get(int fd, int ifindex, struct in_addr ip, struct nl_neigh *n)
{
	struct nl_msg m;
	uint32_t      seq;

	memset(n, 0, sizeof(*n));
	if (nl_msg_neigh4(&m, ifindex, ip) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (nl_send(fd, &m, &seq) == -1)
		return -1;
	if (nl_recv(fd, seq, nl_neigh_reply, n) == -1)
		return errno == ENOENT ? 0 : -1;
	return n->state != 0 && n->ip.s_addr == ip.s_addr &&
	    n->ifindex == ifindex;
}

/*
 * Not rtnetlink: a link's disable_ipv6 has no attribute there (the
 * kernel takes only the address token and generation mode), so it is
 * written where sysctl(8) would write it.  A link that comes up with
 * IPv6 makes an address, runs DAD and joins and reports its multicast
 * groups: frames and kernel work (the mld workqueue: 40-70 ms of an
 * emulated dom0's CPU for one vif) that a bridge port or a link whose
 * guest has no IPv6 address never needs.  Before the link is up.
 */
int
nl_no_ipv6(const char *ifname)
{
	char	path[96];
	ssize_t n;
	int	fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    ifname);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = write(fd, "1", 1);
	close(fd);
	return n == 1 ? 0 : -1;
}
