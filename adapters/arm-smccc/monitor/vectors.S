/* SPDX-License-Identifier: Apache-2.0 */
/* EL2 exception vectors (Arm ARM D1.10.2). Exceptions from EL1 save a guest_frame (monitor.h) on
 * this CPU's stack, call the C++ handler and return to the guest; the monitor never takes an
 * exception from EL2 itself except by a bug, which ends the run. */
#define FRAME 272

.macro SAVE_X0_X1
  sub sp, sp, #FRAME
  stp x0, x1, [sp, #0]
.endm

.macro EL2_FAULT kind
  .balign 0x80
  mov x0, #\kind
  mrs x1, esr_el2
  mrs x2, elr_el2
  mrs x3, far_el2
  b hmx_mon_el2_fault
.endm

  .section .text.vectors, "ax"
  .balign 0x800
  .globl hmx_mon_vectors
hmx_mon_vectors:
  EL2_FAULT 0
  EL2_FAULT 1
  EL2_FAULT 2
  EL2_FAULT 3
  EL2_FAULT 4
  EL2_FAULT 5
  EL2_FAULT 6
  EL2_FAULT 7
  .balign 0x80          /* lower EL, AArch64: sync */
  SAVE_X0_X1
  adr x1, hmx_mon_lower_sync
  b guest_exit
  .balign 0x80          /* IRQ */
  SAVE_X0_X1
  adr x1, hmx_mon_lower_irq
  b guest_exit
  .balign 0x80          /* FIQ: none is routed to a guest; report like a sync exception */
  SAVE_X0_X1
  adr x1, hmx_mon_lower_sync
  b guest_exit
  .balign 0x80          /* SError */
  SAVE_X0_X1
  adr x1, hmx_mon_lower_serror
  b guest_exit
  EL2_FAULT 12          /* lower EL, AArch32: never entered (HCR_EL2.RW) */
  EL2_FAULT 13
  EL2_FAULT 14
  EL2_FAULT 15

/* x1 = the C++ handler; x0/x1 of the guest at [sp]. */
guest_exit:
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
  mrs x2, elr_el2
  mrs x3, spsr_el2
  stp x30, x2, [sp, #240]
  str x3, [sp, #256]
  mov x0, sp
  blr x1
restore:
  ldr x3, [sp, #256]
  ldp x30, x2, [sp, #240]
  msr elr_el2, x2
  msr spsr_el2, x3
  ldp x2, x3, [sp, #16]
  ldp x4, x5, [sp, #32]
  ldp x6, x7, [sp, #48]
  ldp x8, x9, [sp, #64]
  ldp x10, x11, [sp, #80]
  ldp x12, x13, [sp, #96]
  ldp x14, x15, [sp, #112]
  ldp x16, x17, [sp, #128]
  ldp x18, x19, [sp, #144]
  ldp x20, x21, [sp, #160]
  ldp x22, x23, [sp, #176]
  ldp x24, x25, [sp, #192]
  ldp x26, x27, [sp, #208]
  ldp x28, x29, [sp, #224]
  ldp x0, x1, [sp, #0]
  add sp, sp, #FRAME
  eret

/* hmx_mon_enter_guest(frame): the frame sits at the top of this CPU's stack. */
  .globl hmx_mon_enter_guest
hmx_mon_enter_guest:
  mov sp, x0
  b restore
