"""LossKit: machine-learning losses with their gradient and Hessian diagonal, computed in one
fused pass by a Swift core (liblosskit.so) and exposed with PyTorch's names and conventions.

    >>> import numpy as np, losskit as lk
    >>> lk.huber_loss(np.array([0.5, 3.0]), np.zeros(2), delta=1.0)
    1.3125
    >>> loss, grad, hess = lk.huber_loss(np.array([0.5, 3.0]), np.zeros(2), grad=True, hess=True)
"""
from ._build import build_info
from ._catalogue import catalogue
from . import binary, regression, robust
from .binary import *  # noqa: F401,F403  (listed in __all__ below)
from .classification import cross_entropy
from .embedding import (contrastive_loss, cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                        ntxent_loss, triplet_margin_loss)
from .sequence import ctc_loss
from .hybrid import hybrid_loss
from .elementwise import binary_cross_entropy_with_logits, huber_loss, l1_loss, mse_loss
from .multiclass import (entropy, generalized_cross_entropy, jensen_shannon_divergence, kl_div,
                         multi_margin_loss, multiclass_hinge_loss, multilabel_margin_loss,
                         multilabel_soft_margin_loss, nll_loss, poly1_cross_entropy,
                         softmax_focal_loss, symmetric_cross_entropy)
from .segmentation import (dice_loss, focal_tversky_loss, generalized_dice_loss, jaccard_loss,
                           lovasz_softmax_loss, tversky_loss)
from ._outputs import set_output_cache
from .regression import *  # noqa: F401,F403  (listed in __all__ below)
from .robust import *  # noqa: F401,F403  (listed in __all__ below)
from .threads import get_num_threads, set_num_threads
from . import _native

__version__ = _native.version()

__all__ = [
    "__version__",
    "binary_cross_entropy_with_logits",
    "build_info",
    "catalogue",
    "contrastive_loss",
    "cosine_embedding_loss",
    "ctc_loss",
    "cross_entropy",
    "dice_loss",
    "entropy",
    "focal_tversky_loss",
    "generalized_dice_loss",
    "generalized_cross_entropy",
    "get_num_threads",
    "hinge_embedding_loss",
    "huber_loss",
    "hybrid_loss",
    "jaccard_loss",
    "jensen_shannon_divergence",
    "kl_div",
    "l1_loss",
    "lovasz_softmax_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multiclass_hinge_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "ntxent_loss",
    "poly1_cross_entropy",
    "set_num_threads",
    "set_output_cache",
    "softmax_focal_loss",
    "symmetric_cross_entropy",
    "triplet_margin_loss",
    "tversky_loss",
]
__all__ += binary.__all__ + regression.__all__ + robust.__all__
