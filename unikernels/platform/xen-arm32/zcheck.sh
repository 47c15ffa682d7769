#!/bin/sh
# zcheck.sh -- check an arm32 zImage's header against what Xen reads
#
#   sh zcheck.sh IMAGE ELF
#
# Xen's ARM builders (libxl's, and Xen's own for dom0less) take a file
# as an arm32 zImage when the word at 0x24 is 0x016f2818; Xen's then
# loads end - start bytes (0x28, 0x2c) at start.  libxl copies the whole
# file to the first RAM bank + 32 KiB (0x40008000) and enters start.  So
# start must be that address and the ELF's _start, end - start the
# file's size, and the first word a branch (ARM state, always).  Fails
# loudly with what it expected and what it saw.

set -eu
img=$1
elf=$2
LOAD=0x40008000

word() {
	od -A n -t u4 -j "$1" -N 4 "$img" | tr -d ' '
}

fail() {
	echo "zcheck: $img: $*" >&2
	exit 1
}

size=$(stat -c %s "$img")
[ "$size" -ge 48 ] || fail "$size bytes, shorter than the header"
magic=$(word 36)
start=$(word 40)
end=$(word 44)
first=$(word 0)
sym=$(arm-linux-gnueabihf-nm "$elf" | awk '$3 == "_start" { print $1 }')
[ "$magic" -eq $((0x016f2818)) ] ||
	fail "magic at 0x24 is $(printf %#x "$magic"), not 0x16f2818"
[ "$start" -eq $((LOAD)) ] ||
	fail "start is $(printf %#x "$start"), not libxl's $LOAD"
[ "$start" -eq $((0x$sym)) ] ||
	fail "start is $(printf %#x "$start"), the ELF's _start 0x$sym"
[ $((end - start)) -eq "$size" ] ||
	fail "end - start is $((end - start)), the file $size bytes"
# ARM's B: condition AL (0xe), opcode 0b1010 in bits 27..24.
[ $((first >> 24)) -eq $((0xea)) ] ||
	fail "first word $(printf %#x "$first") is not a branch"
