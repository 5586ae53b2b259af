//! Why a kernel call or a weight packing was refused; converts into [`crate::Error`] (`COMPUTE`).

/// A kernel's rejection of its arguments, with the numbers that did not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KernelError {
    /// Buffer `what` of `op` holds `got` values; the shapes ask for the product of `dims`,
    /// named by `rule` (e.g. `"m*k"` with dims `[m, k]`).
    #[error("{op}: `{what}` has {got} values, expected {}", expected(rule, dims))]
    Len {
        op: &'static str,
        what: &'static str,
        got: usize,
        rule: &'static str,
        dims: Vec<usize>,
    },

    /// A size computed from the shapes does not fit in `usize`.
    #[error("{op}: {what} overflows usize")]
    Overflow {
        op: &'static str,
        what: &'static str,
    },

    #[error("{op}: weights must be non-empty, got n={n} k={k}")]
    Empty {
        op: &'static str,
        n: usize,
        k: usize,
    },

    #[error("{op}: block {block} does not divide k={k}")]
    BlockDivide {
        op: &'static str,
        block: usize,
        k: usize,
    },

    #[error("pack: block {block} exceeds {max} (int32 sums could overflow)")]
    BlockTooLarge { block: usize, max: usize },

    #[error("pack: scale {index} is not finite ({value})")]
    NonFiniteScale { index: usize, value: f32 },

    #[error("{op}: row {row} has a non-finite value")]
    NonFiniteInput { op: &'static str, row: usize },

    #[error("{op}: activation {value} at index {index} is outside -{max}..={max}")]
    ActivationRange {
        op: &'static str,
        value: i16,
        index: usize,
        max: i16,
    },

    /// The weights were packed for another kernel's layout ([`super::PackedWeights::set_layout_for`]).
    #[error("{op}: weights are packed for avx512-vnni-u8, not for kernel {kernel}")]
    Layout {
        op: &'static str,
        kernel: &'static str,
    },

    #[error("{op}: kernel {kernel} is not available in this build")]
    Unavailable {
        op: &'static str,
        kernel: &'static str,
    },
}

/// `"m*k = 2*3 = 6"`, or `"n = 4"` for a single dimension.
fn expected(rule: &str, dims: &[usize]) -> String {
    let total = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let total = total.map_or_else(|| "(overflow)".to_string(), |t| t.to_string());
    if dims.len() == 1 {
        return format!("{rule} = {total}");
    }
    let factors: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("{rule} = {} = {total}", factors.join("*"))
}

/// Checks that buffer `what` of `op` holds the product of `dims` values (an overflowing product
/// fails too).
pub(crate) fn check_len(
    op: &'static str,
    what: &'static str,
    got: usize,
    rule: &'static str,
    dims: &[usize],
) -> Result<(), KernelError> {
    let want = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if want == Some(got) {
        return Ok(());
    }
    Err(KernelError::Len {
        op,
        what,
        got,
        rule,
        dims: dims.to_vec(),
    })
}

/// `a * b`, or [`KernelError::Overflow`] naming the product.
pub(crate) fn mul(
    op: &'static str,
    what: &'static str,
    a: usize,
    b: usize,
) -> Result<usize, KernelError> {
    a.checked_mul(b).ok_or(KernelError::Overflow { op, what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_numbers() {
        let e = check_len("qgemm", "y", 5, "m*n", &[2, 4]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "qgemm: `y` has 5 values, expected m*n = 2*4 = 8"
        );
        let e = check_len("qgemm", "bias", 2, "n", &[4]).unwrap_err();
        assert_eq!(e.to_string(), "qgemm: `bias` has 2 values, expected n = 4");
        let e = check_len("pack", "q", 8, "n*k", &[usize::MAX, 2]).unwrap_err();
        assert!(e.to_string().ends_with("= (overflow)"), "{e}");
        assert!(check_len("pack", "q", 0, "n*k", &[0, 3]).is_ok());
    }
}
