"""The plane's command line, in-process: demos -> learn -> transfer, the report, the reward files, and bad input
(exit 2, one line on stderr, nothing written)."""

from __future__ import annotations

import json

import pytest

from irl_studio.cli import main
from irl_studio.continuous.plane import builtin_plane, save_plane
from irl_studio.continuous.rewardgrid import load_reward_grid


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("plane")
    plane = builtin_plane("point-maze-left")
    plane.horizon = 30
    save_plane(plane, d / "short.json")
    assert main(["demos", str(d / "short.json"), "--n", "3", "--out", str(d / "demos.json")]) == 0
    return d


def test_demos_learn_transfer(files, capsys, tmp_path):
    out, rep = tmp_path / "r.json", tmp_path / "rep.json"
    code, _, err = run(capsys, "learn", files / "short.json", "--demos", files / "demos.json", "--algo", "airl",
                       "--iterations", 2, "--n-envs", 4, "--seed", 1, "--out", out, "--report", rep,
                       "--networks", tmp_path / "n.safetensors")
    assert code == 0, err
    assert "iteration 2" in err
    report = json.loads(rep.read_text())
    assert report["algorithm"] == "airl" and report["iterations"] == 2 and report["seconds"] > 0
    assert report["env_steps"] == 2 * 4 * 30 and "disc_accuracy" in report["metrics"]
    grid = load_reward_grid(out)
    assert grid.values.shape == (201, 201) and grid.algorithm == "airl" and grid.plane["horizon"] == 30
    for reward in (out, tmp_path / "n.safetensors"):
        code, stdout, err = run(capsys, "transfer", reward, "--to", "point-maze-right")
        assert code == 0, err
        res = json.loads(stdout)
        assert {"return", "optimal_return", "reached"} <= set(res) and res["method"] == "plan"
        assert res["optimal_return"] < 0 and len(res["path"]) == 101
    code, stdout, err = run(capsys, "transfer", out, "--to", "point-maze-right", "--method", "rl",
                            "--iterations", 1)
    assert code == 0, err and json.loads(stdout)["method"] == "rl"
    npz = tmp_path / "r.npz"
    assert run(capsys, "learn", files / "short.json", "--demos", files / "demos.json", "--algo", "gcl",
               "--iterations", 1, "--n-envs", 2, "--out", npz, "--quiet")[0] == 0
    assert load_reward_grid(npz).algorithm == "gcl"


def test_same_seed_same_file(files, capsys, tmp_path):
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        assert run(capsys, "learn", "point-maze-left", "--demos", files / "demos.json", "--algo", "gail",
                   "--iterations", 1, "--n-envs", 2, "--seed", 7, "--out", out, "--quiet")[0] == 0
        outs.append(json.loads(out.read_text())["values"])
    assert outs[0] == outs[1]


def test_bad_input_exits_2_with_one_line(files, capsys, tmp_path):
    wall_demo = tmp_path / "wall.json"
    wall_demo.write_text(json.dumps({"format": "irl-studio.plane-demos", "version": 1,
                                     "trajectories": [{"obs": [[0.0, 0.25], [0.0, 0.29], [0.0, 0.33]]}]}))
    bad_plane = tmp_path / "bad.json"
    bad_plane.write_text(json.dumps({"format": "irl-studio.plane", "bounds": [[0, 1]], "start": [0, 0],
                                     "goal": [1, 1]}))
    o = tmp_path / "o.json"
    d = files / "demos.json"
    cases = {
        "plane demos on a gym env": (["learn", "gym:Pendulum-v1", "--demos", d, "--algo", "airl", "--out", o],
                                     "gym:Pendulum-v1 has 3"),
        "tabular algo on a plane": (["learn", "point-maze-left", "--demos", d, "--algo", "maxent", "--out", o],
                                    "maxent"),
        "bad plane": (["learn", bad_plane, "--demos", d, "--algo", "airl", "--out", o], "bounds"),
        "demo through a wall": (["learn", "point-maze-left", "--demos", wall_demo, "--algo", "airl", "--out", o],
                                "trajectory 0, step 0"),
        "bad out suffix": (["learn", "point-maze-left", "--demos", d, "--algo", "airl", "--out", tmp_path / "r.npy"],
                           ".safetensors"),
        "bad parameter": (["learn", "point-maze-left", "--demos", d, "--algo", "airl", "--disc-lr", "abc", "--out", o],
                          "disc_lr"),
        "parameter below min": (["learn", "point-maze-left", "--demos", d, "--algo", "airl", "--n-envs", "0",
                                 "--out", o], "n_envs"),
        "missing demos file": (["learn", "point-maze-left", "--demos", tmp_path / "none.json", "--algo", "gcl",
                                "--out", o], "none.json"),
        "demos --n 0": (["demos", "point-maze-left", "--n", "0", "--out", o], "--n"),
        "transfer missing reward": (["transfer", tmp_path / "none.json", "--to", "point-maze-right"], "none.json"),
        "transfer to nowhere": (["transfer", tmp_path / "none.json", "--to", "nowhere"], "no"),
        "transfer bad method": (["transfer", o, "--to", "point-maze-right", "--method", "magic"], "method"),
        "transfer of a grid-world reward": (["transfer", wall_demo, "--to", "point-maze-right"], "plane-reward"),
    }
    for what, (argv, needle) in cases.items():
        code, out, err = run(capsys, *argv)
        assert code == 2, (what, err)
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 and needle in lines[0], (what, err)
        assert "Traceback" not in err and out == "", what
    assert not o.exists()


def test_learn_help_lists_the_plane_algorithm_parameters(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["learn", "point-maze-left", "--demos", "d", "--algo", "airl", "--out", "r.json", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "--disc-lr" in out and "--reward" in out and "(default: state)" in out
