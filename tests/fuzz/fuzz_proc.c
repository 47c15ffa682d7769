/* fuzz_proc.c -- the process backend's guest lines (and its pidfiles) */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jitsud.h"
#include "proc.h"

/*
 * The input's first byte picks the parser.  Mostly it is the hand-over
 * socket: the guest's bytes arrive in reads of the sizes the input
 * says, into the fixed buffer proc_sock.c reads into, and
 * proc_util_hin_next takes lines out as proc_sock.c does after each
 * read.  Otherwise the text is a pidfile or a /proc/PID/stat line, which
 * adoption reads back after a restart.
 */
static void
fuzz_proc_lines(struct fuzz_in *in)
{
	static struct proc_hin h;
	const uint8_t	      *p;
	enum proc_hmsg	       m;
	unsigned int	       k;
	size_t		       n;

	memset(&h, 0, sizeof(h));
	while (in->left > 0) {
		n = (size_t)fuzz_byte(in) * 8 + 1;
		if (n > sizeof(h.buf) - h.len)
			n = sizeof(h.buf) - h.len;
		n = fuzz_take(in, &p, n);
		memcpy(h.buf + h.len, p, n);
		h.len += n;
		while ((m = proc_util_hin_next(&h, &k)) != PROC_HMSG_NONE) {
			FUZZ_CHECK(m <= PROC_HMSG_BAD);
			FUZZ_CHECK(m != PROC_HMSG_ADOPTED || k <= 99999);
		}
		FUZZ_CHECK(h.len < sizeof(h.buf));
	}
}

static void
fuzz_proc_text(int which, const uint8_t *data, size_t size)
{
	unsigned long long start;
	char		   veth[PROC_IFNAME_MAX], state, *text;
	int		   pid;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (which) {
		if (proc_util_pidfile_parse(text, &pid, &start, veth) == 0)
			FUZZ_CHECK(pid > 0 &&
			    strnlen(veth, sizeof(veth)) < sizeof(veth));
	} else
		(void)proc_util_stat_parse(text, &state, &start);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t	       which = fuzz_byte(&in);

	if (which < 0xf0)
		fuzz_proc_lines(&in);
	else
		fuzz_proc_text(which & 1, in.p, in.left);
	return 0;
}
