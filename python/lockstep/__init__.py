"""Lockstep: batched rigid-body physics with MuJoCo semantics, on CUDA GPUs and CPU threads.

    model = lockstep.load_mjcf("ant.xml")                  # or XML text
    sim = lockstep.Simulator(model, num_worlds=1024, device="cpu")
    sim.qpos[:, 2] += 0.1                                  # zero-copy (num_worlds, nq) float32 view
    sim.forward()                                          # xpos, qM, qacc, ... from qpos, qvel, ctrl
    sim.step(10)                                           # 10 physics steps in every world

Names, shapes and units follow MuJoCo (mjModel / mjData); every array is float32 (int32 for
integer model arrays). See help(lockstep.Simulator) and help(lockstep.Model).
"""

import os as _os

# The environments' model files ship inside the package.
if _os.path.isdir(_os.path.join(_os.path.dirname(__file__), "models")):
    _os.environ.setdefault("LOCKSTEP_MODELS_DIR",
                           _os.path.join(_os.path.dirname(__file__), "models"))

from . import _lockstep
from ._lockstep import (  # noqa: F401
    DeviceArray,
    MjcfError,
    Model,
    Option,
    Simulator,
    __version__,
    built_with_cuda,
    cuda_available,
)

__all__ = ["load_mjcf", "Model", "Option", "Simulator", "DeviceArray", "MjcfError",
           "cuda_available", "built_with_cuda", "__version__"]


def load_mjcf(path_or_xml):
    """Loads and compiles an MJCF model.

    path_or_xml: a file path (str or os.PathLike), or the XML text itself when the string
    starts with '<' (after leading whitespace).

    Returns a lockstep.Model. Raises lockstep.MjcfError (a ValueError) whose message reads
    "FILE:LINE: <element> attribute 'attr': problem" for anything malformed or unsupported;
    the supported subset is described in engine/mjcf.h and README.md.
    """
    if isinstance(path_or_xml, str) and path_or_xml.lstrip().startswith("<"):
        return _lockstep._load_mjcf_string(path_or_xml)
    try:
        path = _os.fspath(path_or_xml)
    except TypeError:
        raise TypeError(
            "load_mjcf: expected a path (str or os.PathLike) or MJCF XML text, got "
            f"{type(path_or_xml).__name__}") from None
    if isinstance(path, bytes):
        path = _os.fsdecode(path)
    return _lockstep._load_mjcf_file(path)



class PhysicsParams:
    """Per-world physics parameters of a Simulator, settable at any time (domain randomisation,
    system identification). Each attribute is a zero-copy view into the simulator's state;
    assigning to an attribute writes in place (``sim.params.friction = x`` and
    ``sim.params.friction[:] = x`` are the same). reset() leaves them unchanged.

    gravity      (num_worlds, 3)      [m/s^2], default model.opt.gravity
    mass_scale   (num_worlds, nbody)  factor on body mass and inertia, default 1
    friction     (num_worlds,)        factor on every contact friction coefficient, default 1
    actuator_gain (num_worlds, nu)    factor on actuator force (gain and bias), default 1
    damping      (num_worlds, nv)     dof damping [N s/m, N m s/rad], default model.dof_damping
    """

    _FIELDS = {"gravity": "param_gravity", "mass_scale": "param_mass_scale",
               "friction": "param_friction", "actuator_gain": "param_actuator_gain",
               "damping": "param_damping"}

    def __init__(self, sim):
        object.__setattr__(self, "_sim", sim)

    def __getattr__(self, name):
        try:
            return getattr(self._sim, self._FIELDS[name])
        except KeyError:
            raise AttributeError(
                f"Simulator.params has no '{name}'; expected one of {sorted(self._FIELDS)}") from None

    def __setattr__(self, name, value):
        if name not in self._FIELDS:
            raise AttributeError(
                f"Simulator.params has no '{name}'; expected one of {sorted(self._FIELDS)}")
        setattr(self._sim, self._FIELDS[name], value)

    def __dir__(self):
        return sorted(self._FIELDS)

    def __repr__(self):
        return f"PhysicsParams({', '.join(sorted(self._FIELDS))})"


Simulator.params = property(PhysicsParams, doc=PhysicsParams.__doc__)
__all__.append("PhysicsParams")


from .envs import envs, make  # noqa: E402
__all__ += ["make", "envs"]
