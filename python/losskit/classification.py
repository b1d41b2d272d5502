"""Deprecated: cross-entropy moved to `losskit.multiclass` (the package is now sorted
into one module per family). Importing a name from here still works, with a
DeprecationWarning; this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["cross_entropy"]
__getattr__ = moved(__name__, {'cross_entropy': 'multiclass'})
