/*
 * dnscmp -- ask two DNS servers the same questions and compare every
 * section of their replies.
 *
 * Usage: dnscmp [-u NAME]... [-z APEX]... PORT-A PORT-B QUERIES
 *
 * Both servers listen on 127.0.0.1.  QUERIES holds one "NAME TYPE" per
 * line (';' starts a comment).  Each is asked four ways: UDP without
 * EDNS, UDP with EDNS (1232), UDP with EDNS and DO, and TCP.  The
 * replies are compared as rcode, flags, the EDNS line, and each
 * section as a sorted list of records in presentation form.
 *
 * A line "NAME TYPE ! REASON" is a difference jitsud makes on purpose:
 * it must differ one way of asking at least, and is reported with its
 * reason, not counted; if it stops differing every way, that is
 * counted, so the list stays true.
 *
 * Server A is jitsud, server B the reference (NSD).  B's reply is first
 * brought to jitsud's two deliberate policies (listed in jitsud.zone(5)):
 *  1. a positive answer carries no NS RRset of its zone's apex (each
 *     -z APEX) in authority, nor the addresses only that NS RRset
 *     asked for in additional (a referral's NS RRset stays);
 *  2. the addresses of UNIKERNEL names (each -u NAME) are never put in
 *     additional: asking for the name is what summons the unikernel.
 * Every difference left is printed; exit status 1 if there is any.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAMES_MAX 64
#define LINES_MAX 256

enum mode { M_UDP, M_EDNS, M_DO, M_TCP, M_COUNT };
static const char *const mode_name[M_COUNT] = { "udp", "edns", "do", "tcp" };

static const char *uknames[NAMES_MAX], *apexes[NAMES_MAX];
static size_t	   nuknames, napexes;

/* Is `name' one of `list'? */
static int
name_in(const ldns_rdf *name, const char *const *list, size_t n)
{
	ldns_rdf *d;
	int	  same = 0;

	for (size_t i = 0; i < n && !same; i++) {
		d = ldns_dname_new_frm_str(list[i]);
		same = d != NULL && ldns_dname_compare(d, name) == 0;
		ldns_rdf_deep_free(d);
	}
	return same;
}

/* The reply lines of one server, normalised, for comparison. */
struct text {
	char  *line[LINES_MAX];
	size_t n;
};

static void
text_add(struct text *t, const char *prefix, const char *s)
{
	char *l;

	if (t->n == LINES_MAX || asprintf(&l, "%s%s", prefix, s) == -1)
		return;
	/* ldns ends a record with a newline and separates with tabs. */
	for (char *p = l; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	l[strcspn(l, "\n")] = '\0';
	t->line[t->n++] = l;
}

static void
text_free(struct text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	t->n = 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Send `q' and read the reply; NULL on timeout or error. */
static ldns_pkt *
ask(int port, const uint8_t *q, size_t qlen, int tcp)
{
	struct sockaddr_in sa;
	struct timeval	   tv = { 3, 0 };
	uint8_t		   buf[65536 + 2], lenb[2];
	ldns_pkt	  *p = NULL;
	ssize_t		   n;
	size_t		   got = 0, want;
	int		   s;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0)) == -1)
		return NULL;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		goto out;
	if (tcp) {
		lenb[0] = (uint8_t)(qlen >> 8);
		lenb[1] = (uint8_t)qlen;
		if (write(s, lenb, 2) != 2 ||
		    write(s, q, qlen) != (ssize_t)qlen)
			goto out;
		while (got < 2 && (n = read(s, buf + got, 2 - got)) > 0)
			got += (size_t)n;
		if (got < 2)
			goto out;
		want = (size_t)buf[0] << 8 | buf[1];
		for (got = 0; got < want; got += (size_t)n)
			if ((n = read(s, buf + got, want - got)) <= 0)
				goto out;
		n = (ssize_t)want;
	} else {
		if (write(s, q, qlen) != (ssize_t)qlen ||
		    (n = read(s, buf, sizeof(buf))) <= 0)
			goto out;
	}
	if (ldns_wire2pkt(&p, buf, (size_t)n) != LDNS_STATUS_OK)
		p = NULL;
out:
	close(s);
	return p;
}

/* The name an NS, MX or SRV record points at, or NULL. */
static const ldns_rdf *
target(const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_NS:
		return ldns_rr_rdf(rr, 0);
	case LDNS_RR_TYPE_MX:
		return ldns_rr_rdf(rr, 1);
	case LDNS_RR_TYPE_SRV:
		return ldns_rr_rdf(rr, 3);
	default:
		return NULL;
	}
}

/* Is `name' the target of a record in `list'? */
static int
is_target(const ldns_rr_list *list, const ldns_rdf *name)
{
	const ldns_rdf *t;

	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++)
		if ((t = target(ldns_rr_list_rr(list, i))) != NULL &&
		    ldns_dname_compare(t, name) == 0)
			return 1;
	return 0;
}

/* Should additional record `rr' of the reference's reply go? */
static int
drop_additional(const ldns_pkt *p, const ldns_rr *rr, int auth_dropped)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);

	if (name_in(ldns_rr_owner(rr), uknames, nuknames))
		return 1;
	return auth_dropped && is_target(auth, ldns_rr_owner(rr)) &&
	    !is_target(ldns_pkt_answer(p), ldns_rr_owner(rr));
}

