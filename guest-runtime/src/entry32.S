/* SPDX-License-Identifier: MIT */
/* PVH entry and the 32-bit path to long mode, shared by the BSP and the APs.
 *
 * PVH boot ABI (Xen docs/misc/pvh.pandoc, "x86/HVM direct boot ABI"): the loader enters the
 * image at the address in the XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit protected mode, paging
 * off, CS/DS/ES/SS flat 4 GiB, EBX = physical address of struct hvm_start_info; the selector
 * values and the GDT are unspecified, so we load our own GDT first (interrupt delivery later
 * loads CS from it, docs/ARCHITECTURE.md "Facts of the machines").
 *
 * Every instruction here runs at CPL0, i.e. emulated on the nested KVM (~1.2 us each): the BSP
 * path from the entry to the long-mode jump is 3 + 17 = 20 instructions, the AP path 4 + 17 = 21
 * (after the 5 of trampoline.S); long_mode.S adds 18 before CPL3. */
#include "hmx_guest/layout.h"

/* XEN_ELFNOTE_PHYS32_ENTRY (type 18, owner "Xen"; xen/include/public/elfnote.h). 4-byte
 * alignment: QEMU's loader aligns the name by the PT_NOTE's p_align. */
        .section .note.Xen, "a", @note
        .balign 4
        .long 4                 /* namesz: "Xen\0" */
        .long 4                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .long hmx_guest_entry32
        .balign 4

        .section .text.entry, "ax"
        .code32
        .globl hmx_guest_entry32
hmx_guest_entry32:
        mov %ebx, hmx_guest_start_info_pa       /* 1 */
        xor %edi, %edi                          /* 2  cpu index 0 */
        jmp hmx_guest_common32                  /* 3 */

/* The AP trampoline (trampoline.S) jumps here in 32-bit protected mode. DS still holds the
 * real-mode cached base, so it is reloaded before the first memory operand. */
        .globl hmx_guest_ap_entry32
hmx_guest_ap_entry32:
        mov $HMX_GUEST_SEL_KDATA, %eax          /* 1 */
        mov %eax, %ds                           /* 2 */
        mov $1, %edi                            /* 3 */
        lock xadd %edi, hmx_guest_next_cpu      /* 4  edi = this AP's cpu index */

/* EDI = cpu index. */
hmx_guest_common32:
        lgdt hmx_guest_gdt_ptr                  /* +1 */
        ljmp $HMX_GUEST_SEL_KCODE32, $1f        /* +2 */
1:      mov $HMX_GUEST_SEL_KDATA, %eax          /* +3 */
        mov %eax, %ds                           /* +4 */
        mov %eax, %es                           /* +5 */
        mov %eax, %ss                           /* +6 */
        /* SDM Vol. 3A 9.8.5 "Initializing IA-32e Mode": PAE, CR3, EFER.LME, then CR0.PG.
         * OSFXSR/OSXMMEXCPT (and CR0.MP, !CR0.EM) let compiled code use SSE (SDM Vol. 3A 13.1). */
        mov $(HMX_CR4_PAE | HMX_CR4_OSFXSR | HMX_CR4_OSXMMEXCPT), %eax   /* +7 */
        mov %eax, %cr4                          /* +8 */
        mov $hmx_guest_pml4, %eax               /* +9 */
        mov %eax, %cr3                          /* +10 */
        mov $HMX_MSR_EFER, %ecx                 /* +11 */
        mov $HMX_EFER_LME, %eax                 /* +12 */
        xor %edx, %edx                          /* +13 */
        wrmsr                                   /* +14 */
        mov $(HMX_CR0_PG | HMX_CR0_WP | HMX_CR0_NE | HMX_CR0_ET | HMX_CR0_MP | HMX_CR0_PE), %eax /* +15 */
        mov %eax, %cr0                          /* +16 */
        ljmp $HMX_GUEST_SEL_KCODE64, $hmx_guest_long_mode   /* +17 */

        .data
        .balign 4
        .globl hmx_guest_start_info_pa
hmx_guest_start_info_pa:
        .long 0
        /* Next cpu index handed to an AP; the BSP is 0. */
        .globl hmx_guest_next_cpu
hmx_guest_next_cpu:
        .long 1
