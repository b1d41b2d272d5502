"""losskit.torch against torch autograd: gradcheck for every loss and reduction, values and
gradients equal to torch.nn.functional, grad_output honoured, clear errors, the extension point
for extra differentiable inputs, a small model trained to the same parameters as with
PyTorch's own loss; and the registered operators: fake shapes equal to real ones, torch.func
and torch.compile (one training step per kind, the aot_eager backend) against PyTorch's
losses, half precision against float32 rounded, target gradients and double backward against
PyTorch and finite differences. Whole file: about 40 s, a quarter of it compiling."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import losskit as lk  # noqa: E402
import losskit.torch as lt  # noqa: E402
from conftest import sample  # noqa: E402

REDUCTIONS = ["mean", "sum", "none"]
ELEMENTWISE = [e["name"] for e in lk.catalogue() if e["kind"] == "elementwise"]
IN_TORCH = [e["name"] for e in lk.catalogue() if hasattr(F, e["name"])]


def elementwise_case(name: str, dtype: torch.dtype, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(input, target) in the loss's domains. Kinks are measure-zero, so random inputs miss
    them by far more than gradcheck's step; the input stays > 0.05 from the target."""
    entry = ENTRIES[name]
    rng = np.random.default_rng(seed)
    target = sample(entry["target_domain"], (4, 3), rng)
    x = sample(entry["input_domain"], (4, 3), rng)
    x = np.where(np.abs(x - target) < 0.05, x + np.where(x > 0.5, -0.1, 0.1), x)  # stays in the domain
    return torch.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(target, dtype=dtype)


def cross_entropy_case(dtype: torch.dtype, ignore_index: int = -100) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (5, 4) and class indices, one of them ignored."""
    rng = np.random.default_rng(1)
    return (torch.tensor(rng.normal(size=(5, 4)), dtype=dtype, requires_grad=True),
            torch.tensor([0, 3, 1, ignore_index, 2]))


ENTRIES = {e["name"]: e for e in lk.catalogue()}
# Values of the differentiable arguments beyond the data inputs (GRADIENTS), inside their
# domains and away from the adaptive loss's singular alpha = 2.
EXTRA_INPUTS = {"var": lambda rng: rng.uniform(0.5, 2.0, (4, 1)), "alpha": lambda rng: np.array(0.6),
                "scale": lambda rng: np.array(0.8)}
# Embedding-kind losses over scores (one value per sample) rather than rows of D values.
SCORE_LOSSES = {"margin_ranking_loss", "hinge_embedding_loss"}
# Kinds whose per-sample losses share every input (NT-Xent): 'none' is backpropagated only
# through a uniform grad_output (tested in test_coupled_losses_refuse_a_non_uniform_grad_output).
COUPLED = {e["name"] for e in lk.catalogue() if e["kind"] == "similarity_matrix"}


@dataclass
class Case:
    """The arguments of one call: `leaves` are the differentiable tensors by argument name,
    `data` the others. `through` maps a leaf to the function applied before the call in
    comparisons with PyTorch (CTC's log_softmax, see INTENTIONAL_DIFFERENCES)."""
    leaves: dict[str, torch.Tensor]
    data: dict[str, Any]
    through: dict[str, Callable[[torch.Tensor], torch.Tensor]] = field(default_factory=dict)

    def call(self, function, leaves=None, *, through: bool = True, **options):
        leaves = self.leaves if leaves is None else leaves
        arguments = {n: self.through[n](v) if through and n in self.through else v for n, v in leaves.items()}
        return function(**arguments, **self.data, **options)

    def direct_leaves(self) -> dict[str, torch.Tensor]:
        """The leaves as the loss's own arguments (log_probs rather than logits), for gradcheck."""
        return {n: (self.through[n](v).detach().requires_grad_() if n in self.through else v)
                for n, v in self.leaves.items()}


def case(name: str, dtype: torch.dtype, ignore_index: int = -100, seed: int = 0) -> Case:
    """Arguments for any catalogue loss, inside its domains, built from its catalogue kind."""
    entry = ENTRIES[name]
    rng = np.random.default_rng(seed)

    def tensor(a, grad=False):
        return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=grad)

    kind = entry["kind"]
    if kind == "cross_entropy":
        x, y = cross_entropy_case(dtype, ignore_index)
        return Case({"input": x}, {"target": y})
    if kind == "elementwise":
        x, y = elementwise_case(name, dtype, seed)
        leaves = {"input": x}
        leaves.update((n, tensor(EXTRA_INPUTS[n](rng), True)) for n in lt.GRADIENTS.get(name, lt.Gradients((), None)).inputs
                      if n != "input")
        return Case(leaves, {"target": y})
    if kind == "rowwise":
        x = tensor(rng.normal(size=(5, 4)), True)
        rows = entry["row_target"]
        reference = getattr(F, name, getattr(lt, name))
        if rows == "class_index":
            ignored = ignore_index if "ignore_index" in inspect.signature(reference).parameters else 2
            return Case({"input": x}, {"target": torch.tensor([0, 3, 1, ignored, 2])})
        if rows == "values":  # probabilities (rows sum to 1), valid for every values target
            return Case({"input": x}, {"target": tensor(F.softmax(torch.tensor(rng.normal(size=(5, 4))), -1))})
        if rows == "class_indices":
            labels = [[0, 2, -1, -1], [3, -1, -1, -1], [1, 2, 3, -1], [2, -1, 0, 1], [0, 1, 2, 3]]
            return Case({"input": x}, {"target": torch.tensor(labels)})
        assert rows == "none", rows
        return Case({"input": x}, {})
    if kind == "embedding":
        names = [p for p in inspect.signature(getattr(lk, name)).parameters if p in ("input", "input1", "input2",
                                                                                        "anchor", "positive", "negative")]
        shape = (5,) if name in SCORE_LOSSES else (5, 4)
        leaves = {n: tensor(0.5 * rng.normal(size=shape), True) for n in names}
        if "target" not in inspect.signature(getattr(lk, name)).parameters:
            return Case(leaves, {})
        labels = sample(entry["target_domain"], (5,), rng)
        labels[:2] = [1.0, -1.0 if entry["target_domain"] == "signs" else 0.0]  # both labels
        return Case(leaves, {"target": tensor(labels)})
    if kind == "similarity_matrix":
        return Case({"embeddings": tensor(rng.normal(size=(6, 3)), True)},
                    {"labels": torch.tensor([0, 0, 1, 1, 2, 2]), "temperature": 0.5})
    if kind == "overlap":  # segmentation: (N, C, d) logits against a class map (N, d)
        return Case({"input": tensor(rng.normal(size=(3, 4, 5)), True)},
                    {"target": torch.tensor(rng.integers(0, 4, size=(3, 5)))})
    assert kind == "sequence", kind
    logits = tensor(rng.normal(size=(6, 2, 4)), True)
    return Case({"log_probs": logits},
                {"targets": torch.tensor([[1, 2], [3, 3]]), "input_lengths": torch.tensor([6, 5]),
                 "target_lengths": torch.tensor([2, 2])},
                through={"log_probs": lambda z: z.log_softmax(-1)})


