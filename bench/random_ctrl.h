// Uniform random controls for the bench, generated where the state lives (host or device) from
// a counter-based hash of (seed, world, step, actuator): no RNG state, no host round trip.
#pragma once

#include <cstdint>

#include "engine/defs.h"
#include "engine/simulator.h"

namespace lockstep::bench {

// Uniform in [0, 1) from a 64-bit counter (splitmix64 finaliser).
LS_HD float hash_uniform(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<float>(x >> 40) * (1.0f / 16777216.0f);
}

// ctrl[w, a] = lo[a] + (hi[a] − lo[a])·U(seed, w, step, a); ranges from actuator_ctrlrange
// (or [−1, 1] where an actuator is not ctrllimited). `range` holds nu (lo, hi) pairs in the
// memory space of the state.
void random_ctrl(const FieldRef& ctrl, const float* range, uint64_t seed, uint64_t step);

}  // namespace lockstep::bench
