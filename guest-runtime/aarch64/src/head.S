/* SPDX-License-Identifier: MIT */
/* Entry of an aarch64 HMX guest image: the Linux arm64 Image header (booting.rst "Call the
 * kernel image"), the boot vCPU's and the secondary vCPUs' path to C++ with the MMU on. */
#include "hmx_guest/protocol.h"

#define STACK_SIZE 0x10000
#define MAX_CPUS 8

/* SCTLR_EL1: RES1 bits of ARMv8.0 (29, 28, 23, 22, 20, 11) | I | SA | C | M. */
#define SCTLR_EL1_MMU_ON 0x30D0180D

  .section .text.head, "ax"
  .globl _head
_head:
  b primary_entry             /* code0 */
  .long 0                     /* code1 */
  .quad HMX_A64_TEXT_OFFSET   /* text_offset: loaded this far above a 2 MiB aligned RAM base */
  .quad __image_size          /* image_size: bytes from _head to the end of .bss */
  .quad 0xa                   /* flags: little endian, 4 KiB pages, placement anywhere */
  .quad 0                     /* res2 */
  .quad 0                     /* res3 */
  .quad 0                     /* res4 */
  .ascii "ARM\x64"            /* magic, offset 56 */
  .long 0                     /* res5: no PE header */

primary_entry:
  msr daifset, #0xf
  mov x19, x0                 /* the device tree */
  mrs x1, CurrentEL
  cmp x1, #(1 << 2)
  b.ne wrong_el
  /* The image is linked at HMX_A64_IMAGE_BASE and uses absolute addresses: refuse another
   * load address (loaders put it at their RAM base + text_offset, protocol.h). */
  adr x1, _head
  ldr x2, =_head
  cmp x1, x2
  b.ne wrong_address

  ldr x1, =hmx_a64_stacks
  add sp, x1, #STACK_SIZE
  /* .bss: 16-byte aligned bounds (linker.ld), aligned stores (device memory while MMU off). */
  ldr x1, =__bss_start
  ldr x2, =__bss_end
1:cmp x1, x2
  b.hs 2f
  stp xzr, xzr, [x1], #16
  b 1b
2:ldr x1, =hmx_a64_boot_dtb
  str x19, [x1]
  ldr x1, =hmx_a64_vectors
  msr vbar_el1, x1
  isb
  mov x0, x19
  bl hmx_a64_early_init       /* C++, MMU off: device tree, page tables */
  bl enable_mmu
  mov x0, #0
  bl hmx_a64_cpu_start        /* never returns */
  b park

/* PSCI CPU_ON entry of the other vCPUs: X0 = context id = vCPU index (psci.cpp). */
  .globl hmx_a64_secondary_entry
hmx_a64_secondary_entry:
  msr daifset, #0xf
  mov x19, x0
  cmp x19, #MAX_CPUS
  b.hs park
  ldr x1, =hmx_a64_stacks
  add x2, x19, #1
  mov x3, #STACK_SIZE
  madd x1, x2, x3, x1
  mov sp, x1
  ldr x1, =hmx_a64_vectors
  msr vbar_el1, x1
  isb
  bl enable_mmu
  mov x0, x19
  bl hmx_a64_cpu_start
  b park

/* MAIR/TCR/TTBR0 come from hmx_a64_mmu (mmu.cpp), written before the first vCPU turns it on. */
enable_mmu:
  ldr x1, =hmx_a64_mmu
  ldp x2, x3, [x1]
  msr mair_el1, x2
  msr tcr_el1, x3
  ldr x2, [x1, #16]
  msr ttbr0_el1, x2
  isb
  tlbi vmalle1
  dsb nsh
  isb
  ldr x2, =SCTLR_EL1_MMU_ON
  msr sctlr_el1, x2
  isb
  ic iallu
  dsb nsh
  isb
  ret

/* Not started at EL1, or at the wrong address: say so on the default console and stop. */
wrong_el:
  adr x1, msg_el
  b fail
wrong_address:
  adr x1, msg_address
fail:
  ldr x2, =HMX_A64_UART_BASE
3:ldrb w3, [x1], #1
  cbz w3, park
  str w3, [x2]
  b 3b
park:
  wfi
  b park

  .section .rodata.head, "a"
msg_el:
  .asciz "hmx-guest: not entered at EL1; stopping\n"
msg_address:
  .asciz "hmx-guest: not loaded at its link address 0x40200000 (RAM base 0x40000000 + text_offset); stopping\n"

  .section .bss.stacks, "aw", %nobits
  .balign 16
  .globl hmx_a64_stacks
hmx_a64_stacks:
  .space STACK_SIZE * MAX_CPUS

  .section .data.boot, "aw"
  .balign 8
  .globl hmx_a64_boot_dtb
hmx_a64_boot_dtb:
  .quad 0
