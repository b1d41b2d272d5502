"""What the XGBoost and LightGBM adapters share: a catalogue loss bound to its parameters, its
per-sample derivatives in a booster's layout, the boosters' Hessian conventions, the optimal
constant start score and the weighted mean loss.

Shapes: a single-output model's margins are (n,); a multiclass model's are (n, K), row-major,
which is what both boosters hand to a Python objective in their current versions (XGBoost 3.2,
LightGBM 4.7) and what they take back; a T-output regression model's are (n, T). Labels, flat or
2-D, are reshaped to the margins' shape (elementwise losses) or read as class indices
(cross_entropy).

Sign convention: the gradient and Hessian are those of w·l with respect to the margin, exactly
what the boosters' own objectives return (they minimise the loss).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from . import elementwise
from .catalogue import entry

HESSIANS = ("exact", "booster")

# A booster Hessian rule: (exact Hessian of w·l, weights broadcast to it or None, the loss's
# parameters, number of classes) -> the Hessian the booster's built-in objective would use.
HessianRule = Callable[[np.ndarray, "np.ndarray | None", Mapping[str, Any], int], np.ndarray]


def _weight_only(h: np.ndarray, w: np.ndarray | None, params: Mapping[str, Any], k: int) -> np.ndarray:
    """h = w (1 unweighted): both boosters' L1, quantile and MAPE objectives, and LightGBM's
    Huber, whose exact Hessian is 0 (almost everywhere, or outside the δ band)."""
    return np.ones_like(h) if w is None else np.array(np.broadcast_to(w, h.shape), dtype=h.dtype)


def _poisson_offset(h: np.ndarray, w: np.ndarray | None, params: Mapping[str, Any], k: int) -> np.ndarray:
    """count:poisson / poisson multiply the log-link Hessian e^m by e^0.7 (their default
    `max_delta_step` / `poisson_max_delta_step`); XGBoost also clips leaf values at 0.7, which
    is the tree parameter `max_delta_step=0.7`, not part of the objective."""
    return h * math.exp(0.7) if params.get("log_input", True) else h


def _xgboost_softmax(h: np.ndarray, w: np.ndarray | None, params: Mapping[str, Any], k: int) -> np.ndarray:
    """multi:softprob uses 2·p(1-p)."""
    return 2.0 * h


def _lightgbm_softmax(h: np.ndarray, w: np.ndarray | None, params: Mapping[str, Any], k: int) -> np.ndarray:
    """LightGBM's multiclass uses K/(K-1)·p(1-p)."""
    return h * (k / (k - 1)) if k > 1 else h


_UNIT_HESSIAN_LOSSES = ("l1_loss", "huber_loss", "quantile_loss", "mape_loss")

# The 'booster' Hessian convention, per booster: losses not listed use the exact Hessian, which
# is what the boosters' built-ins use for them (squared error, logistic, pseudo-Huber, fair,
# gamma, Tweedie). XGBoost has no Huber objective; LightGBM's convention (h = 1) is used.
XGBOOST_HESSIAN: dict[str, HessianRule] = {
    **{name: _weight_only for name in _UNIT_HESSIAN_LOSSES},
    "poisson_nll_loss": _poisson_offset,
    "cross_entropy": _xgboost_softmax,
}
LIGHTGBM_HESSIAN: dict[str, HessianRule] = {
    **{name: _weight_only for name in _UNIT_HESSIAN_LOSSES},
    "poisson_nll_loss": _poisson_offset,
    "cross_entropy": _lightgbm_softmax,
}


