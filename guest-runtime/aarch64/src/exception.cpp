// SPDX-License-Identifier: MIT
// Unexpected EL1 exceptions (vectors.S): print a report with the syndrome decoded (Arm ARM D17.2.37
// "ESR_EL1"), then end the domain with HMX_GUEST_EXIT_EXCEPTION.
#include "internal.h"

namespace {

struct fatal_frame {
  uint64_t x[31];
  uint64_t sp, elr, spsr, esr, far;
};

const char* vector_name(uint64_t kind) {
  static const char* const names[16] = {
      "sync (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
      "sync",          "IRQ",          "FIQ",          "SError",
      "sync from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
      "sync from AArch32", "IRQ from AArch32", "FIQ from AArch32", "SError from AArch32"};
  return kind < 16 ? names[kind] : "?";
}

const char* class_name(uint32_t ec) {
  switch (ec) {
    case 0x00: return "unknown reason (undefined instruction)";
    case 0x01: return "trapped WFI/WFE";
    case 0x07: return "FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "trapped MSR/MRS";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    case 0x3c: return "BRK";
    default: return "other";
  }
}

void out(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void out(const char* fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  const size_t n = hmx_guest::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  hmx_guest::detail::console_write(buf, n < sizeof buf ? n : sizeof buf - 1, false);
}

}  // namespace

extern "C" [[noreturn]] void hmx_a64_fatal(uint64_t kind, const fatal_frame* f) {
  const uint32_t ec = static_cast<uint32_t>(f->esr >> 26) & 0x3f;
  out("hmx-guest: EXCEPTION on cpu %u: %s, ESR_EL1 %#llx (EC %#x %s, ISS %#llx)\n",
      hmx_guest::cpu_index(), vector_name(kind), static_cast<unsigned long long>(f->esr), ec, class_name(ec),
      static_cast<unsigned long long>(f->esr & 0x1ffffff));
  out("hmx-guest:   ELR %#llx  FAR %#llx  SPSR %#llx  SP %#llx\n", static_cast<unsigned long long>(f->elr),
      static_cast<unsigned long long>(f->far), static_cast<unsigned long long>(f->spsr),
      static_cast<unsigned long long>(f->sp));
  for (unsigned i = 0; i < 31; i += 4) {
    char line[160];
    size_t n = 0;
    for (unsigned j = i; j < i + 4 && j < 31; ++j)
      n += hmx_guest::snprintf(line + n, sizeof line - n, "x%-2u %016llx  ", j, static_cast<unsigned long long>(f->x[j]));
    out("hmx-guest:   %s\n", line);
  }
  out("exit status=%u\n", unsigned{HMX_GUEST_EXIT_EXCEPTION});
  hmx_guest::detail::power_off(HMX_GUEST_EXIT_EXCEPTION);
}
