#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of core_fuzz.cpp into corpus/ (see the script format there).

Run from this directory: python3 make_corpus.py. The files are committed; rerun after changing
the script format.
"""
import os
import struct

D1, D2 = 0, 1                   # dom operands
P_D1, P_D2, P_ANY = 0, 1, 2     # partner / destination selectors


def u8(v): return struct.pack('<B', v & 0xFF)
def u16(v): return struct.pack('<H', v & 0xFFFF)
def u32(v): return struct.pack('<I', v & 0xFFFFFFFF)
def u64(v): return struct.pack('<Q', v & 0xFFFFFFFFFFFFFFFF)


def poke(dom, off, data): return u8(0) + u8(dom) + u16(off) + u8(len(data)) + data
def register(dom, aport, partner, length, frames, flags=0):
    return u8(3) + u8(dom) + u8(aport) + u8(partner) + u16(length) + u8(frames) + u8(flags)
def send(dom, dst, aport, iovs, mtype=0):
    out = u8(4) + u8(dom) + u8(dst) + u8(aport) + u8(len(iovs))
    for off, n in iovs:
        out += u16(off) + u16(n)
    return out + u32(mtype)
def rx(dom, aport, partner, mode=0, value=0):
    return u8(6) + u8(dom) + u8(aport) + u8(partner) + u8(mode) + u32(value)
def notify(dom, ents):
    out = u8(7) + u8(dom) + u8(len(ents))
    for dst, aport, space in ents:
        out += u8(dst) + u8(aport) + u16(space)
    return out
def regs(dom, vcpu, vector, page, enable): return u8(8) + u8(dom) + u8(vcpu) + u64(vector) + u16(page) + u8(enable)
def respawn(): return u8(9)
def unregister(dom, aport, partner, pad=0): return u8(10) + u8(dom) + u8(aport) + u8(partner) + u8(pad)
def crowd(aport, length): return u8(11) + u8(aport) + u16(length)
def policy(kind, text): return u8(13) + u8(kind) + u16(len(text)) + text
def arena(ops): return u8(14) + u8(len(ops)) + b''.join(u8(k) + u16(n) + u8(a) for k, n, a in ops)
def parallel(rounds, ops): return u8(12) + u8(rounds) + b''.join(u8(o) + u8(a) + u16(n) for o, a, n in ops)
def arg_small(v): return u8(0) + u8(v)
def arg_off(v): return u8(1) + u16(v)
def arg_raw(v): return u8(2) + u64(v)
def arg_special(i): return u8(3) + u8(i)
def call(dom, vcpu, op_index, args, argo=False):
    return u8(2 if argo else 1) + u8(dom) + u8(vcpu) + u8(op_index) + b''.join(args)
def batch(dom, flags, entries):
    out = u8(5) + u8(dom) + u8(len(entries)) + u8(flags)
    for op_index, args in entries:
        out += u8(op_index) + b''.join(args)
    return out

# op indices in core_fuzz.cpp: 0 register 1 unregister 2 sendv 3 notify 4 null 5 batch 6 event 7 vector
payload = bytes(range(200))
seeds = {
    'ping_pong': register(D1, 7, P_D2, 4032, 20) + register(D2, 7, P_D1, 4032, 21)
                 + poke(D2, 0x100, payload) + send(D2, P_D1, 7, [(0x100, 200)], 0x1234)
                 + rx(D1, 7, P_D2) + poke(D1, 0x100, payload) + send(D1, P_D2, 7, [(0x100, 23), (0x120, 0), (0x130, 40)])
                 + notify(D1, [(P_D2, 7, 100), (P_D1, 7, 5000), (3, 1, 0)]),
    'wrap_full': register(D1, 1, P_ANY, 48 + 16 * 20, 22) + poke(D2, 0x200, payload)
                 + b''.join(send(D2, P_D1, 1, [(0x200, 17 + 9 * i)]) for i in range(8))
                 + rx(D1, 1, P_ANY) + notify(D1, []) + b''.join(send(D2, P_D1, 1, [(0x200, 50)]) for _ in range(6))
                 + rx(D1, 1, P_ANY, 1, 0xFFFFFFF0) + send(D2, P_D1, 1, [(0x200, 64)]),
    'multi_page_ring': register(D1, 2, P_D2, 3 * 4096 - 64, 24 | (1 << 5))
                 + send(D2, P_D1, 2, [(0x0, 5000), (0x3000, 3000)]) + rx(D1, 2, P_D2)
                 + send(D2, P_D1, 2, [(0x10, 6000)]) + register(D1, 3, P_D2, 3 * 4096 - 64, 30 | (0 << 5)),
    'batch': poke(D2, 0x1000, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 9, 1, 0))
             + poke(D2, 0x1010, struct.pack('<QII', 0x100, 32, 0))
             + register(D1, 9, P_D2, 1024, 26)
             + batch(D2, 1, [(2, [arg_off(0x1000), arg_off(0x1010), arg_small(1), arg_small(0)])] * 6
                     + [(4, [arg_small(0)] * 4), (5, [arg_off(0x1000), arg_small(1), arg_small(0), arg_small(0)])]),
    'events': regs(D1, 0, 0x40, 40, 1) + regs(D1, 1, 0x10041, 0, 0) + register(D1, 4, P_D2, 256, 27, 0x02 | 0x80 >> 7)
              + send(D2, P_D1, 4, [(0x40, 10)]) + regs(D2, 2, 5, 0xFFFF, 1)
              + call(D2, 0, 6, [arg_off(41 * 4096 + 1), arg_small(0), arg_small(0), arg_small(0)])
              + call(D2, 1, 7, [arg_small(1), arg_small(0x30), arg_small(0), arg_small(0)]),
    'teardown': register(D1, 5, P_D2, 512, 28) + register(D2, 5, P_D1, 512, 29) + register(D1, 6, P_ANY, 48, 31)
                + send(D2, P_D1, 6, [(0, 16)]) + send(D2, P_D1, 6, [(0, 16)]) + respawn()
                + send(D1, P_D2, 5, [(0, 8)]) + register(D2, 5, P_D1, 512, 29),
    'unregister_send': register(D1, 7, P_D2, 4032, 20) + regs(D1, 0, 0x40, 40, 1) + poke(D2, 0x100, payload)
                 + send(D2, P_D1, 7, [(0x100, 200)]) + unregister(D1, 7, P_D2) + send(D2, P_D1, 7, [(0x100, 200)])
                 + register(D1, 7, P_D2, 4032, 20) + send(D2, P_D1, 7, [(0x100, 64)]) + unregister(D1, 7, P_D2, 0x80)
                 + unregister(D1, 8, P_D2) + register(D2, 3, P_D1, 4032, 12 | (1 << 5)) + respawn() + unregister(D1, 7, P_D2),
    'max_ring': register(D1, 1, P_D2, 0, 3, 0x20) + poke(D2, 0, payload) + send(D2, P_D1, 1, [(0, 60000)] * 4)
                 + send(D2, P_D1, 1, [(0x100, 0xFFFF)] * 8) + rx(D1, 1, P_D2, 1, 0xFFFFF0) + send(D2, P_D1, 1, [(0, 100)])
                 + register(D1, 2, P_D2, 4095, 4, 0x20 | 0x80) + unregister(D1, 1, P_D2),
    'crowd_ebusy': register(D1, 5, P_ANY, 48 + 16 * 8, 25) + regs(D1, 0, 0x41, 40, 1) + crowd(5, 40) + crowd(5, 40)
                 + notify(D1, [(P_ANY, 5, 10)]) + rx(D1, 5, P_ANY) + notify(D1, []) + crowd(5, 1) + unregister(D1, 5, P_ANY),
    'parallel_teardown': register(D1, 1, P_D2, 4032, 8) + register(D2, 1, P_D1, 4032, 9)
                 + parallel(4, [(0, 1, 100), (2, 1, 500), (2, 1, 3000), (1, 1, 0), (3, 0, 0), (0, 2, 7), (2, 2, 40), (1, 2, 0)])
                 + send(D1, P_D2, 1, [(0, 16)]),
    'policy_text': policy(0, b'rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "d*" destination: "d2" name: "x" }\n'
                          b'rule { action: DENY hook: SEND source: "crowd-*" destination: "*" }\n'
                          b'rule { action: ALLOW hook: REGISTER_ANY_SOURCE destination: "web-*" }\n')
                   + policy(2, b'rule { action: ALLOW hook: REGISTER_ANY_SOURCE source: "d1" destination: "d1" }')
                   + policy(4, b'rule { action: ALLOW hook: SEND source: "we*b" destination: "*" }')
                   + policy(1, b'HMXPOLT1' + u32(3) + b'\x01\x01\x01\x00r1\x00d*\x00d2\x00' + b'\x00\x07\x02\x00r2\x00*\x00*\x00'
                            + b'\x01\x04\x03\x00r3\x00*\x00d1\x00')
                   + policy(3, b'HMXPOLT1' + u32(1) + b'\x01\x09\x01\x00r\x00a*b\x00d2'),
    'arena': arena([(1, 100, 4), (1, 4000, 12), (2, 17, 0), (0, 0, 0), (1, 60000, 3), (3, 5000, 6), (4, 0, 0), (1, 1, 1)] * 3),
    'budget_stop': register(D1, 9, P_D2, 0, 3, 0x20)
                   + poke(D2, 0x1000, b''.join(struct.pack('<QII', 0x2000 + 0x1000 * i, 0xF000, 0) for i in range(8)))
                   + poke(D2, 0x1100, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 9, 1, 0))
                   + batch(D2, 0, [(2, [arg_off(0x1100), arg_off(0x1000), arg_small(8), arg_small(0)])] * 12)
                   + batch(D2, 1, [(2, [arg_off(0x1100), arg_off(0x1000), arg_small(8), arg_small(0)])] * 3),
    'raw_calls': b''.join(call(D1, v % 3, op, [arg_special(op + v), arg_raw(0x1000 * v), arg_small(v), arg_special(v)])
                          for op in range(8) for v in range(4))
                 + b''.join(call(D2, 0, op, [arg_special(i) for i in range(4)], argo=True) for op in range(8)),
}

os.makedirs('corpus', exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join('corpus', name), 'wb') as f:
        f.write(data)
    print(f'corpus/{name}: {len(data)} bytes')