@dataclass(frozen=True)
class BoundLoss:
    """A catalogue loss with fixed parameters, evaluated per sample for a booster.

    `hessian` is 'exact' (the loss's own second derivative) or 'booster' (the rule in
    `rules` for this loss, if any: see XGBOOST_HESSIAN and LIGHTGBM_HESSIAN).
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    hessian: str = "exact"
    rules: Mapping[str, HessianRule] = field(default_factory=dict)
    # Set from the catalogue entry once, not looked up on every boosting round.
    multiclass: bool = field(init=False, repr=False, compare=False)
    kernel_params: tuple[tuple[str, float], ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spec = entry(self.name)  # an unknown name raises here
        if self.hessian not in HESSIANS:
            raise ValueError(f"hessian: expected 'exact' or 'booster', got {self.hessian!r}")
        signature = inspect.signature(self.function)
        accepted = set(signature.parameters) - {"input", "target", "reduction", "sample_weight", "grad", "hess"}
        unknown = set(self.params) - accepted
        if unknown:
            raise TypeError(f"{self.name}: unknown parameter(s) {sorted(unknown)}; it takes {sorted(accepted)}")
        object.__setattr__(self, "multiclass", spec["kind"] == "cross_entropy")
        object.__setattr__(self, "kernel_params", _kernel_params(spec, self.params, signature))

    @property
    def function(self) -> Callable[..., Any]:
        """The public `losskit.<name>` function."""
        import losskit
        return getattr(losskit, self.name)

    def _operands(self, margin: Any, label: Any) -> tuple[np.ndarray, np.ndarray]:
        # Computed in the margins' own dtype (the losses' dtype rule: XGBoost's float32 margins
        # in float32, LightGBM's float64 scores in float64): no conversion on the hot path, and
        # XGBoost stores gradients in float32 whatever it is given.
        x = np.asarray(margin)
        if self.multiclass:
            if x.ndim != 2:
                raise ValueError(f"{self.name}: expected margins of shape (n, K) with num_class = K set "
                                 f"in the booster's parameters, got shape {x.shape}")
            return x, class_indices(label, x.shape[1])
        return x, np.asarray(label).reshape(x.shape)

    def _call(self, margin: Any, label: Any, w: np.ndarray | None, **flags: Any) -> Any:
        return self.function(*self._operands(margin, label), sample_weight=w, **flags, **self.params)

    def gradients(self, margin: Any, label: Any, weight: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(grad, hess) of w·l per element, shaped like `margin`, in its dtype (float32 margins
        give float32 gradients; other integer or float dtypes as the losses' dtype rule says)."""
        w = sample_weights(weight)
        # The gradient of the sum Σ w·l is w·∇l per element, and the sum is one number: no
        # per-element loss array is written for the booster to throw away. An elementwise loss
        # goes to the kernel without asking for that sum, so the loss itself is not computed.
        if self.kernel_params is not None:
            x, y = self._operands(margin, label)
            _, g, h = elementwise.evaluate(self.name, x, y, self.kernel_params, reduction="sum", sample_weight=w,
                                           grad=True, hess=True, needs_loss=False)
        else:
            _, g, h = self._call(margin, label, w, reduction="sum", grad=True, hess=True)
        rule = self.rules.get(self.name) if self.hessian == "booster" else None
        if rule is not None:
            per_element = w[:, None] if w is not None and h.ndim == 2 else w
            h = rule(h, per_element, self.params, h.shape[1] if h.ndim == 2 else 1)
        return g, h

    def mean_loss(self, margin: Any, label: Any, weight: Any = None) -> float:
        """The weighted mean loss Σ w·l / Σ w (the loss's own 'mean' reduction)."""
        return float(self._call(margin, label, sample_weights(weight), reduction="mean"))


