"""The plane's Transfer panel: re-optimize under the learned reward on the plane as it is now (edit the walls first,
or open the shifted built-in) by the exact planner (instant, and independent of RL luck) and, optionally, by a
fresh RL policy; the path is drawn on the plane and its true return, the optimum and whether it reached the goal are
in ``planeTransferLabel``. *Compare* makes the lecture's last lesson one click: AIRL (state-only reward) and GAIL
learn on the same demonstrations, then both rewards are transferred to the target plane, side by side."""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QSpinBox, QVBoxLayout

from irl_studio.algorithms.plane_run import LEARNERS, build_plane_run, build_rl_transfer, learner_config_type, \
    plan_on
from irl_studio.continuous.demos import demos_to_dict
from irl_studio.continuous.plane import builtin_plane, builtin_plane_names, plane_to_dict
from irl_studio.gui.common.format import fmt
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import button, named, status_label
from irl_studio.gui.continuous.canvas import PlaneCanvas
from irl_studio.gui.continuous.document import PlaneDocument, PlaneResult

PLAN_COLOR, RL_COLOR = QColor("#1b9e3b"), QColor("#e6730f")
COMPARED = ("airl", "gail")
SHIFTED = {"point-maze-left": "point-maze-right", "point-maze-right": "point-maze-left"}


def describe(plan, what: str) -> str:
    """'planner: return -9.7 (optimum -8.5, 1.14x) · reached the goal'."""
    if plan is None:
        return f"{what}: –"
    opt = plan.optimal_return
    ratio = f", {plan.true_return / opt:.2f}×" if opt not in (None, 0.0) else ""
    goal = "reached the goal" if plan.reached else f"missed the goal by {fmt(plan.final_distance, 2)}"
    return f"{what}: return {fmt(plan.true_return, 3)} (optimum {fmt(opt, 3)}{ratio}) · {goal}"


