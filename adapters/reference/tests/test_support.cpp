// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <atomic>

namespace hmx::ref::test {

Guest::Guest(Core& c, DomainId domain, std::string domain_name, uint64_t mem_size, uint32_t vcpus)
    : core(c), id(domain), name(std::move(domain_name)), mem(mem_size) {
  EXPECT_EQ(core.create_domain(id, name, mem, vcpus, notifier), 0);
  call_block_ = alloc(sizeof(hmx_call_block_t), 64);
}

Guest::~Guest() { core.destroy_domain(id); }

uint64_t Guest::alloc(uint64_t size, uint64_t align) {
  std::lock_guard lock(alloc_mu_);
  next_ = (next_ + align - 1) & ~(align - 1);
  const uint64_t gpa = next_;
  next_ += size;
  if (next_ > mem.size()) {
    ADD_FAILURE() << "guest " << name << " out of memory";
    return 0;
  }
  return gpa;
}

uint64_t Guest::put_bytes(std::span<const std::byte> bytes, uint64_t align) {
  const uint64_t gpa = alloc(bytes.size() == 0 ? 1 : bytes.size(), align);
  if (!bytes.empty()) std::memcpy(host(gpa), bytes.data(), bytes.size());
  return gpa;
}

int64_t Guest::call(uint32_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint32_t vcpu) {
  // One call block per call, so concurrent vCPU threads of a guest do not share one.
  const uint64_t gpa = alloc(sizeof(hmx_call_block_t), HMX_CALL_BLOCK_ALIGN);
  hmx_call_block_t block{};
  block.op = op;
  block.arg[0] = a1;
  block.arg[1] = a2;
  block.arg[2] = a3;
  block.arg[3] = a4;
  block.result = 0x5A5A5A5A;
  std::memcpy(host(gpa), &block, sizeof(block));
  const int64_t rc = core.call(id, vcpu, gpa);
  int64_t written;
  std::memcpy(&written, host(gpa) + offsetof(hmx_call_block_t, result), sizeof(written));
  EXPECT_EQ(written, rc) << "result field differs from the return value";
  return rc;
}

int64_t Guest::register_ring(GuestRing& ring, uint32_t aport, DomainId partner, uint32_t len,
                             uint32_t flags, bool scatter) {
  ring.aport = aport;
  ring.partner = partner;
  ring.len = len;
  const uint64_t npages = (((uint64_t{len} + 15) & ~uint64_t{15}) + 64 + 4095) / 4096;
  ring.frames.clear();
  if (scatter) {
    // Descending, with a gap page between frames: nothing contiguous.
    const uint64_t base = alloc(npages * 2 * 4096, 4096);
    for (uint64_t i = 0; i < npages; ++i) ring.frames.push_back(base + (npages - 1 - i) * 2 * 4096);
  } else {
    const uint64_t base = alloc(npages * 4096, 4096);
    for (uint64_t i = 0; i < npages; ++i) ring.frames.push_back(base + i * 4096);
  }
  std::vector<uint64_t> gfns;
  for (uint64_t f : ring.frames) gfns.push_back(f >> 12);
  ring.gfn_list = put_bytes(std::as_bytes(std::span(gfns)), 8);
  hmx_register_ring_t reg{aport, partner, 0, len};
  const uint64_t reg_gpa = put(reg);
  return call(HMX_OP_REGISTER_RING, reg_gpa, ring.gfn_list, npages, flags);
}

int64_t Guest::reregister(const GuestRing& ring, uint32_t flags) {
  hmx_register_ring_t reg{ring.aport, ring.partner, 0, ring.len};
  const uint64_t reg_gpa = put(reg);
  return call(HMX_OP_REGISTER_RING, reg_gpa, ring.gfn_list, ring.frames.size(), flags);
}

int64_t Guest::unregister_ring(uint32_t aport, DomainId partner) {
  hmx_unregister_ring_t unreg{aport, partner, 0};
  return call(HMX_OP_UNREGISTER_RING, put(unreg));
}

int64_t Guest::send(DomainId dst, uint32_t aport, const std::vector<std::string>& parts,
                    uint32_t message_type, uint32_t src_aport, uint32_t vcpu) {
  std::vector<hmx_iov_t> iovs;
  for (const std::string& p : parts) {
    iovs.push_back({p.empty() ? 0 : put_string(p), static_cast<uint32_t>(p.size()), 0});
  }
  hmx_send_addr_t addr{};
  addr.src = {src_aport, HMX_DOMID_ANY, 0};
  addr.dst = {aport, dst, 0};
  const uint64_t iov_gpa = iovs.empty() ? 0 : put_bytes(std::as_bytes(std::span(iovs)), 16);
  return call(HMX_OP_SENDV, put(addr), iov_gpa, iovs.size(), message_type, vcpu);
}

int64_t Guest::send_bytes(DomainId dst, uint32_t aport, std::span<const std::byte> bytes,
                          uint32_t message_type, uint32_t vcpu) {
  hmx_iov_t iov{put_bytes(bytes), static_cast<uint32_t>(bytes.size()), 0};
  hmx_send_addr_t addr{};
  addr.src = {0, id, 0};
  addr.dst = {aport, dst, 0};
  return call(HMX_OP_SENDV, put(addr), put(iov), 1, message_type, vcpu);
}

int64_t Guest::notify(const std::vector<hmx_ring_data_ent_t>& in,
                      std::vector<hmx_ring_data_ent_t>* out, uint32_t vcpu) {
  const uint64_t gpa = alloc(8 + in.size() * sizeof(hmx_ring_data_ent_t), 8);
  auto* head = at<hmx_ring_data_t>(gpa);
  head->nent = static_cast<uint32_t>(in.size());
  head->pad = 0;
  if (!in.empty()) std::memcpy(host(gpa + 8), in.data(), in.size() * sizeof(hmx_ring_data_ent_t));
  const int64_t rc = call(HMX_OP_NOTIFY, gpa, 0, 0, 0, vcpu);
  if (out != nullptr) {
    out->resize(in.size());
    if (!in.empty()) std::memcpy(out->data(), host(gpa + 8), in.size() * sizeof(hmx_ring_data_ent_t));
  }
  return rc;
}

uint32_t Guest::rx(const GuestRing& r) {
  return std::atomic_ref<uint32_t>(at<hmx_ring_t>(r.frames[0])->rx_ptr).load(std::memory_order_acquire);
}
uint32_t Guest::tx(const GuestRing& r) {
  return std::atomic_ref<uint32_t>(at<hmx_ring_t>(r.frames[0])->tx_ptr).load(std::memory_order_acquire);
}
void Guest::set_rx(const GuestRing& r, uint32_t value) {
  std::atomic_ref<uint32_t>(at<hmx_ring_t>(r.frames[0])->rx_ptr).store(value, std::memory_order_release);
}
void Guest::set_tx(const GuestRing& r, uint32_t value) {
  std::atomic_ref<uint32_t>(at<hmx_ring_t>(r.frames[0])->tx_ptr).store(value, std::memory_order_release);
}
uint32_t Guest::event_index(const GuestRing& r) {
  return std::atomic_ref<uint32_t>(at<hmx_ring_t>(r.frames[0])->event_index).load(std::memory_order_acquire);
}

void Guest::read_ring(const GuestRing& r, uint32_t offset, void* out, size_t n) {
  auto* dst = static_cast<std::byte*>(out);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t abs = 64 + (uint64_t{offset} + i) % r.len;
    dst[i] = *host(r.frames[abs / 4096] + abs % 4096);
  }
}

