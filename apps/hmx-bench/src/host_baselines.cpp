// SPDX-License-Identifier: Apache-2.0
#include "host_baselines.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include <hmx/env/host.h>
#include <hmx/hmx.h>
#include <hmx/reference/reference.h>

#include "hmx/kvm/guest_memory.h"

namespace hmx::kvm::bench {

namespace {

using clock_type = std::chrono::steady_clock;
// The bench receiver's ring: the largest a ring may be (16 MiB with its header).
constexpr uint64_t kRingBytes = HMX_MAX_RING_LEN + HMX_RING_HEADER_SIZE;

// Runs `op` in growing batches until `seconds` have passed; returns ns per call.
template <class Op>
double time_per_op(double seconds, Op&& op) {
  uint64_t done = 0, batch = 16;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (uint64_t i = 0; i < batch; ++i) op(done + i);
    done += batch;
    batch *= 2;
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  }
  return elapsed * 1e9 / double(done);
}

}  // namespace

std::vector<host_figure> measure_memcpy(const std::vector<uint64_t>& sizes, double seconds_each) {
  // Two destinations: one as large as the bench receiver's ring (16 MiB, walked like the ring:
  // the same data movement as sendv into it, the R_copy denominator), and the source-sized hot
  // case (the destination stays in cache) for reference.
  std::vector<host_figure> out;
  constexpr uint64_t kReceiverRing = kRingBytes;
  // Backed like guest memory (hmx::kvm::guest_memory: 2 MiB aligned, MADV_HUGEPAGE), so that
  // memcpy and the core's copies into guest memory see the same kind of pages.
  guest_memory buffer(kReceiverRing);
  std::span<std::byte> dst = *buffer.translate(0, kReceiverRing);
  std::vector<unsigned char> src(*std::max_element(sizes.begin(), sizes.end()), 0x5a);
  std::memset(dst.data(), 1, dst.size());  // fault the pages in first
  for (uint64_t size : sizes) {
    const uint64_t slots = kReceiverRing / size;
    double ns = time_per_op(seconds_each, [&](uint64_t i) {
      std::memcpy(dst.data() + (i % slots) * size, src.data(), size);
      asm volatile("" ::"r"(dst.data()) : "memory");  // keep the copy
    });
    out.push_back({fmt::format("memcpy_{}", size), size, ns});
  }
  for (uint64_t size : sizes) {
    double ns = time_per_op(seconds_each / 2, [&](uint64_t) {
      std::memcpy(dst.data(), src.data(), size);
      asm volatile("" ::"r"(dst.data()) : "memory");
    });
    out.push_back({fmt::format("memcpy_hot_{}", size), size, ns});
  }
  return out;
}

std::vector<host_figure> measure_in_process(const std::vector<uint64_t>& sizes, double seconds_each) {
  // Two domains of the reference core with 32 MiB of "guest RAM" each; libhmx clients over the
  // loopback conduit (Core::call on this thread). The receiver's 16 MiB ring (as in the VMs) is
  // drained by moving rx_ptr to tx_ptr after every send, as a polling receiver would.
  ref::Policy policy;
  std::string error;
  if (!policy.load_text(R"(rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "*" destination: "*" })",
                        &error))
    throw std::runtime_error("in-process policy: " + error);
  ref::Core core(policy);
  ref::NullNotifier quiet;
  constexpr uint64_t kRam = 32u << 20;
  ref::ArenaGuestMemory ram_tx(kRam), ram_rx(kRam);
  if (core.create_domain(1, "tx", ram_tx, 1, quiet) != 0 || core.create_domain(2, "rx", ram_rx, 1, quiet) != 0)
    throw std::runtime_error("in-process core: create_domain failed");
  // Layout of each RAM: [0, 16 MiB) ring or payload, [16 MiB, 32 MiB) libhmx scratch pages.
  env::host env_tx(ram_tx.data(), kRam, 0, kRingBytes), env_rx(ram_rx.data(), kRam, 0, kRingBytes);
  auto trap = [&core](ref::DomainId dom) {
    return [&core, dom](uint64_t gpa) { (void)core.call(dom, 0, gpa); };
  };
  loopback_conduit conduit_tx(trap(1)), conduit_rx(trap(2));
  client tx(conduit_tx, env_tx), rx(conduit_rx, env_rx, 10);  // 10 pages: the 4096-entry gfn list
  ring_registration reg;
  reg.memory = ram_rx.data();
  reg.len = kRingBytes - HMX_RING_HEADER_SIZE;
  reg.aport = 1;
  reg.partner_id = 1;
  if (!rx.register_ring(reg).ok()) throw std::runtime_error("in-process core: register_ring failed");
  auto* header = reinterpret_cast<hmx_ring_t*>(ram_rx.data());

  std::vector<host_figure> out;
  out.push_back({"core_null", 0, time_per_op(0.1, [&](uint64_t) { (void)tx.null(); })});
  for (uint64_t size : sizes) {
    const hmx_addr_t dst = make_addr(1, 2);
    double ns = time_per_op(seconds_each, [&](uint64_t) {
      (void)tx.send(dst, ram_tx.data(), size, 1);
      __atomic_store_n(&header->rx_ptr, __atomic_load_n(&header->tx_ptr, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
    });
    out.push_back({fmt::format("core_sendv_{}", size), size, ns});
  }
  if (core.stats().errors != 0) throw std::runtime_error("in-process core: operations failed");
  core.destroy_domain(1);
  core.destroy_domain(2);
  return out;
}

}  // namespace hmx::kvm::bench
