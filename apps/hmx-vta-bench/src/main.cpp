// SPDX-License-Identifier: Apache-2.0
// hmx-vta-bench: the isolation cost of virtio-argo (docs/ARCHITECTURE.md "Performance"): virtio-blk
// throughput over virtio-argo divided by the same device over ordinary shared-memory split
// virtqueues in the same monitor, at 4 KiB and 64 KiB requests. A program, never a timed test.
//
//   hmx-vta-bench [--json FILE] [--sizes 4096,65536] [--mib N] [--depth N] [--queues N] [--runs N]
//                 [--pin] [--no-vm] [--no-inproc] [--image FILE] [--dir DIR] [--timeout SECONDS]
//                 [--backends builtin,qsd] [--exposures on,off,each]
//
// Exposures: where the monitor offers EXPOSE the virtio-argo driver may send each request as an
// exposed AVAIL (spec transport "Requests with exposures"): path `argo-exposed` (in VMs and in
// process) names the buffers in the driver's exposure window (spec "Exposure windows": one expose
// per connection, none per request), path `argo-exposed-each` (VM runs only) exposes and revokes
// each request's buffers (`--exposures each`); path `argo` is the data path. An isolation ratio is
// printed for each of argo and argo-exposed; hmx-bench reports the window's where it was measured.
// `--exposures on,off` (the default) measures the window and the data path side by side.
//
// Back-ends: `builtin` is the tree's virtio-blk device on the backing file; `qsd` is
// qemu-storage-daemon serving the same file over vhost-user (started per run), reached over
// virtio-argo through a device domain's vhost-user bridge (path argo-qsd), and over the
// shared-memory baseline (path shm-qsd): in-process the driver's rings and buffers live in memory
// the daemon maps (vhost_direct.h, no copy at all); in VMs the monitor serves the VM's
// shared-memory virtqueues and hands the requests to the same bridge (hmx-kvm's VM memory is
// private anonymous memory no back-end can map), so both VM paths pay the bridge's copy and the
// ratio isolates virtio-argo. qsd is on by default when qemu-storage-daemon is installed.
//
// VM figures: the driver image (guest/blk_bench.cpp) in a real VM under hmx-kvm's libraries in
// this process, the device on its own host thread (vm_run.h). In-process figures: the same
// driver and device code with no VM (inproc.h). Each figure is the median of --runs runs; the
// paths alternate within a run so drift hits both. Exit codes: 0 measured; 1 a run failed;
// 4 usage or setup error; 77 no /dev/kvm (only when VM figures were asked for).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "inproc.h"
#include "vm_run.h"

