"""Gymnasium vector environments stepped by Lockstep (C++ env layer, envs/).

    env = lockstep.make("Ant", num_envs=4096, device="cuda", seed=0)
    obs, info = env.reset(seed=0)                 # (4096, 105) float32, on the env's device
    obs, reward, terminated, truncated, info = env.step(actions)   # actions (4096, 8) float32

Outputs are torch tensors on the env's device when torch can be imported (array_type="torch"),
else NumPy arrays (array_type="numpy"; CPU envs only); array_type="dlpack" gives objects any
framework takes through DLPack (NumPy arrays on the CPU, lockstep.DeviceArray on the GPU, which
also speaks __cuda_array_interface__), e.g. jax.dlpack.from_dlpack(obs). They are copies made
on the env's device (no host round trip on the GPU), so a stored observation never changes
under you.
Actions: a torch tensor on the env's device, a NumPy array (CPU envs) or any DLPack object,
shape (num_envs, act_dim), float32 (NumPy floats of other widths are converted). Non-finite
actions raise ValueError naming the envs on the CPU path (nothing is stepped); on the GPU (no
synchronisation) they act as 0 and info["action_nonfinite"] flags the envs.
Auto-reset follows Gymnasium: NEXT_STEP by default (the step after an episode ends resets that
env and returns its first observation with reward 0), or SAME_STEP (the ending step returns the
new episode's first observation, the last one in info["final_obs"]).
info: "episode_return" and "episode_length" (N,) float32 of the running episode, or of the
episode that ended on this step.
Environments (lockstep.envs()): Ant, HalfCheetah, Humanoid, Reacher with Gymnasium v5 default
semantics and keyword options (forward_reward_weight, ctrl_cost_weight, healthy_z_range, ...;
see envs/*.h); unknown keywords raise ValueError. Observations are float32 (Gymnasium: float64).
Also registered as "lockstep/<Name>-v5" for gymnasium.make_vec.

Domain randomisation: domain_randomization={"friction": (0.5, 1.5), "mass_scale": (0.8, 1.2),
"gravity": ((-1, -1, -10.5), (1, 1, -9)), ...} draws each listed per-world parameter uniformly
at every reset of an env (keys: gravity [m/s^2], mass_scale, friction, actuator_gain, damping,
the last four factors; envs/domain_randomization.h says what is drawn per body, actuator or
dof). The draws come from the env's stream (seed, env index, episode), like the reset noise.
Parameters not listed keep their values (env.sim.params, settable at any time).
"""

import re

import numpy as np

from . import _lockstep

try:
    import gymnasium as _gym
    from gymnasium.vector import AutoresetMode as _AutoresetMode
    from gymnasium.vector import VectorEnv as _VectorEnv
    from gymnasium.vector.utils import batch_space as _batch_space
except ImportError:  # pragma: no cover - gymnasium is a dependency of lockstep.make only
    _gym = None
    _VectorEnv = object

try:
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None


