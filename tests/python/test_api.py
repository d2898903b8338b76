"""Python API: shapes, dtypes and zero-copy semantics of lockstep.Model and lockstep.Simulator."""
import gc

import numpy as np
import pytest

import lockstep

# Outer dimension of a model array, from its name's prefix (MuJoCo's convention); stat_ arrays
# hold one value.
PREFIX_SIZE = {
    "body_": "nbody", "jnt_": "njnt", "dof_": "nv", "geom_": "ngeom", "site_": "nsite",
    "actuator_": "nu", "tendon_": "ntendon", "wrap_": "nwrap", "pair_": "npair",
    "exclude_": "nexclude", "qpos": "nq", "collision_": "ncollision", "slot_": "ncon_max",
    "stat_": None, "LD_colind": "nM", "LD_row": "nv",
}
# Model arrays whose layout is Lockstep's own: actuator_trnid holds one id (joint or tendon), not
# MuJoCo's (nu, 2) pair.
LAYOUT_DIFFERS = {"actuator_trnid"}
SIZE_NAMES = ["nq", "nv", "nu", "na", "nbody", "njnt", "ngeom", "nsite", "ntendon", "nwrap",
              "npair", "nexclude"]


def outer_size(model, array_name):
    for prefix, size in PREFIX_SIZE.items():
        if array_name.startswith(prefix):
            return 1 if size is None else getattr(model, size)
    raise AssertionError(f"no size for model array {array_name}")


def natural_shapes(m, n):
    """MuJoCo's shapes of the state fields every test relies on, with the world axis first."""
    return {
        "time": (n,), "diverged": (n,),
        "qpos": (n, m.nq), "qvel": (n, m.nv), "ctrl": (n, m.nu), "act": (n, m.na),
        "qacc": (n, m.nv), "qM": (n, m.nv, m.nv), "qfrc_bias": (n, m.nv),
        "qfrc_passive": (n, m.nv), "qfrc_actuator": (n, m.nv), "qfrc_constraint": (n, m.nv),
        "qfrc_applied": (n, m.nv), "xfrc_applied": (n, m.nbody, 6),
        "xpos": (n, m.nbody, 3), "xipos": (n, m.nbody, 3), "subtree_com": (n, m.nbody, 3),
        "xquat": (n, m.nbody, 4), "xmat": (n, m.nbody, 3, 3), "ximat": (n, m.nbody, 3, 3),
        "cinert": (n, m.nbody, 10), "cdof": (n, m.nv, 6), "cvel": (n, m.nbody, 6),
        "geom_xpos": (n, m.ngeom, 3), "geom_xmat": (n, m.ngeom, 3, 3),
        "site_xpos": (n, m.nsite, 3), "xanchor": (n, m.njnt, 3), "xaxis": (n, m.njnt, 3),
        "actuator_force": (n, m.nu),
    }


# ---- Model ----

def test_load_mjcf_accepts_path_str_and_xml_text(models_dir):
    from_path = lockstep.load_mjcf(models_dir / "ant.xml")
    from_str = lockstep.load_mjcf(str(models_dir / "ant.xml"))
    from_text = lockstep.load_mjcf("\n  " + (models_dir / "ant.xml").read_text())
    for m in (from_str, from_text):
        assert (m.nq, m.nv, m.nu, m.nbody) == (from_path.nq, from_path.nv, from_path.nu,
                                               from_path.nbody)
        np.testing.assert_array_equal(m.body_mass, from_path.body_mass)


def test_ant_sizes_and_options_match_mujoco(ant_model, models_dir):
    mujoco = pytest.importorskip("mujoco")
    mj = mujoco.MjModel.from_xml_path(str(models_dir / "ant.xml"))
    for size in SIZE_NAMES:
        assert getattr(ant_model, size) == getattr(mj, size), size
    assert (ant_model.nq, ant_model.nv, ant_model.nu) == (15, 14, 8)
    opt = ant_model.opt
    assert opt.timestep == pytest.approx(0.01)
    assert opt.integrator == 1  # RK4, MuJoCo's enum value
    assert opt.gravity.shape == (3,) and opt.gravity.dtype == np.float32
    np.testing.assert_allclose(opt.gravity, mj.opt.gravity, rtol=1e-6)
    for name in ("iterations", "ls_iterations", "cone", "solver"):
        assert getattr(opt, name) == int(getattr(mj.opt, name)), name
    assert isinstance(opt.tolerance, float) and isinstance(opt.impratio, float)
    assert isinstance(opt.disableflags, int)


