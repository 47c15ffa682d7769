/* fuzz_vchan.c -- the libOS's vchan rings against a hostile peer */
#include <stdlib.h>

#include "fuzz.h"
#include "libuk.h"
#include "vchan.h"

/*
 * The peer shares the whole page with us and may write any byte of it
 * at any time: orders, indices, live and notify bytes.  The input is a
 * script.  First byte: bit 0 picks our role.  As the server we lay the
 * page out with two orders from the input (refused ones end the run);
 * as the client we take the page header from the input and go on only
 * if vchan_check accepts it.  Then each step is one of: the peer writes
 * a header byte, the peer writes an index, we read, we write, we ask
 * for data_ready and space.  The page and the rings' own pages are
 * exact-size heap blocks, so any access outside them is an ASan report.
 * The contract checked: counts stay within what was asked and what a
 * ring holds, kicks are 0 or 1, and once a call said -UK_EPROTO the
 * vchan stays broken.
 */

struct run {
	struct vchan v;
	char	    *page, *lbuf, *rbuf;
	int	     broken;
};

static char *
ring_alloc(unsigned int order)
{
	return vchan_ring_pages(order) ? malloc((size_t)1 << order) : NULL;
}

static int
start(struct run *r, struct fuzz_in *in)
{
	const uint8_t *hdr;
	unsigned int   lo, ro;
	size_t	       n;

	r->page = calloc(1, VCHAN_PAGE);
	FUZZ_CHECK(r->page != NULL);
	if ((fuzz_byte(in) & 1) == 0) {
		lo = 9 + fuzz_byte(in) % 13;
		ro = 9 + fuzz_byte(in) % 13;
		r->lbuf = ring_alloc(lo);
		r->rbuf = ring_alloc(ro);
		return vchan_server_init(&r->v, (struct vchan_page *)r->page,
		    lo, ro, r->lbuf, r->rbuf);
	}
	n = fuzz_take(in, &hdr, sizeof(struct vchan_page));
	memcpy(r->page, hdr, n);
	if (vchan_check((struct vchan_page *)r->page, &lo, &ro) < 0)
		return -1;
	FUZZ_CHECK(lo >= VCHAN_ORDER_MIN && lo <= VCHAN_ORDER_MAX);
	FUZZ_CHECK(ro >= VCHAN_ORDER_MIN && ro <= VCHAN_ORDER_MAX);
	r->lbuf = ring_alloc(lo);
	r->rbuf = ring_alloc(ro);
	vchan_client_init(&r->v, (struct vchan_page *)r->page, lo, ro, r->lbuf,
	    r->rbuf);
	return 0;
}

/* A result of vchan_read or vchan_write of len bytes. */
static void
check_io(struct run *r, long n, size_t len, uint32_t size, int kick)
{
	FUZZ_CHECK(kick == 0 || kick == 1);
	if (r->broken)
		FUZZ_CHECK(n == -UK_EPROTO);
	FUZZ_CHECK(n == -UK_EPROTO || (n >= 0 && (size_t)n <= len));
	FUZZ_CHECK(n <= (long)size);
	if (n == -UK_EPROTO)
		r->broken = 1;
}

static void
step(struct run *r, struct fuzz_in *in)
{
	const uint8_t *p;
	uint32_t      *idx = (uint32_t *)r->page;
	size_t	       len;
	char	      *buf;
	int	       kick = 0;
	long	       n;

	switch (fuzz_byte(in) % 5) {
	case 0:
		r->page[fuzz_byte(in) % sizeof(struct vchan_page)] = (char)
		    fuzz_byte(in);
		break;
	case 1:
		len = fuzz_byte(in) % 4;
		idx[len] = (uint32_t)fuzz_u16(in) << 16;
		idx[len] |= fuzz_u16(in);
		break;
	case 2:
		len = fuzz_u16(in) % 5000;
		buf = malloc(len ? len : 1);
		FUZZ_CHECK(buf != NULL);
		n = vchan_read(&r->v, buf, len, &kick);
		check_io(r, n, len, r->v.rd.size, kick);
		free(buf);
		break;
	case 3:
		len = fuzz_take(in, &p, fuzz_u16(in) % 5000);
		n = vchan_write(&r->v, p, len, &kick);
		check_io(r, n, len, r->v.wr.size, kick);
		break;
	case 4:
		FUZZ_CHECK(vchan_data_ready(&r->v) <= r->v.rd.size);
		FUZZ_CHECK(vchan_space(&r->v) <= r->v.wr.size);
		if (r->v.broken)
			r->broken = 1;
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct run     r = { 0 };

	if (start(&r, &in) == 0)
		while (in.left > 0)
			step(&r, &in);
	free(r.page);
	free(r.lbuf);
	free(r.rbuf);
	return 0;
}
