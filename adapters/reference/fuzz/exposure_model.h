// SPDX-License-Identifier: Apache-2.0
// The core fuzzer's model of exposures (spec exposures, HMX-XPOSE-*): every handle a structured
// EXPOSE step got, whether it is live, its range, access and uses left, and each domain's byte
// accounting. The harness predicts the answer of a well-formed fetch, deposit or revoke from it
// and checks the core against it (core_fuzz.cpp). A domain's life ends its exposures and those
// naming it (HMX-XPOSE-034); its handles stay in the model, dead, so a later incarnation of the
// same id must not accept them (HMX-XPOSE-017).
#pragma once

#include <cstdint>
#include <vector>

#include <hmx/abi/hmx.h>

namespace hmx_fuzz {

struct ModelExposure {
  uint16_t owner = 0;  // domain ids
  uint16_t peer = 0;
  uint64_t handle = 0;
  uint64_t gpa = 0;
  uint32_t len = 0;
  uint32_t uses = 0;  // left
  uint16_t access = 0;
  bool live = false;
};

struct ModelAccounts {
  uint64_t exposes = 0, fetched_from = 0, deposited_into = 0, fetched = 0, deposited = 0;
};

class ExposureModel {
 public:
  static constexpr size_t kMaxRecords = 1024;

  // A handle expose returned: the core must never hand out the value of a live one again.
  bool add(const ModelExposure& e) {
    for (auto& r : records_)
      if (r.owner == e.owner && r.handle == e.handle) {
        if (r.live) return false;
        r = e;  // a dead handle's value, reissued: the caller judges (HMX-XPOSE-017)
        return true;
      }
    // Full: the oldest ended record goes (at most 2 * EXPOSE_MAX_PER_DOMAIN are live).
    if (records_.size() >= kMaxRecords)
      for (auto it = records_.begin(); it != records_.end(); ++it)
        if (!it->live) {
          records_.erase(it);
          break;
        }
    records_.push_back(e);
    return true;
  }
  // The live record of (owner, handle), or nullptr.
  ModelExposure* live(uint16_t owner, uint64_t handle) {
    for (auto& r : records_)
      if (r.live && r.owner == owner && r.handle == handle) return &r;
    return nullptr;
  }
  // Whether (owner, handle) was issued once and has ended since.
  bool ended(uint16_t owner, uint64_t handle) const {
    for (const auto& r : records_)
      if (!r.live && r.owner == owner && r.handle == handle) return true;
    return false;
  }
  uint32_t live_count(uint16_t owner) const {
    uint32_t n = 0;
    for (const auto& r : records_) n += r.live && r.owner == owner;
    return n;
  }
  // A successful copy of `len` bytes: one use consumed (the last ends it, HMX-XPOSE-026) and the
  // bytes counted for both sides (HMX-XPOSE-035).
  void copied(ModelExposure& e, uint32_t len, bool fetch) {
    if (--e.uses == 0) e.live = false;
    (fetch ? accounts(e.owner).fetched_from : accounts(e.owner).deposited_into) += len;
    (fetch ? accounts(e.peer).fetched : accounts(e.peer).deposited) += len;
  }
  // Domain `id` destroyed: its exposures and those naming it end; its accounts start over.
  void destroyed(uint16_t id) {
    for (auto& r : records_)
      if (r.owner == id || r.peer == id) r.live = false;
    accounts(id) = ModelAccounts{};
  }
  ModelAccounts& accounts(uint16_t id) { return accounts_[id % kAccountSlots]; }
  const std::vector<ModelExposure>& records() const { return records_; }

 private:
  static constexpr size_t kAccountSlots = 4;  // d1..d3 (ids 1..3)
  std::vector<ModelExposure> records_;
  ModelAccounts accounts_[kAccountSlots];
};

}  // namespace hmx_fuzz
