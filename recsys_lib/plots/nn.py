"""Plots of module 06 (neural_networks_backprop): activations and their derivatives, optimiser
loss curves, training histories, and model accuracy between a baseline and the oracle.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots.shop`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from recsys_lib.plots.features import plot_model_comparison
from recsys_lib.plots.shop import _axes, _pyplot

__all__ = ["plot_activations", "plot_optimizer_curves", "plot_training_history", "plot_accuracy_ladder"]


def plot_activations(functions: Mapping[str, tuple], z=None, axes=None):
    r"""Two panels: each activation :math:`f(z)` (left) and its derivative :math:`f'(z)` (right).

    ``functions`` maps a name to ``(f, f_prime)`` (e.g. your own functions, or
    ``recsys_lib.nn.ACTIVATIONS``); ``z`` defaults to 401 points on [-5, 5]. Returns the two Axes.
    Taught in module 06 (neural_networks_backprop).
    """
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    if axes is None:
        plt = _pyplot()
        _, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, (f, f_prime) in functions.items():
        line, = axes[0].plot(z, np.asarray(f(z), dtype=np.float64), label=name)
        axes[1].plot(z, np.asarray(f_prime(z), dtype=np.float64), color=line.get_color(), label=f"{name}'")
    for ax, title in zip(axes, ("activation $f(z)$", "derivative $f'(z)$")):
        ax.axhline(0.0, color="grey", lw=0.6)
        ax.axvline(0.0, color="grey", lw=0.6)
        ax.set_xlabel("pre-activation $z$")
        ax.set_title(title)
        ax.legend(fontsize=9)
    return axes


def plot_optimizer_curves(histories: Mapping[str, Sequence[float]], ax=None, log: bool = True,
                          xlabel: str = "epoch", ylabel: str = "training loss $J$",
                          title: str = "SGD, momentum and Adam on the same network"):
    """One line per optimiser: the training loss after each epoch (epoch 1 first), log scale by
    default. ``histories`` maps a label (e.g. ``"Adam, lr 1e-3"``) to its loss history.
    Taught in module 06 (neural_networks_backprop)."""
    ax = _axes(ax, (7, 3.8))
    for label, history in histories.items():
        h = np.asarray(history, dtype=np.float64).ravel()
        ax.plot(np.arange(1, h.size + 1), h, marker="o", ms=2.5, label=str(label))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax


def plot_training_history(histories: Mapping[str, Mapping[str, Sequence[float]]], ax=None,
                          mark_epoch: int | None = None, title: str = "Training and validation loss"):
    """Loss per epoch of one or more training runs: ``histories`` maps a run's name to a dict with
    ``"loss"`` (training, solid line) and optionally ``"val_loss"`` (validation, dashed, same
    colour) — the format of :func:`recsys_lib.nn.train_mlp` and of Keras's ``History.history``.
    ``mark_epoch`` (1-based) draws a vertical line, e.g. at the epoch chosen on validation.
    Taught in module 06 (neural_networks_backprop)."""
    ax = _axes(ax, (7, 3.8))
    for name, h in histories.items():
        loss = np.asarray(h["loss"], dtype=np.float64)
        line, = ax.plot(np.arange(1, loss.size + 1), loss, label=f"{name}: training")
        if "val_loss" in h:
            val = np.asarray(h["val_loss"], dtype=np.float64)
            ax.plot(np.arange(1, val.size + 1), val, ls="--", color=line.get_color(), label=f"{name}: validation")
    if mark_epoch is not None:
        ax.axvline(int(mark_epoch), color="grey", lw=1, ls=":", label=f"epoch {int(mark_epoch)}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy (nats)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_accuracy_ladder(scores: pd.DataFrame, metrics=("accuracy", "top-3 accuracy"), axes=None,
                         baseline: str | None = None, ceiling: str | None = None):
    """Horizontal bars of each model's scores (rows of ``scores``, one panel per metric column),
    higher is better: module 03's :func:`~recsys_lib.plots.plot_model_comparison`, with the
    ``baseline`` row (e.g. "most frequent category") drawn as a dashed line and the ``ceiling`` row
    (e.g. "oracle") as a dotted one. Returns the array of Axes.
    Taught in module 06 (neural_networks_backprop)."""
    metrics = list(metrics)
    axes = plot_model_comparison(scores, metrics, axes=axes, baseline=baseline)
    for ax, metric in zip(axes, metrics):
        ax.set_title(f"{metric} (higher is better)")
        if ceiling is not None and ceiling in scores.index:
            ax.axvline(float(scores.loc[ceiling, metric]), color="grey", ls=":", lw=1)
    return axes
