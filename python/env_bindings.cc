// Bindings of the C++ env layer (envs/vec_env.h). The Gymnasium VectorEnv on top is
// python/lockstep/envs.py; no logic here.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "arrays.h"
#include "envs/vec_env.h"

namespace lockstep {

namespace py = pybind11;

void bind_envs(py::module_& m) {
  py::class_<VecEnv, std::unique_ptr<VecEnv>>(m, "_VecEnv")
      .def("reset", [](VecEnv& e, uint64_t seed) {
        py::gil_scoped_release release;
        e.reset(seed);
      })
      // actions: address of a C-contiguous float32 (num_envs, act_dim) array in the env's
      // memory space; checked by lockstep/envs.py. actions_stream (GPU): the stream the actions
      // were written on (torch's current stream); the step waits for it, no host sync.
      .def(
          "step_ptr",
          [](VecEnv& e, uintptr_t actions, uintptr_t actions_stream) {
            if (e.device() == Device::cuda)
              py_arrays::stream_wait(e.sim().stream(), reinterpret_cast<void*>(actions_stream),
                                     "step");
            py::gil_scoped_release release;
            e.step(reinterpret_cast<const float*>(actions));
          },
          py::arg("actions"), py::arg("actions_stream") = 0)
      // A view of an output buffer (NumPy on the CPU, torch or DeviceArray on the GPU), or with
      // copy=True a DLPack-capable copy (NumPy, or a DeviceArray owning device memory).
      .def(
          "buffer",
          [](py::object self, const std::string& name, bool copy) {
            VecEnv& e = self.cast<VecEnv&>();
            const EnvBuffers& b = e.buffers();
            const int n = e.num_envs();
            float* data = nullptr;
            int dim = 1;
            if (name == "obs") data = b.obs, dim = e.obs_dim();
            else if (name == "final_obs") data = b.final_obs, dim = e.obs_dim();
            else if (name == "reward") data = b.reward;
            else if (name == "terminated") data = b.terminated;
            else if (name == "truncated") data = b.truncated;
            else if (name == "done") data = b.done;
            else if (name == "episode_return") data = b.episode_return;
            else if (name == "episode_length") data = b.episode_length;
            else if (name == "action_nonfinite") data = b.action_nonfinite;
            else throw py::value_error("_VecEnv.buffer: unknown buffer '" + name + "'");
            std::vector<py::ssize_t> dims;
            if (dim > 1) dims.push_back(dim);
            const bool on_device = e.device() == Device::cuda;
            if (copy && on_device) {
              std::vector<py::ssize_t> shape{n};
              shape.insert(shape.end(), dims.begin(), dims.end());
              return py_arrays::device_copy(data, shape, e.sim().stream());
            }
            py::object view = py_arrays::field_view(FieldRef{data, n, dim, dim, 1, on_device}, dims, self,
                                                    &e.sim());
            return copy ? py::object(py::module_::import("numpy").attr("array")(view)) : view;
          },
          py::arg("name"), py::arg("copy") = false)
      .def_property_readonly("sim", [](VecEnv& e) -> Simulator& { return e.sim(); },
                             py::return_value_policy::reference_internal)
      .def_property_readonly("obs_dim", &VecEnv::obs_dim)
      .def_property_readonly("act_dim", &VecEnv::act_dim)
      .def_property_readonly("num_envs", &VecEnv::num_envs)
      .def_property_readonly("name", &VecEnv::name)
      .def_property_readonly("max_episode_steps", &VecEnv::max_episode_steps)
      .def_property_readonly("dt", &VecEnv::dt)
      .def_property_readonly("on_device",
                             [](const VecEnv& e) { return e.device() == Device::cuda; });

  m.def(
      "_make_env",
      [](const std::string& name, int num_envs, const std::string& device, uint64_t seed,
         bool same_step, const std::map<std::string, double>& kwargs,
         const std::map<std::string, std::pair<std::vector<double>, std::vector<double>>>&
             domain_randomization) {
        EnvOptions o;
        o.num_envs = num_envs;
        o.device = parse_device(device);
        o.seed = seed;
        o.autoreset = same_step ? Autoreset::same_step : Autoreset::next_step;
        o.kwargs = kwargs;
        o.domain_randomization = domain_randomization;
        return make_env(name, o).take();
      },
      py::arg("name"), py::arg("num_envs"), py::arg("device"), py::arg("seed"),
      py::arg("same_step"), py::arg("kwargs"), py::arg("domain_randomization"));
  m.def("_env_names", &env_names);
}

}  // namespace lockstep
