"""Errors that carry a message meant for people, not a traceback."""


class SimulatorError(Exception):
    """A problem the user can fix; its message names the file, field or turn at fault."""


class PersonaError(SimulatorError):
    """A persona file is missing, unreadable or invalid."""


class ModelError(SimulatorError):
    """The model file is missing, corrupt, or cannot be loaded."""


class InputError(SimulatorError):
    """A message or file the user supplied cannot be used as it is."""
