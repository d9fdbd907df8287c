"""Agents walking paths on the grid canvas: a replayed demonstration or a rollout of the re-optimized policy. One
animator per canvas, shared by the panels that start animations (demonstrate: replay; watch: play, step)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from irl_studio.gui.gridworld.canvas import GridCanvas

MAX_AGENTS = 32  # paths animated at once (thousands of animated trails would stall every frame)


class Animator(QObject):
    """``playingChanged(bool)``; ``t`` the step shown."""

    playingChanged = Signal(bool)

    def __init__(self, canvas: GridCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.paths: list[list[tuple[int, int]]] = []
        self.t = 0
        self.trails = True
        self.timer = QTimer(self)
        self.timer.setObjectName("rolloutTimer")
        self.timer.timeout.connect(self.step)
        self.set_speed(6)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def length(self) -> int:
        return max((len(p) for p in self.paths), default=0)

    def set_speed(self, steps_per_second: int) -> None:
        self.timer.setInterval(int(1000 / max(1, steps_per_second)))

    def set_paths(self, paths: list[list[tuple[int, int]]], play: bool = False) -> None:
        self.paths = [list(p) for p in paths[:MAX_AGENTS]]
        self.t = 0
        self.draw()
        if play:
            self.play()
        elif not self.paths:
            self.stop()

    def clear(self) -> None:
        self.stop()
        self.paths = []
        self.t = 0
        self.draw()

    def play(self) -> bool:
        """Start (from the beginning if at the end); False when there is nothing to play."""
        if not self.paths:
            return False
        if self.t >= self.length - 1:
            self.t = 0
            self.draw()
        if not self.timer.isActive():
            self.timer.start()
            self.playingChanged.emit(True)
        return True

    def stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.playingChanged.emit(False)

    def step(self) -> None:
        if not self.paths:
            return
        if self.t < self.length - 1:
            self.t += 1
        else:
            self.stop()
        self.draw()

    def set_trails(self, on: bool) -> None:
        self.trails = bool(on)
        self.draw()

    def draw(self) -> None:
        t = self.t
        agents = [p[min(t, len(p) - 1)] for p in self.paths]
        trails = [p[:min(t, len(p) - 1) + 1] for p in self.paths] if self.trails else []
        self.canvas.set_agents(agents, trails)
