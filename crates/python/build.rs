//! No build step: this script exists so that `[build-dependencies]` (feature unification
//! of the proc-macros' `syn` with the workspace's test build; see Cargo.toml) take effect.
fn main() {}
