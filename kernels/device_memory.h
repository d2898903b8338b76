// Device memory for host code (plain C++: no CUDA headers), backed by Thrust: owned arrays and
// a reduction over worlds. Defined in kernels/device_memory.cu; only in builds with CUDA.
#pragma once

#include <cstddef>
#include <memory>

namespace lockstep {

// `count` zero-filled floats of device memory (a thrust::device_vector), freed with the object.
// Throws std::runtime_error naming `what` and the size if the allocation fails.
class DeviceFloats {
 public:
  DeviceFloats(size_t count, const char* what);
  ~DeviceFloats();
  DeviceFloats(const DeviceFloats&) = delete;
  DeviceFloats& operator=(const DeviceFloats&) = delete;
  float* data() const;

 private:
  struct Storage;
  std::unique_ptr<Storage> storage_;
};

// Σ_w first[w · stride] for w < n (device memory), accumulated in double by a Thrust reduction
// queued on `stream` (a cudaStream_t; nullptr: the legacy default stream). Returns once the sum
// is on the host, i.e. after the work queued on `stream` before it.
double device_strided_sum(const float* first, long long n, long long stride, void* stream);

}  // namespace lockstep