# --- generated from the catalogue ---------------------------------------------------------

def test_every_catalogue_loss_has_a_function_and_pytorchs_modules_exist():
    names = [e["name"] for e in lk.catalogue()]
    assert [n for n in names if callable(getattr(lt, n, None))] == names
    for module, name in [("MSELoss", "mse_loss"), ("L1Loss", "l1_loss"), ("HuberLoss", "huber_loss"),
                         ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits"),
                         ("CrossEntropyLoss", "cross_entropy")]:
        assert issubclass(getattr(lt, module), torch.nn.Module), module
        assert module in lt.__all__ and name in lt.__all__


@pytest.mark.parametrize("name", IN_TORCH)
def test_signature_is_pytorchs_without_the_deprecated_arguments(name):
    ours = inspect.signature(getattr(lt, name)).parameters
    theirs = [p for p in inspect.signature(getattr(F, name)).parameters.values()
              if p.name not in ("size_average", "reduce")]
    assert list(ours)[:len(theirs)] == [p.name for p in theirs]
    assert [ours[p.name].default for p in theirs] == [p.default for p in theirs]
    assert ours["sample_weight"].kind is inspect.Parameter.KEYWORD_ONLY


def test_positional_arguments_follow_pytorch():
    x, y = elementwise_case("huber_loss", torch.float64)
    assert lt.huber_loss(x, y, "sum", 0.5).item() == pytest.approx(F.huber_loss(x, y, "sum", 0.5).item(), rel=1e-14)
    z, t = cross_entropy_case(torch.float64)
    w = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    ours = lt.cross_entropy(z, t, w, -100, "mean", 0.2)
    assert ours.item() == pytest.approx(F.cross_entropy(z, t, w, None, -100, None, "mean", 0.2).item(), rel=1e-14)


# --- gradcheck ---------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", [e["name"] for e in lk.catalogue()])
def test_gradcheck_float64(name, reduction):
    """Every differentiable argument of every loss (data inputs, Gaussian NLL's var, the
    adaptive loss's alpha and scale), every reduction; 'none' checks every grad_output."""
    c = case(name, torch.float64)
    leaves = c.direct_leaves()
    function = getattr(lt, name)

    def loss(*values):
        out = c.call(function, dict(zip(leaves, values)), through=False, reduction=reduction)
        return out.sum() if name in COUPLED and reduction == "none" else out
    assert torch.autograd.gradcheck(loss, tuple(leaves.values()))


