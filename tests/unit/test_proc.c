/* test_proc.c -- the process backend's pure parts, errors and adoption */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "proc.h"
#include "testutil.h"
#include "log.h"
#include "synjitsu.h"

/*
 * vm.c and handover.c are neighbours: their calls are recorded here.
 * Whatever needs root (namespaces, veths) is proved by
 * tests/system/proc.sh, the hand-over end to end by synjitsu.sh.
 */
static int  adopted_pid, gone_calls, built_calls;
static char gone_why[160];

void
vm_backend_built(struct vm *v, int ok, const char *why)
{
	(void)v;
	(void)ok;
	(void)why;
	built_calls++;
}

void
vm_backend_ready(struct vm *v)
{
	(void)v;
}

/* The phases the backend reports, one bit each. */
static unsigned phases_seen;

uint64_t
vm_now_ms(void)
{
	return 1000;
}

void
vm_backend_phase(struct vm *v, enum tl_phase p, uint64_t now_ms)
{
	(void)v;
	(void)now_ms;
	phases_seen |= 1u << p;
}

void
vm_backend_gone(struct vm *v, const char *why)
{
	(void)v;
	gone_calls++;
	snprintf(gone_why, sizeof(gone_why), "%s", why ? why : "(null)");
}

int
vm_probe_start(struct vm *v)
{
	(void)v;
	return 0;
}

void
vm_probe_stop(struct vm *v)
{
	(void)v;
}

static const struct handover_transport *ho_tr;
static void			       *ho_ctx;
static int				ho_asked, ho_adopted, ho_broken;
static char				ho_why[96];

int
handover_standing(const struct handover *h)
{
	(void)h;
	return 0;
}

void
handover_attach(struct handover *h, const struct handover_transport *tr,
    void *ctx)
{
	(void)h;
	ho_tr = tr;
	ho_ctx = ctx;
}

void
handover_asked(struct handover *h)
{
	(void)h;
	ho_asked++;
}

void
handover_adopted(struct handover *h, int k)
{
	(void)h;
	ho_adopted = k;
}

/* As handover.c: over, so the transport is closed. */
void
handover_broken(struct handover *h, const char *why)
{
	(void)h;
	ho_broken++;
	snprintf(ho_why, sizeof(ho_why), "%s", why);
	ho_tr->close(ho_ctx, why);
}

void
vm_backend_adopted(struct vms *vs, const char *name, int domid)
{
	struct vm *v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (strcmp(v->b.name, name) == 0)
			v->state = VM_READY;
	adopted_pid = domid;
}

static struct binding
binding(const char *name, const char *kernel, const char *cmdline)
{
	struct binding b;

	memset(&b, 0, sizeof(b));
	b.name = testutil_str("%s", name);
	b.kernel = testutil_str("%s", kernel);
	b.cmdline = cmdline[0] != '\0' ? testutil_str("%s", cmdline) : NULL;
	b.has_ip = 1;
	inet_pton(AF_INET, "10.77.0.2", &b.ip);
	memcpy(b.mac, "\x02\x00\x00\x00\x00\x2a", 6);
	snprintf(b.bridge, sizeof(b.bridge), "br0");
	return b;
}

static void
test_veth_name_is_short_stable_and_per_name(void **state)
{
	char a[PROC_IFNAME_MAX], b[PROC_IFNAME_MAX];

	(void)state;
	/* FNV-1a 32 of "www.example.org", computed independently. */
	proc_util_veth_name("www.example.org.", a);
	assert_string_equal(a, "jvab4789b8");
	proc_util_veth_name("WWW.Example.ORG", b);
	assert_string_equal(a, b);
	proc_util_veth_name("www.example.net.", b);
	assert_string_not_equal(a, b);
	assert_true(strlen(a) <= 15);
}

