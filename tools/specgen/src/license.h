/* SPDX-License-Identifier: Apache-2.0 */
// The licenses of what hmx-specgen writes (LICENSE, "Which license applies where"). Every file it
// generates names its license in its first line; the license of hmx-specgen itself does not carry
// over to its output.
#pragma once

namespace hmx::specgen {

// abi/include/hmx/abi/*.h: included by guests of any license and by Linux drivers.
inline constexpr const char* kAbiHeaderLicense = "MIT OR GPL-2.0-only";
// The AsciiDoc tables: part of the specification text.
inline constexpr const char* kSpecTextLicense = "CC-BY-4.0";

}  // namespace hmx::specgen
