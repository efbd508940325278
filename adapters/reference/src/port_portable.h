/* SPDX-License-Identifier: Apache-2.0 */
// The portable build's containers, pointers and locks (port.h): memory from the Platform, no
// exceptions, spin locks. Only what the core uses, with the C++ library's names and meaning;
// everything that may allocate returns false (or an empty pointer) when memory is out.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

namespace hmx::ref::port {

// Platform memory (port.cpp). allocate() returns nullptr when the Platform is out of memory or
// the allocation-failure test switch is on.
void* allocate(size_t bytes, size_t align) noexcept;
void deallocate(void* p, size_t bytes, size_t align) noexcept;
void relax() noexcept;
uint64_t now_ns() noexcept;

// ---- vector ------------------------------------------------------------------------------------
template <class T>
class vector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  vector() noexcept = default;
  ~vector() {
    clear();
    if (data_ != nullptr) deallocate(data_, cap_ * sizeof(T), alignof(T));
  }
  vector(const vector&) = delete;
  vector& operator=(const vector&) = delete;
  vector(vector&& o) noexcept { swap(o); }
  vector& operator=(vector&& o) noexcept {
    if (this != &o) {
      vector tmp(std::move(o));
      swap(tmp);
    }
    return *this;
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](size_t i) noexcept { return data_[i]; }
  const T& operator[](size_t i) const noexcept { return data_[i]; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }

  void clear() noexcept {
    for (size_t i = 0; i < size_; ++i) data_[i].~T();
    size_ = 0;
  }
  void swap(vector& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }
  // Removes *it; returns the element that followed it.
  T* erase(T* it) noexcept {
    for (T* p = it; p + 1 < end(); ++p) *p = std::move(p[1]);
    data_[--size_].~T();
    return it;
  }

