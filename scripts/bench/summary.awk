# summary.awk -- bench/results.txt from the BENCH lines of one nested run
# (build/bench/bench.results).  Every series says how many runs it had and
# how many failed; medians are over the good runs only; a series with no
# good run says "no data"; the issue's targets come last, each "holds",
# "does not hold" or "no data".  Variables: stamp (date), host, versions,
# arch (the emulated machine: amd64, arm64, armhf; its figures are
# prefixed "arm64-" and so on, amd64's are not).

function med(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0)
		return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2)
}

# pct(list, p): the p-th percentile, nearest rank.
function pct(list, p,    n, a, i, j, t, k) {
	n = split(list, a, " ")
	if (n == 0)
		return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	k = int((n * p + 99) / 100)
	return a[k < 1 ? 1 : k]
}

# add(arr, key, v): v appended to the list arr[key] (the test first: an
# assignment may create the element before its right side is read).
function add(arr, key, v,    had) {
	had = key in arr
	arr[key] = had ? arr[key] " " v : v
}

function target(text, ok, detail) {
	if (ok == "")
		printf "target: %s: no data%s\n", text, detail != "" ? " (" detail ")" : ""
	else
		printf "target: %s: %s (%s)\n", text, ok ? "holds" : "does not hold", detail
}

function ratio(a, b) {
	return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : ""
}

function tlmed(k, f) {
	return (k SUBSEP f) in tl ? med(tl[k SUBSEP f]) : ""
}

function peermed(m, f) {
	return (m SUBSEP f) in peerv ? med(peerv[m SUBSEP f]) : ""
}

# KiB/s as MiB/s with two decimals; "-" for none.
function mibs(k) {
	return k == "" ? "-" : sprintf("%.2f", k / 1024)
}

function msec(us) {
	return us == "" ? "-" : sprintf("%.1f", us / 1000)
}

# The emulated machine, as the header names it.
function machine(a) {
	if (a == "arm64")
		return "arm64 (Xen on ARM, qemu-system-aarch64, Cortex-A57)"
	if (a == "armhf")
		return "armhf (Xen on ARM, qemu-system-arm, Cortex-A15)"
	return "x86_64 (qemu-system-x86_64)"
}

function dash(x) {
	return x == "" ? "-" : x
}

