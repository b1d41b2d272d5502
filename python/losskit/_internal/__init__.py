"""LossKit's internals: the CPython shim over liblosskit.so (`_native`), the XLA FFI handlers
`losskit.jax` calls (`_jax_ffi`, built only when jaxlib was installed at build time), argument conversion
and the dtype rule (`arrays`), output allocation and recycling (`outputs`), the catalogue as
read from the C ABI (`catalogue`), the shared paths of each driver shape (`elementwise`,
`rowwise`, `embedding`), the boosters' shared machinery (`boosting`), thread control and build
information. Nothing here is public API: import losses from `losskit` or its family modules."""
