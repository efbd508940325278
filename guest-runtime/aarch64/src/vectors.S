/* SPDX-License-Identifier: MIT */
/* EL1 exception vectors (Arm ARM D1.10.2 "Exception vectors"): IRQs from EL1 go to the GIC
 * handler (gic.cpp); every other exception is fatal and reported (exception.cpp). */

/* Fatal: a frame of x0..x30, the interrupted SP, ELR, SPSR, ESR, FAR, then the vector kind. */
.macro FATAL kind
  .balign 0x80
  sub sp, sp, #(36 * 8)
  stp x0, x1, [sp, #0]
  mov x0, #\kind
  b fatal_common
.endm

.macro IRQ_ENTRY
  .balign 0x80
  b irq_common
.endm

  .section .text.vectors, "ax"
  .balign 0x800
  .globl hmx_a64_vectors
hmx_a64_vectors:
  FATAL 0   /* current EL, SP_EL0: sync */
  FATAL 1   /*                      irq */
  FATAL 2   /*                      fiq */
  FATAL 3   /*                      serror */
  FATAL 4   /* current EL, SP_ELx: sync */
  IRQ_ENTRY /*                      irq */
  FATAL 6   /*                      fiq */
  FATAL 7   /*                      serror */
  FATAL 8   /* lower EL, AArch64 */
  FATAL 9
  FATAL 10
  FATAL 11
  FATAL 12  /* lower EL, AArch32 */
  FATAL 13
  FATAL 14
  FATAL 15

irq_common:
  sub sp, sp, #(24 * 8)
  stp x0, x1, [sp, #0]
  stp x2, x3, [sp, #16]
  stp x4, x5, [sp, #32]
  stp x6, x7, [sp, #48]
  stp x8, x9, [sp, #64]
  stp x10, x11, [sp, #80]
  stp x12, x13, [sp, #96]
  stp x14, x15, [sp, #112]
  stp x16, x17, [sp, #128]
  stp x18, x29, [sp, #144]
  mrs x0, elr_el1
  mrs x1, spsr_el1
  stp x30, x0, [sp, #160]
  str x1, [sp, #176]
  bl hmx_a64_irq
  ldr x1, [sp, #176]
  ldp x30, x0, [sp, #160]
  msr elr_el1, x0
  msr spsr_el1, x1
  ldp x0, x1, [sp, #0]
  ldp x2, x3, [sp, #16]
  ldp x4, x5, [sp, #32]
  ldp x6, x7, [sp, #48]
  ldp x8, x9, [sp, #64]
  ldp x10, x11, [sp, #80]
  ldp x12, x13, [sp, #96]
  ldp x14, x15, [sp, #112]
  ldp x16, x17, [sp, #128]
  ldp x18, x29, [sp, #144]
  add sp, sp, #(24 * 8)
  eret

/* x0 = kind, x0/x1 of the interrupted code already at [sp]. */
fatal_common:
  stp x2, x3, [sp, #16]
  stp x4, x5, [sp, #32]
  stp x6, x7, [sp, #48]
  stp x8, x9, [sp, #64]
  stp x10, x11, [sp, #80]
  stp x12, x13, [sp, #96]
  stp x14, x15, [sp, #112]
  stp x16, x17, [sp, #128]
  stp x18, x19, [sp, #144]
  stp x20, x21, [sp, #160]
  stp x22, x23, [sp, #176]
  stp x24, x25, [sp, #192]
  stp x26, x27, [sp, #208]
  stp x28, x29, [sp, #224]
  add x2, sp, #(36 * 8)
  stp x30, x2, [sp, #240]
  mrs x2, elr_el1
  mrs x3, spsr_el1
  stp x2, x3, [sp, #256]
  mrs x2, esr_el1
  mrs x3, far_el1
  stp x2, x3, [sp, #272]
  mov x1, sp
  bl hmx_a64_fatal
1:wfi
  b 1b
