# selftest-failures.sh -- steps that must make the testbed fail, each with a
# clear message: a broken guest config, and a guest that never answers.
# tests/testbed/selftest.sh runs this and checks the failure report.

silent_pings() {
	tb_client ping -c 1 -W 1 10.0.0.10
}

tb_step broken-config 30 xl create /testbed/tests/broken.cfg
# The same guest as the smoke test but without an address: it boots, says
# so on its console, and never answers.
tb_step silent-create 90 xl create "$(tb_cfg linux)" 'name="silent"' \
    'extra="console=hvc0 jitsu.name=silent"'
tb_step silent-ping 15 tb_until silent_pings
# The failure report shows the guest's console: let it reach its message
# first (under emulation its kernel alone can outlast the 15 s above).
# Bounded at 60 s, and not a step: the count of steps stays as it is.
_i=0
while [ $_i -lt 300 ] &&
    ! grep -q "no jitsu.ip" /var/log/xen/console/guest-silent.log 2>/dev/null; do
	sleep 0.2
	_i=$((_i + 1))
done
