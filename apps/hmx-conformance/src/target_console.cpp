// SPDX-License-Identifier: Apache-2.0
// --target console: evaluate a tester console captured on another monitor (a vendor's own
// hypervisor running the images; docs/guide-hypervisor-vendors.md). The file is untrusted input
// like any console; the tester's exit status, when the monitor reports it, comes separately.
#include <fstream>
#include <sstream>

#include "targets.h"

namespace conformance::runner {

target_outcome run_console_target(const target_options& o) {
  target_outcome out;
  out.facts.target = target_kind::console;
  std::ifstream in(o.console_file, std::ios::binary);
  if (!in) {
    out.facts.finished = false;
    out.facts.failure = o.console_file + ": cannot read the console log";
    return out;
  }
  serial_parser parser(o.console_domain);
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) parser.feed(std::string_view(buf, static_cast<size_t>(in.gcount())));
  parser.finish();
  out.log = parser.log();
  out.console = out.log.console;
  if (o.tester_status >= 0) out.facts.guest_status = o.tester_status;
  return out;
}

}  // namespace conformance::runner
