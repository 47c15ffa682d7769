/* conduit.c -- the conduit rendezvous (conduit(7)): pure parts, no XenStore */
#include <stddef.h>
#include <string.h>

#include "conduit.h"

static int
conduit_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static char
conduit_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
conduit_name(const char *s, size_t n, char *out)
{
	size_t i, label = 0;
	char   c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CONDUIT_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		c = conduit_lower(s[i]);
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				return -1;
			label = 0;
		} else if (!conduit_ldh(c) || (label == 0 && c == '-') ||
		    ++label > CONDUIT_LABEL_MAX)
			return -1;
		out[i] = c;
	}
	if (label == 0 || out[n - 1] == '-')
		return -1;
	out[n] = '\0';
	return 0;
}
