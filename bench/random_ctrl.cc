#include "bench/random_ctrl.h"

namespace lockstep::bench {

#ifdef LOCKSTEP_HAVE_CUDA
void random_ctrl_device(const FieldRef& ctrl, const float* range, uint64_t seed, uint64_t step);
#endif

void random_ctrl(const FieldRef& ctrl, const float* range, uint64_t seed, uint64_t step) {
#ifdef LOCKSTEP_HAVE_CUDA
  if (ctrl.on_device) return random_ctrl_device(ctrl, range, seed, step);
#endif
  for (int w = 0; w < ctrl.num_worlds; ++w)
    for (int a = 0; a < ctrl.count; ++a) {
      const uint64_t key = ((seed * 0x100000001B3ull + w) * 0x100000001B3ull + step) * 64 + a;
      ctrl.data[w * ctrl.world_stride + a * ctrl.elem_stride] =
          range[2 * a] + (range[2 * a + 1] - range[2 * a]) * hash_uniform(key);
    }
}

}  // namespace lockstep::bench
