/* test_xs_wire.c -- unit tests of XenStore message encoding and decoding */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "xenplat.h"

static struct xsd_sockmsg
header_of(const char *buf)
{
	struct xsd_sockmsg h;

	memcpy(&h, buf, sizeof(h));
	return h;
}

static void
test_encode_read(void **state)
{
	const char *strs[] = { "data/x" };
	char buf[64];
	struct xsd_sockmsg h;

	(void)state;
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_READ, 7, 0, strs, 1, 1),
	    16 + 7);
	h = header_of(buf);
	assert_int_equal(h.type, XS_READ);
	assert_int_equal(h.req_id, 7);
	assert_int_equal(h.tx_id, 0);
	assert_int_equal(h.len, 7);
	assert_memory_equal(buf + 16, "data/x\0", 7);
}

static void
test_encode_write_value_has_no_nul(void **state)
{
	const char *strs[] = { "a", "val" };
	char buf[64];

	(void)state;
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_WRITE, 1, 0, strs, 2,
			     0),
	    16 + 5);
	assert_int_equal(header_of(buf).len, 5);
	assert_memory_equal(buf + 16, "a\0val", 5);
}

static void
test_encode_watch_two_strings(void **state)
{
	const char *strs[] = { "p", "tok" };
	char buf[64];

	(void)state;
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_WATCH, 2, 0, strs, 2,
			     1),
	    16 + 6);
	assert_memory_equal(buf + 16, "p\0tok\0", 6);
}

static void
test_encode_too_big(void **state)
{
	static char path[XENSTORE_PAYLOAD_MAX + 1];
	static char buf[16 + XENSTORE_PAYLOAD_MAX + 8];
	const char *strs[] = { path };

	(void)state;
	memset(path, 'p', XENSTORE_PAYLOAD_MAX);
	path[XENSTORE_PAYLOAD_MAX] = '\0';
	/* 4096 bytes plus the NUL: one over the protocol's limit. */
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_READ, 1, 0, strs, 1, 1),
	    -UK_E2BIG);
	path[XENSTORE_PAYLOAD_MAX - 1] = '\0';
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_READ, 1, 0, strs, 1, 1),
	    16 + XENSTORE_PAYLOAD_MAX);
	/* Within the protocol but not the caller's buffer. */
	assert_int_equal(xs_encode(buf, 20, XS_READ, 1, 0, strs, 1, 1),
	    -UK_E2BIG);
}

static void
test_encode_carries_the_transaction_id(void **state)
{
	const char *strs[] = { "data/x", "v" };
	char buf[64];
	struct xsd_sockmsg h;

	(void)state;
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_WRITE, 9, 0xfffffffeu,
			     strs, 2, 0),
	    16 + 8);
	h = header_of(buf);
	assert_int_equal(h.type, XS_WRITE);
	assert_int_equal(h.req_id, 9);
	assert_int_equal(h.tx_id, 0xfffffffeu);
	assert_memory_equal(buf + 16, "data/x\0v", 8);
}

static void
test_encode_transaction_start_and_end(void **state)
{
	const char *start[] = { "" }, *commit[] = { "T" }, *abort[] = { "F" };
	char buf[64];

	(void)state;
	/* Start: one empty string, its NUL the whole payload; no tx yet. */
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_TRANSACTION_START, 4, 0,
			     start, 1, 1),
	    16 + 1);
	assert_int_equal(header_of(buf).type, XS_TRANSACTION_START);
	assert_int_equal(header_of(buf).tx_id, 0);
	assert_int_equal(header_of(buf).len, 1);
	assert_int_equal(buf[16], '\0');
	/* End: "T" commits, "F" aborts, in the transaction's own header. */
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_TRANSACTION_END, 5, 17,
			     commit, 1, 1),
	    16 + 2);
	assert_int_equal(header_of(buf).tx_id, 17);
	assert_memory_equal(buf + 16, "T\0", 2);
	assert_int_equal(xs_encode(buf, sizeof(buf), XS_TRANSACTION_END, 6, 17,
			     abort, 1, 1),
	    16 + 2);
	assert_memory_equal(buf + 16, "F\0", 2);
}

