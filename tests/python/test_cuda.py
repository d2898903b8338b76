"""CUDA Simulator from Python: zero-copy device arrays, agreement with the CPU backend.
Skipped without a CUDA build and device."""
import numpy as np
import pytest

import lockstep
from oracle import SHARED_MODELS

pytestmark = pytest.mark.skipif(not lockstep.cuda_available(), reason="no CUDA device")


def test_torch_shares_memory_and_writes_are_seen_by_the_next_step():
    torch = pytest.importorskip("torch")
    model = lockstep.load_mjcf(str(SHARED_MODELS / "ant.xml"))
    sim = lockstep.Simulator(model, num_worlds=128, device="cuda")
    qpos = torch.from_dlpack(sim.qpos) if not isinstance(sim.qpos, torch.Tensor) else sim.qpos
    assert qpos.device.type == "cuda" and qpos.shape == (128, model.nq)
    qpos[:, 2] += 1.0  # lift every torso by 1 m, through torch
    again = torch.from_dlpack(sim.qpos) if not isinstance(sim.qpos, torch.Tensor) else sim.qpos
    assert again.data_ptr() == qpos.data_ptr()
    sim.forward()
    xpos = torch.from_dlpack(sim.xpos) if not isinstance(sim.xpos, torch.Tensor) else sim.xpos
    assert torch.allclose(xpos[:, 1, 2], torch.full((128,), 1.75, device="cuda"))


def test_world_sum_on_the_device_waits_for_the_sims_stream():
    torch = pytest.importorskip("torch")
    model = lockstep.load_mjcf(str(SHARED_MODELS / "ant.xml"))
    sim = lockstep.Simulator(model, num_worlds=1000, device="cuda")
    stream = torch.cuda.Stream()
    sim.set_stream(stream)
    sim.step(30)  # queued on the side stream: the sum must come after it
    time = torch.from_dlpack(sim.time) if not isinstance(sim.time, torch.Tensor) else sim.time
    total = sim.world_sum("time")
    stream.synchronize()
    assert total == pytest.approx(time.double().sum().item(), rel=1e-12)
    assert total == pytest.approx(1000 * 30 * model.opt.timestep, rel=1e-5)
    qpos = torch.from_dlpack(sim.qpos) if not isinstance(sim.qpos, torch.Tensor) else sim.qpos
    assert sim.world_sum("qpos", 2) == pytest.approx(qpos[:, 2].double().sum().item(), rel=1e-12)


def test_cuda_matches_cpu_after_steps():
    torch = pytest.importorskip("torch")
    model = lockstep.load_mjcf(str(SHARED_MODELS / "humanoid.xml"))
    cpu = lockstep.Simulator(model, num_worlds=32)
    gpu = lockstep.Simulator(model, num_worlds=32, device="cuda")
    rng = np.random.default_rng(0)
    ctrl = rng.uniform(-0.4, 0.4, size=(32, model.nu)).astype(np.float32)
    cpu.ctrl[:] = ctrl
    g = gpu.ctrl if isinstance(gpu.ctrl, torch.Tensor) else torch.from_dlpack(gpu.ctrl)
    g.copy_(torch.from_numpy(ctrl))
    cpu.step(1)
    gpu.step(1)
    q = gpu.qpos if isinstance(gpu.qpos, torch.Tensor) else torch.from_dlpack(gpu.qpos)
    np.testing.assert_allclose(q.cpu().numpy(), cpu.qpos, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["Ant", "Humanoid", "HalfCheetah", "Reacher"])
