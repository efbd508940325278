/* SPDX-License-Identifier: MIT */
/* Real-mode AP start-up code. The BSP copies [hmx_guest_trampoline_start, _end) to
 * HMX_GUEST_TRAMPOLINE_BASE at CPL3 (native speed) before INIT-SIPI-SIPI; a STARTUP IPI with
 * vector HMX_GUEST_TRAMPOLINE_BASE >> 12 starts the AP at CS = vector << 8, IP = 0 in real mode
 * (SDM Vol. 3A 9.4.4 "MP Initialization Example", 10.6.1 "STARTUP IPI").
 *
 * Position: the bytes run at HMX_GUEST_TRAMPOLINE_BASE but are linked inside the image, so every
 * reference to the trampoline itself is CS-relative; the far jump targets the image's 32-bit
 * AP entry by its absolute address. 5 CPL0 instructions. */
#include "hmx_guest/layout.h"

        .section .rodata.trampoline, "a"
        .code16
        .globl hmx_guest_trampoline_start, hmx_guest_trampoline_end
hmx_guest_trampoline_start:
        cli                                                     /* 1 */
        lgdtl %cs:(gdt_ptr - hmx_guest_trampoline_start)        /* 2 */
        mov $HMX_CR0_PE, %eax                                   /* 3 */
        mov %eax, %cr0                                          /* 4 */
        ljmpl $HMX_GUEST_SEL_KCODE32, $hmx_guest_ap_entry32     /* 5 */
        .balign 8
gdt_ptr:
        .word HMX_GUEST_GDT_ENTRIES * 8 - 1
        .long hmx_guest_gdt
hmx_guest_trampoline_end:
        .code64