def test_gradcheck_with_parameters_and_weights():
    x, y = elementwise_case("huber_loss", torch.float64)
    w = torch.rand(4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda z: lt.huber_loss(z, y, delta=0.4, sample_weight=w), (x,))
    t = torch.rand(4, 3, dtype=torch.float64)
    p = torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda z: lt.binary_cross_entropy_with_logits(z, t, pos_weight=p, reduction="none"), (x,))
    z, c = cross_entropy_case(torch.float64)
    cw = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda v: lt.cross_entropy(v, c, cw, label_smoothing=0.1), (z,))
    spatial = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)  # (N, C, d)
    labels = torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]])
    assert torch.autograd.gradcheck(lambda v: lt.cross_entropy(v, labels, reduction="none"), (spatial,))


# --- against torch.nn.functional ---------------------------------------------------------

# The documented, intentional differences from torch.nn.functional, and how the comparison
# below takes them into account (not by tolerances):
INTENTIONAL_DIFFERENCES = {
    # LossKit's gradient is the true derivative with respect to log_probs, -γ; PyTorch's
    # backward returns exp(log_probs) - γ. They agree through log_softmax's backward, so the
    # comparison differentiates with respect to the logits (Case.through); the raw difference
    # is checked in test_ctc_raw_gradient_differs_from_pytorchs_by_exp_log_probs.
    "ctc_loss": "compared through log_softmax",
    # Differences the cases stay clear of, tested in their own files: kl_div at a zero target
    # with input -inf (test_divergences.py), poisson_nll_loss at a zero count with full=True
    # (test_count_losses.py), and a 'mean' over no elements, which is 0 here and NaN in PyTorch.
}


def both(name: str, reduction: str, dtype: torch.dtype, **options):
    """(value, gradients by argument) from LossKit and from PyTorch, each backpropagated from a
    loss that uses grad_output: 3·loss for 'mean'/'sum', (loss·w).sum() for 'none'."""
    results = []
    for function in (getattr(lt, name), getattr(F, name)):
        c = case(name, dtype, options.get("ignore_index", -100))
        loss = c.call(function, reduction=reduction, **options)
        outer = 3 * loss if loss.dim() == 0 else (loss * torch.linspace(-1, 2, loss.numel(), dtype=dtype)
                                                  .reshape(loss.shape)).sum()
        outer.backward()
        results.append((loss.detach(), {n: v.grad for n, v in c.leaves.items()}))
    return results


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")  # PyTorch's kl_div
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", IN_TORCH)
def test_values_and_gradients_equal_pytorchs(name, reduction, dtype):
    (value, grads), (expected, expected_grads) = both(name, reduction, dtype)
    tolerance = {"rtol": 2e-6, "atol": 1e-6} if dtype == torch.float32 else {"rtol": 1e-12, "atol": 1e-14}
    assert value.dtype == expected.dtype == dtype and value.shape == expected.shape
    torch.testing.assert_close(value, expected, **tolerance)
    assert grads.keys() == expected_grads.keys()
    for argument, grad in grads.items():
        torch.testing.assert_close(grad, expected_grads[argument], **tolerance, msg=lambda m: f"{argument}: {m}")
        assert grad.abs().sum() > 0, argument


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options", [
    ("huber_loss", {"delta": 0.6}),
    ("binary_cross_entropy_with_logits", {"pos_weight": torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64),
                                          "weight": torch.tensor([2.0, 0.0, 1.0], dtype=torch.float64)}),
    ("cross_entropy", {"weight": torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64),
                       "label_smoothing": 0.15, "ignore_index": 1}),
])
def test_parameters_mean_what_they_mean_in_pytorch(name, options, reduction):
    (value, grads), (expected, expected_grads) = both(name, reduction, torch.float64, **options)
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(grads, expected_grads, rtol=1e-12, atol=1e-14)


def test_sample_weight_gives_the_weighted_mean():
    x, y = elementwise_case("mse_loss", torch.float64)
    w = torch.tensor([1.0, 0.0, 2.0, 0.5], dtype=torch.float64)
    loss = lt.mse_loss(x, y, sample_weight=w)
    loss.backward()
    per_element = (x.detach() - y) ** 2 * w[:, None]
    expected = per_element.sum() / (3 * w.sum())
    torch.testing.assert_close(loss.detach(), expected, rtol=1e-14, atol=0)
    torch.testing.assert_close(x.grad, 2 * (x.detach() - y) * w[:, None] / (3 * w.sum()), rtol=1e-14, atol=0)


