"""Built-in layouts and demonstrations of IRL Studio (read with importlib.resources)."""
