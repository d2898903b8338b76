// thrust::device_vector allocations (zero-filled or copied from the host) whose failures name
// what was being allocated.
#pragma once

#include <thrust/device_vector.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace lockstep {

// `count` zero-initialised Ts in device memory; a failed allocation becomes a
// std::runtime_error naming `what` and the bytes asked for.
template <class T>
thrust::device_vector<T> device_zeros(size_t count, const char* what) {
  try {
    return thrust::device_vector<T>(count, T{});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("CUDA error allocating ") + what + " (" +
                             std::to_string(count * sizeof(T)) + " bytes): " + e.what());
  }
}

// A device copy of `host`; errors as device_zeros.
template <class T>
thrust::device_vector<T> device_copy_of(const std::vector<T>& host, const char* what) {
  try {
    return thrust::device_vector<T>(host.begin(), host.end());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("CUDA error copying ") + what + " to the device (" +
                             std::to_string(host.size() * sizeof(T)) + " bytes): " + e.what());
  }
}

}  // namespace lockstep
