/* httpd.h -- the httpd app: request parsing and the compiled-in site */
#ifndef HTTPD_H
#define HTTPD_H

#include "uk.h"

/* http.c -- pure HTTP/1.x request parsing and response heads */

enum { HTTP_GET = 1, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	int method;
	char path[256];
	int keepalive; /* 1.1 unless "close"; 1.0 only if asked */
};

/*
 * Parses the request head at the start of buf (len bytes).  Returns its
 * length including the blank line, 0 if it is not complete yet, -1 if
 * it is malformed (or a request line or path too long).
 */
int http_parse(const char *buf, size_t len, struct http_req *r);
/* Formats a response head; returns its length, or 0 if cap is too small. */
size_t http_head(char *out, size_t cap, int status, const char *ctype,
    size_t clen, int keepalive);

/* site.c -- the content */

struct site_file {
	const char *path;
	const char *ctype;
	const char *data; /* NULL: generated (big.bin) */
	size_t len;
};

/* The file for path ("/" is /index.html), or NULL. */
const struct site_file *site_find(const char *path);
/* Copies len bytes of f from offset off into buf. */
void site_read(const struct site_file *f, size_t off, uint8_t *buf, size_t len);

#endif /* HTTPD_H */
