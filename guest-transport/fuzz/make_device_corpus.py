#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of device_fuzz.cpp into corpus-device/ (see the script format there):
the findings of issue 14 as scripts (a driver that never drains its small ring while it fills
its queue, control and PING floods against a full ring, a CONNECT claiming more than the ring
takes) and well-formed virtio-blk and console traffic, so the fuzzer starts past the checks."""
import os
import re
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus-device")
os.makedirs(out, exist_ok=True)


def vta_numbers():
    """The numbers of <hmx/abi/vta.h>, generated from spec/transport.textproto."""
    path = os.path.join(here, "..", "..", "abi", "include", "hmx", "abi", "vta.h")
    with open(path) as f:
        return {k: int(v, 0) for k, v in re.findall(r"#define HMX_VTA_(\w+) (0x[0-9a-fA-F]+|[0-9]+)u", f.read())}


VTA = vta_numbers()
VERSION, AVAIL, USED = VTA["VERSION"], VTA["MSG_AVAIL"], VTA["MSG_USED"]

BUS, HOST = 0, 1
RING_256, RING_4032, RING_16K, RING_64K = 0, 2, 4, 6
NO_INIT, BLK = 8, 16
EXPOSURES, NO_EXPOSURES = 5 << 5, 6 << 5  # byte 0 bits 7:5: exposures negotiated, or not


def u8(v): return struct.pack("<B", v & 0xFF)
def u16(v): return struct.pack("<H", v & 0xFFFF)
def u32(v): return struct.pack("<I", v & 0xFFFFFFFF)


def msg(flags, msg_id, token, payload, dev=1):
    return struct.pack("<BBBBHHII", VERSION, flags, msg_id, 0, dev, 0, token, 16 + len(payload)) + payload


def raw(m): return u8(0) + u16(len(m)) + m
def drain(): return u8(1)
def eagain(n): return u8(2) + u8(n)
def poll(): return u8(5)
def gone(): return u8(7)
# bus
def get_devices(start, count, repeat=0): return u8(3) + u8(0 | repeat << 4) + u8(0) + u16(start) + u16(count)
def ping(data, repeat=0): return u8(3) + u8(1 | repeat << 4) + u8(0) + u32(data)
def connect(dev, aport, max_message): return u8(3) + u8(2) + u8(dev) + u32(aport) + u32(max_message)
def disconnect(dev): return u8(3) + u8(3) + u8(dev)
def add(dev): return u8(4) + u8(dev - 1) + u8(1)
def remove(dev): return u8(4) + u8(dev - 1) + u8(0)
# device host
def avail(vq, head, readable, writable, offset=0, n=0, burst=0):
    return u8(3) + u8(vq) + u8(head) + u16(readable) + u32(writable) + u16(offset) + u16(n) + u8(burst)
def status(s, repeat=0): return u8(4) + u8(0 | repeat << 5) + u8(s)
def get_config(off, n, repeat=0): return u8(4) + u8(1 | repeat << 5) + u8(off) + u8(n)
def features(sel): return u8(4) + u8(2) + u8(sel)
def get_vqueue(q): return u8(4) + u8(3) + u8(q)
def set_vqueue(q, log2): return u8(4) + u8(4) + u8(q) + u8(log2)
def reset_vqueue(q): return u8(4) + u8(5) + u8(q)
def set_config(gen, off, data): return u8(4) + u8(8) + u8(gen) + u8(off) + u8(len(data)) + (data + bytes(4))[:4]
def set_features(lo, hi): return u8(4) + u8(9) + u32(lo) + u32(hi)
# an exposed AVAIL (op 5 with EXPOSURES): segments (len, offset) in the driver's window, readable first;
# handle 0 the window, 1 the read-only exposure, 2 a handle never issued; totals None: the sums
def exposed(vq, head, rd, wr, handle=0, fill=0, totals=None):
    shape = len(rd) | len(wr) << 2 | (16 if totals else 0) | handle << 5
    rt, wt = totals or (0, 0)
    return (u8(5) + u8(vq) + u8(head) + u8(shape) + u8(fill) + u16(rt) + u16(wt)
            + b"".join(u16(n) + u32(off) for n, off in rd + wr))
def input_bytes(n): return u8(6) + u8(n & ~1)
def resize(n): return u8(6) + u8(n | 1)


def blk_avail(tag, head, req_type, sector, data=b"", writable=1):
    body = struct.pack("<IIQ", req_type, 0, sector) + data
    return raw(msg(0, AVAIL, tag, struct.pack("<HHIIIII", 0, head, 0, len(body), writable, 0, 0) + body))


seeds = {
    "bus_ping_flood": u8(BUS | RING_256) + b"".join(ping(i, 15) for i in range(8)) + get_devices(0, 8)
                      + drain() + get_devices(0, 8) + drain() + eagain(5) + ping(1, 3) + poll() + drain(),
    "bus_connect": u8(BUS | RING_4032) + get_devices(0, 2) + get_devices(2, 16) + connect(1, 0x100, 4064)
                   + connect(1, 0x100, 4064) + connect(9, 0x100, 4064) + connect(2, 0x101, 8) + drain()
                   + disconnect(1) + disconnect(1) + remove(2) + add(4) + remove(3) + drain() + gone() + ping(0),
    "host_never_drains": u8(HOST | RING_4032) + avail(0, 0, 0, (1 << 20) + 4096, burst=63)
                         + avail(1, 0, 16, 0, 0, 16, burst=8) + get_config(0, 8) + get_config(0, 8, 7)
                         + input_bytes(200) + resize(7) + eagain(9) + poll() + drain() + poll() + drain(),
    "host_control_flood": u8(HOST | RING_256) + status(0x0F, 7) + get_config(0, 12, 7) + features(0) + features(1)
                          + get_vqueue(0) + get_vqueue(2) + set_vqueue(0, 4) + reset_vqueue(1) + drain()
                          + status(0) + drain() + gone() + status(1),
    "host_init_by_hand": u8(HOST | RING_64K | NO_INIT) + status(1) + status(3) + features(0) + set_vqueue(0, 3)
                         + set_vqueue(1, 9) + status(0x0B) + get_vqueue(1) + status(0x0F) + avail(1, 3, 5, 0, 0, 5)
                         + drain(),
    "host_config_reset": u8(HOST | RING_16K | NO_INIT) + status(1) + status(3) + set_features(0x7, 1) + status(0x0B)
                         + set_vqueue(0, 6) + set_vqueue(1, 6) + status(0x0F) + set_config(0, 8, b"\x01") + get_config(0, 12)
                         + avail(0, 1, 0, 64) + input_bytes(30) + reset_vqueue(0) + reset_vqueue(1) + set_vqueue(0, 2)
                         + status(0) + drain() + status(1) + avail(0, 2, 0, 64) + gone() + input_bytes(8),
    "host_blk": u8(HOST | RING_64K | BLK) + blk_avail(1, 0, 1, 0, b"w" * 512) + blk_avail(2, 1, 0, 0, writable=513)
                + blk_avail(3, 2, 4, 0) + blk_avail(4, 3, 8, 0, writable=21) + blk_avail(5, 4, 0, 1 << 40, writable=513)
                + blk_avail(6, 5, 1, 127, b"z" * 1024) + blk_avail(7, 6, 99, 0) + drain() + avail(1, 9, 16, 512)
                + get_config(0, 60) + drain(),
    "host_blk_full_ring": u8(HOST | RING_256 | BLK) + b"".join(blk_avail(10 + i, i, 0, i, writable=513) for i in range(30))
                          + eagain(15) + poll() + drain() + poll() + drain(),
    # Exposure windows (HMX-VTA-166..171): pieces at non-zero offsets of one window, adjacent
    # pieces in one segment, the written bytes deposited across several segments.
    "host_exposed_console": u8(HOST | RING_64K | EXPOSURES) + exposed(1, 0, [(100, 4096)], [])
                            + exposed(1, 1, [(300, 8192), (20, 9000), (7, 65529)], [])
                            + exposed(0, 2, [], [(16, 12288), (64, 20000)]) + input_bytes(60)
                            + exposed(0, 3, [], [(4, 0)]) + eagain(3) + input_bytes(40) + poll() + drain()
                            + exposed(0, 4, [], [(200, 30000)]) + input_bytes(100) + drain() + poll(),
    "host_exposed_blk": u8(HOST | RING_64K | BLK | EXPOSURES)
                        + exposed(0, 0, [(16, 0)], [(512, 1024), (1, 2048)])
                        + exposed(0, 1, [(528, 0x3000)], [(1, 0x4000)], fill=1)
                        + exposed(0, 2, [(16, 0x5000)], [(513, 0x6000)])
                        + exposed(0, 3, [(16, 0x7000), (512, 0x8000)], [(1, 0x9001)], fill=1)
                        + exposed(0, 4, [(8, 0xA000), (8, 0xA008)], [(100, 0xB000), (412, 0xB100), (1, 0xFFFF)])
                        + drain() + exposed(0, 5, [(16, 0xC000)], [(20, 0xC100)], fill=8) + poll() + drain(),
    # Failed copies complete with USED_F_EXPOSURE_ERROR: an offset beyond the window, a range
    # past its end, a handle never issued, a deposit into a read-only exposure.
    "host_exposed_errors": u8(HOST | RING_64K | BLK | EXPOSURES)
                           + exposed(0, 0, [(16, 0x10000)], [(1, 0)])
                           + exposed(0, 1, [(16, 0xFFFFFFF0)], [(1, 0)])
                           + exposed(0, 2, [(16, 0xFFF8)], [(1, 0)])
                           + exposed(0, 3, [(16, 0)], [(1, 0)], handle=2)
                           + exposed(0, 4, [(16, 0)], [(513, 0)], handle=1)
                           + exposed(0, 5, [(16, 0)], [(512, 0x10000), (1, 0)])
                           + exposed(0, 6, [(16, 0)], [(1, 0xFFFFFF00)])
                           + eagain(4) + exposed(0, 7, [(16, 0)], [(1, 0x100)]) + poll() + drain() + poll() + drain()
                           + exposed(0, 8, [(16, 0)], [(1, 0x200)]) + eagain(2) + gone() + poll(),
    "host_exposed_console_errors": u8(HOST | RING_4032 | EXPOSURES) + exposed(1, 0, [(10, 0)], [], handle=1)
                                   + exposed(0, 1, [], [(32, 0)], handle=1) + input_bytes(20)
                                   + exposed(0, 2, [], [(32, 0x10000)]) + input_bytes(20)
                                   + exposed(0, 3, [], [(8, 0), (8, 0x20000)]) + input_bytes(30)
                                   + drain() + poll() + drain(),
    # Segment lens that do not sum to the totals, a zero-length segment, a busy head, a dead
    # queue, an AVAIL while another is assembling: protocol violations (HMX-VTA-155).
    "host_exposed_malformed": u8(HOST | RING_64K | BLK | EXPOSURES) + exposed(0, 0, [(16, 0)], [(1, 0)], totals=(16, 2))
                              + exposed(0, 1, [(16, 0)], [(1, 0)]) + drain(),
    "host_exposed_malformed_sum": u8(HOST | RING_64K | EXPOSURES) + exposed(1, 0, [(10, 0)], [], totals=(20, 0)),
    "host_exposed_malformed_split": u8(HOST | RING_64K | EXPOSURES) + exposed(1, 0, [(10, 0), (10, 10)], [], totals=(15, 5)),
    "host_exposed_malformed_short": u8(HOST | RING_64K | EXPOSURES) + exposed(1, 0, [(10, 0)], [], totals=(11, 0)),
    "host_exposed_zero_len": u8(HOST | RING_64K | EXPOSURES) + exposed(1, 0, [(0, 0), (10, 0)], []),
    "host_exposed_busy_head": u8(HOST | RING_64K | BLK | EXPOSURES) + eagain(15) + exposed(0, 7, [(16, 0)], [(1, 0)])
                              + exposed(0, 7, [(16, 0)], [(1, 0)]),
    "host_exposed_dead_queue": u8(HOST | RING_64K | EXPOSURES) + exposed(2, 0, [(16, 0)], []),
    "host_exposed_assembling": u8(HOST | RING_64K | EXPOSURES) + avail(1, 0, 100, 0, 0, 10)
                               + exposed(1, 1, [(16, 0)], []),
    "host_exposed_not_ready": u8(HOST | RING_64K | NO_INIT | EXPOSURES) + exposed(1, 0, [(16, 0)], [])
                              + status(1) + exposed(1, 0, [(16, 0)], []),
    "host_exposed_credit": u8(HOST | RING_64K | BLK | EXPOSURES) + eagain(15)
                           + b"".join(exposed(0, i, [(16, 0)], [(1, 0x100 + i)]) for i in range(30)) + drain(),
    # receiveq requests of 180000 bytes held while no input comes: the seventh passes the budget
    "host_exposed_budget": u8(HOST | RING_64K | EXPOSURES)
                           + b"".join(exposed(0, i, [], [(60000, 0), (60000, 0), (60000, 0)]) for i in range(7)),
    "host_exposed_not_negotiated": u8(HOST | RING_64K | NO_EXPOSURES) + exposed(1, 0, [(16, 0)], []) + drain(),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    print(f"corpus-device/{name}: {len(data)} bytes")
