// A world's lanes (engine/lanes.h) emulated by host threads, so that the CPU tests run the code
// the GPU runs in small batches: each lane is a thread, sync() a barrier of the world's threads,
// and any/sum/rank exchange values through the group. A lane that stops while others wait at a
// barrier (their sync() calls do not pair up, which on the GPU is undefined), or a barrier that
// waits over a minute, breaks the group: every later sync() returns at once and run() reports
// it. The barrier orders memory like __syncwarp does; run the tests under ThreadSanitizer to
// find reads of another lane's writes that no sync() separates.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

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

class LaneGroup {
 public:
  explicit LaneGroup(int count) : count_(count), slots_(count) {}

  // body(lanes) on `count` threads, one per lane. False if the lanes' sync() calls did not pair.
  template <class F>
  bool run(F body) {
    broken_ = false;
    arrived_ = left_ = 0;
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

  // Every lane's v, through the slots between two barriers.
  std::vector<int> gather(int sub, int v) {
    slots_[sub] = v;
    barrier();
    std::vector<int> all = slots_;
    barrier();
    return all;
  }

  const int count_;
  std::vector<int> slots_;
  std::mutex mutex_;
  std::condition_variable passed_;
  int arrived_ = 0, left_ = 0;
  long generation_ = 0;
  bool broken_ = false;
};

inline void HostLanes::sync() const { group->barrier(); }

inline bool HostLanes::any(bool v) const {
  for (int x : group->gather(sub, v))
    if (x) return true;
  return false;
}

inline int HostLanes::sum(int v) const {
  int total = 0;
  for (int x : group->gather(sub, v)) total += x;
  return total;
}

inline int HostLanes::rank(bool v, int* total) const {
  const std::vector<int> all = group->gather(sub, v);
  int below = 0;
  *total = 0;
  for (int s = 0; s < count; ++s) {
    below += s < sub && all[s];
    *total += all[s];
  }
  return below;
}

}  // namespace lockstep::test
