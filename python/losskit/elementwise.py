"""Deprecated: the first four losses moved to `losskit.binary`, `losskit.regression` (the package is now sorted
into one module per family). Importing a name from here still works, with a
DeprecationWarning; this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"]
__getattr__ = moved(__name__, {'mse_loss': 'regression', 'l1_loss': 'regression', 'huber_loss': 'regression', 'binary_cross_entropy_with_logits': 'binary'})
