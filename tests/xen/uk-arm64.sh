# uk-arm64.sh -- the libOS's test unikernels on Xen on ARM, arm64
# (uk-arm.inc): faults as the EL1 vector reports them; crash-sp's stack
# at 512 GiB, past the identity map.
uk_abort="sync from EL1h: EC 0x25 (data abort)"
uk_undef="sync from EL1h: EC 0 (unknown"
uk_bad_sp=0x8000000000
. /testbed/tests/uk-arm.inc
