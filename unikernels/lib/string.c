/* string.c -- the freestanding string, memory and number functions */
#include "uk.h"

/*
 * GCC may itself emit calls to memcpy, memmove, memset and memcmp (struct
 * copies, zeroing), so these four must exist with their ISO names.  The
 * Makefile builds this file with -fno-tree-loop-distribute-patterns, or
 * GCC could turn the loops below back into calls to themselves.
 */

void *
memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlap with dst above src: copy from the end. */
	while (n-- > 0)
		d[n] = s[n];
	return dst;
}

void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)(uintptr_t)p;
	return NULL;
}

size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (*a == '\0')
			return 0;
	}
	return 0;
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)(uintptr_t)s;
		if (*s == '\0')
			return NULL;
	}
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)(uintptr_t)last;
	}
}

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static int
is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Skips a 0x or 0 prefix as base asks; returns the base to use. */
static int
number_base(const char **sp, int base)
{
	const char *s = *sp;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit_value(s[2]) < 16;

	if ((base == 0 || base == 16) && hex) {
		*sp = s + 2;
		return 16;
	}
	if (base == 0)
		return s[0] == '0' ? 8 : 10;
	return base;
}

unsigned long
strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	unsigned long v = 0;
	int neg = 0, any = 0, overflow = 0, d;

	while (is_blank(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (base < 0 || base == 1 || base > 36) {
		if (end != NULL)
			*end = (char *)(uintptr_t)s;
		return 0;
	}
	base = number_base(&p, base);
	for (; (d = digit_value(*p)) < base; p++, any = 1) {
		if (v > (~0UL - (unsigned long)d) / (unsigned long)base)
			overflow = 1;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end != NULL)
		*end = (char *)(uintptr_t)(any ? p : s);
	if (overflow)
		return ~0UL;
	return neg ? -v : v;
}
