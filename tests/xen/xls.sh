# xls.sh -- domain shells (src/xls.c, LightVM's split toolstack): a PVH
# shell made ahead is an empty paused domain `xl list' shows; filled
# with our httpd unikernel (4 MiB), given its vif the way jitsud plugs
# one (xlv.c) and unpaused, it serves HTTP, xenconsoled logs its
# console, `xl shutdown' (by name) reaches it through control/shutdown
# (it shuts down: whoever watches it, jitsud or xl's daemon, destroys it
# then, here `xl destroy'), `xl destroy' ends it and nothing is left
# under /local/domain/D or /libxl/D; a second shell works the same.  BENCH
# lines: make, fill, unpause -> first HTTP byte, and `xl create' of the
# same guest (4 MiB) -> first HTTP byte, in the same run.

ip_=10.0.0.30
mac=00:16:3e:00:00:30
uk=/testbed/unikernels/httpd.pvh

first_http() {
	until tb_client curl -sf --max-time 1 -o /dev/null "http://$ip_/"; do
		sleep 0.02
	done
}

page() {
	tb_client curl -sf --max-time 5 "http://$ip_/" | grep -qi "<html"
}

# start_shell N NAME: shellprobe boot in the background, its output in
# /tmp/shellN.out; it fills the shell once /tmp/goN exists.
start_shell() {
	rm -f "/tmp/go$1" "/tmp/shell$1.out"
	# jitsu.synjitsu=0: every shell has a Synjitsu folder (xls_nodes);
	# the command line, as jitsud writes it, says no hand-over comes.
	shellprobe boot 4 "$2" "$uk" \
	    "jitsu.ip=$ip_/24 jitsu.name=$2 jitsu.synjitsu=0" \
	    "$ip_" "$mac" "/tmp/go$1" > "/tmp/shell$1.out" 2>&1 &
}

shell_made() {
	grep -q '^shell ' "/tmp/shell$1.out"
}

shell_domid() {
	awk '/^shell / { print $2 }' "/tmp/shell$1.out"
}

shell_filled() {
	grep -q '^filled ' "/tmp/shell$1.out"
}

# The shell is listed, paused (xl's state column has a p), under the
# name it has until it is filled.
listed_paused() {
	xl list | awk -v d="$1" '$1 ~ ("^jitsud-shell-[0-9]+-" d "$") && $2 == d &&
	    $5 ~ /p/ { ok = 1 } END { exit !ok }'
}

named() {
	[ "$(xl domid "$1")" = "$2" ]
}

console_line() {
	grep -q "$1 serving on $ip_" "/var/log/xen/console/guest-$1.log"
}

# xl's state column says it shut down (nobody destroyed it yet).
shut_down() {
	xl list "$1" | awk -v n="$1" '$1 == n && $5 ~ /s/ { ok = 1 } END { exit !ok }'
}

gone() {
	! xl list "$1" > /dev/null 2>&1
}

store_clean() {
	! xenstore-exists "/local/domain/$1" &&
	    ! xenstore-exists "/libxl/$1"
}

# run_shell N NAME: make, check it is a paused shell, fill and unpause,
# wait for its first HTTP byte; BENCH line with the phases.
run_shell() {
	start_shell "$1" "$2"
	tb_require "shell$1-made" 30 tb_until shell_made "$1"
	sh_dom=$(shell_domid "$1")
	tb_step "shell$1-listed-paused" 10 listed_paused "$sh_dom"
	go_t0=$(tb_now)
	touch "/tmp/go$1"
	tb_require "shell$1-first-http" 60 first_http
	go_t1=$((go_t0 + TB_MS))
	tb_step "shell$1-vif-plugged" 20 tb_until shell_filled "$1"
	tb_log "shellprobe $1" cat "/tmp/shell$1.out"
	_make=$(sed -n 's/^shell .*make_ms=\([0-9.]*\).*/\1/p' "/tmp/shell$1.out")
	_fill=$(sed -n 's/^filled .*fill_ms=\([0-9.]*\).*/\1/p' "/tmp/shell$1.out")
	_up=$(sed -n 's/^unpaused .*at_ms=\([0-9]*\).*/\1/p' "/tmp/shell$1.out")
	tb_say "BENCH xls shell$1 make_ms=$_make fill_ms=$_fill" \
	    "unpause_to_http_ms=$((go_t1 - _up)) go_to_http_ms=$((go_t1 - go_t0))"
	tb_step "shell$1-named" 10 named "$2" "$sh_dom"
	tb_step "shell$1-page" 20 page
	tb_step "shell$1-console" 20 tb_until console_line "$2"
	[ "$1" = 1 ] && tb_log "XenStore of shell $sh_dom" xenstore-ls -p \
	    "/local/domain/$sh_dom"
	[ "$1" = 1 ] && xenstore-ls -f -p "/local/domain/$sh_dom" \
	    > /tmp/shell1.tree
}

