# lib.sh -- helpers shared by the testbed image builders (sourced, not run)

# Copy a file to the same path below ROOT, dereferencing symlinks.
tb_copy() {
	_root=$1 _src=$2 _dst=${3:-$2}
	mkdir -p "$_root$(dirname "$_dst")"
	# The destination may be a busybox applet link: never write through it.
	rm -f "$_root$_dst"
	cp -L "$_src" "$_root$_dst"
}

# Copy an executable and every shared library ldd resolves for it.  The
# libraries come from the host (the Xen libraries are installed there as
# dependencies of libxen-dev), and keep their host path, so the dynamic
# loader finds them in the image without a cache.  LD_LIBRARY_PATH lets
# ldd see libraries that only exist in the unpacked cache.
tb_copy_bin() {
	_root=$1 _src=$2 _dst=${3:-$2}
	tb_copy "$_root" "$_src" "$_dst"
	ldd "$_src" 2>/dev/null | awk '
	    $2 == "=>" && $3 ~ /^\// { print $3 }
	    $1 ~ /^\// { print $1 }' |
	while read -r _lib; do
		[ -e "$_root$_lib" ] || tb_copy "$_root" "$_lib"
	done
}

# Lay out a merged-/usr skeleton the way Debian 12 has it.
tb_skeleton() {
	_root=$1
	mkdir -p "$_root/usr/bin" "$_root/usr/sbin" "$_root/usr/lib" \
	    "$_root/usr/lib64" "$_root/proc" "$_root/sys" "$_root/dev" \
	    "$_root/tmp" "$_root/run" "$_root/var" "$_root/etc" "$_root/root"
	ln -sfn usr/bin "$_root/bin"
	ln -sfn usr/sbin "$_root/sbin"
	ln -sfn usr/lib "$_root/lib"
	ln -sfn usr/lib64 "$_root/lib64"
	ln -sfn ../run "$_root/var/run"
	cp /bin/busybox "$_root/usr/bin/busybox"
	for _app in $(/bin/busybox --list-full); do
		[ -e "$_root/$_app" ] || ln -s /usr/bin/busybox "$_root/$_app"
	done
	echo "root:x:0:0:root:/root:/bin/sh" > "$_root/etc/passwd"
	echo "root:x:0:" > "$_root/etc/group"
}

# Pack ROOT into an uncompressed newc cpio archive.  Uncompressed because
# under TCG the kernel's decompressor is the slow part of unpacking.
tb_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$2"
}

# Extract the ELF kernel from a bzImage whose payload is xz-compressed
# (Debian's amd64 kernels are) and gzip it.  Under TCG the domain
# builder's xz decompression costs seconds per boot; gzip is far cheaper,
# and the raw 66 MB ELF would crowd dom0's memory.
tb_vmlinux() {
	_bz=$1 _out=$2
	_off=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$_bz" |
	    head -n 1 | cut -d: -f1)
	[ -n "$_off" ] || return 1
	# xz complains about the trailing bzImage bytes; the ELF is whole.
	tail -c +"$((_off + 1))" "$_bz" | xz -dc 2>/dev/null > "$_out.elf" || true
	[ "$(head -c 4 "$_out.elf" | od -An -c | tr -d ' ')" = "177ELF" ] ||
	    return 1
	gzip -6 -c "$_out.elf" > "$_out"
	rm -f "$_out.elf"
}
