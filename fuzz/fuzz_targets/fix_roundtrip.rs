//! Any text: after every safe fix `analyze` offers, the text still parses, only the policy
//! entries changed, the fixed findings are gone and each container's effective policy is
//! the one its fix writes.
#![no_main]

use gitops_ls_analysis::invariants::check_safe_fixes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(problem) = check_safe_fixes(text) {
            panic!("{problem}");
        }
    }
});
