"""Compiled model quantities of the six gymnasium models against MuJoCo's compiler (the oracle).

Every Lockstep model array that mujoco.MjModel also has is compared, in MuJoCo's shape, to about
1e-6 relative (Lockstep stores float32). Quaternions are compared up to sign; body_iquat through
the body-frame inertia tensor R·diag(I)·Rᵀ, because eigenvector signs (and the frame inside a
degenerate eigenspace) are free.
"""
from pathlib import Path

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")
lockstep = pytest.importorskip("lockstep")

MODELS = Path(__file__).resolve().parents[2] / ".." / "shared" / "models" / "gymnasium"
NAMES = ["ant", "half_cheetah", "hopper", "humanoid", "reacher", "walker2d"]
SIZES = ["nq", "nv", "nu", "nbody", "njnt", "ngeom", "nsite", "ntendon", "nwrap", "npair",
         "nexclude", "nM"]
# Filled after compilation by set_const (mass matrix at qpos0), or Lockstep-only layouts.
NOT_COMPILER = {"body_invweight0", "dof_invweight0", "tendon_invweight0"}
# Lockstep name -> MuJoCo name where they differ.
ALIASES = {"pair_condim": "pair_dim"}
# Arrays every model must expose (a regression guard on the compared set).
REQUIRED = ["body_mass", "body_inertia", "body_ipos", "body_iquat", "body_pos", "body_quat",
            "body_subtreemass", "jnt_qposadr", "jnt_dofadr", "jnt_range", "jnt_axis", "qpos0",
            "qpos_spring", "dof_armature", "dof_damping", "dof_parentid", "actuator_gainprm",
            "actuator_biasprm", "actuator_ctrlrange", "actuator_gear", "geom_size", "geom_pos",
            "geom_quat", "geom_rbound", "geom_friction", "geom_solimp"]


def quat2mat(q):
    m = np.zeros(9)
    mujoco.mju_quat2Mat(m, np.asarray(q, dtype=np.float64))
    return m.reshape(3, 3)


@pytest.fixture(scope="module", params=NAMES)
def pair(request):
    path = MODELS / f"{request.param}.xml"
    return lockstep.load_mjcf(path), mujoco.MjModel.from_xml_path(str(path))


def compared_arrays(ls, mj):
    names = [n for n in lockstep.Model.array_names() if n not in NOT_COMPILER]
    return [n for n in names if hasattr(mj, ALIASES.get(n, n))]


def test_sizes(pair):
    ls, mj = pair
    for s in SIZES:
        assert getattr(ls, s) == getattr(mj, s), s


def test_required_arrays_are_compared(pair):
    ls, mj = pair
    missing = set(REQUIRED) - set(compared_arrays(ls, mj))
    assert not missing


def test_arrays_match(pair):
    ls, mj = pair
    for name in compared_arrays(ls, mj):
        if name == "body_iquat":
            continue  # test_body_inertia_frames
        mine = np.asarray(getattr(ls, name), dtype=np.float64)
        ref = np.asarray(getattr(mj, ALIASES.get(name, name)), dtype=np.float64)
        if name == "actuator_trnid":  # Lockstep keeps one id; MuJoCo (nu, 2)
            ref = ref[:, 0]
        assert mine.shape == ref.shape, name
        if name.endswith("_quat") and mine.size:
            sign = np.where(np.sum(mine * ref, axis=-1) < 0, -1.0, 1.0)
            mine = mine * sign[..., None]
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-7, err_msg=name)


def test_tree_sparsity(pair):
    """LD_* rows hold each dof's ancestors (MuJoCo's dof_parentid chain) and the dof, ascending;
    MuJoCo's qM is zero outside them (its M_* arrays also drop entries it proves zero)."""
    ls, mj = pair
    assert ls.nM == mj.nM == ls.LD_colind.size
    data = mujoco.MjData(mj)
    mujoco.mj_forward(mj, data)
    full = np.zeros((mj.nv, mj.nv))
    mujoco.mj_fullM(mj, full, data.qM)
    inside = np.zeros((mj.nv, mj.nv), dtype=bool)
    for i in range(mj.nv):
        chain, j = [], i
        while j >= 0:
            chain.append(j)
            j = mj.dof_parentid[j]
        row = ls.LD_colind[ls.LD_rowadr[i]:ls.LD_rowadr[i] + ls.LD_rownnz[i]]
        np.testing.assert_array_equal(row, sorted(chain), err_msg=f"dof {i}")
        inside[i, row] = inside[row, i] = True
    assert not np.any(full[~inside]), "qM has an entry outside the tree sparsity"


def test_body_inertia_frames(pair):
    ls, mj = pair
    for b in range(mj.nbody):
        mine = quat2mat(ls.body_iquat[b]) @ np.diag(ls.body_inertia[b]) @ \
            quat2mat(ls.body_iquat[b]).T
        ref = quat2mat(mj.body_iquat[b]) @ np.diag(mj.body_inertia[b]) @ \
            quat2mat(mj.body_iquat[b]).T
        scale = max(np.abs(ref).max(), 1e-12)
        np.testing.assert_allclose(mine, ref, rtol=0, atol=2e-6 * scale, err_msg=f"body {b}")
        assert np.isclose(np.linalg.norm(ls.body_iquat[b]), 1.0, atol=1e-6)
    # Principal moments are descending wherever MuJoCo sorted them (bodies with several geoms).
    np.testing.assert_allclose(ls.body_inertia, mj.body_inertia, rtol=1e-6, atol=1e-9)


def test_options(pair):
    ls, mj = pair
    assert ls.opt.timestep == pytest.approx(mj.opt.timestep)
    np.testing.assert_allclose(ls.opt.gravity, mj.opt.gravity, rtol=1e-6)
    assert ls.opt.integrator == mj.opt.integrator
    assert ls.opt.solver == mj.opt.solver
    assert ls.opt.cone == mj.opt.cone
    assert ls.opt.iterations == mj.opt.iterations
    assert ls.opt.ls_iterations == mj.opt.ls_iterations


def test_names(pair):
    ls, mj = pair
    for b in range(1, mj.nbody):
        assert ls.body_names[b] == mj.body(b).name
    for j in range(mj.njnt):
        assert ls.jnt_names[j] == mj.joint(j).name
    for g in range(mj.ngeom):
        assert ls.geom_names[g] == mj.geom(g).name
    for a in range(mj.nu):
        assert ls.actuator_names[a] == mj.actuator(a).name
