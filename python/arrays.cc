#include "python/arrays.h"

#include <cctype>
#include <cstdint>
#include <sstream>
#include <utility>

#ifdef LOCKSTEP_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "kernels/cuda_check.cuh"
#endif

namespace lockstep::py_arrays {

namespace {

// Sizes has no X-macro; this is its member list. A name missing here only makes the shapes of
// the arrays it counts flat (field_dims falls back), never wrong.
struct SizeMember {
  const char* name;
  int Sizes::*member;
  const char* doc;  // as engine/model.h's Sizes says it
};
const SizeMember kSizeMembers[] = {
    {"nq", &Sizes::nq, "generalized positions"},
    {"nv", &Sizes::nv, "degrees of freedom"},
    {"nu", &Sizes::nu, "actuators"},
    {"na", &Sizes::na, "activations (no stateful actuators yet: always 0)"},
    {"nbody", &Sizes::nbody, "bodies, including the world body 0"},
    {"njnt", &Sizes::njnt, "joints"},
    {"ngeom", &Sizes::ngeom, "geoms"},
    {"nsite", &Sizes::nsite, "sites"},
    {"ntendon", &Sizes::ntendon, "fixed tendons"},
    {"nwrap", &Sizes::nwrap, "tendon wrap entries (joints of fixed tendons)"},
    {"npair", &Sizes::npair, "explicit <contact><pair>"},
    {"nexclude", &Sizes::nexclude, "explicit <contact><exclude>"},
    {"ncollision", &Sizes::ncollision, "Lockstep: compiled candidate geom pairs"},
    {"ncon_max", &Sizes::ncon_max, "Lockstep: contact slots, the sum of collision_connum"},
    {"nefc_max", &Sizes::nefc_max, "Lockstep: constraint row slots, limits then contacts"},
    {"nefc_dense", &Sizes::nefc_dense, "Lockstep: rows of the PGS solver's dense block (0: none)"},
    {"nefc_scratch", &Sizes::nefc_scratch,
     "Lockstep: floats of the solver's row scratch: nefc_max·(nv + 3) under PGS, else "
     "3·nefc_max"},
    {"nM", &Sizes::nM, "tree nonzeros of qM's lower triangle"},
    {"nlevel", &Sizes::nlevel, "Lockstep: depth of the body tree (the world at depth 0)"},
};

bool is_integer(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_rotation(const std::vector<std::string>& factors, bool state) {
  return state && factors.size() >= 2 && factors.back() == "9";
}

bool is_per_world_scalar(const std::vector<std::string>& factors, bool state) {
  return state && factors.size() == 1 && factors[0] == "1";
}

// Byte strides of a C-ordered block of `dims` whose last index steps by `elem` floats.
std::vector<py::ssize_t> c_strides(const std::vector<py::ssize_t>& dims, long long elem) {
  std::vector<py::ssize_t> s(dims.size());
  long long step = elem * static_cast<long long>(sizeof(float));
  for (size_t k = dims.size(); k-- > 0;) {
    s[k] = static_cast<py::ssize_t>(step);
    step *= dims[k];
  }
  return s;
}

// ---- DLPack (legacy, unversioned ABI; stable since v0.6) ----
struct DLDevice {
  int32_t device_type;  // kDLCUDA = 2
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;  // kDLFloat = 2
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
constexpr int32_t kDLCUDA = 2;

// A float32 array in CUDA device memory, a view into a Simulator's state buffer.
struct DeviceArray {
  float* data;
  std::vector<py::ssize_t> shape;
  std::vector<py::ssize_t> strides;  // bytes
  py::object owner;                  // keeps the memory alive (the Python Simulator or env)
  // The stream whose queued work writes the data: the simulator's current stream for a view
  // (sim, kept alive by owner), or the stream a copy was queued on (sim null).
  const Simulator* sim = nullptr;
  void* stream = nullptr;

  void* producer_stream() const { return sim ? sim->stream() : stream; }

  int device_id() const {
#ifdef LOCKSTEP_HAVE_CUDA
    cudaPointerAttributes attr{};
    if (cudaPointerGetAttributes(&attr, data) == cudaSuccess) return attr.device;
    cudaGetLastError();
#endif
    return 0;
  }
};

struct DLPackContext {
  DLManagedTensor tensor;
  std::vector<int64_t> shape, strides;
  py::object owner;
};

void dlpack_deleter(DLManagedTensor* t) {
  auto* ctx = static_cast<DLPackContext*>(t->manager_ctx);
  py::gil_scoped_acquire gil;  // consumers may free from any thread
  delete ctx;
}

void dlpack_capsule_destructor(PyObject* capsule) {
  // A consumer renames the capsule "used_dltensor" and owns the tensor from then on.
  if (!PyCapsule_IsValid(capsule, "dltensor")) return;
  auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
  if (t && t->deleter) t->deleter(t);
}

py::capsule to_dlpack(const DeviceArray& a) {
  auto* ctx = new DLPackContext;
  ctx->owner = a.owner;
  for (size_t k = 0; k < a.shape.size(); ++k) {
    ctx->shape.push_back(a.shape[k]);
    ctx->strides.push_back(a.strides[k] / static_cast<py::ssize_t>(sizeof(float)));
  }
  DLTensor& t = ctx->tensor.dl_tensor;
  t.data = a.data;
  t.device = {kDLCUDA, a.device_id()};
  t.ndim = static_cast<int32_t>(a.shape.size());
  t.dtype = {2, 32, 1};
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
  ctx->tensor.manager_ctx = ctx;
  ctx->tensor.deleter = dlpack_deleter;
  PyObject* cap = PyCapsule_New(&ctx->tensor, "dltensor", dlpack_capsule_destructor);
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

// DLPack's stream protocol (__dlpack__(stream=...)): the consumer's stream waits for the work
// queued on the producer's, through an event, without a host sync. stream: None (the legacy
// default stream), 1 (legacy default), 2 (per-thread default), a cudaStream_t as an int, or -1
// (the consumer synchronises itself).
void order_consumer_after_producer(const DeviceArray& a, const py::object& stream) {
#ifdef LOCKSTEP_HAVE_CUDA
  cudaStream_t consumer = cudaStreamLegacy;
  if (!stream.is_none()) {
    if (!py::isinstance<py::int_>(stream))
      throw py::type_error("__dlpack__: stream must be None or an int (a CUDA stream handle), got " +
                           py::str(py::type::of(stream)).cast<std::string>());
    const long long v = stream.cast<long long>();
    if (v == -1) return;
    if (v == 0)
      throw py::value_error("__dlpack__: stream 0 is ambiguous for CUDA (DLPack): pass 1 for the "
                            "legacy default stream, 2 for the per-thread default stream, or a handle");
    consumer = v == 1 ? cudaStreamLegacy : v == 2 ? cudaStreamPerThread : reinterpret_cast<cudaStream_t>(v);
  }
  stream_wait(consumer, a.producer_stream(), "__dlpack__");
#else
  (void)a, (void)stream;
#endif
}

py::tuple to_tuple(const std::vector<py::ssize_t>& v) {
  py::tuple t(v.size());
  for (size_t k = 0; k < v.size(); ++k) t[k] = v[k];
  return t;
}

// torch, if it can be imported (looked up once; leaked to outlive interpreter teardown).
py::object torch_module() {
  static py::object* torch = [] {
    try {
      return new py::object(py::module_::import("torch"));
    } catch (py::error_already_set&) {
      return new py::object(py::none());
    }
  }();
  return *torch;
}

}  // namespace

std::vector<std::string> count_factors(const char* expr) {
  std::vector<std::string> factors;
  std::stringstream in(expr);
  std::string f;
  while (std::getline(in, f, '*')) {
    const size_t b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
    if (b == std::string::npos) return {};
    f = f.substr(b, e - b + 1);
    if (!is_integer(f) && size_value(Sizes{}, f) < 0) return {};
    factors.push_back(f);
  }
  return factors;
}

int size_value(const Sizes& size, const std::string& name) {
  for (const SizeMember& m : kSizeMembers)
    if (name == m.name) return size.*m.member;
  return -1;
}

const char* size_doc(const std::string& name) {
  for (const SizeMember& m : kSizeMembers)
    if (name == m.name) return m.doc;
  return "";
}

const std::vector<std::string>& size_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const SizeMember& m : kSizeMembers) n.push_back(m.name);
    return n;
  }();
  return names;
}

std::vector<py::ssize_t> field_dims(const std::vector<std::string>& factors, const Sizes& size,
                                    long long count, bool state) {
  if (is_per_world_scalar(factors, state) && count == 1) return {};
  std::vector<py::ssize_t> dims;
  long long product = 1;
  for (const std::string& f : factors) {
    const long long v = is_integer(f) ? std::stoll(f) : size_value(size, f);
    dims.push_back(static_cast<py::ssize_t>(v));
    product *= v;
  }
  if (factors.empty() || product != count) return {static_cast<py::ssize_t>(count)};
  if (is_rotation(factors, state)) {
    dims.back() = 3;
    dims.push_back(3);
  }
  return dims;
}

std::string shape_text(const std::vector<std::string>& factors, bool state,
                       const std::string& lead, const std::string& count) {
  std::vector<std::string> dims;
  if (!lead.empty()) dims.push_back(lead);
  if (!is_per_world_scalar(factors, state)) {
    for (const std::string& f : factors) dims.push_back(f);
    if (factors.empty()) dims.push_back(count);
    if (is_rotation(factors, state)) {
      dims.back() = "3";
      dims.push_back("3");
    }
  }
  std::string s = "(";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + dims[k];
  return s + (dims.size() == 1 ? ",)" : ")");
}

py::object field_view(const FieldRef& ref, const std::vector<py::ssize_t>& dims,
                      py::handle owner, const Simulator* sim) {
  std::vector<py::ssize_t> shape{ref.num_worlds};
  shape.insert(shape.end(), dims.begin(), dims.end());
  std::vector<py::ssize_t> strides = c_strides(dims, ref.elem_stride);
  strides.insert(strides.begin(),
                 static_cast<py::ssize_t>(ref.world_stride * static_cast<long long>(sizeof(float))));
  if (!ref.on_device) return py::array_t<float>(shape, strides, ref.data, owner);
  py::object a = py::cast(DeviceArray{ref.data, shape, strides,
                                      py::reinterpret_borrow<py::object>(owner), sim, nullptr});
  py::object torch = torch_module();
  return torch.is_none() ? a : torch.attr("from_dlpack")(a);
}

py::object device_copy(const float* data, const std::vector<py::ssize_t>& shape, void* stream) {
#ifdef LOCKSTEP_HAVE_CUDA
  size_t count = 1;
  for (py::ssize_t d : shape) count *= static_cast<size_t>(d);
  float* copy = nullptr;
  if (cudaMalloc(reinterpret_cast<void**>(&copy), count * sizeof(float)) != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error("device_copy: cudaMalloc of " + std::to_string(count * 4) +
                             " bytes failed");
  }
  // Ordered after the simulator's work on its stream; no host sync.
  const cudaError_t err = cudaMemcpyAsync(copy, data, count * sizeof(float),
                                          cudaMemcpyDeviceToDevice,
                                          static_cast<cudaStream_t>(stream));
  py::capsule owner(copy, [](void* p) { cudaFree(p); });
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string("device_copy: ") + cudaGetErrorString(err));
  }
  return py::cast(DeviceArray{copy, shape, c_strides(shape, 1), owner, nullptr, stream});
