"""Partial information decomposition (PID) of a discrete joint distribution p(x1, x2, y).

The decomposition is the one of Bertschinger, Rauh, Olbrich, Jost and Ay (2014), often called BROJA,
as used by Liang et al. (NeurIPS 2023) to quantify multimodal interactions.  With

    Δ_p = {q : q(x1, y) = p(x1, y) and q(x2, y) = p(x2, y)},

and q* a minimiser of I_q(X1, X2; Y) over Δ_p,

    U1 = I_q*(X1; Y | X2),   U2 = I_q*(X2; Y | X1),
    R  = I(X1; Y) − U1,      S  = I_p(X1, X2; Y) − I_q*(X1, X2; Y),

so that R + U1 + U2 + S = I_p(X1, X2; Y), R + U1 = I(X1; Y) and R + U2 = I(X2; Y).  All four terms
only depend on the optimal value, not on which minimiser is found.

Solver
------
Since H_q(Y) is the same for every q in Δ_p, the problem is to minimise the convex function

    f(q) = Σ q(x1, x2, y) log q(y | x1, x2) = −H_q(Y | X1, X2)

subject to the linear marginal constraints.  For every y, q(·, ·, y) is a coupling of the two fixed
sub-probability vectors p(·, y), so the feasible set is a product of transportation polytopes; q is
restricted to the support {p(x1, y) > 0 and p(x2, y) > 0} (every other cell is zero in Δ_p).

We use a feasible primal log-barrier (interior-point) method: Newton steps on f(q) − μ Σ log q with
the equality constraints eliminated through their Schur complement.  The Hessian of f is block
diagonal over the cells (x1, x2) (blocks diag(1/q) − 1 1ᵀ / q(x1, x2) of size |Y|), so every
block is inverted in closed form (Sherman–Morrison) and the only dense solve is a Cholesky
factorisation of size (|X1| + |X2|) |Y|.  The start point q(x1, x2, y) = p(x1, y) p(x2, y) / p(y)
is feasible and strictly positive on the support.  Optimal points on the boundary of Δ_p (common
in practice) are approached along the central path; the gradient log q(y | x1, x2) diverges
there, which is where general-purpose solvers stop short (benchmarks/bench_pid.py compares with
SLSQP).

Convergence is certified by a duality gap.  The Lagrange dual of the problem is

    max_ν  −Σ ν1(x1, y) p(x1, y) − Σ ν2(x2, y) p(x2, y)
    s.t.   Σ_y exp(−ν1(x1, y) − ν2(x2, y)) ≤ 1   for every cell (x1, x2),

and the Newton multipliers, made feasible by shifting ν1(x1, ·) and ν2(x2, ·) by constants, give a
lower bound on the optimum at every iteration.  The solver stops when the gap (in bits) is at most
``tol``; if it is not reached within ``max_iter`` Newton steps a
:class:`~sklearn.exceptions.ConvergenceWarning` is issued and ``converged=False`` is recorded.
"""

import numbers
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .._checks import check_int
from ._discrete import conditional_mutual_information, joint_table, mutual_information

__all__ = ["PIDResult", "pid", "pid_from_samples"]

_LN2 = np.log(2.0)
_SHRINK, _CENTER, _STALL = 0.2, 0.5, 25

#: Largest PID solved, as (|X1| + |X2|) x |Y| counted over values of non-zero probability: the
#: order of the dense Newton system the solver builds and factorises at every step. Its memory
#: grows like the square of that number (4096: 128 MiB per copy, a few copies at once) and its
#: time like the cube, so larger problems are refused before anything is allocated.
MAX_PID_CONSTRAINTS = 4096

_TABLE_HINT = ("Merge rare or similar values of an axis first (sum p over groups of values), "
               "or estimate the PID from samples with estimate_pid, which clusters them.")
