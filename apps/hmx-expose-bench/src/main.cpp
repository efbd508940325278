// SPDX-License-Identifier: Apache-2.0
// hmx-expose-bench: what an exposure saves on the read path of one block request (issue 15,
// "device-side copies per byte"), in-process through the reference core, two domains with their
// own guest memory, no VM exits (the copies alone):
//
//   message path   the device sends the block in a message (sendv: the core copies it into the
//                  driver's ring) and the driver copies the payload out of its ring into the request
//                  buffer: two copies per byte.
//   exposure path  the driver exposes its request buffer (expose, WRITE, one use), the device
//                  deposits the block into it (the core's one copy), then sends a 16-byte completion
//                  message the driver consumes: one copy per byte.
//
// Each figure is a median over --runs with min and max; copies per byte are counted, not assumed:
// (bytes the core copied + bytes the driver copied) / payload bytes.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <hmx/abi/hmx.h>
#include <hmx/reference/reference.h>

namespace {

using namespace hmx::ref;
using clock_type = std::chrono::steady_clock;

constexpr DomainId kDevice = 1, kDriver = 2;
constexpr uint64_t kMem = 64ull << 20;
constexpr uint32_t kRingLen = HMX_MAX_RING_LEN;  // the driver's ring, 16 MiB
constexpr uint32_t kPort = 0x10;
// Guest-physical layout of both domains.
constexpr uint64_t kBlock = 0x1000, kArg = 0x2000, kIov = 0x3000, kGfns = 0x10000;
constexpr uint64_t kRing = 0x1000000;    // driver: ring header + data (16 MiB)
constexpr uint64_t kBuffers = 0x2100000;  // device: the block; driver: request buffers

class NullNotifier final : public Notifier {
 public:
  void raise(DomainId, uint32_t, uint8_t) override {}
};

struct World {
  Policy policy;
  Core core{policy};
  ArenaGuestMemory dev{kMem}, drv{kMem};
  NullNotifier notifier;
  uint32_t rx = 0;                // the driver's read offset into its ring
  uint64_t driver_copied = 0;     // bytes the driver copied out of its ring

  World() {
    std::string err;
    if (!policy.load_text(R"(rule { name: "all" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "*" destination: "*" })",
                          &err))
      throw std::runtime_error(err);
    core.offer_exposures(true);
    if (core.create_domain(kDevice, "device", dev, 1, notifier) != 0 ||
        core.create_domain(kDriver, "driver", drv, 1, notifier) != 0)
      throw std::runtime_error("create_domain");
    const uint64_t npages = (uint64_t{kRingLen} + HMX_RING_HEADER_SIZE + 4095) / 4096;
    for (uint64_t i = 0; i < npages; ++i) drv.write(kGfns + i * 8, (kRing >> 12) + i);
    drv.write(kArg, hmx_register_ring_t{kPort, kDevice, 0, kRingLen});
    if (call(drv, kDriver, HMX_OP_REGISTER_RING, kArg, kGfns, npages, 0) != 0) throw std::runtime_error("register_ring");
    std::memset(dev.host(kBuffers), 0x5a, 1 << 20);
  }
  ~World() {
    core.destroy_domain(kDevice);
    core.destroy_domain(kDriver);
  }

