// SPDX-License-Identifier: Apache-2.0
#include "loopback_support.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace hmx::loopback {

test_policy::test_policy(const std::string& text) {
  std::string error;
  EXPECT_TRUE(policy.load_text(text, &error)) << error;
  auto mu = mu_;
  auto msgs = messages_;
  policy.set_logger([mu, msgs](std::string_view m) {
    std::lock_guard l(*mu);
    msgs->emplace_back(m);
  });
}

std::vector<std::string> test_policy::messages() const {
  std::lock_guard l(*mu_);
  return *messages_;
}

domain::domain(ref::Core& c, ref::DomainId i, std::string n, uint64_t mem_bytes, uint32_t vcpus)
    : core(c),
      id(i),
      name(std::move(n)),
      mem(mem_bytes),
      env(mem.data(), mem.size(), 0, 0x1000) {
  EXPECT_EQ(core.create_domain(id, name, mem, vcpus, notifier), 0) << name;
  alive = true;
}

domain::~domain() { destroy(); }

void domain::destroy() {
  if (alive) (void)core.destroy_domain(id);
  alive = false;
}

unsigned char* domain::pages(size_t n) {
  auto* p = static_cast<unsigned char*>(env.alloc_pages(n));
  EXPECT_NE(p, nullptr) << "domain " << name << " is out of arena pages";
  return p;
}

ring::ring(domain& d, uint32_t aport, uint16_t partner, uint32_t len) {
  reg.memory = d.pages(static_cast<size_t>(ring_npages(len)));
  reg.len = len;
  reg.aport = aport;
  reg.partner_id = partner;
  ring_reader::prepare(reg.memory);
  reader = ring_reader(reg.memory, len);
}

std::optional<std::string> receive(ring_reader& r, message_view* info) {
  const result<message_view> m = r.peek();
  if (m.error() == errc::again) return std::nullopt;
  if (!m.ok()) return std::string("!") + m.error().name();
  std::string out(m->size, '\0');
  m->copy_to(out.data());
  if (info != nullptr) *info = *m;
  const status s = r.consume(*m);
  if (!s.ok()) return std::string("!consume ") + s.name();
  return out;
}

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

aliased_memory::aliased_memory(size_t pages, size_t identity_pages)
    : pages_(pages), identity_(identity_pages) {
  fd_ = memfd_create("hmx-aliased", 0);
  EXPECT_GE(fd_, 0);
  EXPECT_EQ(ftruncate(fd_, static_cast<off_t>(size())), 0);
  void* p = mmap(nullptr, size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  EXPECT_NE(p, MAP_FAILED);
  phys_ = static_cast<std::byte*>(p);
  void* v = mmap(nullptr, size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_NE(v, MAP_FAILED);
  virt_ = static_cast<unsigned char*>(v);
  for (size_t i = 0; i < pages_; ++i) {
    void* q = mmap(virt_ + i * 4096, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd_,
                   static_cast<off_t>(page_of(i) * 4096));
    EXPECT_EQ(q, virt_ + i * 4096);
  }
}

aliased_memory::~aliased_memory() {
  munmap(virt_, size());
  munmap(phys_, size());
  close(fd_);
}

std::span<std::byte> aliased_memory::map(uint64_t gpa, uint64_t len) {
  if (len == 0 || gpa > size() || len > size() - gpa) return {};
  return {phys_ + gpa, static_cast<size_t>(len)};
}

uint64_t aliased_memory::env_t::to_gpa(const void* p) const noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  if (b < m->virt_ || b >= m->virt_ + m->size()) return invalid_gpa;
  const size_t off = static_cast<size_t>(b - m->virt_);
  return m->page_of(off / 4096) * 4096 + off % 4096;
}

aliased_memory::env_t aliased_memory::env() {
  env_t e{this, {}};
  // GPA 0 stays unused; the arena covers the identity part from page 1.
  e.arena.reset(virt_ + 4096, (identity_ - 1) * 4096);
  return e;
}

}  // namespace hmx::loopback
