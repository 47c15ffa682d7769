/* proc_util.c -- process backend: pure helpers, no I/O, no globals */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "proc.h"
#include "synjitsu.h"

#define PROC_PATH                                        \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
	"/usr/bin:/sbin:/bin"

void
proc_util_veth_name(const char *name, char out[PROC_IFNAME_MAX])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t	 n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		h ^= (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
		h *= 16777619u;
	}
	snprintf(out, PROC_IFNAME_MAX, "jv%08x", h);
}

int
proc_util_file_name(const char *name, char *out, size_t len)
{
	size_t n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '_' || (c == '.' && i > 0)))
			c = '_';
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

void
proc_util_status_str(int status, char *buf, size_t len)
{
	const char *abbrev;

	if (status == -1)
		snprintf(buf, len, "exited (not our child: status unknown)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "killed by signal %d (SIG%s)",
		    WTERMSIG(status), abbrev ? abbrev : "?");
	} else
		snprintf(buf, len, "ended with wait status %#x", status);
}

int
proc_util_stat_parse(const char *text, char *state, unsigned long long *start)
{
	const char *p = strrchr(text, ')');
	char	   *end;
	int	    field;

	/* "PID (COMM) S ..." where COMM may hold anything: from the last
	 * ')' on, field 3 is the state and field 22 the start time. */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	p += 2;
	*state = *p;
	for (field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (end == p || errno != 0 ||
	    (*end != ' ' && *end != '\0' && *end != '\n'))
		return -1;
	return 0;
}

int
proc_util_pidfile_parse(const char *text, int *pid, unsigned long long *start,
    char veth[PROC_IFNAME_MAX])
{
	int n = 0;

	if (sscanf(text, "%d %llu %15s%n", pid, start, veth, &n) != 3 ||
	    *pid <= 1)
		return -1;
	if (text[n] != '\0' && strcmp(text + n, "\n") != 0)
		return -1;
	return 0;
}

static int
proc_util_env(struct proc_args *a, size_t i, const char *key, const char *val)
{
	int n;

	n = snprintf(a->env[i], sizeof(a->env[i]), "%s=%s", key, val);
	if (n < 0 || (size_t)n >= sizeof(a->env[i]))
		return -1;
	a->envp[i] = a->env[i];
	return 0;
}

static int
proc_util_args_env(struct proc_args *a, const struct binding *b,
    const struct in_addr *gw, int synjitsu)
{
	char	       ip[INET_ADDRSTRLEN] = "", ip6[INET6_ADDRSTRLEN] = "";
	char	       gws[INET_ADDRSTRLEN] = "", mac[18], fd[8];
	const uint8_t *m = b->mac;

	if (b->has_ip)
		inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
	if (b->has_ip6)
		inet_ntop(AF_INET6, &b->ip6, ip6, sizeof(ip6));
	if (gw != NULL)
		inet_ntop(AF_INET, gw, gws, sizeof(gws));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
	    m[2], m[3], m[4], m[5]);
	snprintf(fd, sizeof(fd), "%d", PROC_READY_FD);
	if (proc_util_env(a, 0, "JITSU_NAME", b->name) == -1 ||
	    proc_util_env(a, 1, "JITSU_IP", ip) == -1 ||
	    proc_util_env(a, 2, "JITSU_IP6", ip6) == -1 ||
	    proc_util_env(a, 3, "JITSU_GW", gws) == -1 ||
	    proc_util_env(a, 4, "JITSU_MAC", mac) == -1 ||
	    proc_util_env(a, 5, "JITSU_READY_FD", fd) == -1)
		return -1;
	a->envp[6] = strcpy(a->env[6], PROC_PATH);
	a->envp[7] = NULL;
	if (synjitsu) {
		snprintf(fd, sizeof(fd), "%d", PROC_SYNJITSU_FD);
		if (proc_util_env(a, 7, "JITSU_SYNJITSU_FD", fd) == -1)
			return -1;
		a->envp[8] = NULL;
	}
	return 0;
}

