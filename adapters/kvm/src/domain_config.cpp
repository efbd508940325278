// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/domain_config.h"

#include <cctype>
#include <stdexcept>
#include <string>

#include "hmx/host/key_value.h"
#include "hmx/host/size.h"

namespace hmx::kvm {

namespace {

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("--domain '" + std::string(spec) + "': " + why);
}

uint64_t parse_number(std::string_view spec, std::string_view text, const char* what, uint64_t max) {
  const std::optional<unsigned long long> v = host::parse_decimal(text);
  if (!v) bad(spec, std::string("bad ") + what + " '" + std::string(text) + "'");
  if (*v > max) bad(spec, std::string(what) + " out of range");
  return *v;
}

// SIZE (hmx/host/size.h): MiB without a unit, like QEMU's -m.
uint64_t parse_memory(std::string_view spec, std::string_view text) {
  uint64_t bytes = 0;
  try {
    bytes = host::parse_size(text, host::kMiB);
  } catch (const std::invalid_argument& e) {
    bad(spec, std::string("memory: ") + e.what());
  }
  if (bytes > kMaxMemory) bad(spec, "memory size above 3 GiB");
  if (bytes < kMinMemory) bad(spec, "memory below 8 MiB");
  if (bytes % 4096 != 0) bad(spec, "memory size is not a multiple of 4 KiB");
  return bytes;
}

}  // namespace

domain_config parse_domain_spec(std::string_view spec) {
  const std::optional<host::named_spec> parts = host::split_named_spec(spec);
  if (!parts) bad(spec, "expected NAME=IMAGE[,vcpus=N][,mem=SIZE][,pin=CPU][,abi=hmx|xen|both][,inject=irqfd|msi|thread][,sqpoll=IDLE_US][,arg=TEXT]");
  domain_config c;
  c.name = std::string(parts->name);
  if (c.name.empty()) bad(spec, "empty domain name");
  for (char ch : c.name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      bad(spec, "domain names use only letters, digits, '-', '_' and '.'");
  c.image = std::string(parts->head);
  if (c.image.empty()) bad(spec, "empty image path");
  for (const host::key_value& opt : parts->options) {
    if (!opt.has_value) {
      bad(spec, "unknown option '" + std::string(opt.item) + "' (known: vcpus=N, mem=SIZE, pin=CPU, abi=hmx|xen|both, inject=irqfd|msi|thread, sqpoll=IDLE_US, arg=TEXT)");
    } else if (opt.key == "vcpus") {
      const uint64_t n = parse_number(spec, opt.value, "vcpus", ~0ull);
      if (n < 1 || n > kMaxVcpus) bad(spec, "vcpus must be 1.." + std::to_string(kMaxVcpus));
      c.vcpus = unsigned(n);
    } else if (opt.key == "mem") {
      c.memory = parse_memory(spec, opt.value);
    } else if (opt.key == "pin") {
      c.pin_cpu = unsigned(parse_number(spec, opt.value, "pin CPU", 4095));
    } else if (opt.key == "abi") {
      if (opt.value == "hmx")
        c.abi = guest_abi::hmx;
      else if (opt.value == "xen")
        c.abi = guest_abi::xen;
      else if (opt.value == "both")
        c.abi = guest_abi::both;
      else
        bad(spec, "abi must be hmx, xen or both");
    } else if (opt.key == "inject") {
      if (opt.value == "irqfd")
        c.inject = interrupt_injection::irqfd;
      else if (opt.value == "msi")
        c.inject = interrupt_injection::signal_msi;
      else if (opt.value == "thread")
        c.inject = interrupt_injection::thread;
      else
        bad(spec, "inject must be irqfd, msi or thread");
    } else if (opt.key == "sqpoll") {
      const uint64_t us = parse_number(spec, opt.value, "sqpoll idle microseconds", kMaxSqpollIdleUs);
      if (us == 0) bad(spec, "sqpoll idle time must be 1.." + std::to_string(kMaxSqpollIdleUs) + " microseconds");
      c.sqpoll_idle_us = uint32_t(us);
    } else if (opt.key == "arg") {
      if (opt.value.empty()) bad(spec, "empty arg=");
      for (char ch : opt.value)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) bad(spec, "arg= text has a control character");
      c.args.emplace_back(opt.value);
    } else {
      bad(spec, "unknown option '" + std::string(opt.item) + "' (known: vcpus=N, mem=SIZE, pin=CPU, abi=hmx|xen|both, inject=irqfd|msi|thread, sqpoll=IDLE_US, arg=TEXT)");
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
