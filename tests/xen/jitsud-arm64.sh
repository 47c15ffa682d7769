# jitsud-arm64.sh -- jitsud on Xen on ARM, arm64 (jitsud-arm.inc)
. /testbed/tests/jitsud-arm.inc
