// What one domain is made of, and the command-line form that describes it:
//   NAME=IMAGE[,vcpus=N][,mem=SIZE]      SIZE: number with optional K/M/G suffix, MiB if none
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hmx::kvm {

inline constexpr unsigned kDefaultVcpus = 2;
inline constexpr unsigned kMaxVcpus = 64;
inline constexpr uint64_t kDefaultMemory = 64ull << 20;
inline constexpr uint64_t kMinMemory = 8ull << 20;
// Guest RAM stays below 3 GiB: the 4th GiB holds the LAPIC/IOAPIC and KVM's TSS pages, and
// unbacked addresses there must stay unbacked.
inline constexpr uint64_t kMaxMemory = 3ull << 30;

struct domain_config {
  std::string name;
  std::string image;
  unsigned vcpus = kDefaultVcpus;
  uint64_t memory = kDefaultMemory;
};

// Throws std::invalid_argument with a message naming the bad part.
domain_config parse_domain_spec(std::string_view spec);

}  // namespace hmx::kvm