# Issue 12's section: medians per mode over the good runs, the ratios
# conduit/TCP, and whether conduit wins each.
function peer_section(    i, m, r, nf, fl, lab, better, k, kk, a, b) {
	print ""
	print "## conduit against TCP over netfront (issue 12; bench-conduit.inc):"
	printf "## the same two guests: the echo unikernel (%s MiB, PVH) bound in\n", \
	    peermem == "" ? "?" : peermem
	print "## jitsud's zone with conduit=echo and ip=, stopped before every run"
	printf "## (jitsud: %s), and a client unikernel\n", peerconf == "" ? "?" : peerconf
	print "## (tests/peerbench.c, as much memory, a vif), a fresh domain per run,"
	print "## which on one channel measures with its own clock: ttfb = from its"
	print "## connect to the first echoed byte, the server cold (conduit: request"
	print "## to jitsud, summon, vchan; TCP: DNS query to jitsud, answered once"
	print "## the summoned echo is ready, ARP, handshake, port 7; connect = when"
	print "## the channel took its first byte; dns = the DNS answer); rtt = 1000"
	print "## round trips of 64 bytes, one at a time, p50/p99 per run; 1 MiB and"
	print "## 64 MiB echoed, written while read back, MiB/s of bytes back."
	print "## Medians over the good runs."
	print "# mode runs failed ttfb_ms connect_ms dns_ms rtt_p50_us rtt_p99_us 1MiB_MiB/s 64MiB_MiB/s"
	for (i = 1; i <= 2; i++) {
		m = i == 1 ? "conduit" : "tcp"
		if (!(m in peerruns)) { printf "%s no data\n", m; continue }
		printf "%s %d %d %s %s %s %s %s %s %s", m, peerruns[m], peerfail[m], \
		    msec(peermed(m, "ttfb_us")), msec(peermed(m, "connect_us")), \
		    m == "tcp" ? msec(peermed(m, "dns_us")) : "-", \
		    dash(peermed(m, "rtt_p50_us")), dash(peermed(m, "rtt_p99_us")), \
		    mibs(peermed(m, "mib1_kibs")), mibs(peermed(m, "mib64_kibs"))
		if (peerfail[m]) printf "  # failed: %s", peerwhy[m]
		printf "\n"
	}
	# Where a cold connect's time goes after the summon: jitsud's ready
	# (its timeline, ms after the request or query), then conduit's
	# steps as dom0's XenStore watch saw them, TCP's as the client did.
	print "# after the summon, ms from the request or DNS query (medians):"
	print "# conduit: ready offer ring_published reply_ok connected first_byte"
	printf "conduit-steps %s %s %s %s %s %s\n", \
	    dash(tlmed("peer conduit", "ready")), dash(peermed("conduit", "rdv_offer_ms")), \
	    dash(peermed("conduit", "rdv_ring_ms")), dash(peermed("conduit", "rdv_reply_ms")), \
	    msec(peermed("conduit", "connect_us")), msec(peermed("conduit", "ttfb_us"))
	print "# tcp: ready dns_answer connected first_byte"
	printf "tcp-steps %s %s %s %s\n", dash(tlmed("peer tcp", "ready")), \
	    msec(peermed("tcp", "dns_us")), msec(peermed("tcp", "connect_us")), \
	    msec(peermed("tcp", "ttfb_us"))
	# The summon is the same for both; what follows jitsud's ready is
	# the transports' own: per run, the first byte less the ready.
	for (k in peerttfb)
		if (k in peerready) {
			split(k, kk, SUBSEP)
			add(peerpost, kk[1], int(peerttfb[k] / 1000 - peerready[k]))
		}
	a = ("conduit" in peerpost) ? med(peerpost["conduit"]) : ""
	b = ("tcp" in peerpost) ? med(peerpost["tcp"]) : ""
	printf "# first byte after jitsud's ready (the summon left out), median ms:\n"
	printf "after-ready conduit %s tcp %s conduit/tcp %s\n", dash(a), dash(b), \
	    dash(ratio(a, b))
	nf = split("ttfb_us rtt_p50_us rtt_p99_us mib1_kibs mib64_kibs", fl, " ")
	split("cold-ttfb rtt-p50 rtt-p99 1MiB-throughput 64MiB-throughput", lab, " ")
	printf "# conduit/tcp (times: below 1 is better; throughput: above 1):"
	for (i = 1; i <= nf; i++) {
		r = ratio(peermed("conduit", fl[i]), peermed("tcp", fl[i]))
		printf " %s=%s", lab[i], r == "" ? "-" : r
	}
	printf "\n"
	for (i = 1; i <= nf; i++) {
		r = ratio(peermed("conduit", fl[i]), peermed("tcp", fl[i]))
		better = fl[i] ~ /kibs$/ ? r + 0 > 1 : r + 0 < 1
		target("conduit beats TCP over netfront on " lab[i] " (issue 12)", \
		    r == "" ? "" : better, r == "" ? "" : \
		    sprintf("conduit %s / tcp %s = %s", peermed("conduit", fl[i]), \
		    peermed("tcp", fl[i]), r))
	}
}

