/* SPDX-License-Identifier: MIT */
/* Vector stubs, the interrupt and exception paths, and the privileged-call gate.
 *
 * All of this runs at CPL0, which the nested KVM emulates at ~1.2 us per instruction, so each
 * path is a handful of straight-line instructions; the numbered comments are the count of CPL0
 * instructions a path executes (stub included). Lives in .hmx.fixed_text at HMX_GUEST_STUB_BASE
 * because the static IDT (tables.S) encodes these addresses.
 *
 * Counts:
 *   external interrupt (vector 32..255):  14   record vector, LAPIC EOI, iretq
 *   gate WRMSR:                            6   (+ the MSR exit itself)
 *   gate RDMSR:                            8
 *   gate HALT:                            18   (+ one interrupt: 14)
 *   gate TAKE_PENDING:                    16
 *   gate EOI:                             15
 *   gate CPUID:                           18   (probing only, see runtime.h)
 *   gate XEN_HYPERCALL:                   24   (the hypercall page's stub included)
 *   #GP on the gate's wrmsr/rdmsr:        12   (fix-up, the call returns R8 = 1) */
#include "hmx_guest/layout.h"
#include "hmx_guest/protocol.h"

        .section .hmx.fixed_text, "ax"
        .code64
        .globl hmx_guest_stubs
hmx_guest_stubs:
        .set vec, 0
        .rept 256
        .org vec * HMX_GUEST_STUB_STRIDE
        /* Exceptions that push an error code (SDM Vol. 3A 6.15, Table 6-1). */
        .if vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30
        push $vec
        jmp exception_common
        .elseif vec == HMX_GUEST_VECTOR_GATE
        ud2                             /* unused: the IDT sends #BP to hmx_guest_gate */
        .elseif vec < 32
        push $0
        push $vec
        jmp exception_common
        .else
        push $vec                                       /* 1 */
        jmp interrupt_common                            /* 2 */
        .endif
        .set vec, vec + 1
        .endr

/* ---- Privileged-call gate: `int3` at hmx_guest_gate_call, RDI = function (layout.h) -------
 * #BP is a trap: the frame's RIP is already past the int3, so the gate returns with a plain
 * iretq. Interrupt gate: IF=0 on entry. */
        .org HMX_GUEST_GATE_ENTRY - HMX_GUEST_STUB_BASE
        .globl hmx_guest_gate
hmx_guest_gate:
        cmpq $hmx_guest_gate_return, (%rsp)             /* 1  only from the runtime's gate site */
        jne 9f                                          /* 2 */
        test %rdi, %rdi                                 /* 3  WRMSR first: the HMX conduit */
        jnz 1f                                          /* 4 */
        .globl hmx_guest_gate_wrmsr_insn
hmx_guest_gate_wrmsr_insn:
        wrmsr                                           /* 5 */
        iretq                                           /* 6 */
1:      cmp $HMX_GUEST_GATE_RDMSR, %rdi                 /* 5 */
        jne 2f                                          /* 6 */
        .globl hmx_guest_gate_rdmsr_insn
hmx_guest_gate_rdmsr_insn:
        rdmsr                                           /* 7 */
        iretq                                           /* 8 */
9:      push $0                                         /* any other int3: a genuine #BP */
        push $HMX_GUEST_VECTOR_GATE
        jmp exception_common
2:      cmp $HMX_GUEST_GATE_HALT, %rdi                  /* 7 */
        jne 3f                                          /* 8 */
        /* Halt only if nothing is pending; IF=0 here (interrupt gate), and STI's one-instruction
         * shadow makes `sti; hlt` atomic (SDM Vol. 2B STI), so no wake-up is lost. */
        mov %rsp, %rdx                                  /* 9 */
        and $~(HMX_GUEST_CPU_BLOCK_SIZE - 1), %rdx      /* 10 */
        mov HMX_GUEST_PERCPU_PENDING(%rdx), %rax        /* 11 */
        or HMX_GUEST_PERCPU_PENDING + 8(%rdx), %rax     /* 12 */
        or HMX_GUEST_PERCPU_PENDING + 16(%rdx), %rax    /* 13 */
        or HMX_GUEST_PERCPU_PENDING + 24(%rdx), %rax    /* 14 */
        jnz 8f                                          /* 15 */
        sti                                             /* 16 */
        hlt                                             /* 17 */
8:      iretq                                           /* 18 */
3:      cmp $HMX_GUEST_GATE_TAKE_PENDING, %rdi          /* 9 */
        jne 4f                                          /* 10 */
        and $3, %esi                                    /* 11 */
        mov %rsp, %rdx                                  /* 12 */
        and $~(HMX_GUEST_CPU_BLOCK_SIZE - 1), %rdx      /* 13 */
        xor %eax, %eax                                  /* 14 */
        xchg %rax, HMX_GUEST_PERCPU_PENDING(%rdx, %rsi, 8)  /* 15 */
        iretq                                           /* 16 */
