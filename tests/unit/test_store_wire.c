/* test_store_wire.c -- store_wire.c: XenStore's wire protocol, a batch at a time */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <xen/io/xs_wire.h>

#include "fakexsd.h"
#include "store_int.h"

static void
test_write_is_the_path_its_nul_and_the_value(void **state)
{
	struct store_req  r = { .type = STORE_REQ_WRITE,
		 .path = "/local/domain/7/name",
		 .value = "www" };
	static const char pl[] = "/local/domain/7/name\0www";
	char		  got[128], want[128];
	size_t		  n;

	(void)state;
	n = fxd_msg(want, XS_WRITE, 5, 9, pl, sizeof(pl) - 1);
	assert_int_equal(store_wire_encode(&r, 5, 9, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
}

static void
test_perms_are_a_letter_and_a_domid_each(void **state)
{
	struct store_req  r = { .type = STORE_REQ_PERMS,
		 .path = "/p",
		 .perms = { { 0, 'n' }, { 12, 'r' } },
		 .nperms = 2 };
	static const char pl[] = "/p\0n0\0r12";
	char		  got[128], want[128];
	size_t		  n;

	(void)state;
	n = fxd_msg(want, XS_SET_PERMS, 1, 0, pl, sizeof(pl));
	assert_int_equal(store_wire_encode(&r, 1, 0, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
}

static void
test_rm_and_mkdir_are_the_path_alone(void **state)
{
	struct store_req rm = { .type = STORE_REQ_RM, .path = "/a" };
	struct store_req mk = { .type = STORE_REQ_MKDIR, .path = "/a" };
	char		 got[64], want[64];
	size_t		 n;

	(void)state;
	n = fxd_msg(want, XS_RM, 2, 3, "/a", 3);
	assert_int_equal(store_wire_encode(&rm, 2, 3, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
	n = fxd_msg(want, XS_MKDIR, 2, 3, "/a", 3);
	assert_int_equal(store_wire_encode(&mk, 2, 3, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
}

static void
test_what_cannot_be_sent_is_refused(void **state)
{
	static char	 big[XENSTORE_PAYLOAD_MAX + 2];
	static char	 buf[XENSTORE_PAYLOAD_MAX * 2];
	struct store_req r = { .type = STORE_REQ_WRITE, .path = "/a" };
	struct store_req p = { .type = STORE_REQ_PERMS,
		.path = "/a",
		.perms = { { 0, 'x' } },
		.nperms = 1 };

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	r.value = big;
	assert_int_equal(store_wire_encode(&r, 1, 0, buf, sizeof(buf)), -1);
	r.value = "v";
	assert_int_equal(store_wire_encode(&r, 1, 0, buf, 19), -1);
	assert_int_equal(store_wire_encode(&p, 1, 0, buf, sizeof(buf)), -1);
	p.perms[0].perm = '\0';
	assert_int_equal(store_wire_encode(&p, 1, 0, buf, sizeof(buf)), -1);
	p.nperms = 0;
	assert_int_equal(store_wire_encode(&p, 1, 0, buf, sizeof(buf)), -1);
}

static void
test_error_replies_name_their_errno(void **state)
{
	(void)state;
	assert_int_equal(store_wire_errno("ENOENT", 7), ENOENT);
	assert_int_equal(store_wire_errno("EAGAIN", 6), EAGAIN);
	assert_int_equal(store_wire_errno("EACCES", 7), EACCES);
	assert_int_equal(store_wire_errno("ENO", 4), EIO);
	assert_int_equal(store_wire_errno("", 0), EIO);
}

static struct store_wire *
fx_start(void)
{
	const char	  *path;
	struct store_wire *w;

	assert_non_null(path = fxd_start());
	assert_non_null(w = store_wire_open(path));
	return w;
}

static void
fx_stop(struct store_wire *w)
{
	store_wire_close(w);
	fxd_stop();
}

static int
setup(void **state)
{
	(void)state;
	memset(&fxd, 0, sizeof(fxd));
	return 0;
}

static void
batch_add(struct store_batch *b, enum store_req_type t, const char *path,
    const char *value)
{
	b->req[b->n].type = t;
	b->req[b->n].path = path;
	b->req[b->n].value = value;
	b->n++;
}

/*
 * Without a transaction the writes go out back to back: the fake reads
 * both before it answers either.
 */
static void
test_a_batch_is_sent_before_any_reply_is_read(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fxd.ph[0].nread = 2;
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/d/a", "1");
	batch_add(&b, STORE_REQ_WRITE, "/d/count", "1");
	assert_int_equal(store_wire_run(w, &b, 0), 0);
	fx_stop(w);
	assert_string_equal(fxd.log, "11/1/0:/d/a|1;11/2/0:/d/count|1;");
}

/*
 * In a transaction: its start first, alone (its reply names it), then
 * the requests under its id, then its end; a removal of nothing is no
 * error; a conflict at the end is EAGAIN, and the next run works.
 */
static void
test_a_transaction_starts_alone_then_sends_the_rest_at_once(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fxd.ph[0] = (struct fxd_phase){ 1, { "=42" } };
	fxd.ph[1] = (struct fxd_phase){ 3, { "", "!ENOENT", "" } };
	fxd.ph[2] = (struct fxd_phase){ 1, { "!EAGAIN" } };
	fxd.ph[3] = (struct fxd_phase){ 1, { "=43" } };
	fxd.ph[4] = (struct fxd_phase){ 3, { "", "", "" } };
	fxd.ph[5] = (struct fxd_phase){ 1, { "" } };
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	batch_add(&b, STORE_REQ_RM, "/gone", NULL);
	batch_add(&b, STORE_REQ_MKDIR, "/b", NULL);
	errno = 0;
	assert_int_equal(store_wire_run(w, &b, 1), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(store_wire_run(w, &b, 1), 0);
	fx_stop(w);
	assert_string_equal(fxd.log,
	    "6/1/0:|;11/2/42:/a|x;13/3/42:/gone|;12/4/42:/b|;7/5/42:T|;"
	    "6/6/0:|;11/7/43:/a|x;13/8/43:/gone|;12/9/43:/b|;7/10/43:T|;");
}

/* A request refused: the transaction ends without its writes ("F"). */
static void
test_a_refused_request_aborts_the_transaction(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fxd.ph[0] = (struct fxd_phase){ 1, { "=7" } };
	fxd.ph[1] = (struct fxd_phase){ 2, { "!EACCES", "" } };
	fxd.ph[2] = (struct fxd_phase){ 1, { "" } };
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	batch_add(&b, STORE_REQ_WRITE, "/b", "y");
	errno = 0;
	assert_int_equal(store_wire_run(w, &b, 1), -1);
	assert_int_equal(errno, EACCES);
	fx_stop(w);
	assert_string_equal(fxd.log,
	    "6/1/0:|;11/2/7:/a|x;11/3/7:/b|y;7/4/7:F|;");
}

static void
test_a_closed_connection_is_lost(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fxd.ph[0] = (struct fxd_phase){ 1, { "X" } };
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	assert_int_equal(store_wire_run(w, &b, 0), STORE_WIRE_LOST);
	assert_int_equal(errno, ECONNRESET);
	fx_stop(w);
}

static void
test_a_reply_out_of_step_is_lost(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fxd.ph[0] = (struct fxd_phase){ 1, { "?" } };
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	assert_int_equal(store_wire_run(w, &b, 0), STORE_WIRE_LOST);
	assert_int_equal(errno, EPROTO);
	fx_stop(w);
}

/* A batch whose paths did not fit is refused before anything is sent. */
static void
test_an_overflowed_batch_sends_nothing(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	b.overflow = 1;
	assert_int_equal(store_wire_run(w, &b, 1), -1);
	assert_int_equal(errno, E2BIG);
	fx_stop(w);
	assert_string_equal(fxd.log, "");
}

static void
test_no_socket_is_no_connection(void **state)
{
	(void)state;
	assert_null(store_wire_open("/nonexistent/xenstored/socket"));
	setenv("XENSTORED_PATH", "/x/s", 1);
	assert_string_equal(store_wire_path(), "/x/s");
	unsetenv("XENSTORED_PATH");
	setenv("XENSTORED_RUNDIR", "/run/xs", 1);
	assert_string_equal(store_wire_path(), "/run/xs/socket");
	unsetenv("XENSTORED_RUNDIR");
	assert_string_equal(store_wire_path(), "/var/run/xenstored/socket");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_write_is_the_path_its_nul_and_the_value),
		T(test_perms_are_a_letter_and_a_domid_each),
		T(test_rm_and_mkdir_are_the_path_alone),
		T(test_what_cannot_be_sent_is_refused),
		T(test_error_replies_name_their_errno),
		T(test_a_batch_is_sent_before_any_reply_is_read),
		T(test_a_transaction_starts_alone_then_sends_the_rest_at_once),
		T(test_a_refused_request_aborts_the_transaction),
		T(test_a_closed_connection_is_lost),
		T(test_a_reply_out_of_step_is_lost),
		T(test_an_overflowed_batch_sends_nothing),
		T(test_no_socket_is_no_connection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