# The DNS section's four windows, in the order they are printed.
BEGIN { ndk = split("idle build idle_ping build_ping", dkind, " ") }
$1 == "END" { verdict = $2; sub(/^rc=/, "", verdict) }
$1 == "TESTBED-ERROR" { terr = $0 }
$1 == "FAIL" { nfailsteps++ }
$1 != "BENCH" { next }
{
	delete v
	for (i = 3; i <= NF; i++) {
		p = index($i, "=")
		if (p) v[substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	raw[++nraw] = $0
}
$2 == "info" { info_runs = v["runs"]; info_pieces = v["pieces"]; info_free = v["free_mb"]; info_xs = v["xenstored"]; info_cpus = v["cpus"]; info_d0v = v["dom0_vcpus"] }
$2 == "done" { done = 1 }
$2 == "quiet" && v["capped"] == 1 { quietcapped++ }
$2 == "step" {
	if (!(v["label"] in stepkind)) order[++nsteps] = v["label"]
	stepkind[v["label"]] = v["kind"]
	stepavail[v["label"]] = v["avail"]
	stepwhy[v["label"]] = v["why"]
}
$2 == "boot" {
	k = v["step"] SUBSEP v["mem"]
	if (!(v["mem"] in memseen)) { memseen[v["mem"]] = 1; mems[++nmems] = v["mem"] }
	bruns[k]++
	if (v["failed"] == 1) { bfail[k]++; add(bwhy, k, v["why"]) }
	else { add(bms, k, v["ms"]); add(bmid, k, v["answer_ms"] v["create_ms"]) }
	if (v["failed_stop"] == 1) bstop[k]++
	if (v["mem"] + 0 > 0) coldboots++
	if (v["failed"] == 1) coldfailed++
}
$2 == "parallel" {
	k = v["sys"] SUBSEP v["n"]
	if (!(v["n"] in nseen)) { nseen[v["n"]] = 1; ns[++nns] = v["n"] }
	pruns[k]++
	coldboots += v["n"]
	if (v["failed"] == 1) { pfail[k]++; add(pwhy, k, v["why"] "(served=" v["served"] ")"); coldfailed++ }
	else add(pms, k, v["all_ms"])
}
# A burst of eight the DNS probes ran through: a cold boot of each guest,
# kept out of figure 2.
$2 == "dns-burst" {
	coldboots += v["n"]
	dbursts++
	if (v["failed"] == 1) { dbfail++; add(dbwhy, "x", v["why"] "(served=" v["served"] ")"); coldfailed++ }
	else add(dbms, "x", v["all_ms"])
}
# A burst before figure 2's runs, one per system, kept out of it: the
# first burst after a start was slower than the same burst after it.
$2 == "warmup" {
	coldboots += v["n"]
	wk = v["sys"] " " v["n"]
	if (!(wk in wms)) worder[++nwo] = wk
	wms[wk] = v["failed"] == 1 ? "failed(" v["why"] ")" : v["all_ms"]
	if (v["failed"] == 1) coldfailed++
}
# Where dom0's time went during a figure 2 run.
$2 == "burst-cpu" {
	k = v["sys"] " " v["n"]
	if (!(k in bcruns)) bcorder[++nbco] = k
	bcruns[k]++
	for (f in v)
		if (f ~ /_ms$/) add(bcpu, k SUBSEP f, v[f])
}
# A figure 2 run whose CPU window missed the poller's word: no counts.
$2 == "burst-window" { bwlate++ }
# The guests' own CPU in a figure 2 run, as Xen counts it (domcpu).
$2 == "burst-xen" && v["guests_ms"] != "" {
	k = v["sys"] " " v["n"]
	if (!(k in bxruns)) bxorder[++nbxo] = k
	bxruns[k]++
	add(bxg, k, v["guests_ms"])
	add(bxi, k, v["xenidle_ms"])
}
# The frames dom0 sent the guests in a figure 2 run (a guest's own and
# every broadcast on the bridge: ARP announcements reach each guest up).
$2 == "burst-packets" {
	k = v["sys"] " " v["n"]
	if (!(k in bpto)) bpk[++nbpo] = k
	add(bpto, k, v["to_guests"])
	add(bpfrom, k, v["from_guests"])
}
$2 == "fig3-conf" { fig3mem = v["mem"]; fig3client = v["client"] }
$2 == "fig1-conf" { fig1client = v["client"] }
$2 == "memory" {
	k = v["sys"] " " v["n"]
	if (!(k in dmin)) { morder[++nmo] = k; dmin[k] = v["dom0_avail_mb"]; xmin[k] = v["xen_free_mb"] }
	if (v["dom0_avail_mb"] + 0 < dmin[k] + 0) dmin[k] = v["dom0_avail_mb"]
	if (v["xen_free_mb"] + 0 < xmin[k] + 0) xmin[k] = v["xen_free_mb"]
}
$2 == "parallel-conf" { parconf = v["conf"]; parjitsud = v["jitsud"] }
$2 == "dns-latency-eight" {
	dnsruns = v["runs"] != "" ? v["runs"] : 1 # an older run's: one window
	idle99 = v["idle_p99_us"]; build99 = v["build_p99_us"]
	pidle99 = v["idle_ping_p99_us"]; pbuild99 = v["build_ping_p99_us"]
	for (di = 1; di <= ndk; di++) {
		dk = dkind[di]
		# An older run's line (one window, no _n or _p90): "-".
		dline[dk] = v[dk "_p99_us"] != "" ? sprintf("%s %s %s %s %s", \
		    dash(v[dk "_n"]), dash(v[dk "_p50_us"]), dash(v[dk "_p90_us"]), \
		    v[dk "_p99_us"], dash(v[dk "_max_us"])) : ""
	}
}
$2 == "synjitsu-first-byte" {
	m = v["mode"]
	sruns[m]++
	if (m != "warm") coldboots++
	if (v["failed"] == 1) { sfail[m]++; add(swhy, m, v["why"]); if (m != "warm") coldfailed++ }
	else {
		add(sms, m, v["ms"])
		if ("synretrans" in v) { sretr[m] += v["synretrans"]; if (v["synretrans"] > 0) sretrruns[m]++; shasretr[m] = 1 }
	}
}
# What dom0 spent on a figure 3 run, by who spent it.
$2 == "dom0-cpu" {
	m = v["mode"]
	cpuruns[m]++
	ncpu++
	for (k in v)
		if (k ~ /_ms$/) add(cpu, m SUBSEP k, v[k])
}
# Issue 12: conduit against TCP, one line per run and mode.
$2 == "peer-conf" { peermem = v["mem"]; peerconf = v["conf"]; gsub(/_/, " ", peerconf) }
$2 == "peer" {
	m = v["mode"]
	peerruns[m]++
	coldboots++
	if (v["failed"] == 1) { peerfail[m]++; add(peerwhy, m, v["why"]); coldfailed++ }
	else {
		for (f in v)
			if (f != "mode" && f != "run")
				add(peerv, m SUBSEP f, v[f])
		peerttfb[m, v["run"]] = v["ttfb_us"]
	}
}
$2 == "timeline" && ("peer" in v) { peerready[v["peer"], v["run"]] = v["ready"] }
# A jitsud summon's timeline: ms after the query per phase, grouped by
# figure 1's step and memory, figure 2's N, figure 3's mode or the
# conduit piece's mode.
$2 == "timeline" {
	k = ("peer" in v) ? "peer " v["peer"] : \
	    ("mode" in v) ? "fig3 " v["mode"] : ("n" in v) ? "fig2 N=" v["n"] : \
	    "fig1 " v["step"] "," v["mem"] "MiB"
	if (!(k in tlruns)) tlorder[++ntl] = k
	tlruns[k]++
	for (f in v)
		if (f != "step" && f != "mem" && f != "mode" && f != "run" && f != "builder" && f != "n" && f != "sys" && f != "peer")
			add(tl, k SUBSEP f, v[f])
}
$2 == "warning" { nwarn++; warn[nwarn] = $0 }
# Any other series with an http_ms per run (the Linux baseline piece).
("http_ms" in v) && $2 != "boot" {
	if (!($2 in oruns)) oorder[++noo] = $2
	oruns[$2]++
	add(oms, $2, v["http_ms"])
}

END {
	fp = (arch == "" || arch == "amd64") ? "bench/" : "bench/" arch "-"
	printf "# jitsud benchmarks on %s, %s\n", machine(arch), stamp
	printf "# host: %s; nested Xen under QEMU TCG (times are emulated: compare\n", host
	printf "# only ratios within this file)\n"
	printf "# versions: %s\n", versions
	printf "# pieces: %s; runs per point: %s; dom0 free memory for guests: %s MiB\n", \
	    info_pieces == "" ? "?" : info_pieces, info_runs == "" ? "?" : info_runs, \
	    info_free == "" ? "?" : info_free
	if (info_xs != "")
		printf "# dom0's xenstored: %s\n", info_xs
	if (info_cpus != "")
		printf "# the emulated machine: %s CPU(s), dom0 %s vCPU(s)\n", \
		    info_cpus, info_d0v == "" ? "?" : info_d0v
	if (terr != "")
		printf "# INCOMPLETE RUN: %s\n", terr
	else if (!done)
		printf "# INCOMPLETE RUN: the bench did not reach its end\n"
	printf "# testbed verdict: %s (steps failed: %d; every failed run is below)\n", \
	    verdict == "" ? "none" : "rc=" verdict, nfailsteps
	printf "# cold boots: %d, failed runs among them: %d\n", coldboots, coldfailed
	printf "# runs started on a busy dom0 (bench_quiet's 5 s cap): %d\n", quietcapped
	for (i = 1; i <= nwarn; i++) print "# " warn[i]

	print ""
	printf "## Figure 1 (%sboot-steps.svg): httpd unikernel (PVH), xl create or\n", fp
	print "## DNS query until its first HTTP byte, per optimisation step (each"
	print "## step adds to the previous ones; tests/xen/bench-steps.inc); the"
	if (fig1client == "dom0") {
		print "## client: curl in a namespace of the emulated dom0 (this machine"
		print "## had no host client), dom0's clock, from its query or, for xl,"
		print "## from xl create's start (it polls every ~60 ms, so xl's times may"
		print "## be late by up to 60 ms); create_or_answer: xl create's own time"
		print "## or when the client had the DNS answer (both dom0's clock);"
	} else {
		print "## client: curl on the host, host clock, from its request (for xl: its"
		print "## signal to dom0 to create; it then polls every ~60 ms, so xl's times"
		print "## may be late by up to 60 ms); create_or_answer: xl create's own time"
		print "## (dom0 clock) or when the client had the DNS answer (host clock);"
	}
	print "## a jitsud run with shells starts once its pool is whole again (jitsud"
	print "## makes its shells a second after a summon), in figures 2 and 3 too;"
	print "## linux-xl: the baseline Linux guest (tests/xen/linux*.cfg, vif-jitsu)"
	print "## by xl create, at the memory it needs, to its web server's first byte"
	print "# step mem_MiB runs failed median_ms median_create_or_answer_ms"
	for (s = 1; s <= nsteps; s++) {
		l = order[s]
		if (stepavail[l] != 1) {
			printf "%s not available (%s)\n", l, stepwhy[l]
			continue
		}
		for (j = 1; j <= nmems; j++) {
			k = l SUBSEP mems[j]
			if (!(k in bruns)) continue
			md = med(bms[k])
			printf "%s %s %d %d %s %s", l, mems[j], bruns[k], bfail[k], \
			    md == "" ? "no-data" : md, md == "" ? "-" : med(bmid[k])
			if (bfail[k]) printf "  # failed: %s", bwhy[k]
			if (bstop[k]) printf "  # %d did not stop cleanly", bstop[k]
			printf "\n"
			fig1[l, mems[j]] = md
		}
	}
	if (nsteps == 0) print "no data"
	# The paper's unikernel against a Linux VM, both by xl create.
	lm = ""
	for (j = 1; j <= nmems; j++)
		if (fig1["linux-xl", mems[j]] != "") lm = mems[j]
	r = lm == "" ? "" : ratio(fig1["linux-xl", lm], fig1["xl-vif-jitsu", 4])
	if (r == "")
		print "# Linux guest / httpd unikernel, both xl create + vif-jitsu: no data"
	else
		printf "# Linux guest / httpd unikernel, both xl create + vif-jitsu: %s (Linux %s MiB %d ms, unikernel 4 MiB %d ms)\n", \
		    r, lm, fig1["linux-xl", lm], fig1["xl-vif-jitsu", 4]

	# Figure 2 is x86's; another machine's run has it only when asked.
	if (arch == "" || arch == "amd64" || nns || idle99 != "") {
		print ""
		printf "## Figure 2 (%sparallel.svg, %sparallel-per-guest.svg): N httpd\n", fp, fp
		print "## unikernels (4 MiB, vif-jitsu) started at once until all serve HTTP;"
		printf "## jitsud (N names queried at once; conf: %s) against N parallel xl create\n", \
		    parconf == "" ? "?" : parconf
		print "## (the start in dom0: jitsud's when one qburst process sent its first"
		print "## query, xl's as its N processes are started; the end: servewait in"
		print "## dom0, started and watching before the start, sees each guest's"
		print "## data/status = ready in XenStore, then its first HTTP byte, for both)"
		print "# system N runs failed median_all_ms per_guest_ms"
		for (si = 1; si <= 2; si++) {
			sys = si == 1 ? "jitsud" : "xl"
			for (j = 1; j <= nns; j++) {
				k = sys SUBSEP ns[j]
				if (!(k in pruns)) continue
				md = med(pms[k])
				printf "%s %s %d %d %s %s", sys, ns[j], pruns[k], pfail[k], \
				    md == "" ? "no-data" : md, md == "" ? "-" : int(md / ns[j])
				if (pfail[k]) printf "  # failed: %s", pwhy[k]
				printf "\n"
				par[sys, ns[j]] = md
			}
		}
		if (nns == 0) print "no data"
		if (nwo) {
			print "# the warm-up burst of each system before the runs (not in figure 2):"
			print "# system N all_ms"
			for (i = 1; i <= nwo; i++) print worder[i], wms[worder[i]]
		}
		print "# memory left with the N guests up (MiB, lowest over the runs):"
		print "# system N dom0_available xen_free"
		for (i = 1; i <= nmo; i++) print morder[i], dmin[morder[i]], xmin[morder[i]]
		if (nmo == 0) print "no data"
		if (nbpo) {
			print "# frames through the guests' vifs during the runs, a guest (medians"
			print "# of a run's sums over N): to them (their own and every broadcast on"
			print "# the bridge, which reaches each guest already up), from them"
			print "# system N to_a_guest from_a_guest"
			for (i = 1; i <= nbpo; i++) {
				k = bpk[i]
				split(k, kn, " ")
				printf "%s %d %d\n", k, med(bpto[k]) / kn[2], \
				    med(bpfrom[k]) / kn[2]
			}
		}
		if (nbco) {
			print "# where dom0's time went during the runs (median ms; /proc/stat's"
			print "# 10 ms ticks): steal, dom0's vCPU waiting while Xen ran the guests,"
			print "# and idle, nothing to run (0: the run is bound by the one CPU), from"
			print "# the start (for jitsud once qburst is up and waits) to servewait's"
			print "# word that every guest served; then dom0's CPU by task over the"
			print "# same window: jitsud's main thread, its builders, xenstored,"
			print "# xenconsoled"
			if (bwlate)
				printf "# (%d run(s) left out: their window missed servewait's word)\n", bwlate
			print "# system N runs steal idle jitsud builders xenstored xenconsoled"
			split("steal_ms idle_ms jitsud_ms builders_ms xenstored_ms xenconsoled_ms", bk, " ")
			for (i = 1; i <= nbco; i++) {
				k = bcorder[i]
				printf "%s %d", k, bcruns[k]
				for (j = 1; j <= 6; j++)
					printf " %s", ((k SUBSEP bk[j]) in bcpu) ? \
					    med(bcpu[k, bk[j]]) : "-"
				printf "\n"
			}
		}
		if (nbxo) {
			print "# the guests' own CPU during the runs as Xen counts it (tests/tools/"
			print "# domcpu: their vCPUs' run time, with Xen's work on their behalf),"
			print "# median ms for the run and that over N, and Xen's idle time (0: the"
			print "# one CPU never rested)"
			print "# system N runs guests a_guest xen_idle"
			for (i = 1; i <= nbxo; i++) {
				k = bxorder[i]
				split(k, kn, " ")
				printf "%s %d %d %d %d\n", k, bxruns[k], med(bxg[k]), \
				    med(bxg[k]) / kn[2], med(bxi[k])
			}
		}
		print "# a live name's DNS round trip (us), idle and while jitsud starts eight"
		print "# (the client on the host, one query every 50 ms; in bursts of eight"
		print "# of their own after figure 2's runs, 8 s idle before each, then 8 s"
		print "# from the burst on; every round trip pooled), and in the same windows the"
		print "# control: dom0's kernel answering ICMP echo (ping every 50 ms), where"
		print "# jitsud plays no part.  A lost query counts as 2 s, a lost echo as 1 s:"
		print "# probe window samples p50 p90 p99 max"
		for (di = 1; di <= ndk; di++) {
			dk = dkind[di]
			printf "%s %s %s\n", di <= 2 ? "dns" : "ping", \
			    di % 2 ? "idle" : "build", \
			    dline[dk] == "" ? "no data" : dline[dk]
		}
		if (dbursts) {
			print "# the bursts the probes ran through (not in figure 2): runs failed all_ms_p50"
			printf "dns-bursts %d %d %s", dbursts, dbfail + 0, \
			    dbms["x"] == "" ? "no-data" : med(dbms["x"])
			if (dbfail) printf "  # failed: %s", dbwhy["x"]
			printf "\n"
		}
	}

	print ""
	printf "## Figure 3 (%ssynjitsu.svg): first connection, DNS query until the\n", fp
	printf "## first HTTP byte (ms) of the httpd unikernel (%s MiB): syn = cold with\n", \
	    fig3mem == "" ? "?" : fig3mem
	print "## Synjitsu, hold = cold, answer held until ready, lost = cold answered"
	print "## at once without Synjitsu (first SYN lost), warm = already running;"
	print "## synretrans = the client's TcpExtTCPSynRetrans summed over the good runs;"
	if (fig3client == "host")
		print "## the client: curl on the host (outside the emulated machine), host clock"
	else
		print "## the client: curl in a namespace of the emulated dom0, dom0's clock"
	print "# mode runs failed p50 p90 max synretrans runs_with_retrans"
	split("syn hold lost warm", modes, " ")
	for (j = 1; j <= 4; j++) {
		m = modes[j]
		if (!(m in sruns)) { printf "%s no data\n", m; continue }
		p50 = pct(sms[m], 50)
		printf "%s %d %d %s %s %s %s %d", m, sruns[m], sfail[m], \
		    p50 == "" ? "no-data" : p50, p50 == "" ? "-" : pct(sms[m], 90), \
		    p50 == "" ? "-" : pct(sms[m], 100), \
		    shasretr[m] ? sretr[m] : "-", sretrruns[m]
		if (sfail[m]) printf "  # failed: %s", swhy[m]
		printf "\n"
		sp50[m] = p50
	}
	if (ncpu) {
		print "## what dom0 spent on a run (median ms of the good cold runs), from"
		print "## just before the client is asked to its word that it is done (the"
		print "## host client's ask and word cross the console's relay, which dom0"
		print "## waits for, idle): all of dom0 on its vCPU, steal (waiting while Xen"
		print "## ran the guests) and idle (/proc/stat, 10 ms ticks), then jitsud's"
		print "## main thread, its builders, its conduit thread, xenstored, xenconsoled"
		print "# mode runs dom0 steal idle jitsud builders conduit xenstored xenconsoled"
		split("dom0_ms steal_ms idle_ms jitsud_ms builders_ms conduit_ms xenstored_ms xenconsoled_ms", ck, " ")
		for (j = 1; j <= 3; j++) {
			m = modes[j]
			if (!(m in cpuruns)) continue
			printf "cpu %s %d", m, cpuruns[m]
			for (i = 1; i <= 8; i++)
				printf " %s", ((m SUBSEP ck[i]) in cpu) ? \
				    med(cpu[m, ck[i]]) : "-"
			printf "\n"
		}
	}

	if (("conduit" in peerruns) || ("tcp" in peerruns) || \
	    index("," info_pieces ",", ",conduit,"))
		peer_section()

	if (noo) {
		print ""
		print "## Other series: runs, median ms until the first HTTP reply"
		for (i = 1; i <= noo; i++)
			printf "%s %d %s\n", oorder[i], oruns[oorder[i]], med(oms[oorder[i]])
	}

	if (ntl) {
		print ""
		print "## jitsud's summon timelines (jitsud's log): median ms after the"
		print "## query at which each phase was reached (\"-\": not in these runs);"
		print "## nic_*: the guest's own account of its NIC's xenbus handshake, its"
		print "## length, its XenStore requests and the ms spent waiting for them"
		nph = split("build created unpaused devices ready handover adopted nic_ms nic_xs nic_xs_ms", ph, " ")
		printf "# figure series runs"
		for (j = 1; j <= nph; j++) printf " %s", ph[j]
		printf "\n"
		for (i = 1; i <= ntl; i++) {
			k = tlorder[i]
			printf "%s %d", k, tlruns[k]
			for (j = 1; j <= nph; j++)
				printf " %s", (k SUBSEP ph[j]) in tl ? med(tl[k SUBSEP ph[j]]) : "-"
			printf "\n"
		}
	}

	print ""
	print "## Targets (issue 10), ratios of medians from this run"
	# The fastest jitsud: the last available jitsud step with data at 4 MiB.
	js = ""
	for (s = 1; s <= nsteps; s++)
		if (stepkind[order[s]] == "jitsud" && fig1[order[s], 4] != "")
			js = order[s]
	jv = js == "" ? "" : fig1[js, 4]
	r = ratio(jv, fig1["xl-stock", 4])
	target("jitsud summon at most 1/3 of xl create + vif-bridge, 4 MiB", \
	    r == "" ? "" : r + 0 <= 0.3334, r == "" ? "" : \
	    sprintf("%s %d ms / xl-stock %d ms = %s", js, jv, fig1["xl-stock", 4], r))
	r = ratio(jv, fig1["xl-vif-jitsu", 4])
	target("jitsud summon at most 0.6x xl create + vif-jitsu, 4 MiB", \
	    r == "" ? "" : r + 0 <= 0.6, r == "" ? "" : \
	    sprintf("%s %d ms / xl-vif-jitsu %d ms = %s", js, jv, fig1["xl-vif-jitsu", 4], r))
	ok = (sp50["syn"] != "" && sp50["hold"] != "") ? sp50["syn"] + 0 < sp50["hold"] + 0 : ""
	target("Synjitsu first-connection p50 below held-answer p50", ok, \
	    ok == "" ? "" : sprintf("syn %d ms, hold %d ms", sp50["syn"], sp50["hold"]))
	ok = (sp50["syn"] != "" && sp50["lost"] != "") ? sp50["lost"] - sp50["syn"] >= 1000 : ""
	target("Synjitsu p50 at least 1 s below lost-SYN p50", ok, \
	    ok == "" ? "" : sprintf("lost %d - syn %d = %d ms", sp50["lost"], sp50["syn"], sp50["lost"] - sp50["syn"]))
	ok = shasretr["syn"] ? sretr["syn"] == 0 : ""
	target("no SYN retransmitted in any Synjitsu run", ok, \
	    ok == "" ? "" : sprintf("TcpExtTCPSynRetrans %d over %d good syn runs", \
	    sretr["syn"], sruns["syn"] - sfail["syn"]))
	r = ratio(par["jitsud", 8], par["jitsud", 1])
	target("eight summons at once all served in at most 3x one", \
	    r == "" ? "" : r + 0 <= 3, r == "" ? "" : \
	    sprintf("N=8 %d ms / N=1 %d ms = %s", par["jitsud", 8], par["jitsud", 1], r))
	a = par["jitsud", 32] != "" ? par["jitsud", 32] / 32 : ""
	b = par["jitsud", 8] != "" ? par["jitsud", 8] / 8 : ""
	target("per-guest cost at N=32 no worse than at N=8 (jitsud)", \
	    (a == "" || b == "") ? "" : a <= b, (a == "" || b == "") ? "" : \
	    sprintf("%d ms vs %d ms a guest", a, b))
	for (xi = 1; xi <= 2; xi++) {
		xs = xi == 1 ? "xl-vif-jitsu" : "xl-stock"
		gj = (fig1[js, 256] != "" && jv != "") ? fig1[js, 256] - jv : ""
		gx = (fig1[xs, 256] != "" && fig1[xs, 4] != "") ? fig1[xs, 256] - fig1[xs, 4] : ""
		target("boot grows less from 4 to 256 MiB under jitsud than under " xs, \
		    (gj == "" || gx == "") ? "" : gj < gx, (gj == "" || gx == "") ? "" : \
		    sprintf("%s %+d ms, %s %+d ms", js, gj, xs, gx))
	}
	r = ratio(build99, idle99)
	pr = ratio(pbuild99, pidle99)
	target("DNS p99 of a live name during 8 parallel builds at most 2x idle", \
	    r == "" ? "" : r + 0 <= 2, r == "" ? "" : \
	    sprintf("%d us / %d us = %s, %d run%s pooled; dom0's ICMP echo in the same windows: %s", \
	    build99, idle99, r, dnsruns, dnsruns == 1 ? "" : "s", pr == "" ? "no data" : \
	    sprintf("%d us / %d us = %s", pbuild99, pidle99, pr)))
	target("0 failed runs in at least 100 cold boots", \
	    coldboots == 0 ? "" : coldfailed == 0 && coldboots >= 100, \
	    sprintf("%d cold boots, %d failed runs", coldboots, coldfailed))

	print ""
	print "## Every BENCH line of the run, as recorded"
	for (i = 1; i <= nraw; i++) print raw[i]
}
