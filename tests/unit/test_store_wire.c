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

#include "store_int.h"

/* A message as the protocol has it: the header, then the payload. */
static size_t
msg(char *out, uint32_t type, uint32_t id, uint32_t tx, const void *pl,
    size_t len)
{
	struct xsd_sockmsg h = { type, id, tx, (uint32_t)len };

	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), pl, len);
	return sizeof(h) + len;
}

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
	n = msg(want, XS_WRITE, 5, 9, pl, sizeof(pl) - 1);
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
	n = msg(want, XS_SET_PERMS, 1, 0, pl, sizeof(pl));
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
	n = msg(want, XS_RM, 2, 3, "/a", 3);
	assert_int_equal(store_wire_encode(&rm, 2, 3, got, sizeof(got)), n);
	assert_memory_equal(got, want, n);
	n = msg(want, XS_MKDIR, 2, 3, "/a", 3);
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

/*
 * A fake xenstored on a socket in a temporary folder, in a thread: in
 * each phase it reads `nread' requests (each within a second, else it
 * notes TIMEOUT and stops: a client that waited for a reply would never
 * send the next), then answers them in order as `reply' says: "" is OK,
 * "=V" a payload V, "!E" an error E, "?" a reply with another request's
 * id, "X" closing the connection.  It notes every request it read as
 * "type/id/tx:payload;", NULs shown as '|'.
 */
#define FX_PHASES 6
#define FX_MAX	  8

struct fx_phase {
	int	    nread;
	const char *reply[FX_MAX];
};

static struct {
	struct fx_phase ph[FX_PHASES];
	char		log[4096];
	char		path[108];
	char		dir[64];
	int		lfd;
	pthread_t	thread;
} fx;

static void
fx_note(const struct xsd_sockmsg *h, const char *pl)
{
	size_t n = strlen(fx.log), i;

	n += (size_t)snprintf(fx.log + n, sizeof(fx.log) - n,
	    "%u/%u/%u:", h->type, h->req_id, h->tx_id);
	for (i = 0; i < h->len && n + 2 < sizeof(fx.log); i++)
		fx.log[n++] = pl[i] == '\0' ? '|' : pl[i];
	fx.log[n++] = ';';
	fx.log[n] = '\0';
}

static int
fx_read(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char	     *p = buf;
	ssize_t	      k;

	while (len > 0) {
		if (poll(&pfd, 1, 1000) != 1 || (k = read(fd, p, len)) <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static void *
fx_main(void *arg)
{
	struct xsd_sockmsg req[FX_MAX], h;
	char		   pl[XENSTORE_PAYLOAD_MAX + 1], out[256];
	const char	  *r;
	int		   fd, i, p;
	size_t		   n;

	(void)arg;
	if ((fd = accept(fx.lfd, NULL, NULL)) == -1)
		return NULL;
	for (p = 0; p < FX_PHASES && fx.ph[p].nread > 0; p++) {
		for (i = 0; i < fx.ph[p].nread; i++) {
			if (fx_read(fd, &req[i], sizeof(req[i])) == -1 ||
			    req[i].len > XENSTORE_PAYLOAD_MAX ||
			    fx_read(fd, pl, req[i].len) == -1) {
				strcat(fx.log, "TIMEOUT;");
				goto out;
			}
			fx_note(&req[i], pl);
		}
		for (i = 0; i < fx.ph[p].nread; i++) {
			r = fx.ph[p].reply[i] ? fx.ph[p].reply[i] : "";
			h = req[i];
			if (r[0] == 'X')
				goto out;
			if (r[0] == '?')
				h.req_id += 100;
			if (r[0] == '!')
				h.type = XS_ERROR;
			if (r[0] == '=' || r[0] == '!')
				n = msg(out, h.type, h.req_id, h.tx_id, r + 1,
				    strlen(r));
			else
				n = msg(out, h.type, h.req_id, h.tx_id, "OK",
				    3);
			if (write(fd, out, n) != (ssize_t)n)
				goto out;
		}
	}
out:
	close(fd);
	return NULL;
}

static struct store_wire *
fx_start(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct store_wire *w;

	strcpy(fx.dir, "/tmp/test_store_wire.XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.path, sizeof(fx.path), "%s/socket", fx.dir);
	strcpy(sun.sun_path, fx.path);
	assert_int_not_equal(fx.lfd = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(fx.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fx.lfd, 1), 0);
	assert_int_equal(pthread_create(&fx.thread, NULL, fx_main, NULL), 0);
	assert_non_null(w = store_wire_open(fx.path));
	return w;
}

static void
fx_stop(struct store_wire *w)
{
	store_wire_close(w);
	pthread_join(fx.thread, NULL);
	close(fx.lfd);
	unlink(fx.path);
	rmdir(fx.dir);
}

static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
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
	fx.ph[0].nread = 2;
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/d/a", "1");
	batch_add(&b, STORE_REQ_WRITE, "/d/count", "1");
	assert_int_equal(store_wire_run(w, &b, 0), 0);
	fx_stop(w);
	assert_string_equal(fx.log, "11/1/0:/d/a|1;11/2/0:/d/count|1;");
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
	fx.ph[0] = (struct fx_phase){ 1, { "=42" } };
	fx.ph[1] = (struct fx_phase){ 3, { "", "!ENOENT", "" } };
	fx.ph[2] = (struct fx_phase){ 1, { "!EAGAIN" } };
	fx.ph[3] = (struct fx_phase){ 1, { "=43" } };
	fx.ph[4] = (struct fx_phase){ 3, { "", "", "" } };
	fx.ph[5] = (struct fx_phase){ 1, { "" } };
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
	assert_string_equal(fx.log,
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
	fx.ph[0] = (struct fx_phase){ 1, { "=7" } };
	fx.ph[1] = (struct fx_phase){ 2, { "!EACCES", "" } };
	fx.ph[2] = (struct fx_phase){ 1, { "" } };
	w = fx_start();
	memset(&b, 0, sizeof(b));
	batch_add(&b, STORE_REQ_WRITE, "/a", "x");
	batch_add(&b, STORE_REQ_WRITE, "/b", "y");
	errno = 0;
	assert_int_equal(store_wire_run(w, &b, 1), -1);
	assert_int_equal(errno, EACCES);
	fx_stop(w);
	assert_string_equal(fx.log,
	    "6/1/0:|;11/2/7:/a|x;11/3/7:/b|y;7/4/7:F|;");
}

static void
test_a_closed_connection_is_lost(void **state)
{
	static struct store_batch b;
	struct store_wire	 *w;

	(void)state;
	fx.ph[0] = (struct fx_phase){ 1, { "X" } };
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
	fx.ph[0] = (struct fx_phase){ 1, { "?" } };
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
	assert_string_equal(fx.log, "");
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
