#!/usr/bin/env python3
# mkseeds.py -- write the fuzz harnesses' seed inputs (tests/fuzz/seeds/)
#
# Run from the top of the tree when a harness's input format changes; the
# seeds are committed, so neither the build nor the tests need Python.
# DNS queries come from the golden tests (tests/dns/*.test), frames and
# lines from what the unit tests feed; zone and config seeds are the
# test data files themselves (tests/fuzz/run.sh takes them from there).
import base64, glob, hashlib, os, struct, sys

OUT = "tests/fuzz/seeds"
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "IXFR": 251,
         "AXFR": 252, "MAILB": 253, "ANY": 255}


def put(name, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, h), "wb") as f:
        f.write(data)


def wire_name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(line):
    w = line.split()
    name, qtype, opts = w[1], w[2], w[3:]
    t = TYPES.get(qtype.upper())
    if t is None:
        t = int(qtype[4:]) if qtype.upper().startswith("TYPE") else 1
    qid, flags, qclass, edns, do, ver = 0x1234, 0, 1, 0, 0, 0
    for o in opts:
        k, _, v = o.partition("=")
        if k == "rd": flags |= 0x0100
        elif k == "cd": flags |= 0x0010
        elif k == "opcode": flags |= int(v) << 11
        elif k == "id": qid = int(v)
        elif k == "class": qclass = 3 if v == "CH" else int(v)
        elif k == "edns": edns = int(v) if v else 1232
        elif k == "do": do, edns = 1, edns or 1232
        elif k == "ednsver": ver, edns = int(v), edns or 1232
    q = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    q += wire_name(name) + struct.pack(">HH", t, qclass)
    if edns:
        q += b"\0" + struct.pack(">HHBBHH", 41, edns, 0, ver,
                                  0x8000 if do else 0, 0)
    return q


def ipsum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def frame(dmac, smac, src, dst, proto, payload):
    eth = dmac + smac + b"\x08\x00"
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234,
                    0x4000, 64, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack(">H", ipsum(h)) + h[12:]
    if proto in (6, 17):
        pseudo = ip4(src) + ip4(dst) + struct.pack(">BBH", 0, proto,
                                                   len(payload))
        at = 16 if proto == 6 else 6
        p = payload[:at] + b"\0\0" + payload[at + 2:]
        payload = p[:at] + struct.pack(">H", ipsum(pseudo + p)) + p[at + 2:]
    elif proto == 1:
        p = payload[:2] + b"\0\0" + payload[4:]
        payload = p[:2] + struct.pack(">H", ipsum(p)) + p[4:]
    return eth + h + payload


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                       65535, 0, 0) + opts + data


def arp(op, smac, sip, tmac, tip):
    return (b"\xff" * 6 + smac + b"\x08\x06" +
            struct.pack(">HHBBH", 1, 0x0800, 6, 4, op) + smac + ip4(sip) +
            tmac + ip4(tip))


SYN, ACK, FIN, PSH, RST = 2, 16, 1, 8, 4
OPTS = b"\x02\x04\x05\xb4\x01\x03\x03\x07"  # MSS 1460, NOP, WS 7
REQ = b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"


def script(frames, op=0x04):
    out = b""
    for f in frames:
        if isinstance(f, int):
            out += bytes([f])
        elif isinstance(f, tuple):
            out += bytes([f[0]]) + struct.pack(">H", len(f[1])) + f[1]
        else:
            out += bytes([op]) + struct.pack(">H", len(f)) + f
    return out


