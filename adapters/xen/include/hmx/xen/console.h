/* SPDX-License-Identifier: Apache-2.0 */
// Xen's console, read per domain.
//
// Xen prefixes its own lines with "(XEN) ". A dom0less domain's vpl011 output, with no backend
// to take it, is printed by Xen line by line as "(XEN) DOM<n>: text" (xen/arch/arm/vpl011.c,
// vpl011_write_data_xen); on x86, a guest's hypervisor console writes (HYPERVISOR_console_io)
// appear as "(d<n>) text". A domain reports its end with an exit line (below), since
// PSCI SYSTEM_OFF from a domU stops only that domain and Xen says nothing about it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hmx::xen {

// Who wrote a line of Xen's console.
struct console_line {
  static constexpr int xen = -1;
  int domain = xen;       // domain id, or xen
  std::string_view text;  // without the prefix
};

console_line classify_console_line(std::string_view line);

// The line a guest prints last on its console to report its exit status: "exit status=<n>"
// (decimal), what the aarch64 guest runtime's exit() prints before PSCI SYSTEM_OFF
// (guest-runtime/aarch64/README.md "Exit"). The harness ends the run once every domU printed it.
inline constexpr std::string_view exit_line_prefix = "exit status=";
std::optional<int> parse_exit_line(std::string_view text);

// "(XEN) Xen version 4.17.5 (Debian ) ..." -> "4.17.5"; empty if the line is not that banner.
std::string parse_xen_version_banner(std::string_view line);

// "(XEN) Loading d1 kernel from boot module @ 000000004a000000" (Xen/Arm dom0less, one line per
// domU): the domain id and the module's address, which tells which image became which domain.
struct module_load {
  int domain = -1;
  unsigned long long address = 0;
};
std::optional<module_load> parse_module_load(std::string_view line);

// Xen/Arm prints a domU's vpl011 output in pieces of at most 126 characters: its buffer holds
// SBSA_UART_OUT_BUF_SIZE (128) bytes and is flushed with a newline added when 126 characters are
// in it (xen/arch/arm/vpl011.c, vpl011_write_data_xen). A piece of exactly 126 characters is
// therefore always cut from a longer line (a shorter line ends at its own newline), and the
// guest's line is that piece followed by the next one of the same domain; a guest line of
// exactly 126 characters leaves an empty piece after it. One joiner per domain puts lines back.
inline constexpr size_t vpl011_piece_length = 126;
class vpl011_line_joiner {
 public:
  // The guest's whole line once complete, else nullopt.
  std::optional<std::string> add(std::string_view piece);
  // At the end of the run: a line still waiting for its next piece, if any.
  std::optional<std::string> finish();

 private:
  std::string partial_;
  bool waiting_ = false;
};

// Lines after which Xen will not run the guests any further ("Panic on CPU", a crashed dom0 on
// x86 with noreboot): the harness stops at once instead of waiting for the time limit.
bool is_fatal_xen_line(std::string_view line);

}  // namespace hmx::xen