namespace {

using namespace hmx::virtio_argo::bench;
using json = nlohmann::json;

struct figure {
  std::string where;  // "vm" or "inproc"
  std::string path;   // "argo" or "shm"
  std::string op;     // "write", "read"
  uint32_t size = 0;
  std::vector<double> mbps;  // one per run
  std::vector<double> exits_per_request;  // VM runs, one per run
  std::vector<double> core_bytes_per_byte;  // virtio-argo VM runs: bytes the core copied per payload byte
  std::vector<double> exposure_bytes_per_byte;  // the part of it copied through exposures (fetch, deposit)
  std::vector<double> driver_copies_per_byte;   // virtio-argo VM runs: the driver's copies out of USED messages
  json detail;               // the last run's counters
  double median() const {
    std::vector<double> v = mbps;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
};

figure& slot(std::vector<figure>& figs, const std::string& where, const std::string& path, const std::string& op,
             uint32_t size) {
  for (auto& f : figs)
    if (f.where == where && f.path == path && f.op == op && f.size == size) return f;
  figs.push_back({where, path, op, size, {}, {}, {}, {}, {}, {}});
  return figs.back();
}

// A scratch backing file of `bytes`, written out (not sparse) so neither path pays for block
// allocation the other did not.
std::string make_disk(const std::string& dir, uint64_t bytes) {
  std::string name = dir + "/hmx-vta-bench-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw std::runtime_error("cannot create a file in " + dir);
  std::vector<char> zero(1 << 20, 0);
  for (uint64_t off = 0; off < bytes; off += zero.size())
    if (::write(fd, zero.data(), zero.size()) != static_cast<ssize_t>(zero.size()))
      throw std::runtime_error("cannot write " + name);
  ::fsync(fd);
  ::close(fd);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-vta-bench: virtio-blk over virtio-argo vs shared-memory virtqueues in the same monitor "
               "(the isolation cost of docs/ARCHITECTURE.md)"};
  std::string json_path, image = HMX_VTA_BENCH_IMAGE, dir = "/dev/shm";
  std::vector<uint32_t> sizes{4096, 65536};
  uint32_t mib = 32, depth = 8, queues = 1, runs = 5, completion_batch = 0, kick_batch = 1;
  std::vector<uint32_t> polls{0, 50};
  double timeout = 180;
  bool pin = false, no_vm = false, no_inproc = false;
  std::vector<std::string> paths{"argo", "shm"};
  std::vector<std::string> backends{"builtin"};
  std::vector<std::string> exposures{"on", "off"};
  if (std::system("command -v qemu-storage-daemon >/dev/null 2>&1") == 0) backends.push_back("qsd");
  app.add_option("--json", json_path, "also write every figure and ratio as JSON to FILE")->type_name("FILE");
  app.add_option("--sizes", sizes, "request sizes in bytes (multiples of 512)")->delimiter(',');
  app.add_option("--mib", mib, "MiB per phase (one write phase, one read phase)")->check(CLI::Range(1u, 1024u));
  app.add_option("--depth", depth, "requests in flight per queue")->check(CLI::Range(1u, 32u));
  app.add_option("--queues", queues, "virtqueues (interleaved on the driver's one vCPU)")->check(CLI::Range(1u, 8u));
  app.add_option("--completion-batch", completion_batch,
                 "virtio-argo device: completions sent together (0: the service's default)");
  app.add_option("--poll-us", polls,
                 "VM drivers (both paths) watch their rings this long before halting; one set of VM figures "
                 "per value (0: halt at once)")
      ->delimiter(',');
  app.add_option("--kick-batch", kick_batch,
                 "virtio-argo driver: kick coalescing (argo_driver_config::kick_batch; 1: off)");
  app.add_option("--runs", runs, "runs per figure; the median is reported, with min and max (default 5)")->check(CLI::Range(1u, 20u));
  app.add_option("--image", image, "the driver image (vta_blk_bench.elf)");
  app.add_option("--dir", dir, "where the scratch backing file goes (default /dev/shm: no writeback noise)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--timeout", timeout, "time limit of each VM run in seconds")->check(CLI::PositiveNumber);
  app.add_option("--paths", paths, "which paths to run (argo, shm)")->delimiter(',')->check(CLI::IsMember({"argo", "shm"}));
  app.add_option("--backends", backends, "devices to measure (builtin, qsd)")
      ->delimiter(',')
      ->check(CLI::IsMember({"builtin", "qsd"}));
  app.add_option("--exposures", exposures,
                 "virtio-argo driver in VMs: the exposure path through the exposure window (on: path "
                 "argo-exposed), with an expose and revoke per request (each: path argo-exposed-each), the data "
                 "path (off: path argo), side by side (default on,off)")
      ->delimiter(',')
      ->check(CLI::IsMember({"on", "off", "each"}));
  app.add_flag("--pin", pin, "pin the driver's vCPU thread to host CPU 0 and the device's thread to CPU 1 (VM runs)");
  app.add_flag("--no-vm", no_vm, "only the in-process figures");
  app.add_flag("--no-inproc", no_inproc, "only the VM figures");
  CLI11_PARSE(app, argc, argv);
  for (uint32_t s : sizes)
    if (s == 0 || s % 512 != 0 || uint64_t{s} * depth * queues > (4u << 20)) {
      std::cerr << "hmx-vta-bench: bad request size " << s << " (multiple of 512; size x depth x queues <= 4 MiB)\n";
      return 4;
    }
  const bool have_kvm = ::access("/dev/kvm", R_OK | W_OK) == 0;
  if (!no_vm && !have_kvm) {
    std::cout << "SKIPPED: /dev/kvm not available (VM figures); use --no-vm for the in-process ones\n";
    return 77;
  }

