/* metrics.c -- counters of the daemon, rendered in the Prometheus format */
#include <stdio.h>
#include <string.h>

#include "jitsud.h"
#include "synjitsu.h"

void
metrics_query(struct metrics *m, const struct dns_verdict *v, int tcp)
{
	m->queries[tcp ? 1 : 0][v->qtype_metric < DNS_QT_COUNT ?
		v->qtype_metric :
		DNS_QT_OTHER]++;
	if (v->action == DNS_V_DROP) {
		m->dropped++;
		return;
	}
	if (v->action == DNS_V_OUTOFZONE)
		m->outofzone++;
	if (v->truncated)
		m->truncated++;
}

void
metrics_reply(struct metrics *m, uint16_t rcode)
{
	m->rcodes[rcode < METRICS_RCODES ? rcode : METRICS_RCODES]++;
}

/* Upper bounds of the boot latency buckets, in ms (query -> ready). */
static const uint64_t boot_bounds[METRICS_BOOT_BUCKETS] = { 50, 100, 200, 300,
	500, 1000, 2000, 5000, 10000, 30000 };

void
metrics_hist_add(struct metrics_hist *h, uint64_t ms)
{
	int i;

	for (i = 0; i < METRICS_BOOT_BUCKETS && ms > boot_bounds[i]; i++)
		;
	h->le[i]++;
	h->count++;
	h->sum_ms += ms;
}

void
metrics_boot(struct metrics *m, uint64_t ms)
{
	metrics_hist_add(&m->boot, ms);
}

void
metrics_phase(struct metrics *m, enum tl_phase p, uint64_t ms)
{
	if ((unsigned)p < TL_NPHASES)
		metrics_hist_add(&m->phase[p], ms);
}

static void
metrics_counter(FILE *fp, const char *name, const char *help, uint64_t v)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help,
	    name, name, (unsigned long long)v);
}

static void
metrics_queries(const struct metrics *m, FILE *fp)
{
	int tcp, qt;

	fprintf(fp,
	    "# HELP jitsud_queries_total DNS queries received.\n"
	    "# TYPE jitsud_queries_total counter\n");
	for (tcp = 0; tcp <= 1; tcp++)
		for (qt = 0; qt < DNS_QT_COUNT; qt++)
			if (m->queries[tcp][qt] != 0)
				fprintf(fp,
				    "jitsud_queries_total{qtype=\"%s\","
				    "transport=\"%s\"} %llu\n",
				    dns_qtype_metric_name(qt),
				    tcp ? "tcp" : "udp",
				    (unsigned long long)m->queries[tcp][qt]);
}

/*
 * Every rcode without a name of its own is summed into one "other"
 * series: a series listed twice is invalid in the text format.
 */
static void
metrics_rcodes(const struct metrics *m, FILE *fp)
{
	const char *name;
	uint64_t    other = m->rcodes[METRICS_RCODES];
	int	    rc;

	fprintf(fp,
	    "# HELP jitsud_responses_total DNS responses sent.\n"
	    "# TYPE jitsud_responses_total counter\n");
	for (rc = 0; rc < METRICS_RCODES; rc++) {
		name = dns_rcode_name((uint16_t)rc);
		if (strcmp(name, "other") == 0)
			other += m->rcodes[rc];
		else if (m->rcodes[rc] != 0)
			fprintf(fp,
			    "jitsud_responses_total{rcode=\"%s\"} %llu\n", name,
			    (unsigned long long)m->rcodes[rc]);
	}
	if (other != 0)
		fprintf(fp, "jitsud_responses_total{rcode=\"other\"} %llu\n",
		    (unsigned long long)other);
}

/*
 * A label value as Prometheus' text format wants it: backslash, double
 * quote and newline escaped.  Zone names may hold any byte (RFC 4343's
 * \DDD escapes come out of ldns as they are).
 */
