/* fuzz_ctl.c -- the control protocol: request and reply lines */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fuzz.h"

/*
 * The input is split at newlines as control.c and jitsuctl split what
 * they read.  jitsud parses each as a request (from any local client);
 * jitsuctl parses each as a reply line (from whatever holds the socket).
 * A request that parses must have a known command and an argument that
 * ctl_format_request would send again: printable, at most CTL_ARG_MAX.
 * One that does not gets its reason back as "end error REASON\n": a
 * newline in it would let a client forge the lines after it.
 */
static void
fuzz_ctl_line(const char *line, size_t len)
{
	struct ctl_request r;
	char		   err[CTL_LINE_MAX], *copy, buf[CTL_LINE_MAX + 2];
	const char	  *text;
	enum ctl_reply	   k;

	/* control.c takes a whole line when its newline has come. */
	if ((copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, line, len);
	copy[len] = '\0';
	err[0] = '\0';
	if (ctl_parse_request(copy, len, &r, err, sizeof(err)) == 0) {
		FUZZ_CHECK(r.cmd < CTL_NCMDS);
		FUZZ_CHECK(strlen(r.arg) < CTL_ARG_MAX);
		FUZZ_CHECK(ctl_format_request(buf, sizeof(buf),
			       ctl_cmd_name(r.cmd),
			       r.arg[0] ? r.arg : NULL) == 0);
	} else
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	k = ctl_parse_reply(copy, &text);
	FUZZ_CHECK(k <= CTL_R_BAD && text != NULL);
	/* The text is the line's own tail (a NUL may end it early). */
	FUZZ_CHECK(text[0] == '\0' || (text > copy && text < copy + len));
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		fuzz_ctl_line(p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}
