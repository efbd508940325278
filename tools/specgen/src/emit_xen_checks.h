/* SPDX-License-Identifier: Apache-2.0 */
// The (HMX, Xen) pairs of the data as X-macro invocations for the abi.xen test, so that a new
// xen_name in the data is checked without touching the test:
//   HMX_XEN_STRUCT(hmx_t, xen_t)                    sizeof and alignof equal
//   HMX_XEN_FIELD(hmx_t, field, xen_t, xen_field)   offsetof and member size equal
//   HMX_XEN_FIELD_AT(hmx_t, field, xen_t, xen_field) offsetof equal (a renamed field: HMX uses
//                                                   part of a Xen reserved area, sizes differ)
//   HMX_XEN_FLEX(hmx_t, field, xen_t, xen_field)    offsetof equal (a flexible array has no size)
//   HMX_XEN_CONST(HMX_NAME, XEN_NAME)               values equal (constants and op numbers)
// A field whose xen_name is "-" has no Xen counterpart (it lies inside a Xen reserved area).
#pragma once

#include <string>

#include "hmx.pb.h"

namespace hmx::specgen {

std::string emit_xen_checks(const hmx::spec::Spec& spec);

}  // namespace hmx::specgen
