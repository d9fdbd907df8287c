"""What any tab of the window needs: a run controller and its worker thread, a task runner for one-off engine calls,
parameter forms generated from config dataclasses, heatmap and curve widgets, a snapshot history with its scrub bar,
an undoable document base, message plumbing and small widget helpers. Nothing here knows a gridworld or a plane."""
