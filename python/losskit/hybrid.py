"""Deprecated: hybrid losses moved to `losskit.combinators` (the package is now sorted
into one module per family). Importing a name from here still works, with a
DeprecationWarning; this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["hybrid_loss"]
__getattr__ = moved(__name__, {'hybrid_loss': 'combinators'})
