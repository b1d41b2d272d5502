//! LossKit from Rust through its C ABI: the declarations below mirror `include/losskit.h`
//! (status codes, lk_loss_id, lk_elementwise, lk_status_name, lk_last_error), and a small safe
//! wrapper turns statuses into `Result`s carrying the library's message.
//!
//! Build and run: `cargo run --release` with LossKit installed in the Python on PATH (build.rs asks
//! it where liblosskit.so is), or LOSSKIT_LIB_DIR=<dir of liblosskit.so> cargo run --release
use std::ffi::{c_char, c_void, CStr, CString};
use std::fmt;
use std::ptr;

const LK_OK: i32 = 0;
const LK_FLOAT64: i32 = 1;
const LK_WEIGHTING_NORMALIZED: i32 = 0;
const LK_REDUCTION_MEAN: i32 = 1;

extern "C" {
    fn lk_version() -> *const c_char;
    fn lk_status_name(status: i32) -> *const c_char;
    fn lk_last_error() -> *const c_char;
    fn lk_loss_id(name: *const c_char, id: *mut i32) -> i32;
    fn lk_elementwise(
        loss: i32, params: *const f64, n_params: usize, dtype: i32, n: usize,
        input: *const c_void, target: *const c_void, weight: *const c_void, n_weight: usize,
        weighting: i32, column: *const c_void, n_column: usize, reduction: i32,
        loss_out: *mut f64, losses: *mut c_void, grad: *mut c_void, hess: *mut c_void,
    ) -> i32;
}

/// A failed call: the status's name and the library's description of the problem.
#[derive(Debug)]
struct LossKitError {
    status: String,
    message: String,
}

impl fmt::Display for LossKitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

/// Copies a static or thread-local C string owned by the library.
fn text(p: *const c_char) -> String {
    // SAFETY: the library returns NUL-terminated strings valid until the next call on this thread.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn check(status: i32) -> Result<(), LossKitError> {
    if status == LK_OK {
        return Ok(());
    }
    // SAFETY: both functions only read library-owned state.
    let (name, message) = unsafe { (lk_status_name(status), lk_last_error()) };
    Err(LossKitError { status: text(name), message: text(message) })
}

/// The mean loss and its gradient with respect to `input` (float64, unweighted).
fn mean_loss_and_grad(name: &str, params: &[f64], input: &[f64], target: &[f64])
    -> Result<(f64, Vec<f64>), LossKitError> {
    assert_eq!(input.len(), target.len(), "input and target lengths differ");
    let c_name = CString::new(name).expect("a loss name has no NUL byte");
    let mut id = 0i32;
    // SAFETY: c_name is NUL-terminated and id is a valid out-pointer.
    check(unsafe { lk_loss_id(c_name.as_ptr(), &mut id) })?;
    let mut loss = 0.0f64;
    let mut grad = vec![0.0f64; input.len()];
    // SAFETY: every pointer covers the lengths passed with it; the library validates the rest.
    check(unsafe {
        lk_elementwise(
            id, params.as_ptr(), params.len(), LK_FLOAT64, input.len(),
            input.as_ptr().cast(), target.as_ptr().cast(), ptr::null(), 0, LK_WEIGHTING_NORMALIZED,
            ptr::null(), 0, LK_REDUCTION_MEAN, &mut loss, ptr::null_mut(), grad.as_mut_ptr().cast(),
            ptr::null_mut(),
        )
    })?;
    Ok((loss, grad))
}

fn main() {
    // SAFETY: returns a static string.
    println!("LossKit {}", text(unsafe { lk_version() }));
    let input = [0.5, 3.0, -2.0];
    let target = [0.0, 0.0, 0.0];
    match mean_loss_and_grad("huber_loss", &[1.0], &input, &target) {
        Ok((loss, grad)) => println!("huber_loss {loss:.6} grad {:.6} {:.6} {:.6}", grad[0], grad[1], grad[2]),
        Err(e) => {
            eprintln!("unexpected error: {e}");
            std::process::exit(1);
        }
    }
    // Two calls the library refuses: an invalid parameter and an unknown loss.
    for (name, params) in [("huber_loss", -1.0), ("no_such_loss", 1.0)] {
        match mean_loss_and_grad(name, &[params], &input, &target) {
            Ok(_) => {
                eprintln!("{name} with {params} should have failed");
                std::process::exit(1);
            }
            Err(e) => println!("refused: {e}"),
        }
    }
}
