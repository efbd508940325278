/* SPDX-License-Identifier: Apache-2.0 */
// A writer-preferring reader/writer lock (internal): the domain table lock, L1 in LOCKING.md.
#pragma once

#include <pthread.h>

namespace hmx::ref {

// Every operation holds L1 shared for its whole duration (like Argo's R(L1), Xen argo.c locking), so
// under a steady stream of overlapping calls a reader-preferring lock (glibc's default, and
// therefore std::shared_mutex's) would starve create_domain/destroy_domain forever. This one
// queues new readers behind a waiting writer. It is not recursive: a thread never takes L1 twice.
// Meets the SharedMutex requirements, so std::shared_lock / std::unique_lock work with it.
class RwLock {
 public:
  RwLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~RwLock() { pthread_rwlock_destroy(&lock_); }
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&lock_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

}  // namespace hmx::ref
