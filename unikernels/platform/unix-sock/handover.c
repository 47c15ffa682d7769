/* handover.c -- the hand-over line protocol's framing and parsing (pure) */
#include "sockplat.h"

/*
 * Lines come from jitsud, which we trust to be jitsud but not to be
 * right: every line is checked whole (synrec_decode checks a record's
 * own consistency), and one too long ends the conversation rather than
 * being cut, because a cut record would be parsed as two bad ones.
 */

int
handover_take(struct handover_buf *b, char *line, size_t size)
{
	char *nl = memchr(b->buf, '\n', b->len);
	size_t n;

	if (nl == NULL)
		return b->len == sizeof(b->buf) ? -1 : 0;
	n = (size_t)(nl - b->buf);
	if (n >= size)
		return -1;
	memcpy(line, b->buf, n);
	line[n] = '\0';
	b->len -= n + 1;
	memmove(b->buf, nl + 1, b->len);
	return 1;
}

/* "count N": N decimal, nothing else on the line. */
static int
parse_count(const char *s, unsigned long *count)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*count = strtoul(s, &end, 10);
	if (*end != '\0' || *count > HANDOVER_COUNT_MAX)
		return -1;
	return 0;
}

enum handover_kind
handover_parse(const char *line, struct synrec *r, unsigned long *count,
    const char **why)
{
	if (strncmp(line, "count ", 6) == 0) {
		if (parse_count(line + 6, count) != 0) {
			*why = "malformed count line";
			return HANDOVER_BAD;
		}
		return HANDOVER_COUNT;
	}
	/* Anything else must be a record: its keys come in any order. */
	if (synrec_decode(line, r, why) != 0)
		return HANDOVER_BAD;
	return HANDOVER_RECORD;
}
