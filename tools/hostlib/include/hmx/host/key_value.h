// SPDX-License-Identifier: Apache-2.0
// KEY=VALUE lists, the one syntax every host-side description in this tree uses:
//   - command-line specs, comma-separated after a head: hmx-kvm's
//     `--domain NAME=IMAGE,vcpus=2,arg=role=ping` and `--service NAME=virtio-blk,file=PATH`,
//     `--service NAME=vhost-user-blk,socket=PATH,exec=CMD,WITH,COMMAS`;
//   - console lines, space-separated: `bench: result name=null ops=4000 ...`, and the conformance
//     protocol's `HMXC RESULT t PASS cp=3 reqs=... msg=free text` (conformance/PROTOCOL.md).
// The views point into the text given; they live as long as it does.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace hmx::host {

struct key_value {
  std::string_view item;   // the whole item as written
  std::string_view key;    // up to the first '=' (the whole item when it has none)
  std::string_view value;  // after the first '=': "a=b=c" has key "a", value "b=c"
  bool has_value = false;  // whether the item has a '=' at all (a bare word has none)
};

// Items separated by `separator`. An empty item (two separators in a row, or one at either end)
// is kept when keep_empty is set, so that a strict caller can refuse it; dropped otherwise. An
// item whose key is in rest_keys is the last: its value is the whole rest of the text,
// separators and '=' included (`msg=got EINVAL, want x=1`, `exec=qemu-storage-daemon --a,b`).
std::vector<key_value> split_key_values(std::string_view text, char separator, bool keep_empty = false,
                                        std::initializer_list<std::string_view> rest_keys = {});

// Space-separated items (a console line): runs of spaces separate like one.
inline std::vector<key_value> split_fields(std::string_view text,
                                           std::initializer_list<std::string_view> rest_keys = {}) {
  return split_key_values(text, ' ', false, rest_keys);
}

// The first item of `items` with this key and a value, or nullopt.
std::optional<std::string_view> find_value(const std::vector<key_value>& items, std::string_view key);

// NAME=HEAD[,KEY=VALUE]...: the name before the first '=', the head up to the first ',', then
// the options (empty ones kept, for the caller to refuse; rest_keys as above). nullopt when the
// text has no '='.
struct named_spec {
  std::string_view name;
  std::string_view head;
  std::vector<key_value> options;
};
std::optional<named_spec> split_named_spec(std::string_view text,
                                           std::initializer_list<std::string_view> rest_keys = {});

// A decimal number of at most `max`, digits only (no sign, no spaces, no base prefix).
std::optional<unsigned long long> parse_decimal(std::string_view text,
                                                unsigned long long max = ~0ull);

}  // namespace hmx::host
