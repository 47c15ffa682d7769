# lib.sh -- helpers shared by the testbed image builders (sourced, not run)

# Copy a file to the same path below ROOT, dereferencing symlinks.
tb_copy() {
	_root=$1 _src=$2 _dst=${3:-$2}
	mkdir -p "$_root$(dirname "$_dst")"
	# The destination may be a busybox applet link: never write through it.
	rm -f "$_root$_dst"
	cp -L "$_src" "$_root$_dst"
}

# The architecture an image is built for: tb_arch ARCH CACHEDIR.  For
# the host's own (amd64) programs and their libraries come from the host;
# for a foreign one (arm64, armhf) from CACHEDIR/root, where fetch.sh
# unpacked that architecture's packages (TB_SYSROOT), and ldd cannot run
# them.
TB_SYSROOT=""
TB_TRIPLET=x86_64-linux-gnu
tb_arch() {
	case $1 in
	amd64) TB_SYSROOT="" TB_TRIPLET=x86_64-linux-gnu ;;
	arm64) TB_SYSROOT=$2/root TB_TRIPLET=aarch64-linux-gnu ;;
	armhf) TB_SYSROOT=$2/root TB_TRIPLET=arm-linux-gnueabihf ;;
	*) echo "testbed: unknown architecture $1" >&2; return 1 ;;
	esac
}

# tb_src PATH: where the program the image has at PATH comes from: the
# host's PATH, or the same program in TB_SYSROOT, whose packages are not
# merged-/usr (iproute2 has /bin/ip there, the host /usr/bin/ip).
tb_src() {
	[ -n "$TB_SYSROOT" ] || { echo "$1"; return; }
	_n=${1##*/}
	for _d in /usr/bin /bin /usr/sbin /sbin; do
		[ -e "$TB_SYSROOT$_d/$_n" ] && { echo "$TB_SYSROOT$_d/$_n"; return; }
	done
	echo "testbed: no $_n in $TB_SYSROOT" >&2
	return 1
}

# tb_lib SONAME: the library TB_SYSROOT has under SONAME, as a path in
# the image (the multiarch folders, which the dynamic loader searches
# without a cache).
tb_lib() {
	for _d in /lib/$TB_TRIPLET /usr/lib/$TB_TRIPLET /lib /usr/lib; do
		[ -e "$TB_SYSROOT$_d/$1" ] && { echo "$_d/$1"; return; }
	done
	echo "testbed: no library $1 in $TB_SYSROOT" >&2
	return 1
}

# The libraries FILE (a path on the host) needs, as image paths, for a
# foreign architecture: its DT_NEEDED entries and its interpreter,
# recursively, read with readelf (which reads any architecture).
tb_needed() {
	_todo=$1
	_done=" "
	while [ -n "$_todo" ]; do
		_f=${_todo%% *}
		case $_todo in *" "*) _todo=${_todo#* } ;; *) _todo="" ;; esac
		for _so in $(LC_ALL=C readelf -dl "$_f" | sed -n \
		    -e 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' \
		    -e 's/.*program interpreter: \(.*\)\]$/\1/p'); do
			case $_so in
			/*) _p=$_so ;;
			*) _p=$(tb_lib "$_so") || return 1 ;;
			esac
			case $_done in *" $_p "*) continue ;; esac
			_done="$_done$_p "
			echo "$_p"
			_todo="${_todo:+$_todo }$TB_SYSROOT$_p"
		done
	done
}

# Copy an executable and every shared library ldd resolves for it.  The
# libraries come from the host (the Xen libraries are installed there as
# dependencies of libxen-dev), and keep their host path, so the dynamic
# loader finds them in the image without a cache.  LD_LIBRARY_PATH lets
# ldd see libraries that only exist in the unpacked cache.  For a foreign
# architecture (TB_SYSROOT set) the libraries come from TB_SYSROOT, found
# by tb_needed, and a missing one fails the copy.
tb_copy_bin() {
	_root=$1 _src=$2 _dst=${3:-$2}
	tb_copy "$_root" "$_src" "$_dst"
	if [ -n "$TB_SYSROOT" ]; then
		_libs=$(tb_needed "$_src") || return 1
		for _lib in $_libs; do
			[ -e "$_root$_lib" ] ||
			    tb_copy "$_root" "$TB_SYSROOT$_lib" "$_lib"
		done
		return 0
	fi
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
	# The applets are listed by the host's busybox, which can run: the
	# same Debian package (busybox-static) as a foreign one, so the
	# same list.
	cp "${TB_SYSROOT:-}/bin/busybox" "$_root/usr/bin/busybox"
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
