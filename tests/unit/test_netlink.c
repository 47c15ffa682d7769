/* test_netlink.c -- the rtnetlink requests netlink.c builds, byte by byte */
#include <sys/socket.h>

#include <net/if.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jitsud.h"

/*
 * The expected bytes below are written from the rtnetlink layout
 * (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/veth.h),
 * not produced by netlink.c: little-endian x86, attributes padded to 4.
 */

#define LE16(v)		    (v) & 0xff, ((v) >> 8) & 0xff
#define LE32(v)		    LE16((v)&0xffff), LE16(((v) >> 16) & 0xffff)
#define REQ_ACK_EXCL_CREATE 0x0605

static void
assert_bytes(const struct nl_msg *m, const uint8_t *want, size_t len)
{
	const uint8_t *got = (const uint8_t *)m->buf;
	size_t	       i;

	assert_int_equal(m->len, len);
	for (i = 0; i < len; i++)
		if (got[i] != want[i]) {
			print_error("byte %zu: expected 0x%02x, saw 0x%02x\n",
			    i, want[i], got[i]);
			fail();
		}
}

static void
test_veth_request_creates_the_peer_in_the_guest_netns(void **state)
{
	/* clang-format off */
	static const uint8_t	 hmac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff,
				    0xff };
	static const uint8_t	 gmac[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t	 want[] = {
		LE32(140), LE16(RTM_NEWLINK), LE16(REQ_ACK_EXCL_CREATE),
		LE32(0), LE32(0),
		/* ifinfomsg: family, pad, type, index, flags UP, change UP */
		0, 0, LE16(0), LE32(0), LE32(1), LE32(1),
		LE16(15), LE16(IFLA_IFNAME), 'j', 'v', '0', '1', '2', '3',
		'4', '5', '6', '7', 0, 0,
		LE16(10), LE16(IFLA_ADDRESS), 0xfe, 0xff, 0xff, 0xff, 0xff,
		0xff, 0, 0,
		LE16(8), LE16(IFLA_MASTER), LE32(7),
		LE16(72), LE16(IFLA_LINKINFO),
		LE16(9), LE16(IFLA_INFO_KIND), 'v', 'e', 't', 'h', 0, 0, 0, 0,
		LE16(56), LE16(IFLA_INFO_DATA),
		LE16(52), LE16(1 /* VETH_INFO_PEER */),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(9), LE16(IFLA_IFNAME), 'e', 't', 'h', '0', 0, 0, 0, 0,
		LE16(10), LE16(IFLA_ADDRESS), 2, 0, 0, 0, 0, 2, 0, 0,
		LE16(8), LE16(IFLA_NET_NS_PID), LE32(4242),
	};
	/* clang-format on */
	struct nl_veth ve = {
		.name = "jv01234567",
		.mac = hmac,
		.master = 7,
		.peer = "eth0",
		.peer_mac = gmac,
		.peer_pid = 4242,
	};
	struct nl_msg m;

	(void)state;
	assert_int_equal(nl_msg_veth(&m, &ve), 0);
	assert_bytes(&m, want, sizeof(want));
}

static void
test_veth_request_that_does_not_fit_is_refused(void **state)
{
	char	       name[NL_MSG_MAX];
	struct nl_veth ve = { .name = name, .peer = "eth0", .peer_pid = 1 };
	struct nl_msg  m;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(nl_msg_veth(&m, &ve), -1);
}

/* Synjitsu's unplugged guest: the host end is made down, off the bridge. */
static void
test_veth_request_can_leave_the_host_end_down(void **state)
{
	struct nl_veth ve = { .name = "jv01234567",
		.peer = "eth0",
		.peer_pid = 1,
		.down = 1 };
	struct nl_msg  m;
	uint32_t       flags, change;
	const uint8_t *p = (const uint8_t *)m.buf;

	(void)state;
	assert_int_equal(nl_msg_veth(&m, &ve), 0);
	memcpy(&flags, p + NLMSG_HDRLEN + 8, sizeof(flags));
	memcpy(&change, p + NLMSG_HDRLEN + 12, sizeof(change));
	assert_int_equal(flags, 0);
	assert_int_equal(change, 1); /* IFF_UP: explicitly down */
}

