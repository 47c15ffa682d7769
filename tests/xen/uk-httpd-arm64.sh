# uk-httpd-arm64.sh -- our own httpd unikernel on Xen on ARM (arm64, 4 MiB)
#
# Run from the repo top, after make -C unikernels ARCH=arm64:
#   TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-httpd-arm64
# The same checks and BENCH line as uk-httpd.sh, on httpd.arm64, the arm64
# Image (uk-httpd-arm64.cfg).
UK_BIND=arm64
. /testbed/tests/uk-httpd.sh
