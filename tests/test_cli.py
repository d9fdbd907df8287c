"""The command line, called in-process: learn / demos / evaluate, the acceptance criterion of the terrain world,
reports, seeds, and bad input (exit status 2, exactly one line on stderr, no traceback)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from irl_studio.cli import main
from irl_studio.core.builtin import builtin_layout
from irl_studio.core.layout import save_layout
from irl_studio.core.rewardio import load_reward


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("algo", ["maxent", "mce"])
def test_terrain_learn_then_evaluate_recovers_the_reward(tmp_path, capsys, algo):
    """Acceptance: 40 expert demonstrations of the built-in terrain world, terrain features, normalized EVD < 0.02."""
    out, report = tmp_path / "r.npy", tmp_path / "rep.json"
    code, _, err = run(capsys, "learn", "terrain", "--demos", "builtin", "--algo", algo, "--features", "terrain",
                       "--out", out, "--report", report)
    assert code == 0, err
    rep = json.loads(report.read_text())
    assert rep["algorithm"] == algo and rep["iterations"] >= 1 and rep["seconds"] > 0
    assert "evd" in rep["metrics"] and rep["features"] == "terrain"
    assert rep["status"] == "converged" and rep["horizon_steps"] == builtin_layout("terrain").horizon
    assert rep["metrics"]["log_likelihood"] <= 0 and "dual_objective" in rep["metrics"]
    assert 0 < rep["weights_max_abs"] < 50 and isinstance(rep["unidentified_weights"], list)
    code, stdout, err = run(capsys, "evaluate", "terrain", "--reward", out)
    assert code == 0, err
    metrics = json.loads(stdout)
    assert metrics["evd_normalized"] < 0.02 and metrics["evd_infinite_normalized"] < 0.02
    assert metrics["pearson"] > 0.5  # the terrain world's true reward takes 6 values: the correlation means something
    assert metrics["evd"] == pytest.approx(rep["metrics"]["evd"]) and metrics["horizon_steps"] == rep["horizon_steps"]
    grid = load_reward(out)
    lay = builtin_layout("terrain")
    assert grid.shape == lay.shape and np.all(np.isnan(grid[lay.wall_mask]))


def test_demos_then_learn_round_trip_and_same_seed_same_result(tmp_path, capsys):
    lay = builtin_layout("four-rooms")
    lay_path = tmp_path / "four.json"
    save_layout(lay, lay_path)
    d1, d2 = tmp_path / "d1.json", tmp_path / "d2.json"
    assert run(capsys, "demos", lay_path, "--n", 8, "--expert", "soft", "--seed", 4, "--out", d1)[0] == 0
    assert run(capsys, "demos", lay_path, "--n", 8, "--expert", "soft", "--seed", 4, "--out", d2)[0] == 0
    assert json.loads(d1.read_text())["trajectories"] == json.loads(d2.read_text())["trajectories"]
    assert len(json.loads(d1.read_text())["trajectories"]) == 8
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        code, _, err = run(capsys, "learn", lay_path, "--demos", d1, "--algo", "mce", "--iterations", 5,
                           "--seed", 3, "--out", out, "--quiet")
        assert code == 0 and err == ""
        outs.append(json.loads(out.read_text()))
    assert outs[0]["reward"] == outs[1]["reward"]
    assert outs[0]["iterations"] == 5 and outs[0]["algorithm"] == "mce" and outs[0]["layout"]["name"] == lay.name
    csv = tmp_path / "r.csv"
    assert run(capsys, "learn", lay_path, "--demos", d1, "--algo", "maxent", "--iterations", 3, "--out", csv,
               "--quiet")[0] == 0
    code, stdout, _ = run(capsys, "evaluate", lay_path, "--reward", csv)
    assert code == 0 and "evd" in json.loads(stdout)


def bad_inputs(tmp_path):
    lay = builtin_layout("open-field")
    good_layout = tmp_path / "lay.json"
    save_layout(lay, good_layout)
    malformed = tmp_path / "bad.json"
    malformed.write_text('{"grid": [')
    wall_demo = tmp_path / "wall.json"
    wall_demo.write_text(json.dumps({"trajectories": [{"cells": [[1, 1], [0, 1]], "actions": ["up"]}]}))
    wrong_shape = tmp_path / "wrong.npy"
    np.save(wrong_shape, np.zeros((3, 3)))
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    return {
        "missing layout": ["learn", tmp_path / "none.json", "--demos", "builtin", "--algo", "mce", "--out",
                           tmp_path / "o.npy"],
        "malformed layout": ["evaluate", malformed, "--reward", wrong_shape],
        "malformed demos": ["learn", good_layout, "--demos", malformed, "--algo", "mce", "--out", tmp_path / "o.npy"],
        "unknown algo": ["learn", "open-field", "--demos", "builtin", "--algo", "nope", "--out", tmp_path / "o.npy"],
        "bad tol": ["learn", "open-field", "--demos", "builtin", "--algo", "mce", "--tol", "abc", "--out",
                    tmp_path / "o.npy"],
        "negative tol": ["learn", "open-field", "--demos", "builtin", "--algo", "maxent", "--tol", "-1", "--out",
                         tmp_path / "o.npy"],
        "demo through a wall": ["learn", good_layout, "--demos", wall_demo, "--algo", "mce", "--out",
                                tmp_path / "o.npy"],
        "reward of the wrong shape": ["evaluate", "open-field", "--reward", wrong_shape],
        "missing reward": ["evaluate", "open-field", "--reward", tmp_path / "none.npy"],
        "bad out suffix": ["learn", "open-field", "--demos", "builtin", "--algo", "mce", "--out", notes],
        "missing --demos": ["learn", "open-field", "--algo", "mce", "--out", tmp_path / "o.npy"],
        "bad --n": ["demos", "open-field", "--n", "x", "--out", tmp_path / "d.json"],
        "zero --n": ["demos", "open-field", "--n", "0", "--out", tmp_path / "d.json"],
        "unknown features": ["learn", "open-field", "--demos", "builtin", "--algo", "mce", "--features", "pixels",
                             "--out", tmp_path / "o.npy"],
        "features that do not apply": ["learn", "open-field", "--demos", "builtin", "--algo", "mce", "--features",
                                       "objectworld", "--out", tmp_path / "o.npy"],
    }


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    for what, argv in bad_inputs(tmp_path).items():
        code, out, err = run(capsys, *argv)
        assert code == 2, (what, err)
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 and lines[0].strip(), (what, err)
        assert "Traceback" not in err and out == "", what
    assert not (tmp_path / "o.npy").exists()


def test_messages_are_specific(tmp_path, capsys):
    cases = bad_inputs(tmp_path)
    expect = {"demo through a wall": "trajectory 0, step 0", "reward of the wrong shape": "3x3",
              "bad tol": "tol", "unknown algo": "nope", "malformed layout": "not valid JSON",
              "missing layout": "none.json"}
    for what, needle in expect.items():
        _, _, err = run(capsys, *cases[what])
        assert needle in err, (what, err)


def test_layouts_and_help(capsys):
    code, out, _ = run(capsys, "layouts")
    assert code == 0 and "terrain" in out and "four-rooms" in out
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "learn" in out


def test_learn_help_lists_the_algorithm_parameters(capsys):
    """README: `irl-studio learn ... --algo mce --help` lists the algorithm's parameters with their defaults."""
    with pytest.raises(SystemExit) as exc:
        main(["learn", "x", "--demos", "y", "--algo", "mce", "--out", "r.npy", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "--learning-rate" in out and "--optimizer" in out and "(default: lbfgs)" in out
    with pytest.raises(SystemExit):  # without --algo: the common flags
        main(["learn", "--help"])
    assert "--demos" in capsys.readouterr().out


def test_report_into_a_missing_folder_is_refused_before_the_run(tmp_path, capsys):
    code, _, err = run(capsys, "learn", "open-field", "--demos", "builtin", "--algo", "mce", "--out",
                       tmp_path / "r.npy", "--report", tmp_path / "nowhere" / "rep.json")
    assert code == 2 and "--report" in err and "iteration" not in err
    assert not (tmp_path / "r.npy").exists()


def test_a_closed_stdout_pipe_is_no_traceback(tmp_path):
    """`irl-studio evaluate ... | head -c 10`: the reader closes the pipe; exit quietly, no traceback."""
    import subprocess
    import sys

    reward = tmp_path / "r.npy"
    np.save(reward, np.zeros(builtin_layout("open-field").shape))
    code = ("import sys, irl_studio.cli as c; "
            "sys.exit(c.main(['evaluate', 'open-field', '--reward', sys.argv[1]]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(reward)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the JSON line is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_learn_scores_once_at_the_end_unless_asked(tmp_path, capsys, monkeypatch):
    """The CLI scores the reward against the true reward once, at the end (scoring every iteration dominated runs);
    --eval-every N asks for it every N iterations too."""
    from irl_studio.core import metrics

    calls = {"live": 0, "full": 0}
    live, full = metrics.Scorer.live, metrics.Scorer.full
    monkeypatch.setattr(metrics.Scorer, "live", lambda self, r: calls.__setitem__("live", calls["live"] + 1)
                        or live(self, r))
    monkeypatch.setattr(metrics.Scorer, "full", lambda self, r: calls.__setitem__("full", calls["full"] + 1)
                        or full(self, r))
    out = tmp_path / "r.npy"
    assert run(capsys, "learn", "terrain", "--demos", "builtin", "--algo", "mce", "--features", "terrain",
               "--out", out, "--quiet")[0] == 0
    assert calls == {"live": 1, "full": 1}  # full() calls live() once, at the end only
    calls.update(live=0, full=0)
    assert run(capsys, "learn", "terrain", "--demos", "builtin", "--algo", "mce", "--features", "terrain",
               "--iterations", "6", "--eval-every", "2", "--out", out, "--quiet")[0] == 0
    assert calls["full"] == 1 and calls["live"] >= 3


def test_demos_horizon_counts_steps(tmp_path, capsys):
    out = tmp_path / "d.json"
    assert run(capsys, "demos", "open-field", "--n", "5", "--horizon", "3", "--out", out)[0] == 0
    trs = json.loads(out.read_text())["trajectories"]
    assert all(len(t["actions"]) == 3 and len(t["cells"]) == 4 for t in trs)  # 3 steps, 4 cells


def test_learn_does_not_import_torch(tmp_path):
    """The linear algorithms start fast: the lazy registry keeps torch (Deep MaxEnt's) out of `learn --algo mce`."""
    import subprocess
    import sys

    code = ("import sys, irl_studio.cli as c; c.main(['learn', 'terrain', '--demos', 'builtin', '--algo', 'mce', "
            f"'--features', 'terrain', '--out', {str(tmp_path / 'r.npy')!r}, '--quiet']); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_a_session_opens_from_the_command_line(tmp_path, capsys):
    """A session saved by the app is a LAYOUT (its layout) and a DEMOS (its demonstrations) for learn, no Qt."""
    from irl_studio.cli import main
    from irl_studio.core.builtin import builtin_demos, builtin_layout
    from irl_studio.core.session import save_session, session_to_dict

    lay = builtin_layout("four-rooms")
    path = tmp_path / "s.json"
    save_session(path, session_to_dict(lay, builtin_demos("four-rooms"), {}, None))
    out = tmp_path / "r.npy"
    assert main(["learn", str(path), "--demos", "session", "--algo", "mce", "--out", str(out), "--quiet"]) == 0
    assert out.exists()
    assert main(["learn", "four-rooms", "--demos", str(path), "--algo", "mce", "--out", str(out), "--quiet"]) == 0
