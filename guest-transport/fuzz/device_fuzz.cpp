// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the device domain's servers under back-pressure (issue 14). A hostile driver
// speaks to the bus server or to a device host (the argo_device_host a virtio service runs per
// connection) over a loopback connection whose driver ring is small and drained only when the
// script says so, while the device's own sends may be refused with EAGAIN. The servers must keep
// every host allocation inside their bounds (spec "Security considerations"): the bus server's
// outbox within outbox_bound(), the device host's outbox within its bound and the requests it
// holds within the budget of bytes and entries fixed at start (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061, -023, -024).
//
// Input: byte 0 picks the server (bit 0: bus / device host), the driver ring's size (bits 2:1)
// and, for the device host, whether the harness first brings it to DRIVER_OK (bit 3) and which
// device it serves (bit 4: virtio-blk on a scratch file, else virtio-console). Then
// commands, each an op byte and its operands (a script that ends early reads zeros):
//   0 RAW      u16:len bytes[len]    a message as the driver would send it
//   1 DRAIN                          the driver empties its ring
//   2 EAGAIN   u8:n                  the device's next n sends that would fit fail with again
//   3 REQUEST  fields                bus: GET_DEVICES/PING/CONNECT/DISCONNECT; host: an AVAIL
//   4 CONTROL  fields                bus: add/remove a device; host: a control request
//   5 POLL                           one more round of the server
//   6 HOSTSIDE u8:n                  host: console input (n bytes) or a resize (EVENT_CONFIG)
//   7 GONE                           the driver's ring vanishes
// Byte 0 bits 7:5 = 5 (device host): the connection negotiated exposures, and op 5 is instead
//   5 EXPOSED  u8:vq u8:head u8:shape u8:fill u16:rd_total u16:wr_total then segments, each
//              u16:len u32:offset      an exposed AVAIL (spec transport "Requests with exposures",
//              "Exposure windows"): shape bits 1:0 readable and 3:2 writable segments, bit 4 the
//              totals from the script (else the segments' sums), bits 6:5 whose handle (the
//              driver's 64 KiB read/write window, its 4 KiB read-only exposure, a handle no one
//              issued); fill, when non-zero, is written at the first segment's offset in the window.
// Bits 7:5 = 6: the same EXPOSED op on a connection that did not negotiate exposures (HMX-VTA-154).
// Built with clang -fsanitize=fuzzer,address,undefined (HMX_BUILD_FUZZERS).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <hmx/abi/constants.h>

#include "hmx/virtio_argo/device/argo_device_host.h"
#include "hmx/virtio_argo/device/blk_device.h"
#include "hmx/virtio_argo/device/bus_server.h"
#include "hmx/virtio_argo/device/console_device.h"
#include "hmx/virtio_argo/loopback.h"
#include "hmx/virtio_argo/protocol_bus.h"
#include "hmx/virtio_argo/protocol_exposed.h"

namespace vta = hmx::virtio_argo;
namespace v = vta::virtio;

