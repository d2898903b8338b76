"""lockstep-bench --json output and bench/plot.py (the engineer's story: figures and a plot)."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# scripts/test.sh sets LOCKSTEP_BENCH_BIN; a local run falls back to the usual build folder.
BENCH = pathlib.Path(os.environ.get("LOCKSTEP_BENCH_BIN", ROOT / "build" / "bench" / "lockstep-bench"))


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory):
    if not BENCH.exists():
        if "LOCKSTEP_BENCH_BIN" in os.environ:
            pytest.fail(f"LOCKSTEP_BENCH_BIN={BENCH} does not exist")
        pytest.skip("lockstep-bench is not built (build/bench/lockstep-bench)")
    out = tmp_path_factory.mktemp("bench")
    files = []
    for name, args in [("ant_env", ["--env", "ant", "--autoreset", "same_step"]),
                       ("humanoid", ["--model", "humanoid", "--phases", "--warmup", "0.3"])]:
        path = out / f"{name}.json"
        subprocess.run([str(BENCH), *args, "--num-worlds", "4,8", "--steps", "2", "--repeats", "1",
                        "--device", "cpu", "--json", str(path)], check=True, capture_output=True)
        files.append(path)
    return files


def test_bench_json_is_complete(bench_json):
    run = json.loads(bench_json[0].read_text())
    assert run["env"] == "ant" and run["integrator"] == "RK4" and run["substeps"] == 5
    assert run["autoreset"] == "same_step" and run["launch"] == "staged"
    assert [r["worlds"] for r in run["rows"]] == [4, 8]
    for r in run["rows"]:
        assert r["env_steps_per_s"] > 0
        assert r["physics_steps_per_s"] == pytest.approx(5 * r["env_steps_per_s"], rel=1e-5)  # 6 digits
        assert r["launch"] == "fused"  # the CPU backend steps each world whole
    humanoid = json.loads(bench_json[1].read_text())
    assert humanoid["model_name"] == "humanoid"
    assert humanoid["warmup_env_steps"] == 20  # 0.3 s at 5 x 0.003 s per env step
    for r in humanoid["rows"]:  # world means after the last step; each contact has >= 1 row
        assert 0 <= r["contacts"] <= r["constraint_rows"]
        assert r["solver_iterations"] >= 0 and (r["constraint_rows"] > 0 or r["solver_iterations"] == 0)
        phases = r["phases_ns_per_world_step"]  # --phases: every stage of step(), each timed
        assert list(phases) == ["kinematics", "mass matrix", "tendons", "collision", "constraint rows",
                                "smooth forces", "solver", "integrator"]
        assert all(t > 0 for t in phases.values())


def test_bench_refuses_phases_with_env():
    if not BENCH.exists():
        pytest.skip("lockstep-bench is not built")
    run = subprocess.run([str(BENCH), "--env", "ant", "--phases", "--device", "cpu"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--phases" in run.stderr and "--env" in run.stderr


def test_bench_help_is_usage_on_stdout():
    if not BENCH.exists():
        pytest.skip("lockstep-bench is not built")
    run = subprocess.run([str(BENCH), "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("usage: lockstep-bench") and not run.stderr


def test_plot_writes_an_image(bench_json, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "throughput.png"
    subprocess.run([sys.executable, str(ROOT / "bench" / "plot.py"), str(png), *map(str, bench_json)],
                   check=True, capture_output=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
