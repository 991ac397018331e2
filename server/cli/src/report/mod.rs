//! Reports: findings mapped to the output formats of `check`. Every report is written
//! as it is produced, so none holds more than one finding's output at a time.

mod github;
mod human;
mod json;
mod sarif;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::{Serialize, Serializer};

use gitops_ls_analysis::gitops::workspace::normalize;
use gitops_ls_analysis::text::ColumnUnit;
use gitops_ls_analysis::Finding;

use crate::check::{FileResult, Outcome};
use crate::Format;

pub fn write(
    format: Format,
    outcome: &Outcome,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(outcome, color, out),
        Format::Json => json::write(outcome, out),
        Format::Sarif => sarif::write(outcome, out),
        Format::Github => github::write(outcome, out),
    }
}

/// Writes `value` as indented JSON and a final line break, straight to `out`.
fn write_json(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A JSON array whose elements are made one at a time while it is written.
struct Streamed<F>(F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// A 1-based line and column, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl FileResult {
    pub fn position(&self, offset: usize) -> Position {
        let pos = self
            .analysis
            .lines
            .position(&self.text, offset, ColumnUnit::Chars);
        Position {
            line: pos.line as usize + 1,
            column: pos.col as usize + 1,
        }
    }

    /// The path as the user wrote it, with `/` separators.
    pub fn display_path(&self) -> Cow<'_, str> {
        display_path(&self.path)
    }
}

/// A path as the user wrote it, with `/` separators.
pub fn display_path(path: &std::path::Path) -> Cow<'_, str> {
    match path.to_string_lossy() {
        Cow::Borrowed(text) if !text.contains('\\') => Cow::Borrowed(text),
        text => Cow::Owned(text.replace('\\', "/")),
    }
}

/// A related location of a finding, resolved to a checked file.
pub struct RelatedSpot<'a> {
    pub file: &'a FileResult,
    pub range: std::ops::Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: &'a str,
}

impl Outcome {
    /// The related locations of `finding` (reported in `file`) that point into files of
    /// this run; positions need the other file's text.
    pub fn related<'a>(
        &'a self,
        file: &'a FileResult,
        finding: &'a Finding,
    ) -> Vec<RelatedSpot<'a>> {
        finding
            .related
            .iter()
            .filter_map(|related| {
                let target = match &related.file {
                    None => file,
                    Some(path) => self
                        .files
                        .iter()
                        .find(|candidate| normalize(&candidate.path) == *path)?,
                };
                target.text.get(related.range.clone())?;
                Some(RelatedSpot {
                    file: target,
                    range: related.range.clone(),
                    start: target.position(related.range.start),
                    end: target.position(related.range.end),
                    message: &related.message,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! The reports are written as they are made: the memory a report holds while it is
    //! written stays small and does not grow with the number of findings.

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::path::PathBuf;

    use gitops_ls_analysis::{analyze, Config};

    use super::*;

    /// Counts the bytes allocated on the current thread (other tests run on theirs).
    struct Counting;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn track(change: isize) {
        let _ = LIVE.try_with(|live| {
            live.set(live.get() + change);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
        });
    }

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let pointer = unsafe { System.alloc(layout) };
            if !pointer.is_null() {
                track(layout.size() as isize);
            }
            pointer
        }

        unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
            unsafe { System.dealloc(pointer, layout) };
            track(-(layout.size() as isize));
        }
    }

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    /// Writes into nothing, counting the bytes.
    struct Counted(usize);

    impl Write for Counted {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// `deployments` Deployments with three findings each (two with fixes).
    fn outcome(deployments: usize) -> Outcome {
        let one = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n      - name: api\n        image: ghcr.io/acme/api:1\n        imagePullPolicy: always\n";
        let text = vec![one; deployments].join("---\n");
        let analysis = analyze(&text, &Config::default());
        assert_eq!(analysis.findings.len(), 3 * deployments);
        let file = FileResult {
            path: PathBuf::from("deploy.yaml"),
            text,
            analysis,
            fixes_applied: 0,
        };
        Outcome {
            files: vec![file],
            ..Outcome::default()
        }
    }

    /// The most memory held at once while writing, above what was held before, and the
    /// report's size.
    fn held_while_writing(format: Format, outcome: &Outcome) -> (isize, usize) {
        let mut out = Counted(0);
        let before = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(before));
        write(format, outcome, false, &mut out).unwrap();
        (PEAK.with(Cell::get) - before, out.0)
    }

    #[test]
    fn reports_hold_a_bounded_amount_of_memory_while_written() {
        let small = outcome(100);
        let large = outcome(2000);
        for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
            let (held_small, _) = held_while_writing(format, &small);
            let (held, written) = held_while_writing(format, &large);
            // Building the report first (a String, or a serde_json::Value per finding)
            // would hold at least what is written.
            assert!(written > 1_000_000, "{format:?}: {written} bytes");
            // SARIF holds its rule metadata (about 150 KB) as one value.
            assert!(
                held < 256 * 1024,
                "{format:?}: {held} bytes held for {written}"
            );
            assert!(
                held <= held_small + 1024,
                "{format:?}: {held} bytes held for 6000 findings, {held_small} for 300"
            );
        }
    }
}
