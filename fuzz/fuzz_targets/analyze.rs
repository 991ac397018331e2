//! Any text: `analyze` never panics, and every range it reports lies within the text on
//! character boundaries.
#![no_main]

use gitops_ls_analysis::invariants::check_analysis;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files that are not UTF-8 are reported before any analysis.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(problem) = check_analysis(text) {
            panic!("{problem}");
        }
    }
});
