// SPDX-License-Identifier: Apache-2.0
// The dom0less device tree (device_tree.h).
#include "hmx/xen/device_tree.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hmx/host/process.h"

namespace hmx::xen {

namespace {

bool valid_node_name(const std::string& n) {
  if (n.empty() || n.size() > 31) return false;  // DT spec 2.2.1: 1 to 31 characters
  for (char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// A 64-bit value as two cells (#address-cells = #size-cells = 2).
std::string cells64(uint64_t v) { return hex(v >> 32) + " " + hex(v & 0xffffffffu); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a tool briefly; its whole output on failure.
void run_tool(const std::vector<std::string>& argv, const std::string& what) {
  hmx::host::process_options o;
  o.argv = argv;
  o.timeout_s = 30;
  const hmx::host::process_result r = hmx::host::run_process(o);
  if (!r.started) throw std::runtime_error(what + ": cannot run " + argv[0] + ": " + r.error);
  if (!r.exited || r.exit_code != 0) throw std::runtime_error(what + " failed (" + r.describe() + "): " + r.output);
}

}  // namespace

std::string dts_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string dom0less_fragment(const std::string& xen_bootargs, const std::vector<dom0less_domain>& domains) {
  std::ostringstream o;
  o << "\n/ {\n\tchosen {\n";
  o << "\t\txen,xen-bootargs = " << dts_string(xen_bootargs) << ";\n";
  o << "\t\t#address-cells = <0x2>;\n\t\t#size-cells = <0x2>;\n";
  for (const dom0less_domain& d : domains) {
    if (!valid_node_name(d.node_name)) throw std::invalid_argument("not a device tree node name: '" + d.node_name + "'");
    if (d.module_size == 0) throw std::invalid_argument("domain " + d.node_name + " has no kernel module");
    if (d.vcpus == 0 || d.memory_kib == 0) throw std::invalid_argument("domain " + d.node_name + " needs memory and a vCPU");
    // booting.txt: memory in KiB (two cells here), cpus, vpl011, and the kernel as a
    // "multiboot,kernel" module whose bootargs become the domU's /chosen/bootargs.
    o << "\t\t" << d.node_name << " {\n";
    o << "\t\t\tcompatible = \"xen,domain\";\n";
    o << "\t\t\t#address-cells = <0x2>;\n\t\t\t#size-cells = <0x2>;\n";
    o << "\t\t\tmemory = <" << cells64(d.memory_kib) << ">;\n";
    o << "\t\t\tcpus = <" << d.vcpus << ">;\n";
    if (d.vpl011) o << "\t\t\tvpl011;\n";
    if (d.hypervisor_node) o << "\t\t\txen,enhanced = \"no-xenstore\";\n";
    o << "\t\t\tmodule@" << std::hex << d.module_address << std::dec << " {\n";
    o << "\t\t\t\tcompatible = \"multiboot,kernel\", \"multiboot,module\";\n";
    o << "\t\t\t\treg = <" << cells64(d.module_address) << " " << cells64(d.module_size) << ">;\n";
    if (!d.bootargs.empty()) o << "\t\t\t\tbootargs = " << dts_string(d.bootargs) << ";\n";
    o << "\t\t\t};\n\t\t};\n";
  }
  o << "\t};\n};\n";
  return o.str();
}

std::vector<uint64_t> place_modules(const std::vector<uint64_t>& sizes, uint64_t base, uint64_t limit, uint64_t align) {
  std::vector<uint64_t> at;
  uint64_t next = base;
  for (uint64_t size : sizes) {
    next = (next + align - 1) / align * align;
    if (size > limit || next > limit - size) throw std::invalid_argument("guest images do not fit below " + hex(limit));
    at.push_back(next);
    next += size;
  }
  return at;
}

void build_dom0less_dtb(const std::vector<std::string>& qemu_argv, const std::string& dtc, const std::string& fragment,
                        const std::string& out_dtb) {
  const std::string base = out_dtb + ".machine";
  std::vector<std::string> dump = qemu_argv;
  dump.push_back("-machine");
  dump.push_back("dumpdtb=" + base);
  run_tool(dump, "QEMU dumpdtb");
  const std::string dts = out_dtb + ".dts";
  run_tool({dtc, "-q", "-I", "dtb", "-O", "dts", "-o", dts + ".machine", base}, "dtc (decompile)");
  {
    std::ofstream out(dts, std::ios::binary);
    out << slurp(dts + ".machine") << fragment;
    if (!out) throw std::runtime_error("cannot write " + dts);
  }
  std::remove((dts + ".machine").c_str());
  run_tool({dtc, "-q", "-I", "dts", "-O", "dtb", "-o", out_dtb, dts}, "dtc (compile)");
}

}  // namespace hmx::xen
