/* cmdline.c -- kernel command line lookup (key=value words) */
#include "libuk.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the end of the word at p: blanks inside double quotes count. */
static const char *
word_end(const char *p)
{
	int quoted = 0;

	for (; *p != '\0'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (is_blank(*p) && !quoted)
			break;
	}
	return p;
}

/* Copies [v, end) without its quotes into buf; returns the length. */
static int
copy_value(const char *v, const char *end, char *buf, size_t size)
{
	size_t n = 0;

	for (; v < end; v++) {
		if (*v == '"')
			continue;
		if (n + 1 < size)
			buf[n] = *v;
		n++;
	}
	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n < size ? (int)n : -UK_E2BIG;
}

int
cmdline_find(const char *line, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = line, *end, *val = NULL, *vend = NULL;

	if (klen == 0)
		return -UK_EINVAL;
	while (*p != '\0') {
		while (is_blank(*p))
			p++;
		end = word_end(p);
		if ((size_t)(end - p) >= klen && memcmp(p, key, klen) == 0 &&
		    (p + klen == end || p[klen] == '=')) {
			val = p + klen == end ? end : p + klen + 1;
			vend = end;
		}
		p = end;
	}
	if (val == NULL)
		return -UK_ENOENT;
	return copy_value(val, vend, buf, size);
}

const char *
uk_cmdline(void)
{
	return plat_cmdline();
}

int
uk_cmdline_get(const char *key, char *buf, size_t size)
{
	return cmdline_find(plat_cmdline(), key, buf, size);
}

/* "00:16:3e:00:00:10" -> 6 bytes; -UK_EINVAL if malformed. */
int
mac_parse(const char *s, uint8_t mac[6])
{
	unsigned long v;
	char *end;
	int i;

	for (i = 0; i < 6; i++) {
		v = strtoul(s, &end, 16);
		if (end == s || end - s > 2 || v > 0xff ||
		    *end != (i < 5 ? ':' : '\0'))
			return -UK_EINVAL;
		mac[i] = (uint8_t)v;
		s = end + 1;
	}
	return 0;
}

int
vif_arg_parse(const char *s, struct vif_arg *v)
{
	unsigned long *const num[5] = { &v->backend, &v->tx_ref, &v->rx_ref,
		&v->tx_port, &v->rx_port };
	char mac[18];
	size_t len = 0;
	uint64_t n;
	int i, digits;

	while (s[len] != '\0' && s[len] != ',')
		len++;
	if (len >= sizeof(mac))
		return -UK_EINVAL;
	memcpy(mac, s, len);
	mac[len] = '\0';
	if (mac_parse(mac, v->mac) != 0)
		return -UK_EINVAL;
	s += len;
	for (i = 0; i < 5; i++) {
		/* Digits only (strtoul would take a sign or blanks), and
		 * within 32 bits, as every field is: not strtoul's wrap. */
		if (*s++ != ',' || *s < '0' || *s > '9')
			return -UK_EINVAL;
		for (n = 0, digits = 0; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (uint64_t)(*s - '0');
			if (++digits > 10 || n > 0xffffffffULL)
				return -UK_EINVAL;
		}
		*num[i] = (unsigned long)n;
	}
	return *s == '\0' ? 0 : -UK_EINVAL;
}
