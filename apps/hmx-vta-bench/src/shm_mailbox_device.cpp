// SPDX-License-Identifier: Apache-2.0
#include "shm_mailbox_device.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include "hmx/virtio_argo/baseline/mailbox.h"

namespace hmx::virtio_argo::bench {

namespace {

constexpr int32_t kEINVAL = -22, kEOPNOTSUPP = -95;

// Descriptor addresses are guest-physical: every range goes through the guest's map(), which
// refuses what is not guest memory.
address_space guest_space(shm_guest& g) {
  address_space a;
  a.ctx = &g;
  a.to_addr = [](void*, const void*) -> uint64_t { return 0; };  // the device never makes addresses
  a.to_ptr = [](void* ctx, uint64_t gpa, uint32_t len) -> void* {
    const std::span<std::byte> s = static_cast<shm_guest*>(ctx)->map(gpa, len == 0 ? 1 : len);
    return s.empty() ? nullptr : s.data();
  };
  return a;
}

}  // namespace

shm_mailbox_device::shm_mailbox_device(device::virtio_device& dev, shm_guest& guest, uint32_t msr_base,
                                       device::queue_limits limits, int cpu)
    : dev_(dev), guest_(guest), msr_base_(msr_base), limits_(limits) {
  host_ = std::make_unique<device::shm_device_host>(dev_, limits_, guest_space(guest_));
  host_->set_interrupts(this, [](void* self, uint16_t) { static_cast<shm_mailbox_device*>(self)->used_pending_ = true; },
                        [](void*) {});
  thread_ = std::thread([this] { run(); });
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set);
  }
}

shm_mailbox_device::~shm_mailbox_device() { stop(); }

void shm_mailbox_device::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool shm_mailbox_device::write_msr(uint32_t index, uint64_t value, bool& ours) {
  ours = index == msr_base_ + baseline::kMsrMailbox || index == msr_base_ + baseline::kMsrDoorbell;
  if (!ours) return false;
  if (index == msr_base_ + baseline::kMsrMailbox) return mailbox(value);
  if (value >= 32) return false;
  doorbells_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    doorbell_mask_ |= 1u << value;
  }
  cv_.notify_one();
  return true;
}

// One control operation, read once from guest memory, answered in place.
bool shm_mailbox_device::mailbox(uint64_t gpa) {
  const std::span<std::byte> at = guest_.map(gpa, sizeof(baseline::mailbox_block));
  if (gpa % 16 != 0 || at.empty()) return false;  // an unusable block: #GP, as for an HMX call block
  baseline::mailbox_block b;
  std::memcpy(&b, at.data(), sizeof b);
  mailbox_calls_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(host_mu_);
  device::device_core& core = host_->core();
  b.result = 0;
  switch (b.op) {
    case baseline::MBOX_DEVICE_INFO:
      b.arg[0] = dev_.device_id();
      b.arg[1] = core.num_queues();
      b.arg[2] = core.config_size();
      break;
    case baseline::MBOX_GET_FEATURES: b.arg[0] = core.offered(); break;
    case baseline::MBOX_SET_FEATURES: {
      const uint32_t words[2] = {static_cast<uint32_t>(b.arg[0]), static_cast<uint32_t>(b.arg[0] >> 32)};
      core.set_feature_words(0, 2, words);
      break;
    }
    case baseline::MBOX_GET_STATUS: b.arg[0] = core.status(); break;
    case baseline::MBOX_SET_STATUS:
      if (b.arg[0] == 0 || b.arg[0] > 0xff) b.result = kEINVAL;
      else b.arg[0] = core.set_status(static_cast<uint8_t>(b.arg[0]));
      break;
    case baseline::MBOX_RESET: host_->reset(); break;
    case baseline::MBOX_READ_CONFIG: {
      uint8_t cfg[baseline::kMaxConfigRead];
      const uint64_t len = b.arg[1];
      const std::span<std::byte> dst = guest_.map(b.arg[2], len == 0 ? 1 : len);
      if (b.arg[0] > UINT32_MAX || len > sizeof cfg || dst.empty() ||
          !core.read_config(static_cast<uint32_t>(b.arg[0]), static_cast<uint32_t>(len), cfg))
        b.result = kEINVAL;
      else if (len != 0)
        std::memcpy(dst.data(), cfg, len);
      break;
    }
    case baseline::MBOX_QUEUE_INFO: b.arg[0] = core.queue_info(static_cast<uint32_t>(b.arg[0])).max_size; break;
    case baseline::MBOX_SET_QUEUE: {
      const auto size = static_cast<uint16_t>(b.arg[1]);
      if (b.arg[1] == 0 || b.arg[1] > 32768) {
        b.result = kEINVAL;
        break;
      }
      const std::span<std::byte> desc = guest_.map(b.arg[2], split_ring::desc_bytes(size));
      const std::span<std::byte> avail = guest_.map(b.arg[3], split_ring::avail_bytes(size));
      const std::span<std::byte> used = guest_.map(b.arg[4], split_ring::used_bytes(size));
      split_ring r;
      r.desc = reinterpret_cast<uint8_t*>(desc.data());
      r.avail = reinterpret_cast<uint8_t*>(avail.data());
      r.used = reinterpret_cast<uint8_t*>(used.data());
      r.size = size;
      if (desc.empty() || avail.empty() || used.empty() || !host_->set_queue(static_cast<uint16_t>(b.arg[0]), r))
        b.result = kEINVAL;
      break;
    }
    case baseline::MBOX_RESET_QUEUE:
      if (!host_->reset_queue(static_cast<uint16_t>(b.arg[0]))) b.result = kEOPNOTSUPP;
      break;
    default: b.result = kEOPNOTSUPP; break;
  }
  std::memcpy(at.data(), &b, sizeof b);
  return true;
}

// The device thread: serve every kicked queue, then one interrupt for the whole pass.
void shm_mailbox_device::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || doorbell_mask_ != 0 || wake_pending_; });
    if (stopping_) return;
    const uint32_t mask = doorbell_mask_;
    doorbell_mask_ = 0;
    wake_pending_ = false;
    lock.unlock();
    bool interrupt = false;
    {
      std::lock_guard h(host_mu_);
      if (pump_) pump_();  // completions first
      for (uint16_t q = 0; q < 32; ++q)
        if ((mask & (1u << q)) != 0 && q < host_->core().num_queues()) host_->kick(q);
      if (pump_) pump_();  // what the kicks handed over goes out
      interrupt = used_pending_;
      used_pending_ = false;
    }
    passes_.fetch_add(1, std::memory_order_relaxed);
    if (interrupt) {
      guest_.interrupt();
      interrupts_.fetch_add(1, std::memory_order_relaxed);
    }
    lock.lock();
  }
}

void shm_mailbox_device::set_pump(std::function<void()> pump) {
  std::lock_guard h(host_mu_);
  pump_ = std::move(pump);
}

void shm_mailbox_device::wake() {
  {
    std::lock_guard lock(mu_);
    wake_pending_ = true;
  }
  cv_.notify_one();
}

shm_stats shm_mailbox_device::stats() const {
  return {doorbells_.load(), mailbox_calls_.load(), passes_.load(), interrupts_.load()};
}

}  // namespace hmx::virtio_argo::bench
