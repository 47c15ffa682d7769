/* synjitsu.h -- Synjitsu: stand in on the wire for a booting unikernel */
#ifndef SYNJITSU_H
#define SYNJITSU_H

#include <stddef.h>
#include <stdint.h>

/*
 * The record type is shared with the libOS, which is built separately;
 * naming it by its path keeps every user of this header free of an
 * extra -I for the unikernel tree.
 */
#include "../unikernels/lib/synrec.h"
#include "siphash.h"

/*
 * While a unikernel boots, jitsud answers ARP for its address with its
 * MAC, completes the TCP handshakes of clients for the ports it will
 * listen on and acknowledges their first bytes; once the guest is up,
 * each connection is handed over as a struct synrec and the guest adopts
 * it (tcp_adopt in the libOS) as if it had accepted it itself.
 *
 * This module is the pure part: Ethernet frames in, at most one reply
 * frame out, no clock (the caller passes the time in milliseconds), no
 * socket, no global and no allocation.  The AF_PACKET glue owns the
 * socket and the timer and calls in here.
 *
 * Addresses and ports are host byte order in this interface.
 *
 * Replies go where the guest's own stack would send them: to the MAC its
 * ARP table would hold for the next hop (the client, or the gateway for
 * an off-link client), learnt from ARP as the guest learns it, never to
 * whatever Ethernet source a frame claims.  A SYN from a neighbour not
 * yet known is held while jitsud asks for it; the SYN-ACK follows the
 * answer (synjitsu_output).  See synjitsu.c for what this resists.
 *
 * Life of a claim: synjitsu_init (and synjitsu_route), then frames
 * through synjitsu_input, each followed by synjitsu_output until it has
 * nothing more, and a timer through synjitsu_tick; when the guest is about to take over,
 * synjitsu_drain (no new connections, half-open ones may finish), then
 * synjitsu_freeze (no connection answered any more; frames kept for
 * the guest until it is on the wire) and synjitsu_record for each slot.  Freezing before exporting matters: a byte acknowledged
 * after its connection's record was taken would be lost.  And the guest
 * must adopt the records before its stack sees a segment of theirs, or
 * it resets them as connections it does not know.
 */

#define SYNJITSU_PORTS_MAX    16	      /* a binding's ports= */
#define SYNJITSU_CONN_MAX     64	      /* connection slots in a vm */
#define SYNJITSU_SECRET_LEN   SIPHASH_KEY_LEN /* SipHash-2-4 key */
#define SYNJITSU_REPLY_MAX    64 /* the largest reply frame, bytes */
#define SYNJITSU_ARP_LEN      42 /* an ARP frame, unpadded */
/* The MSS we offer: the guest's, an Ethernet MTU of 1500 less 40. */
#define SYNJITSU_MSS	      1460
/*
 * The window scale we offer when the client offers one; the guest takes
 * it as the connection's receive shift.  It is the libOS's own
 * NET_TCP_RCVSHIFT (unikernels/lib/net/net.h), so that an adopted
 * connection is like one the guest accepted itself.
 */
#define SYNJITSU_WSCALE	      0
#define SYNJITSU_SYN_TTL_MS   3000 /* a half-open connection dies */
#define SYNJITSU_SYN_EVICT_MS 500  /* it may make way for a SYN */
#define SYNJITSU_NEIGH_MAX    16   /* neighbours a claim remembers */
#define SYNJITSU_PREFIX	      24   /* jitsud gives every guest a /24 */

/* What synjitsu_input made of a frame. */
enum synjitsu_verdict {
	SYNJITSU_IGNORED, /* not for the vm: let it be */
	SYNJITSU_DROPPED, /* for the vm, refused; a counter says why */
	SYNJITSU_TAKEN,	  /* for the vm, taken; nothing to send */
	SYNJITSU_REPLIED, /* for the vm; send the reply frame */
	SYNJITSU_KEPT,	  /* for the vm, handed over: keep it for the guest */
};

enum synjitsu_mode {
	SYNJITSU_ACTIVE, /* answering everything */
	SYNJITSU_DRAIN,	 /* no new connections */
	SYNJITSU_FROZEN, /* handed over: ARP answered, TCP kept (below) */
};

