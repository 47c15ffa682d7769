/* fuzz_synjitsu.c -- Synjitsu's frame input, then the hand-over records */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_frame.h"
#include "synjitsu.h"
#include "../../unikernels/lib/wire/wire.h"

/*
 * The input is a script of frames as synio.c would read them off the
 * bridge, for one claim (10.0.0.10, ports 80 and 443):
 *
 *	op, [len:2, frame]	op & 3 < 3: a frame of len % 1600 bytes;
 *				op & 3 == 2: its TCP sequence and ack
 *				numbers follow the last reply's
 *				(fuzz_frame.h); op & 4 its checksums
 *				fixed, op & 8 marked CSUM_PARTIAL; op >> 4
 *				advances the clock by that many 200 ms
 *	op & 3 == 3		op & 4: synjitsu_tick, op & 8: drain
 *
 * After each frame, the SYN-ACKs it made owed (synjitsu_output) are
 * taken and checked too.  The claim routes off-link clients through
 * 10.0.0.1.  Then the claim is frozen and every connection is exported as a record,
 * encoded and decoded again, as at a hand-over.  Each reply must be a
 * frame of at most SYNJITSU_REPLY_MAX bytes from the vm's MAC with
 * right checksums; each record must pass synrec_check and survive the
 * round trip unchanged.
 */

#define VM_IP 0x0a00000aU

static const uint8_t  vm_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x0a };
static const uint16_t ports[] = { 80, 443 };
static const uint8_t  secret[SYNJITSU_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9,
	 10, 11, 12, 13, 14, 15, 16 };

static void
fuzz_synjitsu_reply(const uint8_t *out, size_t outlen)
{
	struct eth_hdr e;
	struct ip_hdr  ip;
	struct tcp_seg s;

	FUZZ_CHECK(outlen > 0 && outlen <= SYNJITSU_REPLY_MAX);
	FUZZ_CHECK(eth_parse(out, outlen, &e) == 0);
	FUZZ_CHECK(memcmp(e.src, vm_mac, 6) == 0);
	if (e.type != ETH_IPV4)
		return;
	FUZZ_CHECK(ip_parse(out + ETH_HLEN, outlen - ETH_HLEN, &ip) == 0);
	FUZZ_CHECK(ip.src == VM_IP && ip.proto == IP_TCP);
	FUZZ_CHECK(tcp_parse(out + ETH_HLEN + ip.hlen, ip.total - ip.hlen,
		       ip.src, ip.dst, &s) == 0);
	FUZZ_CHECK(!(s.flags & TCP_RST));
}

static void
fuzz_synjitsu_export(struct synjitsu_vm *vm)
{
	static struct synrec r, back;
	static char	     line[SYNREC_LINE_MAX];
	const char	    *why;
	size_t		     i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		if (synjitsu_record(vm, i, &r) != 0)
			continue;
		n++;
		FUZZ_CHECK(synrec_check(&r) == NULL);
		FUZZ_CHECK(synrec_encode(&r, line, sizeof(line)) > 0);
		FUZZ_CHECK(synrec_decode(line, &back, &why) == 0);
		FUZZ_CHECK(back.datalen == r.datalen &&
		    memcmp(back.data, r.data, r.datalen) == 0 &&
		    back.rcv_nxt == r.rcv_nxt && back.iss == r.iss &&
		    back.peer_ip == r.peer_ip && back.fin == r.fin);
	}
	FUZZ_CHECK(n == synjitsu_nconn(vm));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct synjitsu_vm vm;
	static uint8_t		  out[SYNJITSU_REPLY_MAX];
	struct fuzz_in		  in = { data, size };
	const uint8_t		 *p;
	uint8_t			 *f, op;
	struct fuzz_tcp_next	  next = { 0 };
	uint64_t		  now = 1000;
	size_t			  len, outlen;

	FUZZ_CHECK(synjitsu_init(&vm, VM_IP, vm_mac, ports, 2, secret) == 0);
	FUZZ_CHECK(synjitsu_route(&vm, 24, VM_IP - 9) == 0);
	while (in.left > 0) {
		op = fuzz_byte(&in);
		now += (uint64_t)(op >> 4) * 200;
		if ((op & 3) == 3) {
			if (op & 4)
				synjitsu_tick(&vm, now);
			if (op & 8)
				synjitsu_drain(&vm);
			continue;
		}
		len = fuzz_take(&in, &p, fuzz_u16(&in) % FUZZ_FRAME_MAX);
		/* An exact-size copy: ASan sees any read past its end. */
		if ((f = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(f, p, len);
		if ((op & 3) == 2)
			fuzz_frame_follow(&next, f, len);
		if (op & 4)
			fuzz_frame_fix(f, len);
		if (synjitsu_input_flags(&vm, f, len,
			(op & 8) ? SYNJITSU_F_CSUM_PARTIAL : 0, now, out,
			sizeof(out), &outlen) == SYNJITSU_REPLIED) {
			fuzz_synjitsu_reply(out, outlen);
			fuzz_frame_seen(&next, out, outlen);
		} else
			FUZZ_CHECK(outlen == 0);
		while ((outlen = synjitsu_output(&vm, out, sizeof(out))) > 0) {
			fuzz_synjitsu_reply(out, outlen);
			fuzz_frame_seen(&next, out, outlen);
		}
		free(f);
	}
	synjitsu_freeze(&vm);
	fuzz_synjitsu_export(&vm);
	return 0;
}