namespace {

class Script {
 public:
  Script(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ >= end_; }
  uint64_t take(int bytes) {
    uint64_t r = 0;
    for (int i = 0; i < bytes; ++i) r |= uint64_t{p_ < end_ ? *p_++ : uint8_t{0}} << (8 * i);
    return r;
  }
  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take(2)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> out;
    while (n-- > 0 && !done()) out.push_back(u8());
    return out;  // exact size: ASan sees any over-read
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// What the runs exercised, printed when the fuzzer exits (scripts/test.sh sums them).
struct Counters {
  uint64_t budget_hits = 0, protocol_errors = 0, device_eagain = 0, bus_dropped = 0;
  ~Counters() {
    __builtin_printf("device_fuzz counters: budget_hits=%llu protocol_errors=%llu device_eagain=%llu bus_dropped=%llu\n",
                     static_cast<unsigned long long>(budget_hits), static_cast<unsigned long long>(protocol_errors),
                     static_cast<unsigned long long>(device_eagain), static_cast<unsigned long long>(bus_dropped));
  }
} counters;

[[noreturn]] void violation(const char* what, uint64_t value, uint64_t bound) {
  __builtin_printf("device_fuzz: bound violated: %s (%llu > %llu)\n", what,
                   static_cast<unsigned long long>(value), static_cast<unsigned long long>(bound));
  std::abort();
}

constexpr uint32_t kRingSizes[4] = {256, 4032, 16 * 1024, 1 << 16};
// The device host's budget: what a service fixes per connection at start.
constexpr uint64_t kBudgetBytes = 1u << 20;
constexpr uint32_t kBudgetEntries = 24;

void send_raw(vta::loopback_endpoint& ep, const uint8_t* b, uint32_t n) {
  const vta::chan_iov iov{b, n};
  (void)ep.send(&iov, 1);
}

void drain(vta::loopback_endpoint& ep) {
  static uint8_t rx[1 << 16];
  while (ep.receive(rx, sizeof rx).status == vta::result::ok) {
  }
}

// ---- the bus server ----------------------------------------------------------------------------

void fuzz_bus(Script& s, uint32_t driver_ring) {
  vta::loopback_link link(driver_ring, 1 << 16);
  vta::device::channel_ref<vta::loopback_endpoint> ch(link.device());
  uint32_t connects = 0;
  vta::device::bus_server server(
      ch,
      [&](const vta::bus_connect& c) -> vta::bus_connect_result {
        ++connects;
        if (c.driver_max_message < 64) return {c.dev_num, 0, HMX_EMSGSIZE, 0, 0};
        return {c.dev_num, 0, 0, 0x56540000u + c.dev_num, 4096};
      },
      [](uint16_t) {});
  for (uint16_t n = 1; n <= 3; ++n) server.add(n, v::ID_CONSOLE, 0x00584D48);
  uint8_t b[512];
  uint32_t token = 0;
  for (int steps = 0; !s.done() && steps < 512; ++steps) {
    switch (s.u8() % 8) {
      case 0: {
        const std::vector<uint8_t> m = s.bytes(s.u16() % 1024);
        send_raw(link.driver(), m.data(), static_cast<uint32_t>(m.size()));
        break;
      }
      case 1: drain(link.driver()); break;
      case 2: link.device().inject_eagain(s.u8() % 16); break;
      case 3: {
        uint32_t n = 0;
        const uint8_t kind = s.u8();
        const uint16_t dev = s.u8() % 5;
        switch (kind % 4) {
          case 0: n = vta::encode(b, sizeof b, ++token, vta::bus_get_devices{s.u16(), s.u16()}); break;
          case 1: n = vta::encode_ping(b, sizeof b, ++token, false, s.u32()); break;
          case 2: n = vta::encode(b, sizeof b, ++token, vta::bus_connect{dev, 0, s.u32(), s.u32(), 0}); break;
          default: n = vta::encode_disconnect(b, sizeof b, ++token, false, dev, 0); break;
        }
        // A burst: the same request again and again, as a flooding driver sends it.
        const int repeat = kind >> 4;
        for (int i = 0; i <= repeat; ++i) send_raw(link.driver(), b, n);
        break;
      }
      case 4: {
        const uint16_t dev = s.u8() % 5 + 1;
        if (s.u8() & 1) server.add(dev, v::ID_CONSOLE, 0x00584D48);
        else server.remove(dev);
        break;
      }
      case 5: break;
      case 6: (void)s.u8(); break;
      default: link.kill_driver(); break;
    }
    (void)server.poll();
    if (server.stats().outbox_peak > server.outbox_bound())
      violation("bus outbox", server.stats().outbox_peak, server.outbox_bound());
  }
  counters.bus_dropped += server.stats().dropped;
  counters.device_eagain += link.device().stats().eagain;
}

// ---- a device host (the per-connection server of a virtio service) -----------------------------

// virtio-blk on a small scratch file, created once per process.
std::unique_ptr<vta::device::blk_device> open_blk() {
  static const std::string path = [] {
    char name[] = "/tmp/hmx-device-fuzz-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0 || ftruncate(fd, 64 * 1024) != 0) std::abort();
    close(fd);
    return std::string(name);
  }();
  vta::result error;
  auto dev = vta::device::blk_device::open({path, 0, false, 2, 64, "fuzz"}, error);
  if (!dev) std::abort();
  return dev;
}

constexpr uint32_t kWindowBytes = 1 << 16;
constexpr uint32_t kReadOnlyBytes = 4096;

struct Host {
  Host(uint32_t driver_ring, bool blk, bool exposures)
      : link(driver_ring, 1 << 16),
        dev(blk ? std::unique_ptr<vta::device::virtio_device>(open_blk())
                : std::make_unique<vta::device::console_device>()),
        con(blk ? nullptr : static_cast<vta::device::console_device*>(dev.get())),
        ch(link.device()),
        host(*dev, ch, make_options(exposures)) {
    window.assign(kWindowBytes, 0);
    read_only.assign(kReadOnlyBytes, 0);
    // The driver's exposure window (HMX-VTA-166) and a piece the device may only read.
    window_handle = link.driver().expose(window.data(), kWindowBytes, HMX_EXPOSE_READ | HMX_EXPOSE_WRITE,
                                         vta::VTA_EXPOSURE_WINDOW_USES).handle;
    read_only_handle = link.driver().expose(read_only.data(), kReadOnlyBytes, HMX_EXPOSE_READ,
                                            vta::VTA_EXPOSURE_WINDOW_USES).handle;
  }
  static vta::device::argo_host_options make_options(bool exposures) {
    vta::device::argo_host_options o;
    o.exposures = exposures;
    o.dev_num = 1;
    o.limits = {64, (1u << 20) + 4096};
    o.rx_capacity = (1 << 16) - 32;
    o.budget_bytes = kBudgetBytes;
    o.budget_entries = kBudgetEntries;
    return o;
  }
  void send(uint32_t n) { send_raw(link.driver(), b, n); }
  vta::msg_header h(uint8_t id) { return {0, id, 1, ++token, 0}; }
  void status(uint8_t st) { send(vta::encode_u32(b, sizeof b, h(vta::VTA_MSG_SET_DEVICE_STATUS), st)); }
  void init() {
    status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER);
    const uint32_t w[2] = {0, 1};  // VERSION_1
    send(vta::encode(b, sizeof b, h(vta::VTA_MSG_SET_DRIVER_FEATURES), vta::features_block{0, 2}, w));
    status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK);
    for (uint32_t q = 0; q < 2; ++q) send(vta::encode(b, sizeof b, h(vta::VTA_MSG_SET_VQUEUE), vta::set_vqueue{q, 64, 0, 0}));
    status(v::STATUS_ACKNOWLEDGE | v::STATUS_DRIVER | v::STATUS_FEATURES_OK | v::STATUS_DRIVER_OK);
  }
  void check() {
    if (host.outbox_size() > host.outbox_bound()) violation("device outbox", host.outbox_size(), host.outbox_bound());
    if (host.bytes_held() > kBudgetBytes) violation("bytes held", host.bytes_held(), kBudgetBytes);
    if (host.in_flight_total() > kBudgetEntries) violation("requests held", host.in_flight_total(), kBudgetEntries);
  }

