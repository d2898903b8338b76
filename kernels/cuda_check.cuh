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

// Makes stream `consumer` wait (on the GPU, no host sync) for the work queued so far on stream
// `producer` (nullptr: the legacy default stream), through an event. No-op for the same stream.
// A failing call throws std::runtime_error prefixed by `who`, its error cleared so that no later
// check reports it again.
inline void stream_wait(cudaStream_t consumer, cudaStream_t producer, const char* who) {
  const cudaStream_t c = consumer ? consumer : cudaStreamLegacy;
  const cudaStream_t p = producer ? producer : cudaStreamLegacy;
  if (c == p) return;
  auto check = [who](cudaError_t err, const char* what) {
    if (err == cudaSuccess) return;
    cudaGetLastError();
    throw std::runtime_error(std::string(who) + ": " + what + ": " + cudaGetErrorString(err));
  };
  cudaEvent_t queued;
  check(cudaEventCreateWithFlags(&queued, cudaEventDisableTiming), "cudaEventCreate");
  check(cudaEventRecord(queued, p), "cudaEventRecord (producer stream)");
  check(cudaStreamWaitEvent(c, queued, 0), "cudaStreamWaitEvent (consumer stream)");
  cudaEventDestroy(queued);  // the wait keeps what it needs
}

}  // namespace lockstep
