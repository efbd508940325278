/* SPDX-License-Identifier: Apache-2.0 */
// The monitor's console: the physical PL011, whole lines under one lock so that lines of
// different CPUs never interleave. Every line is prefixed "[NAME] " like hmx-kvm's output
// (adapters/kvm/README.md), which is what hmx-conformance parses.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hmx_freestanding/format.h>

namespace hmx::arm {

// The formatter every freestanding image shares (guest-runtime/freestanding).
using hmx::freestanding::snprintf;
using hmx::freestanding::vsnprintf;

// One line "[prefix] text\n"; `text` has no newline (a partial line of a guest).
void console_line(const char* prefix, const char* text, size_t len);
// printf into one or more lines with the prefix (split at '\n').
void console_printf(const char* prefix, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Without taking the console lock: for the monitor's own fatal errors.
void console_emergency(const char* text);

}  // namespace hmx::arm
