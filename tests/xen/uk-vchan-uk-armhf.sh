# uk-vchan-uk-armhf.sh -- a vchan between two unikernels on Xen on ARM
#
# Run from the repo top, after make -C unikernels ARCH=armhf:
#   TESTBED_ARCH=armhf scripts/testbed/run.sh uk-vchan-uk-armhf
# uk-vchan-uk.sh's steps with vchan.armhf as both server and client: the
# server's grants mapped by the client (xen_grant_map on armhf), 1 MiB
# through and back.
UK_VCHAN_SRV=uk-vchan-armhf
UK_VCHAN_CLI=uk-vchan-cli-armhf
UK_VCHAN_ARCH=armhf
. /testbed/tests/uk-vchan-uk.sh
