// SPDX-License-Identifier: Apache-2.0
// arm64: Xen dom0less with N domUs under qemu-system-aarch64 (boot.h).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "file_follower.h"
#include "work_dir.h"
#include "hmx/xen/boot.h"
#include "hmx/xen/console.h"
#include "hmx/xen/device_tree.h"

namespace hmx::xen {

namespace {

uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) throw std::runtime_error("no image file " + path);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

std::string arm64_xen_bootargs(const arm64_boot_options& o) {
  // dtuart: Xen's console on QEMU virt's PL011. serial_tx_buffer: room for the domains' lines
  // while the UART drains (the default 16 KiB can drop output in bursts).
  std::string s = "console=dtuart dtuart=/pl011@9000000 loglvl=all guest_loglvl=all serial_tx_buffer=256k "
                  "argo=1";
  if (o.mac_permissive) s += ",mac-permissive=1";
  for (const std::string& a : o.xen_args) s += " " + a;
  return s;
}

std::vector<std::string> arm64_machine_args(const arm64_boot_options& o) {
  return {o.qemu, "-machine", "virt,virtualization=on,gic-version=" + std::to_string(o.gic_version),
          "-cpu", o.cpu_model, "-smp", std::to_string(o.cpus), "-m", std::to_string(o.ram_mib),
          "-display", "none", "-nodefaults"};
}

std::vector<std::string> arm64_qemu_command(const arm64_boot_options& o, const std::string& dtb,
                                            const std::vector<uint64_t>& module_addresses,
                                            const std::string& console_file) {
  std::vector<std::string> argv = arm64_machine_args(o);
  argv.insert(argv.end(), {"-no-reboot", "-serial", "file:" + console_file, "-monitor", "none"});
  argv.insert(argv.end(), {"-kernel", o.xen, "-dtb", dtb});
  for (size_t i = 0; i < o.domains.size() && i < module_addresses.size(); ++i) {
    if (o.domains[i].image.find(',') != std::string::npos)
      throw std::invalid_argument("an image path must not contain ',' (QEMU -device)");
    char addr[24];
    std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(module_addresses[i]));
    argv.insert(argv.end(), {"-device", "loader,file=" + o.domains[i].image + ",addr=" + addr + ",force-raw=on"});
  }
  return argv;
}

boot_result boot_arm64_dom0less(const arm64_boot_options& o) {
  boot_result r;
  for (const arm64_domain& d : o.domains) r.domains.push_back(domain_console{d.name, -1, {}, std::nullopt});
  std::string dtb, console_file;
  std::vector<uint64_t> addresses;
  std::optional<run_directory> dir;
  try {
    dir.emplace(o.work_dir);
    dtb = dir->path() + "/xen-dom0less.dtb";
    console_file = dir->path() + "/xen-console.log";
    if (o.domains.empty()) throw std::invalid_argument("no domains");
    std::vector<uint64_t> sizes;
    for (const arm64_domain& d : o.domains) sizes.push_back(file_size(d.image));
    addresses = place_modules(sizes, arm64_module_base, arm64_ram_base + (uint64_t{o.ram_mib} << 20));
    std::vector<dom0less_domain> nodes;
    for (size_t i = 0; i < o.domains.size(); ++i) {
      dom0less_domain n;
      n.node_name = o.domains[i].name;
      n.module_address = addresses[i];
      n.module_size = sizes[i];
      n.memory_kib = o.domains[i].memory_mib * 1024;
      n.vcpus = o.domains[i].vcpus;
      n.bootargs = o.domains[i].bootargs;
      nodes.push_back(n);
    }
    build_dom0less_dtb(arm64_machine_args(o), o.dtc, dom0less_fragment(arm64_xen_bootargs(o), nodes), dtb);
    r.command = arm64_qemu_command(o, dtb, addresses, console_file);
  } catch (const std::exception& e) {
    r.setup_error = e.what();
    return r;
  }

  // Which image became which domain: Xen names the module it loads for each domain id.
  std::map<int, size_t> by_domid;
  std::map<int, vpl011_line_joiner> joiners;
  auto deliver = [&](int domid, const std::string& whole) {
    const auto it = by_domid.find(domid);
    if (it == by_domid.end()) {
      r.xen_lines.push_back("DOM" + std::to_string(domid) + ": " + whole);
      if (o.on_line) o.on_line(domid, "", whole);
      return;
    }
    domain_console& d = r.domains[it->second];
    d.lines.push_back(whole);
    if (!d.exit_status) d.exit_status = parse_exit_line(whole);
    if (o.on_line) o.on_line(domid, d.name, whole);
  };
  auto domain_line = [&](int domid, std::string_view piece) {
    if (std::optional<std::string> whole = joiners[domid].add(piece)) deliver(domid, *whole);
  };
  std::remove(console_file.c_str());
  file_follower console(console_file, [&](std::string_view l) {
    const console_line c = classify_console_line(l);
    if (c.domain != console_line::xen) return domain_line(c.domain, c.text);
    if (r.xen_version.empty()) r.xen_version = parse_xen_version_banner(l);
    if (r.fatal_line.empty() && is_fatal_xen_line(l)) r.fatal_line = std::string(l);
    if (const std::optional<module_load> m = parse_module_load(l)) {
      for (size_t i = 0; i < addresses.size(); ++i)
        if (addresses[i] == m->address) {
          by_domid[m->domain] = i;
          r.domains[i].domid = m->domain;
        }
    }
    r.xen_lines.emplace_back(l);
    if (o.on_line) o.on_line(-1, "", l);
  });
  auto all_exited = [&] {
    for (const domain_console& d : r.domains)
      if (!d.exit_status) return false;
    return true;
  };
  auto required_exited = [&] {
    for (const domain_console& d : r.domains) {
      const bool required =
          o.must_exit.empty() || std::find(o.must_exit.begin(), o.must_exit.end(), d.name) != o.must_exit.end();
      if (required && !d.exit_status) return false;
    }
    return true;
  };
  std::chrono::steady_clock::time_point grace_end{};
  bool grace_started = false;
  auto done = [&] {
    if (all_exited()) return true;
    if (!required_exited()) return false;
    if (!grace_started) {
      grace_started = true;
      grace_end = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(o.others_grace_s));
    }
    return std::chrono::steady_clock::now() >= grace_end;
  };

  hmx::host::process_options p;
  p.argv = r.command;
  p.timeout_s = o.timeout_s;
  p.on_output = [&](std::string_view b) { r.qemu_output += b; };
  // Xen keeps running after its domUs end: stop QEMU once each has reported its status.
  p.stop_now = [&] {
    console.poll();
    return done() || !r.fatal_line.empty();
  };
  r.qemu = hmx::host::run_process(p);
  console.finish();
  for (auto& [domid, j] : joiners)
    if (std::optional<std::string> rest = j.finish()) deliver(domid, *rest);
  return r;
}

}  // namespace hmx::xen
