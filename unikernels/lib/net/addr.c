/* addr.c -- IPv4 address and prefix parsing for the interface set-up */
#include "net.h"

int
uk_ip_parse(const char *s, uint32_t *ip)
{
	unsigned long v;
	uint32_t a = 0;
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return -UK_EINVAL;
		v = strtoul(s, &end, 10);
		if (v > 255 || end - s > 3 || *end != (i < 3 ? '.' : '\0'))
			return -UK_EINVAL;
		a = a << 8 | (uint32_t)v;
		s = end + 1;
	}
	*ip = a;
	return 0;
}

/* "A.B.C.D/N" (N 1..32, 24 when absent) into address and netmask. */
int
addr_cidr(const char *s, uint32_t *ip, uint32_t *mask)
{
	char buf[20];
	const char *slash = strchr(s, '/');
	unsigned long bits = 24;
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	char *end;

	if (len >= sizeof(buf))
		return -UK_EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -UK_EINVAL;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits < 1 || bits > 32)
			return -UK_EINVAL;
	}
	*mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	return uk_ip_parse(buf, ip);
}
