#include "kernels/device_memory.h"

#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include <stdexcept>
#include <string>

#include "kernels/device_vector.cuh"

namespace lockstep {

struct DeviceFloats::Storage {
  thrust::device_vector<float> floats;
};

DeviceFloats::DeviceFloats(size_t count, const char* what)
    : storage_(new Storage{device_zeros<float>(count, what)}) {}
DeviceFloats::~DeviceFloats() = default;
float* DeviceFloats::data() const { return thrust::raw_pointer_cast(storage_->floats.data()); }

namespace {
struct StridedEntry {
  const float* first;
  long long stride;
  __device__ double operator()(long long w) const { return first[w * stride]; }
};
}  // namespace

double device_strided_sum(const float* first, long long n, long long stride, void* stream) {
  try {
    return thrust::transform_reduce(thrust::cuda::par.on(static_cast<cudaStream_t>(stream)),
                                    thrust::counting_iterator<long long>(0),
                                    thrust::counting_iterator<long long>(n),
                                    StridedEntry{first, stride}, 0.0, thrust::plus<double>());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("CUDA error in device_strided_sum (Thrust reduction): ") +
                             e.what());
  }
}

}  // namespace lockstep
