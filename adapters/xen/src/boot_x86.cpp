// SPDX-License-Identifier: Apache-2.0
// x86_64: Xen with one PVH dom0 under qemu-system-x86_64 (boot.h).
#include <stdexcept>

#include "file_follower.h"
#include "work_dir.h"
#include "hmx/xen/boot.h"
#include "hmx/xen/console.h"

namespace hmx::xen {

std::string x86_xen_cmdline(const x86_boot_options& o) {
  // console=com2: Xen leaves COM1 to dom0. noreboot: a crashed dom0 leaves Xen's message on the
  // console instead of a silent reset. dom0-iommu=none: QEMU's machine has no IOMMU here.
  // argo=1[,mac-permissive=1]: Argo on, wildcard rings allowed or not (xen-command-line.pandoc
  // "argo").
  // sched=credit: under credit2 (4.17's default) a dom0 vCPU that sends INIT to start its APs
  // stayed paused for good in about 1 boot of 8 here (the vLAPIC's INIT tasklet never ran:
  // 'd0v0' paused at the instruction after the ICR write, 'd0v1 is offline'); 0 hangs in 36
  // boots under credit.
  std::string s = std::string("console=com2 com2=115200,8n1 noreboot loglvl=all guest_loglvl=all dom0=pvh ") +
                  "dom0-iommu=none argo=1" + (o.mac_permissive ? ",mac-permissive=1" : "") + " sched=credit dom0_mem=" +
                  std::to_string(o.dom0_mib) + "M,max:" +
                  std::to_string(o.dom0_mib) + "M dom0_max_vcpus=" + std::to_string(o.cpus);
  for (const std::string& a : o.xen_args) s += " " + a;
  return s;
}

std::vector<std::string> x86_qemu_command(const x86_boot_options& o, const std::string& dom0_console_file,
                                          const std::string& xen_console_file) {
  // QEMU's multiboot loader takes the module and its command line from one -initrd string in
  // which commas separate modules: neither may contain one.
  if (o.dom0_image.find(',') != std::string::npos || o.dom0_cmdline.find(',') != std::string::npos)
    throw std::invalid_argument("the dom0 image path and command line must not contain ',' (QEMU -initrd)");
  std::string module = o.dom0_image;
  if (!o.dom0_cmdline.empty()) module += " " + o.dom0_cmdline;
  return {o.qemu, "-accel", "tcg", "-display", "none", "-nodefaults", "-no-reboot",
          "-cpu", o.cpu_model, "-smp", std::to_string(o.cpus), "-m", std::to_string(o.ram_mib),
          "-serial", "file:" + dom0_console_file, "-serial", "file:" + xen_console_file, "-monitor", "none",
          "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
          "-kernel", o.xen, "-append", x86_xen_cmdline(o), "-initrd", module};
}

std::optional<int> decode_debug_exit(int code) {
  if (code <= 0 || (code & 1) == 0) return std::nullopt;
  return code >> 1;
}

boot_result boot_x86_dom0(const x86_boot_options& o) {
  boot_result r;
  r.domains.push_back(domain_console{o.dom0_name, 0, {}, std::nullopt});
  std::string dom0_file, xen_file;
  std::optional<run_directory> dir;
  try {
    dir.emplace(o.work_dir);
    dom0_file = dir->path() + "/dom0-console.log";
    xen_file = dir->path() + "/xen-console.log";
    r.command = x86_qemu_command(o, dom0_file, xen_file);
  } catch (const std::exception& e) {
    r.setup_error = e.what();
    return r;
  }
  // Followed from the start: nothing of an earlier run may be read as this one's.
  std::remove(dom0_file.c_str());
  std::remove(xen_file.c_str());
  domain_console& dom0 = r.domains.front();
  file_follower dom0_console(dom0_file, [&](std::string_view l) {
    dom0.lines.emplace_back(l);
    if (o.on_line) o.on_line(0, dom0.name, l);
  });
  file_follower xen_console(xen_file, [&](std::string_view l) {
    if (r.xen_version.empty()) r.xen_version = parse_xen_version_banner(l);
    if (r.fatal_line.empty() && is_fatal_xen_line(l)) r.fatal_line = std::string(l);
    r.xen_lines.emplace_back(l);
    if (o.on_line) o.on_line(-1, "", l);
  });
  hmx::host::process_options p;
  p.argv = r.command;
  p.timeout_s = o.timeout_s;
  p.on_output = [&](std::string_view b) { r.qemu_output += b; };
  p.stop_now = [&] {
    dom0_console.poll();
    xen_console.poll();
    return !r.fatal_line.empty();
  };
  r.qemu = hmx::host::run_process(p);
  dom0_console.finish();
  xen_console.finish();
  if (r.qemu.exited) dom0.exit_status = decode_debug_exit(r.qemu.exit_code);
  return r;
}

}  // namespace hmx::xen
