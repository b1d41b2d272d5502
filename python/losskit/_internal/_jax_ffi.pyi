"""XLA FFI handlers over liblosskit.so (`_jax_ffi.c`), built only when jaxlib's headers were
available at build time. Each attribute is a PyCapsule holding an `XLA_FFI_Handler*` for one C
ABI driver, which `losskit.jax` registers as the FFI target `losskit_<name>` (CPU)."""
from typing import Any

elementwise: Any
cross_entropy: Any
rowwise: Any
embedding: Any
overlap: Any
ctc: Any
ntxent: Any