static void
test_file_name_cannot_leave_the_folder(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(proc_util_file_name("WWW.Example.org.", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "www.example.org");
	assert_int_equal(proc_util_file_name("../etc/x.", out, sizeof(out)), 0);
	assert_string_equal(out, "_._etc_x");
	assert_int_equal(proc_util_file_name(".", out, sizeof(out)), -1);
	assert_int_equal(proc_util_file_name("abcdef", out, 6), -1);
	assert_int_equal(proc_util_file_name("abcde", out, 6), 0);
}

static int
status_of(int how)
{
	pid_t pid;
	int   status;

	if ((pid = fork()) == 0) {
		if (how < 0)
			raise(-how);
		_exit(how);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	return status;
}

static void
test_exit_status_text(void **state)
{
	char buf[64];

	(void)state;
	proc_util_status_str(status_of(3), buf, sizeof(buf));
	assert_string_equal(buf, "exited with status 3");
	proc_util_status_str(status_of(-SIGKILL), buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 9 (SIGKILL)");
	proc_util_status_str(-1, buf, sizeof(buf));
	assert_string_equal(buf, "exited (not our child: status unknown)");
}

static void
test_stat_parse_survives_odd_command_names(void **state)
{
	const char	  *s = "42 (a) b) c) S 1 42 42 0 -1 4194560 0 0 "
			       "0 0 0 0 0 0 20 0 1 0 987654 0 0\n";
	unsigned long long start;
	char		   st, text[512];
	FILE		  *f;

	(void)state;
	assert_int_equal(proc_util_stat_parse(s, &st, &start), 0);
	assert_int_equal(st, 'S');
	assert_true(start == 987654ULL);
	assert_int_equal(proc_util_stat_parse("42 (x) S 1 2 3", &st, &start),
	    -1);
	assert_int_equal(proc_util_stat_parse("42 x S", &st, &start), -1);
	/* thread-self, not self: qemu-user (the ARM builds' unit tests)
	 * answers /proc/self/stat with a stand-in of its own, state "0";
	 * /proc/thread-self/stat is the kernel's, for the thread running. */
	f = fopen("/proc/thread-self/stat", "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_int_equal(proc_util_stat_parse(text, &st, &start), 0);
	assert_int_equal(st, 'R');
}

static void
test_pidfile_parse_is_strict(void **state)
{
	char		   veth[PROC_IFNAME_MAX];
	unsigned long long start;
	int		   pid;

	(void)state;
	assert_int_equal(proc_util_pidfile_parse("1234 5678 jv01234567\n", &pid,
			     &start, veth),
	    0);
	assert_int_equal(pid, 1234);
	assert_true(start == 5678ULL);
	assert_string_equal(veth, "jv01234567");
	assert_int_equal(proc_util_pidfile_parse("1234 5678 jv0 junk\n", &pid,
			     &start, veth),
	    -1);
	assert_int_equal(proc_util_pidfile_parse("1 5678 jv0\n", &pid, &start,
			     veth),
	    -1);
	assert_int_equal(
	    proc_util_pidfile_parse("1234 5678 jv0123456789abcdefg\n", &pid,
		&start, veth),
	    -1);
	assert_int_equal(proc_util_pidfile_parse("", &pid, &start, veth), -1);
}

static void
test_args_are_kernel_cmdline_words_and_jitsu_env(void **state)
{
	struct binding		b = binding("www.example.org.", "/k/uk",
		     "  -p 80\t--x=y ");
	struct in_addr		gw;
	static struct proc_args a;

	(void)state;
	inet_pton(AF_INET, "10.77.0.1", &gw);
	b.has_ip6 = 1;
	inet_pton(AF_INET6, "2001:db8::2", &b.ip6);
	assert_int_equal(proc_util_args_build(&a, &b, &gw, 0), 0);
	assert_string_equal(a.argv[0], "/k/uk");
	assert_string_equal(a.argv[1], "-p");
	assert_string_equal(a.argv[2], "80");
	assert_string_equal(a.argv[3], "--x=y");
	assert_null(a.argv[4]);
	assert_string_equal(a.envp[0], "JITSU_NAME=www.example.org.");
	assert_string_equal(a.envp[1], "JITSU_IP=10.77.0.2");
	assert_string_equal(a.envp[2], "JITSU_IP6=2001:db8::2");
	assert_string_equal(a.envp[3], "JITSU_GW=10.77.0.1");
	assert_string_equal(a.envp[4], "JITSU_MAC=02:00:00:00:00:2a");
	assert_string_equal(a.envp[5], "JITSU_READY_FD=3");
	assert_true(strncmp(a.envp[6], "PATH=", 5) == 0);
	assert_null(a.envp[7]);
	b.has_ip6 = 0;
	assert_int_equal(proc_util_args_build(&a, &b, NULL, 0), 0);
	assert_string_equal(a.envp[2], "JITSU_IP6=");
	assert_string_equal(a.envp[3], "JITSU_GW=");
	b.kernel = NULL;
	assert_int_equal(proc_util_args_build(&a, &b, NULL, 0), -1);
}

static void
test_synjitsu_guest_is_told_its_handover_fd(void **state)
{
	struct binding		b = binding("www.example.org.", "/k/uk", "");
	static struct proc_args a;

	(void)state;
	assert_int_equal(proc_util_args_build(&a, &b, NULL, 1), 0);
	assert_true(strncmp(a.envp[6], "PATH=", 5) == 0);
	assert_string_equal(a.envp[7], "JITSU_SYNJITSU_FD=4");
	assert_null(a.envp[8]);
}

static void
test_args_hold_the_longest_cmdline(void **state)
{
	struct binding		b = binding("x.", "/k", "");
	static struct proc_args a;
	size_t			i;

	(void)state;
	b.kernel = testutil_str("%s", "");
	memset(b.kernel, 'k', BINDING_KERNEL_MAX - 1);
	b.kernel[BINDING_KERNEL_MAX - 1] = '\0';
	b.cmdline = testutil_str("%s", "");
	for (i = 0; i + 1 < BINDING_CMDLINE_MAX; i++)
		b.cmdline[i] = i % 2 ? ' ' : 'w';
	b.cmdline[i] = '\0';
	assert_int_equal(proc_util_args_build(&a, &b, NULL, 1), 0);
	assert_string_equal(a.argv[BINDING_CMDLINE_MAX / 2], "w");
	assert_null(a.argv[BINDING_CMDLINE_MAX / 2 + 1]);
}

/* Feed text to a line reader as one read would. */
static void
hin_put(struct proc_hin *in, const char *text, size_t len)
{
	assert_true(len <= sizeof(in->buf) - in->len);
	memcpy(in->buf + in->len, text, len);
	in->len += len;
}

static void
hin_puts(struct proc_hin *in, const char *text)
{
	hin_put(in, text, strlen(text));
}

static void
test_handover_lines_are_exactly_ready_or_adopted_k(void **state)
{
	/* clang-format off */
	static const char *const bad[] = {
		"Ready", "ready ", " ready", "readyy", "ready\r", "",
		"adopted", "adopted ", "adopted -1", "adopted +1",
		"adopted 1 ", "adopted 1x", "adopted 123456", "adopted  1",
		"count 1", "adopted\t1",
	};
	/* clang-format on */
	struct proc_hin in;
	unsigned int	k = 99;
	char		line[PROC_HLINE_MAX];
	size_t		i;
	int		n;

	(void)state;
	memset(&in, 0, sizeof(in));
	hin_puts(&in, "ready\nadopted 0\nadopted 64\n");
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_READY);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_ADOPTED);
	assert_int_equal(k, 0);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_ADOPTED);
	assert_int_equal(k, 64);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_NONE);
	assert_int_equal(in.len, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(line, sizeof(line), "%s\n", bad[i]);
		hin_put(&in, line, (size_t)n);
		if (proc_util_hin_next(&in, &k) != PROC_HMSG_BAD)
			fail_msg("\"%s\" was not refused", bad[i]);
	}
	/* A NUL cannot hide the rest of a line. */
	hin_put(&in, "ready\0junk\n", 11);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_BAD);
	assert_int_equal(in.len, 0);
}

