// Array plumbing for the Python bindings: MuJoCo-shaped NumPy views of Model arrays and of the
// simulator's state buffer (zero copy), and a small CUDA array type that speaks
// __cuda_array_interface__ (v3) and DLPack. No physics here.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/simulator.h"

namespace lockstep::py_arrays {

namespace py = pybind11;

// A count expression of LS_MODEL_ARRAYS / LS_STATE_FIELDS ("nbody * 3", "nv * nv", "1"),
// split into its factors ({"nbody", "3"}). Empty if it is not a plain product of Sizes names
// and integer literals; shapes then fall back to a flat count.
std::vector<std::string> count_factors(const char* expr);

// Value of Sizes member `name` ("nq", "nbody", ...); -1 if Sizes has no such member.
int size_value(const Sizes& size, const std::string& name);
// Names of the Sizes members, in declaration order.
const std::vector<std::string>& size_names();
// What Sizes member `name` counts ("" if there is none).
const char* size_doc(const std::string& name);

// Per-object shape of an array whose count is `count` with factors `factors` under `size`:
// the factors evaluated ({nbody, 3}); for state fields (`state` = true) a trailing factor 9 is
// a row-major 3x3 matrix ({nbody, 3, 3}) and the constant count 1 is a per-world scalar ({}).
// Falls back to {count} where the factors do not multiply to `count`.
std::vector<py::ssize_t> field_dims(const std::vector<std::string>& factors, const Sizes& size,
                                    long long count, bool state);
// The same as text, e.g. "(num_worlds, nbody, 3, 3)"; `lead` is the leading dimension's name
// (empty for model arrays); `count` (the size expression) stands for a count that is not a
// product of factors, e.g. "(num_worlds, nv * (nv + 1))".
std::string shape_text(const std::vector<std::string>& factors, bool state,
                       const std::string& lead, const std::string& count);

// Read-only NumPy array over `data` with shape `dims`, kept alive by `owner`.
template <class T>
py::array readonly_array(const T* data, const std::vector<py::ssize_t>& dims, py::handle owner) {
  py::array_t<T> a(dims, data, owner);
  a.attr("setflags")(py::arg("write") = false);
  return std::move(a);
}

// Zero-copy view of a state field: shape (num_worlds, *dims), strides from `ref`. A writable
// float32 NumPy array for host memory; for device memory a torch.Tensor if torch can be
// imported, else a DeviceArray. `owner` (the Python Simulator or env) is kept alive by the view;
// `sim`'s current stream is the one DLPack consumers are ordered after.
py::object field_view(const FieldRef& ref, const std::vector<py::ssize_t>& dims,
                      py::handle owner, const Simulator* sim);

// A C-contiguous copy of `shape` floats of device memory at `data`, queued on `stream` (a
// cudaStream_t), as a DeviceArray that owns (and frees) it. Throws without a CUDA build.
py::object device_copy(const float* data, const std::vector<py::ssize_t>& shape, void* stream);

// Makes stream `consumer` wait (on the GPU, no host sync) for the work queued so far on stream
// `producer` (cudaStream_t values; nullptr is the legacy default stream). No-op for the same
// stream or without CUDA. `who` prefixes the error message of a failing CUDA call.
void stream_wait(void* consumer, void* producer, const char* who);

// Registers DeviceArray in module m.
void bind_device_array(py::module_& m);

}  // namespace lockstep::py_arrays
