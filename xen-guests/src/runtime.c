/* SPDX-License-Identifier: MIT */
/* The Xen guests' runtime (xen_guest.h). */
#include <stdarg.h>

#include "xen_guest.h"

uint32_t xg_cpuid_base;
uint16_t xg_domid;
const char* xg_cmdline = "";
shared_info_t* xg_shared_info;
volatile uint32_t xg_upcalls;

static unsigned char xg_hypercall_page[4096] __attribute__((aligned(4096)));
static shared_info_t xg_shared_info_page __attribute__((aligned(4096)));
struct idt_entry {
  uint16_t offset_low, selector;
  uint8_t ist, type;
  uint16_t offset_mid;
  uint32_t offset_high, reserved;
};
static struct idt_entry xg_idt[256] __attribute__((aligned(16)));
extern char xg_exception_stubs[];
extern char xg_upcall_stub[];

#define LAPIC_BASE 0xfee00000ul
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0

static void cpuid(uint32_t leaf, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t*)(LAPIC_BASE + reg) = v; }

/* Xen's convention (public/arch-x86/xen-x86_64.h): number in the stub, arguments in RDI, RSI,
 * RDX, R10, R8, the result in RAX. */
long xg_hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5) {
  register uint64_t r10 __asm__("r10") = a4;
  register uint64_t r8 __asm__("r8") = a5;
  long ret;
  void* entry = xg_hypercall_page + nr * 32;
  __asm__ volatile("call *%[entry]"
                   : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                   : [entry] "r"(entry)
                   : "memory", "rcx", "r9", "r11");
  return ret;
}

const char* xg_init(const struct hvm_start_info* si) {
  if (si->magic == XEN_HVM_START_MAGIC_VALUE && si->cmdline_paddr != 0) xg_cmdline = (const char*)si->cmdline_paddr;
  uint32_t r[4];
  cpuid(1, r);
  if (!(r[2] & (1u << 31))) return "no hypervisor (CPUID.1:ECX[31] clear)";
  /* Xen's leaves sit at 0x40000000, or at 0x40000100 when Viridian takes the first block. */
  for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100) {
    cpuid(base, r);
    if (r[1] == XEN_CPUID_SIGNATURE_EBX && r[2] == XEN_CPUID_SIGNATURE_ECX && r[3] == XEN_CPUID_SIGNATURE_EDX &&
        r[0] >= base + 2) {
      xg_cpuid_base = base;
      break;
    }
  }
  if (xg_cpuid_base == 0) return "no Xen signature at 0x40000000 or 0x40000100";
  cpuid(xg_cpuid_base + 2, r); /* EAX pages, EBX the MSR */
  if (r[0] < 1) return "Xen offers no hypercall page";
  wrmsr(r[1], (uint64_t)(uintptr_t)xg_hypercall_page);
  cpuid(xg_cpuid_base, r);
  if (r[0] >= xg_cpuid_base + 4) {
    cpuid(xg_cpuid_base + 4, r);
    if (r[0] & XEN_HVM_CPUID_DOMID_PRESENT) xg_domid = (uint16_t)r[2];
  }
  return 0;
}

static void (*xg_on_port)(uint32_t port);

long xg_events_init(void (*on_port)(uint32_t port)) {
  xg_on_port = on_port;
  struct xen_add_to_physmap xatp = {DOMID_SELF, 0, XENMAPSPACE_shared_info, 0,
                                    (xen_pfn_t)((uintptr_t)&xg_shared_info_page >> 12)};
  long rc = xg_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&xatp, 0, 0, 0);
  if (rc != 0) return rc;
  xg_shared_info = &xg_shared_info_page;
  /* The IDT: exceptions to their stubs, the upcall vector to its handler; others absent. */
  for (unsigned v = 0; v < 256; ++v) {
    uintptr_t h = 0;
    if (v < 32) h = (uintptr_t)(xg_exception_stubs + 16 * v);
    if (v == XG_UPCALL_VECTOR) h = (uintptr_t)xg_upcall_stub;
    if (h == 0) continue;
    xg_idt[v].offset_low = (uint16_t)h;
    xg_idt[v].selector = 0x08;
    xg_idt[v].type = 0x8e; /* present, DPL0, 64-bit interrupt gate */
    xg_idt[v].offset_mid = (uint16_t)(h >> 16);
    xg_idt[v].offset_high = (uint32_t)(h >> 32);
  }
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } idtr = {sizeof xg_idt - 1, (uintptr_t)xg_idt};
  __asm__ volatile("lidt %0" ::"m"(idtr));
  lapic_write(LAPIC_SVR, 0x1ff); /* software-enable the LAPIC, spurious vector 0xff */
  struct xen_hvm_evtchn_upcall_vector up = {0, XG_UPCALL_VECTOR};
  return xg_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&up, 0, 0, 0);
}

/* The upcall consumes what is pending, as Linux's handler does (drivers/xen/events): clearing
 * evtchn_upcall_pending anywhere but here could leave it set while the vCPU sleeps, and Xen
 * injects the vector only when it sets that flag from 0. */
