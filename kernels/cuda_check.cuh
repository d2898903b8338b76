// Checked CUDA calls: every failure becomes a std::runtime_error naming the call.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace lockstep {

inline void cuda_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(err));
}

// After a launch: the launch configuration error, if any (no synchronisation).
inline void cuda_check_launch(const char* kernel) { cuda_check(cudaGetLastError(), kernel); }

}  // namespace lockstep
