/* SPDX-License-Identifier: MIT */
/* The contract between an aarch64 guest built on the HMX guest runtime and whatever boots it:
 * the HMX EL2 monitor (adapters/arm-smccc), Xen (dom0less domU) or QEMU's virt board at EL1.
 *
 * Boot: the Linux arm64 `Image` protocol (Linux Documentation/arch/arm64/booting.rst): the image
 * is loaded at text_offset (HMX_A64_TEXT_OFFSET) above a RAM base of HMX_A64_RAM_BASE, entered at
 * its first byte at EL1 with the MMU and data cache off, X0 = the guest-physical address of a
 * flattened device tree. Xen places a domU's Image at its first RAM bank + text_offset, QEMU at
 * its RAM base + text_offset (it keeps the RAM's first page for its own boot code), the HMX
 * monitor like Xen: all at HMX_A64_IMAGE_BASE.
 *
 * Plain C, fixed-width types only: included by the runtime and by the monitor. */
#ifndef HMX_GUEST_A64_PROTOCOL_H
#define HMX_GUEST_A64_PROTOCOL_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Guest RAM starts here under Xen (GUEST_RAM0_BASE), QEMU virt and the HMX monitor. */
#define HMX_A64_RAM_BASE 0x40000000
/* The Image header's text_offset, and so the link address of every image. */
#define HMX_A64_TEXT_OFFSET 0x200000
#define HMX_A64_IMAGE_BASE (HMX_A64_RAM_BASE + HMX_A64_TEXT_OFFSET)
/* QEMU virt's PL011; Xen's vpl011 is at 0x22000000. Overridden by the build
 * (HMX_A64_UART_BASE) or the boot argument `uart=0x...`. */
#define HMX_A64_UART_DEFAULT 0x09000000

/* Exit with a status: PSCI SYSTEM_OFF (function 0x84000008, which takes no arguments) with X1 =
 * status and X2 = this magic. A monitor that knows the convention reports the status; any other
 * PSCI implementation ignores X1 and X2 and powers the domain off. Before it, the runtime prints
 * "exit status=N" on its console, so a log shows the status either way. */
#define HMX_A64_EXIT_MAGIC 0x0054495845584d48ull /* "HMXEXIT" */

/* Exit statuses the runtime itself uses (the same values as the x86-64 runtime's protocol.h). */
#define HMX_GUEST_EXIT_EXCEPTION 0x7d /* an unexpected exception: the runtime printed a report */
#define HMX_GUEST_EXIT_PANIC 0x7c     /* the runtime could not boot (bad device tree, AP bring-up) */

#endif
