// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/domain_config.h"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>

namespace hmx::kvm {

namespace {

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("--domain '" + std::string(spec) + "': " + why);
}

uint64_t parse_number(std::string_view spec, std::string_view text, const char* what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data()) bad(spec, std::string("bad ") + what + " '" + std::string(text) + "'");
  if (end != text.data() + text.size()) bad(spec, std::string("trailing characters in ") + what);
  return v;
}

uint64_t parse_size(std::string_view spec, std::string_view text) {
  uint64_t shift = 20;  // no suffix: MiB, like QEMU's -m
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': case 'k': shift = 10; text.remove_suffix(1); break;
      case 'M': case 'm': shift = 20; text.remove_suffix(1); break;
      case 'G': case 'g': shift = 30; text.remove_suffix(1); break;
      default: break;
    }
  }
  uint64_t v = parse_number(spec, text, "memory size");
  if (v > (kMaxMemory >> shift)) bad(spec, "memory size above 3 GiB");
  return v << shift;
}

}  // namespace

domain_config parse_domain_spec(std::string_view spec) {
  domain_config c;
  std::size_t eq = spec.find('=');
  if (eq == std::string_view::npos) bad(spec, "expected NAME=IMAGE[,vcpus=N][,mem=SIZE][,pin=CPU][,arg=TEXT]");
  c.name = std::string(spec.substr(0, eq));
  if (c.name.empty()) bad(spec, "empty domain name");
  for (char ch : c.name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      bad(spec, "domain names use only letters, digits, '-', '_' and '.'");
  std::string_view rest = spec.substr(eq + 1);
  std::size_t comma = rest.find(',');
  c.image = std::string(rest.substr(0, comma));
  if (c.image.empty()) bad(spec, "empty image path");
  while (comma != std::string_view::npos) {
    rest = rest.substr(comma + 1);
    comma = rest.find(',');
    std::string_view opt = rest.substr(0, comma);
    if (opt.starts_with("vcpus=")) {
      uint64_t n = parse_number(spec, opt.substr(6), "vcpus");
      if (n < 1 || n > kMaxVcpus) bad(spec, "vcpus must be 1.." + std::to_string(kMaxVcpus));
      c.vcpus = unsigned(n);
    } else if (opt.starts_with("mem=")) {
      c.memory = parse_size(spec, opt.substr(4));
      if (c.memory < kMinMemory) bad(spec, "memory below 8 MiB");
      if (c.memory % 4096 != 0) bad(spec, "memory size is not a multiple of 4 KiB");
    } else if (opt.starts_with("pin=")) {
      uint64_t cpu = parse_number(spec, opt.substr(4), "pin CPU");
      if (cpu >= 4096) bad(spec, "pin CPU out of range");
      c.pin_cpu = unsigned(cpu);
    } else if (opt.starts_with("arg=")) {
      std::string_view text = opt.substr(4);
      if (text.empty()) bad(spec, "empty arg=");
      for (char ch : text)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) bad(spec, "arg= text has a control character");
      c.args.emplace_back(text);
    } else {
      bad(spec, "unknown option '" + std::string(opt) + "' (known: vcpus=N, mem=SIZE, pin=CPU, arg=TEXT)");
    }
  }
  return c;
}

std::string guest_cmdline(const domain_config& config) {
  std::string line = "cpus=" + std::to_string(config.vcpus);
  if (!config.service_params.empty()) line += " " + config.service_params;
  for (const auto& a : config.args) line += " " + a;
  return line;
}

}  // namespace hmx::kvm
