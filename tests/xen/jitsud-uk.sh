# jitsud-uk.sh -- jitsud summons our own httpd unikernel (PVH, 8 MiB):
# eight cold names asked at once all boot and serve, while a live name
# keeps being answered (qlat records every round trip), and the guest
# says it is ready through XenStore (data/status), which jitsud watches.
# With two builder threads the eight builds run side by side (their
# libxl create calls overlap in time, on different builders); the same
# eight again with one builder must show no overlap.

mkdir -p /etc/jitsud /var/lib/jitsud
uk="kernel=/testbed/unikernels/httpd.pvh type=pvh memory=8M cpuid=\"host,rdtscp=0\" ready=xenstore max-boot=60s max-wait=30s idle=0 synjitsu=off"
{
	printf '$ORIGIN test.\n$TTL 30\n'
	printf '@\tIN\tSOA\tns hostmaster 1 3600 600 86400 30\n'
	printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
	for i in 1 2 3 4 5 6 7 8; do
		printf 'www%d\tIN\tUNIKERNEL\t%s ip=10.0.0.2%d\n' "$i" "$uk" "$i"
	done
	# A unikernel that fails at start (port 0 cannot listen) and crashes.
	printf 'bad\tIN\tUNIKERNEL\t%s ip=10.0.0.29 cmdline="port=0"\n' "$uk"
} > /etc/jitsud/test.zone
# conf N: jitsud.conf with N builder threads.  shells 0: this suite is
# about libxl's builds (its create calls overlapping on several
# builders, the kernel it reads); jitsud-shells.sh tests the shells.
conf() {
	printf 'listen on 10.0.0.1\nzone test.zone\nbackend xen\n'
	printf 'vif-script vif-jitsu\nbuilders %d\nshells 0\n' "$1"
}
conf 2 > /etc/jitsud/jitsud.conf
tb_log "dom0 CPUs online" nproc
jitsud -d -v -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud.log 2>&1 &
jpid=$!
tb_until test -S /run/jitsud/jitsud.sock

# Ask for all eight at once; each answer must be its own address.
summon_all() {
	for i in 1 2 3 4 5 6 7 8; do
		( [ "$(tb_client dig @10.0.0.1 +time=40 +tries=1 +short \
		    "www$i.test")" = "10.0.0.2$i" ] && touch "/tmp/ok.$i" ) &
	done
	wait
	for i in 1 2 3 4 5 6 7 8; do
		[ -f "/tmp/ok.$i" ] || { echo "www$i: no answer"; return 1; }
	done
}

serves() {
	tb_client curl -sf --max-time 5 "http://10.0.0.2$1/" | grep -qi "<html"
}

# What the network looked like when a guest did not answer: the client's
# neighbour table, the bridge's forwarding table, each vif's counters.
net_state() {
	echo "--- client neighbours"; tb_client ip neigh
	echo "--- bridge fdb"; bridge fdb show br br0 | grep -v permanent
	echo "--- vifs"; ip -s link show type vif 2>/dev/null || ip -s link
}

# Each guest gets a few tries: the first packets may meet an ARP miss.
# Every try is counted and timed, so a slow first answer is on record.
serve_all() {
	for i in 1 2 3 4 5 6 7 8; do
		_n=0
		_t=$(tb_now)
		until serves "$i"; do
			_n=$((_n + 1))
			echo "www$i: try $_n failed after $(($(tb_now) - _t)) ms"
			[ $_n -lt 5 ] || { echo "www$i: no page"; net_state; return 1; }
			sleep 0.5
		done
		echo "www$i: served after $_n failed tries, $(($(tb_now) - _t)) ms"
	done
}

# Eight builds at once saturate the emulated dom0 (one host thread runs
# both vCPUs): the live name must still be answered, the typical query at
# once (p50 < 100 ms) and no more than 1 % lost; the tail is recorded.
others_verdict() {
	tb_until test -f /tmp/others.rc
	tail -n 1 /tmp/others.out
	# No summary line (qlat failed) is a failure, not a pass.
	awk '/^queries=/ {
	    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    ok = v["p50_us"] < 100000 && v["lost"] * 100 <= v["queries"] }
	    END { exit !ok }' /tmp/others.out
}

# CPU seconds the www guests have used, summed (xl list's Time column).
guests_cpu() {
	xl list | awk '$1 ~ /^www/ { t += $6 } END { printf "%.1f\n", t }'
}