_SAMPLES_HINT = ("Discretise into fewer values first: bin numbers (numpy.digitize, "
                 "sklearn.preprocessing.KBinsDiscretizer), merge rare categories, or use "
                 "estimate_pid(X1, X2, y, n_clusters=k, label_bins=b), which clusters the sources "
                 "and bins a numeric target.")


def check_pid_size(n_x1, n_x2, n_y, names=("x1", "x2", "y"), hint=_SAMPLES_HINT):
    """Refuse a PID whose Newton system, of order ``(n_x1 + n_x2) * n_y``, would be too large."""
    order = (int(n_x1) + int(n_x2)) * int(n_y)
    if order > MAX_PID_CONSTRAINTS:
        raise ValueError(
            f"{names[0]}, {names[1]} and {names[2]} take {n_x1}, {n_x2} and {n_y} distinct "
            f"values: (|X1| + |X2|) x |Y| = {order} exceeds MAX_PID_CONSTRAINTS = "
            f"{MAX_PID_CONSTRAINTS}, the largest PID solved (the solver's memory grows like the "
            f"square of that number). {hint}"
        )


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PIDResult:
    """Partial information decomposition of I(X1, X2; Y), in bits (or the unit of ``base``).

    Attributes
    ----------
    redundancy, unique_1, unique_2, synergy : float
        R, U1, U2 and S.  They sum to ``mi_joint``; ``redundancy + unique_1 == mi_1`` and
        ``redundancy + unique_2 == mi_2``.  Each is non-negative up to the solver tolerance
        (values are reported as computed, not clipped).
    mi_1, mi_2 : float
        I(X1; Y) and I(X2; Y) under p.
    mi_joint : float
        I(X1, X2; Y) under p.
    mi_joint_min : float
        min over Δ_p of I_q(X1, X2; Y), reached at ``optimal_q``.
    converged : bool
        Whether the duality gap fell below the tolerance.
    n_iter : int
        Number of Newton iterations of the interior-point solver.
    duality_gap : float
        Upper bound on ``mi_joint_min`` minus the true minimum, in the unit of ``base``.
    constraint_residual : float
        Largest absolute violation of the marginal constraints q(x1, y) = p(x1, y),
        q(x2, y) = p(x2, y) at ``optimal_q``.
    status : str
        A sentence describing how the solver stopped.
    base : float
        Base of the logarithm (2: bits, e: nats).
    optimal_q : ndarray of shape (n_x1, n_x2, n_y)
        A minimiser q* in Δ_p.
    extra : dict
        Additional information (for instance the cluster counts of :func:`estimate_pid`).
    """

    redundancy: float
    unique_1: float
    unique_2: float
    synergy: float
    mi_1: float
    mi_2: float
    mi_joint: float
    mi_joint_min: float
    converged: bool
    n_iter: int
    duality_gap: float
    constraint_residual: float
    status: str
    base: float = 2.0
    optimal_q: np.ndarray = field(default=None, repr=False, compare=False)
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def terms(self):
        """dict: the four PID terms ``{"redundancy", "unique_1", "unique_2", "synergy"}``."""
        return {
            "redundancy": self.redundancy,
            "unique_1": self.unique_1,
            "unique_2": self.unique_2,
            "synergy": self.synergy,
        }

    def as_dict(self):
        """Return the scalar fields as a plain ``dict`` (handy for tables and JSON)."""
        out = dict(self.terms)
        out.update(
            mi_1=self.mi_1,
            mi_2=self.mi_2,
            mi_joint=self.mi_joint,
            mi_joint_min=self.mi_joint_min,
            converged=self.converged,
            n_iter=self.n_iter,
            duality_gap=self.duality_gap,
            constraint_residual=self.constraint_residual,
            status=self.status,
            base=self.base,
        )
        return out


