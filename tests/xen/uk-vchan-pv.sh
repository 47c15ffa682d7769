# uk-vchan-pv.sh -- uk-vchan.sh's checks on the PV binding (vchan.pv)
UK_BIND=pv
. /testbed/tests/uk-vchan.sh
