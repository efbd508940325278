// SPDX-License-Identifier: MIT
// CPL0 report of an unexpected CPU exception. Runs emulated (slow) but only once, on the way out:
// print one line, then exit with HMX_GUEST_EXIT_EXCEPTION and RDI = the record's address so the
// monitor can build its own crash report (protocol.h).
#include "percpu.h"

namespace {

const char* const kNames[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
                                "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
                                "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC",
                                "#SX", "#31"};

}  // namespace

extern "C" [[noreturn]] void hmx_guest_exception(hmx_guest_exception_record* r) {
  r->magic = HMX_GUEST_EXCEPTION_MAGIC;
  r->cpu = hmx_guest::detail::this_cpu().index;
  char line[200];
  size_t n = hmx_guest::snprintf(line, sizeof line,
                                 "hmx-guest: cpu %u: exception %s (vector %u) error %#lx at rip %#lx (CPL%u) "
                                 "rsp %#lx cr2 %#lx\n",
                                 unsigned(r->cpu), kNames[r->vector & 31], unsigned(r->vector),
                                 (unsigned long)r->error_code, (unsigned long)r->rip, unsigned(r->cs & 3),
                                 (unsigned long)r->rsp, (unsigned long)r->cr2);
  hmx_guest::detail::serial_write(line, n < sizeof line ? n : sizeof line - 1, false);
  asm volatile("outl %0, %1" ::"a"(uint32_t{HMX_GUEST_EXIT_EXCEPTION}), "Nd"(uint16_t{HMX_GUEST_PORT_EXIT}),
               "D"(r)
               : "memory");
  for (;;) asm volatile("cli; hlt");
}
