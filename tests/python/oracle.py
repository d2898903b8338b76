"""Helpers shared by the MuJoCo-oracle tests: model variants and random states."""
from pathlib import Path
import xml.etree.ElementTree as ET

import numpy as np

SHARED_MODELS = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "gymnasium"
GYM_MODELS = ["ant", "half_cheetah", "hopper", "humanoid", "reacher", "walker2d"]


def model_xml(name, integrator=None, disable=(), timestep=None):
    """The shared model's XML with <option> changed: `integrator` ("Euler"/"RK4"), `disable`
    (flag names such as "contact", "limit") and `timestep` [s]. Both engines load this text."""
    root = ET.parse(SHARED_MODELS / f"{name}.xml").getroot()
    option = root.find("option")
    if option is None:
        option = ET.SubElement(root, "option")
    if integrator:
        option.set("integrator", integrator)
    if timestep:
        option.set("timestep", repr(timestep))
    if disable:
        flag = option.find("flag")
        if flag is None:
            flag = ET.SubElement(option, "flag")
        for f in disable:
            flag.set(f, "disable")
    return ET.tostring(root, encoding="unicode")


def random_state(mj_model, rng, qvel_scale=1.0):
    """(qpos, qvel, ctrl) near qpos0: scalar joints ±0.5 rad/m, random unit quaternions for
    ball and free joints, velocities N(0, qvel_scale), controls uniform in their range."""
    import mujoco

    qpos = mj_model.qpos0.copy()
    for j in range(mj_model.njnt):
        adr = mj_model.jnt_qposadr[j]
        t = mj_model.jnt_type[j]
        if t == mujoco.mjtJoint.mjJNT_FREE:
            qpos[adr:adr + 3] += rng.uniform(-0.5, 0.5, 3)
            q = rng.normal(size=4)
            qpos[adr + 3:adr + 7] = q / np.linalg.norm(q)
        elif t == mujoco.mjtJoint.mjJNT_BALL:
            q = rng.normal(size=4)
            qpos[adr:adr + 4] = q / np.linalg.norm(q)
        else:
            qpos[adr] += rng.uniform(-0.5, 0.5)
    qvel = rng.normal(scale=qvel_scale, size=mj_model.nv)
    lo, hi = mj_model.actuator_ctrlrange.T if mj_model.nu else (np.zeros(0), np.zeros(0))
    ctrl = rng.uniform(lo, hi) if mj_model.nu else np.zeros(0)
    return qpos, qvel, ctrl


def rel_err(actual, expected, floor=1.0):
    """‖actual − expected‖ / max(‖expected‖, floor), in float64."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return float(np.linalg.norm(a - e) / max(np.linalg.norm(e), floor))
