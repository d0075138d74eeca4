"""Optimizer objects, for hyperparameters other than torch's defaults: ``train(optimizer=optim.Adam(betas=...))``."""

from .optimizers import GD, OPTIMIZERS, Adam, Momentum, Nesterov, Optimizer, RMSprop

__all__ = ["GD", "OPTIMIZERS", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSprop"]
