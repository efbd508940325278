/* SPDX-License-Identifier: Apache-2.0 */
/* Entry of the EL2 monitor. QEMU starts the boot CPU here at EL2 with the MMU off (an ELF given
 * to -kernel with virtualization=on and no EL3); the other CPUs arrive through PSCI CPU_ON at
 * hmx_mon_secondary_entry with X0 = their index. */
#define STACK_SIZE 0x8000
#define MAX_CPUS 8
/* SCTLR_EL2 (E2H 0): RES1 bits 29, 28, 23, 22, 18, 16, 11, 5, 4 | I | SA | C | M. */
#define SCTLR_EL2_MMU_ON 0x30C5183D

  .section .text.start, "ax"
  .globl _start
_start:
  msr daifset, #0xf
  mrs x1, CurrentEL
  cmp x1, #(2 << 2)
  b.ne wrong_el
  ldr x1, =hmx_mon_stacks
  add sp, x1, #STACK_SIZE
  ldr x1, =__bss_start
  ldr x2, =__bss_end
1:cmp x1, x2
  b.hs 2f
  stp xzr, xzr, [x1], #16
  b 1b
2:ldr x1, =hmx_mon_vectors
  msr vbar_el2, x1
  isb
  bl hmx_mon_primary
  b park

  .globl hmx_mon_secondary_entry
hmx_mon_secondary_entry:
  msr daifset, #0xf
  mov x19, x0
  cmp x19, #MAX_CPUS
  b.hs park
  ldr x1, =hmx_mon_stacks
  add x2, x19, #1
  mov x3, #STACK_SIZE
  madd x1, x2, x3, x1
  mov sp, x1
  ldr x1, =hmx_mon_vectors
  msr vbar_el2, x1
  isb
  bl hmx_mon_enable_mmu
  mov x0, x19
  bl hmx_mon_secondary
  b park

/* MAIR/TCR/TTBR0 from hmx_mon_mmu (mmu.cpp). */
  .globl hmx_mon_enable_mmu
hmx_mon_enable_mmu:
  ldr x1, =hmx_mon_mmu
  ldp x2, x3, [x1]
  msr mair_el2, x2
  msr tcr_el2, x3
  ldr x2, [x1, #16]
  msr ttbr0_el2, x2
  isb
  tlbi alle2
  dsb nsh
  isb
  ldr x2, =SCTLR_EL2_MMU_ON
  msr sctlr_el2, x2
  isb
  ic iallu
  dsb nsh
  isb
  ret

/* The top of CPU n's stack: where vectors.S keeps the guest frame while the guest runs. */
  .globl hmx_mon_stack_top
hmx_mon_stack_top:
  ldr x1, =hmx_mon_stacks
  add x2, x0, #1
  mov x3, #STACK_SIZE
  madd x0, x2, x3, x1
  ret

wrong_el:
  ldr x2, =0x09000000
  adr x1, msg_el
3:ldrb w3, [x1], #1
  cbz w3, park
  str w3, [x2]
  b 3b
park:
  wfi
  b park

  .section .rodata.start, "a"
msg_el:
  .asciz "hmx-arm-monitor: not started at EL2 (run QEMU with -M virt,virtualization=on)\n"

  .section .bss.stacks, "aw", %nobits
  .balign 16
  .globl hmx_mon_stacks
hmx_mon_stacks:
  .space STACK_SIZE * MAX_CPUS