#else
  (void)data, (void)shape, (void)stream;
  throw std::runtime_error("device_copy: this build has no CUDA backend");
#endif
}

void stream_wait(void* consumer, void* producer, const char* who) {
#ifdef LOCKSTEP_HAVE_CUDA
  lockstep::stream_wait(static_cast<cudaStream_t>(consumer), static_cast<cudaStream_t>(producer),
                        who);
#else
  (void)consumer, (void)producer, (void)who;
#endif
}

void bind_device_array(py::module_& m) {
  py::class_<DeviceArray>(m, "DeviceArray", R"doc(
A float32 array in CUDA device memory: a zero-copy view of a Simulator's state.

Hand it to any framework: torch.from_dlpack(a), cupy.asarray(a), jax.dlpack.from_dlpack(a),
numba.cuda.as_cuda_array(a). It supports __cuda_array_interface__ (version 3, with strides) and
__dlpack__ / __dlpack_device__. The view keeps its Simulator alive. __dlpack__(stream=S) makes
stream S wait (on the GPU, no host sync) for the work queued on the simulator's stream, as the
DLPack protocol asks; torch.from_dlpack passes its current stream. __cuda_array_interface__
carries no stream: its consumer must order itself after the simulator's stream.
)doc")
      .def_property_readonly("shape", [](const DeviceArray& a) { return to_tuple(a.shape); },
                             "a tuple of ints, e.g. (num_worlds, nq)")
      .def_property_readonly("strides", [](const DeviceArray& a) { return to_tuple(a.strides); },
                             "strides in bytes")
      .def_property_readonly("dtype", [](const DeviceArray&) { return py::dtype::of<float>(); },
                             "numpy.float32, always")
      .def_property_readonly("__cuda_array_interface__",
                             [](const DeviceArray& a) {
                               py::dict d;
                               d["shape"] = to_tuple(a.shape);
                               d["strides"] = to_tuple(a.strides);
                               d["typestr"] = "<f4";
                               d["data"] = py::make_tuple(reinterpret_cast<uintptr_t>(a.data), false);
                               d["version"] = 3;
                               return d;
                             },
                             "the CUDA array interface (version 3): shape, strides in bytes, "
                             "typestr '<f4', data (pointer, read-only False); no stream")
      .def("__dlpack__",
           [](const DeviceArray& a, py::object stream, py::object /*max_version*/,
              py::object /*dl_device*/, py::object /*copy*/) {
             order_consumer_after_producer(a, stream);
             return to_dlpack(a);
           },
           py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
           py::arg("dl_device") = py::none(), py::arg("copy") = py::none())
      .def("__dlpack_device__",
           [](const DeviceArray& a) { return py::make_tuple(kDLCUDA, a.device_id()); })
      .def("__repr__", [](const DeviceArray& a) {
        return "DeviceArray(shape=" + py::repr(to_tuple(a.shape)).cast<std::string>() +
               ", dtype=float32, device=cuda:" + std::to_string(a.device_id()) + ")";
      });
}

}  // namespace lockstep::py_arrays