  bool reserve(size_t n) noexcept {
    if (n <= cap_) return true;
    if (n > SIZE_MAX / sizeof(T)) return false;
    T* fresh = static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
    if (fresh == nullptr) return false;
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(data_[i]));
      data_[i].~T();
    }
    if (data_ != nullptr) deallocate(data_, cap_ * sizeof(T), alignof(T));
    data_ = fresh;
    cap_ = n;
    return true;
  }
  bool resize(size_t n) noexcept {
    if (n > cap_ && !reserve(n)) return false;
    while (size_ > n) data_[--size_].~T();
    while (size_ < n) new (data_ + size_++) T();
    return true;
  }
  template <class U>
  bool push_back(U&& x) noexcept {
    if (size_ == cap_ && !reserve(cap_ == 0 ? 4 : cap_ * 2)) return false;
    new (data_ + size_++) T(std::forward<U>(x));
    return true;
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// ---- map: a small flat map (the core's tables hold at most a few hundred entries) ------------
template <class K, class V>
class map {
 public:
  using value_type = std::pair<K, V>;
  using iterator = value_type*;

  iterator begin() noexcept { return items_.begin(); }
  iterator end() noexcept { return items_.end(); }
  const value_type* begin() const noexcept { return items_.begin(); }
  const value_type* end() const noexcept { return items_.end(); }
  size_t size() const noexcept { return items_.size(); }
  void clear() noexcept { items_.clear(); }
  iterator find(const K& k) noexcept {
    for (auto& it : items_)
      if (it.first == k) return &it;
    return end();
  }
  const value_type* find(const K& k) const noexcept {
    for (const auto& it : items_)
      if (it.first == k) return &it;
    return end();
  }
  iterator erase(iterator it) noexcept { return items_.erase(it); }
  bool reserve(size_t n) noexcept { return items_.reserve(n); }
  template <class KK, class VV>
  bool emplace(KK&& k, VV&& v) noexcept {
    return items_.push_back(value_type(std::forward<KK>(k), std::forward<VV>(v)));
  }

 private:
  vector<value_type> items_;
};

// ---- owning pointers ---------------------------------------------------------------------------
template <class T>
class unique {
 public:
  unique() noexcept = default;
  explicit unique(T* p) noexcept : p_(p) {}
  ~unique() { reset(); }
  unique(const unique&) = delete;
  unique& operator=(const unique&) = delete;
  unique(unique&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  unique& operator=(unique&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      o.p_ = nullptr;
    }
    return *this;
  }
  void reset() noexcept {
    if (p_ != nullptr) {
      p_->~T();
      deallocate(p_, sizeof(T), alignof(T));
      p_ = nullptr;
    }
  }
  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

template <class T, class... A>
unique<T> make_unique(A&&... a) noexcept {
  void* mem = allocate(sizeof(T), alignof(T));
  if (mem == nullptr) return unique<T>();
  return unique<T>(new (mem) T(std::forward<A>(a)...));
}

// Shared ownership with the count beside the object (what std::make_shared does).
template <class T>
class shared {
  struct box {
    template <class... A>
    explicit box(A&&... a) : value(std::forward<A>(a)...) {}
    std::atomic<uint32_t> refs{1};
    T value;
  };

 public:
  shared() noexcept = default;
  shared(std::nullptr_t) noexcept {}
  ~shared() { reset(); }
  shared(const shared& o) noexcept : b_(o.b_) {
    if (b_ != nullptr) b_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  shared(shared&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
  shared& operator=(const shared& o) noexcept {
    shared tmp(o);
    std::swap(b_, tmp.b_);
    return *this;
  }
  shared& operator=(shared&& o) noexcept {
    shared tmp(std::move(o));
    std::swap(b_, tmp.b_);
    return *this;
  }
  void reset() noexcept {
    if (b_ != nullptr && b_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      b_->~box();
      deallocate(b_, sizeof(box), alignof(box));
    }
    b_ = nullptr;
  }
  T* get() const noexcept { return b_ == nullptr ? nullptr : &b_->value; }
  T* operator->() const noexcept { return get(); }
  T& operator*() const noexcept { return *get(); }
  explicit operator bool() const noexcept { return b_ != nullptr; }
  bool operator==(std::nullptr_t) const noexcept { return b_ == nullptr; }

  template <class U, class... A>
  friend shared<U> make_shared(A&&... a) noexcept;

 private:
  box* b_ = nullptr;
};

template <class T, class... A>
shared<T> make_shared(A&&... a) noexcept {
  using box = typename shared<T>::box;
  void* mem = allocate(sizeof(box), alignof(box));
  shared<T> s;
  if (mem != nullptr) s.b_ = new (mem) box(std::forward<A>(a)...);
  return s;
}

// A fixed-size array of default-constructed elements, sized once.
template <class T>
class array {
 public:
  array() noexcept = default;
  ~array() {
    for (size_t i = 0; i < n_; ++i) p_[i].~T();
    if (p_ != nullptr) deallocate(p_, n_ * sizeof(T), alignof(T));
  }
  array(const array&) = delete;
  array& operator=(const array&) = delete;
  bool create(size_t n) noexcept {
    if (p_ != nullptr || n == 0 || n > SIZE_MAX / sizeof(T)) return false;
    p_ = static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
    if (p_ == nullptr) return false;
    for (size_t i = 0; i < n; ++i) new (p_ + i) T();
    n_ = n;
    return true;
  }
  T& operator[](size_t i) noexcept { return p_[i]; }
  const T& operator[](size_t i) const noexcept { return p_[i]; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// ---- string: a domain name, copied once ------------------------------------------------------
class string {
 public:
  string() noexcept = default;
  ~string() {
    if (p_ != nullptr) deallocate(p_, n_ + 1, 1);
  }
  string(const string&) = delete;
  string& operator=(const string&) = delete;
  bool assign(std::string_view v) noexcept {
    char* fresh = static_cast<char*>(allocate(v.size() + 1, 1));
    if (fresh == nullptr) return false;
    for (size_t i = 0; i < v.size(); ++i) fresh[i] = v[i];
    fresh[v.size()] = '\0';
    if (p_ != nullptr) deallocate(p_, n_ + 1, 1);
    p_ = fresh;
    n_ = v.size();
    return true;
  }
  operator std::string_view() const noexcept { return {p_ == nullptr ? "" : p_, n_}; }
  bool empty() const noexcept { return n_ == 0; }
  const char* data() const noexcept { return p_ == nullptr ? "" : p_; }
  size_t size() const noexcept { return n_; }
  bool operator==(std::string_view v) const noexcept { return std::string_view(*this) == v; }

 private:
  char* p_ = nullptr;
  size_t n_ = 0;
};

// ---- bitset ------------------------------------------------------------------------------------
template <size_t N>
class bitset {
 public:
  bool test(size_t i) const noexcept { return i < N && (w_[i / 64] >> (i % 64) & 1) != 0; }
  void set(size_t i) noexcept {
    if (i < N) w_[i / 64] |= uint64_t{1} << (i % 64);
  }
  void reset(size_t i) noexcept {
    if (i < N) w_[i / 64] &= ~(uint64_t{1} << (i % 64));
  }
  void reset() noexcept {
    for (auto& w : w_) w = 0;
  }

 private:
  uint64_t w_[(N + 63) / 64] = {};
};

// ---- locks: spin locks over the Platform's relax() ----------------------------------------------
class mutex {
 public:
  void lock() noexcept {
    while (held_.exchange(true, std::memory_order_acquire))
      while (held_.load(std::memory_order_relaxed)) relax();
  }
  bool try_lock() noexcept { return !held_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { held_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> held_{false};
};

// Writer-preferring: new readers wait while a writer waits (LOCKING.md L1 needs it; see the
// hosted RwLock).
class shared_mutex {
 public:
  void lock() noexcept {
    writers_waiting_.fetch_add(1, std::memory_order_acq_rel);
    uint32_t expect = 0;
    while (!state_.compare_exchange_weak(expect, kWriter, std::memory_order_acquire, std::memory_order_relaxed)) {
      expect = 0;
      relax();
    }
    writers_waiting_.fetch_sub(1, std::memory_order_acq_rel);
  }
  bool try_lock() noexcept {
    uint32_t expect = 0;
    return state_.compare_exchange_strong(expect, kWriter, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() noexcept { state_.store(0, std::memory_order_release); }
  void lock_shared() noexcept {
    for (;;) {
      while (writers_waiting_.load(std::memory_order_acquire) != 0) relax();
      uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & kWriter) == 0 &&
          state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed))
        return;
      relax();
    }
  }
  bool try_lock_shared() noexcept {
    uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & kWriter) == 0 && writers_waiting_.load(std::memory_order_acquire) == 0 &&
           state_.compare_exchange_strong(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock_shared() noexcept { state_.fetch_sub(1, std::memory_order_release); }

 private:
  static constexpr uint32_t kWriter = 1u << 31;
  std::atomic<uint32_t> state_{0};  // readers, or kWriter
  std::atomic<uint32_t> writers_waiting_{0};
};
using rwlock = shared_mutex;

template <class M>
class lock_guard {
 public:
  explicit lock_guard(M& m) noexcept : m_(m) { m_.lock(); }
  ~lock_guard() { m_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  M& m_;
};

template <class M>
class unique_lock {
 public:
  explicit unique_lock(M& m) noexcept : m_(m) { m_.lock(); }
  ~unique_lock() { m_.unlock(); }
  unique_lock(const unique_lock&) = delete;
  unique_lock& operator=(const unique_lock&) = delete;

 private:
  M& m_;
};

template <class M>
class shared_lock {
 public:
  explicit shared_lock(M& m) noexcept : m_(m) { m_.lock_shared(); }
  ~shared_lock() { m_.unlock_shared(); }
  shared_lock(const shared_lock&) = delete;
  shared_lock& operator=(const shared_lock&) = delete;

 private:
  M& m_;
};

// ---- the growth functions of port.h --------------------------------------------------------------
template <class V>
bool resize(V& v, size_t n) noexcept {
  return v.resize(n);
}
template <class V>
bool reserve(V& v, size_t n) noexcept {
  return v.reserve(n);
}
template <class V, class T>
bool push_back(V& v, T&& x) noexcept {
  return v.push_back(std::forward<T>(x));
}
template <class V>
bool append(V& dst, const V& src) noexcept {
  if (!dst.reserve(dst.size() + src.size())) return false;
  for (const auto& x : src) dst.push_back(x);
  return true;
}
template <class M, class K, class T>
bool emplace(M& m, K&& k, T&& v) noexcept {
  return m.emplace(std::forward<K>(k), std::forward<T>(v));
}
inline bool assign(string& s, std::string_view v) noexcept { return s.assign(v); }
template <class V, class P>
size_t erase_if(V& v, P pred) noexcept {
  size_t removed = 0;
  for (auto* it = v.begin(); it != v.end();) {
    if (pred(*it)) {
      it = v.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}
template <class V, class T>
bool try_push_back(V& v, T&& x) noexcept {
  return v.push_back(std::forward<T>(x));
}
template <class V>
bool try_append(V& dst, const V& src) noexcept {
  return append(dst, src);
}

}  // namespace hmx::ref::port
