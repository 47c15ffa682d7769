/* site.c -- the compiled-in site and the generated /big.bin */
#include "httpd.h"

/*
 * /big.bin is 1 MiB whose byte i is (i * 7 + 3) & 0xff: generated as it
 * is sent, so it costs no image space, and a client can check it.
 */

#define BIG_LEN (1024 * 1024)

static const char index_html[] =
    "<!DOCTYPE html>\n<html><head><title>jitsu unikernel</title>"
    "<link rel=\"stylesheet\" href=\"/style.css\"></head>\n"
    "<body><h1>Hello from a jitsu unikernel</h1>\n"
    "<p>Served by the libOS's own TCP/IP stack.</p>\n"
    "<p><a href=\"/big.bin\">1 MiB test file</a></p></body></html>\n";

static const char style_css[] =
    "body { font-family: sans-serif; margin: 2em; }\n";

static const struct site_file files[] = {
	{ "/index.html", "text/html", index_html, sizeof(index_html) - 1 },
	{ "/style.css", "text/css", style_css, sizeof(style_css) - 1 },
	{ "/big.bin", "application/octet-stream", NULL, BIG_LEN },
};

const struct site_file *
site_find(const char *path)
{
	size_t i;

	if (strcmp(path, "/") == 0)
		return &files[0];
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(path, files[i].path) == 0)
			return &files[i];
	return NULL;
}

void
site_read(const struct site_file *f, size_t off, uint8_t *buf, size_t len)
{
	size_t i;

	if (f->data != NULL) {
		memcpy(buf, f->data + off, len);
		return;
	}
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(((off + i) * 7 + 3) & 0xff);
}