def test_env_on_the_gpu_matches_the_cpu_env(name):
    """Same seed, same actions, domain randomisation on: the same resets, parameters and
    (over a few steps, float32 contact solves apart) observations and rewards."""
    torch = pytest.importorskip("torch")
    ranges = {"friction": (0.5, 1.5), "mass_scale": (0.9, 1.1)}
    cpu = lockstep.make(name, num_envs=64, device="cpu", seed=2, array_type="numpy",
                        domain_randomization=ranges)
    gpu = lockstep.make(name, num_envs=64, device="cuda", seed=2, domain_randomization=ranges)
    obs_c, _ = cpu.reset()
    obs_g, _ = gpu.reset()
    assert obs_g.device.type == "cuda"
    np.testing.assert_allclose(obs_g.cpu().numpy(), obs_c, rtol=1e-5, atol=1e-5)
    for k in ranges:
        g = getattr(gpu.sim.params, k)
        g = g if isinstance(g, torch.Tensor) else torch.from_dlpack(g)
        np.testing.assert_array_equal(g.cpu().numpy(), getattr(cpu.sim.params, k))
    rng = np.random.default_rng(0)
    act_dim = cpu.single_action_space.shape[0]
    high = cpu.single_action_space.high
    for _ in range(3):
        a = rng.uniform(-high, high, (64, act_dim)).astype(np.float32)
        obs_c, r_c, term_c, *_ = cpu.step(a)
        obs_g, r_g, term_g, *_ = gpu.step(torch.from_numpy(a).cuda())
    scale = 1 + np.abs(obs_c)
    assert (np.abs(obs_g.cpu().numpy() - obs_c) <= 1e-2 * scale).mean() > 0.99
    np.testing.assert_allclose(r_g.cpu().numpy(), r_c, rtol=1e-2, atol=2e-2)
    with pytest.raises(ValueError, match="cpu"):
        gpu.step(torch.zeros(64, act_dim))  # a CPU tensor to a CUDA env


def test_env_dlpack_outputs_on_the_gpu_are_device_copies():
    torch = pytest.importorskip("torch")
    env = lockstep.make("Ant", num_envs=16, device="cuda", seed=0, array_type="dlpack")
    obs, _ = env.reset()
    assert "__cuda_array_interface__" in dir(obs) and obs.shape == (16, 105)
    t = torch.from_dlpack(obs)
    assert t.device.type == "cuda"
    before = t.clone()
    out = env.step(torch.zeros(16, 8, device="cuda"))
    assert torch.equal(t, before)  # a copy, not a view of the env's buffer
    assert torch.from_dlpack(out[1]).shape == (16,)


def test_simulator_on_a_torch_stream_orders_dlpack_consumers_after_it():
    """The simulator queues on one torch stream; a consumer on another stream reads the state
    through DLPack right after step() returns (the step still running): __dlpack__(stream=...)
    makes the consumer wait, so it reads the finished state, not the one before."""
    torch = pytest.importorskip("torch")
    model = lockstep.load_mjcf(str(SHARED_MODELS / "ant.xml"))
    sim = lockstep.Simulator(model, num_worlds=16384, device="cuda")
    producer, consumer = torch.cuda.Stream(), torch.cuda.Stream()
    sim.set_stream(producer)
    assert sim.stream == producer.cuda_stream

    def qpos():
        q = sim.qpos
        return q if isinstance(q, torch.Tensor) else torch.from_dlpack(q)

    sim.step(20)
    torch.cuda.synchronize()
    expected = qpos().clone()
    sim.reset()
    torch.cuda.synchronize()
    initial = qpos().clone()
    with torch.cuda.stream(consumer):
        sim.step(20)  # queued on `producer`; tens of ms of work
        seen = qpos().clone()  # queued on `consumer`, after the wait on `producer`
    torch.cuda.synchronize()
    assert not torch.equal(expected, initial)
    assert torch.equal(seen, expected)
    with pytest.raises(TypeError, match="set_stream"):
        sim.set_stream("default")
    sim.set_stream(None)
    assert sim.stream == 0


def test_env_step_waits_for_actions_written_on_a_side_stream():
    """Actions written on a torch side stream behind a long GPU sleep: the env step (on the
    simulator's stream) must wait for them, so it steps with the final actions."""
    torch = pytest.importorskip("torch")
    env = lockstep.make("Reacher", num_envs=4096, device="cuda", seed=0)
    ref = lockstep.make("Reacher", num_envs=4096, device="cuda", seed=0)
    env.reset(seed=0)
    ref.reset(seed=0)
    expected, *_ = ref.step(torch.full((4096, 2), 0.5, device="cuda"))
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        actions = torch.zeros(4096, 2, device="cuda")
        torch.cuda._sleep(100_000_000)  # ~50 ms of GPU time queued before the real actions
        actions.fill_(0.5)
        obs, *_ = env.step(actions)
        seen = obs.clone()
    torch.cuda.synchronize()
    assert torch.equal(seen, expected.clone())


