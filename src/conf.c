/* conf.c -- read jitsud.conf(5): listen addresses, zones, forwarder, socket */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"

#define CONF_LINE_MAX  4096
#define CONF_WORDS_MAX 8
#define DNS_PORT       53

struct conf_line {
	const char *path;
	int	    lineno;
	char	   *word[CONF_WORDS_MAX];
	int	    nwords;
	char	    buf[CONF_LINE_MAX];
};

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->control, CONF_DEFAULT_CONTROL);
	strcpy(c->vif_script, CONF_DEFAULT_VIF_SCRIPT);
	strcpy(c->statedir, CONF_DEFAULT_STATEDIR);
	strcpy(c->imagedir, CONF_DEFAULT_IMAGEDIR);
	c->backend = CONF_BACKEND_XEN;
	c->vif_plug = CONF_VIF_INLINE;
	c->shells = CONF_SHELLS_DEFAULT;
	c->shell_mib = CONF_SHELL_MIB_DEFAULT;
	c->shell_vif = CONF_SHELL_VIF_AHEAD;
	c->shell_ram = CONF_SHELL_RAM_AHEAD;
	c->shell_store = CONF_SHELL_STORE_AHEAD;
	c->tcp_timeout_ms = CONF_TCP_TIMEOUT_MS;
	c->rrl.rate = RRL_RATE_DEFAULT;
	c->rrl.slip = RRL_SLIP_DEFAULT;
	c->rrl.ipv4_prefix = RRL_IPV4_PREFIX_DEFAULT;
	c->rrl.ipv6_prefix = RRL_IPV6_PREFIX_DEFAULT;
}

void
conf_clear(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nzones; i++)
		free(c->zones[i]);
	conf_init(c);
}