def test_modules_equal_pytorchs_modules():
    z, c = cross_entropy_case(torch.float64)
    w = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    ours, theirs = lt.CrossEntropyLoss(w, label_smoothing=0.1), torch.nn.CrossEntropyLoss(w, label_smoothing=0.1)
    assert torch.equal(dict(ours.named_buffers())["weight"], w)
    torch.testing.assert_close(ours(z, c), theirs(z, c), rtol=1e-13, atol=0)
    x, y = elementwise_case("huber_loss", torch.float32)
    torch.testing.assert_close(lt.HuberLoss("sum", 0.3)(x, y), torch.nn.HuberLoss("sum", 0.3)(x, y))
    p = torch.tensor([2.0, 1.0, 0.5])
    t = torch.rand(4, 3)
    torch.testing.assert_close(lt.BCEWithLogitsLoss(pos_weight=p)(x, t),
                               torch.nn.BCEWithLogitsLoss(pos_weight=p)(x, t))


def test_kl_div_batchmean_equals_pytorchs():
    (value, grads), (expected, expected_grads) = both("kl_div", "batchmean", torch.float64)
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(grads, expected_grads, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,), (1, 3), ()])  # () is LossKit's only
def test_gaussian_nll_var_of_every_pytorch_shape(var_shape, reduction):
    """var's gradient, summed over the elements that share a variance, as PyTorch's."""
    results = []
    for function in (lt.gaussian_nll_loss, F.gaussian_nll_loss):
        x, y = elementwise_case("gaussian_nll_loss", torch.float64)
        var = torch.tensor(np.random.default_rng(3).uniform(0.5, 2.0, var_shape), requires_grad=True)
        # PyTorch refuses a 0-d var tensor (a float is not differentiable): it gets var expanded.
        shaped = var.expand(x.shape) if function is F.gaussian_nll_loss and var.dim() == 0 else var
        loss = function(x, y, shaped, full=True, reduction=reduction)
        (loss * torch.linspace(-1, 2, loss.numel(), dtype=torch.float64).reshape(loss.shape)).sum().backward()
        results.append((loss.detach(), x.grad, var.grad))
    for ours, theirs in zip(*results):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-14)
    assert torch.autograd.gradcheck(lambda v: lt.gaussian_nll_loss(x.detach(), y, v, reduction=reduction),
                                    (var.detach().requires_grad_(),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_adaptive_alpha_and_scale_gradients_are_losskits(reduction):
    """alpha and scale are differentiable tensors whose gradients are losskit's grad_params
    (for 'none', of the grad_output-weighted sum); a plain float stays a constant."""
    x, y = elementwise_case("adaptive_robust_loss", torch.float64)
    alpha = torch.tensor(-0.7, dtype=torch.float64, requires_grad=True)
    scale = torch.nn.Parameter(torch.tensor(1.3, dtype=torch.float64))
    w = torch.tensor([1.0, 0.5, 2.0, 0.0], dtype=torch.float64)
    loss = lt.adaptive_robust_loss(x, y, alpha=alpha, scale=scale, reduction=reduction, sample_weight=w)
    loss.sum().backward()
    value, grad, params = lk.adaptive_robust_loss(x.detach().numpy(), y.numpy(), alpha=-0.7, scale=1.3,
                                                  reduction=reduction, sample_weight=w.numpy(), grad=True,
                                                  grad_params=True)
    torch.testing.assert_close(loss.detach(), torch.as_tensor(value, dtype=torch.float64), rtol=0, atol=0)
    torch.testing.assert_close(x.grad, torch.as_tensor(grad), rtol=0, atol=0)
    assert alpha.grad.item() == pytest.approx(params["alpha"], rel=1e-13)
    assert scale.grad.item() == pytest.approx(params["scale"], rel=1e-13)
    assert torch.autograd.gradcheck(lambda a, c: lt.adaptive_robust_loss(x.detach(), y, alpha=a, scale=c,
                                                                         reduction=reduction, sample_weight=w),
                                    (alpha.detach().requires_grad_(), scale.detach().requires_grad_()))
    with pytest.raises(ValueError, match="alpha is one number; got a tensor of shape \\(2,\\)"):
        lt.adaptive_robust_loss(x, y, alpha=torch.ones(2, dtype=torch.float64))


def test_ctc_raw_gradient_differs_from_pytorchs_by_exp_log_probs():
    """The documented difference: ours is -γ, PyTorch's exp(log_probs) - γ (all frames used)."""
    c = case("ctc_loss", torch.float64)
    c.data["input_lengths"] = torch.tensor([6, 6])
    grads = []
    for function in (lt.ctc_loss, F.ctc_loss):
        lp = c.direct_leaves()["log_probs"]
        c.call(function, {"log_probs": lp}, through=False, reduction="sum").backward()
        grads.append(lp.grad)
    torch.testing.assert_close(grads[0] + lp.detach().exp(), grads[1], rtol=1e-12, atol=1e-14)


def test_coupled_losses_refuse_a_non_uniform_grad_output():
    """NT-Xent: each anchor's loss depends on every embedding and LossKit gives only the
    gradient of their sum, so 'none' backpropagates through equal weights and refuses others."""
    c = case("ntxent_loss", torch.float64)
    e = c.leaves["embeddings"]
    losses = c.call(lt.ntxent_loss, reduction="none")
    (2.5 * losses).sum().backward()
    expected = e.detach().clone().requires_grad_()
    (2.5 * lt.ntxent_loss(expected, c.data["labels"], temperature=0.5, reduction="sum")).backward()
    torch.testing.assert_close(e.grad, expected.grad, rtol=1e-14, atol=0)
    losses = c.call(lt.ntxent_loss, reduction="none")
    with pytest.raises(RuntimeError, match="ntxent_loss: with reduction='none'.*only with equal weights"):
        (losses * torch.arange(6.0, dtype=torch.float64)).sum().backward()


@pytest.mark.parametrize("name, argument", [("jensen_shannon_divergence", "target"), ("cosine_embedding_loss", "target"),
                                            ("poisson_nll_loss", "target"), ("multilabel_soft_margin_loss", "target")])
def test_arguments_losskit_does_not_differentiate_are_refused(name, argument):
    c = case(name, torch.float64)
    c.data[argument] = c.data[argument].clone().requires_grad_()
    with pytest.raises(ValueError, match=f"{name}: {argument} requires grad, but LossKit differentiates only"):
        c.call(getattr(lt, name))


def test_new_modules_equal_pytorchs_modules():
    c = case("gaussian_nll_loss", torch.float64)
    x, var, y = c.leaves["input"], c.leaves["var"], c.data["target"]
    torch.testing.assert_close(lt.GaussianNLLLoss(full=True)(x, y, var), torch.nn.GaussianNLLLoss(full=True)(x, y, var))
    c = case("ctc_loss", torch.float64)
    lp = c.direct_leaves()["log_probs"]
    args = (lp, c.data["targets"], c.data["input_lengths"], c.data["target_lengths"])
    torch.testing.assert_close(lt.CTCLoss(reduction="sum")(*args), torch.nn.CTCLoss(reduction="sum")(*args))
    c = case("triplet_margin_loss", torch.float64)
    rows = tuple(c.leaves.values())
    torch.testing.assert_close(lt.TripletMarginLoss(margin=0.5, swap=True)(*rows),
                               torch.nn.TripletMarginLoss(margin=0.5, swap=True)(*rows))
    c = case("nll_loss", torch.float64)
    w = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    torch.testing.assert_close(lt.NLLLoss(w)(c.leaves["input"], c.data["target"]),
                               torch.nn.NLLLoss(w)(c.leaves["input"], c.data["target"]))


# --- inputs and errors -------------------------------------------------------------------

def test_without_requires_grad_the_value_is_computed_and_no_graph_is_kept():
    x, y = elementwise_case("l1_loss", torch.float64)
    plain = x.detach()
    loss = lt.l1_loss(plain, y, reduction="none")
    assert loss.grad_fn is None
    torch.testing.assert_close(loss, (plain - y).abs(), rtol=0, atol=0)
    with torch.no_grad():
        assert lt.l1_loss(x, y).grad_fn is None


def test_non_contiguous_input_is_handled():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    y = torch.randn(4, 3, dtype=torch.float64)
    lt.mse_loss(x.T, y, reduction="sum").backward()
    torch.testing.assert_close(x.grad, 2 * (x.detach().T - y).T, rtol=1e-14, atol=0)


def test_errors_are_clear():
    y = torch.zeros(3)
    # Meta tensors get the loss's shape from the operator's fake implementation; the legacy
    # path (a parameter that is not a plain literal) computes on the CPU only.
    meta = lt.mse_loss(torch.zeros(2, 3, device="meta"), torch.zeros(2, 3, device="meta"), reduction="none")
    assert meta.device.type == "meta" and meta.shape == (2, 3)
    with pytest.raises(ValueError, match="input is on device 'meta'.*CPU"):
        lt.huber_loss(torch.zeros(3, device="meta"), y, delta=np.float32(1.0))
    x = torch.tensor([0.5, 3.0, -1.0], dtype=torch.float64, requires_grad=True)
    for delta in (np.float64(1.5), np.float32(1.5), 1.5):  # numpy scalars: eagerly, the same values
        torch.testing.assert_close(lt.huber_loss(x, y.double(), delta=delta), F.huber_loss(x, y.double(), delta=1.5))
    for dtype in (torch.int64, torch.complex64):
        with pytest.raises(TypeError, match=f"input must be a floating-point tensor .*, got {dtype}"):
            lt.mse_loss(torch.zeros(3, dtype=dtype), y)
    with pytest.raises(TypeError, match="target has unsupported dtype torch.complex64"):
        lt.mse_loss(torch.zeros(3), torch.zeros(3, dtype=torch.complex64))
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        lt.mse_loss(np.zeros(3), y)
    with pytest.raises(ValueError, match="target requires grad.*only input"):
        lt.poisson_nll_loss(torch.zeros(3), torch.zeros(3, requires_grad=True))
    with pytest.raises(ValueError, match="weight requires grad.*detach it"):
        lt.huber_loss(torch.zeros(3), y, weight=torch.ones(3, requires_grad=True))
    with pytest.raises(ValueError, match="reduction"):
        lt.mse_loss(torch.zeros(3), y, reduction="batchmean")
    x = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(lt.cross_entropy(x, torch.tensor([0, 1, 2])), x, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward is supported for elementwise losses only.*hess=True"):
        g.sum().backward()


# --- the extension point -----------------------------------------------------------------

def weighted_mse(function, arguments):
    """Gradients for `input` and for `sample_weight` of the same shape, from LossKit alone:
    ∂(Σw·l/Σw)/∂w_i = (l_i - L)/Σw for 'mean', l_i for 'sum' and (per element) 'none'."""
    loss, grad = function(**arguments, grad=True)
    per_element = function(**{**arguments, "reduction": "none", "sample_weight": None})
    w = arguments["sample_weight"]
    dw = (per_element - loss) / w.sum() if arguments["reduction"] == "mean" else per_element
    return loss, {"input": grad, "sample_weight": dw}


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_extra_differentiable_inputs_through_the_registry(monkeypatch, reduction):
    monkeypatch.setitem(lt.GRADIENTS, "mse_loss", lt.Gradients(("input", "sample_weight"), weighted_mse))
    x, y = elementwise_case("mse_loss", torch.float64)
    w = torch.rand(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: lt.mse_loss(a, y, reduction=reduction, sample_weight=b), (x, w))


# --- training ----------------------------------------------------------------------------

def train(loss_fn, features: torch.Tensor, labels: torch.Tensor, steps: int = 40) -> list[torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(features.shape[1], 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 10)).to(features.dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(features), labels).backward()
        optimizer.step()
    return [p.detach() for p in model.parameters()], loss_fn(model(features), labels).item()


def test_training_an_mlp_on_digits_matches_pytorchs_loss():
    from sklearn.datasets import load_digits
    digits = load_digits()
    features = torch.tensor(digits.data[:400] / 16.0, dtype=torch.float64)
    labels = torch.tensor(digits.target[:400])
    ours, final = train(lt.CrossEntropyLoss(label_smoothing=0.05), features, labels)
    theirs, expected_final = train(torch.nn.CrossEntropyLoss(label_smoothing=0.05), features, labels)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    assert final == pytest.approx(expected_final, rel=1e-10) and final < 1.0  # it learnt (start: ~2.3)


def test_training_a_regression_in_float32_matches_pytorchs_loss():
    generator = torch.Generator().manual_seed(1)
    features = torch.randn(200, 8, generator=generator)
    targets = features @ torch.randn(8, 10, generator=generator) + 0.1 * torch.randn(200, 10, generator=generator)
    ours, _ = train(lambda p, t: lt.huber_loss(p, t, delta=0.5), features, targets)
    theirs, _ = train(lambda p, t: F.huber_loss(p, t, delta=0.5), features, targets)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


# --- registered operators: torch.func, torch.compile, half precision, second derivatives ----

def operator_arguments(name: str, c: Case, reduction: str) -> tuple[str, str, str, list[torch.Tensor]]:
    """(name, options, names, tensors) of the `losskit::fused` call `lt.<name>` makes for a case."""
    function = getattr(lt, name)
    bound = function.__signature__.bind(**c.direct_leaves(), **c.data, reduction=reduction)
    bound.apply_defaults()
    tensors = {n: v for n, v in bound.arguments.items() if isinstance(v, torch.Tensor)}
    options = {n: v for n, v in bound.arguments.items() if n not in tensors}
    options = {n: v for n, v in options.items() if v is not function.__signature__.parameters[n].default
               or n in inspect.signature(getattr(lk, name)).parameters}
    return name, repr(options), ",".join(tensors), list(tensors.values())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", [e["name"] for e in lk.catalogue()])
def test_fake_shapes_are_the_real_ones(name, reduction):
    """What torch.compile sees (the fake implementation) is what the operator returns."""
    if reduction == "none" and name in lt.GRADIENTS:
        pytest.skip("runs eagerly (its parameter derivatives exist only summed), never through the operator")
    c = case(name, torch.float64)
    arguments = operator_arguments(name, c, reduction)
    wanted = [t.is_floating_point() and n in lt._LOSSES[name].gradients.inputs
              for n, t in zip(arguments[2].split(","), arguments[3])]
    real = torch.ops.losskit.fused(*arguments, wanted)
    fake = lt._fused_shapes(*arguments, wanted)
    assert [(t.shape, t.dtype) for t in fake] == [(t.shape, t.dtype) for t in real]


# Losses PyTorch has, with the keyword arguments of a case: elementwise, cross-entropy.
FUNC_CASES = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy_with_logits",
              "poisson_nll_loss", "cross_entropy"]


@pytest.mark.parametrize("name", FUNC_CASES)
def test_torch_func_grad_vmap_and_jacrev_equal_pytorchs(name):
    c = case(name, torch.float64)
    x, data = c.leaves["input"].detach(), c.data
    ours, theirs = (lambda v: getattr(lt, name)(v, **data)), (lambda v: getattr(F, name)(v, **data))
    torch.testing.assert_close(torch.func.grad(ours)(x), torch.func.grad(theirs)(x), rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(torch.func.jacrev(ours)(x), torch.func.jacrev(theirs)(x), rtol=1e-13, atol=1e-15)
    batch = torch.stack([x, 2 * x, -x])  # vmap over a leading batch axis of the input
    torch.testing.assert_close(torch.vmap(ours)(batch), torch.vmap(theirs)(batch), rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(torch.vmap(torch.func.grad(ours))(batch), torch.vmap(torch.func.grad(theirs))(batch),
                               rtol=1e-13, atol=1e-15)


# One training step per representative kind: elementwise, cross-entropy, embedding rows.
COMPILE_CASES = [("huber_loss", 10), ("cross_entropy", 4), ("triplet_margin_loss", 4)]


@pytest.mark.parametrize("name, outputs", COMPILE_CASES)
def test_compiled_training_step_has_no_graph_break_and_matches_eager(name, outputs):
    torch._dynamo.reset()
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(16, 5, generator=generator)
    if name == "huber_loss":
        labels = torch.randn(16, outputs, generator=generator)
    elif name == "cross_entropy":
        labels = torch.randint(0, outputs, (16,), generator=generator)
    else:
        labels = torch.randn(2, 16, 5, generator=generator)  # positives and negatives, embedded too

    def step(model, loss_fn):
        out = model(features)
        if name == "triplet_margin_loss":
            return loss_fn(out, model(labels[0]), model(labels[1]), margin=0.5)
        return loss_fn(out, labels)

    grads = {}
    for key, loss_fn, compiled in [("eager", getattr(lt, name), False), ("compiled", getattr(lt, name), True),
                                   ("pytorch", getattr(F, name), False)]:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, outputs))
        run = torch.compile(step, fullgraph=True, backend="aot_eager") if compiled else step
        loss = run(model, loss_fn)
        loss.backward()
        grads[key] = (loss.detach(), [p.grad for p in model.parameters()])
    for key in ("compiled", "pytorch"):
        torch.testing.assert_close(grads[key][0], grads["eager"][0], rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(grads[key][1], grads["eager"][1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", ["mse_loss", "huber_loss", "binary_cross_entropy_with_logits", "cross_entropy"])
def test_half_precision_is_computed_in_float32(name, dtype):
    """Half-precision inputs give the float32 result (PyTorch's own, on the same values)
    rounded to the input's dtype, for the value and the gradient."""
    c = case(name, torch.float32)
    half = {n: v.detach().to(dtype).requires_grad_() for n, v in c.leaves.items()}
    data = {n: v.to(dtype) if v.is_floating_point() else v for n, v in c.data.items()}
    loss = getattr(lt, name)(**half, **data, reduction="sum")
    loss.backward()
    single = {n: v.detach().float().requires_grad_() for n, v in half.items()}
    expected = getattr(F, name)(**single, **{n: v.float() if v.is_floating_point() else v for n, v in data.items()},
                                reduction="sum")
    expected.backward()
    assert loss.dtype == dtype and half["input"].grad.dtype == dtype
    torch.testing.assert_close(loss, expected.to(dtype), rtol=0, atol=0)
    torch.testing.assert_close(half["input"].grad, single["input"].grad.to(dtype), rtol=0, atol=0)


def test_autocast_runs_the_loss_on_half_precision_activations():
    generator = torch.Generator().manual_seed(0)
    features, targets = torch.randn(8, 5, generator=generator), torch.randn(8, 3, generator=generator)
    layer = torch.nn.Linear(5, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(features)
        loss = lt.mse_loss(out, targets)
    assert out.dtype == torch.bfloat16 and loss.dtype == torch.bfloat16
    loss.backward()
    torch.testing.assert_close(loss, F.mse_loss(out.float(), targets).to(torch.bfloat16), rtol=0, atol=0)
    assert layer.weight.grad is not None


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options", [
    ("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {"delta": 0.7}), ("smooth_l1_loss", {"beta": 0.6}),
    ("binary_cross_entropy_with_logits", {}),
    ("binary_cross_entropy_with_logits", {"pos_weight": torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)}),
])
def test_target_gradients_equal_pytorchs(name, options, reduction):
    c = case(name, torch.float64)
    grads = []
    for function in (getattr(lt, name), getattr(F, name)):
        x = c.leaves["input"].detach().requires_grad_()
        y = c.data["target"].detach().clone()
        if name == "binary_cross_entropy_with_logits":
            y = torch.linspace(0.1, 0.9, y.numel(), dtype=torch.float64).reshape(y.shape)  # soft labels
        y.requires_grad_()
        loss = function(x, y, reduction=reduction, **options)
        (loss.sum() * 3 if reduction != "none" else (loss * torch.linspace(-1, 2, loss.numel(), dtype=loss.dtype)
                                                     .reshape(loss.shape)).sum()).backward()
        grads.append((x.grad, y.grad))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-12, atol=1e-14)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")  # PyTorch's kl_div
@pytest.mark.parametrize("reduction", ["batchmean", *REDUCTIONS])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_target_gradient_equals_pytorchs(reduction, log_target):
    c = case("kl_div", torch.float64)
    grads = []
    for function in (lt.kl_div, F.kl_div):
        x = c.leaves["input"].detach().log_softmax(-1).requires_grad_()
        y = c.data["target"].detach().clone()
        y = (y.log() if log_target else y).requires_grad_()
        loss = function(x, y, reduction=reduction, log_target=log_target)
        (loss * torch.linspace(-1, 2, loss.numel(), dtype=loss.dtype).reshape(loss.shape)).sum().backward()
        grads.append((x.grad, y.grad))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-12, atol=1e-14)
    x = c.leaves["input"].detach().log_softmax(-1).requires_grad_()
    w = torch.tensor([1.0, 0.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    y = c.data["target"].detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: lt.kl_div(a, b, reduction=reduction, sample_weight=w), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_target_gradients_with_weights_pass_gradcheck(reduction):
    x, y = elementwise_case("binary_cross_entropy_with_logits", torch.float64)
    soft = torch.rand(4, 3, dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, 0.0, 2.0, 0.5], dtype=torch.float64)
    p = torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a, b: lt.binary_cross_entropy_with_logits(
        a, b, pos_weight=p, label_smoothing=0.1, reduction=reduction, sample_weight=w), (x, soft))
    x, y = elementwise_case("huber_loss", torch.float64)
    assert torch.autograd.gradcheck(lambda a, b: lt.huber_loss(a, b, reduction=reduction, sample_weight=w),
                                    (x, y.clone().requires_grad_()))
    x, y = elementwise_case("gaussian_nll_loss", torch.float64)
    var = torch.rand(4, 1, dtype=torch.float64) + 0.5
    if reduction != "none":  # 'none' with a broadcast var runs eagerly and differentiates the input only
        assert torch.autograd.gradcheck(lambda a, b: lt.gaussian_nll_loss(a, b, var, reduction=reduction),
                                        (x, y.clone().requires_grad_()))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradgradcheck_of_elementwise_losses(name, reduction):
    """Double backward from LossKit's exact Hessian, against finite differences of the
    gradient; the target too for losses of input - target."""
    c = case(name, torch.float64)
    x = c.leaves["input"]
    others = {n: v.detach() for n, v in c.leaves.items() if n != "input"}
    if reduction == "none" and name in lt.GRADIENTS:  # runs eagerly, first derivatives only
        with pytest.raises(RuntimeError, match="double backward .* not supported"):
            torch.autograd.gradgradcheck(lambda a: getattr(lt, name)(a, **c.data, **others, reduction=reduction), (x,))
        return
    if name in lt._DIFFERENCE_LOSSES and not others:
        y = c.data["target"].clone().requires_grad_()
        assert torch.autograd.gradgradcheck(lambda a, b: getattr(lt, name)(a, b, reduction=reduction), (x, y))
    else:
        assert torch.autograd.gradgradcheck(
            lambda a: getattr(lt, name)(a, **c.data, **others, reduction=reduction), (x,))


def test_second_derivatives_equal_pytorchs():
    x, y = elementwise_case("binary_cross_entropy_with_logits", torch.float64)
    hvp = []
    for function in (lt.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits):
        (g,) = torch.autograd.grad(function(x, y, reduction="sum"), x, create_graph=True)
        hvp.append(torch.autograd.grad((g * torch.arange(12.0, dtype=torch.float64).reshape(4, 3)).sum(), x)[0])
    torch.testing.assert_close(hvp[0], hvp[1], rtol=1e-12, atol=1e-14)
    x, y = elementwise_case("huber_loss", torch.float64)
    y.requires_grad_()
    second = []
    for function in (lt.huber_loss, F.huber_loss):
        gx, gy = torch.autograd.grad(function(x, y, delta=0.8), (x, y), create_graph=True)
        second.append(torch.autograd.grad((gx * gx).sum() + gy.sum() * 2, (x, y)))
    torch.testing.assert_close(second[0], second[1], rtol=1e-12, atol=1e-14)
