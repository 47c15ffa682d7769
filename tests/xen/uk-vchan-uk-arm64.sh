# uk-vchan-uk-arm64.sh -- a vchan between two unikernels on Xen on ARM
#
# Run from the repo top, after make -C unikernels ARCH=arm64:
#   TESTBED_ARCH=arm64 scripts/testbed/run.sh uk-vchan-uk-arm64
# uk-vchan-uk.sh's steps with vchan.arm64 as both server and client: the
# server's grants mapped by the client (xen_grant_map on arm64), 1 MiB
# through and back.
UK_VCHAN_SRV=uk-vchan-arm64
UK_VCHAN_CLI=uk-vchan-cli-arm64
UK_VCHAN_ARCH=arm64
. /testbed/tests/uk-vchan-uk.sh
