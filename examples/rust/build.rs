//! Links liblosskit.so and records its folder as the binary's rpath, so `cargo run` finds the
//! library without LD_LIBRARY_PATH. The folder is LOSSKIT_LIB_DIR when set; otherwise the
//! installed `losskit` Python package says where it is (`python -m losskit config --libdir`),
//! asked through $PYTHON, else `python3`, else `python`.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LOSSKIT_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PYTHON");
    let dir = env::var("LOSSKIT_LIB_DIR").ok().filter(|d| !d.is_empty()).unwrap_or_else(|| {
        ask_python().unwrap_or_else(|tried| {
            eprintln!("error: cannot find liblosskit.so: {tried}. Install LossKit (`pip install losskit` or \
                       `pip install .` in its repository) into the Python on PATH, set PYTHON to a Python that \
                       has it, or set LOSSKIT_LIB_DIR to the folder holding liblosskit.so");
            std::process::exit(1);
        })
    });
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=losskit");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}

/// The library folder from the first Python that has `losskit`, or what each attempt said.
fn ask_python() -> Result<String, String> {
    let candidates: Vec<String> = match env::var("PYTHON") {
        Ok(python) if !python.is_empty() => vec![python],
        _ => vec!["python3".into(), "python".into()],
    };
    let mut tried = Vec::new();
    for python in candidates {
        match Command::new(&python).args(["-m", "losskit", "config", "--libdir"]).output() {
            Ok(out) if out.status.success() => return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
            Ok(out) => tried.push(format!("`{python} -m losskit config --libdir` failed: {}",
                                          String::from_utf8_lossy(&out.stderr).trim())),
            Err(error) => tried.push(format!("cannot run `{python}`: {error}")),
        }
    }
    Err(tried.join("; "))
}