static void
metrics_label(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* "key=\"value\"" and then `sep', or nothing when key is NULL. */
static void
metrics_pair(FILE *fp, const char *key, const char *value, const char *sep)
{
	if (key == NULL)
		return;
	fprintf(fp, "%s=\"", key);
	metrics_label(fp, value);
	fprintf(fp, "\"%s", sep);
}

/*
 * One histogram's series under `name', labelled key="value" unless key
 * is NULL.  Prometheus histograms are cumulative: each bucket counts
 * all below.
 */
static void
metrics_hist_render(FILE *fp, const char *name, const char *key,
    const char *value, const struct metrics_hist *h)
{
	uint64_t cum = 0;
	int	 i;

	for (i = 0; i <= METRICS_BOOT_BUCKETS; i++) {
		cum += h->le[i];
		fprintf(fp, "%s_bucket{", name);
		metrics_pair(fp, key, value, ",");
		if (i < METRICS_BOOT_BUCKETS)
			fprintf(fp, "le=\"%g\"} %llu\n",
			    (double)boot_bounds[i] / 1000,
			    (unsigned long long)cum);
		else
			fprintf(fp, "le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	fprintf(fp, "%s_sum%s", name, key != NULL ? "{" : "");
	metrics_pair(fp, key, value, "}");
	fprintf(fp, " %.3f\n%s_count%s", (double)h->sum_ms / 1000, name,
	    key != NULL ? "{" : "");
	metrics_pair(fp, key, value, "}");
	fprintf(fp, " %llu\n", (unsigned long long)h->count);
}

static void
metrics_boots(const struct metrics *m, FILE *fp)
{
	fprintf(fp,
	    "# HELP jitsud_boot_seconds Time from the query that "
	    "summoned a VM to the VM being ready.\n"
	    "# TYPE jitsud_boot_seconds histogram\n");
	metrics_hist_render(fp, "jitsud_boot_seconds", NULL, NULL, &m->boot);
}

/*
 * One histogram, one series set per phase (the label tells them apart).
 * The query is the origin, always 0: not rendered.  A phase no summon
 * reached has no series at all, rather than a row of zeros that would
 * read as "observed, instantly".
 */
static void
metrics_phases(const struct metrics *m, FILE *fp)
{
	int p;

	fprintf(fp,
	    "# HELP jitsud_summon_phase_seconds Time from the query that "
	    "summoned a VM to each phase of its summon.\n"
	    "# TYPE jitsud_summon_phase_seconds histogram\n");
	for (p = TL_QUERY + 1; p < TL_NPHASES; p++)
		if (m->phase[p].count != 0)
			metrics_hist_render(fp, "jitsud_summon_phase_seconds",
			    "phase", timeline_phase_name((enum tl_phase)p),
			    &m->phase[p]);
}

static void
metrics_vms(const struct vms *vs, FILE *fp)
{
	const struct vm *v;
	uint64_t	 n[VM_NSTATES] = { 0 };
	int		 s;

	TAILQ_FOREACH(v, &vs->all, entry)
		n[v->state]++;
	fprintf(fp,
	    "# HELP jitsud_vms Unikernels by lifecycle state.\n"
	    "# TYPE jitsud_vms gauge\n");
	for (s = 0; s < VM_NSTATES; s++)
		fprintf(fp, "jitsud_vms{state=\"%s\"} %llu\n",
		    vm_state_name((enum vm_state)s), (unsigned long long)n[s]);
}

/* The Xen backend's builders: the VMs each is building right now. */
static void
metrics_builders(const struct vms *vs, FILE *fp)
{
	const struct vm *v;
	uint64_t	 n[CONF_BUILDERS_MAX + 1] = { 0 };
	int		 i;

	if (vs->builders <= 0 || vs->builders > CONF_BUILDERS_MAX)
		return;
	TAILQ_FOREACH(v, &vs->all, entry)
		if (v->state == VM_BUILDING && v->builder > 0 &&
		    v->builder <= vs->builders)
			n[v->builder]++;
	fprintf(fp,
	    "# HELP jitsud_builds_in_flight Domains each Xen builder thread "
	    "is building.\n"
	    "# TYPE jitsud_builds_in_flight gauge\n");
	for (i = 1; i <= vs->builders; i++)
		fprintf(fp, "jitsud_builds_in_flight{builder=\"%d\"} %llu\n", i,
		    (unsigned long long)n[i]);
}

/*
 * Per bound name: its state (one series, the current one), its boots as
 * a histogram, and when each phase of its last summon was reached.
 */
static void
metrics_bindings(const struct vms *vs, FILE *fp)
{
	const struct vm *v;
	int		 i;

	fprintf(fp,
	    "# HELP jitsud_binding_state A bound name's lifecycle state "
	    "(1, labelled with it).\n"
	    "# TYPE jitsud_binding_state gauge\n");
	TAILQ_FOREACH(v, &vs->all, entry) {
		fputs("jitsud_binding_state{name=\"", fp);
		metrics_label(fp, v->b.name);
		fprintf(fp, "\",state=\"%s\"} 1\n", vm_state_name(v->state));
	}
	fprintf(fp,
	    "# HELP jitsud_binding_boot_seconds A bound name's boots, from "
	    "the query that summoned it to ready.\n"
	    "# TYPE jitsud_binding_boot_seconds histogram\n");
	TAILQ_FOREACH(v, &vs->all, entry)
		metrics_hist_render(fp, "jitsud_binding_boot_seconds", "name",
		    v->b.name, &vm_rec_peek(v)->boots);
	fprintf(fp,
	    "# HELP jitsud_binding_last_phase_seconds When each phase of a "
	    "bound name's last summon was reached, after its query.\n"
	    "# TYPE jitsud_binding_last_phase_seconds gauge\n");
	TAILQ_FOREACH(v, &vs->all, entry)
		for (i = 1; i < TL_NPHASES; i++) {
			if (!(vm_rec_peek(v)->tl.set & (1u << i)))
				continue;
			fputs("jitsud_binding_last_phase_seconds{name=\"", fp);
			metrics_label(fp, v->b.name);
			fprintf(fp, "\",phase=\"%s\"} %.3f\n",
			    timeline_phase_name((enum tl_phase)i),
			    (double)vm_rec_peek(v)->tl.at[i] / 1000);
		}
}

static void
metrics_synjitsu(const struct metrics *m, FILE *fp)
{
	struct synjitsu_stats w;

	metrics_counter(fp, "jitsud_synjitsu_standins_total",
	    "Summons Synjitsu stood in for while the guest booted.",
	    m->standins);
	metrics_counter(fp, "jitsud_synjitsu_handovers_total",
	    "Synjitsu hand-overs written to a guest.", m->handovers);
	metrics_counter(fp, "jitsud_synjitsu_handed_connections_total",
	    "TCP connections handed over to guests.", m->handed_conns);
	metrics_counter(fp, "jitsud_synjitsu_adopted_connections_total",
	    "TCP connections guests said they adopted.", m->adopted_conns);
	metrics_counter(fp, "jitsud_synjitsu_expired_total",
	    "Stand-ins dropped: the guest never asked for its connections.",
	    m->standin_expired);
	if (m->wire == NULL)
		return;
	memset(&w, 0, sizeof(w));
	m->wire(m->wire_arg, &w);
	metrics_counter(fp, "jitsud_synjitsu_arp_replies_total",
	    "ARP replies sent for booting guests.", w.arp_replies);
	metrics_counter(fp, "jitsud_synjitsu_syns_total",
	    "SYNs received for booting guests.", w.syns);
	metrics_counter(fp, "jitsud_synjitsu_established_total",
	    "Handshakes completed for booting guests.", w.established);
	metrics_counter(fp, "jitsud_synjitsu_bytes_total",
	    "Client bytes buffered for booting guests.", w.bytes);
	metrics_counter(fp, "jitsud_synjitsu_refused_total",
	    "SYNs refused: no free slot or port not listed.",
	    w.drop_full + w.drop_port + w.drop_drain);
	metrics_counter(fp, "jitsud_synjitsu_malformed_total",
	    "Frames for booting guests dropped as malformed.", w.drop_bad);
	metrics_counter(fp, "jitsud_synjitsu_arp_requests_total",
	    "ARP requests sent for the next hops of booting guests' clients.",
	    w.arp_requests);
	metrics_counter(fp, "jitsud_synjitsu_neighbours_borrowed_total",
	    "Next hops of booting guests' clients found in dom0's ARP table.",
	    w.neigh_borrowed);
	metrics_counter(fp, "jitsud_synjitsu_spoofed_total",
	    "TCP for booting guests dropped: not from the MAC of its next hop.",
	    w.drop_spoof);
	metrics_counter(fp, "jitsud_synjitsu_unroutable_total",
	    "TCP for booting guests dropped: off-link, and no gateway.",
	    w.drop_route);
	metrics_counter(fp, "jitsud_synjitsu_kept_frames_total",
	    "TCP frames kept for guests between hand-over and adoption.",
	    w.kept);
	metrics_counter(fp, "jitsud_synjitsu_kept_passed_total",
	    "Kept frames passed on to the guest once it adopted.",
	    w.kept_passed);
	metrics_counter(fp, "jitsud_synjitsu_kept_lost_total",
	    "Kept frames dropped (too many, or no way to the guest).",
	    w.kept_lost);
}

/* conduit(7)'s answers: the kinds, as the "answer" label says them. */
static const char *const metrics_conduit_kinds[METRICS_CONDUIT_KINDS] = { "ok",
	"closed", "malformed", "unknown", "self", "limit", "unavailable",
	"timeout", "refused" };

int
metrics_conduit_kind(const char *value)
{
	int i;

	if (strncmp(value, "ok ", 3) == 0)
		return 0;
	if (strcmp(value, "closed") == 0)
		return 1;
	if (strncmp(value, "error ", 6) != 0)
		return -1;
	for (i = 2; i < METRICS_CONDUIT_KINDS; i++)
		if (strcmp(value + 6, metrics_conduit_kinds[i]) == 0)
			return i;
	return -1;
}

static void
metrics_conduit(const struct metrics *m, FILE *fp)
{
	size_t n, pending = 0;
	int    i;

	fprintf(fp,
	    "# HELP jitsud_conduit_answers_total conduit requests answered, "
	    "by answer.\n"
	    "# TYPE jitsud_conduit_answers_total counter\n");
	for (i = 0; i < METRICS_CONDUIT_KINDS; i++)
		if (m->conduit_answers[i] != 0)
			fprintf(fp,
			    "jitsud_conduit_answers_total{answer=\"%s\"} "
			    "%llu\n",
			    metrics_conduit_kinds[i],
			    (unsigned long long)m->conduit_answers[i]);
	if (m->conduits == NULL)
		return;
	n = m->conduits(m->conduits_arg, &pending);
	fprintf(fp,
	    "# HELP jitsud_conduit_channels conduit requests held: open, or "
	    "pending (summoning or offered).\n"
	    "# TYPE jitsud_conduit_channels gauge\n"
	    "jitsud_conduit_channels{state=\"open\"} %zu\n"
	    "jitsud_conduit_channels{state=\"pending\"} %zu\n",
	    n - pending, pending);
}

void
metrics_render(const struct metrics *m, const struct vms *vs, FILE *fp)
{
	metrics_queries(m, fp);
	metrics_rcodes(m, fp);
	metrics_counter(fp, "jitsud_dropped_total",
	    "Queries dropped as malformed beyond an answer.", m->dropped);
	metrics_counter(fp, "jitsud_truncated_total",
	    "Responses cut to fit and sent with TC.", m->truncated);
	metrics_counter(fp, "jitsud_outofzone_total",
	    "Queries for names outside every zone.", m->outofzone);
	metrics_counter(fp, "jitsud_send_errors_total",
	    "Responses the kernel refused to send.", m->send_errors);
	metrics_counter(fp, "jitsud_tcp_connections_total",
	    "TCP connections accepted.", m->tcp_clients);
	metrics_counter(fp, "jitsud_tcp_slow_closed_total",
	    "TCP clients closed for not taking their replies in time.",
	    m->tcp_slow);
	metrics_counter(fp, "jitsud_summons_total",
	    "Unikernel builds started because a query asked.", m->summons);
	metrics_counter(fp, "jitsud_summon_failures_total",
	    "Summons that ended without a ready unikernel.",
	    m->summon_failures);
	metrics_counter(fp, "jitsud_idle_stops_total",
	    "Unikernels stopped for being idle.", m->idle_stops);
	metrics_counter(fp, "jitsud_forwarded_total",
	    "Out-of-zone queries sent to the forwarder.", m->forwarded);
	metrics_counter(fp, "jitsud_forward_failures_total",
	    "Forwarded queries answered SERVFAIL: no upstream answer.",
	    m->forward_failures);
	metrics_counter(fp, "jitsud_maxwait_replies_total",
	    "Held replies sent at max-wait, before their VM was ready.",
	    m->maxwait_replies);
	metrics_counter(fp, "jitsud_rrl_dropped_total",
	    "UDP responses not sent: over the rate limit.", m->rrl_dropped);
	metrics_counter(fp, "jitsud_rrl_slipped_total",
	    "UDP responses over the rate limit sent truncated instead.",
	    m->rrl_slipped);
	metrics_boots(m, fp);
	metrics_phases(m, fp);
	metrics_synjitsu(m, fp);
	metrics_conduit(m, fp);
	if (vs != NULL) {
		metrics_vms(vs, fp);
		metrics_builders(vs, fp);
		metrics_bindings(vs, fp);
	}
}