static void xg_events_consume(void (*on_port)(uint32_t port)) {
  vcpu_info_t* vi = &xg_shared_info->vcpu_info[0];
  /* The 2-level order (Linux's evtchn_2l_handle_events): upcall flag, selector, words. */
  __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
  xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
  while (sel != 0) {
    const unsigned word = (unsigned)__builtin_ctzl(sel);
    sel &= sel - 1;
    xen_ulong_t bits = __atomic_exchange_n(&xg_shared_info->evtchn_pending[word], 0, __ATOMIC_SEQ_CST) &
                       ~xg_shared_info->evtchn_mask[word];
    while (bits != 0) {
      const unsigned bit = (unsigned)__builtin_ctzl(bits);
      bits &= bits - 1;
      if (on_port) on_port(word * 64 + bit);
    }
  }
}

void xg_upcall(void) {
  xg_upcalls = xg_upcalls + 1;
  if (xg_shared_info) xg_events_consume(xg_on_port);
  lapic_write(LAPIC_EOI, 0);
}

void xg_wait(int (*idle)(void)) {
  __asm__ volatile("cli" ::: "memory");
  if (idle())
    __asm__ volatile("sti; hlt" ::: "memory"); /* sti's shadow: no interrupt slips in before hlt */
  else
    __asm__ volatile("sti" ::: "memory");
}

void xg_print(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  xg_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uintptr_t)s, 0, 0);
}

static void put_unsigned(char** p, char* end, uint64_t v, unsigned base) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  while (n > 0 && *p < end) *(*p)++ = tmp[--n];
}

void xg_printf(const char* fmt, ...) {
  char buf[256];
  char* p = buf;
  char* end = buf + sizeof buf - 1;
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt != '\0' && p < end; ++fmt) {
    if (*fmt != '%') {
      *p++ = *fmt;
      continue;
    }
    ++fmt;
    int is_long = 0;
    if (*fmt == 'l') {
      is_long = 1;
      ++fmt;
    }
    switch (*fmt) {
      case 's':
        for (const char* s = va_arg(ap, const char*); *s != '\0' && p < end; ++s) *p++ = *s;
        break;
      case 'c': *p++ = (char)va_arg(ap, int); break;
      case 'u': put_unsigned(&p, end, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10); break;
      case 'x': put_unsigned(&p, end, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16); break;
      case 'd': {
        long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
        if (v < 0 && p < end) *p++ = '-';
        put_unsigned(&p, end, v < 0 ? (uint64_t)(-v) : (uint64_t)v, 10);
        break;
      }
      case '%': *p++ = '%'; break;
      default: break;
    }
    if (*fmt == '\0') break;
  }
  va_end(ap);
  *p = '\0';
  xg_print(buf);
}

void xg_shutdown(unsigned reason) {
  struct sched_shutdown s = {reason};
  for (;;) xg_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uintptr_t)&s, 0, 0, 0);
}

void xg_exception(uint64_t vector, uint64_t top) {
  xg_printf("xen-guest: CPU exception %lu (stack top %lx)\n", (unsigned long)vector, (unsigned long)top);
  xg_shutdown(SHUTDOWN_crash);
}

int xg_cmdline_value(const char* key, char* out, size_t size) {
  const char* s = xg_cmdline;
  size_t klen = 0;
  while (key[klen] != '\0') ++klen;
  while (*s != '\0') {
    while (*s == ' ') ++s;
    size_t i = 0;
    while (i < klen && s[i] == key[i]) ++i;
    if (i == klen && s[i] == '=') {
      s += klen + 1;
      size_t n = 0;
      while (s[n] != '\0' && s[n] != ' ' && n + 1 < size) {
        out[n] = s[n];
        ++n;
      }
      out[n] = '\0';
      return 1;
    }
    while (*s != '\0' && *s != ' ') ++s;
  }
  return 0;
}

uint64_t xg_cmdline_uint(const char* key, uint64_t fallback) {
  char v[24];
  if (!xg_cmdline_value(key, v, sizeof v) || v[0] == '\0') return fallback;
  uint64_t n = 0;
  for (const char* c = v; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return fallback;
    n = n * 10 + (uint64_t)(*c - '0');
  }
  return n;
}

int xg_domain_id(const char* name) {
  char list[512];
  if (!xg_cmdline_value("domains", list, sizeof list)) return -1;
  const char* s = list;
  while (*s != '\0') {
    const char* n = name;
    while (*n != '\0' && *s == *n) ++s, ++n;
    if (*n == '\0' && *s == ':') {
      int id = 0;
      for (++s; *s >= '0' && *s <= '9'; ++s) id = id * 10 + (*s - '0');
      return id;
    }
    while (*s != '\0' && *s != ',') ++s;
    if (*s == ',') ++s;
  }
  return -1;
}

void* memcpy(void* d, const void* s, size_t n) {
  unsigned char* dp = (unsigned char*)d;
  const unsigned char* sp = (const unsigned char*)s;
  while (n--) *dp++ = *sp++;
  return d;
}

void* memset(void* d, int c, size_t n) {
  unsigned char* dp = (unsigned char*)d;
  while (n--) *dp++ = (unsigned char)c;
  return d;
}

int strcmp(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return (unsigned char)*a - (unsigned char)*b;
}