  std::vector<figure> figs;
  std::string disk;
  try {
    disk = make_disk(dir, (uint64_t{mib} << 20) + (1u << 20));
    for (uint32_t run = 0; run < runs; ++run) {
      for (uint32_t size : sizes) {
        for (const std::string& backend : backends)
        for (const std::string& base_path : paths)
        for (const std::string& exposure : base_path == "argo" ? exposures : std::vector<std::string>{"off"}) {
          const bool argo = base_path == "argo";
          const bool qsd = backend == "qsd";
          const bool exposed = exposure != "off";
          const bool each = exposure == "each";
          const std::string path =
              base_path + (argo && exposed ? (each ? "-exposed-each" : "-exposed") : "") + (qsd ? "-qsd" : "");
          // In-process runs measure the data path and the exposure window; per-request exposures
          // (each) are measured in VMs only.
          const bool vm_only = argo && each;
          for (const uint32_t poll_us : no_vm ? std::vector<uint32_t>{} : polls) {
            const std::string where = poll_us == 0 ? "vm" : fmt::format("vm-p{}", poll_us);
            vm_run_options o;
            o.image = image;
            o.disk = disk;
            o.argo = argo;
            o.size = size;
            o.mib = mib;
            o.depth = depth;
            o.queues = queues;
            o.timeout_seconds = timeout;
            o.pin = pin;
            o.completion_batch = completion_batch;
            o.poll_us = poll_us;
            o.kick_batch = kick_batch;
            o.qsd = qsd;
            o.exposures = exposed;
            o.window = !each;
            const vm_run_result r = run_vm(o);
            if (r.exit_code != 0 || r.results.size() != 2) {
              std::cerr << r.output << "hmx-vta-bench: the " << path << " VM run failed (monitor exit code "
                        << r.exit_code << ")\n";
              return 1;
            }
            double payload = 0;  // both phases of the run
            for (const guest_result& g : r.results) payload += std::stod(g.at("bytes"));
            for (const guest_result& g : r.results) {
              const double cycles = std::stod(g.at("cycles"));
              const double bytes = std::stod(g.at("bytes"));
              figure& f = slot(figs, where, path, g.at("op"), size);
              f.mbps.push_back(bytes / (cycles / r.tsc_hz) / 1e6);
              const double n = std::stod(g.at("requests"));
              f.exits_per_request.push_back(
                  (std::stod(g.at("calls")) + std::stod(g.at("notifies")) + std::stod(g.at("doorbells"))) / n);
              if (argo && payload > 0) {
                f.core_bytes_per_byte.push_back(double(r.core_bytes + r.exposure_bytes) / payload);
                f.exposure_bytes_per_byte.push_back(double(r.exposure_bytes) / payload);
                if (bytes > 0) f.driver_copies_per_byte.push_back(std::stod(g.at("used_copy")) / bytes);
              }
              f.detail = {{"requests", n},
                          {"poll_us", poll_us},
                          {"sendv_per_request", std::stod(g.at("sends")) / n},
                          {"notifies_alone", std::stod(g.at("notifies"))},
                          {"doorbells_per_request", std::stod(g.at("doorbells")) / n},
                          {"exits_per_request", (std::stod(g.at("calls")) + std::stod(g.at("notifies")) +
                                                 std::stod(g.at("doorbells"))) / n},
                          {"halts_per_request", std::stod(g.at("halts")) / n},
                          {"us_per_request", cycles / r.tsc_hz * 1e6 / n},
                          {"core_interrupts", r.core_interrupts},
                          {"injections", r.injections},
                          {"injection_us", r.injection_us},
                          {"exposed_per_request", std::stod(g.at("exposed")) / n},
                          {"window_per_request", g.contains("window") ? std::stod(g.at("window")) / n : 0.0},
                          {"guest", g}};
            }
          }
          if (!no_inproc && !vm_only) {
            inproc_options o;
            o.disk = disk;
            o.argo = argo;
            o.size = size;
            o.mib = mib;
            o.depth = depth;
            o.queues = queues;
            o.completion_batch = completion_batch;
            o.qsd = qsd;
            o.exposed = argo && exposed;
            const inproc_result r = run_inproc(o);
            for (const auto& [op, ph] : {std::pair{"write", r.write}, std::pair{"read", r.read}}) {
              if (ph.ok != ph.requests) {
                std::cerr << "hmx-vta-bench: in-process " << path << " " << op << ": " << ph.ok << " of " << ph.requests
                          << " requests ok\n";
                return 1;
              }
              figure& f = slot(figs, "inproc", path, op, size);
              f.mbps.push_back(double(ph.bytes) / ph.seconds / 1e6);
              f.detail = {{"requests", ph.requests}, {"us_per_request", ph.seconds * 1e6 / ph.requests}};
            }
          }
        }
      }
    }
  } catch (const std::exception& e) {
    if (!disk.empty()) ::unlink(disk.c_str());
    std::cerr << "hmx-vta-bench: " << e.what() << '\n';
    return 4;
  }
  ::unlink(disk.c_str());