def _check_finite(a):
    """NaN/inf actions are rejected on the CPU path, naming the envs (never propagated)."""
    bad = ~np.isfinite(a).all(axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise ValueError(f"step: actions contain NaN or inf for env(s) {idx[:8].tolist()}"
                         + (" ..." if idx.size > 8 else "") + "; nothing was stepped")


def envs():
    """Names accepted by lockstep.make."""
    return list(_lockstep._env_names())


def _ranges(domain_randomization):
    """{param: (low, high)} → the C++ layer's {param: ([low...], [high...])}."""
    if domain_randomization is None:
        return {}
    if not isinstance(domain_randomization, dict):
        raise ValueError("domain_randomization: expected a dict {param: (low, high)}, got "
                         f"{type(domain_randomization).__name__}")
    out = {}
    for key, value in domain_randomization.items():
        try:
            lo, hi = value
            out[str(key)] = ([float(x) for x in np.atleast_1d(lo)],
                             [float(x) for x in np.atleast_1d(hi)])
        except (TypeError, ValueError):
            raise ValueError(f"domain_randomization[{key!r}]: expected (low, high), got "
                             f"{value!r}") from None
    return out


def _flatten_kwargs(kwargs):
    """Gymnasium keywords → the C++ layer's flat names (ranges as NAME_min / NAME_max)."""
    if "xml_file" in kwargs:
        raise ValueError("keyword xml_file is not supported: the envs run Lockstep's own model "
                         "files; for your own MJCF use lockstep.load_mjcf and lockstep.Simulator")
    flat = {}
    for key, value in kwargs.items():
        try:
            if key.endswith("_range"):
                lo, hi = value
                flat[key + "_min"], flat[key + "_max"] = float(lo), float(hi)
            else:
                flat[key] = float(value)
        except (TypeError, ValueError):
            want = "a (low, high) pair of numbers" if key.endswith("_range") else "a number or bool"
            raise ValueError(f"keyword {key}: expected {want}, got {value!r}") from None
    return flat


class LockstepVectorEnv(_VectorEnv):
    """A batch of `num_envs` copies of one Lockstep environment (see the module docstring)."""

    def __init__(self, name, num_envs=1, device="cpu", seed=0, autoreset_mode="next_step",
                 array_type=None, domain_randomization=None, **kwargs):
        if _gym is None:
            raise ImportError("lockstep.make needs gymnasium: pip install gymnasium")
        names = {"next_step": _AutoresetMode.NEXT_STEP, "same_step": _AutoresetMode.SAME_STEP}
        mode = names.get(autoreset_mode, autoreset_mode) if isinstance(autoreset_mode, str) else autoreset_mode
        if mode not in (_AutoresetMode.NEXT_STEP, _AutoresetMode.SAME_STEP):
            raise ValueError(f"autoreset_mode: expected next_step or same_step, got {autoreset_mode!r}")
        try:
            self._env = _lockstep._make_env(name, int(num_envs), device, int(seed),
                                            mode == _AutoresetMode.SAME_STEP,
                                            _flatten_kwargs(kwargs), _ranges(domain_randomization))
        except ValueError as e:  # the accepted keywords by their Gymnasium names
            raise ValueError(re.sub(r"(\w+_range)_min \1_max", r"\1", str(e))) from None
        self._seed = int(seed)
        self._on_device = self._env.on_device
        if array_type is None:
            array_type = "torch" if _torch is not None else "numpy"
        if array_type not in ("torch", "numpy", "dlpack"):
            raise ValueError(f"array_type: expected 'torch', 'numpy' or 'dlpack', got {array_type!r}")
        if array_type == "numpy" and self._on_device:
            raise ValueError("array_type='numpy' needs a CPU env; use 'torch' on the GPU")
        if array_type == "torch" and _torch is None:
            raise ImportError("array_type='torch' needs torch")
        self._array_type = array_type
        self.num_envs = int(num_envs)
        model = self._env.sim.model
        lo, hi = model.actuator_ctrlrange.T.astype(np.float32)
        self.single_observation_space = _gym.spaces.Box(-np.inf, np.inf, (self._env.obs_dim,),
                                                        np.float32)
        self.single_action_space = _gym.spaces.Box(lo, hi, (self._env.act_dim,), np.float32)
        self.observation_space = _batch_space(self.single_observation_space, self.num_envs)
        self.action_space = _batch_space(self.single_action_space, self.num_envs)
        self.metadata = {"autoreset_mode": mode, "render_fps": int(round(1.0 / self._env.dt))}
        self.spec = None
        self.render_mode = None

    @property
    def sim(self):
        """The underlying lockstep.Simulator (qpos/qvel/params views of every env's world)."""
        return self._env.sim

    @property
    def dt(self):
        """Seconds of simulated time per env step (timestep × frame_skip)."""
        return self._env.dt

    def _out(self, name):
        if self._array_type == "dlpack":
            return self._env.buffer(name, copy=True)
        buf = self._env.buffer(name)
        if self._array_type == "torch":
            t = buf if isinstance(buf, _torch.Tensor) else _torch.from_dlpack(buf) if self._on_device else _torch.from_numpy(buf)
            return t.clone()
        return np.array(buf, copy=True)

    def _flag(self, name):
        """A 0/1 buffer as booleans (torch/NumPy); float32 0/1 under array_type="dlpack"."""
        out = self._out(name)
        return out if self._array_type == "dlpack" else out > 0

    def _info(self):
        return {"episode_return": self._out("episode_return"),
                "episode_length": self._out("episode_length")}

    def reset(self, *, seed=None, options=None):
        """All envs to new episodes. seed: an int (replaces the env's seed) or None.

        Returns (obs, info): obs (num_envs, obs_dim) float32; info["episode_return"] (num_envs,)
        float32 and info["episode_length"] (num_envs,) float32, both 0.
        """
        if seed is not None:
            if not isinstance(seed, (int, np.integer)):
                raise ValueError(f"reset: seed must be an int or None, got {type(seed).__name__}")
            self._seed = int(seed)
        self._env.reset(self._seed)
        return self._out("obs"), self._info()

    def _action_pointer(self, actions):
        shape = (self.num_envs, self._env.act_dim)
        if _torch is not None and not isinstance(actions, (_torch.Tensor, np.ndarray)) and hasattr(actions, "__dlpack__"):
            actions = _torch.from_dlpack(actions)
        if _torch is not None and isinstance(actions, _torch.Tensor):
            want = "cuda" if self._on_device else "cpu"
            if actions.device.type != want:
                raise ValueError(f"step: actions are on {actions.device}, the env is on {want}")
            if tuple(actions.shape) != shape:
                raise ValueError(f"step: actions must have shape {shape}, got {tuple(actions.shape)}")
            if actions.dtype != _torch.float32:
                raise ValueError(f"step: actions must be float32, got {actions.dtype}")
            actions = actions.detach().contiguous()
            if not self._on_device:
                _check_finite(actions.numpy())
            self._keep = actions
            return actions.data_ptr()
        if self._on_device:
            raise ValueError("step: a GPU env takes a torch tensor (or DLPack object) on the GPU")
        if not isinstance(actions, np.ndarray) and hasattr(actions, "__dlpack__"):
            try:
                actions = np.from_dlpack(actions)
            except (BufferError, RuntimeError, TypeError) as e:
                raise ValueError(f"step: cannot read the DLPack actions on the CPU: {e}") from None
        a = np.asarray(actions)
        if a.shape != shape:
            raise ValueError(f"step: actions must have shape {shape}, got {a.shape}")
        if not np.issubdtype(a.dtype, np.floating):
            raise ValueError(f"step: actions must be floating point, got {a.dtype}")
        a = np.ascontiguousarray(a, dtype=np.float32)
        _check_finite(a)
        self._keep = a
        return a.ctypes.data

    def step(self, actions):
        """One env step of every env: (obs, reward, terminated, truncated, info).

        actions: (num_envs, act_dim) float32 (NumPy floats of other widths are converted), on
        the env's device. Returns obs (num_envs, obs_dim) float32, reward (num_envs,) float32,
        terminated and truncated (num_envs,) bool, and info (see the module docstring);
        float32 0/1 flags under array_type="dlpack".
        """
        pointer = self._action_pointer(actions)
        # GPU: the step waits for the stream the actions were written on (torch's current one).
        producer = _torch.cuda.current_stream(self._keep.device).cuda_stream if self._on_device else 0
        self._env.step_ptr(pointer, producer)
        reward = self._out("reward")
        terminated = self._flag("terminated")
        truncated = self._flag("truncated")
        info = self._info()
        if self._on_device:  # non-finite actions acted as 0 there (no host sync to reject them)
            info["action_nonfinite"] = self._flag("action_nonfinite")
        if self.metadata["autoreset_mode"] == _AutoresetMode.SAME_STEP:
            info["final_obs"] = self._out("final_obs")
            done = info["_final_obs"] = self._flag("done")
            info["final_info"] = {"episode_return": info["episode_return"], "_episode_return": done,
                                  "episode_length": info["episode_length"], "_episode_length": done}
        return self._out("obs"), reward, terminated, truncated, info

    def close(self, **kwargs):
        self._env = None


def make(name, num_envs=1, device="cpu", seed=0, **kwargs):
    """A Gymnasium VectorEnv of `num_envs` copies of environment `name` (lockstep.envs()).
    Keywords: autoreset_mode ("next_step" | "same_step"), array_type ("torch" | "numpy" |
    "dlpack"), domain_randomization ({param: (low, high)}) and the environment's Gymnasium
    options (e.g. ctrl_cost_weight=0.1, healthy_z_range=(0.3, 1))."""
    return LockstepVectorEnv(name, num_envs=num_envs, device=device, seed=seed, **kwargs)


def _register():
    """Registers "lockstep/<Name>-v5" with Gymnasium: gymnasium.make_vec("lockstep/Ant-v5",
    num_envs=64, device="cpu", seed=0, ...) returns lockstep.make("Ant", ...)."""
    if _gym is None:
        return
    import functools
    for name in envs():
        env_id = f"lockstep/{name}-v5"
        if env_id not in _gym.registry:
            _gym.register(id=env_id, vector_entry_point=functools.partial(make, name))


_register()
