r"""Kernel matrices for kernel methods (the RBF kernel of the SVM), vectorised.

Taught in module 05 (svm).

A kernel :math:`k(a, b) = \langle \varphi(a), \varphi(b)\rangle` is an inner product in a feature
space that is never built. The **radial basis function** (Gaussian) kernel is

.. math::
    k(a, b) = \exp\bigl(-\gamma \lVert a - b\rVert^2\bigr), \qquad \gamma = \frac{1}{2\sigma^2} > 0,

with :math:`\sigma` the kernel's width (scikit-learn's ``gamma`` is :math:`\gamma`, not
:math:`\sigma`). Its values lie in :math:`(0, 1]`, with 1 exactly when :math:`a = b`.

All pairwise squared distances at once use
:math:`\lVert a - b\rVert^2 = \lVert a\rVert^2 + \lVert b\rVert^2 - 2a^\top b` (one matrix product, no
loop over pairs); rounding can make that slightly negative for (nearly) equal points, so it is
clipped at 0 — otherwise the kernel would exceed 1.
"""
from __future__ import annotations

import numpy as np

__all__ = ["squared_euclidean_distances", "rbf_kernel", "gamma_from_sigma"]


def _rows(A, name: str) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one row per point); got shape {A.shape}")
    return A


def squared_euclidean_distances(A, B=None) -> np.ndarray:
    r""":math:`D_{ij} = \lVert a_i - b_j\rVert^2` for the rows of ``A`` (n_A, d) and ``B`` (n_B, d),
    shape (n_A, n_B), vectorised and clipped at 0. With ``B=None`` the distances of ``A`` with
    itself, whose diagonal is set to exactly 0. Taught in module 05 (svm)."""
    A = _rows(A, "A")
    same = B is None
    B = A if same else _rows(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same number of columns; got {A.shape[1]} and {B.shape[1]}")
    D = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :] - 2.0 * (A @ B.T)
    np.maximum(D, 0.0, out=D)
    if same:
        np.fill_diagonal(D, 0.0)
    return D


def rbf_kernel(A, B=None, gamma=None) -> np.ndarray:
    r"""The RBF kernel matrix :math:`K_{ij} = \exp(-\gamma \lVert a_i - b_j\rVert^2)`, shape (n_A, n_B)
    (``B=None``: ``A`` with itself). ``gamma=None`` uses :math:`1/d` (scikit-learn's default for
    ``rbf_kernel``; ``SVC``'s default ``gamma="scale"`` is :math:`1/(d\,\mathrm{Var}(X))`).
    Equals ``sklearn.metrics.pairwise.rbf_kernel``. Taught in module 05 (svm)."""
    A = _rows(A, "A")
    gamma = 1.0 / A.shape[1] if gamma is None else float(gamma)
    if not (np.isfinite(gamma) and gamma > 0):
        raise ValueError(f"gamma must be a positive number; got {gamma!r}")
    K = squared_euclidean_distances(A, B)
    K *= -gamma
    return np.exp(K, out=K)


def gamma_from_sigma(sigma) -> float:
    r""":math:`\gamma = 1/(2\sigma^2)`: the ``gamma`` of an RBF kernel of width :math:`\sigma`.
    Taught in module 05 (svm)."""
    sigma = float(sigma)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number; got {sigma!r}")
    return 1.0 / (2.0 * sigma * sigma)