# --------------------------------------------------------------------------------------------
# the convex problem on the support
# --------------------------------------------------------------------------------------------
class _Problem:
    """Δ_p restricted to the support, with the linear algebra the solver needs.

    ``P1`` is p(x1, y) of shape (n1, ny), ``P2`` is p(x2, y) of shape (n2, ny), all rows and
    columns with positive mass.  Variables live in dense (n1, n2, ny) arrays that are zero outside
    ``support``.
    """

    def __init__(self, P1, P2):
        self.P1, self.P2 = P1, P2
        self.n1, self.ny = P1.shape
        self.n2 = P2.shape[0]
        self.row1 = P1 > 0
        self.row2 = P2 > 0
        self.support = self.row1[:, None, :] & self.row2[None, :, :]
        # One x2-constraint per y is implied by the others (both sum to p(y)); drop it so that
        # the constraint matrix has full row rank.
        row2_kept = self.row2.copy()
        first = np.argmax(self.row2, axis=0)
        row2_kept[first, np.arange(self.ny)] = False
        self.row2_kept = row2_kept
        # Constraint rows in x-major order (index x * ny + y): x1 rows first, then x2 rows.
        self.rows = np.concatenate([self.row1.ravel(), row2_kept.ravel()])
        self.cell_has_support = self.support.any(axis=2)
        self.n_variables = int(self.support.sum())

    def start(self):
        py = self.P1.sum(axis=0)
        return self.P1[:, None, :] * self.P2[None, :, :] / py

    # objective ------------------------------------------------------------------------------
    def cell_mass(self, q):
        return q.sum(axis=2, keepdims=True)

    def objective(self, q):
        """f(q) = Σ q log q(y | x1, x2), in nats."""
        qc = self.cell_mass(q)
        ratio = np.where(self.support, q, 1.0) / np.where(qc > 0, qc, 1.0)
        return float(np.sum(np.where(self.support, q * np.log(ratio), 0.0)))

    def barrier(self, q, mu):
        if np.any(q[self.support] <= 0):
            return np.inf
        return self.objective(q) - mu * float(np.sum(np.log(q[self.support])))

    # constraints ----------------------------------------------------------------------------
    def residual(self, q):
        return q.sum(axis=1) - self.P1, q.sum(axis=0) - self.P2

    def constraint_residual(self, q):
        r1, r2 = self.residual(q)
        return float(max(np.abs(r1).max(), np.abs(r2).max()))

    def restore_feasibility(self, q, max_sweeps=50):
        """Rescale q (iterative proportional fitting, per y) back onto the marginal constraints.

        Newton steps keep A q = b only up to the rounding error of the Schur-complement solve,
        which grows like 1/μ; a few multiplicative sweeps remove that drift without leaving the
        support or the positive orthant.
        """
        target = 1e-14 * max(float(self.P1.max()), float(self.P2.max()))
        for _ in range(max_sweeps):
            r1, r2 = self.residual(q)
            if max(np.abs(r1).max(), np.abs(r2).max()) <= target:
                break
            rows = q.sum(axis=1)
            q = q * np.where(self.row1, self.P1 / np.where(rows > 0, rows, 1.0), 0.0)[:, None, :]
            cols = q.sum(axis=0)
            q = q * np.where(self.row2, self.P2 / np.where(cols > 0, cols, 1.0), 0.0)[None, :, :]
        return q

    def split(self, v):
        n1ny = self.n1 * self.ny
        return v[:n1ny].reshape(self.n1, self.ny), v[n1ny:].reshape(self.n2, self.ny)

    def adjoint(self, nu1, nu2):
        """Aᵀν as an (n1, n2, ny) array (zero outside the support)."""
        return np.where(self.support, nu1[:, None, :] + nu2[None, :, :], 0.0)

    # Newton step ----------------------------------------------------------------------------
    def newton(self, q, mu):
        """Newton direction and multipliers of the barrier problem at ``q``.

        Solves [H Aᵀ; A 0] [dq; ν] = [−g; −(Aq − b)] with H block diagonal over the cells.
        Returns ``dq``, the multipliers ``(nu1, nu2)`` and the squared Newton decrement.
        """
        S = self.support
        qs = np.where(S, q, 1.0)
        qc = self.cell_mass(q)
        grad = np.where(S, np.log(qs / np.where(qc > 0, qc, 1.0)) - mu / qs, 0.0)
        # H = diag(D) − 1 1ᵀ / q_c per cell, D = 1/q + μ/q².  Sherman–Morrison:
        # H⁻¹ = diag(Dinv) + u uᵀ / den, u = Dinv, den = q_c − Σ Dinv = Σ q μ / (q + μ) > 0.
        Dinv = np.where(S, qs * qs / (qs + mu), 0.0)
        den = np.sum(np.where(S, qs * mu / (qs + mu), 0.0), axis=2)
        den = np.where(self.cell_has_support, den, 1.0)

        def hinv(v):
            return Dinv * v + Dinv * (np.sum(Dinv * v, axis=2) / den)[:, :, None]

        hg = hinv(grad)
        r1, r2 = self.residual(q)
        rhs = np.concatenate([(r1 - hg.sum(axis=1)).ravel(), (r2 - hg.sum(axis=0)).ravel()])
        nu = np.zeros(self.rows.size)
        nu[self.rows] = _solve_psd(_schur_matrix(Dinv, den, self.rows), rhs[self.rows])
        nu1, nu2 = self.split(nu)
        dq = -hinv(grad + self.adjoint(nu1, nu2))
        decrement2 = float(-np.sum(grad * dq))
        return dq, nu1, nu2, decrement2

    # dual certificate -----------------------------------------------------------------------
    def dual_value(self, nu1, nu2):
        """A lower bound on min f from multipliers made dual feasible by constant shifts."""
        nu1 = np.where(self.row1, nu1, 0.0)
        nu2 = np.where(self.row2_kept, nu2, 0.0)
        nu1 = nu1 + self._shift(nu1, nu2, axis=1)[:, None]
        nu2 = nu2 + self._shift(nu1, nu2, axis=0)[:, None]
        return -float(np.sum(np.where(self.row1, nu1 * self.P1, 0.0))) - float(
            np.sum(np.where(self.row2, nu2 * self.P2, 0.0))
        )

    def _shift(self, nu1, nu2, axis):
        w = nu1[:, None, :] + nu2[None, :, :]
        neg = np.where(self.support, -w, -np.inf)
        top = np.max(neg, axis=2, keepdims=True)
        top_finite = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            lse = np.log(np.sum(np.exp(neg - top_finite), axis=2)) + top_finite[:, :, 0]
        lse = np.where(self.cell_has_support, lse, -np.inf)
        shift = np.max(lse, axis=axis)
        return np.where(np.isfinite(shift), shift, 0.0)


