// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/console.h"

#include <fmt/format.h>

namespace hmx::kvm {

void console::guest_line(std::string_view domain, std::string_view text) {
  std::lock_guard lock(mutex_);
  guest_ << '[' << domain << "] " << text << '\n' << std::flush;
}

void console::monitor_message(std::string_view domain, std::string_view text) {
  std::lock_guard lock(mutex_);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    monitor_ << '[' << domain << "] " << text.substr(start, nl - start) << '\n';
    start = nl + 1;
  }
  monitor_ << std::flush;
}

serial_lines::serial_lines(console& out, std::string domain, unsigned vcpus)
    : out_(out), domain_(std::move(domain)), lines_(vcpus) {}

void serial_lines::write(unsigned vcpu, std::span<const uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  if (vcpu >= lines_.size()) return;
  std::string& line = lines_[vcpu];
  for (uint8_t c : bytes) {
    if (c == '\n') {
      out_.guest_line(domain_, line);
      line.clear();
      continue;
    }
    if (c == '\r') continue;
    if (c >= 0x20 && c < 0x7f) line += char(c);
    else line += fmt::format("\\x{:02x}", c);
    if (line.size() >= kMaxLine) {
      out_.guest_line(domain_, line);
      line.clear();
    }
  }
}

void serial_lines::flush_all() {
  std::lock_guard lock(mutex_);
  for (auto& line : lines_) {
    if (!line.empty()) out_.guest_line(domain_, line);
    line.clear();
  }
}

}  // namespace hmx::kvm
