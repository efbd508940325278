/* SPDX-License-Identifier: MIT */
/* The contract between a guest built on the HMX guest runtime and the monitor that runs it
 * (hmx-kvm, or QEMU with `-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio`).
 *
 * Plain C, fixed-width types only: included by the freestanding guest runtime and by the
 * host-side monitor (adapters/kvm) alike. */
#ifndef HMX_GUEST_PROTOCOL_H
#define HMX_GUEST_PROTOCOL_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* COM1 transmit register (16550). The guest writes whole lines with `rep outsb`; the monitor
 * buffers per line. */
#define HMX_GUEST_PORT_SERIAL 0x3f8
/* Exit port: `outl status, 0xf4`. Same port as QEMU's isa-debug-exit (iobase=0xf4), where the
 * process exit status becomes (status << 1) | 1; hmx-kvm reports the status unchanged. */
#define HMX_GUEST_PORT_EXIT 0xf4

/* Exit status reserved for "the guest took an unexpected CPU exception". RDI then holds the
 * guest-physical address of a struct hmx_guest_exception_record. Chosen below 0x80 so that QEMU's
 * (status << 1) | 1 still fits a process exit status (0xfb). */
#define HMX_GUEST_EXIT_EXCEPTION 0x7d
/* Exit status for a runtime panic (bad start_info, AP bring-up failure). */
#define HMX_GUEST_EXIT_PANIC 0x7c

#define HMX_GUEST_EXCEPTION_MAGIC 0x3130435845584d48ull /* "HMXEXC01" */

#ifndef __ASSEMBLER__
/* Written by the runtime's CPL0 exception path (vectors.S pushes it, exception.cpp fills magic
 * and cpu). Register order is the push order in vectors.S, lowest address first. */
struct hmx_guest_exception_record {
  uint64_t magic;
  uint64_t cpu;
  uint64_t cr2;
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;
  /* Hardware interrupt frame (SDM Vol. 3A 6.14.2 "64-Bit Mode Stack Frame"). */
  uint64_t rip, cs, rflags, rsp, ss;
};
#endif

#endif
