// SPDX-License-Identifier: Apache-2.0
// hmx-linux-bench: the isolation cost of virtio-argo for Linux's own virtio-blk driver in a UML
// guest. One back-end, qemu-storage-daemon's vhost-user-blk export of a file in /dev/shm, reached
// two ways by the same kernel and the same guest program (linux/tools/blk-bench.c, O_DIRECT,
// sequential, one request in flight):
//   argo  virtio_blk -> virtio-argo (HMX messages over the UML conduit) -> hmx-hostd's device
//         domain -> its vhost-user bridge -> qemu-storage-daemon (which sees the device domain's
//         memory only)
//   shm   virtio_blk -> virtio_uml -> qemu-storage-daemon (the guest's memory shared with it)
// Runs alternate the two paths; it prints MB/s per path and the isolation cost (argo/shm of the
// same run) per block size and direction as median [min..max] over the runs, and the counters
// that explain them: conduit round trips (socket exits), notifications and bytes the reference
// core copied, per request or per byte of the argo path. A program, never a timed test.
// Every process runs through hostlib's run_process with a time limit.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "hmx/host/process.h"

namespace {

using hmx::host::process_options;
using hmx::host::process_result;
using hmx::host::run_process;

process_result run(const std::vector<std::string>& argv, double seconds) {
  process_options o;
  o.argv = argv;
  o.timeout_s = seconds;
  return run_process(o);
}

// A program running beside the measured one (the back-end), stopped when this object goes.
class background {
 public:
  explicit background(std::vector<std::string> argv) {
    thread_ = std::thread([this, argv = std::move(argv)] {
      process_options o;
      o.argv = argv;
      o.timeout_s = 600;
      o.on_output = [](std::string_view) {};
      o.stop_now = [this] { return stop_.load(); };
      run_process(o);
    });
  }
  ~background() {
    stop_ = true;
    thread_.join();
  }
  background(const background&) = delete;
  background& operator=(const background&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// "blk-bench: DIR bs=N bytes=B ... MBps=X requests=R" lines: (dir, bs) -> {MB/s, bytes, requests}.
struct phase {
  double mbps = 0, bytes = 0, requests = 0;
};
std::map<std::pair<std::string, long>, phase> parse_bench(const std::string& out) {
  std::map<std::pair<std::string, long>, phase> m;
  static const std::regex re(R"(blk-bench: (\w+) bs=(\d+) bytes=(\d+) seconds=[\d.]+ MBps=([\d.]+) requests=(\d+))");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it)
    m[{(*it)[1].str(), std::stol((*it)[2].str())}] = {std::stod((*it)[4].str()), std::stod((*it)[3].str()),
                                                      std::stod((*it)[5].str())};
  return m;
}

std::optional<double> number_after(const std::string& out, const std::string& pattern) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(pattern))) return std::stod(m[1].str());
  return std::nullopt;
}

// The newest UML kernel build under BUILD/linux/<linux-source version>/ (linux/CMakeLists.txt).
std::string find_linux_dir(const std::string& build) {
  std::string best;
  std::filesystem::file_time_type newest{};
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(build + "/linux", ec)) {
    const auto k = e.path() / "um" / "linux";
    if (!std::filesystem::exists(k, ec)) continue;
    const auto t = std::filesystem::last_write_time(k, ec);
    if (best.empty() || t > newest) {
      best = e.path().string();
      newest = t;
    }
  }
  return best;
}