static void
test_handover_lines_may_come_in_pieces(void **state)
{
	struct proc_hin in;
	unsigned int	k = 0;

	(void)state;
	memset(&in, 0, sizeof(in));
	hin_puts(&in, "rea");
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_NONE);
	hin_puts(&in, "dy\nadop");
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_READY);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_NONE);
	hin_puts(&in, "ted 3\n");
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_ADOPTED);
	assert_int_equal(k, 3);
}

static void
test_a_line_too_long_is_bad_once_then_skipped(void **state)
{
	struct proc_hin in;
	unsigned int	k = 0;
	char		junk[PROC_HLINE_MAX];

	(void)state;
	memset(&in, 0, sizeof(in));
	memset(junk, 'x', sizeof(junk));
	hin_put(&in, junk, sizeof(junk));
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_BAD);
	assert_int_equal(in.len, 0); /* room again */
	hin_put(&in, junk, sizeof(junk));
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_NONE);
	assert_int_equal(in.len, 0);
	/* Its end, then a good line: the good one alone is reported. */
	hin_puts(&in, "xxadopted 1\nadopted 2\n");
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_ADOPTED);
	assert_int_equal(k, 2);
	assert_int_equal(proc_util_hin_next(&in, &k), PROC_HMSG_NONE);
}

static struct synrec
rec(uint16_t port, size_t datalen)
{
	struct synrec r;

	memset(&r, 0, sizeof(r));
	r.peer_ip = 0x0a4d0002;
	r.peer_port = port;
	r.local_ip = 0x0a4d000a;
	r.local_port = 80;
	r.irs = 1000;
	r.iss = 5000;
	r.snd_nxt = r.iss + 1;
	r.datalen = datalen;
	memset(r.data, 'd', datalen);
	r.rcv_nxt = r.irs + 1 + (uint32_t)datalen;
	r.mss = 1460;
	r.peer_wscale = 7;
	r.wscale = 0;
	r.peer_wnd = 65535;
	return r;
}

