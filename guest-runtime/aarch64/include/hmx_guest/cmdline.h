/* SPDX-License-Identifier: MIT */
// The guest command line (/chosen/bootargs): the words the HMX EL2 monitor writes,
//
//   cpus=N domid=D name=NAME domains=alpha:1,beta:2,... [user words]
//
// (the same words hmx-kvm gives x86-64 guests, adapters/kvm/README.md "Guest command line"), plus
// the runtime's own `uart=0x...` and `semihosting`. Words are separated by spaces; a word
// KEY=VALUE is looked up by KEY. Header-only, freestanding, no allocation.
#ifndef HMX_GUEST_CMDLINE_H
#define HMX_GUEST_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#include "hmx_guest/runtime.h"

namespace hmx_guest {

inline const char* cmdline_text(const start_info& si) { return si.cmdline != nullptr ? si.cmdline : ""; }

// Copies the value of the first word "key=..." into out (NUL-terminated, truncated to size - 1).
// Returns false when no word has that key.
inline bool cmdline_value(const char* line, const char* key, char* out, size_t size) {
  size_t key_len = 0;
  while (key[key_len] != '\0') ++key_len;
  const char* p = line;
  while (*p != '\0') {
    while (*p == ' ') ++p;
    const char* word = p;
    while (*p != '\0' && *p != ' ') ++p;
    const size_t word_len = static_cast<size_t>(p - word);
    bool match = word_len > key_len && word[key_len] == '=';
    for (size_t i = 0; match && i < key_len; ++i) match = word[i] == key[i];
    if (!match) continue;
    size_t n = 0;
    for (const char* v = word + key_len + 1; v < p && n + 1 < size; ++v) out[n++] = *v;
    if (size != 0) out[n] = '\0';
    return true;
  }
  return false;
}

// True when the line has the bare word `word`.
inline bool cmdline_flag(const char* line, const char* word) {
  const char* p = line;
  while (*p != '\0') {
    while (*p == ' ') ++p;
    const char* w = p;
    while (*p != '\0' && *p != ' ') ++p;
    size_t i = 0;
    while (w + i < p && word[i] != '\0' && w[i] == word[i]) ++i;
    if (w + i == p && word[i] == '\0' && p != w) return true;
  }
  return false;
}

// An unsigned number "key=N" (decimal, or hexadecimal with 0x), or `fallback` when missing or
// malformed.
inline uint64_t cmdline_u64(const char* line, const char* key, uint64_t fallback) {
  char buf[24];
  if (!cmdline_value(line, key, buf, sizeof buf) || buf[0] == '\0') return fallback;
  uint64_t v = 0;
  const char* c = buf;
  const bool hex = c[0] == '0' && (c[1] == 'x' || c[1] == 'X');
  if (hex) c += 2;
  if (*c == '\0') return fallback;
  for (; *c != '\0'; ++c) {
    unsigned d;
    if (*c >= '0' && *c <= '9') d = static_cast<unsigned>(*c - '0');
    else if (hex && *c >= 'a' && *c <= 'f') d = static_cast<unsigned>(*c - 'a' + 10);
    else if (hex && *c >= 'A' && *c <= 'F') d = static_cast<unsigned>(*c - 'A' + 10);
    else return fallback;
    v = v * (hex ? 16 : 10) + d;
  }
  return v;
}

inline uint32_t cmdline_uint(const char* line, const char* key, uint32_t fallback) {
  const uint64_t v = cmdline_u64(line, key, fallback);
  return v > 0xffffffffu ? fallback : static_cast<uint32_t>(v);
}

// The HMX domain id of domain `name`, from "domains=alpha:1,beta:2"; -1 if not listed.
inline int32_t cmdline_domain_id(const char* line, const char* name) {
  char list[512];
  if (!cmdline_value(line, "domains", list, sizeof list)) return -1;
  const char* p = list;
  while (*p != '\0') {
    const char* entry = p;
    while (*p != '\0' && *p != ':' && *p != ',') ++p;
    size_t i = 0;
    while (entry + i < p && name[i] != '\0' && entry[i] == name[i]) ++i;
    const bool match = entry + i == p && name[i] == '\0';
    if (*p != ':') return -1;
    ++p;
    int32_t id = 0;
    bool digits = false;
    for (; *p >= '0' && *p <= '9'; ++p, digits = true) id = id * 10 + (*p - '0');
    if (match && digits) return id;
    while (*p != '\0' && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return -1;
}

}  // namespace hmx_guest

#endif