static void
test_ipv4_address_request(void **state)
{
	/* clang-format off */
	static const uint8_t	 want[] = {
		LE32(40), LE16(RTM_NEWADDR), LE16(REQ_ACK_EXCL_CREATE),
		LE32(0), LE32(0),
		/* ifaddrmsg: family, prefixlen, flags, scope, index */
		AF_INET, 24, 0, 0, LE32(5),
		LE16(8), LE16(IFA_LOCAL), 10, 77, 0, 2,
		LE16(8), LE16(IFA_ADDRESS), 10, 77, 0, 2,
	};
	/* clang-format on */
	struct in_addr a;
	struct nl_msg  m;

	(void)state;
	inet_pton(AF_INET, "10.77.0.2", &a);
	assert_int_equal(nl_msg_addr(&m, 5, AF_INET, &a, 24), 0);
	assert_bytes(&m, want, sizeof(want));
}

static void
test_ipv6_address_request_skips_dad(void **state)
{
	/* clang-format off */
	static const uint8_t	 want[] = {
		LE32(64), LE16(RTM_NEWADDR), LE16(REQ_ACK_EXCL_CREATE),
		LE32(0), LE32(0),
		AF_INET6, 64, 0x02 /* IFA_F_NODAD */, 0, LE32(5),
		LE16(20), LE16(IFA_LOCAL), 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 7,
		LE16(20), LE16(IFA_ADDRESS), 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 7,
	};
	/* clang-format on */
	struct in6_addr a;
	struct nl_msg	m;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::7", &a);
	assert_int_equal(nl_msg_addr(&m, 5, AF_INET6, &a, 64), 0);
	assert_bytes(&m, want, sizeof(want));
	assert_int_equal(nl_msg_addr(&m, 5, AF_INET6, &a, 129), -1);
	assert_int_equal(nl_msg_addr(&m, 5, AF_INET, &a, 33), -1);
}

static void
test_default_route_request(void **state)
{
	/* clang-format off */
	static const uint8_t	 want[] = {
		LE32(44), LE16(RTM_NEWROUTE), LE16(REQ_ACK_EXCL_CREATE),
		LE32(0), LE32(0),
		/* rtmsg: family, dst_len, src_len, tos, table main, proto
		 * boot, scope universe, type unicast, flags */
		AF_INET, 0, 0, 0, 254, 3, 0, 1, LE32(0),
		LE16(8), LE16(RTA_GATEWAY), 10, 77, 0, 1,
		LE16(8), LE16(RTA_OIF), LE32(9),
	};
	/* clang-format on */
	struct in_addr gw;
	struct nl_msg  m;

	(void)state;
	inet_pton(AF_INET, "10.77.0.1", &gw);
	assert_int_equal(nl_msg_route4(&m, 9, gw), 0);
	assert_bytes(&m, want, sizeof(want));
}

