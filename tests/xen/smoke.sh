# smoke.sh -- boot the baseline guest with xl, reach it from the client
# namespace (ping, then HTTP), destroy it; every step is timed.

guest_pings() {
	tb_client ping -c 1 -W 1 10.0.0.10
}

guest_serves() {
	tb_client curl -sf --max-time 2 http://10.0.0.10/ |
	    grep -q "hello from baseline"
}

tb_step xl-create 90 xl create "$(tb_cfg linux)"
tb_step ping 60 tb_until guest_pings
tb_step http-get 30 tb_until guest_serves
tb_step xl-destroy 30 xl destroy linux
