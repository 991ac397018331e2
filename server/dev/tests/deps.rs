//! `cargo dev deps` on small crates written for each case, and on this workspace.

use std::path::Path;

use gitops_ls_dev::deps::CrateGraph;

/// Writes `files` (path below `src/`, text) and returns the loops of the crate.
fn loops_of(files: &[(&str, &str)]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let graph = CrateGraph::read(&dir.path().join("src/lib.rs")).unwrap();
    graph.loops().into_iter().map(|found| found.files).collect()
}

#[test]
fn two_files_that_use_each_other_are_a_loop() {
    let loops = loops_of(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A(B);\n"),
        (
            "b.rs",
            "pub struct B;\npub fn make() -> super::a::A { todo!() }\n",
        ),
    ]);
    assert_eq!(loops, vec![vec!["a.rs".to_string(), "b.rs".to_string()]]);
}

#[test]
fn a_path_in_code_counts_like_a_use() {
    let loops = loops_of(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "pub fn f() { crate::b::g() }\n"),
        ("b.rs", "pub fn g() { crate::a::f() }\n"),
    ]);
    assert_eq!(loops.len(), 1);
}

#[test]
fn a_re_export_leads_to_the_defining_file_not_the_facade() {
    // mod.rs re-exports b's item and a uses it through the facade: a depends on b only,
    // and b's use of the parent's other child makes no loop through mod.rs.
    let loops = loops_of(&[
        ("lib.rs", "pub mod m;\n"),
        ("m/mod.rs", "mod a;\nmod b;\npub use a::A;\npub use b::B;\n"),
        ("m/a.rs", "use super::B;\npub struct A(B);\n"),
        ("m/b.rs", "pub struct B;\n"),
    ]);
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn a_glob_re_export_is_followed() {
    let loops = loops_of(&[
        ("lib.rs", "pub mod m;\nmod c;\n"),
        ("m/mod.rs", "mod b;\npub use b::*;\n"),
        ("m/b.rs", "pub struct B;\npub fn g() { crate::c::h() }\n"),
        (
            "c.rs",
            "pub fn h() {}\npub fn k() -> crate::m::B { crate::m::B }\n",
        ),
    ]);
    assert_eq!(loops, vec![vec!["c.rs".to_string(), "m/b.rs".to_string()]]);
}

#[test]
fn a_parent_that_defines_what_its_children_use_and_lists_them_is_a_loop() {
    let loops = loops_of(&[
        ("lib.rs", "pub mod rules;\n"),
        (
            "rules/mod.rs",
            "mod one;\npub struct Rule;\npub const RULES: [&Rule; 1] = [&one::RULE];\n",
        ),
        (
            "rules/one.rs",
            "use super::Rule;\npub const RULE: Rule = Rule;\n",
        ),
    ]);
    assert_eq!(loops.len(), 1);
    // With the type in a file of its own, data flows one way.
    let loops = loops_of(&[
        ("lib.rs", "pub mod rules;\n"),
        (
            "rules/mod.rs",
            "mod one;\nmod rule;\npub use rule::Rule;\npub const RULES: [&Rule; 1] = [&one::RULE];\n",
        ),
        ("rules/rule.rs", "pub struct Rule;\n"),
        ("rules/one.rs", "use super::Rule;\npub const RULE: Rule = Rule;\n"),
    ]);
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn methods_added_to_a_type_in_another_file_tie_the_two_files() {
    let loops = loops_of(&[
        ("lib.rs", "mod index;\nmod extra;\n"),
        ("index.rs", "pub struct Index;\n"),
        (
            "extra.rs",
            "use crate::index::Index;\nimpl Index { pub fn more(&self) {} }\n",
        ),
    ]);
    assert_eq!(
        loops,
        vec![vec!["extra.rs".to_string(), "index.rs".to_string()]]
    );
    // A trait implemented elsewhere adds no methods to the type's own file.
    let loops = loops_of(&[
        ("lib.rs", "mod index;\nmod extra;\n"),
        ("index.rs", "pub struct Index;\n"),
        ("extra.rs", "use crate::index::Index;\nimpl Clone for Index { fn clone(&self) -> Self { Index } }\n"),
    ]);
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn test_code_and_inline_test_modules_make_no_loop() {
    let loops = loops_of(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        (
            "a.rs",
            "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::b::g;\n    #[test]\n    fn t() { f(); g(); }\n}\n",
        ),
        ("b.rs", "pub fn g() { crate::a::f() }\n"),
    ]);
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn files_in_a_subfolder_of_a_flat_module_file_are_found() {
    let loops = loops_of(&[
        ("lib.rs", "mod outer;\n"),
        ("outer.rs", "mod inner;\npub fn f() {}\n"),
        ("outer/inner.rs", "pub fn g() { super::f() }\n"),
    ]);
    assert!(loops.is_empty(), "{loops:?}");
    let loops = loops_of(&[
        ("lib.rs", "mod outer;\n"),
        ("outer.rs", "mod inner;\npub fn f() { inner::g() }\n"),
        ("outer/inner.rs", "pub fn g() { super::f() }\n"),
    ]);
    assert_eq!(
        loops,
        vec![vec!["outer.rs".to_string(), "outer/inner.rs".to_string()]]
    );
}

#[test]
fn every_crate_of_the_workspace_is_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let crates = gitops_ls_dev::deps::workspace_loops(&root).unwrap();
    assert_eq!(crates.len(), gitops_ls_dev::deps::CRATE_ROOTS.len());
}
