//! Any kustomization, manifest, Argo CD Application, values and template texts (one input
//! split into the files of `GITOPS_LAYOUT`): the workspace index, the cross-file findings
//! and the Helm values findings never panic and report ranges within their files.
#![no_main]

use gitops_ls_analysis::invariants::check_gitops;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = std::str::from_utf8(data) {
        if let Err(problem) = check_gitops(input) {
            panic!("{problem}");
        }
    }
});
