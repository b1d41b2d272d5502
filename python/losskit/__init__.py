"""LossKit: machine-learning losses with their gradient and Hessian diagonal, computed in one
fused pass by a Swift core (liblosskit.so) and exposed with PyTorch's names and conventions.

    >>> import numpy as np, losskit as lk
    >>> lk.huber_loss(np.array([0.5, 3.0]), np.zeros(2), delta=1.0)
    1.3125
    >>> loss, grad, hess = lk.huber_loss(np.array([0.5, 3.0]), np.zeros(2), grad=True, hess=True)

Every loss is importable from here and from the module of its family, named by the task it
serves (`lk.families()` lists them): `losskit.regression`, `.distributions` (counts and
distributions), `.binary`, `.multiclass`, `.multilabel`, `.divergences`, `.segmentation`,
`.metric_learning`, `.ranking`, `.sequences` and `.combinators` (hybrid losses). Adapters:
`losskit.torch`, `.jax`, `.xgboost`, `.lightgbm`, `.sklearn`. Command-line tools: `python -m losskit`.

Conventions of elementwise losses (regression, distributions, binary classification): one loss
per element of `input`, compared with the same element of `target`.

* `input` and `target` have the same shape (no broadcasting).
* `reduction='mean'` (default) returns the weighted mean Σ w·l / Σ w as a float, `'sum'` the
  weighted sum, `'none'` the array w·l of the input's shape. The mean over an empty set (no
  elements, or every weight 0) is 0.0 with zero derivatives.
* `sample_weight`: None, one weight per element (the input's shape) or one per sample
  (`(input.shape[0],)`, spread over that sample's elements). Weights must be finite and >= 0.
* `grad=True` adds the gradient of the returned loss with respect to `input`, `hess=True` the
  diagonal of its Hessian, both arrays of the input's shape, from the same fused pass. The
  result is then `(loss, grad)`, `(loss, hess)` or `(loss, grad, hess)`.
* dtypes: float32 and float64 natively; float16 computed in float32; integers and booleans in
  float64 (`losskit._internal.arrays`).
* NaN in `input` or `target` gives NaN in that element's loss and gradient (and in a
  reduced loss), and in its Hessian unless that is piecewise constant (mse, l1, huber);
  it is not an error.
"""
from . import (binary, combinators, distributions, divergences, metric_learning, multiclass, multilabel, ranking,
               regression, segmentation, sequences)
from ._internal import _native
from ._internal.build import build_info
from ._internal.catalogue import catalogue, families
from ._internal.locations import get_include, get_library_dir
from ._internal.outputs import set_output_cache
from ._internal.threads import get_num_threads, set_num_threads
from .binary import *  # noqa: F401,F403  (each family's __all__, listed in __all__ below)
from .combinators import *  # noqa: F401,F403
from .distributions import *  # noqa: F401,F403
from .divergences import *  # noqa: F401,F403
from .metric_learning import *  # noqa: F401,F403
from .multiclass import *  # noqa: F401,F403
from .multilabel import *  # noqa: F401,F403
from .ranking import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .segmentation import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403

__version__ = _native.version()

_FAMILY_MODULES = (regression, distributions, binary, multiclass, multilabel, divergences, segmentation,
                  metric_learning, ranking, sequences, combinators)

__all__ = ["__version__", "build_info", "catalogue", "families", "get_include", "get_library_dir", "get_num_threads",
           "set_num_threads", "set_output_cache"]
for _module in _FAMILY_MODULES:
    __all__ += _module.__all__
del _module