# Ready and not yet asked anything, a guest has no timer armed: it must
# block in Xen, not spin (it did, when "no deadline" reached Xen as a
# timeout already past).  Eight idle guests get 1 CPU second in 5 s.
guests_idle() {
	# All eight must be there to be idle: none is no proof.
	_n=$(xl list | awk '$1 ~ /^www/' | wc -l)
	[ "$_n" -eq 8 ] || { echo "$_n www guests run, not 8"; return 1; }
	_a=$(guests_cpu)
	sleep 5
	_b=$(guests_cpu)
	echo "guests used $_a s, then $_b s 5 s later"
	awk -v a="$_a" -v b="$_b" 'BEGIN { exit !(b - a < 1.0) }'
}

# The builder threads' line for each www guest built (xlb.c): "NAME:
# builder B built domain D: libxl create call S-E ms (cpu C ms), created
# T ms (monotonic)", printed as "NAME B S E C T".
builds() {
	awk '$1 ~ /^www[0-9]\.test:$/ && $2 == "builder" && $4 == "built" {
	    split($10, se, "-"); print $1, $3, se[1], se[2], $13, $16 }' "$1"
}

# Every pair of those builds: whose libxl create calls (where the domain
# is made and its memory filled) ran at the same time, on two builders
# or on one (impossible: one thread), and whose creates were under way
# together (call to created: also true of one builder, whose libxl
# operations interleave while they wait for devices).
overlaps() {
	builds "$1" | awk '{ b[NR] = $2; s[NR] = $3; e[NR] = $4; t[NR] = $6 }
	    END { for (i = 1; i <= NR; i++) {
		used[b[i]] = 1
		for (j = i + 1; j <= NR; j++) {
		    if (s[i] < e[j] && s[j] < e[i]) {
			if (b[i] != b[j]) two++; else one++
		    }
		    if (s[i] < t[j] && s[j] < t[i]) together++
		}
	    }
	    for (k in used) nb++
	    printf "builds=%d builders_used=%d calls_overlapping_on_two=%d " \
		"calls_overlapping_on_one=%d creates_under_way_together=%d\n",
		NR, nb, two + 0, one + 0, together + 0 }'
}

# The proof of parallel builds in log $1: all eight built, on two
# builders, at least one pair of create calls overlapping on two.
builds_overlap() {
	builds "$1"
	overlaps "$1"
	overlaps "$1" | awk '{ for (i = 1; i <= NF; i++) {
	    split($i, kv, "="); v[kv[1]] = kv[2] + 0 } }
	    END { exit !(v["builds"] == 8 && v["builders_used"] == 2 &&
		v["calls_overlapping_on_two"] >= 1 &&
		v["calls_overlapping_on_one"] == 0) }'
}

# One builder: all eight built by builder 1, no two create calls at once.
builds_take_turns() {
	overlaps "$1"
	overlaps "$1" | grep -q '^builds=8 builders_used=1 calls_overlapping_on_two=0 calls_overlapping_on_one=0 '
}

rm -f /tmp/ok.* /tmp/summon.done /tmp/others.rc
( tb_client qlat 10.0.0.1 53 ns.test /tmp/summon.done 50 > /tmp/others.out 2>&1
  echo $? > /tmp/others.rc ) &
t0=$(tb_now)
tb_step eight-cold-names-at-once 120 summon_all
tb_say "BENCH uk-eight-summons all_ready_ms=$(($(tb_now) - t0)) builders=2"
touch /tmp/summon.done
tb_step builds-overlap-on-two-builders 10 builds_overlap /tmp/jitsud.log
tb_say "BENCH uk-eight-builds builders=2 $(overlaps /tmp/jitsud.log)"
tb_log "builds with two builders: name builder call-start call-end cpu created (ms)" builds /tmp/jitsud.log
tb_step show-names-the-builder 10 sh -c 'jitsuctl show www1.test. | grep -q "^builder [12] of 2$"'
tb_step timeline-names-the-builder 10 grep -q 'www1.test.: summon timeline (ms after the query): query=0 .* builder=[12]$' /tmp/jitsud.log
tb_step metrics-builds-in-flight 10 sh -c 'jitsuctl metrics | grep -q "^jitsud_builds_in_flight{builder=\"2\"} 0$"'
tb_step live-name-answered-meanwhile 20 others_verdict
tb_say "BENCH uk-eight-dns $(tail -n 1 /tmp/others.out)"
tb_step idle-guests-block 20 guests_idle
# Every frame on the bridge meanwhile, to see where a slow answer was lost.
tb_capture /tmp/serve.trace
tb_step all-eight-serve 60 serve_all
tb_capture_end
tb_log "tries per guest" cat "$TB_TMP/step.out"
# A guest that took more than 3 s (or never answered): its frames.
awk '/failed tries, [0-9]+ ms/ { ms = $(NF - 1); if (ms > 3000) print $1 }
    / no page$/ { print $1 }' "$TB_TMP/step.out" | tr -d ':' |
    while read -r g; do
	tb_log "frames of slow $g" grep -E "10\.0\.0\.2${g#www}[ .:,]" \
	    /tmp/serve.trace
    done
