#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of core_fuzz.cpp into corpus/ (see the script format there).

Run from this directory: python3 make_corpus.py. The files are committed; rerun after changing
the script format.
"""
import os
import struct

D1, D2, D3 = 0, 1, 2             # dom operands (d3: no HMX)
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
def queue(dom, size, flags, entries, mode=0, value=0, vcpu=0):
    out = u8(15) + u8(dom) + u8(size) + u8(flags) + u8(len(entries))
    for op_index, args in entries:
        out += u8(op_index) + b''.join(args)
    return out + u8(mode) + u32(value) + u8(vcpu)
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

# Commands 16.. (command bytes 0xF0..): exposures (spec exposures) and the adapter's offers.
def expose(dom, peer, access, mode, uses, off, length, vcpu=0):
    return u8(0xF0) + u8(dom) + u8(peer) + u8(access) + u8(mode) + u8(uses) + u16(off) + u32(length) + u8(vcpu)
def copy(fetch, dom, hsel, osel, mode, off, length, buf, via=0, count=0, raw=None):
    return (u8(0xF1 if fetch else 0xF2) + u8(dom) + u8(hsel) + u8(osel) + u8(mode) + u16(off) + u16(length)
            + u16(buf) + u8(via) + u8(count) + (u64(raw) if raw is not None else b''))
def fetch(*a, **k): return copy(True, *a, **k)
def deposit(*a, **k): return copy(False, *a, **k)
def revoke(dom, hsel, mode=0): return u8(0xF3) + u8(dom) + u8(hsel) + u8(mode)
def offer(bits): return u8(0xF4) + u8(bits)
# expose peer selectors, copy/expose mode bits and via values (core_fuzz.cpp step_expose, step_copy)
X_D1, X_D2, X_D3, X_CROWD, X_ANY, X_RAW = 0, 1, 2, 3, 4 | 8, 5 | (9 << 3)
R, W, RW = 1, 2, 3
FILL, LEN_RAW, LEN_MAX, LEN_TO_END = 0x40, 0x04, 0x08, 0x0C
OFF_RAW, OFF_WRAP, OFF_FROM_END, LEN_REST, LEN_BUDGET, LEN_X4, BUF_HOSTILE = 1, 2, 3, 0x04, 0x08, 0x0C, 0x10
PAD, EXTRA, HOSTILE_STRUCT = 0x20, 0x40, 0x80   # copy mode (expose mode: PAD 0x10, EXTRA 0x20, struct 0x80)
VIA_CALL, VIA_BATCH, VIA_QUEUE, VIA_ARGO, STOP_ON_ERROR, VCPU1 = 0, 1, 2, 3, 4, 8
OP_SET_QUEUE, OP_SUBMIT, OP_EXPOSE, OP_FETCH, OP_DEPOSIT, OP_REVOKE = 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5

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
    # Exposures: d1 exposes to d2, which fetches and deposits at hostile offsets, lengths and
    # buffers; mutated and guessed handles; revoke, then the dead handle (ENOENT).
    'expose_fetch': expose(D1, X_D2, RW, FILL, 5, 0x1000, 0x800)
                 + fetch(D2, 0, 0, 0, 0x10, 0x100, 0x3000) + deposit(D2, 0, 0, LEN_REST, 0x700, 0, 0x5000)
                 + fetch(D2, 0, 0, OFF_WRAP, 5, 0x10, 0) + fetch(D2, 0, 0, OFF_FROM_END, 0x900, 0x10, 0)
                 + fetch(D2, 0, 0, OFF_RAW, 0x7F0, 0x20, 0) + fetch(D2, 0, 0, BUF_HOSTILE, 0, 0x40, 0x21)
                 + fetch(D2, 0, 0, BUF_HOSTILE, 0, 0x20, 0x20) + fetch(D2, 0, 0, LEN_BUDGET, 0, 0, 0)
                 + fetch(D2, 0, 0, PAD, 0, 8, 0) + fetch(D2, 0, 0, EXTRA, 0, 8, 0) + fetch(D2, 0, 0, HOSTILE_STRUCT, 0, 8, 0)
                 + b''.join(fetch(D2, 0xC0 + i, 0, 0, 0, 8, 0) for i in range(8))
                 + fetch(D2, 0xE0, 0, 0, 0, 8, 0) + fetch(D2, 0xE1, 0, 0, 0, 8, 0) + fetch(D2, 0xE2, 0, 0, 0, 8, 0, raw=(1 << 62) | 5)
                 + fetch(D2, 0, 4, 0, 0, 8, 0) + fetch(D2, 0, 6, 0, 0, 8, 0) + fetch(D2, 0, 7, 0, 0, 8, 0) + fetch(D1, 0, 0, 0, 0, 8, 0)
                 + fetch(D2, 0, 0, 0, 0, 8, 0, via=VIA_ARGO) + fetch(D2, 0, 0, 0, 0, 8, 0, via=VCPU1 * 2)
                 + revoke(D2, 0) + revoke(D1, 0, 1) + revoke(D1, 0) + fetch(D2, 0, 0, 0, 0, 8, 0) + revoke(D1, 0)
                 + revoke(D3, 0) + revoke(D1, 0xE1) + expose(D1, X_D2, R, 0, 1, 0x2000, 0x10)
                 + fetch(D2, 1, 0, 0, 0, 0x10, 0x100) + fetch(D2, 1, 0, 0, 0, 0x10, 0x100) + deposit(D2, 1, 0, 0, 0, 1, 0),
    'expose_errors': expose(D1, X_D2, 0, 0, 1, 0, 16) + expose(D1, X_D2, 0xF5, 0, 1, 0, 16) + expose(D1, X_D2, R, 0, 1, 0, 0)
                 + expose(D1, X_D2, R, LEN_MAX, 1, 0, 1) + expose(D1, X_D2, R, LEN_RAW, 1, 0, 0xFFFFFFFF)
                 + expose(D1, X_D2, R, 0, 0, 0, 16) + expose(D1, X_D2, R, 0x10, 1, 0, 16) + expose(D1, X_D2, R, 0x20, 1, 0, 16)
                 + expose(D1, X_D2, R, 0x80, 1, 0, 16) + expose(D1, X_D1, R, 0, 1, 0, 16) + expose(D1, X_D3, R, 0, 1, 0, 16)
                 + expose(D1, X_ANY, R, 0, 1, 0, 16) + expose(D1, 4, R, 0, 1, 0, 16) + expose(D1, X_RAW, R, 0, 1, 0, 16)
                 + expose(D1, X_D2, R, 1, 1, 0x10, 0x100) + expose(D1, X_D2, R, 2, 1, 0x10, 0x100) + expose(D1, X_D2, R, 3, 1, 1, 16)
                 + expose(D3, X_D1, R, 0, 1, 0, 16) + expose(D1, X_CROWD, W, 0, 1, 0, 16) + crowd(1, 16)
                 + expose(D1, X_CROWD, W, 0, 1, 0, 16) + expose(D1, X_CROWD, R, 0, 1, 0, 16) + fetch(D2, 0, 0, 0, 0, 8, 0)
                 + deposit(D2, 0, 0, 0, 0, 8, 0) + fetch(D1, 0, 7 | (3 << 3), 0, 0, 8, 0) + deposit(D1, 0, 7 | (3 << 3), 0, 0, 8, 0)
                 + expose(D1, X_D2, R, 1, 1, 0, 0x10) + expose(D2, X_D1, W, LEN_TO_END, 0xFF, 0x100, 0),
    # Copies in a batch and a submission queue until CALL_BYTE_BUDGET stops them (HMX-XPOSE-030).
    'expose_budget': expose(D1, X_D2, RW, LEN_TO_END, 0xFF, 0, 0)
                 + deposit(D2, 0, 0, LEN_REST, 0, 0, 0, via=VIA_BATCH, count=20)
                 + deposit(D2, 0, 0, LEN_REST, 0, 0, 0, via=VIA_QUEUE, count=20)
                 + fetch(D2, 0, 0, 0, 0x40, 0x200, 0x1000, via=VIA_BATCH, count=6)
                 + fetch(D2, 0, 0, OFF_FROM_END, 0, 0x200, 0x1000, via=VIA_BATCH | STOP_ON_ERROR, count=4)
                 + fetch(D2, 0, 0, 0, 0x40, 0x200, 0x1000, via=VIA_QUEUE, count=5)
                 + expose(D1, X_D2, R, 0, 3, 0x100, 0x100) + fetch(D2, 1, 0, 0, 0, 0x80, 0, via=VIA_BATCH, count=5)
                 + fetch(D2, 1, 0, 0, 0, 0x80, 0, via=VIA_BATCH, count=0),
    # A revoke racing the peer's fetches on another thread (HMX-XPOSE-032).
    'expose_race': expose(D1, X_D2, R, FILL, 0xF0, 0x800, 0x1000) + revoke(D1, 0, 0x22)
                 + expose(D2, X_D1, R, 0, 3, 0x800, 0x1000) + revoke(D2, 1, 0x32) + revoke(D2, 1, 0x02),
    # d2 destroyed: its exposures and those naming it end (HMX-XPOSE-034); the handles stay dead.
    'expose_respawn': expose(D1, X_D2, RW, 0, 2, 0x100, 0x100) + expose(D2, X_D1, R, 0, 2, 0x100, 0x100)
                 + respawn() + fetch(D2, 0, 0, 0, 0, 8, 0) + fetch(D1, 1, 0, 0, 0, 8, 0) + revoke(D1, 0)
                 + expose(D1, X_D2, R, 0, 2, 0x100, 0x100) + fetch(D2, 2, 0, 0, 0, 8, 0)
                 + parallel(1, [(3, 0, 0)] * 8) + fetch(D2, 2, 0, 0, 0, 8, 0)
                 + expose(D2, X_D1, R, 0, 2, 0x200, 0x100) + fetch(D1, 1, 0, 0, 0, 8, 0) + fetch(D1, 3, 0, 0, 0, 8, 0),
    # The adapter's offers: memory mapped page by page (piecewise copies), a page that is not RAM,
    # EXPOSE, EVENT_IDX and SUBMIT_QUEUE withdrawn.
    'offer_paged': offer(1 << 3 | 1 << 5) + offer(1 << 3) + expose(D1, X_D2, RW, FILL, 5, 0xF00, 0x2200)
                 + fetch(D2, 0, 0, 0, 0x80, 0x1900, 0x0F80) + deposit(D2, 0, 0, 0, 0x10, 0x1100, 0x4010)
                 + register(D1, 3, P_D2, 3 * 4096 - 64, 44 | (1 << 5)) + poke(D2, 0xFF0, payload)
                 + send(D2, P_D1, 3, [(0xF00, 0x300), (0x1FF0, 5000)]) + offer(2 << 3 | 1 << 5)
                 + send(D2, P_D1, 3, [(47 * 4096 - 8, 100)]) + expose(D2, X_D1, R, 0, 1, 46 * 4096 - 16, 0x100)
                 + offer(1) + fetch(D2, 0, 0, 0, 0, 8, 0) + expose(D1, X_D2, R, 0, 1, 0, 16) + revoke(D1, 0)
                 + offer(2) + register(D1, 4, P_D2, 256, 27, 0x40) + offer(4) + queue(D1, 2, 0, [(4, [arg_small(0)] * 4)])
                 + offer(0),
    # Interrupt moderation (spec event-idx): a ring registered with EVENT_IDX, rx_event moved
    # around the ring, a receiver that halts with rx_event armed, sends alone and in a batch.
    'event_idx': regs(D1, 0, 0x40, 40, 1) + regs(D1, 1, 0x41, 40, 1)
                 + register(D1, 4, P_D2, 48 + 16 * 16, 27, 0x40 | 0x02 | 0x04) + poke(D2, 0x40, payload)
                 + send(D2, P_D1, 4, [(0x40, 10)]) + rx(D1, 4, P_D2, 0xC0, 2) + send(D2, P_D1, 4, [(0x40, 10)])
                 + send(D2, P_D1, 4, [(0x40, 10)]) + rx(D1, 4, P_D2, 0xC2, 0) + send(D2, P_D1, 4, [(0x40, 30)])
                 + rx(D1, 4, P_D2, 0xC1, 0xFFFFFFFF) + send(D2, P_D1, 4, [(0x40, 10)]) + rx(D1, 4, P_D2, 0xC1, 7)
                 + send(D2, P_D1, 4, [(0x40, 10)]) + rx(D1, 4, P_D2, 0xC3, 5)
                 + poke(D2, 0x1000, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 4, 1, 0)) + poke(D2, 0x1010, struct.pack('<QII', 0x40, 16, 0))
                 + batch(D2, 0, [(2, [arg_off(0x1000), arg_off(0x1010), arg_small(1), arg_small(0)])] * 8)
                 + register(D1, 4, P_D2, 48 + 16 * 16, 27, 0x02) + send(D2, P_D1, 4, [(0x40, 10)])
                 + register(D1, 5, P_D2, 48 + 16 * 4, 28, 0x40) + send(D2, P_D1, 5, [(0x40, 10)]) + send(D2, P_D1, 5, [(0x40, 40)])
                 + rx(D1, 5, P_D2, 0xC0, 0) + notify(D1, [(P_D2, 5, 16)])
                 + batch(D1, 0, [(3, [arg_off(0x1020), arg_small(0), arg_small(0), arg_small(0)])]),
    # A batch's interrupts merged per vCPU, and a space wait woken from inside a batch.
    'batch_irq': regs(D1, 0, 0x40, 40, 1) + regs(D2, 0, 0x42, 41, 1) + register(D1, 9, P_D2, 48 + 16 * 6, 26)
                 + poke(D2, 0x1000, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 9, 1, 0)) + poke(D2, 0x1010, struct.pack('<QII', 0x100, 32, 0))
                 + batch(D2, 0, [(2, [arg_off(0x1000), arg_off(0x1010), arg_small(1), arg_small(0)])] * 4)
                 + send(D2, P_D1, 9, [(0x100, 32)]) + rx(D1, 9, P_D2) + poke(D1, 0x1020, struct.pack('<II', 1, 0) + struct.pack('<HHHHI', 9, 2, 0, 0, 16))
                 + batch(D1, 0, [(3, [arg_off(0x1020), arg_small(0), arg_small(0), arg_small(0)])] * 2)
                 + register(D1, 10, P_D2, 48 + 16 * 6, 27) + poke(D2, 0x1030, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 10, 1, 0))
                 + rx(D1, 9, P_D2) + batch(D2, 0, [(2, [arg_off(0x1000), arg_off(0x1010), arg_small(1), arg_small(0)]),
                                               (2, [arg_off(0x1030), arg_off(0x1010), arg_small(1), arg_small(0)])] * 2),
    # A full exposure table (ENOSPC), then one revoke makes room.
    'expose_full': expose(D1, X_D2, R, 0, 1, 0x100, 0x100, vcpu=0x80 | 90) + expose(D1, X_D2, R, 0, 1, 0x100, 0x100)
                 + revoke(D1, 5) + expose(D1, X_D2, R, 0, 1, 0x100, 0x100) + fetch(D2, 7, 0, 0, 0, 0x10, 0)
                 + policy(0x80, b'rule { action: DENY hook: SEND source: "d1" destination: "d2" }'),
    # The queue's registration errors through raw call blocks, exposure ops as raw entries.
    # A host worker polls the submission queue (spec submit-queue-polling): begin, drain, end; left
    # polling while the guest registers and submits again; a submit call rings the doorbell.
    'queue_poll': register(D2, 9, P_D1, 1024, 26) + poke(D1, 0x1000, struct.pack('<IHHIHH', 0, 0x7FF4, 0, 9, 2, 0))
                 + poke(D1, 0x1010, struct.pack('<QII', 0x100, 32, 0)) + regs(D1, 0, 0x40, 40, 1)
                 + queue(D1, 3, 1, [(2, [arg_off(0x1000), arg_off(0x1010), arg_small(1), arg_small(0)])] * 3 + [(4, [arg_small(0)] * 4)], 8)
                 + queue(D1, 2, 1, [(4, [arg_small(0)] * 4)] * 2, 0x18) + queue(D1, 2, 0, [(4, [arg_small(0)] * 4)] * 3, 8, 0, 0x80)
                 + queue(D2, 1, 0, [(4, [arg_small(0)] * 4)], 0) + queue(D3, 1, 0, [], 8) + queue(D1, 1, 0, [(4, [arg_small(0)] * 4)], 9, 77),
    'queue_raw': call(D1, 0, OP_SET_QUEUE, [arg_off(58 * 4096), arg_small(3), arg_small(0), arg_small(0)])
                 + call(D1, 0, OP_SET_QUEUE, [arg_raw(64 * 4096 - 64), arg_small(4), arg_small(0), arg_small(0)])
                 + call(D1, 0, OP_SET_QUEUE, [arg_raw(63 * 4096), arg_small(64), arg_small(0), arg_small(0)])
                 + call(D1, 0, OP_SET_QUEUE, [arg_off(58 * 4096), arg_small(4), arg_small(0), arg_small(0)])
                 + call(D1, 0, OP_SUBMIT, [arg_small(0)] * 4)
                 + b''.join(call(D2, 0, op, [arg_off(0x100), arg_small(0), arg_small(0), arg_small(0)]) for op in (OP_EXPOSE, OP_FETCH, OP_DEPOSIT, OP_REVOKE))
                 + batch(D2, 0, [(op, [arg_off(0x100), arg_small(0), arg_small(0), arg_small(0)]) for op in range(0xE0, 0xF0)]),
}

os.makedirs('corpus', exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join('corpus', name), 'wb') as f:
        f.write(data)
    print(f'corpus/{name}: {len(data)} bytes')