static void
test_handover_is_record_lines_then_the_count(void **state)
{
	struct synrec	 r[3];
	struct proc_hout o;
	struct synrec	 back;
	const char	*why, *nl;
	char		 line[SYNREC_LINE_MAX];

	(void)state;
	r[0] = rec(40000, 5);
	r[1] = rec(40001, 0);
	r[1].snd_nxt = 7; /* inconsistent: the encoder refuses it */
	r[2] = rec(40002, SYNREC_DATA_MAX);
	assert_int_equal(proc_util_hout_build(&o, r, 3), 0);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.off, 0);
	nl = memchr(o.buf, '\n', o.len);
	assert_non_null(nl);
	memcpy(line, o.buf, (size_t)(nl - o.buf));
	line[nl - o.buf] = '\0';
	assert_int_equal(synrec_decode(line, &back, &why), 0);
	assert_int_equal(back.peer_port, 40000);
	assert_int_equal(back.datalen, 5);
	assert_true(o.len > 9 &&
	    memcmp(o.buf + o.len - 9, "\ncount 2\n", 9) == 0);
	proc_util_hout_free(&o);
	assert_null(o.buf);
	assert_int_equal(proc_util_hout_build(&o, NULL, 0), 0);
	assert_int_equal(o.len, 8);
	assert_memory_equal(o.buf, "count 0\n", 8);
	proc_util_hout_free(&o);
	assert_int_equal(proc_util_hout_build(&o, r, SYNJITSU_CONN_MAX + 1),
	    -1);
}

/*
 * The largest hand-over, 64 records of 2 KB of data, through a socket
 * whose buffer is far smaller: the flush says "full" and resumes where
 * it stopped, and the reader gets every byte once, in order.
 */
static void
test_handover_survives_partial_writes(void **state)
{
	static struct synrec r[SYNJITSU_CONN_MAX];
	static char	     got[SYNJITSU_CONN_MAX * SYNREC_LINE_MAX + 32];
	struct proc_hout     o;
	size_t		     i, have = 0;
	int		     sv[2], small = 4096, rc, fulls = 0;
	ssize_t		     n;

	(void)state;
	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		r[i] = rec((uint16_t)(40000 + i), SYNREC_DATA_MAX);
	assert_int_equal(proc_util_hout_build(&o, r, SYNJITSU_CONN_MAX), 0);
	assert_int_equal(o.count, SYNJITSU_CONN_MAX);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
			     sizeof(small)),
	    0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	while ((rc = proc_sock_send(&o, sv[0])) == 0) {
		fulls++;
		while ((n = read(sv[1], got + have, sizeof(got) - have)) > 0)
			have += (size_t)n;
	}
	assert_int_equal(rc, 1);
	assert_true(fulls > 1);
	while ((n = read(sv[1], got + have, sizeof(got) - have)) > 0)
		have += (size_t)n;
	assert_int_equal(have, o.len);
	assert_memory_equal(got, o.buf, o.len);
	/* The reader went away: an error, not a SIGPIPE. */
	close(sv[1]);
	o.off = 0;
	assert_int_equal(proc_sock_send(&o, sv[0]), -1);
	close(sv[0]);
	proc_util_hout_free(&o);
}

/* A registry holding one VM, over a real proc_init in a temp folder. */
struct fixture {
	struct event_base *base;
	struct vms	   vs;
	struct vm	   v;
	char		   dir[64];
};

