//! The `gnnrec` binary end to end: `gnnrec fold-in`.

mod common;
use common::*;

/// `gnnrec fold-in` trains without the held-out users, folds them in, and compares with the
/// model trained with them; a model without a native fold-in is refused with the reason.
#[test]
fn fold_in_compares_held_out_users_with_the_model_trained_with_them() {
    let r = json(&[
        "fold-in",
        "--model",
        "gfcf",
        "--set",
        "factors=32",
        "--json",
    ]);
    assert_eq!(r["model"], "gfcf");
    let held = r["held_out_users"].as_u64().unwrap();
    assert!(held > 20, "{r}");
    let (folded, trained) = (
        r["folded"][0].as_f64().unwrap(),
        r["trained_with"][0].as_f64().unwrap(),
    );
    assert!(folded > 0.05 && trained > 0.05, "{r}");
    // Held out of training, the users still get most of the accuracy (no leak: not equal).
    assert!(folded < trained * 1.2 && folded > trained * 0.5, "{r}");
    assert!(r["fold_in_ms"].as_f64().unwrap() > 0.0);
    let refused = gnnrec(&["fold-in", "--model", "gcn", "--set", "epochs=1"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not fold in"));
}
