# uk-arm64.sh -- the libOS's test unikernels on Xen on ARM (arm64 Images)
#
# Run from the repo top, after make -C unikernels ARCH=arm64:
#   TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-arm64
# As uk/selftests.sh on x86: each test unikernel (NAME.arm64, 4 MiB,
# uk/uk-TEST-arm64.cfg) boots from `xl create`, prints SUCCESS or FAILURE
# on its console ring, which xenconsoled logs, and powers off; a second
# step checks the domain went away, which only a clean poweroff does (the
# configs preserve a crashed one).

UK_SFX=-arm64
. /testbed/tests/uk.inc

for img in /testbed/unikernels/*.arm64; do
	tb_say "INFO image $(basename "$img") $(stat -c %s "$img") bytes"
done

uk_run uk-hello$UK_SFX
tb_step uk-hello$UK_SFX-poweroff 10 tb_until uk_gone uk-hello$UK_SFX
uk_run uk-xenstore$UK_SFX
tb_step uk-xenstore$UK_SFX-poweroff 10 tb_until uk_gone uk-xenstore$UK_SFX
uk_run uk-time$UK_SFX
tb_step uk-time$UK_SFX-poweroff 10 tb_until uk_gone uk-time$UK_SFX
uk_run uk-hello-wait$UK_SFX
tb_step uk-hello-wait$UK_SFX-xl-shutdown 30 uk_xl_shutdown uk-hello-wait$UK_SFX
