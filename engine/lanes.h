// The threads that share one world's stage. On the CPU, and in large GPU batches, a world is one
// thread's (OneLane). In small GPU batches a world takes `count` consecutive lanes of a warp
// (Lanes): thread-per-world left 3 of an SM's 4 schedulers idle at 4,096 worlds, each warp a
// long chain of one world's dependent work (bench/RESULTS.md, 2026-12-04, ninth session). Lanes
// split a stage's loops whose iterations are independent (bodies of one tree depth, dofs,
// joints, contact pairs) and meet at sync() before reading what another lane wrote. Every value
// is computed by the same operations in the same order either way, so results are bitwise the
// same. Physics functions take either type as a template parameter: with OneLane every loop is
// the serial loop it was, with no cost for the split. The CPU tests run the split code too, with
// host threads as lanes (tests/cpp/host_lanes.h), and under ThreadSanitizer.
#pragma once

#include "engine/defs.h"
#include "engine/model.h"

namespace lockstep {

// One thread per world.
struct OneLane {
  static constexpr bool kSerial = true;
  static constexpr int sub = 0, count = 1;
  LS_HD void sync() const {}
  LS_HD bool any(bool v) const { return v; }
  LS_HD int sum(int v) const { return v; }
  LS_HD int rank(bool v, int* total) const {
    *total = v ? 1 : 0;
    return 0;
  }
  LS_HD bool runs(int) const { return true; }
};

// `count` consecutive lanes of a warp per world (GPU only).
struct Lanes {
  static constexpr bool kSerial = false;
  int sub;        // this thread's index among the world's lanes
  int count;      // lanes per world: 2, 4, 8, 16 or 32
  unsigned mask;  // the world's lanes in the warp

  // Waits for the world's other lanes; their earlier writes are visible after it.
  LS_HD void sync() const {
#ifdef __CUDA_ARCH__
    __syncwarp(mask);
#endif
  }
  // True if any of the world's lanes passes true.
  LS_HD bool any(bool v) const {
#ifdef __CUDA_ARCH__
    v = __any_sync(mask, v) != 0;
#endif
    return v;
  }
  // The sum over the world's lanes (integers: the same whatever the order).
  LS_HD int sum(int v) const {
#ifdef __CUDA_ARCH__
    for (int step = count / 2; step > 0; step /= 2) v += __shfl_xor_sync(mask, v, step);
#endif
    return v;
  }
  // The number of the world's lanes below this one that pass true; *total: all that do.
  LS_HD int rank(bool v, int* total) const {
#ifdef __CUDA_ARCH__
    const unsigned set = __ballot_sync(mask, v) & mask;
    *total = __popc(set);
    return __popc(set & ((1u << (__ffs(mask) - 1 + sub)) - 1u));
#else
    *total = v ? 1 : 0;
    return 0;
#endif
  }
  // True on the lane that runs work taken as a whole: the k-th such piece of a stage goes to
  // lane k mod count, so independent pieces run side by side.
  LS_HD bool runs(int k) const { return (k & (count - 1)) == sub; }
};

// f(k) for k in [begin, end), split over the lanes.
template <class L, class F>
LS_HD void for_split(int begin, int end, L lanes, F f) {
  for (int k = begin + lanes.sub; k < end; k += lanes.count) f(k);
}

// End of depth `level`'s entries in body_bylevel.
LS_HD int level_end(const ModelView& m, int level) {
  return level < m.size.nlevel ? m.body_leveladr[level + 1] : m.size.nbody;
}

// f(b) for every body but the world, each after its parent: in id order on one lane, depth by
// depth over lanes.
template <class L, class F>
LS_HD void walk_down_tree(const ModelView& m, L lanes, F f) {
  if constexpr (L::kSerial) {
    for (int b = 1; b < m.size.nbody; ++b) f(b);
  } else {
    for (int level = 1; level <= m.size.nlevel; ++level) {
      lanes.sync();
      for (int t = m.body_leveladr[level] + lanes.sub; t < level_end(m, level); t += lanes.count)
        f(m.body_bylevel[t]);
    }
    lanes.sync();
  }
}

// Sums a per-body quantity up the tree: `add(p, c)` adds child c's value into parent p's. One
// lane walks the bodies in reverse, adding each into its parent; lanes take a depth's parents
// at a time, deepest first, each adding its children in decreasing id order, which is the same
// sequence of additions per parent. into_world false leaves the world body's value alone.
template <class L, class Add>
LS_HD void sum_up_tree(const ModelView& m, L lanes, bool into_world, Add add) {
  if constexpr (L::kSerial) {
    for (int b = m.size.nbody - 1; b > 0; --b) {
      const int p = m.body_parentid[b];
      if (into_world || p > 0) add(p, b);
    }
  } else {
    for (int level = m.size.nlevel - 1; level >= (into_world ? 0 : 1); --level) {
      lanes.sync();
      for (int t = m.body_leveladr[level] + lanes.sub; t < level_end(m, level);
           t += lanes.count) {
        const int p = m.body_bylevel[t];
        for (int k = m.body_childnum[p] - 1; k >= 0; --k)
          add(p, m.body_bylevel[m.body_childadr[p] + k]);
      }
    }
    lanes.sync();
  }
}

}  // namespace lockstep