4:      cmp $HMX_GUEST_GATE_EOI, %rdi                   /* 11 */
        jne 5f                                          /* 12 */
        mov $HMX_GUEST_LAPIC_EOI, %eax                  /* 13 */
        movl $0, (%rax)                                 /* 14 */
        iretq                                           /* 15 */
5:      cmp $HMX_GUEST_GATE_EXIT, %rdi                  /* 13 */
        jne 6f                                          /* 14 */
        mov %esi, %eax
        out %eax, $HMX_GUEST_PORT_EXIT
7:      cli
        hlt
        jmp 7b
6:      cmp $HMX_GUEST_GATE_CPUID, %rdi                 /* 15 */
        jne 11f                                         /* 16 */
        cpuid                                           /* 17 */
        iretq                                           /* 18 */
11:     cmp $HMX_GUEST_GATE_XEN_HYPERCALL, %rdi         /* 17 */
        jne 10f                                         /* 18 */
        /* Xen refuses hypercalls from CPL3 of an HVM/PVH guest (-EPERM, xen/arch/x86/hvm/
         * hypercall.c): call the hypercall-page entry (`mov $nr, %eax; vmcall|vmmcall; ret`) here,
         * with Xen's 64-bit argument registers RDI RSI RDX R10 R8 (argo.md 1.1). */
        mov %r9, %rdi                                   /* 19 */
        call *%r11                                      /* 20, the stub's 3, result in RAX */
        iretq                                           /* 24 */
10:     mov $-38, %rax                                  /* -ENOSYS */
        iretq

/* ---- External interrupts: record the vector in this vCPU's pending bitmap, EOI ----------
 * The per-CPU data sits at the base of the size-aligned block that holds this stack. */
interrupt_common:
        push %rax                                       /* 3 */
        push %rdx                                       /* 4 */
        mov 16(%rsp), %eax                              /* 5  vector */
        mov %rsp, %rdx                                  /* 6 */
        and $~(HMX_GUEST_CPU_BLOCK_SIZE - 1), %rdx      /* 7 */
        lock bts %rax, HMX_GUEST_PERCPU_PENDING(%rdx)   /* 8 */
        mov $HMX_GUEST_LAPIC_EOI, %eax                  /* 9 */
        movl $0, (%rax)                                 /* 10 xAPIC EOI (SDM Vol. 3A 10.8.5) */
        pop %rdx                                        /* 11 */
        pop %rax                                        /* 12 */
        add $8, %rsp                                    /* 13 */
        iretq                                           /* 14 */

/* ---- Exceptions ------------------------------------------------------------------------ */
exception_common:                                       /* [rsp] = vector, error code, frame */
        cmpq $13, (%rsp)                                /* 3 */
        jne 1f                                          /* 4 */
        cmpq $hmx_guest_gate_wrmsr_insn, 16(%rsp)       /* 5 */
        je 2f                                           /* 6 */
        cmpq $hmx_guest_gate_rdmsr_insn, 16(%rsp)
        jne 1f
2:      /* #GP raised by the gate's wrmsr/rdmsr (an MSR the hypervisor refuses): skip the 2-byte
         * instruction and report it in R8, like kvm-unit-tests' wrmsr_safe/rdmsr_safe. */
        addq $2, 16(%rsp)                               /* 7/9 */
        mov $1, %r8d                                    /* 8/10 */
        add $16, %rsp                                   /* 9/11 */
        iretq                                           /* 10/12 */
1:      /* Build struct hmx_guest_exception_record (protocol.h) on the stack. */
        push %rax
        push %rbx
        push %rcx
        push %rdx
        push %rsi
        push %rdi
        push %rbp
        push %r8
        push %r9
        push %r10
        push %r11
        push %r12
        push %r13
        push %r14
        push %r15
        mov %cr2, %rax
        push %rax
        push $0                                         /* cpu: filled in by C++ */
        push $0                                         /* magic: filled in by C++ */
        mov %rsp, %rdi
        and $~15, %rsp                                  /* SysV call alignment */
        call hmx_guest_exception                        /* [[noreturn]] */
        ud2

/* ---- The gate site, called from CPL3 by the privileged_* wrappers (runtime.h) ------------ */
        .text
        .globl hmx_guest_gate_call, hmx_guest_gate_return
hmx_guest_gate_call:
        int3
hmx_guest_gate_return:
        ret
