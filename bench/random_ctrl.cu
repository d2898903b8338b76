#include "bench/random_ctrl.h"
#include "kernels/cuda_check.cuh"

namespace lockstep::bench {
namespace {

__global__ void random_ctrl_kernel(FieldRef ctrl, const float* range, uint64_t seed,
                                   uint64_t step) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= ctrl.num_worlds) return;
  for (int a = 0; a < ctrl.count; ++a) {
    const uint64_t key = ((seed * 0x100000001B3ull + w) * 0x100000001B3ull + step) * 64 + a;
    ctrl.data[w * ctrl.world_stride + a * ctrl.elem_stride] =
        range[2 * a] + (range[2 * a + 1] - range[2 * a]) * hash_uniform(key);
  }
}

}  // namespace

void random_ctrl_device(const FieldRef& ctrl, const float* range, uint64_t seed, uint64_t step) {
  random_ctrl_kernel<<<(ctrl.num_worlds + 127) / 128, 128>>>(ctrl, range, seed, step);
  cuda_check_launch("random_ctrl_kernel");
}

}  // namespace lockstep::bench
