# uk-httpd-pv.sh -- our own httpd unikernel on Xen as a PV guest (4 MiB)
#
# The same checks and BENCH line as uk-httpd.sh, on httpd.pv booted
# with type="pv" (uk-httpd-pv.cfg).
UK_BIND=pv
. /testbed/tests/uk-httpd.sh