/* Counters for metrics; they only grow. */
struct synjitsu_stats {
	uint64_t arp_replies;
	uint64_t syns;		  /* SYNs received, resent ones too */
	uint64_t synacks;	  /* SYN-ACKs sent */
	uint64_t established;	  /* handshakes completed */
	uint64_t acks;		  /* bare ACKs sent */
	uint64_t bytes;		  /* client bytes kept and acked */
	uint64_t bytes_refused;	  /* in-order bytes past the buffer */
	uint64_t fins;		  /* client FINs acked */
	uint64_t rsts;		  /* connections the client reset */
	uint64_t expired;	  /* half-open freed: old, or frozen */
	uint64_t evicted;	  /* half-open replaced by a new SYN */
	uint64_t drop_full;	  /* SYNs refused: no free slot */
	uint64_t drop_port;	  /* SYNs for a port not listed */
	uint64_t drop_drain;	  /* SYNs refused while draining */
	uint64_t drop_unknown;	  /* non-SYN for no connection */
	uint64_t drop_bad;	  /* malformed, checksum, fragment... */
	uint64_t drop_proto;	  /* IPv4 other than TCP */
	uint64_t drop_seg;	  /* refused by the TCP state machine */
	uint64_t arp_requests;	  /* who-has sent for a next hop */
	uint64_t neigh_borrowed;  /* next hops from synjitsu_neighbours */
	uint64_t drop_spoof;	  /* Ethernet source not the next hop's */
	uint64_t drop_route;	  /* off-link, and the guest has no gateway */
	uint64_t drop_unresolved; /* a segment while its hop is asked for */
	uint64_t kept;		  /* frames kept for the guest, frozen */
	uint64_t kept_passed;	  /* ... passed on to it */
	uint64_t kept_lost;	  /* ... not: too many, or no way to it */
};

/* One connection slot; read it through synjitsu_record. */
struct synjitsu_conn {
	int	 state; /* private to synjitsu.c */
	uint64_t born;	/* ms, first SYN */
	uint32_t rip;
	uint32_t hop;	/* rip, or the gateway if off-link */
	uint8_t	 hw[6]; /* the SYN's Ethernet source */
	uint16_t rport, lport;
	uint32_t irs, iss, rcv_nxt;
	uint32_t snd_wnd;     /* the client's window, bytes */
	uint32_t snd_wl1;     /* seq of the segment that set it */
	uint16_t mss;	      /* the client's, 536 if none */
	int	 peer_wscale; /* -1: none */
	size_t	 datalen;
	uint8_t	 data[SYNREC_DATA_MAX];
};

/* A neighbour on the guest's link, as the guest's ARP table holds it. */
struct synjitsu_neigh {
	int	 state; /* private to synjitsu.c */
	uint32_t ip;
	uint8_t	 mac[6];
	uint64_t used; /* ms: the least recently used one makes way */
};

/* One claimed vm: caller-allocated (about 140 KB), set by synjitsu_init. */
struct synjitsu_vm {
	uint32_t	      ip;
	uint32_t	      mask; /* the guest's network */
	uint32_t	      gw;   /* its gateway, 0 for none */
	uint8_t		      mac[6];
	uint16_t	      ports[SYNJITSU_PORTS_MAX];
	size_t		      nports;
	uint8_t		      secret[SYNJITSU_SECRET_LEN];
	enum synjitsu_mode    mode;
	int		      heard;   /* frozen: the guest spoke on the wire */
	size_t		      maxconn; /* slots in use at most */
	size_t		      maxdata; /* bytes kept per connection */
	struct synjitsu_stats stats;
	struct synjitsu_conn  conn[SYNJITSU_CONN_MAX];
	struct synjitsu_neigh neigh[SYNJITSU_NEIGH_MAX];
	/* synjitsu_neighbours: another table to look in first. */
	int (*lookup)(void *arg, uint32_t ip, uint8_t mac[6]);
	void *lookup_arg;
};

/*
 * Prepares vm to stand in for the guest at ip with mac, for TCP ports
 * ports[0..nports-1], with the limits at their defaults
 * (SYNJITSU_CONN_MAX connections, SYNREC_DATA_MAX bytes each) and the
 * guest's network at its default: a /SYNJITSU_PREFIX, no gateway.  secret
 * keys the initial sequence numbers: take it fresh from getrandom for
 * each claim.  Returns 0, or -1 (nothing set) if ip is 0, mac is not a
 * unicast address, nports exceeds SYNJITSU_PORTS_MAX or a port is 0.
 */
