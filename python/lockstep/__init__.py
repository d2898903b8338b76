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

