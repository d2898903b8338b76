// CUDA backend: one thread per world, each calling the same LS_HD physics as the CPU backend.
// The state is one device buffer in the world-fastest layout (engine/state.h), so the threads
// of a warp read entry i of 32 consecutive worlds in one coalesced transaction. The Model's
// arrays are uploaded once; ModelView (device pointers) and StateView are __grid_constant__ kernel
// arguments, and the state layout's offsets are read from a device copy (engine/state.h).
// step(n) runs each stage of each step as its own launch (kernels/staged_step.cuh), or one
// launch running n physics steps (StepLaunch::fused).
// Nothing is allocated and nothing synchronises the host inside forward/step/reset: work is
// queued on the caller's stream (set_stream).
#include <memory>
#include <vector>

#include "engine/backend.h"
#include "engine/forward.h"
#include "engine/post_constraint.h"
#include "engine/simulator.h"
#include "kernels/cuda_check.cuh"
#include "kernels/launch.cuh"
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

// Device copies of every Model array, released with the backend.
class DeviceModel {
 public:
  explicit DeviceModel(const Model& model) {
    view_.size = model.size;
    view_.opt = model.opt;
#define LS_X(type, name, count, comment) view_.name = upload(model.name);
    LS_MODEL_ARRAYS(LS_X)
#undef LS_X
  }
  ~DeviceModel() {
    for (void* p : buffers_) cudaFree(p);
  }
  DeviceModel(const DeviceModel&) = delete;
  DeviceModel& operator=(const DeviceModel&) = delete;
  const ModelView& view() const { return view_; }

 private:
  template <class T>
  const T* upload(const std::vector<T>& host) {
    if (host.empty()) return nullptr;
    void* p = nullptr;
    cuda_check(cudaMalloc(&p, host.size() * sizeof(T)), "cudaMalloc (model)");
    buffers_.push_back(p);
    cuda_check(cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice),
               "cudaMemcpy (model)");
    return static_cast<const T*>(p);
  }
  std::vector<void*> buffers_;
  ModelView view_;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(const Model& model, int num_worlds) : model_(model), num_worlds_(num_worlds) {
    layout_ = StateLayout::make(model.size);
    const size_t bytes = sizeof(float) * static_cast<size_t>(layout_.per_world) * num_worlds;
    cuda_check(cudaMalloc(&state_, bytes), "cudaMalloc (state)");
    cuda_check(cudaMemset(state_, 0, bytes), "cudaMemset (state)");
    cuda_check(cudaMalloc(&ids_, sizeof(int) * num_worlds), "cudaMalloc (world ids)");
    cuda_check(cudaMalloc(&layout_device_, sizeof(StateLayout)), "cudaMalloc (state layout)");
    cuda_check(cudaMemcpy(layout_device_, &layout_, sizeof(StateLayout), cudaMemcpyHostToDevice),
               "cudaMemcpy (state layout)");
    params_kernel<<<blocks_for(num_worlds_), kBlock>>>(model_.view(), view());
    cuda_check_launch("params_kernel");
  }
  ~CudaBackend() override {
    cudaFree(state_);
    cudaFree(ids_);
    cudaFree(layout_device_);
  }

  void set_stream(void* stream) override { stream_ = static_cast<cudaStream_t>(stream); }
  void* stream() const override { return stream_; }

  void forward() override {
    forward_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view());
    cuda_check_launch("forward_kernel");
  }
  void step(int nstep) override {
    if (launch_ == StepLaunch::staged) {
      for (int k = 0; k < nstep; ++k) launch_staged_step(model_.view(), view(), stream_);
      return;
    }
    step_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view(), nstep);
    cuda_check_launch("step_kernel");
  }
  void set_step_launch(StepLaunch launch) override { launch_ = launch; }
  StepLaunch step_launch() const override { return launch_; }
  void reset() override {
    reset_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view(), nullptr,
                                                             num_worlds_);
    cuda_check_launch("reset_kernel");
  }
  void reset_worlds(const std::vector<int>& worlds) override {
    const int n = static_cast<int>(worlds.size());
    // Pageable source: the copy is complete (host vector reusable) when this returns, and is
    // ordered on the stream before the kernel that reads it.
    cuda_check(cudaMemcpyAsync(ids_, worlds.data(), sizeof(int) * n, cudaMemcpyHostToDevice,
                               stream_),
               "cudaMemcpyAsync (world ids)");
    reset_kernel<<<blocks_for(n), kBlock, 0, stream_>>>(model_.view(), view(), ids_, n);
    cuda_check_launch("reset_kernel");
  }
  void rne_post_constraint() override {
    post_constraint_kernel<<<blocks_for(num_worlds_), kBlock, 0, stream_>>>(model_.view(), view());
    cuda_check_launch("post_constraint_kernel");
  }
  StateView view() const override {
    return StateView{state_, layout_, num_worlds_, true, layout_device_};
  }
  ModelView model_view() const override { return model_.view(); }
  bool on_device() const override { return true; }

 private:
  DeviceModel model_;
  int num_worlds_;
  StateLayout layout_;
  float* state_ = nullptr;
  int* ids_ = nullptr;
  StateLayout* layout_device_ = nullptr;
  cudaStream_t stream_ = nullptr;
  StepLaunch launch_ = StepLaunch::staged;  // faster at every batch size measured
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