int
conf_addr_parse(const char *addr, unsigned int port, struct conf_addr *a)
{
	struct sockaddr_in  *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(&a->ss, 0, sizeof(a->ss));
	if (port > 65535)
		return -1;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/*
 * Split a line into words: blanks separate, '#' starts a comment, and a
 * "double-quoted" word may hold blanks and '#'.  Returns -1 with an error
 * added for an unterminated quote or too many words.
 */
static int
conf_split(struct conf_line *l, struct errors *errs)
{
	char *p = l->buf, *w;

	l->nwords = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		if (l->nwords == CONF_WORDS_MAX) {
			errors_add(errs, l->path, l->lineno, "too many words");
			return -1;
		}
		if (*p == '"') {
			w = ++p;
			while (*p != '"' && *p != '\0')
				p++;
			if (*p != '"') {
				errors_add(errs, l->path, l->lineno,
				    "unterminated quoted string");
				return -1;
			}
		} else {
			w = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\r' && *p != '\n' && *p != '#')
				p++;
		}
		l->word[l->nwords++] = w;
		if (*p == '#') {
			*p = '\0';
			return 0;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

/* A port number word, 1..65535; -1 if it is not one. */
static long
conf_port(const char *s)
{
	char *end;
	long  v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return v;
}

/*
 * ADDRESS [port N] starting at word i; the words the form takes must be
 * all the line has.
 */
int
conf_addr_same(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

static int
conf_addr_words(struct conf_line *l, int i, struct conf_addr *a,
    struct errors *errs)
{
	long port = DNS_PORT;

	if (i >= l->nwords) {
		errors_add(errs, l->path, l->lineno, "missing address");
		return -1;
	}
	if (l->nwords == i + 3 && strcmp(l->word[i + 1], "port") == 0) {
		if ((port = conf_port(l->word[i + 2])) < 0) {
			errors_add(errs, l->path, l->lineno,
			    "bad port '%s': want 1 to 65535", l->word[i + 2]);
			return -1;
		}
	} else if (l->nwords != i + 1) {
		errors_add(errs, l->path, l->lineno,
		    "unexpected '%s': want ADDRESS [port N]", l->word[i + 1]);
		return -1;
	}
	if (conf_addr_parse(l->word[i], (unsigned int)port, a) == -1) {
		errors_add(errs, l->path, l->lineno,
		    "bad address '%s': want an IPv4 or IPv6 literal",
		    l->word[i]);
		return -1;
	}
	a->line = l->lineno;
	return 0;
}

static int
conf_listen(struct conf *c, struct conf_line *l, struct errors *errs)
{
	size_t i;

	if (l->nwords < 2 || strcmp(l->word[1], "on") != 0) {
		errors_add(errs, l->path, l->lineno,
		    "want: listen on ADDRESS [port N]");
		return -1;
	}
	if (c->nlisten == CONF_LISTEN_MAX) {
		errors_add(errs, l->path, l->lineno,
		    "too many listen addresses (at most %d)", CONF_LISTEN_MAX);
		return -1;
	}
	if (conf_addr_words(l, 2, &c->listen[c->nlisten], errs) == -1)
		return -1;
	/* The second socket would bind beside the first (SO_REUSEPORT)
	 * and the kernel would split the queries between them. */
	for (i = 0; i < c->nlisten; i++)
		if (conf_addr_same(&c->listen[i], &c->listen[c->nlisten])) {
			errors_add(errs, l->path, l->lineno,
			    "the same address and port as line %d",
			    c->listen[i].line);
			return -1;
		}
	c->nlisten++;
	return 0;
}

static int
conf_forwarder(struct conf *c, struct conf_line *l, struct errors *errs)
{
	if (c->has_forwarder) {
		errors_add(errs, l->path, l->lineno,
		    "forwarder given twice (first at line %d)",
		    c->forwarder.line);
		return -1;
	}
	if (conf_addr_words(l, 1, &c->forwarder, errs) == -1)
		return -1;
	c->has_forwarder = 1;
	return 0;
}

static int
conf_control(struct conf *c, struct conf_line *l, struct errors *errs)
{
	if (l->nwords != 3 || strcmp(l->word[1], "socket") != 0) {
		errors_add(errs, l->path, l->lineno,
		    "want: control socket PATH");
		return -1;
	}
	if (strlen(l->word[2]) >= CONF_SOCKET_MAX || l->word[2][0] != '/') {
		errors_add(errs, l->path, l->lineno,
		    "control socket must be an absolute path shorter than %d"
		    " bytes",
		    CONF_SOCKET_MAX);
		return -1;
	}
	strcpy(c->control, l->word[2]);
	return 0;
}

/*
 * "KEYWORD N" with N from lo to hi into *n; else an error saying what
 * the keyword wants ("want: builders N, from 1 to 16").
 */
static int
conf_number(struct conf_line *l, long lo, long hi, const char *want, long *n,
    struct errors *errs)
{
	char *end = NULL;

	*n = lo - 1;
	if (l->nwords == 2)
		*n = strtol(l->word[1], &end, 10);
	if (l->nwords != 2 || *end != '\0' || *n < lo || *n > hi) {
		errors_add(errs, l->path, l->lineno,
		    "want: %s %s, from %ld to %ld", l->word[0], want, lo, hi);
		return -1;
	}
	return 0;
}

/* "builders N": the Xen backend's builder threads (xl.c). */
static int
conf_builders(struct conf *c, struct conf_line *l, struct errors *errs)
{
	long n;

	if (conf_number(l, 1, CONF_BUILDERS_MAX, "N", &n, errs) == -1)
		return -1;
	c->builders = (int)n;
	return 0;
}

/* "shells N": domain shells each builder keeps ready per shape (xlp.c). */
static int
conf_shells(struct conf *c, struct conf_line *l, struct errors *errs)
{
	long n;

	if (conf_number(l, 0, CONF_SHELLS_MAX, "N (0: none)", &n, errs) == -1)
		return -1;
	if (n > 0 && !JITSUD_X86) {
		errors_add(errs, l->path, l->lineno,
		    "shells: domain shells are x86 PVH domains; on ARM "
		    "libxl builds every guest (shells 0)");
		return -1;
	}
	c->shells = (int)n;
	return 0;
}

/* "shell-memory MiB": what one builder's shells may hold in all. */
static int
conf_shell_memory(struct conf *c, struct conf_line *l, struct errors *errs)
{
	long n;

	if (conf_number(l, 1, 65536, "MiB", &n, errs) == -1)
		return -1;
	c->shell_mib = (uint32_t)n;
	return 0;
}

/* "metrics listen on ADDRESS port N": the HTTP endpoint (metrics_http.c). */
static int
conf_metrics(struct conf *c, struct conf_line *l, struct errors *errs)
{
	if (l->nwords != 6 || strcmp(l->word[1], "listen") != 0 ||
	    strcmp(l->word[2], "on") != 0 || strcmp(l->word[4], "port") != 0) {
		errors_add(errs, l->path, l->lineno,
		    "want: metrics listen on ADDRESS port N");
		return -1;
	}
	if (c->has_metrics) {
		errors_add(errs, l->path, l->lineno,
		    "metrics given twice (first at line %d)", c->metrics.line);
		return -1;
	}
	if (conf_addr_words(l, 3, &c->metrics, errs) == -1)
		return -1;
	c->has_metrics = 1;
	return 0;
}

/* "tcp-timeout SECONDS": a DNS TCP client's deadline (server.c). */
static int
conf_tcp_timeout(struct conf *c, struct conf_line *l, struct errors *errs)
{
	long n;

	if (conf_number(l, 1, 3600, "SECONDS", &n, errs) == -1)
		return -1;
	c->tcp_timeout_ms = (uint64_t)n * 1000;
	return 0;
}

/*
 * "rate-limit N", "rate-limit slip N", "rate-limit ipv4-prefix N",
 * "rate-limit ipv6-prefix N": response rate limiting (rrl.c).
 */
static int
conf_rate_limit(struct conf *c, struct conf_line *l, struct errors *errs)
{
	static const struct {
		const char *word, *want;
		long	    hi;
	} form[] = {
		{ NULL, "N (0: off)", RRL_RATE_MAX },
		{ "slip", "slip N (0: never)", RRL_SLIP_MAX },
		{ "ipv4-prefix", "ipv4-prefix BITS", 32 },
		{ "ipv6-prefix", "ipv6-prefix BITS", 128 },
	};
	uint32_t   *field[] = { &c->rrl.rate, &c->rrl.slip, &c->rrl.ipv4_prefix,
		  &c->rrl.ipv6_prefix };
	const char *num = l->word[l->nwords - 1];
	char	   *end;
	long	    n;
	size_t	    i;

	for (i = 0; i < sizeof(form) / sizeof(form[0]); i++)
		if (form[i].word == NULL ?
			l->nwords == 2 :
			l->nwords == 3 && strcmp(l->word[1], form[i].word) == 0)
			break;
	if (i == sizeof(form) / sizeof(form[0])) {
		errors_add(errs, l->path, l->lineno,
		    "want: rate-limit N | slip N | ipv4-prefix BITS | "
		    "ipv6-prefix BITS");
		return -1;
	}
	n = strtol(num, &end, 10);
	if (*num < '0' || *num > '9' || *end != '\0' || n > form[i].hi) {
		errors_add(errs, l->path, l->lineno,
		    "want: rate-limit %s, from 0 to %ld", form[i].want,
		    form[i].hi);
		return -1;
	}
	*field[i] = (uint32_t)n;
	return 0;
}

/* "KEYWORD VALUE" into a fixed buffer; absolute paths when `abs'. */
static int
conf_string(struct conf_line *l, char *dst, size_t len, int abs,
    struct errors *errs)
{
	if (l->nwords != 2) {
		errors_add(errs, l->path, l->lineno, "want: %s %s", l->word[0],
		    abs ? "PATH" : "NAME");
		return -1;
	}
	if (strlen(l->word[1]) >= len || (abs && l->word[1][0] != '/')) {
		errors_add(errs, l->path, l->lineno,
		    "%s: want %s shorter than %zu bytes", l->word[0],
		    abs ? "an absolute path" : "a name", len);
		return -1;
	}
	strcpy(dst, l->word[1]);
	return 0;
}

static int
conf_store_zone(struct conf *c, const char *path, const char *file, int line,
    struct errors *errs)
{
	size_t i;

	for (i = 0; i < c->nzones; i++) {
		if (strcmp(c->zones[i], path) == 0) {
			errors_add(errs, file, line, "zone file %s given twice",
			    path);
			return -1;
		}
	}
	if (c->nzones == CONF_ZONES_MAX) {
		errors_add(errs, file, line, "too many zones (at most %d)",
		    CONF_ZONES_MAX);
		return -1;
	}
	if ((c->zones[c->nzones] = strdup(path)) == NULL) {
		errors_add(errs, file, line, "out of memory");
		return -1;
	}
	c->nzones++;
	return 0;
}

int
conf_add_zone(struct conf *c, const char *path, struct errors *errs)
{
	return conf_store_zone(c, path, path, 0, errs);
}

/* "zone PATH": relative paths are relative to the folder of the file. */
static int
conf_zone(struct conf *c, struct conf_line *l, struct errors *errs)
{
	char	    full[PATH_MAX];
	const char *slash;
	int	    n;

	if (l->nwords != 2) {
		errors_add(errs, l->path, l->lineno, "want: zone PATH");
		return -1;
	}
	slash = strrchr(l->path, '/');
	if (l->word[1][0] == '/' || slash == NULL)
		n = snprintf(full, sizeof(full), "%s", l->word[1]);
	else
		n = snprintf(full, sizeof(full), "%.*s/%s",
		    (int)(slash - l->path), l->path, l->word[1]);
	if (n < 0 || (size_t)n >= sizeof(full)) {
		errors_add(errs, l->path, l->lineno, "zone path too long");
		return -1;
	}
	return conf_store_zone(c, full, l->path, l->lineno, errs);
}

/*
 * "KEYWORD A | B": *out = va or vb; else an error naming both ("want:
 * vif-plug inline | script").  Every two-way keyword: backend, vif-plug,
 * shell-vif, shell-ram, shell-store.
 */
static int
conf_either(struct conf_line *l, struct errors *errs, const char *a, int va,
    const char *b, int vb, int *out)
{
	if (l->nwords == 2 && strcmp(l->word[1], a) == 0)
		*out = va;
	else if (l->nwords == 2 && strcmp(l->word[1], b) == 0)
		*out = vb;
	else {
		errors_add(errs, l->path, l->lineno, "want: %s %s | %s",
		    l->word[0], a, b);
		return -1;
	}
	return 0;
}

static int
conf_line(struct conf *c, struct conf_line *l, struct errors *errs)
{
	const char *kw;
	int	    v;

	if (conf_split(l, errs) == -1)
		return -1;
	if (l->nwords == 0)
		return 0;
	kw = l->word[0];
	if (strcmp(kw, "listen") == 0)
		return conf_listen(c, l, errs);
	if (strcmp(kw, "zone") == 0)
		return conf_zone(c, l, errs);
	if (strcmp(kw, "forwarder") == 0)
		return conf_forwarder(c, l, errs);
	if (strcmp(kw, "control") == 0)
		return conf_control(c, l, errs);
	if (strcmp(kw, "backend") == 0) {
		if (conf_either(l, errs, "xen", CONF_BACKEND_XEN, "process",
			CONF_BACKEND_PROCESS, &v) == -1)
			return -1;
		c->backend = (enum conf_backend)v;
		return 0;
	}
	if (strcmp(kw, "vif-plug") == 0) {
		if (conf_either(l, errs, "inline", CONF_VIF_INLINE, "script",
			CONF_VIF_SCRIPT, &v) == -1)
			return -1;
		c->vif_plug = (enum conf_vif)v;
		return 0;
	}
	if (strcmp(kw, "builders") == 0)
		return conf_builders(c, l, errs);
	if (strcmp(kw, "shells") == 0)
		return conf_shells(c, l, errs);
	/* A shell's vif connected ahead, its RAM populated ahead, xenstored
	 * told of it ahead (xls.c). */
	if (strcmp(kw, "shell-vif") == 0)
		return conf_either(l, errs, "connected", CONF_SHELL_VIF_AHEAD,
		    "plain", CONF_SHELL_VIF_PLAIN, &c->shell_vif);
	if (strcmp(kw, "shell-ram") == 0)
		return conf_either(l, errs, "populated", CONF_SHELL_RAM_AHEAD,
		    "empty", CONF_SHELL_RAM_FILL, &c->shell_ram);
	if (strcmp(kw, "shell-store") == 0)
		return conf_either(l, errs, "introduced",
		    CONF_SHELL_STORE_AHEAD, "at-fill", CONF_SHELL_STORE_FILL,
		    &c->shell_store);
	if (strcmp(kw, "shell-memory") == 0)
		return conf_shell_memory(c, l, errs);
	if (strcmp(kw, "tcp-timeout") == 0)
		return conf_tcp_timeout(c, l, errs);
	if (strcmp(kw, "metrics") == 0)
		return conf_metrics(c, l, errs);
	if (strcmp(kw, "rate-limit") == 0)
		return conf_rate_limit(c, l, errs);
	if (strcmp(kw, "vif-script") == 0)
		return conf_string(l, c->vif_script, sizeof(c->vif_script), 0,
		    errs);
	if (strcmp(kw, "state-dir") == 0)
		return conf_string(l, c->statedir, sizeof(c->statedir), 1,
		    errs);
	if (strcmp(kw, "image-cache") == 0) {
		if (l->nwords == 2 && strcmp(l->word[1], "off") == 0) {
			c->imagedir[0] = '\0';
			return 0;
		}
		return conf_string(l, c->imagedir, sizeof(c->imagedir), 1,
		    errs);
	}
	errors_add(errs, l->path, l->lineno, "unknown keyword '%s'", kw);
	return -1;
}

int
conf_parse(struct conf *c, const char *path, struct errors *errs)
{
	struct conf_line l;
	FILE		*fp;
	size_t		 first = errs->count, len;

	if ((fp = fopen(path, "r")) == NULL) {
		errors_add(errs, path, 0, "%s", strerror(errno));
		return 1;
	}
	memset(&l, 0, sizeof(l));
	l.path = path;
	while (fgets(l.buf, sizeof(l.buf), fp) != NULL) {
		l.lineno++;
		len = strlen(l.buf);
		if (len == sizeof(l.buf) - 1 && l.buf[len - 1] != '\n') {
			errors_add(errs, path, l.lineno, "line too long");
			break;
		}
		conf_line(c, &l, errs);
	}
	if (ferror(fp))
		errors_add(errs, path, 0, "read error");
	fclose(fp);
	return (int)(errs->count - first);
}

void
conf_finish(struct conf *c)
{
	if (c->nlisten > 0)
		return;
	conf_addr_parse("0.0.0.0", DNS_PORT, &c->listen[0]);
	conf_addr_parse("::", DNS_PORT, &c->listen[1]);
	c->nlisten = 2;
}