def synjitsu():
    vm, cl = b"\x00\x16\x3e\x00\x00\x0a", b"\x02\x00\x00\x00\x00\x02"
    V, C = "10.0.0.10", "10.0.0.2"
    f = lambda t: frame(vm, cl, C, V, 6, t)
    irs = 1000
    # The client's who-has teaches its MAC: a SYN from a hop not yet
    # known is held while the claim asks for it (synjitsu.c).
    who = arp(1, cl, C, b"\0" * 6, V)
    put("synjitsu", script([who]))
    put("synjitsu", script([f(tcp(40000, 80, irs, 0, SYN, opts=OPTS))]))
    # The SYN-ACK's ISN is keyed: op 0x06 has the harness put the
    # numbers that follow the last reply into the frame (fuzz_frame.h).
    put("synjitsu", script([who,
        f(tcp(40000, 80, irs, 0, SYN, opts=OPTS)),
        (0x06, f(tcp(40000, 80, 0, 0, ACK))),
        (0x06, f(tcp(40000, 80, 0, 0, ACK | PSH, REQ))),
        (0x06, f(tcp(40000, 80, 0, 0, ACK | FIN))),
        0x13, 0x0b]))
    put("synjitsu", script([who, f(tcp(40001, 443, 7, 0, SYN)), 0xf7,
                            f(tcp(40001, 443, 7, 0, SYN))]))
    # Held: the SYN first, then the client's answer to our who-has.
    put("synjitsu", script([
        f(tcp(40002, 80, irs, 0, SYN, opts=OPTS)),
        arp(2, cl, C, vm, V),
        (0x06, f(tcp(40002, 80, 0, 0, ACK | PSH, REQ)))]))


def net():
    us, peer = b"\x02\0\0\0\0\x02", b"\x02\0\0\0\0\x01"
    U, P = "10.88.0.2", "10.88.0.1"
    f = lambda proto, p: frame(us, peer, P, U, proto, p)
    put("net", script([arp(1, peer, P, b"\0" * 6, U)], 0x08))
    put("net", script([f(1, b"\x08\x00\x00\x00\x42\x42\x00\x07pingdata")],
                      0x08))
    udp = struct.pack(">HHHH", 5353, 53, 8 + 5, 0) + b"hello"
    put("net", script([f(17, udp), 0x06], 0x08))
    # op 0x0a: the harness makes the numbers follow the stack's last
    # segment (fuzz_frame.h); the ones written here are placeholders.
    follow = lambda fr: (0x0a, fr)
    put("net", script([
        f(6, tcp(40000, 80, 1000, 0, SYN, opts=OPTS)),
        follow(f(6, tcp(40000, 80, 1001, 1, ACK))),
        follow(f(6, tcp(40000, 80, 1001, 1, ACK | PSH, REQ))), 0x05,
        follow(f(6, tcp(40000, 80, 1001 + len(REQ), 1, ACK | FIN))), 0x06,
        0x14, 0xf4], 0x08))
    put("net", script([0x17, 0x24, f(6, tcp(80, 49153, 1, 1, SYN | ACK))],
                      0x08))
    put("net", script([f(6, tcp(40000, 81, 5, 0, SYN)),
                       f(6, tcp(40000, 80, 5, 0, RST))], 0x08))


def rec(data=b"GET /\r\n", fin=0, irs=1000, iss=5000, hop=""):
    return ("v=1 peer=10.0.0.2:40000 local=10.0.0.10:80 irs=%d iss=%d "
            "rcv_nxt=%d snd_nxt=%d mss=1460 peer_wscale=7 wscale=0 "
            "peer_wnd=65535 fin=%d%s data=%s" % (
                irs, iss, (irs + 1 + len(data) + fin) & 0xffffffff,
                iss + 1, fin, hop and " hop=" + hop,
                base64.b64encode(data).decode())).encode()


def chunked(stream):
    return b"\xff" + stream  # reads of 4081 bytes: whole lines at once


def handover():
    put("handover", chunked(rec() + b"\ncount 1\n"))
    put("handover", chunked(rec(b"", 1) + b"\n" + rec(REQ, 0, 4294967290) +
                            b"\ncount 2\n"))
    put("handover", chunked(b"count 0\n"))
    put("handover", b"\x00" + rec() + b"\ncount 1\n")
    put("handover", chunked(rec(hop="10.0.0.2/02:00:00:00:00:02") +
                            b"\ncount 1\n"))


