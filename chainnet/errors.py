"""chainnet's exceptions: each is a ValueError or TypeError, so ``except ValueError`` catches bad input.

Every message names what was received and says how to fix it.
"""


class ChainnetError(Exception):
    """Base class of every error chainnet raises on purpose."""


class FormulaError(ChainnetError, ValueError):
    """The formula cannot be parsed, has no response, or names something that is not there."""


class DataError(ChainnetError, ValueError):
    """The data cannot be used: empty, missing a column, infinite values, a one-class response ..."""


class NewLevelError(DataError):
    """New data holds a category level that the training data never had."""


class ArgumentError(ChainnetError, ValueError):
    """An argument has a value outside what it accepts (``hidden=-1``, ``learn_rate=0`` ...)."""


class ArgumentTypeError(ChainnetError, TypeError):
    """An argument has the wrong type (``data`` not a DataFrame, ``hidden=2.5`` ...)."""


class DivergedError(ChainnetError, ValueError):
    """Training produced an infinite or NaN loss, or blew up; the weights are left at their last finite values.
    ``shell``: the same message for the command line (its options' spellings, ``--learn-rate 0.1``, and what
    happened to the model there: nothing is saved)."""

    def __init__(self, message: str, shell: str | None = None):
        super().__init__(message)
        self.shell = message if shell is None else shell


class TaskError(ChainnetError, ValueError):
    """The call does not fit the network's task (``accuracy()`` on a regression network ...)."""


class ModelFileError(ChainnetError, ValueError):
    """A saved model file cannot be read: not a chainnet file, truncated, tampered, or from a newer chainnet."""


class SaveError(ChainnetError, OSError):
    """A model file cannot be written: the path is empty or a folder, its folder is missing, the disk is full,
    permission is denied. An ``OSError`` too, so ``except OSError`` still catches it."""


class DataWarning(UserWarning):
    """The data can be used, but probably not as meant: a text column with nearly one level per row (an
    identifier), or numbers or dates stored as text, each level of which becomes a design column."""
