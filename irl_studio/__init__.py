"""IRL Studio: inverse reinforcement learning you can see."""

__version__ = "0.1.0"


class IRLStudioError(Exception):
    """Base class of every error IRL Studio reports to a user: the message is meant to be read as it is."""
