//! `--format github`: GitHub Actions workflow commands, which show up as
//! annotations on the pull request.

use std::io::{self, Write};

use gitops_ls_analysis::Severity;

use crate::check::Outcome;

/// Escaping of a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for file in &outcome.files {
        for finding in &file.analysis.findings {
            // Hints are for the editor: as pull-request annotations they would be one
            // notice per container (`implicit-pull-policy` is a hint by default).
            let level = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
                Severity::Hint | Severity::Off => continue,
            };
            let start = file.position(finding.range.start);
            let end = file.position(finding.range.end);
            writeln!(
                out,
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&file.display_path()),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(&format!("gitops-ls {}", finding.rule)),
                escape_data(&finding.message)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