def _kernel_params(spec: Mapping[str, Any], params: Mapping[str, Any],
                   signature: inspect.Signature) -> tuple[tuple[str, float], ...] | None:
    """An elementwise loss's parameters in catalogue order, defaults filled in, for calling its
    kernel directly; None where the public function must be called: other kinds of loss, a
    per-column parameter given (BCE's pos_weight) or required (Gaussian NLL's var), or a value
    that is not a plain number (such as sigmoid_focal_loss's alpha=None), which the public
    function interprets."""
    names = [p["name"] for p in spec["parameters"]]
    if spec["kind"] != "elementwise" or not set(params) <= set(names):
        return None
    column = signature.parameters.get(spec["column_parameter"] or "")
    if column is not None and column.default is inspect.Parameter.empty:
        return None
    if not all(isinstance(v, (bool, int, float)) and not isinstance(v, np.ndarray) for v in params.values()):
        return None
    return tuple((p["name"], float(params.get(p["name"], p["default"]))) for p in spec["parameters"])


def sample_weights(weight: Any) -> np.ndarray | None:
    """The booster's per-sample weights, or None when it has none (XGBoost gives an empty array,
    LightGBM None). The loss converts them to the margins' dtype."""
    return None if weight is None or np.size(weight) == 0 else np.asarray(weight)


def class_indices(label: Any, classes: int) -> np.ndarray:
    """Labels 0..K-1 (as the boosters store them, in floats) as int64, checked."""
    y = np.asarray(label).reshape(-1)
    indices = y.astype(np.int64)
    if np.any(indices != y) or (indices.size and (indices.min() < 0 or indices.max() >= classes)):
        raise ValueError(f"labels: expected class indices 0..{classes - 1}")
    return indices


# ---------------------------------------------------------------------------------------------
# The optimal constant start score
# ---------------------------------------------------------------------------------------------

def _weighted_quantile(y: np.ndarray, w: np.ndarray, q: float) -> float:
    """The smallest y at which the cumulative weight reaches q·Σw: a minimiser of the
    weighted pinball loss at level q (the weighted median for q = 1/2)."""
    order = np.argsort(y, kind="stable")
    cumulative = np.cumsum(w[order])
    return float(y[order][np.searchsorted(cumulative, q * cumulative[-1])])


def _log_mean(y: np.ndarray, w: np.ndarray, params: Mapping[str, Any]) -> float | None:
    """Log link: the optimal mean e^c is the weighted mean of y."""
    return math.log(np.average(y, weights=w)) if params.get("log_input", True) else None


def _logit_mean(y: np.ndarray, w: np.ndarray, params: Mapping[str, Any]) -> float | None:
    """BCE with logits and pos_weight p: σ(-c) = Σw(1-y) / Σw(1 + (p-1)y), i.e.
    c = log(p·Σwy / Σw(1-y))."""
    p = params.get("pos_weight")
    p = 1.0 if p is None else p
    if set(params) - {"pos_weight"} or not np.isscalar(p):
        return None
    return math.log(float(p) * np.sum(w * y) / np.sum(w * (1.0 - y)))


# name -> (y, w, params) -> the optimal constant, or None where the closed form does not apply
# to these parameters (the numerical search then finds it).
CLOSED_FORMS: dict[str, Callable[[np.ndarray, np.ndarray, Mapping[str, Any]], "float | None"]] = {
    "mse_loss": lambda y, w, params: float(np.average(y, weights=w)),
    "l1_loss": lambda y, w, params: _weighted_quantile(y, w, 0.5),
    "quantile_loss": lambda y, w, params: _weighted_quantile(y, w, params.get("quantile", 0.5)),
    "binary_cross_entropy_with_logits": _logit_mean,
    "poisson_nll_loss": _log_mean,
    "gamma_loss": _log_mean,
    "tweedie_loss": _log_mean,
}