def test_every_model_array_has_mujoco_shape_and_is_readonly(ant_model, models_dir):
    mujoco = pytest.importorskip("mujoco")
    mj = mujoco.MjModel.from_xml_path(str(models_dir / "ant.xml"))
    names = lockstep.Model.array_names()
    assert len(names) == len(set(names)) > 80
    compared = 0
    for name in names:
        a = getattr(ant_model, name)
        assert isinstance(a, np.ndarray), name
        assert a.dtype in (np.float32, np.int32), name
        assert not a.flags.writeable, name
        assert a.ndim in (1, 2), name
        assert a.shape[0] == outer_size(ant_model, name), name
        if a.ndim == 2:
            assert a.shape[1] > 1, name
        ref = getattr(mj, name, None)
        if isinstance(ref, np.ndarray) and ref.dtype.kind in "if" and name not in LAYOUT_DIFFERS:
            assert a.shape == ref.shape, (name, a.shape, ref.shape)
            compared += 1
    assert compared > 50


def test_bodies_by_depth(ant_model):
    # Ant: torso, then four legs, their hips and their ankles.
    m = ant_model
    assert m.nlevel == 4
    assert m.body_bylevel[0] == 0 and sorted(m.body_bylevel) == list(range(m.nbody))
    depth = np.zeros(m.nbody, int)
    for b in range(1, m.nbody):
        depth[b] = depth[m.body_parentid[b]] + 1
    for level in range(m.nlevel + 1):
        end = m.body_leveladr[level + 1] if level < m.nlevel else m.nbody
        assert (depth[m.body_bylevel[m.body_leveladr[level]:end]] == level).all()
    for b in range(m.nbody):
        kids = m.body_bylevel[m.body_childadr[b]:m.body_childadr[b] + m.body_childnum[b]]
        assert sorted(kids) == [c for c in range(1, m.nbody) if m.body_parentid[c] == b]
    # Depth-first ids: a body's subtree is b ... body_subtreeend[b] - 1.
    def in_subtree(c, b):
        while c > b:
            c = m.body_parentid[c]
        return c == b
    for b in range(m.nbody):
        subtree = [c for c in range(m.nbody) if in_subtree(c, b)]
        assert subtree == list(range(b, m.body_subtreeend[b]))


def test_model_values_match_mujoco(ant_model, models_dir):
    mujoco = pytest.importorskip("mujoco")
    mj = mujoco.MjModel.from_xml_path(str(models_dir / "ant.xml"))
    np.testing.assert_allclose(ant_model.body_mass, mj.body_mass, rtol=1e-5)
    np.testing.assert_array_equal(ant_model.jnt_type, mj.jnt_type)
    np.testing.assert_allclose(ant_model.qpos0, mj.qpos0, atol=1e-6)


def test_names_name2id_and_numeric(ant_model, models_dir):
    mujoco = pytest.importorskip("mujoco")
    mj = mujoco.MjModel.from_xml_path(str(models_dir / "ant.xml"))
    assert ant_model.body_names == [mj.body(i).name for i in range(mj.nbody)]
    assert ant_model.jnt_names == [mj.joint(i).name for i in range(mj.njnt)]
    assert ant_model.geom_names == [mj.geom(i).name for i in range(mj.ngeom)]
    assert ant_model.actuator_names == [mj.actuator(i).name for i in range(mj.nu)]
    assert ant_model.site_names == [mj.site(i).name for i in range(mj.nsite)]
    assert ant_model.tendon_names == []
    assert ant_model.name2id("body", "torso") == 1
    assert ant_model.name2id("joint", "root") == 0
    assert ant_model.name2id("joint", ant_model.jnt_names[3]) == 3
    assert ant_model.name2id("body", "no_such_body") == -1
    assert isinstance(ant_model.numeric, dict)
    assert ant_model.name == "ant"


def test_numeric_arrays():
    m = lockstep.load_mjcf("""
        <mujoco><custom><numeric name="init_qpos" data="1 2 3"/></custom>
        <worldbody><body><freejoint/><geom type="sphere" size="0.1"/></body></worldbody></mujoco>""")
    init = m.numeric["init_qpos"]
    assert init.dtype == np.float32
    np.testing.assert_array_equal(init, [1, 2, 3])


def test_model_repr(ant_model):
    r = repr(ant_model)
    assert "ant" in r and "nq=15" in r and "nv=14" in r and "nu=8" in r


# ---- Simulator ----

@pytest.fixture()
def sim(ant_model):
    return lockstep.Simulator(ant_model, num_worlds=3, device="cpu", num_threads=2)


def test_simulator_properties(sim, ant_model):
    assert sim.num_worlds == 3
    assert sim.device == "cpu"
    assert sim.model.nq == ant_model.nq
    assert sim.model is ant_model
    assert "num_worlds=3" in repr(sim)


