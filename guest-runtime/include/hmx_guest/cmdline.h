/* SPDX-License-Identifier: MIT */
// The guest command line that hmx-kvm writes into the PVH start_info (adapters/kvm/README.md
// "Guest command line"):
//
//   cpus=N domid=D name=NAME domains=alpha:1,beta:2,... [user words from --domain ...,arg=TEXT]
//
// Words are separated by spaces; a word KEY=VALUE is looked up by KEY. Header-only and
// freestanding (CPL3 code of guest images; no allocation): values are copied into caller buffers.
#ifndef HMX_GUEST_CMDLINE_H
#define HMX_GUEST_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#include "hmx_guest/pvh.h"

namespace hmx_guest {

// The start_info command line ("" without one). Guest memory is identity mapped.
inline const char* cmdline_text(const hmx_pvh_start_info& si) {
  return si.cmdline_paddr != 0 ? reinterpret_cast<const char*>(static_cast<uintptr_t>(si.cmdline_paddr)) : "";
}

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
    size_t word_len = static_cast<size_t>(p - word);
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

// The unsigned decimal value of "key=N", or `fallback` when missing or malformed.
inline uint32_t cmdline_uint(const char* line, const char* key, uint32_t fallback) {
  char buf[16];
  if (!cmdline_value(line, key, buf, sizeof buf) || buf[0] == '\0') return fallback;
  uint32_t v = 0;
  for (const char* c = buf; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return fallback;
    v = v * 10 + static_cast<uint32_t>(*c - '0');
  }
  return v;
}

// The HMX domain id hmx-kvm gave domain `name`, from "domains=alpha:1,beta:2"; -1 if not listed.
inline int32_t cmdline_domain_id(const char* line, const char* name) {
  char list[1024];
  if (!cmdline_value(line, "domains", list, sizeof list)) return -1;
  const char* p = list;
  while (*p != '\0') {
    const char* entry = p;
    while (*p != '\0' && *p != ',') ++p;
    const char* colon = entry;
    while (colon < p && *colon != ':') ++colon;
    bool same = colon < p;
    const char* n = name;
    for (const char* c = entry; same && c < colon; ++c, ++n) same = *n == *c;
    if (same && *n == '\0') {
      int32_t id = 0;
      if (colon + 1 == p) return -1;
      for (const char* c = colon + 1; c < p; ++c) {
        if (*c < '0' || *c > '9') return -1;
        id = id * 10 + (*c - '0');
      }
      return id;
    }
    if (*p == ',') ++p;
  }
  return -1;
}

}  // namespace hmx_guest

#endif
