/* net.h -- the libOS TCP/IP stack: shared structs and every prototype */
#ifndef NET_H
#define NET_H

#include "libuk.h"
#include "wire/wire.h"

/*
 * The stack is a set of pure packet paths over one `struct net`: every
 * entry point takes the stack, the bytes and the current time, and
 * answers by handing frames to n->output.  It owns no clock, no global
 * and no memory beyond what struct net holds, so unit tests drive it
 * with byte arrays and a fake clock.  stack.c is the thin glue that owns
 * the one real instance, the NIC and uk_poll().
 *
 * IPv4 addresses and ports are host byte order everywhere in here;
 * only the wire is big-endian.  Header parsing, building and checksums
 * are lib/wire/'s (wire.h), which jitsud's Synjitsu shares.
 */

/* Sizes: a fixed pool, so a flood cannot take more memory than this. */
#ifndef NET_TCP_NCONN
#define NET_TCP_NCONN 64 /* connections in every state but LISTEN */
#endif
#define NET_TCP_NLISTEN	 4
#define NET_TCP_SYNMAX	 32    /* half-open (SYN_RCVD) connections, all ports */
#define NET_TCP_SNDBUF	 16384 /* powers of two: seq-indexed rings */
#define NET_TCP_RCVBUF	 8192
#define NET_TCP_RCVSHIFT 0 /* our window scale: RCVBUF fits 16 bits */
#define NET_TCP_OOO	 4 /* out-of-order byte ranges remembered */
#define NET_ARP_NENT	 16
#define NET_ARP_QLEN	 2 /* frames held per unresolved neighbour */
#define NET_UDP_NSOCK	 4
#define NET_UDP_QLEN	 4
#define NET_FRAME	 1514
#define NET_MTU		 1500
#define NET_MSS		 (NET_MTU - 40)

enum { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	int state;
	uint32_t ip;
	uint8_t mac[6];
	uint64_t expire; /* REACHABLE: forget; INCOMPLETE: retry */
	int tries;
	int nq;
	uint16_t qlen[NET_ARP_QLEN];
	uint8_t q[NET_ARP_QLEN][NET_FRAME];
};

enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
};

/* Readiness bits for the application (also uk.h's UK_NET_* values). */
#define NET_EV_READ   0x01
#define NET_EV_WRITE  0x02
#define NET_EV_ACCEPT 0x04

struct tcp_listener;

struct tcp_conn {
	enum tcp_state state;
	int app;      /* the application holds this handle */
	int accepted; /* handed out by accept (or active) */
	int events;   /* readiness changed since last notify */
	int error;    /* -UK_E* once reset or timed out */
	int adopted;  /* by tcp_adopt, until it first replies */
	struct tcp_listener *listener; /* SYN_RCVD / not yet accepted */
	uint64_t born;		       /* for evicting the oldest half-open */
	uint32_t lip, rip;
	uint16_t lport, rport;

	/* Send side: bytes [snd_una, snd_end) are in sndbuf at seq & mask. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_end;
	uint32_t snd_wnd, snd_wl1, snd_wl2;
	uint8_t snd_shift; /* peer's window scale */
	uint8_t rcv_shift; /* ours, 0 if the peer sent none */
	uint16_t mss;
	int fin_queued; /* FIN goes at snd_end */
	int ws_ok;	/* both sides sent window scale */
	int ack_now;	/* an ACK is owed to the peer */
	uint32_t cwnd, ssthresh, recover;
	int dupacks, in_recovery;

	/* Retransmission (RFC 6298) and timers. */
	uint64_t srtt, rttvar, rto; /* ns; srtt 0 = no sample */
	uint64_t rto_at;	    /* 0 = timer off */
	uint64_t expire_at;	    /* TIME_WAIT / FIN_WAIT_2 / idle death */
	int retries;
	uint32_t rtt_seq;
	uint64_t rtt_start; /* 0 = no segment being timed */

	/* Receive side: bytes [rcv_rd, rcv_nxt) wait for the app. */
	uint32_t irs, rcv_nxt, rcv_rd, rcv_adv;
	int rcv_fin; /* peer's FIN consumed */
	uint32_t ooo_lo[NET_TCP_OOO], ooo_hi[NET_TCP_OOO];
	int nooo;

	uk_tcp_fn *cb_fn; /* the application's callback */
	void *cb_arg;
	uint8_t sndbuf[NET_TCP_SNDBUF];
	uint8_t rcvbuf[NET_TCP_RCVBUF];
};

struct tcp_listener {
	int used;
	uint16_t port;
	int backlog; /* SYN_RCVD + not accepted, this port */
	int pending;
	int events;
	uk_tcp_accept_fn *cb_fn;
	void *cb_arg;
};

struct udp_dgram {
	uint32_t ip;
	uint16_t port;
	uint16_t len;
	uint8_t data[NET_MTU - 28];
};

