# jitsud-armhf.sh -- jitsud on Xen on ARM, armhf (jitsud-arm.inc)
. /testbed/tests/jitsud-arm.inc
