/* dnsq.h -- the query the test tools send (header-only) */
#ifndef JITSUD_DNSQ_H
#define JITSUD_DNSQ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A standard query for `name' (dotted, no final dot needed), type A,
 * class IN, RD clear, under `id', into q (at least 512 bytes).  Labels
 * longer than 63 bytes or a name past 512 bytes end the name there.
 * Returns the query's length.
 */
static inline size_t
dnsq_build(uint8_t *q, uint16_t id, const char *name)
{
	size_t		 n = 12, len;
	const char	*dot;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1;	/* one question */
	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		if (len == 0 || len > 63 || n + len + 6 > 512)
			break;
		q[n++] = (uint8_t)len;
		memcpy(q + n, name, len);
		n += len;
		name += len + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1;	/* A */
	q[n++] = 0;
	q[n++] = 1;	/* IN */
	return n;
}

#endif /* JITSUD_DNSQ_H */
