// SPDX-License-Identifier: Apache-2.0
// Flow control: full rings (EAGAIN, then space-available), the per-queue credit, and both
// sides blocked at once without a deadlock (HMX-VTA-021..025).
#include <gtest/gtest.h>

#include <atomic>

#include "support/blk_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

// Runs `n` requests of `size` bytes (alternating writes and reads of the same data) with all
// of them submitted before any completes. Returns the number that completed correctly.
template <class T>
int burst(T& t, blk_driver<T>& drv, int n, uint32_t size, uint64_t seed) {
  std::vector<blk_request> w(static_cast<size_t>(n)), r(static_cast<size_t>(n));
  std::vector<std::vector<uint8_t>> data(static_cast<size_t>(n)), back(static_cast<size_t>(n));
  const uint16_t qsize = drv.queue(0).size();
  int good = 0;
  for (int round = 0; round < 2; ++round) {
    int submitted = 0, done = 0;
    auto submit_some = [&] {
      while (submitted < n && drv.queue(0).num_free() >= 3) {
        const auto i = static_cast<size_t>(submitted);
        if (round == 0) {
          data[i].resize(size);
          fill_pattern(data[i].data(), size, seed + i);
        } else {
          back[i].assign(size, 0);
        }
        const split_virtqueue::buf b{round == 0 ? data[i].data() : back[i].data(), size};
        EXPECT_EQ(drv.submit(0, round == 0 ? w[i] : r[i], round == 0 ? v::BLK_T_OUT : v::BLK_T_IN,
                             i * size / 512, &b, 1),
                  result::ok);
        ++submitted;
      }
      EXPECT_EQ(drv.kick(0), result::ok);
    };
    submit_some();
    const bool ok = drive_until(t, [&] {
      while (blk_request* x = drv.reap(0)) {
        EXPECT_EQ(x->outcome, result::ok);
        ++done;
      }
      if (submitted < n) submit_some();
      return done == n;
    }, 60'000'000'000ull);
    EXPECT_TRUE(ok) << "round " << round << ": " << done << "/" << n << " (queue size " << qsize << ")";
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) good += back[i] == data[i];
  return good;
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082 HMX-VTA-086 HMX-VTA-087
TEST(Backpressure, InjectedEagainOnBothDirections) {
  blk_fixture f(8 << 20);
  argo_rig rig(*f.dev);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  rig.link().driver().inject_eagain(40);  // the driver's sends meet a "full" device ring
  rig.link().device().inject_eagain(40);  // and the device's sends a "full" driver ring
  EXPECT_EQ(burst(rig.transport, drv, 32, 32 * 1024, 1), 32);
  EXPECT_GE(rig.link().driver().stats().eagain, 40u);
  EXPECT_GE(rig.link().device().stats().eagain, 40u);
  EXPECT_GT(rig.transport.queue_stats(0).eagain, 0u);
  EXPECT_GT(rig.host().stats().eagain, 0u);
  EXPECT_EQ(rig.host().stats().protocol_errors, 0u);
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082 HMX-VTA-022 HMX-VTA-086 HMX-VTA-087
TEST(Backpressure, TinyRingsBothWaysWithoutDeadlock) {
  blk_fixture f(8 << 20);
  rig_options o;
  o.threaded = true;
  o.driver_ring = 1024;  // every 32 KiB request and completion takes many fills of a ring
  o.device_ring = 1024;
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  EXPECT_EQ(burst(rig.transport, drv, 48, 32 * 1024, 2), 48);
  EXPECT_GT(rig.link().driver().stats().eagain + rig.link().device().stats().eagain, 0u);
  rig.stop_device();
  EXPECT_EQ(rig.host().stats().protocol_errors, 0u);
}

// A blk device that records how many requests its host holds at once.
class counting_device final : public device::virtio_device {
 public:
  explicit counting_device(device::virtio_device& inner) : inner_(inner) {}
  uint32_t device_id() const override { return inner_.device_id(); }
  uint64_t device_features() const override { return inner_.device_features(); }
  uint16_t num_queues() const override { return inner_.num_queues(); }
  uint16_t max_queue_size(uint16_t q) const override { return inner_.max_queue_size(q); }
  uint32_t config_size() const override { return inner_.config_size(); }
  void read_config(uint32_t o, void* d, uint32_t l) const override { inner_.read_config(o, d, l); }
  void activate(uint64_t f) override { inner_.activate(f); }
  void reset() override { inner_.reset(); }
  void process(device::request& r) override {
    if (host != nullptr) max_seen = std::max(max_seen.load(), host->in_flight(r.queue()));
    inner_.process(r);
  }
  device::argo_device_host* host = nullptr;
  std::atomic<uint32_t> max_seen{0};

 private:
  device::virtio_device& inner_;
};

// covers: HMX-VTA-023 HMX-VTA-083 HMX-VTA-084 HMX-VTA-085
TEST(Backpressure, CreditBoundsWhatTheDeviceHolds) {
  blk_fixture f(8 << 20);
  counting_device dev(*f.dev);
  rig_options o;
  o.limits.max_in_flight = 3;
  o.driver_ring = 8192;  // completions back up, so credits stay in use longer
  argo_rig rig(dev, o);
  dev.host = &rig.host();
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  EXPECT_EQ(burst(rig.transport, drv, 40, 16 * 1024, 3), 40);
  EXPECT_LE(dev.max_seen, 3u);
  EXPECT_EQ(dev.max_seen, 3u) << "the credit was used up, not just respected";
  EXPECT_GT(rig.transport.queue_stats(0).credit_stalls, 0u);
  EXPECT_EQ(rig.host().stats().protocol_errors, 0u) << "the device never had to refuse or drop";
}

}  // namespace
}  // namespace hmx::virtio_argo::test
