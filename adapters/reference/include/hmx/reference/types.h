/* SPDX-License-Identifier: Apache-2.0 */
// Basic types shared by the reference core's public headers.
#pragma once

#include <cstdint>

namespace hmx::ref {

// A domain id as it appears in the ABI (hmx_addr_t.domain_id, a Xen domid_t). Ids at or above
// HMX_DOMID_SELF_ASSIGNED_LIMIT (0x7FF0) are reserved and never name a domain.
using DomainId = uint16_t;

}  // namespace hmx::ref
