"""The continuous-control tab: a point mass on a plane among walls. Its document (plane, demonstrations, learned
reward, undo), the plane canvas, and the panels (draw, demonstrate, learn, transfer, results) on the shared parts of
gui/common."""