  vta::loopback_link link;
  std::unique_ptr<vta::device::virtio_device> dev;
  vta::device::console_device* con;  // nullptr for virtio-blk
  vta::device::channel_ref<vta::loopback_endpoint> ch;
  vta::device::argo_device_host host;
  uint8_t b[1024];
  uint32_t token = 0;
  std::vector<uint8_t> window, read_only;
  uint64_t window_handle = 0, read_only_handle = 0;
};

// An exposed AVAIL as a (possibly hostile) driver writes it: the device fetches the readable
// segments from the exposures and deposits the written bytes at the writable segments' offsets.
void exposed_avail(Script& s, Host& x) {
  const uint16_t vq = s.u8() % 3;
  const uint16_t head = s.u8() % 64;
  const uint8_t shape = s.u8();
  const uint8_t fill = s.u8();
  uint32_t rd_total = s.u16(), wr_total = s.u16();
  const uint32_t rd = shape & 3, count = rd + ((shape >> 2) & 3);
  const uint64_t handles[4] = {x.window_handle, x.read_only_handle, x.window_handle + 0x1000, x.window_handle};
  const uint64_t handle = handles[(shape >> 5) & 3];
  vta::exposure_segment seg[6];
  uint32_t sums[2] = {0, 0};
  for (uint32_t i = 0; i < count; ++i) {
    seg[i] = {handle, s.u16(), s.u32()};
    sums[i < rd] += seg[i].len;
  }
  if ((shape & 16) == 0) {
    rd_total = sums[1];
    wr_total = sums[0];
  }
  if (fill != 0 && count != 0 && seg[0].offset < kWindowBytes) x.window[seg[0].offset] = fill;
  uint8_t m[vta::VTA_AVAIL_PREFIX + 6 * vta::VTA_EXPOSURE_SEGMENT_SIZE];
  uint8_t(&prefix)[vta::VTA_AVAIL_PREFIX] = *reinterpret_cast<uint8_t(*)[vta::VTA_AVAIL_PREFIX]>(m);
  vta::encode_exposed_avail_prefix(prefix, 1, ++x.token, vq, head, rd_total, wr_total, count);
  for (uint32_t i = 0; i < count; ++i)
    vta::encode_exposure_segment(
        *reinterpret_cast<uint8_t(*)[vta::VTA_EXPOSURE_SEGMENT_SIZE]>(m + vta::VTA_AVAIL_PREFIX +
                                                                      i * vta::VTA_EXPOSURE_SEGMENT_SIZE),
        seg[i]);
  send_raw(x.link.driver(), m, vta::VTA_AVAIL_PREFIX + count * vta::VTA_EXPOSURE_SEGMENT_SIZE);
}

