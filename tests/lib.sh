# lib.sh -- the one assertion vocabulary of every shell test (sourced)
#
# Host suites (tests/system, tests/testbed, unikernels/tests) source it
# from the tree; the testbed's dom0 sources it as /testbed/lib.sh through
# tb.sh, whose tb_step is built on it.  POSIX sh only: the dom0 runs it
# under busybox sh.
#
#   pass NAME [NOTE...]        count a pass:    "PASS NAME NOTE"
#   fail NAME EXPECTED SAW     count a failure: "FAIL NAME: expected
#                              EXPECTED, saw SAW"
#   check NAME CMD [ARG...]    CMD must succeed (a compound condition:
#                              check NAME eval '...'); on failure, CMD's
#                              output (its last lines) follows the FAIL
#   check_not NAME CMD [ARG...]  CMD must fail
#   check_eq NAME WANT GOT     the strings WANT and GOT must be equal
#   summary SUITE              "SUITE: N passed, M failed"; status 0 when
#                              nothing failed
#   finish SUITE               summary, then exit with its status
#
# T_PREFIX goes before every PASS and FAIL line (tb.sh sets "@@TB "), and
# each line is written by one printf: in dom0 they share the console with
# the kernel.  T_PASSED and T_FAILED hold the counts.

T_PASSED=0
T_FAILED=0
T_PREFIX=${T_PREFIX:-}
T_OUT=${TMPDIR:-/tmp}/t-check.$$

pass() {
	_t_name=$1
	shift
	T_PASSED=$((T_PASSED + 1))
	printf '%sPASS %s%s\n' "$T_PREFIX" "$_t_name" "${*:+ $*}"
}

fail() {
	T_FAILED=$((T_FAILED + 1))
	printf '%sFAIL %s: expected %s, saw %s\n' "$T_PREFIX" "$1" "$2" "$3"
}

# The last lines a failed command printed, set off from the verdicts.
t_show() {
	[ -s "$1" ] && tail -n 12 "$1" | sed 's/^/    | /'
	return 0
}

check() {
	_t_name=$1
	shift
	if "$@" > "$T_OUT" 2>&1; then
		pass "$_t_name"
	else
		fail "$_t_name" "success of: $*" "exit status $?"
		t_show "$T_OUT"
	fi
	rm -f "$T_OUT"
}

check_not() {
	_t_name=$1
	shift
	if "$@" > "$T_OUT" 2>&1; then
		fail "$_t_name" "failure of: $*" "success"
		t_show "$T_OUT"
	else
		pass "$_t_name"
	fi
	rm -f "$T_OUT"
}

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "'$2'" "'$3'"
	fi
}

summary() {
	echo "$1: $T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}

finish() {
	summary "$1"
	exit
}
