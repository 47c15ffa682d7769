# selftests-pv.sh -- the libOS self-tests on the Xen PV binding (PV, 4 MiB)
#
# Run from the repo top:
#   TESTBED_OUT=build/testbed-uk-pv scripts/testbed/run.sh uk/selftests-pv
# The same unikernels and checks as selftests.sh, booted as 64-bit PV
# guests (NAME.pv, uk-TEST-pv.cfg).
UK_BIND=pv
. /testbed/tests/uk/selftests.sh
