/* SPDX-License-Identifier: MIT */
/* xen-wild: a hostile Xen guest (issue 11, bad input). First a few calls whose answer Xen
 * documents exactly (unmapped buffers, unknown sub-operations, out-of-range ports and params),
 * then every hypercall number 0..63 `rounds` times with random arguments: wild and misaligned
 * handles, unmapped addresses, huge counts, small sub-operation numbers. Every answer must be a
 * Xen error code (-4095..-1) or a 32-bit value, and numbers the monitor does not serve must be
 * -ENOSYS. Calls that would end or remap the guest itself are left out (sched_op shutdown,
 * memory_op add_to_physmap, console_io write of random memory). Command line: [rounds=N] [seed=N].
 * Exit: SHUTDOWN_poweroff after the result line, SHUTDOWN_crash on a wrong answer. */
#include "xen_guest.h"

#define SCRATCH_BYTES 65536

static unsigned char scratch[SCRATCH_BYTES] __attribute__((aligned(4096)));
static uint64_t state;
static unsigned failures;

static uint64_t next(void) { /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

/* A random argument of one of the kinds a confused or hostile guest passes. */
static uint64_t wild_arg(void) {
  const uint64_t r = next();
  switch (r % 6) {
    case 0: return r >> 8 & 15;                                                  /* a small number */
    case 1: return (uintptr_t)scratch + (next() % (SCRATCH_BYTES - 64));         /* RAM, any alignment */
    case 2: return 0x40000000ull + (next() & 0xfffffff);                        /* beyond RAM */
    case 3: return 0xffff800000000000ull | next();                              /* not canonical RAM */
    case 4: return 0xffffffffull - (next() & 0xff);                             /* a huge count */
    default: return next();                                                      /* anything */
  }
}

static int served(unsigned nr) {
  return nr == __HYPERVISOR_memory_op || nr == __HYPERVISOR_xen_version || nr == __HYPERVISOR_console_io ||
         nr == __HYPERVISOR_sched_op || nr == __HYPERVISOR_event_channel_op || nr == __HYPERVISOR_hvm_op ||
         nr == __HYPERVISOR_argo_op;
}

static void expect(const char* what, long rc, long want) {
  if (rc == want) return;
  xg_printf("xen-wild: %s: got %ld, want %ld\n", what, rc, want);
  ++failures;
}

static void documented_answers(void) {
  const uint64_t unmapped = 0x7f000000ull;
  expect("console_io write from an unmapped buffer",
         xg_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 16, unmapped, 0, 0), -XG_EFAULT);
  expect("argo_op with an unknown op", xg_hypercall(__HYPERVISOR_argo_op, 99, 0, 0, 0, 0), -XG_EOPNOTSUPP);
  expect("argo_op register_ring from an unmapped handle",
         xg_hypercall(__HYPERVISOR_argo_op, XEN_ARGO_OP_register_ring, unmapped, unmapped, 1, 0), -XG_EFAULT);
  expect("argo_op sendv with more iovs than XEN_ARGO_MAXIOV",
         xg_hypercall(__HYPERVISOR_argo_op, XEN_ARGO_OP_sendv, (uintptr_t)scratch, (uintptr_t)scratch,
                      XEN_ARGO_MAXIOV + 1, 0),
         -XG_EINVAL);
  expect("event_channel_op with an unknown op", xg_hypercall(__HYPERVISOR_event_channel_op, 99, 0, 0, 0, 0),
         -XG_ENOSYS);
  evtchn_close_t close = {100000};
  expect("EVTCHNOP_close of a port beyond the table",
         xg_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_close, (uintptr_t)&close, 0, 0, 0), -XG_EINVAL);
  xen_hvm_param_t param = {DOMID_SELF, 0, HVM_NR_PARAMS + 7, 0};
  expect("HVMOP_get_param of an index beyond HVM_NR_PARAMS",
         xg_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uintptr_t)&param, 0, 0, 0), -XG_EINVAL);
  expect("sched_op shutdown from an unmapped handle",
         xg_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, unmapped, 0, 0, 0), -XG_EFAULT);
  expect("hypercall 50 (arch_2, not served)", xg_hypercall(50, 1, 2, 3, 4, 5), -XG_ENOSYS);
}

void xg_main(const struct hvm_start_info* si) {
  if (xg_init(si) != 0)
    for (;;) __asm__ volatile("cli; hlt");
  const uint64_t rounds = xg_cmdline_uint("rounds", 20);
  state = xg_cmdline_uint("seed", 0x9e3779b97f4a7c15ull) | 1;
  for (unsigned i = 0; i < SCRATCH_BYTES; i += 8) *(uint64_t*)(scratch + i) = next();
  documented_answers();

  unsigned calls = 0, enosys = 0, errors = 0, values = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    for (unsigned nr = 0; nr < 64; ++nr) {
      uint64_t a[5];
      for (int i = 0; i < 5; ++i) a[i] = wild_arg();
      if (nr == __HYPERVISOR_sched_op && a[0] == SCHEDOP_shutdown) a[0] = SCHEDOP_yield;
      if (nr == __HYPERVISOR_memory_op && (a[0] & 0x3f) == XENMEM_add_to_physmap) a[0] = XENMEM_memory_map;
      if (nr == __HYPERVISOR_console_io && a[0] == CONSOLEIO_write) a[2] = 0x7f000000ull; /* unmapped */
      if (nr == __HYPERVISOR_hvm_op && a[0] == HVMOP_set_evtchn_upcall_vector) a[0] = HVMOP_get_param;
      const long rc = xg_hypercall(nr, a[0], a[1], a[2], a[3], a[4]);
      ++calls;
      if (!served(nr)) {
        if (rc != -XG_ENOSYS) {
          xg_printf("xen-wild: hypercall %u: got %ld, want -ENOSYS\n", nr, rc);
          ++failures;
        }
        ++enosys;
      } else if (rc < 0 && rc >= -4095) {
        ++errors;
      } else if (rc >= 0 && (uint64_t)rc <= 0xffffffffull) {
        ++values;
      } else {
        xg_printf("xen-wild: hypercall %u (%lx, %lx, %lx, %lx, %lx): %lx is neither an error nor a 32-bit value\n",
                  nr, (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3],
                  (unsigned long)a[4], (unsigned long)rc);
        ++failures;
      }
    }
  }
  xg_printf("xen-wild: %u wild calls: %u -ENOSYS, %u other Xen errors, %u values; %u wrong answers\n", calls, enosys,
            errors, values, failures);
  xg_shutdown(failures == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}
