"""The gridworld tab: its document (layout, demonstrations, learned result, undo), the grid canvas, the panels that
edit the document (draw, demonstrate, learn, watch, results) and the tab that puts them together."""