def _schur_matrix(Dinv, den, rows):
    """The Schur complement A H⁻¹ Aᵀ of the Newton system on the kept constraint rows.

    Rows are the (x1, y) constraints then the (x2, y) constraints (x-major).  With H⁻¹ block
    diagonal over the cells, diag(Dinv) + u uᵀ / den per cell, the (x1, x1) and (x2, x2) parts
    are block diagonal and the (x1, x2) part is one |Y| x |Y| block per cell.
    """
    n1, n2, ny = Dinv.shape
    uu = np.einsum("abi,abj,ab->abij", Dinv, Dinv, 1.0 / den)
    diag = np.arange(ny)
    m11 = uu.sum(axis=1)
    m11[:, diag, diag] += Dinv.sum(axis=1)
    m22 = uu.sum(axis=0)
    m22[:, diag, diag] += Dinv.sum(axis=0)
    m12 = uu
    m12[:, :, diag, diag] += Dinv
    n1ny = n1 * ny
    M = np.zeros((n1ny + n2 * ny,) * 2)
    M11 = M[:n1ny, :n1ny].reshape(n1, ny, n1, ny)
    M11[np.arange(n1), :, np.arange(n1), :] = m11
    M22 = M[n1ny:, n1ny:].reshape(n2, ny, n2, ny)
    M22[np.arange(n2), :, np.arange(n2), :] = m22
    M[:n1ny, n1ny:] = m12.transpose(0, 2, 1, 3).reshape(n1ny, n2 * ny)
    M[n1ny:, :n1ny] = M[:n1ny, n1ny:].T
    return M[np.ix_(rows, rows)]