def xs():
    def msg(t, payload, rid=1):
        return struct.pack("<IIII", t, rid, 0, len(payload)) + payload
    XS_DIRECTORY, XS_READ, XS_WATCH_EVENT, XS_ERROR, XS_TX = 1, 2, 15, 16, 6
    put("xs", msg(XS_READ, b"value"))
    put("xs", msg(XS_WATCH_EVENT, b"data/synjitsu/count\0uk55d0c0\0"))
    put("xs", msg(XS_ERROR, b"ENOENT\0"))
    put("xs", msg(XS_DIRECTORY, b"0\0001\0002\0"))
    put("xs", msg(XS_TX, b"17\0") + msg(XS_ERROR, b"EAGAIN\0", 2))


def vchan():
    # Server with in-page rings, then: a read, a write, the peer moving
    # its producer index, data_ready/space.  Client of a libxenvchan page
    # (orders 10 and 11, client waiting), then a write and a read.
    hdr = struct.pack("<IIIIHHBBBB", 0, 0, 0, 0, 10, 11, 2, 1, 1, 0)
    put("vchan", b"\x00\x01\x02" + b"\x02\x10\x00" + b"\x03\x00\x05hello"
        + b"\x01\x01\x00\x00\x00\x07" + b"\x04")
    put("vchan", b"\x01" + hdr + b"\x03\x00\x03abc" + b"\x02\x00\x01")
    put("vchan", b"\x00\x03\x04" + b"\x03\x88\x13" + b"x" * 5000 + b"\x04")


def proc():
    put("proc", b"\x00ready\n")
    put("proc", b"\x04ready\nadopted 3\n")
    put("proc", b"\x00adopted 12345\nadopted x\n" + b"y" * 300 + b"\nready\n")
    put("proc", b"\xf1" + b"4242 123456789 jv0011aabb\n")
    put("proc", b"\xf0" + b"4242 (a b) S" + b" 1" * 18 + b" 12345 0 0\n")


def ctl():
    for c in ["list", "show www.example.org.", "start www.example.org",
              "stop a.", "reload", "metrics", "log", "status"]:
        put("ctl", b"jitsu/1 " + c.encode() + b"\n")
    put("ctl", b"data hello\ndata\nend ok\nend error no such name\n")
    put("ctl", b"jitsu/2 list\njitsu/1  show   x\n")


def conduit():
    # values and watch paths alone, then scripts of the rendezvous
    # (fuzz_conduit.c says the lines): its exchanges as the unit tests
    # run them
    for v in [b"connect echo.test", b"connect Echo.TEST.", b"connect a..b",
              b"/local/domain/5/data/conduit/a1",
              b"/local/domain/5/data/conduit",
              b"/jitsu/conduit/chan/7/ring-ref"]:
        put("conduit", v)
    for s in [
        "r 5 a connect a.test\nc 1 1\nc 1 7\nx 5 a\n",
        "r 5 a connect b.test\nr 6 b connect b.test\nu b.test 9\n"
        "c 1 7\nc 2 0\ng 9\n",
        "r 5 a connect b.test\nf b.test\nx 5 a\n",
        "r 5 a connect a.test\nt 1\nr 5 a connect a.test\nc 2 7\n"
        "g 5\n",
        "r 0 ctl-1 connect a.test\nc 1 7\nc 1 0\nx 0 ctl-1\n",
        "s 5 a\nr 5 b connect c.test\nr 3 c connect a.test\n"
        "d 5 b a,b,x\n",
        "".join("r 5 p%d connect a.test\n" % i for i in range(10)),
    ]:
        put("conduit", s.encode())


def dns():
    for t in sorted(glob.glob("tests/dns/*.test")):
        for line in open(t):
            if line.startswith("query "):
                put("dns", dns_query(line))


for fn in (dns, ctl, synjitsu, net, handover, xs, vchan, proc, conduit):
    fn()