def _softmax_start(y: Any, w: np.ndarray, params: Mapping[str, Any], classes: int | None) -> np.ndarray:
    """Cross-entropy's optimal constant logits: softmax(c) = Σ_i s_i a_i / Σ_i s_i A_i, where a_i
    are row i's target coefficients (one-hot, smoothed, class-weighted; see `cross_entropy`), so
    c = log Σ_i s_i a_i up to a constant. Returned centred (mean 0), as XGBoost estimates it;
    a class with no weight at all gets log(1e-12) relative to the rest instead of -inf."""
    labels = np.asarray(y).reshape(-1)
    k = int(classes) if classes is not None else int(labels.max()) + 1
    index = class_indices(labels, k)
    eps = float(params.get("label_smoothing", 0.0))
    class_weight = np.ones(k) if params.get("weight") is None else np.asarray(params["weight"], np.float64)
    mass = (1.0 - eps) * np.bincount(index, weights=w * class_weight[index], minlength=k)
    mass = mass + eps / k * class_weight * np.sum(w)
    logits = np.log(np.maximum(mass / mass.sum(), 1e-12))
    return logits - logits.mean()


def init_score(name: str, y: Any, sample_weight: Any = None, *, classes: int | None = None,
               **params: Any) -> Any:
    """The constant margin c minimising the weighted mean loss Σ w·l(c, y) / Σ w: the start
    score a booster needs with a custom objective (XGBoost keeps base_score 0.5 and LightGBM
    starts at 0 for them).

    Closed forms: the weighted mean (mse_loss), weighted median (l1_loss) or quantile
    (quantile_loss), logit of the weighted mean (binary_cross_entropy_with_logits, with a
    scalar pos_weight p: log(p·Σwy / Σw(1-y))), log of the weighted mean (log-link
    poisson_nll_loss, gamma_loss, tweedie_loss), and for cross_entropy the centred log class
    frequencies (with label smoothing and class weights, as `_softmax_start` states), a float
    array of shape (K,) with K = `classes` or max(y) + 1. Any other elementwise loss: a
    safeguarded Newton search on LossKit's own gradient and Hessian (bisection where the
    Hessian is 0), to 1e-12 relative, which assumes the mean loss is convex in c.

    `y` is (n,), or (n, T) for a T-output model (one start per output, a (T,) array);
    `sample_weight` is (n,). Returns a float or an array, in margin space (a logit, a
    log-mean, ...).
    """
    spec = entry(name)
    labels = np.asarray(y, dtype=np.float64)
    if spec["kind"] != "cross_entropy" and labels.ndim == 2:
        return np.array([init_score(name, column, sample_weight, **params) for column in labels.T])
    labels = labels.reshape(-1)
    w = np.ones_like(labels) if sample_weight is None else np.asarray(sample_weight, np.float64).reshape(-1)
    if w.shape != labels.shape or not np.all(w >= 0) or not w.sum() > 0:
        raise ValueError("sample_weight: expected one non-negative weight per label, not all 0")
    if spec["kind"] == "cross_entropy":
        return _softmax_start(labels, w, params, classes)
    loss = BoundLoss(name, params)  # checks the parameter names
    closed = CLOSED_FORMS.get(name)
    value = None if closed is None else closed(labels, w, params)
    if value is not None:
        return value
    return _minimise(loss, labels, w, positive=spec["input_domain"] in ("positive", "non_negative"))


def _minimise(loss: BoundLoss, y: np.ndarray, w: np.ndarray, *, positive: bool) -> float:
    """argmin_c of the weighted mean loss, for a loss convex in c."""

    def slope(c: float) -> tuple[float, float]:
        _, g, h = loss.function(np.full_like(y, c), y, sample_weight=w, reduction="mean",
                                grad=True, hess=True, **loss.params)
        return float(g.sum()), float(h.sum())

    start = float(np.average(y, weights=w))
    start = start if not positive or start > 0 else 1.0
    lo = hi = start
    step = max(1.0, abs(start))
    for _ in range(200):  # bracket: slope(lo) <= 0 <= slope(hi)
        s_lo, s_hi = slope(lo)[0], slope(hi)[0]
        if s_lo <= 0 <= s_hi:
            break
        if s_lo > 0:
            lo = lo / 2 if positive else lo - step
        if s_hi < 0:
            hi = hi * 2 if positive else hi + step
        step *= 2
    else:
        raise ValueError(f"{loss.name}: the mean loss has no minimum over a constant")
    c = start if lo <= start <= hi else 0.5 * (lo + hi)
    for _ in range(200):
        s, h = slope(c)
        if s == 0:
            break
        lo, hi = (lo, c) if s > 0 else (c, hi)
        newton = c - s / h if h > 0 else math.nan
        c_next = newton if lo < newton < hi else 0.5 * (lo + hi)
        if abs(c_next - c) <= 1e-12 * (1 + abs(c)):
            return c_next
        c = c_next
    return c