int
proc_util_args_build(struct proc_args *a, const struct binding *b,
    const struct in_addr *gw, int synjitsu)
{
	const char *kernel = binding_s(b->kernel),
		   *cmdline = binding_s(b->cmdline);
	size_t klen = strlen(kernel), clen = strlen(cmdline), n = 0;
	char  *w, *save = NULL;

	memset(a->argv, 0, sizeof(a->argv));
	if (klen == 0 || klen + 1 + clen + 1 > sizeof(a->words))
		return -1;
	memcpy(a->words, kernel, klen + 1);
	a->argv[n++] = a->words;
	memcpy(a->words + klen + 1, cmdline, clen + 1);
	for (w = strtok_r(a->words + klen + 1, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		if (n + 1 >= PROC_ARGV_MAX)
			return -1;
		a->argv[n++] = w;
	}
	a->argv[n] = NULL;
	return proc_util_args_env(a, b, gw, synjitsu);
}

/* One whole line of the guest's, without its newline: what it says. */
static enum proc_hmsg
proc_util_hline_parse(const char *s, size_t n, unsigned int *k)
{
	static const char adopted[] = "adopted ";
	size_t		  i, pre = sizeof(adopted) - 1;
	unsigned int	  v = 0;

	if (n == 5 && memcmp(s, "ready", 5) == 0)
		return PROC_HMSG_READY;
	if (n <= pre || n > pre + 5 || memcmp(s, adopted, pre) != 0)
		return PROC_HMSG_BAD;
	for (i = pre; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PROC_HMSG_BAD;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*k = v;
	return PROC_HMSG_ADOPTED;
}

enum proc_hmsg
proc_util_hin_next(struct proc_hin *in, unsigned int *k)
{
	enum proc_hmsg m = PROC_HMSG_NONE;
	char	      *nl;
	size_t	       n;
	int	       tail;

	while (m == PROC_HMSG_NONE) {
		if ((nl = memchr(in->buf, '\n', in->len)) == NULL) {
			if (in->len < sizeof(in->buf))
				return PROC_HMSG_NONE;
			/* Too long to be ours: said once, then dropped. */
			in->len = 0;
			if (in->skip)
				return PROC_HMSG_NONE;
			in->skip = 1;
			return PROC_HMSG_BAD;
		}
		n = (size_t)(nl - in->buf);
		tail = in->skip; /* the end of a line too long */
		in->skip = 0;
		if (!tail)
			m = proc_util_hline_parse(in->buf, n, k);
		in->len -= n + 1;
		memmove(in->buf, nl + 1, in->len);
	}
	return m;
}

int
proc_util_hout_build(struct proc_hout *o, const struct synrec *recs, size_t n)
{
	size_t i, size = n * SYNREC_LINE_MAX + 32;
	int    len;

	memset(o, 0, sizeof(*o));
	if (n > SYNJITSU_CONN_MAX || (o->buf = malloc(size)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		/* SYNREC_LINE_MAX counts the NUL: room for the newline. */
		if ((len = synrec_encode(&recs[i], o->buf + o->len,
			 SYNREC_LINE_MAX)) < 0)
			continue;
		o->len += (size_t)len;
		o->buf[o->len++] = '\n';
		o->count++;
	}
	len = snprintf(o->buf + o->len, size - o->len, "count %zu\n", o->count);
	o->len += (size_t)len;
	return 0;
}

void
proc_util_hout_free(struct proc_hout *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int
proc_util_path(const char *dir, const char *name, const char *suffix, char *out,
    size_t len)
{
	char file[BINDING_NAME_MAX];
	int  n;

	if (proc_util_file_name(name, file, sizeof(file)) == -1)
		return -1;
	n = snprintf(out, len, "%s/%s%s", dir, file, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
