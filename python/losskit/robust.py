"""Deprecated: the losses with learnable parameters moved to `losskit.distributions`, `losskit.regression` (the package is now sorted
into one module per family). Importing a name from here still works, with a
DeprecationWarning; this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["adaptive_robust_loss", "gaussian_nll_loss"]
__getattr__ = moved(__name__, {'adaptive_robust_loss': 'regression', 'gaussian_nll_loss': 'distributions'})
