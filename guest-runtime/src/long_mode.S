/* SPDX-License-Identifier: MIT */
/* Common 64-bit entry for every vCPU: per-CPU stack, TSS, IDT, then iretq to CPL3.
 *
 * Entered from entry32.S with EDI = cpu index, SS/DS/ES = kernel data. 21 CPL0 instructions
 * (emulated here, ~1.2 us each), then all further work of the vCPU runs at CPL3 natively. */
#include "hmx_guest/layout.h"

        .text
        .code64
        .globl hmx_guest_long_mode
hmx_guest_long_mode:
        cmp $HMX_GUEST_MAX_CPUS, %edi                   /* 1 */
        jae 9f                                          /* 2  more vCPUs than the runtime has blocks */
        mov %edi, %ecx                                  /* 3 */
        shl $HMX_GUEST_CPU_BLOCK_SHIFT, %ecx            /* 4  rcx = block offset */
        lea hmx_guest_cpu_blocks + HMX_GUEST_KSTACK_TOP(%rcx), %rsp   /* 5 */
        mov %edi, HMX_GUEST_PERCPU_INDEX - HMX_GUEST_KSTACK_TOP(%rsp) /* 6 */
        lea (%rdi, %rdi), %eax                          /* 7 */
        lea HMX_GUEST_SEL_TSS0(, %rax, 8), %eax         /* 8  selector = TSS0 + 16 * cpu */
        ltr %ax                                         /* 9 */
        lidt hmx_guest_idt_ptr                          /* 10 */
        /* Mask both legacy 8259 PICs. Firmware (SeaBIOS under QEMU) leaves them in virtual-wire
         * mode with IRQ0 at vector 8, so the first PIT tick would arrive as a bogus #DF; HMX
         * guests take only LAPIC vectors. Three CPL0 instructions, on every vCPU (idempotent). */
        mov $0xff, %al                                  /* 10a */
        out %al, $0x21                                  /* 10b  master PIC IMR */
        out %al, $0xa1                                  /* 10c  slave PIC IMR */
        /* iretq frame (SDM Vol. 3A 6.14.3): SS, RSP, RFLAGS (IF=1), CS, RIP. CPL3 code runs with
         * interrupts enabled; the CPL0 stub only records the vector (vectors.S). */
        push $(HMX_GUEST_SEL_UDATA | 3)                 /* 11 */
        /* RSP = top - 8: hmx_guest_cpl3_entry is entered like a called function, with RSP + 8
         * a multiple of 16 (SysV x86-64 ABI 3.2.2); without it every frame is misaligned and
         * compiler-generated SSE spills (movdqa/movaps to the stack) raise #GP. */
        lea hmx_guest_cpu_blocks + HMX_GUEST_USTACK_TOP - 8(%rcx), %rax   /* 12 */
        push %rax                                       /* 13 */
        push $0x202                                     /* 14 */
        push $(HMX_GUEST_SEL_UCODE64 | 3)               /* 15 */
        push $hmx_guest_cpl3_entry                      /* 16 */
        mov hmx_guest_start_info_pa, %esi               /* 17  second argument */
        iretq                                           /* 18  -> hmx_guest_cpl3_entry(cpu, si) */
9:      cli
        hlt
        jmp 9b