run_shell 1 uk-shell
d1=$(shell_domid 1)
tb_step shell1-xl-shutdown 30 xl shutdown -w uk-shell
tb_step shell1-shut-down 10 tb_until shut_down uk-shell
tb_step shell1-xl-destroy 30 xl destroy uk-shell
tb_step shell1-gone 10 tb_until gone uk-shell
tb_step shell1-store-clean 10 tb_until store_clean "$d1"
shellprobe gone "$d1"

run_shell 2 uk-shell2
d2=$(shell_domid 2)
tb_step shell2-xl-destroy 30 xl destroy uk-shell2
tb_step shell2-gone 10 tb_until gone uk-shell2
tb_step shell2-store-clean 10 tb_until store_clean "$d2"
shellprobe gone "$d2"

# A shell never filled goes with xls_destroy.
tb_step shell3-make 30 sh -c 'shellprobe make 4 > /tmp/shell3.out'
d3=$(awk '/^shell / { print $2 }' /tmp/shell3.out)
tb_step shell3-destroy 10 shellprobe destroy "$d3"
tb_step shell3-gone 10 tb_until sh -c "! xl list $d3"
tb_step shell3-store-clean 10 tb_until store_clean "$d3"

# A fill that cannot load its kernel says so, naming it, and the shell
# it was given goes with xls_destroy: no domain, no XenStore left.
bad_fill() {
	touch /tmp/go4
	! shellprobe boot 4 uk-bad /testbed/no-such.pvh "" "$ip_" "$mac" \
	    /tmp/go4 > /tmp/shell4.out 2>&1 &&
	    grep -q "cannot load /testbed/no-such.pvh" /tmp/shell4.out
}

tb_step bad-fill-names-the-kernel 30 bad_fill
d4=$(awk '/^shell / { print $2 }' /tmp/shell4.out)
tb_step bad-fill-leaves-nothing 10 tb_until sh -c \
    "[ -n '$d4' ] && ! xl list $d4 && ! xl list | grep -q uk-bad"
tb_step bad-fill-store-clean 10 tb_until store_clean "$d4"
tb_log "shellprobe 4" cat /tmp/shell4.out

# The baseline: xl create of the same guest, same memory, same vif
# script jitsud's vif replaces (vif-jitsu).
t0=$(tb_now)
tb_require xl-create 60 xl create -q /testbed/tests/uk-httpd.cfg
tb_require xl-first-http 60 first_http
tb_say "BENCH xls xl_create_to_http_ms=$(($(tb_now) - t0))"
tb_log "XenStore of xl's uk-httpd, for comparison" xenstore-ls -p \
    "/local/domain/$(xl domid uk-httpd)"
xenstore-ls -f -p "/local/domain/$(xl domid uk-httpd)" > /tmp/xl.tree

# tree_perms FILE KEY: the permissions of /local/domain/D/KEY in a
# `xenstore-ls -f -p' listing, the domain's id written D.
tree_perms() {
	awk -v k="$2" '{
		p = $1
		sub("^/local/domain/[0-9]+", "", p)
		if (p != "/" k) next
		d = $1
		sub("^/local/domain/", "", d)
		sub("/.*", "", d)
		q = $NF
		gsub(d, "D", q)
		print q
	}' "$1"
}

# The keys a shell leaves to inherit their folder's permissions end up
# with libxl's all the same (xenstored gives a node dom0 makes its
# parent's), and the guest owns what libxl lets it own.
same_perms() {
	_bad=0
	for _k in console console/backend-id console/limit console/type \
	    console/output console/tty console/port console/ring-ref cpu \
	    memory device control control/shutdown data name; do
		_s=$(tree_perms /tmp/shell1.tree "$_k")
		_x=$(tree_perms /tmp/xl.tree "$_k")
		echo "$_k: shell ${_s:-none} xl ${_x:-none}"
		[ -n "$_s" ] && [ "$_s" = "$_x" ] || _bad=1
	done
	return $_bad
}
tb_step shell-perms-as-libxls 5 same_perms
tb_step xl-shutdown 30 xl shutdown -w uk-httpd
tb_log "uk-shell console" cat /var/log/xen/console/guest-uk-shell.log