def _solve_psd(M, rhs, refine=2):
    """Solve M x = rhs for a symmetric positive definite, possibly ill-conditioned, M.

    Interior-point Schur complements have rows of wildly different scale (a cell whose
    conditional distribution is free contributes q²/μ); a symmetric diagonal (Jacobi) scaling
    removes most of that, and a few steps of iterative refinement recover the accuracy lost to
    the rest.
    """
    d = np.sqrt(np.diag(M))
    d = np.where(d > 0, d, 1.0)
    Ms = M / d[:, None] / d[None, :]
    try:
        factor = linalg.cho_factor(Ms, check_finite=False, overwrite_a=True)
    except linalg.LinAlgError:
        Ms = M / d[:, None] / d[None, :] + 1e-14 * np.eye(M.shape[0])
        try:
            factor = linalg.cho_factor(Ms, check_finite=False, overwrite_a=True)
        except linalg.LinAlgError:
            return linalg.lstsq(M, rhs, check_finite=False)[0]

    def solve(r):
        return linalg.cho_solve(factor, r / d, check_finite=False) / d

    x = solve(rhs)
    for _ in range(refine):
        x = x + solve(rhs - M @ x)
    return x


def _max_step(q, dq, support, fraction=0.995):
    neg = support & (dq < 0)
    if not np.any(neg):
        return 1.0
    return float(min(1.0, fraction * np.min(-q[neg] / dq[neg])))


def _solve_broja(P1, P2, tol_nats, max_iter):
    """Minimise f(q) over Δ_p.

    Returns the best feasible q found, f(q), the best dual bound, the number of Newton steps,
    a status sentence, whether the gap reached ``tol_nats`` and the problem.
    """
    problem = _Problem(P1, P2)
    q = problem.start()
    n_var = max(problem.n_variables, 1)
    q_best, f_best = q, problem.objective(q)
    # The barrier's duality gap near the central path is about n_var * mu.
    mu = 1e-3 / n_var
    best_dual, gap = -np.inf, np.inf
    status, n_iter, last_progress = None, 0, 0
    while n_iter < max_iter:
        dq, nu1, nu2, decrement2 = problem.newton(q, mu)
        n_iter += 1
        dual = problem.dual_value(nu1, nu2)
        if np.isfinite(dual) and dual > best_dual:
            best_dual = dual
        f_q = problem.objective(q)
        if f_q < f_best:
            q_best, f_best = q, f_q
        new_gap = max(f_best - best_dual, 0.0)
        if new_gap < 0.5 * gap:
            gap, last_progress = new_gap, n_iter
        gap = min(gap, new_gap)
        if gap <= tol_nats:
            status = f"converged: duality gap {gap / _LN2:.2e} bits after {n_iter} Newton steps"
            break
        if n_iter - last_progress > _STALL and n_var * mu < 1e-2 * gap:
            status = (
                f"stalled at working precision: duality gap {gap / _LN2:.2e} bits after "
                f"{n_iter} Newton steps"
            )
            break
        if decrement2 <= _CENTER * n_var * mu or decrement2 <= 1e-15:
            mu *= _SHRINK  # close enough to the central path: move along it
            continue
        alpha = _max_step(q, dq, problem.support)
        phi = problem.barrier(q, mu)
        while alpha > 1e-12:
            trial = q + alpha * dq
            if problem.barrier(trial, mu) <= phi - 0.25 * alpha * decrement2:
                break
            alpha *= 0.5
        else:  # no decrease at working precision: tighten the barrier instead
            mu *= _SHRINK
            continue
        q = problem.restore_feasibility(np.where(problem.support, trial, 0.0))
    if status is None:
        status = (
            f"not converged: duality gap {gap / _LN2:.2e} bits after {n_iter} Newton steps "
            f"(max_iter={max_iter})"
        )
    f_q = problem.objective(q)
    if f_q < f_best:
        q_best, f_best = q, f_q
    return q_best, f_best, best_dual, n_iter, status, gap <= tol_nats, problem


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def _check_table(p):
    if isinstance(p, (str, bytes)) or p is None:
        raise TypeError(f"p must be a 3-D array of probabilities; got {type(p).__name__}.")
    p = np.asarray(p)
    if p.dtype == object or not (np.issubdtype(p.dtype, np.number) or p.dtype == bool):
        raise TypeError(f"p must hold real numbers; got an array of dtype {p.dtype}.")
    if np.iscomplexobj(p):
        raise TypeError(f"p must hold real numbers; got dtype {p.dtype}.")
    p = p.astype(np.float64)
    if p.ndim != 3:
        raise ValueError(
            "p must be a 3-D table p[x1, x2, y] of shape (n_x1, n_x2, n_y); "
            f"got an array of shape {p.shape}."
        )
    if p.size == 0:
        raise ValueError(f"p must not be empty; got shape {p.shape}.")
    if not np.all(np.isfinite(p)):
        raise ValueError("p contains NaN or infinite values; expected finite probabilities.")
    if np.any(p < 0):
        raise ValueError(f"p must be non-negative; its smallest entry is {p.min():.3g}.")
    total = p.sum()
    if not np.isclose(total, 1.0, rtol=0, atol=1e-6):
        raise ValueError(
            f"p must sum to 1 (a joint probability table); it sums to {total:.6g}. "
            "Divide counts by their total, or use pid_from_samples for samples."
        )
    return p / total




