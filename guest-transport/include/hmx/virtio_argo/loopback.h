/* SPDX-License-Identifier: Apache-2.0 */
// In-process message channel for tests and benchmarks: one connection of two HMX-like rings
// (spec "Connections"). It keeps the HMX semantics that matter to virtio-argo:
//  - a ring has a fixed byte length; a message takes a 16-byte header plus its payload rounded
//    up to 16 bytes, and one slot always stays free, so the largest message is len - 32
//    (HMX_MAX_MESSAGE_SIZE = MAX_RING_SIZE - 32);
//  - a send that does not fit returns again and queues a space wait; the receiver's consumption
//    then raises a space-available event in the sender's wait() (HMX-VTA-080 HMX-VTA-081 HMX-VTA-082);
//  - messages arrive whole and in send order; nothing is ever dropped;
//  - once one side is killed (peer death, removal), its ring is gone: sends to it return
//    conn_refused, and the survivor's wait() reports conn_refused once its ring is empty (what
//    a binding learns from notify's RING_EXISTS flag);
//  - exposures (spec exposures) as the reference core checks them: a handle is never reissued; a
//    copy names a live exposure of the peer (else no_entry), with the access (else not_permitted)
//    and a range inside it (else invalid), copies all of len or nothing and uses one of its uses;
//    revoke ends an own exposure; a killed side's exposures end with it. offer_exposures(false)
//    makes every operation answer not_supported (a hypervisor without EXPOSE).
// Thread-safe: the two endpoints may run on different threads. For deterministic single-thread
// tests, an idle hook runs (e.g. the device's poll) when wait() would block. Hosted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <hmx/abi/constants.h>

#include "hmx/virtio_argo/channel.h"

namespace hmx::virtio_argo {

class loopback_link;

struct loopback_stats {
  uint64_t sent = 0;
  uint64_t bytes = 0;
  uint64_t eagain = 0;
  uint64_t space_events = 0;
  uint64_t exposure_bytes = 0;  // bytes this side fetched from / deposited into the peer's exposures
  uint64_t copy_calls = 0;      // calls this side made to fetch/deposit (a copy_batch counts once)
};

class loopback_endpoint {
 public:
  result send(const chan_iov* iov, uint32_t n);
  recv_result receive(void* buf, uint32_t cap);
  uint32_t max_message_size();
  result wait(uint64_t timeout_ns);
  uint64_t now_ns();

  // exposure_channel (channel.h).
  bool exposures_available();
  expose_result expose(const void* range, uint32_t len, uint16_t access, uint32_t uses);
  result fetch(uint64_t handle, uint64_t offset, void* dst, uint32_t len);
  result deposit(uint64_t handle, uint64_t offset, const void* src, uint32_t len);
  result revoke(uint64_t handle);
  // batch_exposure_channel (channel.h): one emulated batch call; it stops before an entry after the
  // first whose len would take the call's copied bytes past the link's copy budget (spec
  // 08-batching, "The per-call byte budget"; a failed entry adds nothing).
  uint32_t copy_batch(chan_copy* ops, uint32_t n, bool deposit);
  size_t live_exposures();  // this side's exposures not yet ended

  // Test controls.
  void inject_eagain(uint32_t count);             // the next `count` sends that would fit fail with again
  void set_idle_hook(std::function<void()> hook);  // run by wait() instead of blocking
  loopback_stats stats();
  size_t pending();  // messages waiting in this endpoint's own ring

 private:
  friend class loopback_link;
  loopback_link* link_ = nullptr;
  int side_ = 0;  // 0 = driver, 1 = device
  std::function<void()> idle_hook_;
};

class loopback_link {
 public:
  // driver_ring_len: ring data bytes of the driver's ring (messages to the driver);
  // device_ring_len: of the device's ring. Both at least 48 (HMX_MIN_RING_LEN).
  loopback_link(uint32_t driver_ring_len, uint32_t device_ring_len);
  loopback_link(const loopback_link&) = delete;
  loopback_link& operator=(const loopback_link&) = delete;

  loopback_endpoint& driver() { return ends_[0]; }
  loopback_endpoint& device() { return ends_[1]; }

  // The device side dies or is removed: its ring vanishes, messages still queued in it are
  // lost; the driver's ring and its contents stay.
  void kill_device() { kill(1); }
  void kill_driver() { kill(0); }
  // Whether the emulated hypervisor offers EXPOSE (default: yes).
  void offer_exposures(bool offered);
  // The byte budget of one copy_batch() call (default HMX_CALL_BYTE_BUDGET; tests lower it).
  void set_copy_budget(uint32_t bytes);

 private:
  friend class loopback_endpoint;
  struct ring {
    uint32_t len = 0;
    uint32_t used = 0;  // bytes occupied, headers and padding included
    std::deque<std::vector<uint8_t>> messages;
    bool alive = true;
    bool space_wait = false;   // the peer got again and waits for space
    bool space_event = false;  // raised for the peer when space freed
    uint32_t inject_eagain = 0;
    loopback_stats stats;      // of sends into this ring
  };
  struct exposure {
    uint64_t handle = 0;
    int owner = 0;
    uint8_t* range = nullptr;
    uint32_t len = 0;
    uint16_t access = 0;
    uint32_t uses = 0;
  };
  void kill(int side);
  result copy(int caller, bool to_owner, uint64_t handle, uint64_t offset, void* buf, uint32_t len);
  static uint32_t footprint(uint32_t len) { return 16 + ((len + 15) & ~15u); }

  std::mutex mu_;
  std::condition_variable cv_;
  ring rings_[2];  // rings_[s] is side s's own ring
  std::vector<exposure> exposures_;
  uint64_t next_handle_ = 1;
  bool exposures_offered_ = true;
  uint32_t copy_budget_ = HMX_CALL_BYTE_BUDGET;
  loopback_endpoint ends_[2];
};

static_assert(message_channel<loopback_endpoint>);
static_assert(exposure_channel<loopback_endpoint>);
static_assert(batch_exposure_channel<loopback_endpoint>);

}  // namespace hmx::virtio_argo
