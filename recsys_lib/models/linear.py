r"""Linear regression trained by gradient descent (reference implementation).

Taught in module 01 (linear_regression): prediction, MSE loss, its gradient,
batch gradient descent, feature scaling, the learning-rate study and the normal
equation. Module 02 (logistic_regression) reuses the gradient-descent loop of
this file (:func:`_fit_gradient_descent`) with mini-batches.

The loop is written once for every *generalised linear model with a canonical
link* (linear regression, logistic regression, softmax regression), because
all three share the gradient form

.. math::
    \nabla_W J = \frac{1}{m} X^\top (\hat Y - Y) + \alpha W, \qquad
    \nabla_b J = \frac{1}{m} \mathbf{1}^\top (\hat Y - Y),

with :math:`\hat Y = Z` (identity), :math:`\sigma(Z)` or :math:`\mathrm{softmax}(Z)`
for :math:`Z = XW + \mathbf{1} b^\top`.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["LinearRegressionGD"]


# --------------------------------------------------------------------------
# shared machinery (also used by recsys_lib.models.logistic)
# --------------------------------------------------------------------------
def _check_common_params(est) -> None:
    """Validate hyper-parameters shared by the GD estimators, with clear messages."""
    name = type(est).__name__
    lr = est.learning_rate
    if not (lr == "auto" or (isinstance(lr, numbers.Real) and not isinstance(lr, bool)
                             and np.isfinite(lr) and lr > 0)):
        raise ValueError(f"{name}: learning_rate must be a positive number or 'auto'; got {lr!r}")
    if not (isinstance(est.max_iter, numbers.Integral) and est.max_iter >= 1):
        raise ValueError(f"{name}: max_iter (number of epochs) must be an integer >= 1; "
                         f"got {est.max_iter!r}")
    if not (isinstance(est.alpha, numbers.Real) and est.alpha >= 0):
        raise ValueError(f"{name}: alpha (L2 strength) must be a number >= 0; got {est.alpha!r}")
    if est.tol is not None and not (isinstance(est.tol, numbers.Real) and est.tol >= 0):
        raise ValueError(f"{name}: tol must be None or a number >= 0; got {est.tol!r}")
    bs = est.batch_size
    if bs is not None and not (isinstance(bs, numbers.Integral) and bs >= 1):
        raise ValueError(f"{name}: batch_size must be None (full batch) or an integer >= 1; "
                         f"got {bs!r}")


def _auto_learning_rate(X, sw, *, curvature: float, alpha: float, fit_intercept: bool,
                        batch_size: int | None) -> float:
    r"""Step size :math:`1/L` from the Lipschitz constant :math:`L` of the gradient.

    For a loss whose second derivative in the score is at most ``c = curvature``
    (1 for MSE, 1/4 for the sigmoid, 1/2 for softmax) and
    :math:`\tilde X = [X, \mathbf{1}]` if an intercept is fitted (else :math:`X`):

    * full batch: :math:`L = c\,\lambda_{\max}\bigl(\tfrac{1}{m}\tilde X^\top \tilde X\bigr) + \alpha`
      (weighted mean with sample weights). With step :math:`1/L` gradient descent
      decreases the loss at every epoch; any step above :math:`2/L` diverges on a
      quadratic.
    * mini-batches: :math:`L = c\,\max_i \lVert \tilde x_i \rVert^2 + \alpha`, the
      largest per-sample Lipschitz constant, which bounds the curvature of *every*
      mini-batch (the step size rule of scikit-learn's SAG solver). Smaller than the
      full-batch step, it keeps the stochastic noise of small batches in check.
    """
    m, d = X.shape
    if batch_size is not None and batch_size < m:
        lam = float(np.max(np.einsum("ij,ij->i", X, X))) + float(fit_intercept) if m else 0.0
    else:
        wn = sw / sw.sum()
        Xs = X * np.sqrt(wn)[:, None]
        G = Xs.T @ Xs
        if fit_intercept:
            mean = wn @ X
            G = np.block([[G, mean[:, None]], [mean[None, :], np.ones((1, 1))]])
        lam = float(np.linalg.eigvalsh(G)[-1]) if G.size else 0.0
    L = curvature * lam + alpha
    if not np.isfinite(L) or L <= 1e-12:
        return 1.0
    return 1.0 / L


def _fit_gradient_descent(
    X: np.ndarray,
    Y: np.ndarray,
    sw: np.ndarray | None,
    *,
    forward: Callable[..., tuple],
    alpha: float,
    fit_intercept: bool,
    learning_rate: float,
    max_iter: int,
    tol: float | None,
    batch_size: int | None,
    rng: np.random.Generator,
    name: str,
):
    r"""(Mini-)batch gradient descent for a GLM with canonical link.

    ``forward(Z, Y, with_loss, ws)`` maps scores :math:`Z` to predictions :math:`\hat Y`
    (identity, sigmoid or softmax) and, if ``with_loss``, also returns the per-sample
    losses :math:`\ell(z_i, y_i)` (else ``None``). ``ws`` is a dict of work arrays
    that the full-batch loop keeps across epochs (``None`` for mini-batches): on
    large data, allocating fresh (m, k) temporaries every epoch costs more than the
    arithmetic, so the full-batch path computes in place. The maths is unchanged.

    Parameters are :math:`W \in \mathbb{R}^{d \times k}` and :math:`b \in \mathbb{R}^k`,
    both initialised to zero (the problems are convex, so no random start is needed).
    Each epoch visits the samples once: in one full batch (``batch_size=None``)
    or in mini-batches of ``batch_size`` rows in a fresh random order drawn from
    ``rng``. After each epoch the full training objective

    .. math:: J = \frac{\sum_i s_i\, \ell(z_i, y_i)}{\sum_i s_i} + \frac{\alpha}{2}\lVert W\rVert_F^2

    is appended to the history. Training stops when the relative decrease
    :math:`0 \le (J_{t-1} - J_t) / J_{t-1} \le` ``tol`` (an *increase* of the loss is
    not convergence: it means a too-large step or mini-batch noise), when ``max_iter``
    epochs are done (ConvergenceWarning), or when :math:`J` stops being finite
    (the learning rate is too large: ConvergenceWarning, the history ends with the
    non-finite value so that the divergence can be plotted).

    Returns
    -------
    W, b, history (list of float), converged (bool)
    """
    m, d = X.shape
    k = Y.shape[1]
    W = np.zeros((d, k))
    b = np.zeros(k)
    s = sw
    s_total = float(s.sum()) if s is not None else float(m)

    def objective(losses):
        data = (losses @ s) / s_total if s is not None else float(losses.mean())
        return float(data + 0.5 * alpha * np.sum(W * W))

    full_batch = batch_size is None or batch_size >= m
    history: list[float] = []
    converged = False
    ws: dict | None = {} if full_batch else None
    Z = np.empty((m, k))

    def scores():                                            # Z = XW + 1 b^T, in place
        np.matmul(X, W, out=Z)
        return np.add(Z, b, out=Z)

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        Y_hat, losses = forward(scores(), Y, True, ws)
        prev = objective(losses)
        for _ in range(max_iter):
            if full_batch:
                R = np.subtract(Y_hat, Y, out=Y_hat)         # (m, k) residuals  Ŷ - Y (Ŷ not needed after)
                if s is not None:
                    R *= s[:, None]
                W -= learning_rate * (X.T @ R / s_total + alpha * W)
                if fit_intercept:
                    b -= learning_rate * (R.sum(axis=0) / s_total)
            else:
                order = rng.permutation(m)
                for start in range(0, m, batch_size):
                    idx = order[start:start + batch_size]
                    Xb = X[idx]
                    Yb = Y[idx]
                    R = forward(Xb @ W + b, Yb, False, None)[0] - Yb
                    if s is not None:
                        sb = s[idx]
                        denom = float(sb.sum())
                        if denom <= 0.0:              # a batch of zero-weight samples
                            continue
                        R *= sb[:, None]
                    else:
                        denom = float(len(idx))
                    W -= learning_rate * (Xb.T @ R / denom + alpha * W)
                    if fit_intercept:
                        b -= learning_rate * (R.sum(axis=0) / denom)
            Y_hat, losses = forward(scores(), Y, True, ws)   # Ŷ is reused by the next step
            J = objective(losses)
            history.append(J)
            if not np.isfinite(J):
                warnings.warn(
                    f"{name} diverged: the training loss became {J} after {len(history)} "
                    f"epoch(s). The learning rate {learning_rate:g} is too large for this data "
                    "(scale the features, or lower learning_rate; learning_rate='auto' uses "
                    "a safe step 1/L).",
                    ConvergenceWarning,
                    stacklevel=3,
                )
                return W, b, history, False
            if tol is not None and 0.0 <= prev - J <= tol * prev:   # small *decrease*
                converged = True
                break
            prev = J
    if tol is not None and not converged:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} epochs (relative loss decrease "
            f"still above tol={tol:g}). Increase max_iter, scale the features or raise "
            "learning_rate.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return W, b, history, converged


def _linear_forward(Z: np.ndarray, Y: np.ndarray, with_loss: bool, ws: dict | None = None):
    r"""Identity link :math:`\hat Y = Z`; pointwise :math:`\ell_i = \tfrac12 \lVert z_i - y_i\rVert^2`."""
    if not with_loss:
        return Z, None
    D = np.subtract(Z, Y, out=None if ws is None else ws.setdefault("D", np.empty_like(Z)))
    return Z, 0.5 * np.einsum("ij,ij->i", D, D)


# --------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------
class LinearRegressionGD(RegressorMixin, BaseEstimator):
    r"""Linear regression fitted by batch gradient descent (or the normal equation).

    Taught in module 01 (linear_regression).

    Model and objective
    -------------------
    Prediction :math:`\hat y = Xw + b`. The training objective is the
    mean squared error with the ½ convention plus an L2 penalty on the weights
    (the intercept :math:`b` is **never** penalised):

    .. math::
        J(w, b) = \frac{1}{2m} \lVert Xw + b\mathbf{1} - y \rVert_2^2
                  + \frac{\alpha}{2} \lVert w \rVert_2^2 ,

    .. math::
        \nabla_w J = \frac{1}{m} X^\top (Xw + b\mathbf{1} - y) + \alpha w, \qquad
        \frac{\partial J}{\partial b} = \frac{1}{m} \mathbf{1}^\top (Xw + b\mathbf{1} - y).

    (:func:`recsys_lib.models.mse_loss` and :func:`recsys_lib.models.mse_gradient`
    compute exactly these.) Gradient descent repeats
    :math:`w \leftarrow w - \eta \nabla_w J,\ b \leftarrow b - \eta\, \partial J/\partial b`
    from :math:`w = 0, b = 0`. With sample weights :math:`s_i` every
    :math:`\frac{1}{m}\sum_i` becomes :math:`\frac{1}{\sum_i s_i}\sum_i s_i`, so integer
    weights are equivalent to repeating rows.

    Relation to scikit-learn: with ``alpha=0`` the minimiser is ordinary least squares
    (``sklearn.linear_model.LinearRegression``); with ``alpha > 0`` it is
    ``Ridge(alpha=alpha * m)`` (Ridge minimises :math:`\lVert r\rVert^2 + \alpha_{R}\lVert w\rVert^2`;
    multiply our :math:`J` by :math:`2m`).

    Parameters
    ----------
    learning_rate : float or "auto", default="auto"
        Step size :math:`\eta`. ``"auto"`` uses :math:`1/L`, the inverse of the
        Lipschitz constant of the gradient,
        :math:`L = \lambda_{\max}(\tilde X^\top \tilde X / m) + \alpha` with
        :math:`\tilde X = [X, \mathbf 1]`; this step provably decreases :math:`J`
        every epoch. Any :math:`\eta > 2/L` diverges (the module-01
        learning-rate study). With mini-batches ``"auto"`` uses the smaller, always
        safe :math:`1/(\max_i \lVert\tilde x_i\rVert^2 + \alpha)`. The value used is
        stored in ``learning_rate_``.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the data).
    tol : float or None, default=1e-6
        Stop when the relative decrease of :math:`J` over one epoch,
        :math:`(J_{t-1}-J_t)/J_{t-1}`, is between 0 and ``tol``. ``None`` always runs
        ``max_iter`` epochs.
    alpha : float, default=0.0
        L2 penalty strength :math:`\alpha` (weights only).
    fit_intercept : bool, default=True
        Learn the bias :math:`b`; if False, :math:`b = 0`.
    batch_size : int or None, default=None
        ``None`` = full-batch gradient descent (taught in module 01). An integer
        gives mini-batch SGD with seeded shuffling (taught in module 02).
    solver : {"gd", "normal_equation"}, default="gd"
        ``"normal_equation"`` solves the least-squares problem directly with
        ``np.linalg.lstsq`` on :math:`[X, \mathbf 1]` (never an explicit inverse of
        :math:`X^\top X`, which squares the condition number). With ``alpha > 0`` it
        solves the equivalent augmented system
        :math:`\begin{bmatrix} X & \mathbf 1 \\ \sqrt{\alpha m} I & 0 \end{bmatrix}
        \begin{bmatrix} w \\ b \end{bmatrix} \approx \begin{bmatrix} y \\ 0 \end{bmatrix}`.
    random_state : int, numpy Generator or None, default=None
        Seed for ``np.random.default_rng`` (mini-batch order only; full-batch GD
        and the normal equation are deterministic).

    Notes
    -----
    Passes ``sklearn.utils.estimator_checks.check_estimator`` with the defaults and
    with ``solver="normal_equation"``. With mini-batches, integer sample weights are
    equivalent to repeated rows only in expectation (repeating rows changes the
    batches), so ``check_sample_weight_equivalence_on_dense_data`` is expected to
    fail for ``batch_size`` set — as for scikit-learn's own SGD estimators.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    loss_history_ : list of float
        :math:`J` after each epoch (one value for the normal equation).
    n_iter_ : int
        Number of epochs run (1 for the normal equation: one direct solve).
    learning_rate_ : float
        The step size actually used (``nan`` for the normal equation).
    converged_ : bool
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when X had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from recsys_lib.models import LinearRegressionGD
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
    >>> model = LinearRegressionGD().fit(X, y)
    >>> np.round(model.coef_, 3).tolist(), round(model.intercept_, 3)
    ([1.0, -2.0, 0.5], 3.0)
    """

    def __init__(self, learning_rate="auto", max_iter=1000, tol=1e-6, alpha=0.0,
                 fit_intercept=True, batch_size=None, solver="gd", random_state=None):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.solver = solver
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; integer weights are equivalent to repeating rows.
        """
        _check_common_params(self)
        if self.solver not in ("gd", "normal_equation"):
            raise ValueError(f"LinearRegressionGD: solver must be 'gd' or 'normal_equation'; "
                             f"got {self.solver!r}")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if sw.sum() <= 0:
            raise ValueError("LinearRegressionGD: sample_weight sums to zero; nothing to fit")
        alpha = float(self.alpha)

        if self.solver == "normal_equation":
            self.coef_, self.intercept_ = self._solve_normal_equation(X, y, sw, alpha)
            r = X @ self.coef_ + self.intercept_ - y
            self.loss_history_ = [float(0.5 * (r * r) @ sw / sw.sum()
                                        + 0.5 * alpha * self.coef_ @ self.coef_)]
            self.n_iter_ = 1                       # one direct solve
            self.learning_rate_ = float("nan")
            self.converged_ = True
            return self

        if self.learning_rate == "auto":
            lr = _auto_learning_rate(X, sw, curvature=1.0, alpha=alpha,
                                     fit_intercept=self.fit_intercept, batch_size=self.batch_size)
        else:
            lr = float(self.learning_rate)
        W, b, history, converged = _fit_gradient_descent(
            X, y[:, None], None if sample_weight is None else sw,
            forward=_linear_forward,
            alpha=alpha, fit_intercept=self.fit_intercept, learning_rate=lr,
            max_iter=self.max_iter, tol=self.tol, batch_size=self.batch_size,
            rng=np.random.default_rng(self.random_state), name=type(self).__name__,
        )
        self.coef_ = W[:, 0].copy()
        self.intercept_ = float(b[0])
        self.loss_history_ = history
        self.n_iter_ = len(history)
        self.learning_rate_ = lr
        self.converged_ = bool(converged)
        return self

    def _solve_normal_equation(self, X, y, sw, alpha):
        m, d = X.shape
        root = np.sqrt(sw / sw.sum() * m)          # weights normalised to mean 1
        A = X * root[:, None]
        if self.fit_intercept:
            A = np.hstack([A, root[:, None]])
        t = y * root
        if alpha > 0:
            ridge = np.sqrt(alpha * m) * np.eye(d, A.shape[1])   # zero column for the bias
            A = np.vstack([A, ridge])
            t = np.concatenate([t, np.zeros(d)])
        theta, *_ = np.linalg.lstsq(A, t, rcond=None)
        if self.fit_intercept:
            return theta[:d].copy(), float(theta[d])
        return theta.copy(), 0.0

    def predict(self, X):
        r"""Predicted values :math:`\hat y = Xw + b`, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_
