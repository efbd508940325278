/* SPDX-License-Identifier: Apache-2.0 */
/* arm64_echo: a dom0less domU the harness test boots under real Xen/Arm. A Linux arm64 Image
 * (Documentation/arch/arm64/booting.rst: the 64-byte header Xen's loader checks, text_offset 0,
 * flags 0xa = little endian, 4 KiB pages, anywhere in RAM). With the MMU off it prints through
 * the vpl011 (GUEST_PL011_BASE 0x22000000, Xen public/arch-arm.h): a greeting, a line longer
 * than Xen's 126-character vpl011 pieces, and "exit status=ECHO_STATUS" (the aarch64 runtime's exit
 * line, guest-runtime/aarch64/README.md); then PSCI
 * SYSTEM_OFF (0x84000008) through hvc. ECHO_STATUS is a single digit set by the build. */
#ifndef ECHO_STATUS
#define ECHO_STATUS 0
#endif
        .section .text.head, "ax"
        .globl _start
_start:
        b       real_start
        .long   0
        .quad   0                       /* text_offset */
        .quad   image_end - _start      /* image_size */
        .quad   0xa                     /* flags */
        .quad   0, 0, 0
        .long   0x644d5241              /* "ARM\x64" */
        .long   0
real_start:
        adr     x1, greeting
        bl      puts
        mov     x19, #300               /* the long line: 300 letters */
        mov     x20, #0
1:      mov     x2, #26
        udiv    x3, x20, x2
        msub    x0, x3, x2, x20
        add     x0, x0, #'a'
        bl      putc
        add     x20, x20, #1
        cmp     x20, x19
        b.lt    1b
        mov     x0, #'\n'
        bl      putc
        adr     x1, exit_line
        bl      puts
        ldr     x0, =0x84000008
        hvc     #0
2:      wfi
        b       2b

putc:   ldr     x9, =0x22000000         /* UARTDR; UARTFR (0x18) bit 5: TX FIFO full */
3:      ldr     w10, [x9, #0x18]
        tbnz    w10, #5, 3b
        strb    w0, [x9]
        ret
puts:   mov     x11, x30
4:      ldrb    w0, [x1], #1
        cbz     w0, 5f
        bl      putc
        b       4b
5:      mov     x30, x11
        ret

#define STR2(x) #x
#define STR(x) STR2(x)
greeting:   .asciz "arm64_echo: hello from a dom0less domU\n"
exit_line:  .asciz "exit status=" STR(ECHO_STATUS) "\n"
        .ltorg
        .balign 4096
image_end:
