// lockstep._lockstep: Python bindings of the Model, the MJCF loader and the Simulator.
// Bindings hold no physics: they convert arguments, map errors to Python exceptions and present
// the engine's arrays as zero-copy NumPy (or CUDA) views in MuJoCo's shapes. Every Model array
// and every state field is bound from its X-macro (LS_MODEL_ARRAYS, LS_STATE_FIELDS).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/mjcf.h"
#include "engine/model.h"
#include "engine/simulator.h"
#include "engine/state.h"
#include "python/arrays.h"

namespace py = pybind11;
using namespace lockstep;
using namespace lockstep::py_arrays;

namespace {

// One Model array or state field, as its X-macro declares it.
struct FieldSpec {
  const char* name;
  const char* count;    // count expression, e.g. "nbody * 3"
  const char* comment;  // meaning and units
  const char* dtype;    // "float32" or "int32"
  std::vector<std::string> factors;
  // Model arrays only: the array of the Python Model `self` as a read-only view.
  py::object (*get)(py::handle self, const FieldSpec& spec);
};

template <class T>
const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "int32";
}

const std::vector<FieldSpec>& model_specs() {
  static const std::vector<FieldSpec> specs = {
#define LS_X(type, name, count, comment)                                                    \
  {#name, #count, comment, dtype_name<type>(), count_factors(#count),                       \
   [](py::handle self, const FieldSpec& spec) -> py::object {                               \
     const Model& mdl = self.cast<const Model&>();                                          \
     const long long n = static_cast<long long>(mdl.name.size());                           \
     return readonly_array(mdl.name.data(), field_dims(spec.factors, mdl.size, n, false), self); \
   }},
      LS_MODEL_ARRAYS(LS_X)
#undef LS_X
  };
  return specs;
}

const std::vector<FieldSpec>& state_specs() {
  static const std::vector<FieldSpec> specs = {
#define LS_X(name, count, comment) {#name, #count, comment, "float32", count_factors(#count), nullptr},
      LS_STATE_FIELDS(LS_X)
#undef LS_X
  };
  return specs;
}

// Docstrings must outlive the module definition.
const char* keep(std::string s) {
  static std::deque<std::string> store;
  store.push_back(std::move(s));
  return store.back().c_str();
}

std::string model_repr(const Model& m) {
  std::ostringstream s;
  s << "<lockstep.Model '" << m.model_name << "': nq=" << m.size.nq << " nv=" << m.size.nv
    << " nu=" << m.size.nu << " nbody=" << m.size.nbody << " njnt=" << m.size.njnt
    << " ngeom=" << m.size.ngeom << " nsite=" << m.size.nsite << " ntendon=" << m.size.ntendon
    << " timestep=" << m.opt.timestep << ">";
  return s.str();
}

const char* device_name(Device d) { return d == Device::cuda ? "cuda" : "cpu"; }

std::unique_ptr<Simulator> make_simulator(std::shared_ptr<Model> model, int num_worlds,
                                          const std::string& device, int num_threads) {
  if (!model) throw py::type_error("Simulator: model must be a lockstep.Model, not None");
  if (num_worlds < 1)
    throw py::value_error("Simulator: num_worlds must be >= 1, got " + std::to_string(num_worlds));
  if (num_threads < 0)
    throw py::value_error("Simulator: num_threads must be >= 0 (0: every core), got " +
                          std::to_string(num_threads));
  const Device d = parse_device(device);  // std::invalid_argument -> ValueError
  if (d == Device::cuda && !cuda_available()) {
#ifdef LOCKSTEP_HAVE_CUDA
    throw std::runtime_error("Simulator: device='" + device +
                             "' requested, but no CUDA device is visible on this machine; "
                             "use device='cpu'");
#else
    throw std::runtime_error("Simulator: device='" + device +
                             "' requested, but this build of lockstep has no CUDA backend "
                             "(rebuild with nvcc present, CMake option LOCKSTEP_CUDA=ON); "
                             "use device='cpu'");
#endif
  }
  py::gil_scoped_release release;
  return std::make_unique<Simulator>(std::move(model), num_worlds, d, num_threads);
}

// The state field `spec` of the Python Simulator `self` as a zero-copy view.
py::object state_view(py::handle self, const FieldSpec& spec) {
  const Simulator& sim = self.cast<const Simulator&>();
  const FieldRef ref = sim.field(spec.name);
  return field_view(ref, field_dims(spec.factors, sim.model().size, ref.count, true), self, &sim);
}

// sim.<field> = value: copies value (broadcast like NumPy) into the field, in place.
void assign_state(py::handle self, const FieldSpec& spec, py::object value) {
  py::object view = state_view(self, spec);
  if (py::isinstance<py::array>(view)) {
    try {
      view[py::ellipsis()] = value;
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_ValueError) && !e.matches(PyExc_TypeError)) throw;
      throw py::value_error(std::string("Simulator.") + spec.name +
                            ": cannot assign the value; expected a float32 array of shape " +
                            py::repr(view.attr("shape")).cast<std::string>() + " (or broadcastable to it): " +
                            e.what());
    }
    return;
  }
  if (py::hasattr(view, "copy_")) {  // torch.Tensor
    py::object torch = py::module_::import("torch");
    view.attr("copy_")(torch.attr("as_tensor")(value));
    return;
  }
  throw py::type_error(std::string("Simulator.") + spec.name +
                       ": assigning to a CUDA field needs torch; otherwise write through a "
                       "framework view in place, e.g. cupy.asarray(sim." + spec.name +
                       ")[...] = value");
}

}  // namespace

namespace lockstep {
void bind_envs(pybind11::module_& m);  // env_bindings.cc
}

PYBIND11_MODULE(_lockstep, m) {
  m.doc() = "Lockstep: batched rigid-body physics with MuJoCo semantics (native extension).";
#ifdef LOCKSTEP_VERSION
  m.attr("__version__") = LOCKSTEP_VERSION;
#endif
  // MjcfError is a ValueError: `except ValueError` catches loader errors too.
  py::register_exception<MjcfError>(m, "MjcfError", PyExc_ValueError);
  bind_device_array(m);
  lockstep::bind_envs(m);

  // ---- Option ----
  py::class_<Option>(m, "Option", "Physics options, MuJoCo's <option> (read-only).")
      .def_readonly("timestep", &Option::timestep, "physics step [s]")
      .def_property_readonly(
          "gravity",
          [](py::object self) {
            return readonly_array(self.cast<const Option&>().gravity, {3}, self);
          },
          "(3,) float32 gravitational acceleration [m/s^2]")
      .def_readonly("integrator", &Option::integrator, "0: Euler, 1: RK4 (MuJoCo's values)")
      .def_readonly("solver", &Option::solver, "0: PGS, 1: CG, 2: Newton")
      .def_readonly("cone", &Option::cone, "0: pyramidal, 1: elliptic")
      .def_readonly("iterations", &Option::iterations, "constraint solver iterations")
      .def_readonly("ls_iterations", &Option::ls_iterations, "line-search iterations")
      .def_readonly("tolerance", &Option::tolerance, "solver early-exit tolerance")
      .def_readonly("ls_tolerance", &Option::ls_tolerance, "line-search tolerance")
      .def_readonly("impratio", &Option::impratio, "frictional-to-normal impedance ratio")
      .def_readonly("disableflags", &Option::disableflags, "DisableBit mask (engine/defs.h)")
      .def("__repr__", [](const Option& o) {
        std::ostringstream s;
        s << "<lockstep.Option timestep=" << o.timestep << " gravity=(" << o.gravity[0] << ", "
          << o.gravity[1] << ", " << o.gravity[2] << ") integrator=" << o.integrator
          << " solver=" << o.solver << " cone=" << o.cone << " iterations=" << o.iterations << ">";
        return s.str();
      });

  // ---- Model ----
  py::class_<Model, std::shared_ptr<Model>> model(m, "Model", R"doc(
A compiled, immutable model (MuJoCo's mjModel subset). Create it with lockstep.load_mjcf().

Sizes (nq, nv, nu, ...), `opt` and every array use MuJoCo's names and shapes: body_pos is
(nbody, 3), jnt_range (njnt, 2), geom_size (ngeom, 3), actuator_gear (nu, 6), dof_damping (nv,),
qpos0 (nq,). Arrays are read-only NumPy views (float32 or int32) into the model.
)doc");
  for (const std::string& name : size_names())
    model.def_property_readonly(
        name.c_str(), [name](const Model& self) { return size_value(self.size, name); },
        size_doc(name));
  model.def_property_readonly("opt", [](const Model& self) { return self.opt; },
                              "physics options (a copy; read-only)")
      .def_readonly("name", &Model::model_name, "<mujoco model=...> name")
      .def_readonly("body_names", &Model::body_names, "body names, body id order ('' if unnamed)")
      .def_readonly("jnt_names", &Model::jnt_names, "joint names, joint id order")
      .def_readonly("geom_names", &Model::geom_names, "geom names, geom id order")
      .def_readonly("site_names", &Model::site_names, "site names, site id order")
      .def_readonly("actuator_names", &Model::actuator_names, "actuator names, actuator id order")
      .def_readonly("tendon_names", &Model::tendon_names, "tendon names, tendon id order")
      .def_property_readonly(
          "numeric",
          [](const Model& self) {
            py::dict d;
            for (const auto& [key, values] : self.numeric)
              d[py::str(key)] = py::array_t<float>(values.size(), values.data());
            return d;
          },
          "<custom><numeric> data: dict name -> float32 array (a copy)")
      .def("name2id", &Model::name2id, py::arg("kind"), py::arg("name"),
           "Id of the named object of `kind` ('body', 'joint', 'geom', 'site', 'actuator', "
           "'tendon'), or -1 if there is none. Unknown kind: ValueError.")
      .def_static(
          "array_names",
          [] {
            std::vector<std::string> names;
            for (const FieldSpec& spec : model_specs()) names.push_back(spec.name);
            return names;
          },
          "names of every model array attribute")
      .def("__repr__", &model_repr);
  for (const FieldSpec& spec : model_specs())
    model.def_property_readonly(
        spec.name, [&spec](py::object self) { return spec.get(self, spec); },
        keep(std::string(spec.comment) + "; " + spec.dtype + " " +
             shape_text(spec.factors, false, "", spec.count)));

  m.def("_load_mjcf_file", &load_mjcf, py::arg("path"),
        py::call_guard<py::gil_scoped_release>());
  m.def("_load_mjcf_string", &load_mjcf_string, py::arg("xml"), py::arg("name") = "<string>",
        py::call_guard<py::gil_scoped_release>());
  m.def("cuda_available", &cuda_available,
        "True if this build has the CUDA backend and a CUDA device is present.");
#ifdef LOCKSTEP_HAVE_CUDA
  m.attr("built_with_cuda") = true;
#else
  m.attr("built_with_cuda") = false;
#endif

  // ---- Simulator ----
  py::class_<Simulator> sim(m, "Simulator", R"doc(
Simulator(model, num_worlds=1, device="cpu", num_threads=0)

num_worlds copies ("worlds") of one Model, stepped in lockstep on the CPU (threads) or a CUDA
GPU. device: "cpu", "cuda" or "cuda:0"; anything else raises ValueError, and "cuda" without a
CUDA build or device raises RuntimeError. num_threads: CPU threads, 0 for every core.

State: every field of MuJoCo's mjData that Lockstep keeps is an attribute, float32, with a
leading world axis and MuJoCo's shape after it, for example
  qpos (num_worlds, nq) [m, rad, unit quaternion w x y z]   qvel (num_worlds, nv) [m/s, rad/s]
  ctrl (num_worlds, nu)          act (num_worlds, na)       qacc (num_worlds, nv)
  qfrc_bias / qfrc_passive / qfrc_actuator / qfrc_constraint / qfrc_applied (num_worlds, nv)
  xpos, xipos, subtree_com (num_worlds, nbody, 3) [m]       xquat (num_worlds, nbody, 4)
  xmat, ximat (num_worlds, nbody, 3, 3) row-major           cinert (num_worlds, nbody, 10)
  cdof (num_worlds, nv, 6)  cvel (num_worlds, nbody, 6)     qM (num_worlds, nv, nv)
  geom_xpos (num_worlds, ngeom, 3)  time (num_worlds,) [s]  diverged (num_worlds,) 1.0 once non-finite
(each attribute's docstring gives its shape; field_names() lists them all).
On the CPU each attribute is a writable NumPy view of the simulator's own buffer, no copy:
write in place (sim.qpos[:] = q, sim.ctrl[3] = u) or assign (sim.qpos = q, broadcast like
NumPy), then forward() or step() sees the new values. Views stay valid while you hold them
(they keep the simulator alive); their strides may not be C-contiguous. On CUDA the
attributes are torch.Tensors on the GPU if torch can be imported, else DeviceArray objects
(__cuda_array_interface__, __dlpack__) for CuPy, JAX, Numba.
)doc");
  sim.def(py::init(&make_simulator), py::arg("model"), py::arg("num_worlds") = 1,
          py::arg("device") = "cpu", py::arg("num_threads") = 0)
      .def("forward", &Simulator::forward, py::call_guard<py::gil_scoped_release>(),
           "Computes derived quantities (kinematics, qM, forces, qacc) from qpos, qvel, ctrl "
           "in every world; the state itself is unchanged.")
      .def(
          "step",
          [](Simulator& self, int n) {
            if (n < 1) throw py::value_error("Simulator.step: n must be >= 1, got " + std::to_string(n));
            py::gil_scoped_release release;
            self.step(n);
          },
          py::arg("n") = 1, "Advances every world by n physics steps of model.opt.timestep.")
      .def("rne_post_constraint", &Simulator::rne_post_constraint,
           py::call_guard<py::gil_scoped_release>(),
           "cacc, cfrc_int and cfrc_ext (N, nbody, 6) [torque; force] about each body's root com, "
           "as MuJoCo's mj_rnePostConstraint: current qvel/qacc, derived quantities of the last "
           "forward().")
      .def(
          "reset",
          [](Simulator& self, py::object worlds) {
            if (worlds.is_none()) {
              py::gil_scoped_release release;
              self.reset();
              return;
            }
            // Indices, or a boolean mask of length num_worlds (e.g. sim.diverged > 0).
            py::array arr = py::array::ensure(worlds);
            if (!arr) throw py::value_error("Simulator.reset: worlds must be None, indices or a mask");
            std::vector<int> ids;
            if (arr.dtype().kind() == 'b') {
              auto mask = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(arr);
              if (mask.ndim() != 1 || mask.shape(0) != self.num_worlds())
                throw py::value_error("Simulator.reset: a mask must have shape (" +
                                      std::to_string(self.num_worlds()) + ",)");
              for (py::ssize_t w = 0; w < mask.shape(0); ++w)
                if (mask.at(w)) ids.push_back(static_cast<int>(w));
            } else {
              if (arr.dtype().kind() != 'i' && arr.dtype().kind() != 'u')
                throw py::value_error("Simulator.reset: worlds must be integer indices or a bool mask");
              auto idx = py::array_t<long long, py::array::c_style | py::array::forcecast>::ensure(arr);
              for (py::ssize_t k = 0; k < idx.size(); ++k) ids.push_back(static_cast<int>(idx.data()[k]));
            }
            py::gil_scoped_release release;
            self.reset_worlds(ids);
          },
          py::arg("worlds") = py::none(),
          "Worlds to qpos0 with zero qvel, act, ctrl and applied forces, time 0, diverged 0; then "
          "forward(). worlds: None (all), integer indices, or a bool mask of shape (num_worlds,).")
      .def_property_readonly(
          "model",
          [](const Simulator& self) { return std::const_pointer_cast<Model>(self.model_ptr()); },
          "the Model (shared by every world)")
      .def_property_readonly("num_worlds", &Simulator::num_worlds,
                             "number of worlds, the leading dimension of every state field")
      .def_property_readonly("device", [](const Simulator& self) { return device_name(self.device()); },
                             "'cpu' or 'cuda'")
      .def(
          "set_stream",
          [](Simulator& self, py::object stream) {
            // None, an int handle, or a stream object: torch.cuda.Stream (.cuda_stream), CuPy (.ptr)
            py::object handle = stream;
            if (py::hasattr(stream, "cuda_stream")) handle = stream.attr("cuda_stream");
            else if (py::hasattr(stream, "ptr")) handle = stream.attr("ptr");
            if (!handle.is_none() && !py::isinstance<py::int_>(handle))
              throw py::type_error("Simulator.set_stream: expected None, an int CUDA stream handle, "
                                   "or a stream object with .cuda_stream or .ptr; got " +
                                   py::str(py::type::of(stream)).cast<std::string>());
            const uintptr_t h = handle.is_none() ? 0 : handle.cast<uintptr_t>();
            self.set_stream(reinterpret_cast<void*>(h));
          },
          py::arg("stream"),
          "CUDA backend: queue every later forward/step/reset on `stream` (torch.cuda.Stream, a "
          "CuPy stream, an int cudaStream_t, or None for the legacy default stream), after the "
          "work queued on the previous stream (construction included); calls return once "
          "queued. Arrays handed out through DLPack order their consumer's stream after it. No "
          "effect on the CPU backend.")
      .def_property_readonly(
          "stream", [](const Simulator& self) { return reinterpret_cast<uintptr_t>(self.stream()); },
          "the CUDA stream handle set by set_stream, as an int (0: the legacy default stream)")
      .def_property(
          "step_launch",
          [](const Simulator& self) {
            return std::string(step_launch_name(self.step_launch()));
          },
          [](Simulator& self, const std::string& value) {
            StepLaunch launch;
            if (!parse_step_launch(value, &launch))
              throw py::value_error(
                  "Simulator.step_launch: expected 'staged', 'fused' or 'on_chip', got '" + value +
                  "'");
            self.set_step_launch(launch);
          },
          "CUDA: 'staged' (a launch per stage of each step), 'fused' (one thread-per-world launch "
          "for step(n)) or 'on_chip' (one launch for step(n), each world's state in shared "
          "memory and a warp per world; ValueError where a world does not fit); results agree "
          "to float32 rounding. Default: staged (faster at every batch size measured). An env's "
          "step follows its sim's setting. The CPU backend steps each world whole and reports "
          "'fused'.")
      .def_property(
          "world_lanes", &Simulator::world_lanes,
          [](Simulator& self, int lanes) {
            try {
              self.set_world_lanes(lanes);
            } catch (const std::invalid_argument& e) {
              throw py::value_error(std::string("Simulator.world_lanes: ") + e.what());
            }
          },
          "CUDA staged step: threads per world (int) in the stages that split a world's loops: "
          "1, 2, 4, 8, 16 or 32, or 0 (the default) to choose by batch size (more where the "
          "batch is too small to fill the GPU). Reads the count in use. Results are bitwise the "
          "same for any value. The CPU backend runs each world on one thread and reports 1.")
      .def_static("field_names", &Simulator::field_names, "names of every state field")
      .def(
          "field",
          [](py::object self, const std::string& name) {
            for (const FieldSpec& s : state_specs())
              if (name == s.name) return state_view(self, s);
            throw py::value_error("Simulator.field: unknown field '" + name +
                                  "'; see Simulator.field_names()");
          },
          py::arg("name"), "The state field `name` as a view (same as the attribute).")
      .def(
          "world_sum",
          [](const Simulator& self, const std::string& field, int entry) {
            py::gil_scoped_release release;
            return self.world_sum(field, entry);
          },
          py::arg("field"), py::arg("entry") = 0,
          "Sum over worlds of entry `entry` (flat index within one world's entries) of state "
          "field `field`, accumulated in float64 and returned as a float: world_sum('diverged') "
          "counts the diverged worlds, world_sum('ncon') / num_worlds is the mean contact count. "
          "CUDA: a Thrust reduction queued on the sim's stream; returns once it is done. "
          "ValueError for an unknown field or an entry out of range.")
      .def("__repr__", [](const Simulator& self) {
        return "<lockstep.Simulator '" + self.model().model_name + "' num_worlds=" +
               std::to_string(self.num_worlds()) + " device=" + device_name(self.device()) + ">";
      });
  for (const FieldSpec& spec : state_specs())
    sim.def_property(
        spec.name, [&spec](py::object self) { return state_view(self, spec); },
        [&spec](py::object self, py::object value) { assign_state(self, spec, value); },
        keep(std::string(spec.comment) + "; float32 " +
             shape_text(spec.factors, true, "num_worlds", spec.count) + ", per world: " +
             spec.count));
}
