// Counter-based random numbers for environments: every draw is a pure function of
// (seed, env index, episode, draw index), so results do not depend on the number of envs, the
// backend or the scheduling of worlds.
#pragma once

#include <cstdint>

#include "engine/defs.h"

namespace lockstep {

// splitmix64 finaliser: a strong 64-bit mix.
LS_HD uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct EnvRng {
  uint64_t key;      // from (seed, env, episode)
  uint64_t counter;  // draws so far

  LS_HD static EnvRng make(uint64_t seed, uint64_t env, uint64_t episode) {
    return {mix64(mix64(mix64(seed) ^ env) ^ episode), 0};
  }
  // An independent stream under the same key, e.g. for domain randomisation.
  LS_HD EnvRng substream(uint64_t tag) const { return {mix64(key ^ mix64(tag)), 0}; }
  // Uniform in [0, 1) with 24 bits.
  LS_HD float uniform() { return static_cast<float>(mix64(key ^ counter++) >> 40) * (1.0f / 16777216.0f); }
  // fmaf: the same rounding on host and device (nvcc would otherwise contract lo + w * u).
  LS_HD float uniform(float lo, float hi) { return fmaf(hi - lo, uniform(), lo); }
  // Standard normal (Box-Muller; one value per two draws).
  LS_HD float normal() {
    const float u1 = 1.0f - uniform();  // (0, 1]
    const float u2 = uniform();
    return sqrtf(-2.0f * logf(u1)) * cosf(6.283185307179586f * u2);
  }
};

}  // namespace lockstep