std::optional<Message> Guest::receive(const GuestRing& r) {
  const uint32_t t = tx(r);
  const uint32_t x = rx(r);
  if (t == x) return std::nullopt;
  hmx_ring_message_header_t h;
  read_ring(r, x, &h, sizeof(h));
  Message m;
  m.len = h.len;
  m.aport = h.source.aport;
  m.source = h.source.domain_id;
  m.pad = h.source.pad;
  m.message_type = h.message_type;
  if (h.len < 16 || h.len > r.len) {
    ADD_FAILURE() << "corrupt header len " << h.len;
    return std::nullopt;
  }
  m.payload.resize(h.len - 16);
  read_ring(r, (x + 16) % r.len, m.payload.data(), m.payload.size());
  set_rx(r, static_cast<uint32_t>((x + ((uint64_t{h.len} + 15) & ~uint64_t{15})) % r.len));
  return m;
}

uint64_t Guest::enable_event_page() {
  event_page_gpa = alloc(4096, 4096);
  EXPECT_EQ(call(HMX_OP_SET_EVENT_PAGE, event_page_gpa | 1), 0);
  return event_page_gpa;
}

uint64_t Guest::ring_pending(size_t word) {
  return std::atomic_ref<uint64_t>(at<hmx_event_page_t>(event_page_gpa)->ring_pending[word]).load();
}

uint64_t Guest::event_status() {
  return std::atomic_ref<uint64_t>(at<hmx_event_page_t>(event_page_gpa)->status).load();
}

std::string to_string(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

hmx_ring_data_ent_t ent(DomainId dom, uint32_t aport, uint32_t space_required) {
  hmx_ring_data_ent_t e{};
  e.ring = {aport, dom, 0};
  e.space_required = space_required;
  e.flags = 0xFFFF;  // out field: must be overwritten
  e.max_message_size = 0xFFFFFFFF;
  return e;
}

std::vector<std::byte> pattern(size_t n, uint32_t seed) {
  std::vector<std::byte> out(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<std::byte>(x >> 24);
  }
  return out;
}

TestPolicy::TestPolicy() : TestPolicy(kAllowAll) {}

TestPolicy::TestPolicy(const std::string& text)
    : messages_(std::make_shared<std::vector<std::string>>()), mu_(std::make_shared<std::mutex>()) {
  std::string error;
  EXPECT_TRUE(load_text(text, &error)) << error;
  set_logger([messages = messages_, mu = mu_](std::string_view m) {
    std::lock_guard lock(*mu);
    messages->emplace_back(m);
  });
}

std::vector<std::string> TestPolicy::messages() const {
  std::lock_guard lock(*mu_);
  return *messages_;
}

}  // namespace hmx::ref::test