def test_every_state_field_is_a_float32_view(sim):
    m, n = sim.model, sim.num_worlds
    names = lockstep.Simulator.field_names()
    assert {"qpos", "qvel", "ctrl", "xpos", "qM", "time"} <= set(names)
    for name in names:
        a = getattr(sim, name)
        assert isinstance(a, np.ndarray), name
        assert a.dtype == np.float32, name
        assert a.flags.writeable, name
        assert a.shape[0] == n, name
        assert not a.flags.owndata, name  # a view of the simulator's buffer
        b = sim.field(name)
        assert b.shape == a.shape, name
        if a.size:
            assert np.shares_memory(a, getattr(sim, name)), name
            assert np.shares_memory(a, b), name
    for name, shape in natural_shapes(m, n).items():
        assert getattr(sim, name).shape == shape, name


def test_worlds_do_not_overlap(sim):
    names = [f for f in lockstep.Simulator.field_names() if getattr(sim, f).size]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not np.shares_memory(getattr(sim, a), getattr(sim, b)), (a, b)
    q = sim.qpos
    assert not np.shares_memory(q[0], q[1])


def test_writing_qpos_is_seen_by_forward(sim):
    sim.forward()
    torso = sim.model.name2id("body", "torso")
    z0 = sim.xpos[:, torso, 2].copy()
    sim.qpos[1, 2] += 0.5  # free joint's z of world 1 only
    sim.forward()
    np.testing.assert_allclose(sim.xpos[1, torso, 2], z0[1] + 0.5, atol=1e-5)
    np.testing.assert_allclose(sim.xpos[[0, 2], torso, 2], z0[[0, 2]], atol=1e-6)
    np.testing.assert_allclose(sim.xpos[1, torso], sim.qpos[1, 0:3], atol=1e-5)


def test_assignment_copies_in_place_and_broadcasts(sim):
    view = sim.qpos
    q = np.tile(sim.model.qpos0, (sim.num_worlds, 1))
    q[:, 0] = [1, 2, 3]
    sim.qpos = q
    np.testing.assert_array_equal(view[:, 0], [1, 2, 3])  # the old view sees the write
    sim.ctrl = 0.25  # broadcast to every world and actuator
    np.testing.assert_array_equal(sim.ctrl, np.full((sim.num_worlds, sim.model.nu), 0.25))
    sim.forward()
    torso = sim.model.name2id("body", "torso")
    np.testing.assert_allclose(sim.xpos[:, torso, 0], [1, 2, 3], atol=1e-5)


def test_ctrl_reaches_actuator_force(sim):
    sim.ctrl[:] = 0.0
    sim.ctrl[0, 0] = 0.5
    sim.forward()
    assert sim.actuator_force[0, 0] != 0.0
    assert np.all(sim.actuator_force[1:] == 0.0)


def test_step_advances_time_and_state(sim):
    dt = sim.model.opt.timestep
    sim.reset()
    np.testing.assert_array_equal(sim.time, 0.0)
    q0 = sim.qpos.copy()
    sim.step()
    np.testing.assert_allclose(sim.time, dt, rtol=1e-6)
    sim.step(4)
    np.testing.assert_allclose(sim.time, 5 * dt, rtol=1e-5)
    assert not np.array_equal(sim.qpos, q0)  # gravity (and the floor) moved the ant
    assert np.all(np.any(sim.qvel != 0, axis=1))
    assert np.all(sim.diverged == 0)


def test_an_overwritten_active_row_list_is_bounded(sim):
    # The next step clears the last step's active rows by the list in nefc / efc_rowid: a list
    # overwritten with anything must not index outside the rows.
    sim.step()  # four joint-limit rows active at the initial pose
    assert np.all(sim.nefc > 0)
    sim.nefc[:] = [1e9, np.nan, -3.0]
    sim.efc_rowid[:] = 1e9
    sim.efc_rowid[:, 0] = -1.0
    sim.step()
    assert np.all(np.isfinite(sim.qpos)) and np.all(sim.diverged == 0)
    n = sim.nefc.astype(int)
    assert np.all((n > 0) & (n <= sim.model.nefc_max))
    for w in range(sim.num_worlds):  # the new list is whole and its rows flagged
        rows = sim.efc_rowid[w, :n[w]].astype(int)
        assert np.all((rows >= 0) & (rows < sim.model.nefc_max))
        assert np.all(sim.efc_active[w, rows] == 1)


