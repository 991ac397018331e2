//! `cargo dev deps` on small crates written for each case, and on this workspace.

use std::path::Path;

use gitops_ls_dev::deps::CrateGraph;

/// The loops of a crate given as lines `path below src/: the file's text` (one line a file).
fn loops_of(crate_files: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for line in crate_files
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        let (path, text) = line.split_once(": ").unwrap();
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let graph = CrateGraph::read(&dir.path().join("src/lib.rs")).unwrap();
    graph
        .loops()
        .into_iter()
        .map(|found| found.files.join(" "))
        .collect()
}

#[test]
fn two_files_that_use_each_other_are_a_loop() {
    let loops = loops_of(
        "lib.rs: mod a; mod b;
         a.rs: use crate::b::B; pub struct A(B);
         b.rs: pub struct B; pub fn make() -> super::a::A { todo!() }",
    );
    assert_eq!(loops, ["a.rs b.rs"]);
}

#[test]
fn a_path_in_code_counts_like_a_use() {
    let loops = loops_of(
        "lib.rs: mod a; mod b;
         a.rs: pub fn f() { crate::b::g() }
         b.rs: pub fn g() { crate::a::f() }",
    );
    assert_eq!(loops, ["a.rs b.rs"]);
}

/// mod.rs re-exports both children and `a` uses `b`'s item through it: `a` depends on `b`
/// only, and the facade is in no loop.
#[test]
fn a_re_export_leads_to_the_defining_file_not_the_facade() {
    let loops = loops_of(
        "lib.rs: pub mod m;
         m/mod.rs: mod a; mod b; pub use a::A; pub use b::B;
         m/a.rs: use super::B; pub struct A(B);
         m/b.rs: pub struct B;",
    );
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn a_glob_re_export_is_followed() {
    let loops = loops_of(
        "lib.rs: pub mod m; mod c;
         m/mod.rs: mod b; pub use b::*;
         m/b.rs: pub struct B; pub fn g() { crate::c::h() }
         c.rs: pub fn h() {} pub fn k() -> crate::m::B { crate::m::B }",
    );
    assert_eq!(loops, ["c.rs m/b.rs"]);
}

#[test]
fn a_parent_that_defines_what_its_children_use_and_lists_them_is_a_loop() {
    let loops = loops_of(
        "lib.rs: pub mod rules;
         rules/mod.rs: mod one; pub struct Rule; pub const RULES: [&Rule; 1] = [&one::RULE];
         rules/one.rs: use super::Rule; pub const RULE: Rule = Rule;",
    );
    assert_eq!(loops, ["rules/mod.rs rules/one.rs"]);
}

#[test]
fn with_the_shared_type_in_a_file_of_its_own_the_registry_is_no_loop() {
    let loops = loops_of(
        "lib.rs: pub mod rules;
         rules/mod.rs: mod one; mod rule; pub use rule::Rule; pub const RULES: [&Rule; 1] = [&one::RULE];
         rules/rule.rs: pub struct Rule;
         rules/one.rs: use super::Rule; pub const RULE: Rule = Rule;",
    );
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn methods_added_to_a_type_in_another_file_tie_the_two_files() {
    let loops = loops_of(
        "lib.rs: mod index; mod extra;
         index.rs: pub struct Index;
         extra.rs: use crate::index::Index; impl Index { pub fn more(&self) {} }",
    );
    assert_eq!(loops, ["extra.rs index.rs"]);
}

#[test]
fn a_trait_implemented_in_another_file_adds_no_methods_to_the_type() {
    let loops = loops_of(
        "lib.rs: mod index; mod extra;
         index.rs: pub struct Index;
         extra.rs: use crate::index::Index; impl Clone for Index { fn clone(&self) -> Self { Index } }",
    );
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn test_code_and_inline_test_modules_make_no_loop() {
    let loops = loops_of(
        "lib.rs: mod a; mod b;
         a.rs: pub fn f() {} #[cfg(test)] mod tests { use super::*; use crate::b::g; fn t() { f(); g(); } }
         b.rs: pub fn g() { crate::a::f() }",
    );
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn a_child_in_the_folder_of_a_flat_module_file_can_use_its_parent() {
    let loops = loops_of(
        "lib.rs: mod outer;
         outer.rs: mod inner; pub fn f() {}
         outer/inner.rs: pub fn g() { super::f() }",
    );
    assert!(loops.is_empty(), "{loops:?}");
}

#[test]
fn a_parent_that_calls_the_child_that_calls_it_is_a_loop() {
    let loops = loops_of(
        "lib.rs: mod outer;
         outer.rs: mod inner; pub fn f() { inner::g() }
         outer/inner.rs: pub fn g() { super::f() }",
    );
    assert_eq!(loops, ["outer.rs outer/inner.rs"]);
}

#[test]
fn every_crate_of_the_workspace_is_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let crates = gitops_ls_dev::deps::workspace_loops(&root).unwrap();
    assert_eq!(crates.len(), gitops_ls_dev::deps::CRATE_ROOTS.len());
}
