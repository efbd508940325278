// SPDX-License-Identifier: Apache-2.0
// hmx-linux-bench: the isolation cost of virtio-argo for Linux's own virtio-blk driver in a UML
// guest. One back-end, qemu-storage-daemon's vhost-user-blk export of a file in /dev/shm, reached
// two ways by the same kernel and the same guest program (linux/tools/blk-bench.c, O_DIRECT,
// sequential, one request in flight):
//   argo  virtio_blk -> virtio-argo (HMX messages over the UML conduit) -> hmx-hostd's device
//         domain -> its vhost-user bridge -> qemu-storage-daemon (which sees the device domain's
//         memory only)
//   shm   virtio_blk -> virtio_uml -> qemu-storage-daemon (the guest's memory shared with it)
// Runs alternate the two paths; it prints MB/s per path (medians) and the isolation cost, the
// median of the paired ratios argo/shm, per block size and direction, and the conduit round trips
// (socket exits) per request of the argo path. A program, never a timed test.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct run_result {
  int status = -1;
  std::string output;
};

// Runs argv with stdout and stderr captured, killed (with its process group) after `seconds`.
run_result run(const std::vector<std::string>& argv, double seconds) {
  int p[2];
  if (pipe(p) != 0) throw std::runtime_error("pipe");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[0]);
    execv(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(p[1]);
  run_result r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  char buf[4096];
  for (;;) {
    pollfd pfd{p[0], POLLIN, 0};
    const int ms = static_cast<int>(std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
    if (poll(&pfd, 1, ms) <= 0) {
      kill(-pid, SIGKILL);
      break;
    }
    const ssize_t n = read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  kill(-pid, SIGKILL);  // UML's helper processes
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// "blk-bench: DIR bs=N ... MBps=X" lines: (dir, bs) -> MB/s.
std::map<std::pair<std::string, long>, double> parse_bench(const std::string& out) {
  std::map<std::pair<std::string, long>, double> m;
  static const std::regex re(R"(blk-bench: (\w+) bs=(\d+) bytes=\d+ seconds=[\d.]+ MBps=([\d.]+))");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it)
    m[{(*it)[1].str(), std::stol((*it)[2].str())}] = std::stod((*it)[3].str());
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

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
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
  int runs = 3;
  long mib_small = 8, mib_large = 32;
  app.add_option("--runs", runs, "paired runs (each path once per run)")->check(CLI::Range(1, 50));
  app.add_option("--small-mib", mib_small, "MiB moved at 4 KiB per direction")->check(CLI::Range(1, 48));
  app.add_option("--large-mib", mib_large, "MiB moved at 1 MiB per direction")->check(CLI::Range(1, 48));
  app.add_option("--kernel", kernel, "the UML kernel");
  app.add_option("--modules", modules, "directory of hmx.ko and hmx_virtio_argo.ko");
  app.add_option("--json", json_file, "also write the figures as JSON");
  app.add_option("--qemu-storage-daemon", qsd, "the vhost-user-blk back-end");
  CLI11_PARSE(app, argc, argv);

  if (access(qsd.c_str(), X_OK) != 0 || access(kernel.c_str(), X_OK) != 0) {
    fmt::print(stderr, "hmx-linux-bench: needs {} and the UML kernel (build the hmx-linux-kernel target): {}\n",
               qsd, kernel);
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
    if (run(a, 30).status != 0) {
      fmt::print(stderr, "hmx-linux-bench: building the {} initramfs failed\n", kind);
      return 1;
    }
  }
  const std::string image = "/dev/shm/hmx-linux-bench.img", sock = dir + "/qsd.sock";
  if (run({"/usr/bin/truncate", "-s", "64M", image}, 10).status != 0) return 1;

  std::map<std::pair<std::string, long>, std::vector<double>> argo, shm, ratio;
  std::vector<double> calls_per_request, events_per_request;
  for (int r = 0; r < runs; ++r) {
    for (const std::string kind : {"argo", "shm"}) {
      unlink(sock.c_str());
      // A fresh back-end per run: the export serves one front-end connection at a time.
      const pid_t q = fork();
      if (q == 0) {
        const int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(qsd.c_str(), qsd.c_str(), "--blockdev",
              ("driver=file,node-name=disk,filename=" + image).c_str(), "--export",
              ("type=vhost-user-blk,id=exp0,node-name=disk,writable=on,addr.type=unix,addr.path=" + sock).c_str(),
              nullptr);
        _exit(127);
      }
      for (int i = 0; i < 100 && access(sock.c_str(), F_OK) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      run_result res;
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
      kill(q, SIGTERM);
      waitpid(q, nullptr, 0);
      const auto m = parse_bench(res.output);
      if (m.size() != 4 || res.output.find("hmx-exit: 0") == std::string::npos) {
        fmt::print(stderr, "hmx-linux-bench: the {} run failed (status {}); its output:\n{}\n", kind, res.status,
                   res.output.substr(res.output.size() > 4000 ? res.output.size() - 4000 : 0));
        return 1;
      }
      for (const auto& [k, v] : m) (kind == "argo" ? argo : shm)[k].push_back(v);
      if (kind == "argo") {
        const auto calls = number_after(res.output, R"(\[uml-1\] stats: (\d+) calls)");
        const auto events = number_after(res.output, R"(\[uml-1\] stats: \d+ calls, \d+ refused calls, (\d+) notifications)");
        const auto requests = number_after(res.output, R"(vta-blk.*?, 1 connection\(s\), (\d+) requests)");
        if (calls && requests && *requests > 0) calls_per_request.push_back(*calls / *requests);
        if (events && requests && *requests > 0) events_per_request.push_back(*events / *requests);
      }
    }
    for (const auto& [k, v] : argo) ratio[k].push_back(v.back() / shm[k].back());
    fmt::print(stderr, "run {}/{} done\n", r + 1, runs);
  }
  unlink(image.c_str());

  nlohmann::json j;
  fmt::print("hmx-linux-bench: Linux virtio_blk in UML, O_DIRECT sequential, one request in flight, {} paired runs\n",
             runs);
  fmt::print("{:<6} {:>8} {:>12} {:>12} {:>16}\n", "dir", "block", "argo MB/s", "shm MB/s", "isolation cost");
  for (const auto& [k, v] : ratio) {
    const double a = median(argo[k]), s = median(shm[k]), c = median(v);
    fmt::print("{:<6} {:>8} {:>12.2f} {:>12.2f} {:>16.2f}\n", k.first, k.second == 4096 ? "4 KiB" : "1 MiB", a, s, c);
    j["results"].push_back({{"direction", k.first}, {"block", k.second}, {"argo_MBps", a}, {"shm_MBps", s},
                            {"isolation_cost", c}});
  }
  fmt::print("argo: {:.2f} conduit round trips (socket exits) and {:.2f} notifications per request (medians)\n",
             median(calls_per_request), median(events_per_request));
  j["calls_per_request"] = median(calls_per_request);
  j["notifications_per_request"] = median(events_per_request);
  if (!json_file.empty()) std::ofstream(json_file) << j.dump(2) << '\n';
  return 0;
}