@pytest.mark.parametrize("launch", ["fused", "staged", "on_chip"])
@pytest.mark.parametrize("mode", ["next_step", "same_step"])
def test_env_auto_reset_on_the_gpu_matches_the_cpu(mode, launch):
    """Episodes of 3 steps, so that 7 steps cross two auto-resets (each mode compiles its own
    kernels, NEXT_STEP's resetting worlds run the substeps' forward() calls holding their state),
    through the env step in one kernel, staged, and on chip."""
    torch = pytest.importorskip("torch")
    kw = dict(num_envs=64, seed=5, autoreset_mode=mode, max_episode_steps=3)
    cpu = lockstep.make("Reacher", device="cpu", array_type="numpy", **kw)
    gpu = lockstep.make("Reacher", device="cuda", **kw)
    gpu.sim.step_launch = launch
    cpu.reset()
    gpu.reset()
    rng = np.random.default_rng(1)
    for step in range(7):
        a = rng.uniform(-1, 1, (64, 2)).astype(np.float32)
        obs_c, r_c, term_c, trunc_c, info_c = cpu.step(a)
        obs_g, r_g, term_g, trunc_g, info_g = gpu.step(torch.from_numpy(a).cuda())
        np.testing.assert_allclose(obs_g.cpu().numpy(), obs_c, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(r_g.cpu().numpy(), r_c, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(trunc_g.cpu().numpy(), trunc_c)
        ends = (2, 5) if mode == "same_step" else (2, 6)  # NEXT_STEP spends step 3 resetting
        assert trunc_c.all() if step in ends else not trunc_c.any()
        if mode == "same_step" and trunc_c.all():
            np.testing.assert_allclose(info_g["final_obs"].cpu().numpy(), info_c["final_obs"],
                                       rtol=1e-4, atol=1e-4)


def test_staged_fused_and_on_chip_steps_agree():
    torch = pytest.importorskip("torch")
    model = lockstep.load_mjcf(str(SHARED_MODELS / "ant.xml"))
    sims = [lockstep.Simulator(model, num_worlds=64, device="cuda") for _ in range(3)]
    assert sims[0].step_launch == "staged"  # the default
    sims[1].step_launch = "fused"
    sims[2].step_launch = "on_chip"
    for sim in sims:
        ctrl = sim.ctrl if isinstance(sim.ctrl, torch.Tensor) else torch.from_dlpack(sim.ctrl)
        ctrl.copy_(torch.linspace(-1, 1, 64 * model.nu, device="cuda").reshape(64, model.nu))
        sim.step(40)  # landed: contacts and limits
    q = [(s.qpos if isinstance(s.qpos, torch.Tensor) else torch.from_dlpack(s.qpos)).cpu().numpy()
         for s in sims]
    np.testing.assert_allclose(q[0], q[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(q[0], q[2], rtol=1e-5, atol=1e-5)


def test_on_chip_refuses_a_world_too_large_for_shared_memory():
    """60 free spheres: 1,830 candidate pairs, a state of megabytes a world."""
    sphere = "<freejoint/><geom type='sphere' size='0.1'/>"
    bodies = "".join(f"<body pos='{0.3 * k} 0 1'>{sphere}</body>" for k in range(60))
    model = lockstep.load_mjcf(
        f"<mujoco><worldbody><geom type='plane' size='50 50 0.1'/>{bodies}</worldbody></mujoco>")
    sim = lockstep.Simulator(model, num_worlds=4, device="cuda")
    with pytest.raises(ValueError, match="step_launch 'on_chip': one world of this model takes"):
        sim.step_launch = "on_chip"
    assert sim.step_launch == "staged"
