//! Links liblosskit.so from the folder named by LOSSKIT_LIB_DIR (for example the installed
//! `losskit` Python package's folder) and records that folder as the binary's rpath, so
//! `cargo run` finds the library without LD_LIBRARY_PATH.
use std::env;

fn main() {
    println!("cargo:rerun-if-env-changed=LOSSKIT_LIB_DIR");
    let dir = env::var("LOSSKIT_LIB_DIR").unwrap_or_else(|_| {
        panic!("set LOSSKIT_LIB_DIR to the folder holding liblosskit.so, e.g. \
                $(python -c 'import losskit, os; print(os.path.dirname(losskit.__file__))')")
    });
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=losskit");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}