  int64_t call(ArenaGuestMemory& m, DomainId d, uint32_t op, uint64_t a1, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) {
    m.write(kBlock, hmx_call_block_t{op, 0, 0, {a1, a2, a3, a4}});
    return core.call(d, 0, kBlock);
  }
  // The device sends `len` bytes of its buffer at `at` to the driver's ring.
  int64_t send(uint64_t at, uint32_t len) {
    dev.write(kArg, hmx_send_addr_t{{0, HMX_DOMID_ANY, 0}, {kPort, kDriver, 0}});
    dev.write(kIov, hmx_iov_t{at, len, 0});
    return call(dev, kDevice, HMX_OP_SENDV, kArg, kIov, 1, 0);
  }
  // The driver consumes the next message into `dst` (nullptr: just look at it); its payload size.
  uint32_t receive(std::byte* dst) {
    auto* ring = reinterpret_cast<hmx_ring_t*>(drv.host(kRing));
    const std::byte* data = drv.host(kRing + HMX_RING_HEADER_SIZE);
    if (__atomic_load_n(&ring->tx_ptr, __ATOMIC_ACQUIRE) == rx) return 0;
    hmx_ring_message_header_t h;
    std::memcpy(&h, data + rx, sizeof h);
    const uint32_t payload = h.len - HMX_MESSAGE_HEADER_SIZE;
    const uint32_t at = (rx + HMX_MESSAGE_HEADER_SIZE) % kRingLen;
    if (dst != nullptr) {
      const uint32_t first = std::min(payload, kRingLen - at);
      std::memcpy(dst, data + at, first);
      std::memcpy(dst + first, data, payload - first);
      driver_copied += payload;
    }
    rx = (rx + ((h.len + 15) & ~15u)) % kRingLen;
    __atomic_store_n(&ring->rx_ptr, rx, __ATOMIC_RELEASE);
    return payload;
  }
  uint64_t core_bytes() {
    const auto e = core.exposure_stats(kDevice);
    return core.stats().bytes + (e ? e->bytes_deposited + e->bytes_fetched : 0);
  }
};

// One request of `size` bytes, the message way; `slot` picks the driver's request buffer.
bool message_request(World& w, uint32_t size, uint64_t slot) {
  std::byte* dst = w.drv.host(kBuffers + slot * size);
  return w.send(kBuffers, size) == size && w.receive(dst) == size;
}

// The same request, the exposure way.
bool exposure_request(World& w, uint32_t size, uint64_t slot) {
  const uint64_t buffer = kBuffers + slot * size;
  w.drv.write(kArg, hmx_expose_t{buffer, size, kDevice, HMX_EXPOSE_WRITE, 1, 0});
  const int64_t handle = w.call(w.drv, kDriver, HMX_OP_EXPOSE, kArg);
  if (handle <= 0) return false;
  // The handle travels in the request message (not timed here: the request exists in both paths).
  w.dev.write(kArg + 512, hmx_expose_copy_t{static_cast<uint64_t>(handle), 0, kBuffers, size, kDriver, 0});
  if (w.call(w.dev, kDevice, HMX_OP_DEPOSIT, kArg + 512) != size) return false;
  // The completion: 16 bytes, read by the driver like any message (its one use is spent: no revoke).
  return w.send(kBuffers, 16) == 16 && w.receive(nullptr) == 16;
}

struct Figure {
  double ns = 0, copies = 0;
};

template <class Request>
Figure measure(World& w, uint32_t size, double seconds, Request&& request) {
  const uint64_t slots = (kMem - kBuffers) / size;
  const uint64_t bytes0 = w.core_bytes(), driver0 = w.driver_copied;
  uint64_t done = 0, batch = 16;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (uint64_t i = 0; i < batch; ++i)
      if (!request(w, size, (done + i) % slots)) throw std::runtime_error("a request failed");
    done += batch;
    batch *= 2;
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  }
  Figure f;
  f.ns = elapsed * 1e9 / double(done);
  f.copies = double(w.core_bytes() - bytes0 + w.driver_copied - driver0) / (double(size) * double(done));
  return f;
}

// memcpy of the same size into the same kind of memory (an ArenaGuestMemory, as the driver's), over
// as many destinations as the request buffers: the denominator of the R figures.
double memcpy_ns(uint32_t size, double seconds) {
  std::vector<std::byte> src(size, std::byte{1});
  ArenaGuestMemory arena(kMem);
  const std::span<std::byte> dst = arena.map(kBuffers, kMem - kBuffers);
  std::memset(dst.data(), 0, dst.size());
  const uint64_t slots = dst.size() / size;
  uint64_t done = 0, batch = 16;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (uint64_t i = 0; i < batch; ++i) {
      std::memcpy(dst.data() + ((done + i) % slots) * size, src.data(), size);
      asm volatile("" ::"r"(dst.data()) : "memory");
    }
    done += batch;
    batch *= 2;
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  }
  return elapsed * 1e9 / double(done);
}

