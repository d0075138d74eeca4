"""chainnet: neural networks from scratch in numpy, the way R users know them.

    from chainnet import NeuralNetwork, datasets
    net = NeuralNetwork("Species ~ .", data=datasets.load_iris(), hidden=5)
    net.train(9999, trace=1000, learn_rate=1e-4).accuracy()
"""

from . import datasets, optim, schedules
from .convergence import ConvergenceWarning, LossIncreaseWarning
from .errors import (
    ArgumentError,
    ArgumentTypeError,
    ChainnetError,
    DataError,
    DataWarning,
    DivergedError,
    FormulaError,
    ModelFileError,
    NewLevelError,
    SaveError,
    TaskError,
)
from .network import NeuralNetwork

__version__ = "0.1.0"
__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ChainnetError",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "DivergedError",
    "FormulaError",
    "LossIncreaseWarning",
    "ModelFileError",
    "NeuralNetwork",
    "NewLevelError",
    "SaveError",
    "TaskError",
    "__version__",
    "datasets",
    "optim",
    "schedules",
]
