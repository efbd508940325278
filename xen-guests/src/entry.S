/* SPDX-License-Identifier: MIT */
/* The PVH entry of the Xen guests: 32-bit protected mode, paging off, EBX = hvm_start_info
 * (Xen docs/misc/pvh.pandoc) -> long mode on a static identity map of the low 4 GiB
 * (2 MiB pages; the LAPIC page included), then xg_main(start_info). Everything stays at CPL0,
 * the only level at which Xen accepts hypercalls from an HVM/PVH guest. The tables are built by
 * the assembler, so entry is a couple of dozen instructions (each CPL0 instruction is emulated,
 * ~1.2 us, on the nested KVM of the project's machines). */
#include <xen/elfnote.h>

        .section .note.Xen, "a", @note
        .balign 4
        .long 4
        .long 4
        .long XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .balign 4
        .long xg_entry32
        .balign 4

        .section .text.entry, "ax"
        .code32
        .globl xg_entry32
xg_entry32:
        mov %ebx, %esi
        lgdt xg_gdt_ptr
        mov $0x20, %eax                 /* CR4.PAE */
        mov %eax, %cr4
        mov $xg_pml4, %eax
        mov %eax, %cr3
        mov $0xc0000080, %ecx           /* EFER.LME */
        rdmsr
        or $0x100, %eax
        wrmsr
        mov $0x80010011, %eax           /* CR0.PG | WP | ET | PE */
        mov %eax, %cr0
        ljmp $0x08, $1f
        .code64
1:      mov $0x10, %eax
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %ss
        mov $xg_stack_top, %rsp
        mov %esi, %edi
        call xg_main
2:      cli
        hlt
        jmp 2b

/* Exceptions: vector in EDI -> xg_exception (which shuts the domain down as crashed). */
        .text
        .globl xg_exception_stubs
        .balign 16
xg_exception_stubs:
        .set vec, 0
        .rept 32
        .balign 16
        mov $vec, %edi
        mov (%rsp), %rsi                /* error code or RIP */
        jmp xg_exception_common
        .set vec, vec + 1
        .endr
xg_exception_common:
        and $-16, %rsp
        call xg_exception
        jmp 2b

/* The event-channel upcall: save the caller-saved registers and RBP (the frame of the
 * realignment), xg_upcall(), iretq. */
        .globl xg_upcall_stub
xg_upcall_stub:
        push %rbp
        push %rax
        push %rcx
        push %rdx
        push %rsi
        push %rdi
        push %r8
        push %r9
        push %r10
        push %r11
        mov %rsp, %rbp
        and $-16, %rsp
        call xg_upcall
        mov %rbp, %rsp
        pop %r11
        pop %r10
        pop %r9
        pop %r8
        pop %rdi
        pop %rsi
        pop %rdx
        pop %rcx
        pop %rax
        pop %rbp
        iretq

        .data
        .balign 16
xg_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
xg_gdt_end:
        .balign 4
        .word 0
xg_gdt_ptr:
        .word xg_gdt_end - xg_gdt - 1
        .long xg_gdt

        .balign 4096
xg_pml4:
        .quad xg_pdpt + 3
        .fill 511, 8, 0
xg_pdpt:
        .quad xg_pd + 3
        .quad xg_pd + 0x1000 + 3
        .quad xg_pd + 0x2000 + 3
        .quad xg_pd + 0x3000 + 3
        .fill 508, 8, 0
xg_pd:
        .set page, 0
        .rept 2048
        .quad page + 0x83               /* present, writable, 2 MiB */
        .set page, page + 0x200000
        .endr

        .bss
        .balign 16
        .space 65536
xg_stack_top:
