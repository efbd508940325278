#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of vta_fuzz.cpp: one seed per victim, made of well-formed messages
(the layouts of spec/transport.adoc), so the fuzzer starts past the header checks."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus")
os.makedirs(out, exist_ok=True)


def msg(flags, msg_id, token, payload, dev=1):
    return struct.pack("<BBBBHHII", 1, flags, msg_id, 0, dev, 0, token, 16 + len(payload)) + payload


def frame(*messages):
    return b"".join(struct.pack("<H", len(m)) + m for m in messages)


avail_rx = msg(0, 0x43, 9, struct.pack("<HHIIIII", 0, 5, 0, 0, 32, 0, 0))
avail_tx = msg(0, 0x43, 10, struct.pack("<HHIIIII", 1, 0, 0, 4, 0, 0, 0) + b"ping")
get_cfg = msg(0, 0x05, 11, struct.pack("<II", 0, 12))
# Tags of the fuzz_driver set-up: the four receive buffers carry tags 1..4 on heads 0, 1, 2, 3.
used = msg(0, 0x44, 1, struct.pack("<HHIII", 0, 0, 0, 8, 0) + b"received")
used_frag = msg(0, 0x44, 2, struct.pack("<HHIII", 0, 1, 0, 20, 0) + b"0123456789")
used_frag2 = msg(0, 0x44, 2, struct.pack("<HHIII", 0, 1, 0, 20, 10) + b"abcdefghij")
event = msg(0, 0x40, 0, struct.pack("<IIII", 0x0F, 1, 0, 0))
bus = msg(2, 0x02, 3, struct.pack("<HH", 0, 8), dev=0)

seeds = {
    "codecs": b"\x00" + frame(avail_rx, avail_tx, used, event, bus, get_cfg),
    "device": b"\x01" + frame(avail_rx, avail_tx, get_cfg),
    "driver": b"\x02" + frame(used, used_frag, used_frag2, event),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
