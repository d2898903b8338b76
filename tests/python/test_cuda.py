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


def test_ant_env_on_the_gpu_matches_the_cpu_env():
    torch = pytest.importorskip("torch")
    cpu = lockstep.make("Ant", num_envs=64, device="cpu", seed=2, array_type="numpy")
    gpu = lockstep.make("Ant", num_envs=64, device="cuda", seed=2)
    obs_c, _ = cpu.reset()
    obs_g, _ = gpu.reset()
    assert obs_g.device.type == "cuda"
    np.testing.assert_allclose(obs_g.cpu().numpy(), obs_c, atol=1e-5)
    rng = np.random.default_rng(0)
    for _ in range(5):
        a = rng.uniform(-1, 1, (64, 8)).astype(np.float32)
        obs_c, r_c, *_ = cpu.step(a)
        obs_g, r_g, *_ = gpu.step(torch.from_numpy(a).cuda())
    n = 13 + 14
    np.testing.assert_allclose(obs_g.cpu().numpy()[:, :n], obs_c[:, :n], atol=1e-3)
    np.testing.assert_allclose(r_g.cpu().numpy(), r_c, atol=2e-2)
    with pytest.raises(ValueError, match="cpu"):
        gpu.step(torch.zeros(64, 8))  # a CPU tensor to a CUDA env