static void
test_link_requests(void **state)
{
	/* clang-format off */
	static const uint8_t	 up[] = {
		LE32(32), LE16(RTM_NEWLINK), LE16(0x0005), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(3), LE32(1), LE32(1),
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t	 get[] = {
		LE32(40), LE16(RTM_GETLINK), LE16(0x0001), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(8), LE16(IFLA_IFNAME), 'b', 'r', '0', 0,
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t	 plug[] = {
		LE32(40), LE16(RTM_NEWLINK), LE16(0x0005), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(3), LE32(1), LE32(1),
		LE16(8), LE16(IFLA_MASTER), LE32(7),
	};
	/* clang-format on */
	/* clang-format off */
	static const uint8_t	 del[] = {
		LE32(32), LE16(RTM_DELLINK), LE16(0x0005), LE32(0), LE32(0),
		0, 0, LE16(0), LE32(12), LE32(0), LE32(0),
	};
	/* clang-format on */
	struct nl_msg m;

	(void)state;
	assert_int_equal(nl_msg_link_up(&m, 3), 0);
	assert_bytes(&m, up, sizeof(up));
	assert_int_equal(nl_msg_link_plug(&m, 3, 7), 0);
	assert_bytes(&m, plug, sizeof(plug));
	assert_int_equal(nl_msg_link_plug(&m, 3, 0), -1);
	assert_int_equal(nl_msg_link(&m, RTM_GETLINK, 0, "br0"), 0);
	assert_bytes(&m, get, sizeof(get));
	assert_int_equal(nl_msg_link(&m, RTM_DELLINK, 12, NULL), 0);
	assert_bytes(&m, del, sizeof(del));
	/* IFNAMSIZ is 16 with the NUL: 16 characters do not fit. */
	assert_int_equal(nl_msg_link(&m, RTM_GETLINK, 0, "abcdefghijklmnop"),
	    -1);
	assert_int_equal(nl_msg_link(&m, RTM_GETLINK, 0, NULL), -1);
}

static void
test_neighbour_request(void **state)
{
	/* clang-format off */
	static const uint8_t	 want[] = {
		LE32(36), LE16(RTM_GETNEIGH), LE16(0x0001), LE32(0), LE32(0),
		/* ndmsg: family, pad, pad, ifindex, state, flags, type */
		AF_INET, 0, LE16(0), LE32(4), LE16(0), 0, 0,
		LE16(8), LE16(NDA_DST), 10, 0, 0, 200,
	};
	/* clang-format on */
	struct in_addr ip;
	struct nl_msg  m;

	(void)state;
	inet_pton(AF_INET, "10.0.0.200", &ip);
	assert_int_equal(nl_msg_neigh4(&m, 4, ip), 0);
	assert_bytes(&m, want, sizeof(want));
	/* One entry's get needs its device. */
	assert_int_equal(nl_msg_neigh4(&m, 0, ip), -1);
}

/* A reply message: nlmsghdr, a family header, then attributes. */
struct reply {
	uint32_t buf[256];
	size_t	 len;
};

static void
reply_begin(struct reply *r, uint16_t type, const void *fam, size_t flen)
{
	struct nlmsghdr h = { .nlmsg_type = type };

	memset(r, 0, sizeof(*r));
	r->len = NLMSG_SPACE(flen);
	h.nlmsg_len = (uint32_t)r->len;
	memcpy(r->buf, &h, sizeof(h));
	memcpy((uint8_t *)r->buf + NLMSG_HDRLEN, fam, flen);
}

static void
reply_attr(struct reply *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr a = { (uint16_t)RTA_LENGTH(len), type };
	uint8_t	     *p = (uint8_t *)r->buf + r->len;

	memcpy(p, &a, sizeof(a));
	memcpy(p + sizeof(a), data, len);
	r->len += RTA_SPACE(len);
	((struct nlmsghdr *)r->buf)->nlmsg_len = (uint32_t)r->len;
}

static void
test_link_reply_gives_index_flags_and_byte_counters(void **state)
{
	struct ifinfomsg	 ifi = { .ifi_index = 6,
			.ifi_flags = IFF_UP | IFF_LOWER_UP };
	struct rtnl_link_stats64 st;
	struct reply		 r;
	struct nl_link		 l;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.rx_bytes = 1000000007ULL;
	st.tx_bytes = 5000000000ULL;
	reply_begin(&r, RTM_NEWLINK, &ifi, sizeof(ifi));
	reply_attr(&r, IFLA_IFNAME, "jv1\0", 4);
	reply_attr(&r, IFLA_STATS64, &st, sizeof(st));
	assert_int_equal(nl_parse_link(r.buf, r.len, &l), 0);
	assert_int_equal(l.index, 6);
	assert_int_equal(l.flags, IFF_UP | IFF_LOWER_UP);
	assert_true(l.rx_bytes == 1000000007ULL);
	assert_true(l.tx_bytes == 5000000000ULL);
	/* Cut inside the last attribute, or a header claiming more. */
	assert_int_equal(nl_parse_link(r.buf, r.len - 4, &l), -1);
	((struct nlmsghdr *)r.buf)->nlmsg_len = (uint32_t)r.len + 4;
	assert_int_equal(nl_parse_link(r.buf, r.len, &l), -1);
	assert_int_equal(nl_parse_link(r.buf, 10, &l), -1);
}

static void
test_link_reply_with_a_bad_attribute_length_is_refused(void **state)
{
	struct ifinfomsg ifi = { .ifi_index = 6 };
	struct reply	 r;
	struct nl_link	 l;
	struct rtattr	*a;

	(void)state;
	reply_begin(&r, RTM_NEWLINK, &ifi, sizeof(ifi));
	reply_attr(&r, IFLA_IFNAME, "jv1\0", 4);
	a = (struct rtattr *)((uint8_t *)r.buf + NLMSG_SPACE(sizeof(ifi)));
	a->rta_len = 2; /* shorter than its own header */
	assert_int_equal(nl_parse_link(r.buf, r.len, &l), -1);
	a->rta_len = 200; /* past the message */
	assert_int_equal(nl_parse_link(r.buf, r.len, &l), -1);
}

static void
test_addr_reply_is_matched_by_family_and_interface(void **state)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET,
		.ifa_prefixlen = 24,
		.ifa_index = 3 };
	struct in_addr	 a, got;
	struct reply	 r;
	unsigned int	 plen;

	(void)state;
	inet_pton(AF_INET, "10.77.0.1", &a);
	reply_begin(&r, RTM_NEWADDR, &ifa, sizeof(ifa));
	reply_attr(&r, IFA_ADDRESS, &a, sizeof(a));
	reply_attr(&r, IFA_LOCAL, &a, sizeof(a));
	assert_int_equal(nl_parse_addr4(r.buf, r.len, 3, &got, &plen), 1);
	assert_int_equal(got.s_addr, a.s_addr);
	assert_int_equal(plen, 24);
	assert_int_equal(nl_parse_addr4(r.buf, r.len, 4, &got, &plen), 0);
	assert_int_equal(nl_parse_addr4(r.buf, r.len - 2, 3, &got, &plen), -1);
	ifa.ifa_family = AF_INET6;
	reply_begin(&r, RTM_NEWADDR, &ifa, sizeof(ifa));
	assert_int_equal(nl_parse_addr4(r.buf, r.len, 3, &got, &plen), 0);
}

