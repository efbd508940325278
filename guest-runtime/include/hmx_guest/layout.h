/* SPDX-License-Identifier: MIT */
/* Fixed memory layout and selectors of the HMX guest runtime.
 *
 * Included by the runtime's assembly (entry32.S, long_mode.S, vectors.S, trampoline.S) and C++,
 * so it holds only preprocessor constants. Everything the CPU needs before it can run compiled
 * code (GDT, TSS descriptors, IDT, page tables) is emitted by the assembler from these constants,
 * because each CPL0 instruction is emulated on the nested KVM this project runs on (~1.2 us each,
 * docs/ARCHITECTURE.md "Facts of the machines"): no CPL0 loop builds a table at boot.
 *
 * The x86-64 descriptor formats split a base address across several fields (Intel SDM Vol. 3A
 * 3.4.5 "Segment Descriptors", 7.2.3 "TSS Descriptor in 64-bit mode", 6.14.1 "64-Bit Mode IDT").
 * No ELF relocation can express such a split, so the objects whose addresses descriptors carry
 * (the TSS array and the vector stubs) live at FIXED addresses; the linker script asserts them. */
#ifndef HMX_GUEST_LAYOUT_H
#define HMX_GUEST_LAYOUT_H

/* Image placement: linked at 1 MiB (linker.ld). */
#define HMX_GUEST_IMAGE_BASE 0x100000
/* TSS array, one per vCPU: [HMX_GUEST_TSS_BASE, +HMX_GUEST_MAX_CPUS * HMX_GUEST_TSS_STRIDE). */
#define HMX_GUEST_TSS_BASE 0x100000
#define HMX_GUEST_TSS_STRIDE 256
/* Vector stubs: stub v at HMX_GUEST_STUB_BASE + v * HMX_GUEST_STUB_STRIDE; the privileged-call
 * gate right after the 256 stubs. */
#define HMX_GUEST_STUB_BASE 0x101000
#define HMX_GUEST_STUB_STRIDE 16
#define HMX_GUEST_GATE_ENTRY (HMX_GUEST_STUB_BASE + 256 * HMX_GUEST_STUB_STRIDE)

#define HMX_GUEST_MAX_CPUS 16

/* 64-bit TSS (SDM Vol. 3A 7.7): 104 bytes, then the I/O permission bitmap (SDM Vol. 1 19.5.2).
 * The bitmap covers ports 0..0x3ff (128 bytes) plus the mandatory trailing 0xff byte; ports
 * beyond the TSS limit are denied to CPL3, which is what we want. */
#define HMX_GUEST_TSS_IOMAP_OFFSET 104
#define HMX_GUEST_TSS_IOMAP_BYTES 128
#define HMX_GUEST_TSS_LIMIT (HMX_GUEST_TSS_IOMAP_OFFSET + HMX_GUEST_TSS_IOMAP_BYTES)

/* GDT selectors. KCODE32 is used only on the way from the PVH 32-bit entry (or the AP
 * trampoline) to long mode. User code/data follow the SYSRET layout out of habit. */
#define HMX_GUEST_SEL_KCODE32 0x08
#define HMX_GUEST_SEL_KCODE64 0x10
#define HMX_GUEST_SEL_KDATA 0x18
#define HMX_GUEST_SEL_UCODE32 0x20
#define HMX_GUEST_SEL_UDATA 0x28
#define HMX_GUEST_SEL_UCODE64 0x30
#define HMX_GUEST_SEL_TSS0 0x38 /* TSS of cpu i: HMX_GUEST_SEL_TSS0 + 16 * i */
#define HMX_GUEST_GDT_ENTRIES (7 + 2 * HMX_GUEST_MAX_CPUS)

/* Per-vCPU block, aligned to its size, so that `rsp & ~(size - 1)` finds the per-CPU data from
 * either stack in two instructions without GS/FS bases (no MSR writes, no swapgs protocol):
 *   [0x0000, 0x1000)  per-CPU data (HMX_GUEST_PERCPU_*)
 *   [0x1000, 0x4000)  CPL0 stack (TSS.RSP0 = block + 0x4000)
 *   [0x4000, 0x5000)  IST1 stack for #DF, NMI, #MC
 *   [0x5000, 0x20000) CPL3 stack */
