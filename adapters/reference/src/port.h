/* SPDX-License-Identifier: Apache-2.0 */
// The containers, pointers and locks the core is written with (internal).
//
// Hosted (the default) they are the C++ library's: an allocation that fails throws
// std::bad_alloc, which run_op turns into ENOMEM. Portable (HMX_REFERENCE_PORTABLE, what a
// bare-metal monitor builds freestanding) they are port_portable.h's: memory from the Platform
// (platform.h), spin locks, no exceptions, and every growth returns false when memory is out.
// Code that grows a container calls the free functions below and returns ENOMEM on false, so the
// same source serves both builds; in the hosted build they never return false.
#pragma once

#include <cstddef>
#include <utility>

#if HMX_REFERENCE_PORTABLE
#include "port_portable.h"
#else
#include <bitset>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "rwlock.h"

namespace hmx::ref::port {

template <class T>
using vector = std::vector<T>;
template <class K, class V>
using map = std::unordered_map<K, V>;
template <class T>
using shared = std::shared_ptr<T>;
template <class T>
using unique = std::unique_ptr<T>;
template <size_t N>
using bitset = std::bitset<N>;
using string = std::string;
using mutex = std::mutex;
using shared_mutex = std::shared_mutex;
using rwlock = RwLock;
using std::lock_guard;
using std::shared_lock;
using std::unique_lock;

template <class T, class... A>
shared<T> make_shared(A&&... a) {
  return std::make_shared<T>(std::forward<A>(a)...);
}
template <class T, class... A>
unique<T> make_unique(A&&... a) {
  return std::make_unique<T>(std::forward<A>(a)...);
}

// A fixed-size array of default-constructed elements, sized once.
template <class T>
class array {
 public:
  bool create(size_t n) {
    p_.reset(new T[n]);
    return true;
  }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }

 private:
  std::unique_ptr<T[]> p_;
};

template <class V>
bool resize(V& v, size_t n) {
  v.resize(n);
  return true;
}
template <class V>
bool reserve(V& v, size_t n) {
  v.reserve(n);
  return true;
}
template <class V, class T>
bool push_back(V& v, T&& x) {
  v.push_back(std::forward<T>(x));
  return true;
}
template <class V>
bool append(V& dst, const V& src) {
  dst.insert(dst.end(), src.begin(), src.end());
  return true;
}
template <class M, class K, class T>
bool emplace(M& m, K&& k, T&& v) {
  m.emplace(std::forward<K>(k), std::forward<T>(v));
  return true;
}
inline bool assign(string& s, std::string_view v) {
  s.assign(v);
  return true;
}
template <class V, class P>
size_t erase_if(V& v, P pred) {
  return std::erase_if(v, pred);
}

// Never throw: the caller has a way on when memory is out (events.cpp, domain teardown).
template <class V, class T>
bool try_push_back(V& v, T&& x) noexcept {
  try {
    v.push_back(std::forward<T>(x));
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}
template <class V>
bool try_append(V& dst, const V& src) noexcept {
  try {
    dst.insert(dst.end(), src.begin(), src.end());
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace hmx::ref::port
#endif