static void
test_neighbour_reply_gives_state_and_address(void **state)
{
	struct ndmsg	     nd = { .ndm_family = AF_INET,
			.ndm_ifindex = 4,
			.ndm_state = NUD_REACHABLE };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0xc8 };
	struct in_addr	     ip;
	struct reply	     r;
	struct nl_neigh	     n;

	(void)state;
	inet_pton(AF_INET, "10.0.0.200", &ip);
	reply_begin(&r, RTM_NEWNEIGH, &nd, sizeof(nd));
	reply_attr(&r, NDA_DST, &ip, sizeof(ip));
	reply_attr(&r, NDA_LLADDR, mac, sizeof(mac));
	assert_int_equal(nl_parse_neigh(r.buf, r.len, &n), 0);
	assert_int_equal(n.ifindex, 4);
	assert_int_equal(n.ip.s_addr, ip.s_addr);
	assert_int_equal(n.state, NUD_REACHABLE);
	assert_memory_equal(n.mac, mac, sizeof(mac));
	assert_int_equal(nl_parse_neigh(r.buf, r.len - 2, &n), -1);
	/* Still asking: no link address, so no state worth the name. */
	nd.ndm_state = NUD_INCOMPLETE;
	reply_begin(&r, RTM_NEWNEIGH, &nd, sizeof(nd));
	reply_attr(&r, NDA_DST, &ip, sizeof(ip));
	assert_int_equal(nl_parse_neigh(r.buf, r.len, &n), 0);
	assert_int_equal(n.state, 0);
	/* Not IPv4, or not a neighbour. */
	nd.ndm_family = AF_INET6;
	reply_begin(&r, RTM_NEWNEIGH, &nd, sizeof(nd));
	assert_int_equal(nl_parse_neigh(r.buf, r.len, &n), -1);
	nd.ndm_family = AF_INET;
	reply_begin(&r, RTM_NEWLINK, &nd, sizeof(nd));
	assert_int_equal(nl_parse_neigh(r.buf, r.len, &n), -1);
}

