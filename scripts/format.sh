#!/bin/sh
# format.sh -- run clang-format over every C file of the tree
#
# Usage: format.sh          rewrite the files in place (make format)
#        format.sh --check  change nothing; name each file that differs
#                           from .clang-format and exit 1 (make format-check)
#
# The files are the tracked .c and .h under src/ include/ tests/
# unikernels/ (every file under them when this is not a git checkout),
# less two kinds clang-format must not touch: generated files (DO NOT
# EDIT in the first three lines) and assembler headers for the .S files
# (any that mention __ASSEMBLY__: clang-format would join their lines).  unikernels/.clang-format
# inherits the top one and changes only what the libOS writes differently.
# The options are tuned for clang-format 14 (Debian 12); another version
# may lay out a few lines differently, so it is named when it differs.
set -eu
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
DIRS="src include tests unikernels"

if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	echo "format: $CLANG_FORMAT not found (scripts/deps.sh installs it)" >&2
	exit 2
fi
case $("$CLANG_FORMAT" --version) in
*" version 14."*) ;;
*)	echo "format: warning: tuned for clang-format 14, this is" \
	    "$("$CLANG_FORMAT" --version)" >&2 ;;
esac

list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- 'src/*.[ch]' 'include/*.[ch]' 'tests/*.[ch]' \
		    'unikernels/*.[ch]'
	else
		# shellcheck disable=SC2086
		find $DIRS -type f \( -name '*.c' -o -name '*.h' \) | sort
	fi | while read -r f; do
		head -n 3 "$f" | grep -q 'DO NOT EDIT' && continue
		grep -q __ASSEMBLY__ "$f" && continue
		echo "$f"
	done
}

files=$(list_files)
if [ -z "$files" ]; then
	echo "format: no files found" >&2
	exit 2
fi

if [ "${1:-}" != --check ]; then
	# shellcheck disable=SC2086
	exec "$CLANG_FORMAT" -i --style=file $files
fi

# --dry-run -Werror reports every differing line as an error; one line a
# file is what a reader needs, the full list is one command away.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
# shellcheck disable=SC2086
"$CLANG_FORMAT" --dry-run -Werror --style=file $files >"$out" 2>&1 || rc=$?
bad=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
    "$out" | sort -u)
if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
	echo "format: $(echo "$files" | wc -l) files match .clang-format"
	exit 0
fi
if [ -z "$bad" ]; then
	# clang-format failed for another reason (a bad option, a read error).
	cat "$out" >&2
	exit 1
fi
for f in $bad; do
	echo "format: FAIL $f differs from .clang-format" \
	    "($(grep -c "^$f:[0-9]*:[0-9]*: error:" "$out") places)"
done
echo "format: $(echo "$bad" | wc -l) of $(echo "$files" | wc -l) files" \
    "differ; 'make format' rewrites them," \
    "'clang-format --dry-run FILE' shows where"
exit 1