  // ---- report --------------------------------------------------------------------------------
  fmt::print("hmx-vta-bench: virtio-blk, {} MiB per phase, depth {} x {} queue(s), median of {} run(s); where: vm =\n"
             "drivers halt when idle, vm-pN = drivers watch their rings N us first, inproc = no VM\n",
             mib, depth, queues, runs);
  fmt::print("{:<9}{:<23}{:<7}{:>7}{:>10}{:>10}\n", "where", "path", "op", "size", "MB/s", "us/req");
  json out;
  out["parameters"] = {{"mib", mib},     {"depth", depth}, {"queues", queues},          {"runs", runs},
                       {"sizes", sizes}, {"poll_us", polls}, {"kick_batch", kick_batch}};
  for (const figure& f : figs) {
    const double us = f.detail.value("us_per_request", 0.0);
    fmt::print("{:<9}{:<23}{:<7}{:>7}{:>10.1f}{:>10.1f}\n", f.where, f.path, f.op, f.size, f.median(), us);
    out["figures"].push_back({{"where", f.where},
                              {"path", f.path},
                              {"op", f.op},
                              {"size", f.size},
                              {"mbps_median", f.median()},
                              {"mbps_runs", f.mbps},
                              {"exits_per_request_runs", f.exits_per_request},
                              {"core_bytes_per_byte_runs", f.core_bytes_per_byte},
                              {"exposure_bytes_per_byte_runs", f.exposure_bytes_per_byte},
                              {"driver_copies_per_byte_runs", f.driver_copies_per_byte},
                              {"last_run", f.detail}});
  }
  fmt::print("isolation cost = virtio-argo throughput / shared-memory throughput, median of paired runs\n"
             "(target >= 0.8 at 65536); device: builtin (virtio-blk of this tree) or qsd (qemu-storage-daemon):\n");
  std::vector<std::string> wheres;
  for (const auto& f : figs)
    if (std::find(wheres.begin(), wheres.end(), f.where) == wheres.end()) wheres.push_back(f.where);
  // One ratio per virtio-argo path the run measured: the data path (argo) and, in VMs, the
  // exposure window (argo-exposed, the driver's default where the device offers exposures).
  for (const std::string& backend : backends)
  for (const std::string variant : {"argo", "argo-exposed"})
  for (const std::string& where : wheres) {
    const std::string suffix = backend == "qsd" ? "-qsd" : "";
    const std::string argo_path = variant + suffix;
    for (uint32_t size : sizes) {
      double argo_bytes_s = 0, shm_bytes_s = 0;  // both phases: harmonic combination
      bool any = false;
      // Per run: the same bytes per phase, so both phases together is the inverted ratio of the
      // summed times of the run's own write and read.
      std::vector<double> argo_time(runs, 0.0), shm_time(runs, 0.0);
      uint32_t phases = 0;
      for (const std::string op : {"write", "read"}) {
        const figure* a = nullptr;
        const figure* s = nullptr;
        for (const auto& f : figs) {
          if (f.where != where || f.size != size || f.op != op) continue;
          if (f.path == argo_path) a = &f;
          if (f.path == "shm" + suffix) s = &f;
        }
        if (a == nullptr || s == nullptr || s->median() == 0) continue;
        any = true;
        // The runs alternate the paths, so run i of one path and run i of the other saw the same
        // machine: the median of those paired ratios is robust against a machine whose load
        // drifts (ours is shared); the ratio of the medians is printed beside it.
        std::vector<double> paired;
        for (size_t i = 0; i < std::min(a->mbps.size(), s->mbps.size()); ++i) paired.push_back(a->mbps[i] / s->mbps[i]);
        std::sort(paired.begin(), paired.end());
        const double ratio = paired.empty() ? 0 : paired[paired.size() / 2];
        argo_bytes_s += 1 / a->median();
        shm_bytes_s += 1 / s->median();
        ++phases;
        for (size_t i = 0; i < runs && i < a->mbps.size() && i < s->mbps.size(); ++i) {
          argo_time[i] += 1 / a->mbps[i];
          shm_time[i] += 1 / s->mbps[i];
        }
        fmt::print("  {:<8}{:<13}{:<9}{:>7} {:<6} {:.3f}   (ratio of medians {:.3f}; paired runs {:.2f}..{:.2f})\n",
                   backend, variant, where, size, op, ratio, a->median() / s->median(), paired.front(), paired.back());
        out["ratios"].push_back({{"backend", backend}, {"path", variant}, {"where", where}, {"size", size}, {"op", op},
                                 {"argo_over_shm", ratio}, {"ratio_of_medians", a->median() / s->median()},
                                 {"paired", paired}});
      }
      if (any) {
        const double both = shm_bytes_s / argo_bytes_s;  // same bytes per phase: time ratio inverted
        fmt::print("  {:<8}{:<13}{:<9}{:>7} {:<6} {:.3f}   (write and read together, from the medians)\n", backend,
                   variant, where, size, "both", both);
        std::vector<double> paired;
        if (phases == 2)
          for (size_t i = 0; i < runs; ++i)
            if (argo_time[i] > 0) paired.push_back(shm_time[i] / argo_time[i]);
        std::sort(paired.begin(), paired.end());
        out["ratios"].push_back({{"backend", backend}, {"path", variant}, {"where", where}, {"size", size},
                                 {"op", "both"}, {"argo_over_shm", both}, {"paired", paired}});
      }
    }
  }
  // The counters that explain the ratios, per VM figure over the runs: exits (conduit calls,
  // notifies alone and doorbells) per request, and for virtio-argo the bytes the reference core
  // copied per payload byte (message headers included; the device's own file I/O not counted),
  // sendv's and exposures' copies together, and the exposures' part of it; beside them the
  // driver's own copies per payload byte of the phase (USED data into the chains' buffers: 1 on
  // the data path's reads, 0 on the exposure path), so copies per byte = core + driver.
  fmt::print("counters, median [min..max] over the runs:\n");
  auto spread = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? std::string("-") : fmt::format("{:.3f} [{:.3f}..{:.3f}]", v[v.size() / 2], v.front(), v.back());
  };
  for (const figure& f : figs) {
    if (f.exits_per_request.empty()) continue;
    fmt::print("  {:<8}{:<23}{:<6}{:>7}  exits/request {}   core bytes copied/byte {}   of which exposures {}   "
               "driver copies/byte {}\n",
               f.where, f.path, f.op, f.size, spread(f.exits_per_request), spread(f.core_bytes_per_byte),
               spread(f.exposure_bytes_per_byte), spread(f.driver_copies_per_byte));
  }
  // Where qsd ran without its shared-memory baseline (--paths argo): what the daemon costs against
  // the built-in device over the same virtio-argo path.
  for (const std::string& where : wheres) {
    for (uint32_t size : sizes) {
      for (const std::string op : {"write", "read"}) {
        const figure* q = nullptr;
        const figure* b = nullptr;
        bool has_shm_qsd = false;
        for (const auto& f : figs) {
          if (f.where != where || f.size != size || f.op != op) continue;
          if (f.path == "argo-qsd") q = &f;
          if (f.path == "argo") b = &f;
          if (f.path == "shm-qsd") has_shm_qsd = true;
        }
        if (q == nullptr || b == nullptr || has_shm_qsd || b->median() == 0) continue;
        fmt::print("  {:<8}{:<9}{:>7} {:<6} no shm-qsd figure; argo-qsd / argo (builtin) = {:.3f}\n", "qsd",
                   where, size, op, q->median() / b->median());
        out["ratios"].push_back({{"backend", "qsd"}, {"where", where}, {"size", size}, {"op", op},
                                 {"argo_qsd_over_argo_builtin", q->median() / b->median()}});
      }
    }
  }
  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << out.dump(2) << '\n';
    if (!f) {
      std::cerr << "hmx-vta-bench: cannot write " << json_path << '\n';
      return 4;
    }
  }
  return 0;
}
