#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of vta_fuzz.cpp: one seed per victim, made of well-formed messages
(the layouts of spec/transport.adoc), so the fuzzer starts past the header checks."""
import os
import re
import struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus")
os.makedirs(out, exist_ok=True)


def vta_numbers():
    """The numbers of <hmx/abi/vta.h>, generated from spec/transport.textproto."""
    path = os.path.join(here, "..", "..", "abi", "include", "hmx", "abi", "vta.h")
    with open(path) as f:
        return {k: int(v, 0) for k, v in re.findall(r"#define HMX_VTA_(\w+) (0x[0-9a-fA-F]+|[0-9]+)u", f.read())}


VTA = vta_numbers()
VERSION, AVAIL, USED = VTA["VERSION"], VTA["MSG_AVAIL"], VTA["MSG_USED"]


def msg(flags, msg_id, token, payload, dev=1):
    return struct.pack("<BBBBHHII", VERSION, flags, msg_id, 0, dev, 0, token, 16 + len(payload)) + payload


def frame(*messages):
    return b"".join(struct.pack("<H", len(m)) + m for m in messages)


avail_rx = msg(0, AVAIL, 9, struct.pack("<HHIIIII", 0, 5, 0, 0, 32, 0, 0))
avail_tx = msg(0, AVAIL, 10, struct.pack("<HHIIIII", 1, 0, 0, 4, 0, 0, 0) + b"ping")
get_cfg = msg(0, VTA["MSG_GET_CONFIG"], 11, struct.pack("<II", 0, 12))
# Tags of the fuzz_driver set-up: the four receive buffers carry tags 1..4 on heads 0, 1, 2, 3.
used = msg(0, USED, 1, struct.pack("<HHIII", 0, 0, 0, 8, 0) + b"received")
used_frag = msg(0, USED, 2, struct.pack("<HHIII", 0, 1, 0, 20, 0) + b"0123456789")
used_frag2 = msg(0, USED, 2, struct.pack("<HHIII", 0, 1, 0, 20, 10) + b"abcdefghij")
event = msg(0, VTA["MSG_EVENT_CONFIG"], 0, struct.pack("<IIII", 0x0F, 1, 0, 0))
bus = msg(VTA["FLAG_BUS"], VTA["BUS_GET_DEVICES"], 3, struct.pack("<HH", 0, 8), dev=0)

seeds = {
    "codecs": b"\x00" + frame(avail_rx, avail_tx, used, event, bus, get_cfg),
    "device": b"\x01" + frame(avail_rx, avail_tx, get_cfg),
    "driver": b"\x02" + frame(used, used_frag, used_frag2, event),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
