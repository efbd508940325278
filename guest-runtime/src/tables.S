/* SPDX-License-Identifier: MIT */
/* Static descriptor tables and page tables, fully initialised by the assembler.
 *
 * Nothing here is computed at run time: every CPL0 instruction is emulated on the nested KVM
 * (~1.2 us each), so a boot loop that filled 2048 page-table entries would cost milliseconds
 * per vCPU. Descriptor fields that carry addresses use the fixed addresses of layout.h. */
#include "hmx_guest/layout.h"

/* ---- TSS array at HMX_GUEST_TSS_BASE (64-bit TSS: SDM Vol. 3A 7.7, Figure 7-11) ---------- */
        .section .hmx.fixed_data, "aw"
        .globl hmx_guest_tss0
hmx_guest_tss0:
        .set cpu, 0
        .rept HMX_GUEST_MAX_CPUS
        .long 0                                                         /* reserved */
        .quad hmx_guest_cpu_blocks + cpu * HMX_GUEST_CPU_BLOCK_SIZE + HMX_GUEST_KSTACK_TOP /* RSP0 */
        .quad 0, 0, 0                                                   /* RSP1, RSP2, reserved */
        .quad hmx_guest_cpu_blocks + cpu * HMX_GUEST_CPU_BLOCK_SIZE + HMX_GUEST_ISTACK_TOP /* IST1 */
        .quad 0, 0, 0, 0, 0, 0, 0                                       /* IST2..7, reserved */
        .word 0                                                         /* reserved */
        .word HMX_GUEST_TSS_IOMAP_OFFSET                                /* I/O map base */
        /* I/O permission bitmap for ports 0..0x3ff (SDM Vol. 1 19.5.2): a 0 bit allows CPL3.
         * Allowed: 0xf4-0xf7 (exit port; outl touches all four) and 0x3f8-0x3ff (COM1). */
        .fill 0x1e, 1, 0xff
        .byte 0x0f                                                      /* ports 0xf0-0xf7 */
        .fill 0x7f - 0x1f, 1, 0xff
        .byte 0x00                                                      /* ports 0x3f8-0x3ff */
        .byte 0xff                                                      /* terminator */
        .balign HMX_GUEST_TSS_STRIDE
        .set cpu, cpu + 1
        .endr

/* ---- GDT (SDM Vol. 3A 3.4.5; 64-bit TSS descriptors 7.2.3) ----------------------------- */
        .data
        .balign 16
        .globl hmx_guest_gdt
hmx_guest_gdt:
        .quad 0                         /* null */
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code, 32-bit, flat 4 GiB */
        .quad 0x00af9a000000ffff        /* 0x10 kernel code, 64-bit */
        .quad 0x00cf92000000ffff        /* 0x18 kernel data */
        .quad 0x00cffa000000ffff        /* 0x20 user code, 32-bit (unused) */
        .quad 0x00cff2000000ffff        /* 0x28 user data */
        .quad 0x00affa000000ffff        /* 0x30 user code, 64-bit */
        .set cpu, 0
        .rept HMX_GUEST_MAX_CPUS
        .set tss, HMX_GUEST_TSS_BASE + cpu * HMX_GUEST_TSS_STRIDE
        .word HMX_GUEST_TSS_LIMIT
        .word tss & 0xffff
        .byte (tss >> 16) & 0xff
        .byte 0x89                      /* present, DPL0, available 64-bit TSS */
        .byte 0
        .byte (tss >> 24) & 0xff
        .long 0                         /* base 63:32 */
        .long 0
        .set cpu, cpu + 1
        .endr
hmx_guest_gdt_end:
        .if (hmx_guest_gdt_end - hmx_guest_gdt) != HMX_GUEST_GDT_ENTRIES * 8
        .error "GDT size does not match HMX_GUEST_GDT_ENTRIES"
        .endif

        .balign 8
        .globl hmx_guest_gdt_ptr
hmx_guest_gdt_ptr:
        .word HMX_GUEST_GDT_ENTRIES * 8 - 1
        .quad hmx_guest_gdt

/* ---- IDT (SDM Vol. 3A 6.14.1, Figure 6-8) --------------------------------------------- */
        .balign 16
hmx_guest_idt:
        .set vec, 0
        .rept 256
        .if vec == HMX_GUEST_VECTOR_GATE
        .set handler, HMX_GUEST_GATE_ENTRY
        .set attr, 0xee                 /* present, DPL3: `int3` allowed from CPL3 */
        .else
        .set handler, HMX_GUEST_STUB_BASE + vec * HMX_GUEST_STUB_STRIDE
        .set attr, 0x8e                 /* present, DPL0, 64-bit interrupt gate (IF cleared) */
        .endif
        .if vec == 2 || vec == 8 || vec == 18
        .set ist, 1                     /* NMI, #DF, #MC on their own stack */
        .else
        .set ist, 0
        .endif
        .word handler & 0xffff
        .word HMX_GUEST_SEL_KCODE64
        .byte ist
        .byte attr
        .word (handler >> 16) & 0xffff
        .long 0
        .long 0
        .set vec, vec + 1
        .endr
hmx_guest_idt_end:

        .balign 8
        .globl hmx_guest_idt_ptr
hmx_guest_idt_ptr:
        .word hmx_guest_idt_end - hmx_guest_idt - 1
        .quad hmx_guest_idt

/* ---- Page tables: identity map of the first 4 GiB (SDM Vol. 3A 4.5, Figures 4-9, 4-10) ---
 * 2 MiB pages everywhere except the first 2 MiB, which use 4 KiB pages so that page 0 can be
 * left unmapped: a null-pointer access faults instead of reading the real-mode IVT. Every page
 * is user-accessible (U/S=1) because the workload runs at CPL3; SMEP/SMAP stay off. The 4th GiB
 * (LAPIC, IOAPIC, unbacked MMIO) is mapped uncached (PCD|PWT). */
#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_US 0x4
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80
        .balign 4096
        .globl hmx_guest_pml4
hmx_guest_pml4:
        .quad hmx_guest_pdpt + (PTE_P | PTE_RW | PTE_US)
        .fill 511, 8, 0
hmx_guest_pdpt:
        .quad hmx_guest_pd + 0x0000 + (PTE_P | PTE_RW | PTE_US)
        .quad hmx_guest_pd + 0x1000 + (PTE_P | PTE_RW | PTE_US)
        .quad hmx_guest_pd + 0x2000 + (PTE_P | PTE_RW | PTE_US)
        .quad hmx_guest_pd + 0x3000 + (PTE_P | PTE_RW | PTE_US)
        .fill 508, 8, 0
hmx_guest_pd:
        .quad hmx_guest_pt0 + (PTE_P | PTE_RW | PTE_US)
        .set page, 1
        .rept 2047
        .if page >= 1536
        .quad (page << 21) | (PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_PCD | PTE_PWT)
        .else
        .quad (page << 21) | (PTE_P | PTE_RW | PTE_US | PTE_PS)
        .endif
        .set page, page + 1
        .endr
hmx_guest_pt0:
        .quad 0                         /* page 0: not present */
        .set page, 1
        .rept 511
        .quad (page << 12) | (PTE_P | PTE_RW | PTE_US)
        .set page, page + 1
        .endr

/* ---- Per-vCPU blocks (layout.h): per-CPU data and stacks, aligned to their size ---------- */
        .bss
        .balign HMX_GUEST_CPU_BLOCK_SIZE
        .globl hmx_guest_cpu_blocks
hmx_guest_cpu_blocks:
        .skip HMX_GUEST_MAX_CPUS * HMX_GUEST_CPU_BLOCK_SIZE
