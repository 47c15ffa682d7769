# nslib.sh -- what tap.sh and sock.sh share: counts, guests, curl checks
#
# Sourced (not run) by the host system tests of the two unix bindings,
# which run the same httpd and echo images, built for unix-tap or for
# unix-sock, in network namespaces and check them with the same clients.
# Before sourcing, the script sets `top` (the repository); before calling
# anything here, these:
#   tag      the name in the summary line: uk-tap, uk-sock
#   srv      the namespace the guests run in
#   cli      the namespace the clients run in (the same as srv for tap)
#   ext      the images' extension: tap, unix
#   ukargs   arguments every guest gets before its own (may be empty)
#   img      the directory of the images
#   tmp      a scratch directory, removed by cleanup
#   guest    the address httpd serves on
#   conc     how many connections test_concurrent opens at once
# The verdicts are tests/lib.sh's (pass, fail, check_eq, finish "$tag").
# shellcheck disable=SC2154,SC2034 # those, and $ukrc, are the scripts'
# shellcheck source=../../tests/lib.sh
. "$top/tests/lib.sh"

# sha256 of 1 MiB of bytes (i * 7 + 3) & 0xff, i = 0..1048575
big_sha=172c15dc2e12b50e523d8e657cbe7fbb11c1053252bbf1e1431077d57d8128fd
udp_echo=$top/tests/xen/uk/udp-echo.bash
ukpid=

# lock FILE: one run at a time, since namespaces and addresses are fixed;
# waits up to 300 s for another run.  The lock is fd 9, which guests do
# not inherit (start_uk): one left behind by a broken run must not hold
# up the next.
lock() {
	exec 9>"$1"
	flock -w 300 9 || {
		fail "the lock $1" "it free within 300 s" "another run holding it"
		finish "$tag"
	}
}

# need TARGET FILE...: exits, naming the make target that builds it, at
# the first FILE that is not an executable.
need() {
	target=$1
	shift
	for f in "$@"; do
		if [ ! -x "$f" ]; then
			fail "$f is built" \
			    "an executable (make -C unikernels $target)" "none"
			finish "$tag"
		fi
	done
}

# Runs a command in the clients' namespace (inc) or the guests' (ins).
inc() {
	ip netns exec "$cli" "$@"
}

ins() {
	ip netns exec "$srv" "$@"
}

# Deletes the namespaces, if they exist.
ns_del() {
	ip netns del "$srv" 2>/dev/null
	[ "$cli" = "$srv" ] || ip netns del "$cli" 2>/dev/null
}

# ms since some origin, for timings
now_ms() {
	date +%s%3N
}

# Stops the guest (SIGTERM, then SIGKILL after 2 s); its status in $ukrc.
stop_uk() {
	ukrc=
	[ -n "$ukpid" ] || return
	kill "$ukpid" 2>/dev/null
	i=0
	while kill -0 "$ukpid" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$ukpid" 2>/dev/null
	wait "$ukpid" 2>/dev/null
	ukrc=$?
	ukpid=
}

# The EXIT trap's.
cleanup() {
	stop_uk
	ns_del
	rm -rf "$tmp"
}

# start_uk NAME ARGS: starts image NAME with ARGS in the guests'
# namespace, its output in $tmp/NAME.log; waits (5 s) for its readiness
# line on JITSU_READY_FD, as jitsud's process backend does.
start_uk() {
	name=$1
	shift
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	# Not through ins: $! must be the unikernel itself (ip execs it).
	# shellcheck disable=SC2086 # $ukargs: zero or more arguments
	JITSU_READY_FD=3 ip netns exec "$srv" "$img/$name.$ext" $ukargs \
	    "$@" >"$tmp/$name.log" 2>&1 3>"$tmp/ready" 9>&- &
	ukpid=$!
	line=$(timeout 5 head -n 1 "$tmp/ready")
	if [ "$line" = ready ]; then
		pass "$name.$ext announced readiness"
		return 0
	fi
	fail "$name.$ext announced readiness" "'ready' within 5 s" "'$line'"
	t_show "$tmp/$name.log"
	stop_uk
	return 1
}

# check_alive NAME: the guest NAME is still running after the load.
check_alive() {
	if kill -0 "$ukpid" 2>/dev/null; then
		pass "$1 still running after the load"
	else
		fail "$1 still running after the load" "it alive" "it dead"
		t_show "$tmp/$1.log"
	fi
}

# ---------------------------------------------------------------------
# httpd

test_index() {
	code=$(inc timeout 10 curl -sS -o "$tmp/index" -w '%{http_code}' \
	    "http://$guest/")
	if [ "$code" = 200 ] && grep -q 'jitsu unikernel' "$tmp/index"; then
		pass "GET / -> 200, $(wc -c <"$tmp/index") bytes"
	else
		fail "GET /" "200 and the index page" "'$code'"
	fi
	code=$(inc timeout 10 curl -sS -o /dev/null -w '%{http_code}' \
	    "http://$guest/nothing-here")
	check_eq "GET /nothing-here -> 404" 404 "$code"
	len=$(inc timeout 10 curl -sS -I "http://$guest/big.bin" |
	    tr -d '\r' | sed -n 's/^Content-Length: //p')
	check_eq "HEAD /big.bin -> Content-Length 1048576" 1048576 "$len"
}