/* Policy 1: a positive authoritative answer with NS in authority. */
static int
drop_authority(const ldns_pkt *p)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);

	if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR || !ldns_pkt_aa(p) ||
	    ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 0 ||
	    ldns_rr_list_rr_count(auth) == 0)
		return 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(auth, i)) !=
			LDNS_RR_TYPE_NS ||
		    !name_in(ldns_rr_owner(ldns_rr_list_rr(auth, i)), apexes,
			napexes))
			return 0;
	return 1;
}

static void
section(struct text *t, const char *name, const ldns_rr_list *list,
    const ldns_pkt *p, int policy, int auth_dropped)
{
	size_t first = t->n;
	char  *s;

	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if (policy && strcmp(name, "additional ") == 0 &&
		    drop_additional(p, rr, auth_dropped))
			continue;
		if ((s = ldns_rr2str(rr)) == NULL)
			continue;
		text_add(t, name, s);
		free(s);
	}
	qsort(t->line + first, t->n - first, sizeof(char *), cmp_str);
}

static void
render(struct text *t, const ldns_pkt *p, int policy)
{
	char  buf[128];
	int   auth_dropped = policy && drop_authority(p);
	char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(p));

	text_add(t, "rcode ", rc != NULL ? rc : "?");
	free(rc);
	snprintf(buf, sizeof(buf), "flags%s%s%s%s", ldns_pkt_qr(p) ? " qr" : "",
	    ldns_pkt_aa(p) ? " aa" : "", ldns_pkt_tc(p) ? " tc" : "",
	    ldns_pkt_rd(p) ? " rd" : "");
	text_add(t, "", buf);
	if (ldns_pkt_edns(p)) {
		snprintf(buf, sizeof(buf), "edns %u%s",
		    (unsigned)ldns_pkt_edns_udp_size(p),
		    ldns_pkt_edns_do(p) ? " do" : "");
		text_add(t, "", buf);
	}
	section(t, "answer ", ldns_pkt_answer(p), p, policy, 0);
	if (!auth_dropped)
		section(t, "authority ", ldns_pkt_authority(p), p, policy, 0);
	section(t, "additional ", ldns_pkt_additional(p), p, policy,
	    auth_dropped);
}

