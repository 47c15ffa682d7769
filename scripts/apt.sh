# apt.sh -- fetching Debian packages without installing them (sourced by
# scripts/cross.sh and scripts/testbed/fetch.sh)

# apt_candidates PKG...: " PKG=VERSION" for each package apt has a
# candidate of, from one apt-cache call (each call costs about a second).
apt_candidates() {
	apt-cache policy "$@" 2>/dev/null | awk '
	    /^[^ ]/ { sub(":$", "", $1); p = $1 }
	    /Candidate:/ && $2 != "(none)" { printf " %s=%s", p, $2 }'
}

# apt_lists ARCH WHO: dpkg told of ARCH if it is foreign, then the package
# lists refreshed (as root), WHO naming the caller in what it says.  An
# index that fails (a mirror mid-sync once failed armhf's while arm64's
# were fine) leaves the others in use: the caller checks afterwards that
# apt knows what it needs.
apt_lists() {
	if [ "$1" != "$(dpkg --print-architecture)" ] &&
	    ! dpkg --print-foreign-architectures | grep -qx "$1"; then
		echo "$2: adding the $1 architecture to dpkg"
		dpkg --add-architecture "$1"
	fi
	echo "$2: refreshing the package lists"
	apt-get update -qq || echo "$2: apt-get update reported errors"
}

# apt_download DIR PKG[=VERSION]...: the packages' files into DIR.  apt's
# sandbox user cannot write into root-owned folders: they are downloaded
# in a world-writable scratch folder, then moved.
apt_download() {
	_dir=$1
	shift
	_scratch=$(mktemp -d)
	chmod 0777 "$_scratch"
	(cd "$_scratch" && apt-get download -q "$@")
	mv "$_scratch"/*.deb "$_dir/"
	rmdir "$_scratch"
}