static void
test_transaction_id_reply_is_checked(void **state)
{
	uint32_t tx = 99;

	(void)state;
	assert_int_equal(xs_tx_id("17", 3, &tx), 0);
	assert_int_equal(tx, 17);
	assert_int_equal(xs_tx_id("4294967295", 11, &tx), 0);
	assert_int_equal(tx, 4294967295u);
	tx = 99;
	assert_int_equal(xs_tx_id("4294967296", 11, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("12345678901", 12, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("0", 2, &tx), -UK_EBADMSG); /* no tx */
	assert_int_equal(xs_tx_id("017", 4, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("", 1, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("", 0, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("17", 2, &tx), -UK_EBADMSG); /* no NUL */
	assert_int_equal(xs_tx_id("1x", 3, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id("-1", 3, &tx), -UK_EBADMSG);
	assert_int_equal(xs_tx_id(" 1", 3, &tx), -UK_EBADMSG);
	assert_int_equal(tx, 99); /* untouched on error */
	/* Whatever follows the NUL is not looked at. */
	assert_int_equal(xs_tx_id("8\0junk", 7, &tx), 0);
	assert_int_equal(tx, 8);
}

static void
test_decode_header_checks(void **state)
{
	struct xsd_sockmsg in = { XS_READ, 3, 0, 10 }, out;
	char raw[16];

	(void)state;
	memcpy(raw, &in, sizeof(raw));
	assert_int_equal(xs_decode_header(raw, &out), 0);
	assert_int_equal(out.req_id, 3);
	assert_int_equal(out.len, 10);
	in.len = XENSTORE_PAYLOAD_MAX + 1;
	memcpy(raw, &in, sizeof(raw));
	assert_int_equal(xs_decode_header(raw, &out), -UK_EBADMSG);
	in.len = 0;
	in.type = XS_TYPE_COUNT;
	memcpy(raw, &in, sizeof(raw));
	assert_int_equal(xs_decode_header(raw, &out), -UK_EBADMSG);
}

static void
test_error_names(void **state)
{
	(void)state;
	assert_int_equal(xs_errno("ENOENT", 7), UK_ENOENT);
	assert_int_equal(xs_errno("EACCES", 6), UK_EACCES); /* no NUL */
	assert_int_equal(xs_errno("EQUOTA", 7), UK_EDQUOT);
	assert_int_equal(xs_errno("ENOENTX", 8), UK_EIO);
	assert_int_equal(xs_errno("", 0), UK_EIO);
}

static void
test_watch_event_split(void **state)
{
	const char *path, *token;

	(void)state;
	assert_int_equal(xs_watch_event("a/b\0uk10\0", 9, &path, &token), 0);
	assert_string_equal(path, "a/b");
	assert_string_equal(token, "uk10");
	assert_int_equal(xs_watch_event("a/b\0uk10", 8, &path, &token),
	    -UK_EBADMSG);
	assert_int_equal(xs_watch_event("a/b", 3, &path, &token), -UK_EBADMSG);
	assert_int_equal(xs_watch_event("", 0, &path, &token), -UK_EBADMSG);
}

static void
test_directory_count(void **state)
{
	(void)state;
	assert_int_equal(xs_directory_count("", 0), 0);
	assert_int_equal(xs_directory_count("a\0bc\0", 5), 2);
	assert_int_equal(xs_directory_count("a\0bc", 4), -UK_EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_read),
		cmocka_unit_test(test_encode_write_value_has_no_nul),
		cmocka_unit_test(test_encode_watch_two_strings),
		cmocka_unit_test(test_encode_too_big),
		cmocka_unit_test(test_encode_carries_the_transaction_id),
		cmocka_unit_test(test_encode_transaction_start_and_end),
		cmocka_unit_test(test_transaction_id_reply_is_checked),
		cmocka_unit_test(test_decode_header_checks),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_watch_event_split),
		cmocka_unit_test(test_directory_count),
	};

	return cmocka_run_group_tests_name("xs_wire", tests, NULL, NULL);
}