class PlaneTransferPanel(QGroupBox):
    def __init__(self, doc: PlaneDocument, canvas: PlaneCanvas, runs: RunController, rl_runs: RunController,
                 tasks: TaskRunner, messages: Messages, parent=None) -> None:
        super().__init__("Transfer: re-optimize under the learned reward", parent)
        self.setObjectName("planeTransferGroup")
        self.doc, self.canvas, self.runs, self.rl_runs, self.tasks, self.messages = \
            doc, canvas, runs, rl_runs, tasks, messages
        self.plan_text, self.rl_text = "", ""
        self._queue: list[str] = []
        v = QVBoxLayout(self)
        self.planeReoptimizeButton = button(
            "Re-optimize under learned reward", "planeReoptimizeButton",
            "Plan on the plane as it is now (edit the walls first, or open the shifted built-in) under the frozen "
            "learned reward: the exact planner, and a fresh RL policy when ticked below", lambda: self.reoptimize())
        v.addWidget(self.planeReoptimizeButton)
        row = QHBoxLayout()
        self.rlCheck = named(QCheckBox("and a fresh RL policy"), "planeRLCheck", "Also retrain an RL policy",
                             "Also train a fresh PPO policy on the frozen reward (uniform starts; about a minute)")
        self.rlIterSpin = named(QSpinBox(), "planeRLIterationsSpin", "RL iterations", "PPO iterations of the policy")
        self.rlIterSpin.setRange(1, 10_000)
        self.rlIterSpin.setValue(150)
        row.addWidget(self.rlCheck)
        row.addWidget(self.rlIterSpin)
        v.addLayout(row)
        self.planeTransferLabel = status_label("planeTransferLabel", "Transfer result", "Learn a reward, then "
                                               "re-optimize under it here.", lines=4)
        v.addWidget(self.planeTransferLabel)
        form = QFormLayout()
        self.targetCombo = named(QComboBox(), "planeCompareTargetCombo", "Transfer target of the comparison",
                                 "The plane both rewards are transferred to after learning")
        self.targetCombo.addItem("the plane as it is then", "")
        for name in builtin_plane_names():
            self.targetCombo.addItem(f"built-in {name}", name)
        form.addRow("Compare on", self.targetCombo)
        self.compareIterSpin = named(QSpinBox(), "planeCompareIterationsSpin", "Comparison iterations",
                                     "Iterations of each of the two learners (their other parameters: the defaults)")
        self.compareIterSpin.setRange(1, 100_000)
        self.compareIterSpin.setValue(learner_config_type("airl")().max_iterations)
        form.addRow("iterations each", self.compareIterSpin)
        v.addLayout(form)
        row = QHBoxLayout()
        self.planeCompareButton = button(
            "AIRL vs GAIL", "planeCompareButton",
            "Learn AIRL (state-only reward) and GAIL on these demonstrations with their defaults, then transfer both "
            "rewards to the target plane: the transferable reward reaches the goal where GAIL's signal does not",
            self.compare)
        self.planeCompareTransferButton = button(
            "Transfer both", "planeCompareTransferButton", "Transfer the two compared rewards to the plane as it is "
            "now (after editing the walls)", self.transfer_both)
        row.addWidget(self.planeCompareButton)
        row.addWidget(self.planeCompareTransferButton)
        v.addLayout(row)
        doc.planeChanged.connect(self._on_plane)
        doc.resultChanged.connect(self._on_result)
        runs.finished.connect(self._on_learned)
        rl_runs.snapshot.connect(self._on_rl_snapshot)
        rl_runs.finished.connect(self._on_rl_finished)
        self._sync_target()

    def _sync_target(self) -> None:
        shifted = SHIFTED.get(self.doc.plane.name.split(" ")[0]) or SHIFTED.get(self.doc.plane.extra.get("builtin", ""))
        idx = self.targetCombo.findData(shifted) if shifted else 0
        self.targetCombo.setCurrentIndex(max(idx, 0))

    def _show(self) -> None:
        self.planeTransferLabel.setText("\n".join(t for t in (self.plan_text, self.rl_text) if t))

    def _on_plane(self) -> None:
        self.canvas.set_paths([])
        if self.plan_text:
            self.plan_text, self.rl_text = "The plane changed: press Re-optimize to plan on it", ""
            self._show()

    def _on_result(self) -> None:
        if self.doc.result is None:
            self.plan_text = self.rl_text = ""
            self.planeTransferLabel.setText("Learn a reward, then re-optimize under it here.")

    @staticmethod
    def reward_of(res: PlaneResult):
        """The networks when the run has them (state-action rewards keep their action), else the reward grid."""
        return res.networks if res.networks is not None else res.grid

    # --- re-optimize --------------------------------------------------------------------------------------------
    def reoptimize(self, quiet: bool = False) -> None:
        res = self.doc.result
        if res is None:
            if not quiet:
                self.messages.error("Nothing learned yet", "Run a learner first (or open a session with a learned "
                                    "reward)")
            return
        plane = plane_to_dict(self.doc.plane)

        def done(plan) -> None:
            if plane != plane_to_dict(self.doc.plane):
                self.messages.status("The plane changed while planning; press Re-optimize again")
                return
            self.canvas.set_paths([(plan.positions, PLAN_COLOR, 3.0)])
            self.plan_text = describe(plan, "Planner")
            self._show()

        self.tasks.run(partial(plan_on, plane, self.reward_of(res)), done, "planning under the learned reward",
                       quiet=quiet)
        if self.rlCheck.isChecked() and not self.rl_runs.running:
            self.rl_text = "RL: training a fresh policy…"
            self._show()
            self.rl_runs.start(partial(build_rl_transfer, plane, self.reward_of(res), res.seed,
                                       self.rlIterSpin.value()), "RL under the learned reward")

    def _on_rl_snapshot(self, snap) -> None:
        if snap.rollouts:
            self.canvas.set_rollouts([r for r in snap.rollouts])
        self.rl_text = f"RL (iteration {snap.iteration}): " + describe(snap.result, "policy")[len("policy: "):]
        self._show()

    def _on_rl_finished(self, snap, outcome: str, message: str) -> None:
        if outcome == "failed":
            self.rl_text = f"RL failed: {message}"
        elif snap is not None and snap.result is not None:
            self.canvas.set_paths(self.canvas.paths[:1] + [(snap.result.positions, RL_COLOR, 3.0)])
            self.rl_text = f"RL ({snap.iteration} iterations): " + describe(snap.result, "p")[3:]
        self._show()

    # --- the comparison -----------------------------------------------------------------------------------------
    def compare(self) -> None:
        if self.runs.running:
            self.messages.status("A run is going: stop it first")
            return
        self.doc.comparison = {}
        self.doc.comparison_plane = None
        self.doc.comparisonChanged.emit()
        self._queue = list(COMPARED)
        self._next()

    def _next(self) -> None:
        key = self._queue[0]
        k = len(COMPARED) - len(self._queue) + 1
        if len(self.doc.demos) == 0:
            self._queue = []
            self.messages.error("No demonstrations", "Record or generate demonstrations first: both learners learn "
                                "from them")
            return
        config = learner_config_type(key)(max_iterations=self.compareIterSpin.value())
        plane = plane_to_dict(self.doc.plane)
        build = partial(build_plane_run, key, plane, demos_to_dict(self.doc.demos), config, 0)
        self.messages.status(f"Comparison {k} of {len(COMPARED)}: {LEARNERS[key][2]}")
        if not self.runs.start(build, f"{LEARNERS[key][2]} (comparison {k} of {len(COMPARED)})",
                               {"learner": key, "seed": 0, "plane": plane}):
            self._queue = []

    def _on_learned(self, snap, outcome: str, message: str) -> None:
        if not self._queue:
            if outcome != "failed" and self.doc.result is not None:
                self.reoptimize(quiet=True)
            return
        key = self._queue.pop(0)
        if outcome != "done" or self.doc.result is None:
            self._queue = []
            self.messages.status(f"The comparison stopped: {LEARNERS[key][2]} {outcome}")
            return
        self.doc.comparison[key] = {"result": self.doc.result, "plan": None}
        self.doc.comparisonChanged.emit()
        if self._queue:
            self._next()
        else:
            self.transfer_both()

    def transfer_both(self) -> None:
        comp = self.doc.comparison
        if not comp:
            self.messages.status("Press AIRL vs GAIL first: there is nothing to compare yet")
            return
        name = self.targetCombo.currentData()
        try:
            target = plane_to_dict(builtin_plane(name)) if name else plane_to_dict(self.doc.plane)
        except Exception as exc:  # noqa: BLE001 - a built-in that cannot be read: a message
            self.messages.error("Cannot transfer", str(exc))
            return
        self.doc.comparison_plane = target
        for key, entry in comp.items():
            def done(plan, key=key, entry=entry) -> None:
                if self.doc.comparison.get(key) is entry and self.doc.comparison_plane is target:
                    entry["plan"] = plan
                    self.doc.comparisonChanged.emit()

            self.tasks.run(partial(plan_on, target, self.reward_of(entry["result"])), done,
                           f"transferring {LEARNERS[key][2]}")