struct udp_sock {
	int used;
	uint16_t port;
	int events;
	unsigned int head, count;
	struct udp_dgram q[NET_UDP_QLEN];
	uk_udp_fn *cb_fn;
	void *cb_arg;
};

struct net_stats {
	unsigned long rx, tx, rx_drop, tx_drop, arp_drop;
	unsigned long tcp_rexmit, tcp_fastrexmit, tcp_synflood;
	unsigned long tcp_nomem, tcp_rst_sent, tcp_ooo;
	unsigned long quiet_drop; /* left unanswered while quiet */
};

struct net;
/* Hands one complete frame to the wire; 0 or -UK_EAGAIN (ring full). */
typedef int net_output_fn(struct net *n, const uint8_t *frame, size_t len);

struct net {
	uint8_t mac[6];
	uint32_t ip, mask, gw; /* gw 0: on-link destinations only */
	net_output_fn *output;
	void *output_arg;
	int tx_blocked; /* an output hit -UK_EAGAIN */
	/*
	 * Quiet while a Synjitsu hand-over is pending (synjitsu.c): the
	 * stack answers nothing its own sockets did not start -- no RST or
	 * SYN-ACK to a segment of no connection, no ARP or echo reply --
	 * and the gratuitous ARP waits.  Any frame from our MAC would teach
	 * the bridge to send our clients here, to a stack that does not
	 * know their connections yet and would reset them.
	 */
	int quiet;
	int announced;	      /* gratuitous ARPs sent since arp_announce */
	uint64_t announce_at; /* when the next one is due */
	uint32_t secret[4];   /* ISN and port randomisation */
	uint32_t isn_clock;
	uint16_t next_port;
	uint16_t ip_id;
	struct net_stats stats;
	struct arp_entry arp[NET_ARP_NENT];
	struct tcp_listener listen[NET_TCP_NLISTEN];
	struct tcp_conn tcp[NET_TCP_NCONN];
	struct udp_sock udp[NET_UDP_NSOCK];
	uint8_t tx[NET_FRAME]; /* the frame being built */
};

/* addr.c (uk_ip_parse is in uk.h) */
/* "A.B.C.D/N", N 1..32 and 24 when absent; -UK_EINVAL if malformed. */
int addr_cidr(const char *s, uint32_t *ip, uint32_t *mask);

/* net.c */
/* Prepares n for address cfg; no frame is sent (see arp_announce). */
void net_init(struct net *n, const uint8_t mac[6], uint32_t ip, uint32_t mask,
    uint32_t gw, net_output_fn *out, uint32_t seed);
/* One received frame: ARP or IPv4 to us, everything else dropped. */
void net_input(struct net *n, const uint8_t *f, size_t len, uint64_t now);
/* Runs the ARP and TCP timers due at now. */
void net_tick(struct net *n, uint64_t now);
/* The earliest time net_tick has work, UK_FOREVER if none. */
uint64_t net_next(const struct net *n);
/* Sends f (an Ethernet frame, dst filled in by the caller) and counts it. */
int net_send(struct net *n, const uint8_t *f, size_t len);

/* arp.c */
void arp_input(struct net *n, const uint8_t *p, size_t len, uint64_t now);
/*
 * Sends the frame in f (Ethernet header space included, dst unset) to the
 * IPv4 next hop: at once when its MAC is known, else after resolution,
 * holding at most NET_ARP_QLEN frames per neighbour (older ones win).
 */
int arp_send(struct net *n, uint32_t nexthop, uint8_t *f, size_t len,
    uint64_t now);
/* The gratuitous ARP request that announces n->ip, now and twice more
 * from arp_tick (see arp.c). */
void arp_announce(struct net *n, uint64_t now);
void arp_tick(struct net *n, uint64_t now);
uint64_t arp_next(const struct net *n);
/* The cached MAC of ip, or NULL. */
const uint8_t *arp_lookup(const struct net *n, uint32_t ip);
/*
 * Records ip at mac as if it had answered our request (REACHABLE for the
 * usual lifetime), making its entry if there is none and sending any
 * frames that waited for it.  arp_input's learning, and a neighbour
 * someone else resolved for us (tcp_adopt: Synjitsu's hop); the caller
 * vouches that ip is a neighbour this stack wants.
 */
void arp_seed(struct net *n, uint32_t ip, const uint8_t mac[6], uint64_t now);

/* ipv4.c */
void ip_input(struct net *n, const uint8_t *p, size_t len, uint64_t now);
/* The neighbour a datagram to dst goes to: dst or the gateway, 0 if none. */
uint32_t ip_nexthop(const struct net *n, uint32_t dst);
/*
 * Sends the plen payload bytes already in n->tx at ETH_HLEN + 20 to dst,
 * filling in the IPv4 and Ethernet headers.  -UK_EHOSTUNREACH without a
 * route, -UK_EAGAIN if the NIC is full.
 */
int ip_send(struct net *n, uint32_t dst, uint8_t proto, size_t plen,
    uint64_t now);