# big LABEL [TIMEOUT]: downloads /big.bin (within TIMEOUT s, default 20)
# and compares its digest; the download stays in $tmp/big.
big() {
	t0=$(now_ms)
	inc timeout "${2:-20}" curl -sS -o "$tmp/big" "http://$guest/big.bin"
	t1=$(now_ms)
	sum=$(sha256sum "$tmp/big" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = $big_sha ]; then
		pass "$1: 1 MiB intact in $((t1 - t0)) ms"
	else
		fail "$1: 1 MiB intact" "sha256 $big_sha" \
		    "'$sum' ($(wc -c <"$tmp/big" 2>/dev/null) bytes)"
	fi
}

test_keepalive() {
	out=$(inc timeout 10 curl -sS -o /dev/null -o /dev/null -o /dev/null \
	    -w '%{http_code} %{num_connects}\n' "http://$guest/" \
	    "http://$guest/style.css" "http://$guest/index.html" | tr '\n' ' ')
	check_eq "keep-alive: 3 requests on one connection" \
	    "200 1 200 0 200 0 " "$out"
}

# gets FILE N PATH: a curl config (-K FILE) of N GETs of httpd's PATH,
# each URL made unique by ?0, ?1, ..., their bodies thrown away.
gets() {
	i=0
	: >"$1"
	while [ $i -lt "$2" ]; do
		echo "url = \"http://$guest/$3?$i\"" >>"$1"
		echo "output = \"/dev/null\"" >>"$1"
		i=$((i + 1))
	done
}

# $conc connections at once from one curl (-Z), each a short GET.
test_concurrent() {
	gets "$tmp/urls" "$conc" style.css
	t0=$(now_ms)
	inc timeout 60 curl -sS --no-progress-meter -Z \
	    --parallel-max "$conc" -K "$tmp/urls" \
	    -H 'Connection: close' -w '%{http_code}\n' >"$tmp/codes" \
	    2>"$tmp/conc.err"
	t1=$(now_ms)
	ok=$(grep -c '^200$' "$tmp/codes")
	[ "$ok" -eq "$conc" ] &&
	    pass "$conc concurrent connections all served in $((t1 - t0)) ms" ||
	    fail "$conc concurrent connections all served" "$conc served" \
	    "$ok ($(head -3 "$tmp/conc.err"))"
	big "after the concurrent burst" 20
}

# ---------------------------------------------------------------------
# echo

# udp LABEL [-a] SIZE...: datagrams of SIZE bytes to echo's UDP port
# come back byte for byte, and from that port (the client's socket is
# connected to it).
udp() {
	label=$1
	shift
	if inc timeout 60 bash "$udp_echo" "$@" >"$tmp/udp.out" 2>&1; then
		pass "echo UDP: $label: $(tail -n 1 "$tmp/udp.out" |
		    sed 's/^udp-echo: //')"
	else
		fail "echo UDP: $label" "every datagram back intact" \
		    "'$(tail -n 1 "$tmp/udp.out")'"
		t_show "$tmp/udp.out"
	fi
}

# Spread evenly from 1 byte to the API's largest datagram (1472).
udp_sizes() {
	awk -v n="$1" 'BEGIN { for (k = 0; k < n; k++)
	    printf "%d ", 1 + int(k * 1471 / (n - 1)) }'
}

# start_echo ADDR: echo on ADDR/24, port 7, and its inputs: 200000 bytes
# of the download big left, and 4096 random bytes for datagrams.
start_echo() {
	head -c 200000 "$tmp/big" >"$tmp/echo.in"
	head -c 4096 /dev/urandom >"$tmp/udp.src"
	start_uk echo jitsu.ip="$1"/24 port=7
}

# echo_checks ADDR: what both platforms' echo must do: the 200000 bytes
# come back through busybox nc; one datagram, then 50 of 1..1472 bytes
# one at a time (the unix-tap stack queues only 4 per socket).
echo_checks() {
	inc timeout 10 busybox nc -w 2 "$1" 7 <"$tmp/echo.in" \
	    >"$tmp/echo.out" 2>/dev/null
	if cmp -s "$tmp/echo.in" "$tmp/echo.out"; then
		pass "echo: 200000 bytes came back intact through busybox nc"
	else
		fail "echo: 200000 bytes came back intact through busybox nc" \
		    "200000 bytes back" "$(wc -c <"$tmp/echo.out") bytes"
	fi
	udp "one datagram of 512 bytes" "$1" 7 "$tmp/udp.src" 512
	udp "50 datagrams of 1..1472 bytes, one at a time" "$1" 7 \
	    "$tmp/udp.src" $(udp_sizes 50)
}

# echo_counts WANT: what the stopped echo said it served and dropped.
echo_counts() {
	if grep -q "^echo: $1" "$tmp/echo.log"; then
		pass "echo counted on shutdown: $1"
	else
		fail "echo counted on shutdown: $1" "'echo: $1' in its log" \
		    "other counts"
		t_show "$tmp/echo.log"
	fi
}
