// SPDX-License-Identifier: Apache-2.0
#include "guest_spec.h"

#include <stdexcept>

namespace hmx::hostd {

guest_spec parse_guest_spec(std::string_view spec) {
  guest_spec g;
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw std::invalid_argument("--uml: expected NAME=KERNEL,initrd=FILE[,...], got '" + std::string(spec) + "'");
  g.name = spec.substr(0, eq);
  if (g.name.find_first_of(" *,:=/") != std::string::npos) throw std::invalid_argument("--uml: bad name '" + g.name + "'");
  std::string_view rest = spec.substr(eq + 1);
  bool first = true;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (first) {
      g.kernel = item;
      first = false;
      continue;
    }
    const auto e = item.find('=');
    const std::string_view key = item.substr(0, e);
    const std::string_view val = e == std::string_view::npos ? std::string_view() : item.substr(e + 1);
    if (e == std::string_view::npos || val.empty())
      throw std::invalid_argument("--uml: expected KEY=VALUE, got '" + std::string(item) + "'");
    if (key == "initrd") g.initrd = val;
    else if (key == "mem") g.mem = val;
    else if (key == "arg") g.args.emplace_back(val);
    else throw std::invalid_argument("--uml: unknown option '" + std::string(key) + "'");
  }
  if (g.kernel.empty()) throw std::invalid_argument("--uml " + g.name + ": KERNEL is required");
  if (g.initrd.empty()) throw std::invalid_argument("--uml " + g.name + ": initrd=FILE is required");
  if (g.mem.find_first_not_of("0123456789KMG") != std::string::npos)
    throw std::invalid_argument("--uml " + g.name + ": bad mem=" + g.mem);
  return g;
}

}  // namespace hmx::hostd
