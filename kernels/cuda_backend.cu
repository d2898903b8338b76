// CUDA backend: one thread per world, each calling the same LS_HD physics as the CPU backend.
// The state is one device buffer (a thrust::device_vector) in the world-fastest layout
// (engine/state.h), so the threads of a warp read entry i of 32 consecutive worlds in one
// coalesced transaction. The Model's arrays are uploaded once; ModelView (device pointers) and
// StateView are __grid_constant__ kernel arguments, and the state layout's offsets are read from
// a device copy (engine/state.h).
// step(n) runs each stage of each step as its own launch (kernels/staged_step.cuh), or one
// launch running n physics steps: a thread per world on the global state (StepLaunch::fused),
// or a warp per world on its state in shared memory (StepLaunch::on_chip,
// kernels/on_chip_step.cu).
// Nothing is allocated and nothing synchronises the host inside forward/step/reset: work is
// queued on the caller's stream (set_stream).
#include <cstring>
#include <memory>
#include <vector>

#include "engine/backend.h"
#include "engine/forward.h"
#include "engine/post_constraint.h"
#include "engine/simulator.h"
#include "kernels/cuda_check.cuh"
#include "kernels/device_vector.cuh"
#include "kernels/launch.cuh"
#include "kernels/on_chip_step.h"
#include "kernels/staged_step.cuh"

namespace lockstep {
namespace {

__global__ void params_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) default_params(m, s.world(w));
}

__global__ void forward_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) forward(m, s.world(w));
}

__global__ void step_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s, int nstep) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w >= s.num_worlds) return;
  const Data d = s.world(w);
  for (int k = 0; k < nstep; ++k) step(m, d);
}

// Resets world ids[k] for k < n (all worlds when ids is null).
__global__ void reset_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s, const int* ids, int n) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n) return;
  const Data d = s.world(ids ? ids[k] : k);
  reset_world(m, d);
  forward(m, d);
}

__global__ void post_constraint_kernel(const __grid_constant__ ModelView m, const __grid_constant__ StateView s) {
  const int w = blockIdx.x * blockDim.x + threadIdx.x;
  if (w < s.num_worlds) rne_post_constraint(m, s.world(w));
}

// Device copies of every Model array, in one Thrust buffer (one allocation and one copy; each
// array 256-byte aligned), released with the backend.
class DeviceModel {
 public:
  explicit DeviceModel(const Model& model) {
    std::vector<unsigned char> host;
    std::vector<size_t> offsets;
#define LS_X(type, name, count, comment) offsets.push_back(append(host, model.name));
    LS_MODEL_ARRAYS(LS_X)
#undef LS_X
    arena_ = device_copy_of(host, "the model's arrays");
    const unsigned char* base = thrust::raw_pointer_cast(arena_.data());
    view_.size = model.size;
    view_.opt = model.opt;
    size_t k = 0;
#define LS_X(type, name, count, comment) \
  view_.name = model.name.empty() ? nullptr : reinterpret_cast<const type*>(base + offsets[k]); \
  ++k;
    LS_MODEL_ARRAYS(LS_X)
#undef LS_X
  }
  const ModelView& view() const { return view_; }

 private:
  // Appends `array` to `bytes` at the next 256-byte boundary; returns its offset.
  template <class T>
  static size_t append(std::vector<unsigned char>& bytes, const std::vector<T>& array) {
    const size_t offset = (bytes.size() + 255) / 256 * 256;
    bytes.resize(offset + array.size() * sizeof(T));
    if (!array.empty()) std::memcpy(bytes.data() + offset, array.data(), array.size() * sizeof(T));
    return offset;
  }
  thrust::device_vector<unsigned char> arena_;
  ModelView view_;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(const Model& model, int num_worlds)
      : model_(model), num_worlds_(num_worlds), layout_(StateLayout::make(model.size)),
        state_(device_zeros<float>(static_cast<size_t>(layout_.per_world) * num_worlds,
                                   "the state")),
        ids_(device_zeros<int>(num_worlds, "the world ids")),
        layout_device_(device_copy_of(std::vector<StateLayout>{layout_}, "the state layout")) {
    params_kernel<<<blocks_for(num_worlds_), kBlock>>>(model_.view(), view());
    cuda_check_launch("params_kernel");
  }

  // Later work goes on `stream`, after everything queued on the old one (construction
  // included): a non-blocking stream does not wait for the legacy default stream by itself.
  void set_stream(void* stream) override {
    const cudaStream_t next = static_cast<cudaStream_t>(stream);
    stream_wait(next, stream_, "set_stream");
    stream_ = next;
  }
  void* stream() const override { return stream_; }

  void forward() override {
    forward_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view());
    cuda_check_launch("forward_kernel");
  }
  void step(int nstep) override {
    if (launch_ == StepLaunch::staged) {
      for (int k = 0; k < nstep; ++k)
        launch_staged_step(model_.view(), view(), stream_, nullptr, lanes_);
      return;
    }
    if (launch_ == StepLaunch::on_chip) {
      launch_on_chip_step(model_.view(), view(), stream_, nullptr, nstep);
      return;
    }
    step_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view(), nstep);
    cuda_check_launch("step_kernel");
  }
  void set_step_launch(StepLaunch launch) override {
    if (launch == StepLaunch::on_chip) require_on_chip_fits(model_.view(), layout_);
    launch_ = launch;
  }
  StepLaunch step_launch() const override { return launch_; }
  void set_world_lanes(int lanes) override { lanes_ = lanes; }
  int world_lanes() const override {
    return lanes_ > 0 ? lanes_ : 1 << staged_lanes_log2(num_worlds_);
  }
  void reset() override {
    reset_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view(), nullptr,
                                                             num_worlds_);
    cuda_check_launch("reset_kernel");
  }
  void reset_worlds(const std::vector<int>& worlds) override {
    const int n = static_cast<int>(worlds.size());
    int* ids = thrust::raw_pointer_cast(ids_.data());
    // Pageable source: the copy is complete (host vector reusable) when this returns, and is
    // ordered on the stream before the kernel that reads it.
    cuda_check(cudaMemcpyAsync(ids, worlds.data(), sizeof(int) * n, cudaMemcpyHostToDevice,
                               stream_),
               "cudaMemcpyAsync (world ids)");
    reset_kernel<<<blocks_for(n), kBlock, 0, stream_>>>(model_.view(), view(), ids, n);
    cuda_check_launch("reset_kernel");
  }
  void rne_post_constraint() override {
    post_constraint_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view());
    cuda_check_launch("post_constraint_kernel");
  }
  StateView view() const override {
    // The view writes the state of a const backend, as the CPU backend's does.
    return StateView{const_cast<float*>(thrust::raw_pointer_cast(state_.data())), layout_,
                     num_worlds_, true, thrust::raw_pointer_cast(layout_device_.data())};
  }
  ModelView model_view() const override { return model_.view(); }
  bool on_device() const override { return true; }

 private:
  DeviceModel model_;
  int num_worlds_;
  StateLayout layout_;
  thrust::device_vector<float> state_;
  thrust::device_vector<int> ids_;
  thrust::device_vector<StateLayout> layout_device_;
  cudaStream_t stream_ = nullptr;
  StepLaunch launch_ = StepLaunch::staged;  // faster at every batch size measured
  int lanes_ = 0;                           // by batch size (staged_lanes_log2)
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const Model& model, int num_worlds) {
  if (!cuda_available())
    throw std::runtime_error("device='cuda' requested, but no CUDA device is available");
  return std::make_unique<CudaBackend>(model, num_worlds);
}

bool cuda_available() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

}  // namespace lockstep