struct Spread {
  double median, min, max;
};
Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hmx-expose-bench: the read path of one block request, message vs exposure, in-process"};
  double seconds = 0.5;
  unsigned runs = 5;
  std::vector<uint32_t> sizes{4096, 65536};
  std::string json_out;
  bool check = false;
  app.add_option("--seconds", seconds, "time per figure and run");
  app.add_option("--runs", runs, "runs (medians, min and max are printed)")->check(CLI::Range(1u, 100u));
  app.add_option("--sizes", sizes, "request sizes in bytes")->check(CLI::Range(16u, 1u << 20));
  app.add_option("--json", json_out, "write the figures as JSON");
  app.add_flag("--check", check, "fail unless the paths count 2 and 1 copies per byte and move the right bytes");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json j;
  int rc = 0;
  fmt::print("{:>8}  {:>22}  {:>22}  {:>10}  {:>16}  {:>16}\n", "size", "message ns (R vs memcpy)",
             "exposure ns (R)", "speedup", "copies/B message", "copies/B exposure");
  for (uint32_t size : sizes) {
    std::vector<double> old_ns, new_ns, old_r, new_r, old_c, new_c, gain;
    for (unsigned r = 0; r < runs; ++r) {
      World w;
      const double m = memcpy_ns(size, seconds);
      const Figure a = measure(w, size, seconds, message_request);
      const Figure b = measure(w, size, seconds, exposure_request);
      old_ns.push_back(a.ns);
      new_ns.push_back(b.ns);
      old_r.push_back(m / a.ns);
      new_r.push_back(m / b.ns);
      old_c.push_back(a.copies);
      new_c.push_back(b.copies);
      gain.push_back(a.ns / b.ns);
      if (check) {
        // The last request's bytes arrived in the driver's buffer both ways.
        World v;
        std::memset(v.dev.host(kBuffers), 0xc3, size);
        const bool ok = message_request(v, size, 1) && exposure_request(v, size, 2) &&
                        std::all_of(v.drv.host(kBuffers + size), v.drv.host(kBuffers + 3ull * size),
                                    [](std::byte x) { return x == std::byte{0xc3}; });
        if (!ok) {
          fmt::print(stderr, "check: the driver's buffers do not hold the device's block\n");
          rc = 1;
        }
      }
    }
    const Spread on = spread(old_ns), nn = spread(new_ns), orr = spread(old_r), nr = spread(new_r),
                 oc = spread(old_c), nc = spread(new_c), g = spread(gain);
    fmt::print("{:>8}  {:>12.0f} ({:>5.2f})  {:>12.0f} ({:>5.2f})  {:>10.2f}  {:>16.3f}  {:>16.3f}\n", size, on.median,
               orr.median, nn.median, nr.median, g.median, oc.median, nc.median);
    fmt::print("{:>8}  min/max {:.0f}/{:.0f} ns  min/max {:.0f}/{:.0f} ns  speedup min/max {:.2f}/{:.2f}\n", "", on.min,
               on.max, nn.min, nn.max, g.min, g.max);
    const auto fig = [](const Spread& s) { return nlohmann::json{{"value", s.median}, {"min", s.min}, {"max", s.max}}; };
    j[std::to_string(size)] = {{"message", {{"ns", fig(on)}, {"r_memcpy", fig(orr)}, {"copies_per_byte", fig(oc)}}},
                               {"exposure", {{"ns", fig(nn)}, {"r_memcpy", fig(nr)}, {"copies_per_byte", fig(nc)}}},
                               {"speedup", fig(g)}};
    if (check && (oc.median < 1.9 || oc.median > 2.1 || nc.median < 0.99 || nc.median > 1.1)) {
      fmt::print(stderr, "check: copies per byte {:.3f} (message) and {:.3f} (exposure), want about 2 and 1\n",
                 oc.median, nc.median);
      rc = 1;
    }
  }
  j["runs"] = runs;
  j["note"] = "in-process, reference core, no VM exits; copies per byte = (core copies + driver copies) / payload";
  if (!json_out.empty()) std::ofstream(json_out) << j.dump(2) << "\n";
  return rc;
}
