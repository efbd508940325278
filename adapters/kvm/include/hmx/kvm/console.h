/* SPDX-License-Identifier: Apache-2.0 */
// Process-wide console: every line a domain produces is printed whole, prefixed "[name] ", so
// the output of several domains (and their vCPUs) interleaves only at line boundaries.
#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hmx::kvm {

class console {
 public:
  console(std::ostream& guest_out, std::ostream& monitor_out) : guest_(guest_out), monitor_(monitor_out) {}
  // A guest serial line.
  void guest_line(std::string_view domain, std::string_view text);
  // A monitor message about a domain (crash reports, results); multi-line text is split.
  void monitor_message(std::string_view domain, std::string_view text);

 private:
  std::mutex mutex_;
  std::ostream& guest_;
  std::ostream& monitor_;
};

// The serial port of one domain: one line buffer per vCPU (KVM_EXIT_IO is per vCPU), flushed on
// '\n', at kMaxLine bytes, or at the end of the domain. Non-printable bytes are shown as \xNN.
class serial_lines {
 public:
  static constexpr std::size_t kMaxLine = 4096;
  serial_lines(console& out, std::string domain, unsigned vcpus);
  void write(unsigned vcpu, std::span<const uint8_t> bytes);
  void flush_all();

 private:
  console& out_;
  std::string domain_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace hmx::kvm
