//! Compile-fail tests: each mistake in a derived model gives a clear error at
//! the offending code. The expected messages are the `.stderr` files next to
//! the cases in `tests/ui/`; regenerate them with `TRYBUILD=overwrite`.

#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
