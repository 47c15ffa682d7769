/* http.c -- HTTP/1.x request heads in, response heads out (pure) */
#include "httpd.h"

static const char *
find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* Case-insensitive prefix match of a header name with its colon. */
static int
header_is(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name), i;
	char c;

	if ((size_t)(end - line) <= n || line[n] != ':')
		return 0;
	for (i = 0; i < n; i++) {
		c = line[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return 0;
	}
	return 1;
}

static int
value_has(const char *v, const char *end, const char *word)
{
	size_t n = strlen(word), i;
	char c;

	for (; v + n <= end; v++) {
		for (i = 0; i < n; i++) {
			c = v[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != word[i])
				break;
		}
		if (i == n)
			return 1;
	}
	return 0;
}

/* "GET /path HTTP/1.1" */
static int
request_line(const char *p, const char *end, struct http_req *r)
{
	const char *sp1, *sp2;
	size_t plen;
	char *q;

	sp1 = memchr(p, ' ', (size_t)(end - p));
	if (sp1 == NULL)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (sp2 == NULL || (size_t)(end - sp2 - 1) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -1;
	plen = (size_t)(sp2 - sp1 - 1);
	if (plen == 0 || plen >= sizeof(r->path) || sp1[1] != '/')
		return -1;
	if (sp1 - p == 3 && memcmp(p, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	memcpy(r->path, sp1 + 1, plen);
	r->path[plen] = '\0';
	/* The query names no other file here. */
	if ((q = strchr(r->path, '?')) != NULL)
		*q = '\0';
	r->keepalive = sp2[8] == '1';
	return 0;
}

int
http_parse(const char *buf, size_t len, struct http_req *r)
{
	const char *p = buf, *end = buf + len, *eol;

	if ((eol = find_crlf(p, end)) == NULL)
		return len > 1024 ? -1 : 0;
	if (request_line(p, eol, r) != 0)
		return -1;
	for (p = eol + 2; (eol = find_crlf(p, end)) != NULL; p = eol + 2) {
		if (eol == p)
			return (int)(eol + 2 - buf);
		if (header_is(p, eol, "connection")) {
			if (value_has(p + 11, eol, "close"))
				r->keepalive = 0;
			else if (value_has(p + 11, eol, "keep-alive"))
				r->keepalive = 1;
		}
	}
	return 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	default:
		return "Not Implemented";
	}
}

size_t
http_head(char *out, size_t cap, int status, const char *ctype, size_t clen,
    int keepalive)
{
	int n;

	n = snprintf(out, cap,
	    "HTTP/1.1 %d %s\r\nServer: jitsu-uk\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
	    status, reason(status), ctype, clen,
	    keepalive ? "keep-alive" : "close");
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