/* The socket side, read-only: any network namespace has lo. */
static void
test_link_get_asks_the_kernel(void **state)
{
	struct nl_link l;
	int	       fd, lo;

	(void)state;
	fd = nl_open();
	assert_true(fd >= 0);
	assert_int_equal(nl_link_get(fd, 0, "lo", &l), 0);
	assert_true(l.index > 0);
	assert_true(l.flags & IFF_LOOPBACK);
	lo = l.index;
	errno = 0;
	assert_int_equal(nl_link_get(fd, 0, "jtnosuchlink0", &l), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(nl_link_get(fd, lo, NULL, &l), 0);
	assert_int_equal(l.index, lo);
	close(fd);
}

/* lo resolves no neighbour: the kernel's "no such entry" is 0, not -1. */
static void
test_neighbour_get_asks_the_kernel(void **state)
{
	struct nl_neigh n;
	struct in_addr	ip;
	int		fd, rc;

	(void)state;
	fd = nl_open();
	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.2", &ip);
	errno = 0;
	rc = nl_neigh_get(fd, (int)if_nametoindex("lo"), ip, &n);
	close(fd);
	/* Under qemu-user (make ARCH=... unit) the request goes through
	 * its netlink translation, which carries links, addresses and
	 * routes but no neighbours: the kernel is never asked there. */
	if (rc == -1 && errno == EOPNOTSUPP) {
		print_message("no neighbour messages here (qemu-user)\n");
		skip();
	}
	assert_int_equal(rc, 0);
}

/* A link that is not there (or a kernel without IPv6): nothing to do. */
static void
test_no_ipv6_on_a_missing_link_is_nothing_to_do(void **state)
{
	(void)state;
	assert_int_equal(nl_no_ipv6("jtnosuchlink0"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_veth_request_creates_the_peer_in_the_guest_netns),
		cmocka_unit_test(
		    test_veth_request_that_does_not_fit_is_refused),
		cmocka_unit_test(test_veth_request_can_leave_the_host_end_down),
		cmocka_unit_test(test_ipv4_address_request),
		cmocka_unit_test(test_ipv6_address_request_skips_dad),
		cmocka_unit_test(test_default_route_request),
		cmocka_unit_test(test_link_requests),
		cmocka_unit_test(
		    test_link_reply_gives_index_flags_and_byte_counters),
		cmocka_unit_test(
		    test_link_reply_with_a_bad_attribute_length_is_refused),
		cmocka_unit_test(
		    test_addr_reply_is_matched_by_family_and_interface),
		cmocka_unit_test(test_link_get_asks_the_kernel),
		cmocka_unit_test(test_neighbour_request),
		cmocka_unit_test(test_neighbour_reply_gives_state_and_address),
		cmocka_unit_test(test_neighbour_get_asks_the_kernel),
		cmocka_unit_test(
		    test_no_ipv6_on_a_missing_link_is_nothing_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
