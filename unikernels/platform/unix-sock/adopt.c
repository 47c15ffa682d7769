/* adopt.c -- a hand-over record turned into TCP_REPAIR settings (pure) */
#include "sockplat.h"

/*
 * The kernel's view after a repair must equal the client's view of the
 * handshake someone else finished:
 *
 *   send queue seq = snd_nxt = iss + 1.  TCP_QUEUE_SEQ on the send queue
 *     sets write_seq, and connect() in repair mode makes snd_una = snd_nxt
 *     = write_seq: the first byte the application writes goes out as
 *     iss + 1, which is what the client acknowledged and expects.
 *   receive queue seq = rcv_nxt - dlen.  TCP_QUEUE_SEQ on the receive
 *     queue sets rcv_nxt = copied_seq; pushing the dlen recorded bytes
 *     into that queue (repair mode send) advances rcv_nxt by dlen, so the
 *     kernel ends at the recorded rcv_nxt and acknowledges exactly what
 *     the client was told.
 *
 * A FIN the client sent was acknowledged too, so it is inside rcv_nxt.
 * The kernel cannot be given a FIN through repair, and a socket whose
 * rcv_nxt stopped short of it would send every segment with an ack older
 * than the one the client (in FIN-WAIT-2) already holds.  RFC 793 lets a
 * receiver ignore such an ack and keep the data, and today's Linux does,
 * but older stacks drop the whole segment.  So the FIN's sequence number
 * is put before the data instead (rcv_seq = irs + 2): the bytes read the
 * same, the acks are exactly what the client was told, and the end of
 * stream after the bytes is the platform's to report (peer_fin).  After the application's close such a
 * socket waits in FIN-WAIT-2 for a FIN that came long ago, until the
 * kernel's tcp_fin_timeout ends it: harmless, as it holds no port that a
 * new listener would need (repair.c).
 */

uint32_t
adopt_wscale_opt(int peer_wscale, int wscale)
{
	uint32_t snd = peer_wscale < 0 ? 0 : (uint32_t)peer_wscale;
	uint32_t rcv = peer_wscale < 0 ? 0 : (uint32_t)wscale;

	return snd | rcv << 16;
}

const char *
adopt_from_synrec(const struct synrec *r, struct adopt_plan *p)
{
	const char *why;

	if ((why = synrec_check(r)) != NULL)
		return why;
	memset(p, 0, sizeof(*p));
	p->lip = r->local_ip;
	p->lport = r->local_port;
	p->rip = r->peer_ip;
	p->rport = r->peer_port;
	p->snd_seq = r->snd_nxt;
	p->rcv_seq = r->rcv_nxt - (uint32_t)r->datalen;
	p->mss = r->mss;
	p->wscale_opt = adopt_wscale_opt(r->peer_wscale, r->wscale);
	p->snd_wnd = r->peer_wnd;
	p->snd_wl1 = r->irs;
	p->peer_fin = r->fin != 0;
	p->data = r->data;
	p->dlen = r->datalen;
	return NULL;
}

/* uk_tcp_adopt()'s contract, as the libOS stack checks it. */
static const char *
rec_check(const struct uk_tcp_adopt *r)
{
	if (r->snd_nxt != r->iss + 1)
		return "snd_nxt is not iss + 1";
	if (r->fin != 0 && r->fin != 1)
		return "fin is not 0 or 1";
	if (r->rcv_nxt != r->irs + 1 + (uint32_t)r->dlen + (uint32_t)r->fin)
		return "rcv_nxt is not irs + 1 + dlen + fin";
	if (r->dlen > ADOPT_DATA_MAX || (r->dlen > 0 && r->data == NULL))
		return "bad data";
	if (r->snd_shift < -1 || r->snd_shift > 14 || r->rcv_shift < 0 ||
	    r->rcv_shift > 14)
		return "window scale out of range";
	if (r->rport == 0 || r->lport == 0)
		return "port 0";
	return NULL;
}

const char *
adopt_from_rec(const struct uk_tcp_adopt *r, struct adopt_plan *p)
{
	const char *why;
	int shift = r->snd_shift < 0 ? 0 : r->snd_shift;

	if ((why = rec_check(r)) != NULL)
		return why;
	memset(p, 0, sizeof(*p));
	p->lip = r->lip;
	p->lport = r->lport;
	p->rip = r->rip;
	p->rport = r->rport;
	p->snd_seq = r->snd_nxt;
	p->rcv_seq = r->rcv_nxt - (uint32_t)r->dlen;
	p->mss = r->mss == 0 ? 536 : r->mss;
	p->wscale_opt = adopt_wscale_opt(r->snd_shift, r->rcv_shift);
	/* uk.h: the window field as sent, before the client's scale. */
	p->snd_wnd = (uint32_t)((uint64_t)r->snd_wnd << shift > 0xffffffffu ?
		0xffffffffu :
		(uint64_t)r->snd_wnd << shift);
	p->snd_wl1 = r->irs;
	p->peer_fin = r->fin;
	p->data = r->data;
	p->dlen = r->dlen;
	return NULL;
}
