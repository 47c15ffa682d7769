# uk-armhf.sh -- the libOS's test unikernels on Xen on ARM, arm32
# (uk-arm.inc): faults as the arm32 vectors report them; crash-sp's stack
# at 0x90000000, in the unmapped 2..4 GiB.
uk_abort="data abort: FSR"
uk_undef="undefined instruction"
uk_bad_sp=0x90000000
. /testbed/tests/uk-arm.inc