struct spread {
  double median = 0, min = 0, max = 0;
  std::size_t n = 0;
};
spread summarize(std::vector<double> v) {
  spread s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return s;
}
nlohmann::json to_json(const spread& s) {
  return {{"value", s.median}, {"min", s.min}, {"max", s.max}, {"runs", s.n}};
}
std::string show(const spread& s, int precision) {
  return fmt::format("{:.{}f} [{:.{}f}..{:.{}f}]", s.median, precision, s.min, precision, s.max, precision);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-linux-bench: Linux virtio-blk over virtio-argo vs virtio_uml (shared memory), same back-end"};
  // The build tree is the parent of this program's bin/ directory.
  const std::string build = std::filesystem::canonical("/proc/self/exe").parent_path().parent_path().string();
  const std::string source = HMX_SOURCE_DIR;
  const std::string linux_dir = find_linux_dir(build);
  std::string kernel = linux_dir + "/um/linux", gen = linux_dir + "/um/usr/gen_init_cpio";
  std::string modules = linux_dir + "/modules-um", json_file, qsd = "/usr/bin/qemu-storage-daemon";
  int runs = 5;
  long mib_small = 8, mib_large = 32;
  app.add_option("--runs", runs, "paired runs (each path once per run); figures are median [min..max] (default 5)")
      ->check(CLI::Range(1, 50));
  app.add_option("--small-mib", mib_small, "MiB moved at 4 KiB per direction")->check(CLI::Range(1, 48));
  app.add_option("--large-mib", mib_large, "MiB moved at 1 MiB per direction")->check(CLI::Range(1, 48));
  app.add_option("--kernel", kernel, "the UML kernel");
  app.add_option("--modules", modules, "directory of hmx.ko and hmx_virtio_argo.ko");
  app.add_option("--json", json_file, "also write the figures as JSON");
  app.add_option("--qemu-storage-daemon", qsd, "the vhost-user-blk back-end");
  CLI11_PARSE(app, argc, argv);

  if (access(qsd.c_str(), X_OK) != 0 || access(kernel.c_str(), X_OK) != 0) {
    fmt::print("SKIPPED: hmx-linux-bench needs {} and the UML kernel (build the hmx-linux-kernel target): {}\n", qsd,
               kernel);
    return 77;
  }
  const std::string dir = build + "/linux-bench";
  std::filesystem::create_directories(dir);
  // The guest: blk-bench at 4 KiB and 1 MiB; the argo initramfs also loads the HMX modules.
  {
    std::ofstream s(dir + "/bench.sh");
    s << "#!/bin/sh\n# generated by hmx-linux-bench\n"
      << "blk-bench /dev/vda 4096 " << (mib_small << 20) << " || exit 1\n"
      << "blk-bench /dev/vda 1048576 " << (mib_large << 20) << " || exit 1\n";
  }
  const std::string mk = source + "/linux/initramfs/mkinitramfs.sh";
  const std::string tool = build + "/bin/blk-bench";
  for (const std::string kind : {"argo", "shm"}) {
    std::vector<std::string> a = {mk, "--gen-init-cpio", gen, "--busybox", "/bin/busybox", "--test",
                                  dir + "/bench.sh", "--out", dir + "/" + kind + ".cpio", "--file",
                                  tool + ":/bin/blk-bench"};
    if (kind == "argo")
      for (const char* m : {"hmx", "hmx_virtio_argo"})
        a.insert(a.end(), {"--file", modules + "/" + m + ".ko:/lib/hmx/" + m + ".ko"});
    const process_result r = run(a, 30);
    if (!r.exited || r.exit_code != 0) {
      fmt::print(stderr, "hmx-linux-bench: building the {} initramfs failed ({}):\n{}\n", kind, r.describe(), r.output);
      return 1;
    }
  }
  const std::string image = fmt::format("/dev/shm/hmx-linux-bench-{}.img", getpid()), sock = dir + "/qsd.sock";
  {
    std::ofstream(image).close();
    std::error_code ec;
    std::filesystem::resize_file(image, 64u << 20, ec);
    if (ec) {
      fmt::print(stderr, "hmx-linux-bench: cannot make {}: {}\n", image, ec.message());
      return 1;
    }
  }

  using key = std::pair<std::string, long>;
  std::map<key, std::vector<double>> argo, shm, ratio;
  std::vector<double> calls_per_request, events_per_request, core_bytes_per_byte;
  for (int r = 0; r < runs; ++r) {
    for (const std::string kind : {"argo", "shm"}) {
      unlink(sock.c_str());
      process_result res;
      {
        // A fresh back-end per run: the export serves one front-end connection at a time.
        background daemon({qsd, "--blockdev", "driver=file,node-name=disk,filename=" + image, "--export",
                           "type=vhost-user-blk,id=exp0,node-name=disk,writable=on,addr.type=unix,addr.path=" + sock});
        for (int i = 0; i < 250 && access(sock.c_str(), F_OK) != 0; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (kind == "argo") {
          res = run({build + "/bin/hmx-hostd", "--uml", "uml-1=" + kernel + ",initrd=" + dir + "/argo.cpio",
                     "--service", "vta-blk=vhost-user-blk,socket=" + sock, "--policy",
                     source + "/linux/tests/vta.policy", "--timeout", "240", "--stats"},
                    270);
        } else {
          res = run({kernel, "mem=256M", "initrd=" + dir + "/shm.cpio", "rdinit=/init", "con=null", "con0=null,fd:1",
                     "ssl=null", "virtio_uml.device=" + sock + ":2"},
                    240);
        }
      }
      const auto m = parse_bench(res.output);
      if (m.size() != 4 || res.output.find("hmx-exit: 0") == std::string::npos) {
        fmt::print(stderr, "hmx-linux-bench: the {} run failed ({}); its output:\n{}\n", kind, res.describe(),
                   res.output.substr(res.output.size() > 4000 ? res.output.size() - 4000 : 0));
        std::filesystem::remove(image);
        return 1;
      }
      for (const auto& [k, v] : m) (kind == "argo" ? argo : shm)[k].push_back(v.mbps);
      if (kind == "argo") {
        double payload = 0;
        for (const auto& [k, v] : m) payload += v.bytes;
        const auto calls = number_after(res.output, R"(\[uml-1\] stats: (\d+) calls)");
        const auto events =
            number_after(res.output, R"(\[uml-1\] stats: \d+ calls, \d+ refused calls, (\d+) notifications)");
        const auto requests = number_after(res.output, R"(vta-blk.*?, 1 connection\(s\), (\d+) requests)");
        const auto core_bytes = number_after(res.output, R"(core: \d+ calls, \d+ ops, \d+ batches, \d+ messages, (\d+) bytes)");
        if (calls && requests && *requests > 0) calls_per_request.push_back(*calls / *requests);
        if (events && requests && *requests > 0) events_per_request.push_back(*events / *requests);
        if (core_bytes && payload > 0) core_bytes_per_byte.push_back(*core_bytes / payload);
      }
    }
    for (const auto& [k, v] : argo) ratio[k].push_back(v.back() / shm[k].back());
    fmt::print(stderr, "hmx-linux-bench: run {}/{} done\n", r + 1, runs);
  }
  std::filesystem::remove(image);

  nlohmann::json j;
  j["runs"] = runs;
  j["parameters"] = {{"small_mib", mib_small}, {"large_mib", mib_large}, {"kernel", kernel}};
  fmt::print("hmx-linux-bench: Linux virtio_blk in UML, O_DIRECT sequential, one request in flight; median [min..max] "
             "of {} paired run(s)\n",
             runs);
  fmt::print("{:<6} {:>6} {:>26} {:>26} {:>22}\n", "dir", "block", "argo MB/s", "shm MB/s", "isolation cost");
  for (const auto& [k, v] : ratio) {
    const spread a = summarize(argo[k]), s = summarize(shm[k]), c = summarize(v);
    const std::string block = k.second == 4096 ? "4k" : k.second == 1048576 ? "1m" : std::to_string(k.second);
    fmt::print("{:<6} {:>6} {:>26} {:>26} {:>22}\n", k.first, block, show(a, 1), show(s, 1), show(c, 2));
    const std::string name = k.first + "_" + block;
    j["isolation"][name] = to_json(c);
    j["isolation"][name]["definition"] =
        fmt::format("Linux virtio_blk {} MB/s at {} B blocks over virtio-argo / over virtio_uml (shared memory), "
                    "same back-end, paired per run",
                    k.first, k.second);
    j["throughput_MBps"][name] = {{"argo", to_json(a)}, {"shm", to_json(s)}};
  }
  const spread calls = summarize(calls_per_request), events = summarize(events_per_request),
               copies = summarize(core_bytes_per_byte);
  fmt::print("argo counters: conduit round trips (socket exits) per request {}, notifications per request {},\n"
             "  bytes the reference core copied per byte of block I/O {} (headers included)\n",
             show(calls, 2), show(events, 2), show(copies, 3));
  j["counters"]["exits_per_request"] = to_json(calls);
  j["counters"]["notifications_per_request"] = to_json(events);
  j["counters"]["core_bytes_per_byte"] = to_json(copies);
  if (!json_file.empty()) {
    std::ofstream f(json_file);
    f << j.dump(2) << '\n';
    if (!f) {
      fmt::print(stderr, "hmx-linux-bench: cannot write {}\n", json_file);
      return 4;
    }
  }
  return 0;
}