#define IP_PAYLOAD (ETH_HLEN + 20)

/* icmp.c */
void icmp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p,
    size_t len, uint64_t now);

/* udp.c */
/* Parses a UDP header, checking length and (if present) checksum. */
int udp_parse(const uint8_t *p, size_t len, uint32_t src, uint32_t dst,
    uint16_t *sport, uint16_t *dport, size_t *dlen);
void udp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p,
    size_t len);
struct udp_sock *udp_bind(struct net *n, uint16_t port);
int udp_sendto(struct net *n, struct udp_sock *u, const void *buf, size_t len,
    uint32_t ip, uint16_t port, uint64_t now);
int udp_recvfrom(struct udp_sock *u, void *buf, size_t len, uint32_t *ip,
    uint16_t *port);
void udp_close(struct udp_sock *u);

/* tcp.c -- connections, input and the state machine */
void tcp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p,
    size_t len, uint64_t now);
struct tcp_conn *tcp_find(struct net *n, uint32_t rip, uint16_t rport,
    uint16_t lport);
struct tcp_conn *tcp_alloc(struct net *n, uint64_t now);
void tcp_free(struct tcp_conn *c);
/* Moves c to CLOSED with error err, telling the application. */
void tcp_drop(struct tcp_conn *c, int err);
uint32_t tcp_isn(const struct net *n, uint32_t rip, uint16_t rport,
    uint16_t lport, uint64_t now);

/* tcp_out.c -- sending, retransmission, timers */
/* Sends whatever data, FIN and ACK c may send now. */
void tcp_output(struct net *n, struct tcp_conn *c, uint64_t now);
/* Sends one segment of c: flags, from seq, up to len data bytes. */
int tcp_send_seg(struct net *n, struct tcp_conn *c, uint8_t flags, uint32_t seq,
    size_t len, uint64_t now);
void tcp_send_ack(struct net *n, struct tcp_conn *c, uint64_t now);
/* A RST answering segment s that matched no connection. */
void tcp_send_reset(struct net *n, const struct ip_hdr *ip,
    const struct tcp_seg *s, uint64_t now);
/* Takes an RTT sample and recomputes the RTO (RFC 6298). */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt);
/* Handles an acknowledgment of new data (ack > snd_una). */
void tcp_acked(struct net *n, struct tcp_conn *c, uint32_t ack, uint64_t now);
/* Counts a duplicate ACK; the third starts fast retransmit. */
void tcp_dupack(struct net *n, struct tcp_conn *c, uint64_t now);
void tcp_tick(struct net *n, uint64_t now);
uint64_t tcp_next(const struct net *n);
/* The window we advertise, unscaled bytes. */
uint32_t tcp_rcv_window(const struct tcp_conn *c);
#define TCP_RTO_INIT	UK_SEC(1)
#define TCP_RTO_MIN	UK_MSEC(200)
#define TCP_RTO_MAX	UK_SEC(60)
#define TCP_SYN_RETRIES 5
#define TCP_RETRIES	10
#define TCP_TW_TIME	UK_SEC(2) /* 2*MSL, short: see tcp_out.c */
#define TCP_FW2_TIME	UK_SEC(30)
#define TCP_SYN_EVICT	UK_MSEC(500) /* half-open this old may give way */

/* tcp_user.c -- what the application calls */
struct tcp_listener *tcp_listen(struct net *n, uint16_t port, int backlog);
struct tcp_conn *tcp_accept(struct net *n, struct tcp_listener *l);
struct tcp_conn *tcp_connect(struct net *n, uint32_t ip, uint16_t port,
    uint64_t now);
/* >0 bytes, 0 at EOF, -UK_EAGAIN, or the connection's error. */
long tcp_read(struct net *n, struct tcp_conn *c, void *buf, size_t len,
    uint64_t now);
/* Bytes queued (maybe fewer than len), -UK_EAGAIN, or an error. */
long tcp_write(struct net *n, struct tcp_conn *c, const void *buf, size_t len,
    uint64_t now);
/* Graceful close (RST if unread data remains); the handle dies. */
void tcp_close(struct net *n, struct tcp_conn *c, uint64_t now);
void tcp_unlisten(struct net *n, struct tcp_listener *l);
/* NET_EV_* bits c is ready for now. */
int tcp_ready(const struct tcp_conn *c);

/*
 * Installs rec (uk.h's struct uk_tcp_adopt) as an ESTABLISHED connection
 * (CLOSE_WAIT with rec->fin) ready to accept on the listener of
 * rec->lport, with rec->data readable.  NULL if tcp_adopt_check()
 * refuses it or no slot is free.
 */
int tcp_adopt_check(struct net *n, const struct uk_tcp_adopt *rec);
struct tcp_conn *tcp_adopt(struct net *n, const struct uk_tcp_adopt *rec,
    uint64_t now);

#endif /* NET_H */