#define HMX_GUEST_CPU_BLOCK_SHIFT 17
#define HMX_GUEST_CPU_BLOCK_SIZE (1 << HMX_GUEST_CPU_BLOCK_SHIFT)
#define HMX_GUEST_KSTACK_TOP 0x4000
#define HMX_GUEST_ISTACK_TOP 0x5000
#define HMX_GUEST_USTACK_TOP HMX_GUEST_CPU_BLOCK_SIZE

/* Per-CPU data offsets. */
#define HMX_GUEST_PERCPU_PENDING 0     /* u64[4]: bitmap of vectors 0..255 seen, set at CPL0 */
#define HMX_GUEST_PERCPU_INDEX 32      /* u32 cpu index, written at CPL0 on entry */
#define HMX_GUEST_PERCPU_HANDLERS 0x800 /* 256 CPL3 handler pointers */

/* Vectors. The privileged-call gate is #BP (`int3`), a DPL3 interrupt gate: on this project's
 * nested KVM `int n` from CPL3 comes back as #UD (KVM's instruction emulator handles INT n only
 * in real mode) and SYSCALL does not reach CPL0, while `int3` is delivered through the IDT
 * (measured; docs/ARCHITECTURE.md "Facts of the machines"). The gate accepts only the runtime's own gate
 * site (hmx_guest_gate_call); an `int3` anywhere else is reported as a genuine #BP. */
#define HMX_GUEST_VECTOR_GATE 3
#define HMX_GUEST_VECTOR_SPURIOUS 0xff

/* Privileged-call functions (RDI = function; see the gate in vectors.S). */
#define HMX_GUEST_GATE_WRMSR 0        /* ECX = msr, EDX:EAX = value; R8 = 1 on #GP */
#define HMX_GUEST_GATE_RDMSR 1        /* ECX = msr -> EDX:EAX; R8 = 1 on #GP */
#define HMX_GUEST_GATE_HALT 2         /* sti; hlt unless a vector is already pending */
#define HMX_GUEST_GATE_TAKE_PENDING 3 /* RSI = word 0..3 -> RAX = pending word, cleared */
#define HMX_GUEST_GATE_EOI 4          /* LAPIC EOI */
#define HMX_GUEST_GATE_EXIT 5         /* ESI = status, never returns */
#define HMX_GUEST_GATE_CPUID 6        /* EAX = leaf, ECX = subleaf -> EAX, EBX, ECX, EDX */
#define HMX_GUEST_GATE_XEN_HYPERCALL 7 /* R11 = hypercall-page entry, R9 RSI RDX R10 R8 = args -> RAX */

/* Real-mode AP trampoline page (SDM Vol. 3A 9.4.4.1 "Typical BSP Initialization Sequence":
 * the STARTUP IPI vector is the page number of the start address below 1 MiB). */
#define HMX_GUEST_TRAMPOLINE_BASE 0x8000

/* xAPIC MMIO (SDM Vol. 3A 10.4.1 "The Local APIC Block Diagram", Table 10-1). */
#define HMX_GUEST_LAPIC_BASE 0xfee00000
#define HMX_GUEST_LAPIC_EOI (HMX_GUEST_LAPIC_BASE + 0xb0)

/* Control register bits (SDM Vol. 3A 2.5). */
#define HMX_CR0_PE (1 << 0)
#define HMX_CR0_MP (1 << 1)
#define HMX_CR0_ET (1 << 4)
#define HMX_CR0_NE (1 << 5)
#define HMX_CR0_WP (1 << 16)
#define HMX_CR0_PG (1 << 31)
#define HMX_CR4_PAE (1 << 5)
#define HMX_CR4_OSFXSR (1 << 9)
#define HMX_CR4_OSXMMEXCPT (1 << 10)
#define HMX_MSR_EFER 0xc0000080
#define HMX_EFER_LME (1 << 8)

#endif