void fuzz_host(Script& s, uint32_t driver_ring, bool init, bool blk, int exposure_mode) {
  Host x(driver_ring, blk, exposure_mode == 5);
  if (init) x.init();
  (void)x.host.poll();
  x.check();
  for (int steps = 0; !s.done() && steps < 512; ++steps) {
    switch (s.u8() % 8) {
      case 0: {
        const std::vector<uint8_t> m = s.bytes(s.u16() % 2048);
        send_raw(x.link.driver(), m.data(), static_cast<uint32_t>(m.size()));
        break;
      }
      case 1: drain(x.link.driver()); break;
      case 2: x.link.device().inject_eagain(s.u8() % 16); break;
      case 3: {
        // An AVAIL: one fragment carrying `n` readable bytes at `offset`, repeated `burst` times
        // with consecutive heads (a driver filling its queue while never draining its ring).
        const uint8_t vq = s.u8() % 3;
        const uint8_t head = s.u8();
        const uint32_t readable = s.u16();
        const uint32_t writable = s.u32() % ((2u << 20) + 8192);
        const uint32_t offset = s.u16() % (readable + 1);
        const uint32_t n = std::min<uint32_t>(s.u16() % 1024, readable - offset);
        const int burst = s.u8() % 65;
        uint8_t p[vta::VTA_AVAIL_PREFIX];
        for (int i = 0; i <= burst; ++i) {
          vta::encode_avail_prefix(p, 1, ++x.token,
                                   {vq, static_cast<uint16_t>((head + i) % 64), 0, readable, writable, offset, 0}, n);
          std::vector<uint8_t> m(p, p + sizeof p);
          m.resize(m.size() + n, 'x');
          send_raw(x.link.driver(), m.data(), static_cast<uint32_t>(m.size()));
          if ((i & 7) == 7) (void)x.host.poll();
        }
        break;
      }
      case 4: {
        const uint8_t kind = s.u8();
        uint32_t n = 0;
        switch (kind % 10) {
          case 0: n = vta::encode_u32(x.b, sizeof x.b, x.h(vta::VTA_MSG_SET_DEVICE_STATUS), s.u8()); break;
          case 1: n = vta::encode(x.b, sizeof x.b, x.h(vta::VTA_MSG_GET_CONFIG), vta::config_request{s.u8(), s.u8()}); break;
          case 2: n = vta::encode_u32(x.b, sizeof x.b, x.h(vta::VTA_MSG_GET_DEVICE_FEATURES), s.u8() % 3); break;
          case 3: n = vta::encode_u32(x.b, sizeof x.b, x.h(vta::VTA_MSG_GET_VQUEUE), s.u8() % 3); break;
          case 4: n = vta::encode(x.b, sizeof x.b, x.h(vta::VTA_MSG_SET_VQUEUE), vta::set_vqueue{s.u8() % 3u, 1u << (s.u8() % 8), 0, 0}); break;
          case 5: n = vta::encode_u32(x.b, sizeof x.b, x.h(vta::VTA_MSG_RESET_VQUEUE), s.u8() % 3); break;
          case 6: n = vta::encode_empty(x.b, sizeof x.b, x.h(vta::VTA_MSG_GET_DEVICE_STATUS)); break;
          case 7: n = vta::encode_empty(x.b, sizeof x.b, x.h(vta::VTA_MSG_GET_DEVICE_INFO)); break;
          case 8: {
            // SET_CONFIG of `len` bytes at `offset` in the generation the driver believes in.
            const vta::config_data cd{s.u8(), s.u8(), s.u8() % 16u};
            const uint8_t data[16] = {s.u8(), s.u8(), s.u8(), s.u8()};
            n = vta::encode(x.b, sizeof x.b, x.h(vta::VTA_MSG_SET_CONFIG), cd, data);
            break;
          }
          default: {
            // SET_DRIVER_FEATURES of two blocks: VERSION_1 and whatever the script offers.
            const uint32_t words[2] = {s.u32(), s.u32()};
            n = vta::encode(x.b, sizeof x.b, x.h(vta::VTA_MSG_SET_DRIVER_FEATURES), vta::features_block{0, 2}, words);
            break;
          }
        }
        // A flood of control requests without waiting for the answers (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061).
        const int repeat = kind >> 5;
        for (int i = 0; i <= repeat; ++i) x.send(n);
        break;
      }
      case 5:
        if (exposure_mode != 0) exposed_avail(s, x);
        break;
      case 6: {
        const uint8_t n = s.u8();
        if (x.con == nullptr) break;
        if (n & 1) x.con->set_size(n, static_cast<uint16_t>(n * 3));
        else x.con->input(std::string(n, 'i'));
        break;
      }
      default: x.link.kill_driver(); break;
    }
    (void)x.host.poll();
    x.check();
  }
  counters.budget_hits += x.host.stats().budget_hits;
  counters.protocol_errors += x.host.stats().protocol_errors;
  counters.device_eagain += x.host.stats().eagain;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Script s(data + 1, size - 1);
  const uint32_t ring = kRingSizes[(data[0] >> 1) & 3];
  const int mode = data[0] >> 5;
  if (data[0] & 1) fuzz_host(s, ring, (data[0] & 8) == 0, (data[0] & 16) != 0, mode == 5 || mode == 6 ? mode : 0);
  else fuzz_bus(s, ring);
  return 0;
}