def _check_tol(tol):
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a positive number; got {tol!r}.")
    return float(tol)


def _check_base(base):
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not base > 1:
        raise ValueError(f"base must be a number > 1 (2 for bits, e for nats); got {base!r}.")
    return float(base)


def pid(p, *, tol=1e-7, max_iter=200, base=2):
    """Partial information decomposition of a discrete joint distribution p(x1, x2, y).

    Computes redundancy, unique information and synergy of two sources X1, X2 about a target Y
    with the definition of Bertschinger et al. (2014) ("BROJA"), which Liang et al. (NeurIPS 2023)
    use to quantify multimodal interactions: minimise I_q(X1, X2; Y) over all q with the same
    pairwise marginals q(x1, y) = p(x1, y) and q(x2, y) = p(x2, y), then

    * U1 = I_q*(X1; Y | X2), U2 = I_q*(X2; Y | X1),
    * R = I(X1; Y) − U1,
    * S = I_p(X1, X2; Y) − I_q*(X1, X2; Y).

    The convex problem is solved exactly (to ``tol``) by an interior-point method that exploits
    its structure; see the module documentation of ``mmalign_sk.information._pid``.

    Parameters
    ----------
    p : array-like of shape (n_x1, n_x2, n_y)
        Joint probability table p[x1, x2, y]: non-negative, summing to 1.  Zero cells are allowed
        (the problem is restricted to the support).  For several variables on one side, flatten
        them into one axis first, e.g. ``p.reshape(n_a * n_b, n_c, n_y)``.
    tol : float, default=1e-7
        Stop when the certified duality gap of min I_q(X1, X2; Y) is at most ``tol`` (in the unit
        of ``base``).  Every PID term is then accurate to ``tol``.
    max_iter : int, default=200
        Maximum number of Newton steps.  If the gap is still above ``tol``, a
        :class:`~sklearn.exceptions.ConvergenceWarning` is issued and the result has
        ``converged=False`` (its terms are then accurate to ``duality_gap``).
    base : float, default=2
        Base of the logarithm: 2 gives bits, ``numpy.e`` nats.

    Returns
    -------
    result : PIDResult
        The four terms, the mutual informations, the minimiser q* and the solver's report.

    Raises
    ------
    ValueError
        When (n_x1 + n_x2) x n_y, counted over values of non-zero probability, exceeds
        ``MAX_PID_CONSTRAINTS`` (4096), before anything large is allocated; or when the solver
        ends with non-finite terms.

    See Also
    --------
    pid_from_samples : PID of the plug-in distribution of discrete samples.
    estimate_pid : PID of continuous representations (clustered first).

    References
    ----------
    N. Bertschinger, J. Rauh, E. Olbrich, J. Jost, N. Ay. "Quantifying unique information",
    Entropy 16(4), 2014.  P. P. Liang et al. "Quantifying & modeling multimodal interactions:
    an information decomposition framework", NeurIPS 2023.

    Examples
    --------
    Y = X1 XOR X2 with uniform inputs carries one bit of pure synergy:

    >>> import numpy as np
    >>> from mmalign_sk.information import pid
    >>> p = np.zeros((2, 2, 2))
    >>> for a in (0, 1):
    ...     for b in (0, 1):
    ...         p[a, b, a ^ b] = 0.25
    >>> result = pid(p)
    >>> print(f"R={result.redundancy:.3f} U1={result.unique_1:.3f} "
    ...       f"U2={result.unique_2:.3f} S={result.synergy:.3f}")
    R=0.000 U1=0.000 U2=0.000 S=1.000
    >>> result.converged
    True
    """
    p = _check_table(p)
    tol = _check_tol(tol)
    max_iter = check_int(max_iter, "max_iter", 1)
    base = _check_base(base)
    log_base = np.log(base)

    # Drop values of zero probability: the PID does not depend on them.
    keep1 = p.sum(axis=(1, 2)) > 0
    keep2 = p.sum(axis=(0, 2)) > 0
    keepy = p.sum(axis=(0, 1)) > 0
    check_pid_size(keep1.sum(), keep2.sum(), keepy.sum(), ("p's axis 0 (x1)", "axis 1 (x2)",
                                                           "axis 2 (y)"), _TABLE_HINT)
    pr = p[np.ix_(keep1, keep2, keepy)]
    P1 = pr.sum(axis=1)
    P2 = pr.sum(axis=0)

    # The dense factorisations have at most a few thousand rows: one BLAS thread is nearly as
    # fast as many and avoids oversubscription when several PIDs run in parallel (joblib) or the
    # machine is shared.
    with threadpool_limits(limits=1, user_api="blas"):
        q_r, f_q, dual, n_iter, status, converged, problem = _solve_broja(
            P1, P2, tol * log_base, max_iter
        )
    if not (np.isfinite(q_r).all() and np.isfinite(f_q)):
        raise ValueError(
            f"the PID of p came out non-finite (solver: {status}): p is too ill-conditioned "
            "for the solver; merge values of tiny probability first."
        )
    mi_1 = mutual_information(pr, 0, 2, base=base)
    mi_2 = mutual_information(pr, 1, 2, base=base)
    mi_joint = mutual_information(pr, (0, 1), 2, base=base)
    q_n = q_r / q_r.sum()  # sums to 1 up to round-off already
    mi_min = mutual_information(q_n, (0, 1), 2, base=base)
    unique_1 = conditional_mutual_information(q_n, 0, 2, 1, base=base)
    unique_2 = conditional_mutual_information(q_n, 1, 2, 0, base=base)
    redundancy = mi_1 - unique_1
    synergy = mi_joint - mi_min
    gap = max(f_q - dual, 0.0) if np.isfinite(dual) else np.inf
    if not converged:
        warnings.warn(
            f"PID solver did not reach tol={tol:g}: {status}. Increase tol (or max_iter).",
            ConvergenceWarning,
            stacklevel=2,
        )
    q_full = np.zeros_like(p)
    q_full[np.ix_(keep1, keep2, keepy)] = q_r
    return PIDResult(
        redundancy=float(redundancy),
        unique_1=float(unique_1),
        unique_2=float(unique_2),
        synergy=float(synergy),
        mi_1=float(mi_1),
        mi_2=float(mi_2),
        mi_joint=float(mi_joint),
        mi_joint_min=float(mi_min),
        converged=bool(converged),
        n_iter=int(n_iter),
        duality_gap=float(gap / log_base),
        constraint_residual=problem.constraint_residual(q_r),
        status=status,
        base=base,
        optimal_q=q_full,
    )


