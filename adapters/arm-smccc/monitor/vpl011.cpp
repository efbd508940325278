// SPDX-License-Identifier: Apache-2.0
// The emulated PL011 every domain sees at IPA kGuestUart (unmapped in stage 2): enough of the
// PL011 (Arm DDI 0183) for a transmit-only driver, as Xen's vpl011 offers its domUs. Bytes are
// collected per domain and printed as whole lines prefixed with the domain's name.
#include "console.h"
#include "monitor.h"

namespace hmx::arm {

namespace {
constexpr uint64_t kDr = 0x00, kFr = 0x18, kIbrd = 0x24, kImsc = 0x38, kPeriphId0 = 0xfe0;
constexpr uint32_t kFrTxEmpty = 1u << 7, kFrRxEmpty = 1u << 4;
// PL011 PeriphID0..3 and PCellID0..3.
constexpr uint8_t kIds[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

void put_char(domain& d, char c) {
  lock_guard l(d.uart_lock);
  if (c == '\r') return;
  if (c == '\n' || d.line_len == sizeof d.line) {
    console_line(d.name, d.line, d.line_len);
    d.line_len = 0;
    if (c == '\n') return;
  }
  d.line[d.line_len++] = c;
}

uint32_t read_register(domain& d, uint64_t off) {
  if (off == kFr) return kFrTxEmpty | kFrRxEmpty;
  if (off >= kIbrd && off <= kImsc && off % 4 == 0) return d.uart_regs[(off - kIbrd) / 4];
  if (off >= kPeriphId0 && off < kPeriphId0 + 32 && off % 4 == 0) return kIds[(off - kPeriphId0) / 4];
  return 0;
}
}  // namespace

void flush_console(domain& d) {
  lock_guard l(d.uart_lock);
  if (d.line_len != 0) console_line(d.name, d.line, d.line_len);
  d.line_len = 0;
}

bool handle_vpl011(vcpu& v, guest_frame& f, uint64_t esr, uint64_t ipa) {
  if (ipa < kGuestUart || ipa >= kGuestUart + 0x1000) return false;
  // ISV: the syndrome describes the access (a single load/store without writeback).
  if ((esr & (1u << 24)) == 0) return false;
  const bool write = (esr & (1u << 6)) != 0;
  const uint32_t srt = (esr >> 16) & 0x1f;
  const uint64_t off = ipa - kGuestUart;
  domain& d = *v.dom;
  if (write) {
    const uint64_t value = srt == 31 ? 0 : f.x[srt];
    if (off == kDr) put_char(d, static_cast<char>(value & 0xff));
    else if (off >= kIbrd && off <= kImsc && off % 4 == 0) d.uart_regs[(off - kIbrd) / 4] = static_cast<uint32_t>(value);
  } else if (srt != 31) {
    f.x[srt] = read_register(d, off);
  }
  f.elr += 4;
  return true;
}

}  // namespace hmx::arm
