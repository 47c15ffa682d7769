# uk-httpd-armhf.sh -- our own httpd unikernel on Xen on ARM (arm32, 4 MiB)
#
# Run from the repo top, after make -C unikernels ARCH=armhf:
#   TESTBED_ARCH=armhf scripts/testbed/run.sh uk-httpd-armhf
# The same checks and BENCH line as uk-httpd.sh, on httpd.armhf, the arm32
# zImage (uk-httpd-armhf.cfg).
UK_BIND=armhf
. /testbed/tests/uk-httpd.sh
