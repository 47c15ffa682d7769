#!/bin/sh
# run.sh -- run libFuzzer harnesses (build/fuzz/bin/fuzz_NAME) and sum up
#
# Usage: run.sh [-t SECONDS] [-o SUMMARY] [-c] [NAME...]
#   -t  seconds per harness (60)
#   -o  also write the summary there (make fuzz: bench/fuzz.txt)
#   -c  check mode (make check's fuzz suite): each harness starts from
#       its seeds alone, in a corpus thrown away afterwards
# Each harness runs on its corpus, build/fuzz/corpus/NAME (kept between
# runs, so coverage grows), with its seeds and dictionary.  A crash, a
# leak, a sanitizer report or a timeout fails the run; the reproducer is
# kept as build/fuzz/crashes/NAME-<kind>-<sha1> and the report is shown.
# Replay one with: build/fuzz/bin/fuzz_NAME FILE
set -u
cd "$(dirname "$0")/../.."
secs=60
out=
check=0
while getopts t:o:c opt; do
	case $opt in
	t) secs=$OPTARG ;;
	o) out=$OPTARG ;;
	c) check=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
names=${*:-"dns zone conf ctl synjitsu proc handover net xs conduit vchan"}
fz=build/fuzz

# The seeds: committed inputs (tests/fuzz/mkseeds.py), and for the two
# text parsers the test data itself.
seeds() {
	d=$fz/seeds/$1
	rm -rf "$d"
	mkdir -p "$d"
	[ -d tests/fuzz/seeds/$1 ] && cp tests/fuzz/seeds/$1/* "$d"/
	case $1 in
	zone) files="tests/dns/*.zone tests/conf/*.zone conf/*.zone" ;;
	conf) files="tests/conf/*.conf conf/*.conf" ;;
	*) files= ;;
	esac
	for f in $files; do
		cp "$f" "$d/$(echo "$f" | tr / _)"
	done
}

# The last value of a "stat::KEY: N" or "KEY: N" field in log $1.
field() {
	sed -n "s/.*$2: *\([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1
}

mkdir -p $fz/crashes $fz/logs
summary=$fz/summary.$$
trap 'rm -f $summary' EXIT
{
	echo "# tests/fuzz/run.sh: libFuzzer, ${secs} s per harness," \
	    "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# $(${FUZZ_CC:-clang} --version | head -n 1);" \
	    "-fsanitize=fuzzer,address,undefined -O1"
	echo "# execs: inputs run; cov: coverage points (edges) reached;" \
	    "ft: features;"
	echo "# corpus: files in its corpus folder; crashes: inputs that broke" \
	    "a harness"
	printf '%-9s %7s %10s %8s %6s %7s %7s %8s\n' harness seconds execs \
	    'exec/s' cov ft corpus crashes
} > $summary
failed=""
for n in $names; do
	bin=$fz/bin/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin missing (make fuzz-build)" >&2
		failed="$failed $n"
		continue
	fi
	seeds "$n"
	if [ $check = 1 ]; then
		corpus=$fz/check/$n
		rm -rf "$corpus"
	else
		corpus=$fz/corpus/$n
	fi
	mkdir -p "$corpus"
	dict=
	[ -f tests/fuzz/$n.dict ] && dict=-dict=tests/fuzz/$n.dict
	log=$fz/logs/$n.log
	echo "fuzz: $n, ${secs} s"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$secs" \
	    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$fz/crashes/$n- $dict "$corpus" $fz/seeds/$n \
	    > "$log" 2>&1
	rc=$?
	t=$(($(date +%s) - t0))
	crashes=0
	if [ $rc != 0 ]; then
		crashes=1
		failed="$failed $n"
		echo "fuzz: $n FAILED (exit $rc); its report ($log):"
		grep -E 'ERROR:|SUMMARY:|runtime error|contract broken|Test unit written|#[0-9]+ in ' \
		    "$log" | head -n 30
	fi
	printf '%-9s %7s %10s %8s %6s %7s %7s %8s\n' "$n" "$t" \
	    "$(field "$log" stat::number_of_executed_units)" \
	    "$(field "$log" stat::average_exec_per_sec)" \
	    "$(field "$log" cov)" "$(field "$log" ft)" \
	    "$(ls "$corpus" | wc -l)" "$crashes" >> $summary
done
[ $check = 1 ] && rm -rf $fz/check
cat $summary
[ -n "$out" ] && cp $summary "$out"
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (reproducers in $fz/crashes)"
	exit 1
fi
echo "fuzz: $(echo $names | wc -w) harnesses, no crash"