tb_step ready-via-xenstore 10 sh -c 'jitsuctl list | grep -c " ready " | grep -qx 8'
crash_servfail() {
	tb_client dig @10.0.0.1 +time=40 +tries=1 bad.test |
	    grep -q "status: SERVFAIL"
}

tb_step crashing-guest-gets-servfail 30 crash_servfail
tb_step crash-reason-shown 10 sh -c 'jitsuctl show bad.test. | grep -q "last-error.*crashed"'
tb_log "jitsuctl list" jitsuctl list
tb_log "xl list" xl list

# Images are read once at load and booted from jitsud's tmpfs copies.
images_kept() {
	ls /run/jitsud/images
	ls /run/jitsud/images | grep -q -- '-httpd\.pvh$' &&
	    xl list -l www1.test | grep -q '"kernel": "/run/jitsud/images/'
}
tb_step image-read-once-and-kept 10 images_kept

# A zone naming a missing image is refused at load, with file and line.
missing_image_refused() {
	{
		printf '$ORIGIN t2.\n$TTL 30\n@\tIN\tSOA\tns h 1 3600 600 86400 30\n'
		printf '@\tIN\tNS\tns\nns\tIN\tA\t10.0.0.1\n'
		printf 'w\tIN\tUNIKERNEL\tkernel=/no/such.pvh ip=10.0.0.40\n'
	} > /tmp/t2.zone
	printf 'zone /tmp/t2.zone\nbackend xen\n' > /tmp/t2.conf
	! jitsud -n -f /tmp/t2.conf > /tmp/t2.out 2>&1 &&
	    cat /tmp/t2.out &&
	    grep -q '^/tmp/t2.zone:6: /no/such.pvh: No such file or directory' \
	    /tmp/t2.out
}
tb_step missing-image-is-a-load-error 10 missing_image_refused

# The same eight again with one builder thread: the same summons, the
# same check, which must now fail (the test can tell), and the time all
# eight took, to compare with two builders in this very run.
restart_one_builder() {
	kill "$jpid"
	while kill -0 "$jpid" 2>/dev/null; do
		sleep 0.1
	done
	for i in 1 2 3 4 5 6 7 8; do
		xl destroy "www$i.test" 2>/dev/null
	done
	rm -f /run/jitsud/jitsud.sock /tmp/ok.*
	conf 1 > /etc/jitsud/jitsud.conf
	jitsud -d -v -v -f /etc/jitsud/jitsud.conf > /tmp/jitsud-1.log 2>&1 &
	jpid=$!
	tb_until test -S /run/jitsud/jitsud.sock
}
tb_require restart-with-one-builder 60 restart_one_builder
t0=$(tb_now)
tb_step eight-cold-names-one-builder 120 summon_all
tb_say "BENCH uk-eight-summons all_ready_ms=$(($(tb_now) - t0)) builders=1"
tb_say "BENCH uk-eight-builds builders=1 $(overlaps /tmp/jitsud-1.log)"
tb_log "builds with one builder: name builder call-start call-end cpu created (ms)" builds /tmp/jitsud-1.log
tb_step one-builder-builds-take-turns 10 builds_take_turns /tmp/jitsud-1.log
tb_expect_fail one-builder-shows-no-overlap 10 builds_overlap /tmp/jitsud-1.log
[ -f /tmp/jitsud-1.log ] && [ "$T_FAILED" -ne 0 ] &&
    tb_log "jitsud log (one builder)" cat /tmp/jitsud-1.log