static ldns_pkt *
query(const char *name, const char *type, enum mode m)
{
	ldns_pkt    *q = NULL;
	ldns_rr_type t = ldns_get_rr_type_by_name(type);

	if (t == 0 ||
	    ldns_pkt_query_new_frm_str(&q, name, t, LDNS_RR_CLASS_IN, 0) !=
		LDNS_STATUS_OK)
		return NULL;
	ldns_pkt_set_id(q, 4660);
	if (m == M_EDNS || m == M_DO) {
		ldns_pkt_set_edns_udp_size(q, 1232);
		ldns_pkt_set_edns_do(q, m == M_DO);
	}
	return q;
}

/*
 * One question asked one way of both servers: 1 if they differ.  When
 * `reason' says they may, a difference is reported with it instead.
 */
static int
compare(int pa, int pb, const char *name, const char *type, enum mode m,
    const char *reason)
{
	struct text ta = { 0 }, tb = { 0 };
	ldns_pkt   *q, *a = NULL, *b = NULL;
	uint8_t	   *wire = NULL;
	size_t	    len, i;
	int	    differ = 1;

	if ((q = query(name, type, m)) == NULL ||
	    ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK) {
		printf("%s %s: cannot build the query\n", name, type);
		goto out;
	}
	a = ask(pa, wire, len, m == M_TCP);
	b = ask(pb, wire, len, m == M_TCP);
	if (a == NULL || b == NULL) {
		printf("DIFF %s %s %s: no reply from %s\n", name, type,
		    mode_name[m], a == NULL ? "A" : "B");
		goto out;
	}
	render(&ta, a, 0);
	render(&tb, b, 1);
	differ = ta.n != tb.n;
	for (i = 0; !differ && i < ta.n; i++)
		differ = strcmp(ta.line[i], tb.line[i]) != 0;
	if (reason != NULL && differ)
		printf("POLICY %s %s %s: %s\n", name, type, mode_name[m],
		    reason);
	else if (differ) {
		printf("DIFF %s %s %s\n", name, type, mode_name[m]);
		for (i = 0; i < ta.n; i++)
			printf("  A %s\n", ta.line[i]);
		for (i = 0; i < tb.n; i++)
			printf("  B %s\n", tb.line[i]);
	}
out:
	text_free(&ta);
	text_free(&tb);
	ldns_pkt_free(q);
	ldns_pkt_free(a);
	ldns_pkt_free(b);
	free(wire);
	return differ;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: dnscmp [-u NAME]... [-z APEX]... "
	    "PORT-A PORT-B QUERIES\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	char  line[512], name[300], type[32], *reason;
	FILE *fp;
	int   c, pa, pb, nq = 0, ndiff = 0;

	while ((c = getopt(argc, argv, "u:z:")) != -1) {
		if (c == 'u' && nuknames < NAMES_MAX)
			uknames[nuknames++] = optarg;
		else if (c == 'z' && napexes < NAMES_MAX)
			apexes[napexes++] = optarg;
		else
			return usage();
	}
	if (argc - optind != 3 || (fp = fopen(argv[optind + 2], "r")) == NULL)
		return usage();
	pa = atoi(argv[optind]);
	pb = atoi(argv[optind + 1]);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, ";\n")] = '\0';
		if ((reason = strchr(line, '!')) != NULL) {
			*reason++ = '\0';
			reason += strspn(reason, " \t");
		}
		if (sscanf(line, "%299s %31s", name, type) != 2)
			continue;
		for (int m = 0, any = 0; m < M_COUNT; m++) {
			nq++;
			c = compare(pa, pb, name, type, (enum mode)m, reason);
			any |= c;
			if (reason == NULL)
				ndiff += c;
			else if (m == M_COUNT - 1 && !any) {
				printf("AGREE %s %s every way, but listed as "
				       "a policy difference: %s\n",
				    name, type, reason);
				ndiff++;
			}
		}
	}
	fclose(fp);
	printf("dnscmp: %d replies compared, %d differ\n", nq, ndiff);
	return ndiff != 0;
}
