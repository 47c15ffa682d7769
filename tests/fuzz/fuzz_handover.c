/* fuzz_handover.c -- hand-over records as a guest receives them */
#include <stdlib.h>

#include "fuzz.h"
#include "sockplat.h"
#include "synrec.h"

/*
 * The input is the byte stream jitsud sends a process-backend guest on
 * its hand-over socket (record lines, then "count N"), read in chunks of
 * the sizes the input's odd bytes say, framed by handover_take and
 * classified by handover_parse: the guest's side of the protocol, with
 * synrec_decode (also what a Xen guest runs on each XenStore value)
 * doing the record's parsing.  A record accepted must pass synrec_check,
 * turn into a repair plan, and encode and decode to itself.
 */
static void
fuzz_handover_record(const struct synrec *r)
{
	static struct synrec back;
	static char	     line[SYNREC_LINE_MAX];
	struct adopt_plan    plan;
	const char	    *why;

	FUZZ_CHECK(synrec_check(r) == NULL);
	FUZZ_CHECK(r->datalen <= SYNREC_DATA_MAX);
	FUZZ_CHECK(adopt_from_synrec(r, &plan) == NULL);
	FUZZ_CHECK(plan.dlen == r->datalen && plan.dlen <= ADOPT_DATA_MAX);
	FUZZ_CHECK(synrec_encode(r, line, sizeof(line)) > 0);
	FUZZ_CHECK(synrec_decode(line, &back, &why) == 0);
	FUZZ_CHECK(back.datalen == r->datalen &&
	    memcmp(back.data, r->data, r->datalen) == 0 &&
	    back.rcv_nxt == r->rcv_nxt && back.snd_nxt == r->snd_nxt &&
	    back.peer_wnd == r->peer_wnd && back.mss == r->mss &&
	    back.peer_wscale == r->peer_wscale && back.wscale == r->wscale &&
	    back.hop_ip == r->hop_ip &&
	    memcmp(back.hop_mac, r->hop_mac, sizeof(r->hop_mac)) == 0);
}

/* Every whole line in b; 0 to go on reading, -1 when the guest stops. */
static int
fuzz_handover_lines(struct handover_buf *b)
{
	static char	     line[HANDOVER_LINE_MAX];
	static struct synrec r;
	unsigned long	     count;
	const char	    *why;
	int		     rc;

	while ((rc = handover_take(b, line, sizeof(line))) == 1) {
		why = NULL;
		switch (handover_parse(line, &r, &count, &why)) {
		case HANDOVER_RECORD:
			fuzz_handover_record(&r);
			break;
		case HANDOVER_COUNT:
			FUZZ_CHECK(count <= HANDOVER_COUNT_MAX);
			return -1;
		case HANDOVER_BAD:
			FUZZ_CHECK(why != NULL);
			break;
		}
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct handover_buf b;
	struct fuzz_in		   in = { data, size };
	const uint8_t		  *p;
	size_t			   n, room;

	b.len = 0;
	while (in.left > 0) {
		n = (size_t)fuzz_byte(&in) * 16 + 1;
		room = sizeof(b.buf) - b.len;
		n = fuzz_take(&in, &p, n < room ? n : room);
		memcpy(b.buf + b.len, p, n);
		b.len += n;
		if (fuzz_handover_lines(&b) != 0)
			break;
	}
	return 0;
}
