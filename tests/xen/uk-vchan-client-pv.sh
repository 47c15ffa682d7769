# uk-vchan-client-pv.sh -- uk-vchan-client.sh on the PV binding (vchan.pv)
UK_BIND=pv
. /testbed/tests/uk-vchan-client.sh
