"""Deprecated: `set_num_threads` and `get_num_threads` are `losskit.set_num_threads` and
`losskit.get_num_threads`; importing them from here still works, with a DeprecationWarning, and
this module goes in the next release."""
from ._internal.deprecation import moved

__all__ = ["set_num_threads", "get_num_threads"]
__getattr__ = moved(__name__, {"set_num_threads": "_internal.threads", "get_num_threads": "_internal.threads"})
