"""One-off engine calls off the GUI thread (re-optimize, expert demonstrations, planning): ``run(fn, done, what)``
calls ``done(result)`` on the GUI thread when ``fn()`` returns, or says why it failed. The GUI thread never waits for
a task while the app runs (only :meth:`TaskRunner.shutdown`, at close, does)."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.worker import TaskThread


class TaskRunner(QObject):
    """``busyChanged(bool)`` when the first task starts or the last one ends."""

    busyChanged = Signal(bool)

    def __init__(self, messages: Messages, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.messages = messages
        self.tasks: list[TaskThread] = []  # running (their result not yet delivered)
        self._threads: set[TaskThread] = set()  # not yet finished as threads
        self._closing = False

    def run(self, fn: Callable[[], Any], done: Callable[[Any], None], what: str, quiet: bool = False) -> TaskThread:
        """Run ``fn`` off the GUI thread, then ``done(result)``; a failure is a message (the status bar only when
        ``quiet``: for work the user did not ask for)."""
        task = TaskThread(fn)
        self.tasks.append(task)
        self._threads.add(task)
        task.finished.connect(lambda t=task: self._reap(t))

        def ok(result) -> None:
            self._end(task)
            if not self._closing:
                done(result)

        def failed(message: str) -> None:
            self._end(task)
            if self._closing:
                return
            if quiet:
                self.messages.status(f"Not {what}: {message}", 15000)
            else:
                self.messages.error(f"Failed {what}", message)

        task.succeeded.connect(ok)
        task.failed.connect(failed)
        if not quiet:
            self.messages.status(f"{what[0].upper()}{what[1:]}…")
        if len(self.tasks) == 1:
            self.busyChanged.emit(True)
        task.start()
        return task

    def _end(self, task: TaskThread) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
            if not self.tasks:
                self.busyChanged.emit(False)

    def _reap(self, task: TaskThread) -> None:
        self._threads.discard(task)
        task.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self.tasks)

    def shutdown(self) -> None:
        """At close: let every task end (their results are dropped)."""
        self._closing = True
        for t in list(self._threads):
            t.wait()
        self.tasks.clear()
        self._threads.clear()
