/* test_http.c -- unit tests of httpd's request parser and its site */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "httpd.h"

/* snprintf's module also holds printf; nothing here may print. */
void
uk_console_write(const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	fail_msg("unexpected console output");
}

static int
parse(const char *s, struct http_req *r)
{
	return http_parse(s, strlen(s), r);
}

static void
test_get_head_and_keepalive_defaults(void **state)
{
	struct http_req r;
	/* 38 bytes of head, then the start of a pipelined request */
	const char *g = "GET /big.bin?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /";

	(void)state;
	assert_int_equal(parse(g, &r), 38);
	assert_int_equal(r.method, HTTP_GET);
	assert_string_equal(r.path, "/big.bin");
	assert_int_equal(r.keepalive, 1);
	assert_true(parse("HEAD / HTTP/1.0\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, HTTP_HEAD);
	assert_int_equal(r.keepalive, 0);
	assert_true(parse("GET / HTTP/1.0\r\nCONNECTION: Keep-Alive\r\n\r\n",
			&r) > 0);
	assert_int_equal(r.keepalive, 1);
	assert_true(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r) >
	    0);
	assert_int_equal(r.keepalive, 0);
	assert_true(parse("POST / HTTP/1.1\r\n\r\n", &r) > 0);
	assert_int_equal(r.method, HTTP_OTHER);
}

static void
test_incomplete_and_malformed_requests(void **state)
{
	struct http_req r;
	char longline[1100];

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r), 0);
	assert_int_equal(parse("GET / HT", &r), 0);
	assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n", &r), -1);
	assert_int_equal(parse("GET nopath HTTP/1.1\r\n\r\n", &r), -1);
	assert_int_equal(parse("GET\r\n\r\n", &r), -1);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(parse(longline, &r), -1);
}

static void
test_big_file_content_is_deterministic(void **state)
{
	const struct site_file *f = site_find("/big.bin");
	uint8_t buf[16];

	(void)state;
	assert_non_null(f);
	assert_int_equal(f->len, 1048576);
	site_read(f, 1000, buf, sizeof(buf));
	assert_int_equal(buf[0], (1000 * 7 + 3) & 0xff);
	assert_int_equal(buf[15], (1015 * 7 + 3) & 0xff);
	assert_ptr_equal(site_find("/"), site_find("/index.html"));
	assert_null(site_find("/nope"));
}

static void
test_response_head(void **state)
{
	char out[256];
	size_t n;

	(void)state;
	n = http_head(out, sizeof(out), 404, "text/plain", 0, 1);
	assert_true(n > 0);
	assert_string_equal(out,
	    "HTTP/1.1 404 Not Found\r\nServer: jitsu-uk\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 0\r\n"
	    "Connection: keep-alive\r\n\r\n");
	assert_int_equal(http_head(out, 20, 200, "text/html", 5, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_head_and_keepalive_defaults),
		cmocka_unit_test(test_incomplete_and_malformed_requests),
		cmocka_unit_test(test_big_file_content_is_deterministic),
		cmocka_unit_test(test_response_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
