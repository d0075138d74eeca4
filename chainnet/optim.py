"""Optimizer objects, for hyperparameters other than the defaults: ``train(optimizer=optim.Adam(betas=...))``,
``optim.LBFGS(history_size=20)``.

The full-batch solvers (``chainnet.quasinewton``, ``chainnet.rprop``) build on ``optimizers.Optimizer`` and join
its name table here, so every name is known once ``chainnet`` is imported.
"""

from .optimizers import GD, OPTIMIZERS, Adam, Momentum, Nesterov, Optimizer, RMSprop
from .quasinewton import BFGS, LBFGS
from .rprop import Rprop

OPTIMIZERS.update({cls.name: cls for cls in (LBFGS, BFGS, Rprop)})

__all__ = ["BFGS", "GD", "LBFGS", "OPTIMIZERS", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSprop", "Rprop"]