int synjitsu_init(struct synjitsu_vm *vm, uint32_t ip, const uint8_t mac[6],
    const uint16_t *ports, size_t nports,
    const uint8_t secret[SYNJITSU_SECRET_LEN]);

/*
 * A table of neighbours someone else confirmed (synio.c: dom0's own
 * neighbour table, entries confirmed lately or set by the operator):
 * lookup(arg, ip, mac) fills mac and returns 0 when it holds ip (host
 * order), else -1.  A new connection's SYN from a hop we know nothing
 * of yet (no entry, no question out) is then answered at once when the
 * table puts the hop at the MAC the SYN came from, instead of being held
 * while we ask; any other answer, or none, and we ask as before.  The
 * only call out of this file: it may make a system call.  NULL: none
 * (the default).
 */
void synjitsu_neighbours(struct synjitsu_vm *vm,
    int (*lookup)(void *arg, uint32_t ip, uint8_t mac[6]), void *arg);

/*
 * Lowers the limits: at most maxconn (1..SYNJITSU_CONN_MAX) connections
 * and maxdata (1..SYNREC_DATA_MAX) buffered bytes each.  Call it before
 * the first frame.  Returns 0, or -1 (nothing changed) if out of range.
 */
int synjitsu_limits(struct synjitsu_vm *vm, size_t maxconn, size_t maxdata);

/*
 * The guest's network as its stack will route: prefix bits (1..32) and
 * its gateway gw (host order; 0 for none, when off-link clients cannot be
 * answered by the guest and are not answered for it either).  Call it
 * before the first frame.  Returns 0, or -1 (nothing changed) if prefix
 * is out of range or gw is off the network, the vm's own or martian.
 */
int synjitsu_route(struct synjitsu_vm *vm, unsigned int prefix, uint32_t gw);

/*
 * Writes the gratuitous ARP request announcing vm's ip at vm's mac,
 * broadcast, into buf.  Returns its length (SYNJITSU_ARP_LEN), or 0 if
 * size is smaller than that.
 */
size_t synjitsu_garp(const struct synjitsu_vm *vm, uint8_t *buf, size_t size);
/* The same for any address ip (host order) at mac, no claim needed. */
size_t synjitsu_garp_of(uint32_t ip, const uint8_t mac[6], uint8_t *buf,
    size_t size);

/*
 * Takes one received Ethernet frame of len bytes (untrusted: any length,
 * any content) at time now_ms.  Answers ARP requests for vm's ip, and
 * TCP for vm's ip and mac: SYN-ACKs to SYNs for the listed ports, ACKs
 * to data, FINs and out-of-window segments.  It never sends a RST, and
 * never answers a frame whose Ethernet source is vm's own mac.  TCP is
 * taken only from the MAC the next hop is known at; while it is not
 * known, the reply is an ARP request for it (a SYN is held meanwhile).
 * On SYNJITSU_REPLIED, out holds *outlen bytes (at most
 * SYNJITSU_REPLY_MAX) to send as they are; otherwise *outlen is 0.
 * outsize must be at least SYNJITSU_REPLY_MAX, else the frame is not
 * looked at and SYNJITSU_DROPPED is returned.  A frozen vm ignores all.
 */
enum synjitsu_verdict synjitsu_input(struct synjitsu_vm *vm,
    const uint8_t *frame, size_t len, uint64_t now_ms, uint8_t *out,
    size_t outsize, size_t *outlen);

/*
 * The TCP checksum of a frame that a local sender's NIC driver was to
 * finish (a veth peer, a bridge port in the same kernel: AF_PACKET says
 * so with TP_STATUS_CSUMNOTREADY) holds only the pseudo-header's sum and
 * cannot be verified; the kernel vouches for such a frame instead.
 */
#define SYNJITSU_F_CSUM_PARTIAL 0x1
/*
 * A frame this host sent (AF_PACKET's PACKET_OUTGOING): ours, or the
 * kernel's; never the guest speaking.
 */
#define SYNJITSU_F_OUTGOING	0x2

/*
 * synjitsu_input with flags (SYNJITSU_F_*) saying what the receiving
 * side knows about the frame; synjitsu_input is this with flags 0.
 */
enum synjitsu_verdict synjitsu_input_flags(struct synjitsu_vm *vm,
    const uint8_t *frame, size_t len, unsigned int flags, uint64_t now_ms,
    uint8_t *out, size_t outsize, size_t *outlen);