def test_world_sum_adds_one_entry_over_worlds(sim):
    sim.qvel[:] = np.arange(sim.num_worlds * sim.model.nv, dtype=np.float32).reshape(
        sim.num_worlds, -1)
    assert sim.world_sum("qvel", 2) == float(sim.qvel[:, 2].astype(np.float64).sum())
    assert sim.world_sum("qM", sim.model.nv + 1) == float(sim.qM[:, 1, 1].astype(np.float64).sum())
    sim.diverged[1] = 1.0
    assert sim.world_sum("diverged") == 1.0
    with pytest.raises(ValueError, match=r"entry 14 of 'qvel' is outside \[0, 14\)"):
        sim.world_sum("qvel", 14)
    with pytest.raises(ValueError, match="no state field named 'qvl'"):
        sim.world_sum("qvl")


def test_reset_restores_qpos0(sim):
    sim.qpos[:] += 0.1
    sim.qvel[:] = 1.0
    sim.step(2)
    sim.reset()
    np.testing.assert_allclose(sim.qpos, np.tile(sim.model.qpos0, (sim.num_worlds, 1)), atol=1e-7)
    np.testing.assert_array_equal(sim.qvel, 0.0)
    np.testing.assert_array_equal(sim.time, 0.0)


def test_step_n_must_be_positive(sim):
    for n in (0, -1):
        with pytest.raises(ValueError, match="n must be >= 1"):
            sim.step(n)


def test_views_keep_the_simulator_alive(ant_model):
    s = lockstep.Simulator(ant_model, num_worlds=2)
    s.reset()
    qpos, xpos = s.qpos, s.xpos
    del s
    gc.collect()
    qpos[:] = 1.0  # still the simulator's memory: it must not have been freed
    assert float(qpos.sum()) == qpos.size
    assert np.isfinite(xpos).all()


def test_arm_model_shapes(arm_model):
    s = lockstep.Simulator(arm_model, num_worlds=5)
    assert (arm_model.nq, arm_model.nv, arm_model.nu, arm_model.nbody) == (8, 7, 1, 3)
    assert s.qM.shape == (5, 7, 7)
    assert s.site_xpos.shape == (5, 1, 3)
    s.forward()
    qm = s.qM[0]
    np.testing.assert_allclose(qm, qm.T, atol=1e-5)  # symmetric, in the natural (nv, nv) shape
    site = arm_model.name2id("site", "top")
    np.testing.assert_allclose(s.site_xpos[:, site], [[0, 0, 1.1]] * 5, atol=1e-5)
    s.step(10)  # 1 m above the floor: free fall, vz = -g t
    dt = arm_model.opt.timestep
    np.testing.assert_allclose(s.qvel[:, 2], -9.81 * 10 * dt, rtol=1e-3)
    np.testing.assert_allclose(s.time, 10 * dt, rtol=1e-5)


def test_cuda_available_is_a_bool():
    assert isinstance(lockstep.cuda_available(), bool)
    assert isinstance(lockstep.built_with_cuda, bool)
    assert isinstance(lockstep.__version__, str)


@pytest.mark.skipif(not lockstep.cuda_available(), reason="needs a CUDA device")
def test_cuda_fields_export_device_arrays(ant_model):
    s = lockstep.Simulator(ant_model, num_worlds=4, device="cuda")
    s.reset()
    q = s.qpos
    try:
        import torch
        assert isinstance(q, torch.Tensor) and q.is_cuda and q.shape == (4, ant_model.nq)
        q[:, 2] += 0.5
        s.forward()
        torso = ant_model.name2id("body", "torso")
        assert torch.allclose(s.xpos[:, torso, 2], q[:, 2], atol=1e-5)
    except ImportError:
        cai = q.__cuda_array_interface__
        assert cai["shape"] == (4, ant_model.nq) and cai["typestr"] == "<f4"
        assert cai["version"] == 3 and len(cai["strides"]) == 2
        assert q.__dlpack_device__()[0] == 2


def test_world_lanes_are_one_on_the_cpu_and_checked(ant_model):
    sim = lockstep.Simulator(ant_model, num_worlds=2)
    assert sim.world_lanes == 1  # a CPU world is one thread's
    sim.world_lanes = 4  # accepted, no effect on the CPU
    assert sim.world_lanes == 1
    for bad in (3, -1, 64):
        with pytest.raises(ValueError, match="world_lanes.*power of two.*got " + str(bad)):
            sim.world_lanes = bad


def test_step_launch_is_fused_on_the_cpu_and_checked(ant_model):
    sim = lockstep.Simulator(ant_model, num_worlds=2)
    assert sim.step_launch == "fused"  # the CPU backend steps each world whole
    for launch in ("staged", "on_chip"):
        sim.step_launch = launch  # accepted, no effect on the CPU
        assert sim.step_launch == "fused"
    with pytest.raises(ValueError, match="step_launch.*'staged', 'fused' or 'on_chip'.*'bogus'"):
        sim.step_launch = "bogus"
