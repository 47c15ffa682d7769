/* printf.c -- snprintf-family formatting and printf to the console */
#include "libuk.h"

#define F_LEFT	0x01 /* '-' */
#define F_ZERO	0x02 /* '0' */
#define F_PLUS	0x04 /* '+' */
#define F_SPACE 0x08 /* ' ' */
#define F_ALT	0x10 /* '#' */

/*
 * Where formatted bytes go.  `total` counts every byte produced (the
 * return value); `pos` counts the bytes held in buf.  Without a flush
 * function buf keeps the first size - 1 bytes and drops the rest
 * (snprintf); with one, a full buf is handed to flush and reused (printf).
 */
struct out {
	char *buf;
	size_t size;
	size_t pos;
	size_t total;
	void (*flush)(const char *, size_t);
};

struct spec {
	int flags;
	int width;
	int prec;   /* -1: none given */
	int length; /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j' */
};

static void
out_char(struct out *o, char c)
{
	o->total++;
	if (o->flush != NULL) {
		if (o->pos == o->size) {
			o->flush(o->buf, o->pos);
			o->pos = 0;
		}
		o->buf[o->pos++] = c;
	} else if (o->pos + 1 < o->size)
		o->buf[o->pos++] = c;
}

static void
out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void
out_str(struct out *o, const char *s, size_t n)
{
	while (n-- > 0)
		out_char(o, *s++);
}

/* Emits body (with its sign/prefix) padded to the field width. */
static void
out_field(struct out *o, const struct spec *sp, const char *prefix, int zeros,
    const char *body, int blen)
{
	int plen = (int)strlen(prefix);
	int pad = sp->width - plen - zeros - blen;

	if (!(sp->flags & (F_LEFT | F_ZERO)))
		out_repeat(o, ' ', pad);
	out_str(o, prefix, (size_t)plen);
	if ((sp->flags & (F_LEFT | F_ZERO)) == F_ZERO)
		out_repeat(o, '0', pad);
	out_repeat(o, '0', zeros);
	out_str(o, body, (size_t)blen);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

static void
format_number(struct out *o, const struct spec *sp, uint64_t v, int neg,
    unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], *p = tmp + sizeof(tmp);
	const char *prefix = "";
	int zeros = 0, blen;

	while (v != 0) {
		*--p = digits[v % base];
		v /= base;
	}
	blen = (int)(tmp + sizeof(tmp) - p);
	if (sp->prec > blen)
		zeros = sp->prec - blen;
	else if (blen == 0 && sp->prec != 0)
		zeros = 1; /* zero itself, unless "%.0d" */
	if (neg)
		prefix = "-";
	else if (sp->flags & F_PLUS)
		prefix = "+";
	else if (sp->flags & F_SPACE)
		prefix = " ";
	else if ((sp->flags & F_ALT) && base == 16 && blen > 0)
		prefix = upper ? "0X" : "0x";
	else if ((sp->flags & F_ALT) && base == 8 && zeros == 0)
		zeros = 1;
	out_field(o, sp, prefix, zeros, p, blen);
}

static uint64_t
arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned int);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned int);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	case 't':
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t
arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (int64_t)va_arg(*ap, size_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static void
format_string(struct out *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "(null)";
	n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	out_field(o, sp, "", 0, s, (int)n);
}

/* Parses flags, width, precision and length; returns the conversion. */
static const char *
parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	sp->length = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= F_LEFT;
		else if (*f == '0')
			sp->flags |= F_ZERO;
		else if (*f == '+')
			sp->flags |= F_PLUS;
		else if (*f == ' ')
			sp->flags |= F_SPACE;
		else if (*f == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = -sp->width;
		}
		f++;
	} else
		for (; *f >= '0' && *f <= '9'; f++)
			sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else
			for (; *f >= '0' && *f <= '9'; f++)
				sp->prec = sp->prec * 10 + (*f - '0');
	}
	if ((f[0] == 'h' || f[0] == 'l') && f[1] == f[0]) {
		sp->length = f[0] == 'h' ? 'H' : 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' ||
	    *f == 'j')
		sp->length = *f++;
	return f;
}

/* Formats one conversion c; returns 0 if c is not one we know. */
static int
format_one(struct out *o, struct spec *sp, char c, va_list *ap)
{
	int64_t sv;
	char ch;

	/* A precision on an integer overrides the 0 flag (C99 7.19.6.1). */
	if (c != 'c' && c != 's' && sp->prec >= 0)
		sp->flags &= ~F_ZERO;
	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(sp, ap);
		format_number(o, sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv,
		    sv < 0, 10, 0);
		return 1;
	case 'u':
		format_number(o, sp, arg_unsigned(sp, ap), 0, 10, 0);
		return 1;
	case 'x':
	case 'X':
		format_number(o, sp, arg_unsigned(sp, ap), 0, 16, c == 'X');
		return 1;
	case 'o':
		format_number(o, sp, arg_unsigned(sp, ap), 0, 8, 0);
		return 1;
	case 'p':
		sp->flags |= F_ALT;
		format_number(o, sp, (uintptr_t)va_arg(*ap, void *), 0, 16, 0);
		return 1;
	case 'c':
		ch = (char)va_arg(*ap, int);
		out_field(o, sp, "", 0, &ch, 1);
		return 1;
	case 's':
		format_string(o, sp, va_arg(*ap, const char *));
		return 1;
	case '%':
		out_char(o, '%');
		return 1;
	}
	return 0;
}

static void
format(struct out *o, const char *fmt, va_list ap)
{
	struct spec sp;
	const char *start, *f = fmt;
	va_list aq;

	/* Work on a copy so that helpers can take its address portably. */
	va_copy(aq, ap);
	while (*f != '\0') {
		if (*f != '%') {
			out_char(o, *f++);
			continue;
		}
		start = f;
		f = parse_spec(f + 1, &sp, &aq);
		if (*f != '\0' && format_one(o, &sp, *f, &aq)) {
			f++;
			continue;
		}
		/* Unknown or truncated conversion: copy it verbatim. */
		if (*f != '\0')
			f++;
		out_str(o, start, (size_t)(f - start));
	}
	va_end(aq);
}

static int
clamp_int(size_t n)
{
	return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0, 0, NULL };

	format(&o, fmt, ap);
	if (size > 0)
		buf[o.pos] = '\0';
	return clamp_int(o.total);
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int
vprintf(const char *fmt, va_list ap)
{
	char buf[128];
	struct out o = { buf, sizeof(buf), 0, 0, uk_console_write };

	format(&o, fmt, ap);
	if (o.pos > 0)
		uk_console_write(buf, o.pos);
	return clamp_int(o.total);
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