/*
 * The next frame owed but not sent by synjitsu_input: the SYN-ACK of a
 * held SYN whose next hop has just been learnt.  Returns its length
 * (at most SYNJITSU_REPLY_MAX) in out, or 0 when nothing is owed (or
 * outsize is below SYNJITSU_REPLY_MAX).  Call it after every input until
 * it returns 0.
 */
size_t synjitsu_output(struct synjitsu_vm *vm, uint8_t *out, size_t outsize);

/*
 * Frees the half-open connections whose first SYN is SYNJITSU_SYN_TTL_MS
 * old at now_ms.  Established ones stay until the hand-over.  Returns
 * how many it freed.
 */
size_t synjitsu_tick(struct synjitsu_vm *vm, uint64_t now_ms);

/* When synjitsu_tick next has work: a time in ms, or UINT64_MAX. */
uint64_t synjitsu_next(const struct synjitsu_vm *vm);

/*
 * Stops taking new connections (their SYNs go unanswered: the client
 * sends them again, to the guest) while half-open ones may still
 * complete.  Returns how many are half-open; call it again to poll.
 * A frozen vm stays frozen.
 */
size_t synjitsu_drain(struct synjitsu_vm *vm);

/*
 * From now on no connection is taken or answered: the records are the
 * guest's.  Half-open connections are freed (see synjitsu.c for why
 * they cannot be handed over).  Returns how many connections can be
 * exported, the same as synjitsu_nconn.
 *
 * A guest may ask before it is on the wire (the libOS asks as it boots,
 * so that the exchange overlaps its NIC's handshake).  Until it is,
 * a frozen vm still answers ARP for the guest's address (new clients
 * must find the MAC) and says SYNJITSU_KEPT of every TCP frame for it:
 * a new client's SYN, a late segment of a handed-over connection.  The
 * caller keeps those and passes them to the guest once it has adopted
 * its records; the guest's stack then answers them as its own.  The
 * first frame the guest sends itself (its gratuitous ARP, not an
 * outgoing one of ours) ends that: the bridge has learnt its port, the
 * guest answers for itself, and what a promiscuous bridge device still
 * shows us is what the guest gets directly.
 */
size_t synjitsu_freeze(struct synjitsu_vm *vm);

/* Connections in the table that synjitsu_record would export. */
size_t synjitsu_nconn(const struct synjitsu_vm *vm);

/* Half-open connections (SYN-ACK sent, not yet acked) in the table. */
size_t synjitsu_nhalfopen(const struct synjitsu_vm *vm);

/*
 * Settled: at least one connection, none half-open, and every one has
 * its client's first bytes (or FIN) in.  A freeze now spares the usual
 * request the kept frames' detour (passed only once the guest adopted):
 * its first segment is in the records; a request sent in several
 * segments still has its tail kept and passed.  1 or 0.
 */
int synjitsu_settled(const struct synjitsu_vm *vm);

/*
 * Fills r with the connection in slot i (0..SYNJITSU_CONN_MAX-1) if it
 * can be handed over: established, maybe with the client's FIN taken.
 * Returns 0, or -1 (r untouched) for an empty, half-open or invalid
 * slot.  A filled r passes synrec_check and names the guest's next hop
 * toward the client (hop_ip, hop_mac), which the guest then need not ask
 * for.
 */
int synjitsu_record(const struct synjitsu_vm *vm, size_t i, struct synrec *r);

/*
 * Our initial sequence number for a client's SYN: SipHash-2-4, keyed by
 * vm's secret, of the 4-tuple and the client's own ISN.  Pure, so a
 * retransmitted SYN is answered with the same ISN even after its
 * half-open connection expired.
 */
uint32_t synjitsu_iss(const struct synjitsu_vm *vm, uint32_t peer_ip,
    uint16_t peer_port, uint16_t local_port, uint32_t irs);

/*
 * A kept frame that came with SYNJITSU_F_CSUM_PARTIAL carries only the
 * pseudo-header's share of its TCP checksum; this finishes it, as the
 * sender's NIC would have, so that the guest can check it.  0, or -1
 * for a frame that is not IPv4 TCP (it is left as it was).
 */
int synjitsu_csum_fill(uint8_t *frame, size_t len);

#endif /* SYNJITSU_H */