def _check_samples(values, name):
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(
            f"{name} must be an array-like of discrete values; got {type(values).__name__}."
        )
    values = np.asarray(values)
    if values.ndim == 0 or values.ndim > 2:
        raise ValueError(
            f"{name} must be 1-D (one discrete value per sample) or 2-D (one row of discrete "
            f"values per sample); got an array of shape {values.shape}."
        )
    if values.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample; got shape {values.shape}.")
    if np.issubdtype(values.dtype, np.floating):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} contains NaN or infinite values.")
        if not np.all(values == np.round(values)):
            raise ValueError(
                f"{name} must hold discrete values (integers, strings, booleans); got "
                "non-integer floats. Use estimate_pid for continuous data."
            )
    if values.dtype == object:
        try:
            np.unique(values, axis=0 if values.ndim > 1 else None)
        except TypeError as exc:
            raise TypeError(f"{name} must hold comparable discrete values: {exc}") from None
    return values


def _n_distinct(values):
    return len(np.unique(values, axis=0 if values.ndim > 1 else None))


def pid_from_samples(x1, x2, y, *, tol=1e-7, max_iter=200, base=2):
    """PID of the plug-in (empirical) distribution of discrete samples.

    Counts the joint occurrences of (x1, x2, y), divides by the number of samples and calls
    :func:`pid` on that table.

    Parameters
    ----------
    x1, x2, y : array-like of shape (n_samples,) or (n_samples, n_columns)
        Discrete values (integers, strings, booleans, integral floats) of the two sources and the
        target, one per sample.  A 2-D array is one composite variable whose values are its rows.
    tol, max_iter, base
        Passed to :func:`pid`.

    Returns
    -------
    result : PIDResult
        ``result.extra["values"]`` holds the distinct values of x1, x2 and y, in the order of
        the axes of ``result.optimal_q``; ``result.extra["n_samples"]`` the sample size.

    Raises
    ------
    ValueError
        When the numbers of distinct values give (n_x1 + n_x2) x n_y > ``MAX_PID_CONSTRAINTS``
        (4096): discretise into fewer values first (the message says how).

    Notes
    -----
    The plug-in estimate of mutual information is biased upwards by about
    (cells − 1)/(2 n ln 2) bits; see :func:`estimate_pid` for the warning it issues on small
    samples.

    Examples
    --------
    >>> from mmalign_sk.information import pid_from_samples
    >>> x1 = [0, 0, 1, 1]
    >>> x2 = [0, 1, 0, 1]
    >>> y = ["a", "b", "c", "d"]  # y copies both inputs
    >>> r = pid_from_samples(x1, x2, y)
    >>> print(f"R={r.redundancy:.2f} U1={r.unique_1:.2f} U2={r.unique_2:.2f} S={r.synergy:.2f}")
    R=0.00 U1=1.00 U2=1.00 S=0.00
    """
    x1 = _check_samples(x1, "x1")
    x2 = _check_samples(x2, "x2")
    y = _check_samples(y, "y")
    lengths = {"x1": x1.shape[0], "x2": x2.shape[0], "y": y.shape[0]}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"x1, x2 and y must have the same number of samples; got {lengths}.")
    check_pid_size(*(_n_distinct(v) for v in (x1, x2, y)))
    table, uniques = joint_table(x1, x2, y)
    result = pid(table, tol=tol, max_iter=max_iter, base=base)
    return replace(result, extra={"values": tuple(uniques), "n_samples": int(x1.shape[0])})