# ---------------------------------------------------------------------------------------------
# Metrics beside a built-in objective
# ---------------------------------------------------------------------------------------------

# What a booster's built-in objective does to its margins before a custom metric sees them
# (both boosters pass transformed predictions to a custom metric unless the objective is
# custom): 'identity', 'logistic' (σ), 'softmax' (per row) or 'exp'. Objectives missing here
# (XGBoost's binary:hinge and multi:softmax, which output classes; LightGBM's multiclassova and
# cross_entropy_lambda) have no inverse a metric can apply.
XGBOOST_LINKS = {
    **dict.fromkeys(("reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
                     "reg:quantileerror", "reg:linear", "binary:logitraw", "rank:pairwise", "rank:ndcg",
                     "rank:map"), "identity"),
    **dict.fromkeys(("binary:logistic", "reg:logistic"), "logistic"),
    "multi:softprob": "softmax",
    **dict.fromkeys(("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft"), "exp"),
}
LIGHTGBM_LINKS = {
    **dict.fromkeys(("none", "custom", "regression", "regression_l2", "l2", "mean_squared_error", "mse",
                     "l2_root", "root_mean_squared_error", "rmse", "regression_l1", "l1",
                     "mean_absolute_error", "mae", "huber", "fair", "quantile", "mape",
                     "mean_absolute_percentage_error", "lambdarank", "rank_xendcg", "xendcg", "xe_ndcg",
                     "xe_ndcg_mart", "xendcg_mart"), "identity"),
    **dict.fromkeys(("binary", "cross_entropy", "xentropy"), "logistic"),
    **dict.fromkeys(("multiclass", "softmax"), "softmax"),
    **dict.fromkeys(("poisson", "gamma", "tweedie"), "exp"),
}


def calling_frame(booster_type: type, method: str) -> Any:
    """The frame of `booster_type.<method>` that (indirectly) called the running metric, or
    None when no booster is evaluating (a metric called by hand). The boosters hand a custom
    metric neither themselves nor their objective, so this is the only way a metric can know
    whether it receives margins or the built-in objective's transformed predictions."""
    import sys
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == method and isinstance(frame.f_locals.get("self"), booster_type):
            return frame
        frame = frame.f_back
    return None


def margins(predictions: Any, objective: str, links: Mapping[str, str], scale: float = 1.0) -> np.ndarray:
    """The margins behind a built-in objective's transformed predictions (σ⁻¹ divided by the
    objective's sigmoid `scale`, log of softmax probabilities, i.e. logits up to a constant
    per row, or log), as float64. Probabilities are clipped to [1e-16, 1 - 1e-16] first (the
    boosters' own logloss clips there); an objective without an inverse raises ValueError."""
    link = links.get(objective)
    if link is None:
        raise ValueError(f"metric: the booster's built-in objective {objective!r} hands a custom metric "
                         f"predictions LossKit cannot turn back into margins; use a LossKit objective "
                         f"or one of {', '.join(sorted(links))}")
    p = np.asarray(predictions, dtype=np.float64)
    if link == "logistic":
        p = np.clip(p, 1e-16, 1.0 - 1e-16)
        return (np.log(p) - np.log1p(-p)) / scale
    if link == "softmax":
        return np.log(np.maximum(p, 1e-300))
    if link == "exp":
        return np.log(p)
    return p
