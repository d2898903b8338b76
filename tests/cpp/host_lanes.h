// A world's lanes emulated by host threads, so that the CPU tests run the code the GPU runs with
// several threads per world: the small-batch stages' lanes (engine/lanes.h, HostLanes) and the
// warp solver's (engine/warp_solve.h, HostSolverLanes). Each lane is a thread, sync() a barrier
// of the world's threads, and the collectives (any, sum, rank, shfl, ballot) exchange values
// through the group. A lane that stops while others wait at a barrier (their calls do not pair
// up, which on the GPU is undefined), or a barrier that waits over a minute, breaks the group:
// every later barrier returns at once and run() reports it.
// Memory: sync() orders it, as __syncwarp does; a collective, like a warp shuffle, does not. Its
// barriers are hidden from ThreadSanitizer, so the tests built with it report a lane reading
// another lane's write that no sync() separates: a race on the GPU.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

// ThreadSanitizer's annotations (defined only in a build with it): synchronisation between the
// two calls creates no happens-before edge.
extern "C" void AnnotateIgnoreSyncBegin(const char* file, int line) __attribute__((weak));
extern "C" void AnnotateIgnoreSyncEnd(const char* file, int line) __attribute__((weak));

namespace lockstep::test {

class LaneGroup;

struct HostLanes {
  static constexpr bool kSerial = false;
  int sub;
  int count;
  LaneGroup* group;

  void sync() const;
  bool any(bool v) const;
  int sum(int v) const;
  int rank(bool v, int* total) const;
  bool runs(int k) const { return (k & (count - 1)) == sub; }
};

// The warp solver's lanes (engine/warp_solve.h) over a group of G host threads: shfl, the
// butterfly sum (the same additions as __shfl_xor_sync's), ballot and sync.
template <int G>
struct HostSolverLanes {
  static constexpr int kLanes = G;
  static constexpr int kShift = G == 32 ? 5 : 4;
  int lane;
  LaneGroup* group;

  template <class T>
  T shfl(T v, int src) const;
  float sum(float x) const {
    for (int offset = G / 2; offset > 0; offset >>= 1) x += shfl_xor(x, offset);
    return x;
  }
  unsigned ballot(bool p) const;
  void sync() const;

 private:
  float shfl_xor(float v, int offset) const;
};

class LaneGroup {
 public:
  explicit LaneGroup(int count) : count_(count), slots_(count) {}

  // body(lanes) on `count` threads, one per lane. False if the lanes' sync() calls did not pair.
  template <class F>
  bool run(F body) {
    broken_ = false;
    arrived_ = 0;
    left_ = 0;
    std::vector<std::thread> threads;
    for (int sub = 0; sub < count_; ++sub)
      threads.emplace_back([this, sub, &body] {
        body(HostLanes{sub, count_, this});
        leave();
      });
    for (std::thread& t : threads) t.join();
    return !broken_;
  }

 private:
  friend struct HostLanes;

  void barrier() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (broken_) return;
    if (left_ > 0) return break_group();
    if (++arrived_ == count_) {
      arrived_ = 0;
      ++generation_;
      passed_.notify_all();
      return;
    }
    const long generation = generation_;
    if (!passed_.wait_for(lock, std::chrono::minutes(1),
                          [&] { return generation_ != generation || broken_; }))
      break_group();
  }

  void leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++left_;
    if (arrived_ > 0) break_group();
  }

  void break_group() {
    broken_ = true;
    passed_.notify_all();
  }

  // Every lane's v (up to 8 bytes), through the slots between two barriers that ThreadSanitizer
  // is told to ignore (a shuffle orders no memory), so the slots are relaxed atomics.
  template <class T>
  std::vector<T> gather(int sub, T v) {
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "a slot holds 8 bytes");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots_[sub].store(bits, std::memory_order_relaxed);
    unordered_barrier();
    std::vector<T> all(count_);
    for (int s = 0; s < count_; ++s) {
      bits = slots_[s].load(std::memory_order_relaxed);
      std::memcpy(&all[s], &bits, sizeof(T));
    }
    unordered_barrier();
    return all;
  }

  void unordered_barrier() {
    if (AnnotateIgnoreSyncBegin) AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    barrier();
    if (AnnotateIgnoreSyncEnd) AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
  }

  template <int G>
  friend struct HostSolverLanes;

  const int count_;
  std::vector<std::atomic<std::uint64_t>> slots_;
  // Atomics, though the mutex guards them: unordered_barrier hides the mutex from TSan.
  std::mutex mutex_;
  std::condition_variable passed_;
  std::atomic<int> arrived_{0}, left_{0};
  std::atomic<long> generation_{0};
  std::atomic<bool> broken_{false};
};

inline void HostLanes::sync() const { group->barrier(); }

inline bool HostLanes::any(bool v) const {
  for (int x : group->gather(sub, static_cast<int>(v)))
    if (x) return true;
  return false;
}

inline int HostLanes::sum(int v) const {
  int total = 0;
  for (int x : group->gather(sub, v)) total += x;
  return total;
}

inline int HostLanes::rank(bool v, int* total) const {
  const std::vector<int> all = group->gather(sub, static_cast<int>(v));
  int below = 0;
  *total = 0;
  for (int s = 0; s < count; ++s) {
    below += s < sub && all[s];
    *total += all[s];
  }
  return below;
}

template <int G>
template <class T>
T HostSolverLanes<G>::shfl(T v, int src) const {
  return group->gather(lane, v)[src & (G - 1)];  // as __shfl_sync with width G
}

template <int G>
float HostSolverLanes<G>::shfl_xor(float v, int offset) const {
  return group->gather(lane, v)[lane ^ offset];
}

template <int G>
unsigned HostSolverLanes<G>::ballot(bool p) const {
  unsigned bits = 0;
  const std::vector<int> all = group->gather(lane, static_cast<int>(p));
  for (int s = 0; s < G; ++s) bits |= all[s] ? 1u << s : 0u;
  return bits;
}

template <int G>
void HostSolverLanes<G>::sync() const {
  group->barrier();
}

}  // namespace lockstep::test
