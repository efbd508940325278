/* SPDX-License-Identifier: MIT */
/* A minimal runtime for Xen HVM/PVH guests written only against Xen's public headers (issue 11):
 * it finds Xen by CPUID, installs the hypercall page through the MSR Xen names, prints through
 * console_io, takes event-channel upcalls on a vector and ends with sched_op shutdown. Nothing
 * here knows about HMX; the same images boot on Xen. Everything runs at CPL0 (Xen refuses
 * hypercalls from user mode of an HVM guest). */
#ifndef XEN_GUESTS_XEN_GUEST_H
#define XEN_GUESTS_XEN_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/argo.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/arch-x86/cpuid.h>

#include <xen/arch-x86/hvm/start_info.h> /* struct hvm_start_info: the PVH boot ABI (docs/misc/pvh.pandoc) */

#define XEN_ERRNO(name, value) XG_##name = value,
enum xg_errno {
#include <xen/errno.h>
};
#undef XEN_ERRNO

/* The upcall vector the guests ask for (HVMOP_set_evtchn_upcall_vector). */
#define XG_UPCALL_VECTOR 0xf3

extern uint32_t xg_cpuid_base;   /* 0x40000000 or 0x40000100; 0 when Xen is absent */
extern uint16_t xg_domid;        /* from CPUID leaf 5 (XEN_HVM_CPUID_DOMID_PRESENT) */
extern const char* xg_cmdline;   /* from hvm_start_info */
extern shared_info_t* xg_shared_info;
extern volatile uint32_t xg_upcalls;


long xg_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* Finds Xen, installs the hypercall page. 0 or a reason (printed by nothing: no console yet). */
const char* xg_init(const struct hvm_start_info* si);
/* Places shared_info, sets the upcall vector, enables the LAPIC and the IDT entry. The upcall
 * handler consumes the 2-level pending bits of vCPU 0 and calls `on_port` for each pending port
 * (with interrupts off). 0 or -errno. */
long xg_events_init(void (*on_port)(uint32_t port));
/* Waits for an interrupt with the check `idle()` made with interrupts off (no lost wake-up). */
void xg_wait(int (*idle)(void));

void xg_print(const char* s);
/* %s %u %d %x %lu %lx %ld %c %% */
void xg_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void xg_shutdown(unsigned reason) __attribute__((noreturn));

/* The value of KEY=... on the command line into out (0 when missing). */
int xg_cmdline_value(const char* key, char* out, size_t size);
/* KEY=N, or `fallback`. */
uint64_t xg_cmdline_uint(const char* key, uint64_t fallback);
/* The id of domain NAME in domains=NAME:ID,... (hmx-kvm's command line), or -1. */
int xg_domain_id(const char* name);

static inline uint64_t xg_fnv1a64(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = (const unsigned char*)data;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}
#define XG_FNV_OFFSET 0xcbf29ce484222325ull

void* memcpy(void* d, const void* s, size_t n);
void* memset(void* d, int c, size_t n);
int strcmp(const char* a, const char* b);

#endif