static int
setup(void **state)
{
	static struct fixture f;
	struct proc_conf      pc;

	memset(&f, 0, sizeof(f));
	log_init("test_proc", 1, 0);
	snprintf(f.dir, sizeof(f.dir), "/tmp/test_proc.XXXXXX");
	if (mkdtemp(f.dir) == NULL || (f.base = event_base_new()) == NULL)
		return -1;
	snprintf(pc.logdir, sizeof(pc.logdir), "%s", f.dir);
	snprintf(pc.statedir, sizeof(pc.statedir), "%s", f.dir);
	f.vs.base = f.base;
	f.vs.be = &proc_backend;
	TAILQ_INIT(&f.vs.all);
	f.v.vs = &f.vs;
	f.v.domid = -1;
	TAILQ_INSERT_TAIL(&f.vs.all, &f.v, entry);
	if (proc_init(f.base, &f.vs, &pc) == -1)
		return -1;
	adopted_pid = gone_calls = built_calls = 0;
	phases_seen = 0;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char		cmd[128];

	proc_end(&f->vs);
	event_base_free(f->base);
	free(f->v.rec); /* vm.c, which frees it in the daemon, is not here */
	f->v.rec = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_create_on_a_missing_bridge_fails_at_once(void **state)
{
	struct fixture *f = *state;

	/* fd 0 open, whatever the harness left there. */
	if (fcntl(STDIN_FILENO, F_GETFD) == -1)
		assert_int_equal(open("/dev/null", O_RDONLY), STDIN_FILENO);
	f->v.b = binding("www.example.org.", "/bin/true", "");
	snprintf(f->v.b.bridge, sizeof(f->v.b.bridge), "jtnobridge0");
	assert_int_equal(proc_backend.create(&f->v, 0), -1);
	assert_string_equal(vm_rec_peek(&f->v)->error,
	    "bridge jtnobridge0: No such device");
	/* No pipe was opened: none is closed, fd 0 least of all (it was,
	 * and the next control connection took fd 0 and lost it). */
	assert_true(fcntl(STDIN_FILENO, F_GETFD) != -1);
	assert_null(f->v.priv);
	assert_int_equal(built_calls, 0);
	/* The build began; nothing was created, so nothing more is said. */
	assert_int_equal(phases_seen, 1u << TL_BUILD);
}

static void
test_suspend_and_restore_are_refused_with_a_reason(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(proc_backend.suspend(&f->v), -1);
	assert_string_equal(vm_rec_peek(&f->v)->error,
	    "a process cannot be suspended");
	assert_int_equal(proc_backend.restore(&f->v), -1);
	assert_string_equal(vm_rec_peek(&f->v)->error,
	    "a process cannot be restored");
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char  path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
file_exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_stale_pidfile_is_removed_not_adopted(void **state)
{
	struct fixture *f = *state;
	char		text[128], veth[PROC_IFNAME_MAX];

	f->v.b = binding("www.example.org.", "/bin/sleep", "");
	proc_util_veth_name(f->v.b.name, veth);
	/* Our own pid: alive, but not started then, nor /bin/sleep. */
	snprintf(text, sizeof(text), "%d 1 %s\n", (int)getpid(), veth);
	write_file(f->dir, "www.example.org.pid", text);
	proc_adopt(&f->vs);
	assert_int_equal(adopted_pid, 0);
	assert_false(file_exists(f->dir, "www.example.org.pid"));
	assert_null(f->v.priv);
}

static pid_t
spawn_sleep(void)
{
	char  path[64], cmd[64];
	pid_t pid;
	int   i;
	FILE *fp;

	if ((pid = fork()) == 0) {
		execl("/bin/sleep", "/bin/sleep", "30", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (i = 0; i < 500; i++) { /* until the exec is done */
		cmd[0] = '\0';
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(cmd, sizeof(cmd), fp) == NULL)
				cmd[0] = '\0';
			fclose(fp);
		}
		if (strcmp(cmd, "/bin/sleep") == 0)
			return pid;
		usleep(2000);
	}
	fail_msg("/bin/sleep did not start");
	return -1;
}

static void
test_running_guest_is_adopted_and_watched_by_pidfd(void **state)
{
	struct fixture	  *f = *state;
	char		   text[512], path[64], veth[PROC_IFNAME_MAX];
	unsigned long long start;
	pid_t		   pid = spawn_sleep();
	char		   st;
	int		   i, status;
	FILE		  *fp;

	f->v.b = binding("www.example.org.", "/bin/sleep", "");
	proc_util_veth_name(f->v.b.name, veth);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(text, sizeof(text), fp));
	fclose(fp);
	assert_int_equal(proc_util_stat_parse(text, &st, &start), 0);
	snprintf(text, sizeof(text), "%d %llu %s\n", (int)pid, start, veth);
	write_file(f->dir, "www.example.org.pid", text);
	proc_adopt(&f->vs);
	assert_int_equal(adopted_pid, (int)pid);
	assert_non_null(f->v.priv);
	assert_int_equal(proc_backend.destroy(&f->v), 0);
	for (i = 0; i < 100 && gone_calls == 0; i++)
		testutil_loop_for(f->base, 20);
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(gone_calls, 1);
	assert_string_equal(gone_why, "(null)"); /* as asked */
	assert_null(f->v.priv);
	assert_false(file_exists(f->dir, "www.example.org.pid"));
}

/*
 * The socket transport: the guest's lines become handover.c's calls (a
 * second "ready" is a bad line, not a second ask), send writes the
 * lines and the count, close closes the socket, and EOF breaks it.
 */
static void
test_socket_transport_speaks_for_handover(void **state)
{
	struct fixture *f = *state;
	struct proc    *p;
	char		got[64];
	ssize_t		n;
	int		sv[2];

	f->v.b = binding("www.example.org.", "/bin/true", "");
	assert_non_null(p = proc_new(f->vs.bectx, &f->v));
	f->v.priv = p;
	ho_tr = NULL;
	ho_asked = ho_broken = 0;
	ho_adopted = -2;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(proc_sock_open(p, sv[0]), 0);
	assert_non_null(ho_tr);
	assert_string_equal(ho_tr->name, "socket");
	assert_true(ho_tr->holds);
	assert_ptr_equal(ho_ctx, &f->v);
	assert_int_equal(write(sv[1], "ready\nready\n", 12), 12);
	testutil_loop_for(f->base, 20);
	assert_int_equal(ho_asked, 1);
	assert_int_equal(p->syn_bad, 1);
	assert_int_equal(ho_tr->send(ho_ctx, NULL, 0), 0);
	n = read(sv[1], got, sizeof(got) - 1);
	assert_int_equal(n, 8);
	got[n] = '\0';
	assert_string_equal(got, "count 0\n");
	assert_int_equal(write(sv[1], "adopted 0\n", 10), 10);
	testutil_loop_for(f->base, 20);
	assert_int_equal(ho_adopted, 0);
	close(sv[1]);
	testutil_loop_for(f->base, 20);
	assert_int_equal(ho_broken, 1);
	assert_string_equal(ho_why, "the guest closed the hand-over socket");
	assert_int_equal(p->syn_fd, -1); /* closed inside its callback */
	ho_tr->close(ho_ctx, "over");	 /* closed already: harmless */
	proc_release(p);
	assert_null(f->v.priv);
	ho_tr->close(ho_ctx, "gone"); /* detached: nothing left to do */
	assert_int_equal(ho_tr->send(ho_ctx, NULL, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_name_is_short_stable_and_per_name),
		cmocka_unit_test(test_file_name_cannot_leave_the_folder),
		cmocka_unit_test(test_exit_status_text),
		cmocka_unit_test(test_stat_parse_survives_odd_command_names),
		cmocka_unit_test(test_pidfile_parse_is_strict),
		cmocka_unit_test(
		    test_args_are_kernel_cmdline_words_and_jitsu_env),
		cmocka_unit_test(test_args_hold_the_longest_cmdline),
		cmocka_unit_test(test_synjitsu_guest_is_told_its_handover_fd),
		cmocka_unit_test(
		    test_handover_lines_are_exactly_ready_or_adopted_k),
		cmocka_unit_test(test_handover_lines_may_come_in_pieces),
		cmocka_unit_test(test_a_line_too_long_is_bad_once_then_skipped),
		cmocka_unit_test(test_handover_is_record_lines_then_the_count),
		cmocka_unit_test(test_handover_survives_partial_writes),
		cmocka_unit_test_setup_teardown(
		    test_create_on_a_missing_bridge_fails_at_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_suspend_and_restore_are_refused_with_a_reason, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_stale_pidfile_is_removed_not_adopted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_running_guest_is_adopted_and_watched_by_pidfd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_socket_transport_speaks_for_handover, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
