//! The README's table of what every model can do is the registry's own
//! ([`gnnrec_models::registry::capability_table`]): a model added, or a capability changed,
//! without the table updated fails here, with the table to paste.

#[test]
fn the_readme_holds_the_registrys_capability_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let table = gnnrec_models::registry::capability_table();
    assert!(
        readme.contains(&table),
        "README.md's models table differs from the models' declarations; paste this:\n\n{table}"
    );
}
