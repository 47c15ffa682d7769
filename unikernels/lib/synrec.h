/* synrec.h -- the Synjitsu hand-over record, shared by jitsud and the libOS */
#ifndef SYNREC_H
#define SYNREC_H

#include <stddef.h>
#include <stdint.h>

/*
 * While a unikernel boots, jitsud completes the TCP handshakes meant for
 * it and keeps the client's first bytes.  Each such connection is handed
 * to the guest as one record: a single line of text, so that it is one
 * XenStore value (under /local/domain/<domid>/data/synjitsu/conn/<n>) or
 * one line on the process backend's hand-over socket.  The format is a
 * protocol between two programs built separately; synjitsu(7) documents
 * it.  This file and synrec.c compile both freestanding (the libOS) and
 * hosted (jitsud): they use no library function at all.
 *
 *   v=1 peer=A.B.C.D:P local=A.B.C.D:P irs=N iss=N rcv_nxt=N snd_nxt=N
 *   mss=N peer_wscale=N wscale=N peer_wnd=N fin=0|1
 *   [hop=A.B.C.D/aa:bb:cc:dd:ee:ff] data=BASE64
 *
 * Numbers are decimal.  Keys are space-separated, in any order; unknown
 * keys are ignored (a newer jitsud may say more), every key above is
 * required but hop, v must be 1.  A record is at most SYNREC_LINE_MAX
 * bytes.
 *
 * hop is the guest's next hop toward the client (the client itself, or
 * the gateway if the client is off-link) and the MAC address it is at,
 * as jitsud saw it: the client ARPed jitsud's stand-in, not the guest,
 * so the guest would otherwise ask for it before its first reply.  It
 * was added after v=1 records were in use and is optional for that
 * reason: a guest that does not know the key ignores it like any other
 * unknown key and resolves the hop itself, so the version stays 1, and
 * a record without it (an older jitsud's) is as valid as before.
 */

#define SYNREC_VERSION	1
/* Bytes of client data a record carries: the window jitsud offers. */
#define SYNREC_DATA_MAX 2048
/* A whole encoded record, NUL included; fits a XenStore value (4096). */
#define SYNREC_LINE_MAX 3072

struct synrec {
	uint32_t peer_ip; /* the client, host byte order */
	uint16_t peer_port;
	uint32_t local_ip; /* the unikernel's address */
	uint16_t local_port;
	uint32_t irs;	    /* the client's initial sequence number */
	uint32_t iss;	    /* ours, as sent in the SYN-ACK */
	uint32_t rcv_nxt;   /* irs + 1 + datalen (+ 1 if fin) */
	uint32_t snd_nxt;   /* iss + 1: jitsud sends no data */
	uint16_t mss;	    /* the client's MSS option; 536 if none */
	int peer_wscale;    /* the client's window scale; -1: none */
	int wscale;	    /* the scale our SYN-ACK offered; 0 if
					   peer_wscale is -1 */
	uint32_t peer_wnd;  /* the client's last window, in bytes
					   (already shifted by peer_wscale) */
	int fin;	    /* the client's FIN was received */
	uint32_t hop_ip;    /* next hop toward the client, host order;
					   0: not known (no hop= key) */
	uint8_t hop_mac[6]; /* its MAC; all zero if hop_ip is 0 */
	size_t datalen;	    /* at most SYNREC_DATA_MAX */
	uint8_t data[SYNREC_DATA_MAX]; /* acknowledged, unread */
};

/*
 * Writes r as one NUL-terminated line (no newline) into buf.  Returns its
 * length without the NUL, or -1 if r is invalid (see synrec_check) or
 * size is too small.
 */
int synrec_encode(const struct synrec *r, char *buf, size_t size);

/*
 * Parses one line (a trailing newline is allowed) into r.  Returns 0, or
 * -1 with *why set to a static string naming what is wrong: a missing,
 * malformed or out-of-range key, or a record synrec_check refuses.
 */
int synrec_decode(const char *line, struct synrec *r, const char **why);

/*
 * The record's own consistency: snd_nxt == iss + 1, rcv_nxt == irs + 1 +
 * datalen + fin, datalen <= SYNREC_DATA_MAX, ports non-zero, mss >= 1,
 * wscale and peer_wscale in 0..14 (peer_wscale may be -1, and then
 * wscale is 0), hop_mac unicast and not all zero if hop_ip is set and
 * all zero if not.  Returns NULL if it holds, else what does not.
 */
const char *synrec_check(const struct synrec *r);

#endif /* SYNREC_H */
