//! Analysis of one document version, off the async runtime.
//!
//! A file is split into its YAML documents ("chunks") and each one is
//! analysed on its own. After an edit only the chunks whose text changed are
//! analysed again; the others keep their results (the analysis of one YAML
//! document never depends on another). Offsets and positions inside a chunk
//! are local to it: a chunk starts at the beginning of a line, so a position
//! in the file is the chunk's first line plus the local position.
//!
//! What every request needs is kept per chunk: line starts, findings (with
//! their fixes), diagnostics, and the YAML tree with the container facts, from
//! which hovers, completion, inlay hints, symbols and ignore comments are
//! read. No request analyses a document again, whatever the size of the file.

use std::ops::Range as TextRange;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use gitops_ls_analysis::gitops::{self, BaseChange, EffectiveImage, MergedContainer, OverlayChain};
use gitops_ls_analysis::text::{LineIndex, TextRange as AnalysisRange};
use gitops_ls_analysis::yaml::{mask_template_actions, split_documents, YamlFile};
use gitops_ls_analysis::{analyze, Analysis, Finding, Fix, MAX_FILE_BYTES};
use ropey::Rope;
use serde::ser::{Serialize, SerializeSeq, Serializer};
use tower_lsp::lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, InlayHint, Position, Range, Url,
};

use crate::config::{validate_config_text, ResolvedConfig};
use crate::diagnostics::{chunk_diagnostics, plain_diagnostic};
use crate::encoding::{from_lsp, to_lsp, PositionConverter, PositionEncoding};
use crate::panic_guard::{panic_message, test_panic_marker};

/// Files with more bytes than this are analysed on several threads.
const PARALLEL_THRESHOLD: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A manifest, analysed.
    Manifest,
    /// Excluded by the configuration: nothing is reported.
    Excluded,
    /// A `.gitops-ls.yaml`: checked as configuration.
    ConfigFile,
    /// Larger than the analysis accepts.
    TooLarge,
    /// The analysis failed (an internal error).
    Failed,
}

/// What to analyse.
pub struct Job {
    pub rope: Rope,
    pub version: i32,
    pub revision: u64,
    pub encoding: PositionEncoding,
    pub config: Arc<ResolvedConfig>,
    pub kind: DocKind,
    pub previous: Option<Arc<DocAnalysis>>,
    /// The document, for related locations in the same file.
    pub uri: Option<Url>,
}

/// The results of one chunk, positions local to it.
pub struct ChunkData {
    pub lines: LineIndex,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// The analysis (tree and containers; empty when it panicked). Its
    /// `findings` and `lines` were moved out into the fields above.
    tree: Arc<Analysis>,
}

/// One YAML document of the file.
pub struct Chunk {
    /// Byte range in the file.
    pub range: TextRange<usize>,
    /// Zero-based line of the file where the chunk starts.
    pub start_line: u32,
    pub data: Arc<ChunkData>,
}

/// The analysis of one version of a document.
pub struct DocAnalysis {
    pub version: i32,
    pub revision: u64,
    pub text: Arc<str>,
    pub encoding: PositionEncoding,
    pub config: Arc<ResolvedConfig>,
    pub kind: DocKind,
    pub chunks: Vec<Chunk>,
    /// Diagnostics that belong to no chunk (a notice, a config error).
    pub extra_diagnostics: Vec<Diagnostic>,
    /// What the workspace index adds (once it is built and the file takes part in it).
    pub gitops: Option<GitopsLayer>,
    /// How many chunks were taken over from the previous analysis.
    pub reused: usize,
}

/// The GitOps part of one document's analysis, positions in the whole document.
#[derive(Debug, Default)]
pub struct GitopsLayer {
    /// Ranges in the whole document; their fixes are offered as code actions.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// Containers whose default pull policy some build changes: their "insert the default"
    /// fix is not safe.
    pub changes: Vec<BaseChange>,
    pub hints: Vec<InlayHint>,
    /// The directory of the kustomization that lists this file as a patch: its default
    /// pull-policy fixes are not safe.
    pub patch_of: Option<String>,
    /// In a patch file, the containers merged into one that sets a pull policy: their
    /// `implicit-pull-policy` findings (and policy hints) are set aside.
    pub merged: Vec<MergedContainer>,
    /// What each kustomize build that includes this manifest deploys (not for chart
    /// templates): the hover's Kustomize section reads it instead of going over the file again.
    pub deployed: Option<DeployedImages>,
}

/// The builds that include a manifest, and the image each one deploys per container.
#[derive(Debug, Default)]
pub struct DeployedImages {
    pub chains: Vec<OverlayChain>,
    pub images: Vec<EffectiveImage>,
}

impl GitopsLayer {
    /// The change that makes the fix of `finding` unsafe, if any.
    pub fn overlay_change_for(&self, finding: &Finding) -> Option<&BaseChange> {
        gitops::overlay_change_for(finding, &self.changes)
    }
}

impl DocAnalysis {
    pub fn chunk_text(&self, chunk: &Chunk) -> &str {
        &self.text[chunk.range.clone()]
    }

    /// The chunk holding a byte offset (the last one for the end of the text).
    pub fn chunk_at_offset(&self, offset: usize) -> Option<&Chunk> {
        let index = self
            .chunks
            .partition_point(|chunk| chunk.range.start <= offset);
        self.chunks.get(index.checked_sub(1)?)
    }

    fn chunk_at_line(&self, line: u32) -> Option<&Chunk> {
        let index = self
            .chunks
            .partition_point(|chunk| chunk.start_line <= line);
        self.chunks.get(index.checked_sub(1)?)
    }

    /// The byte offset of an LSP position, clamped to the text.
    pub fn offset_at(&self, pos: Position) -> usize {
        let unit = self.encoding.unit();
        match self.chunk_at_line(pos.line) {
            Some(chunk) => {
                let local = from_lsp(Position::new(pos.line - chunk.start_line, pos.character));
                let text = self.chunk_text(chunk);
                chunk.range.start + chunk.data.lines.offset(text, local, unit)
            }
            None => LineIndex::new(&self.text).offset(&self.text, from_lsp(pos), unit),
        }
    }

    /// The LSP position of a byte offset, clamped to the text.
    pub fn position_at(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        match self.chunk_at_offset(offset) {
            Some(chunk) => {
                let local = offset - chunk.range.start;
                let text = self.chunk_text(chunk);
                let pos = chunk.data.lines.position(text, local, self.encoding.unit());
                Position::new(pos.line + chunk.start_line, pos.col)
            }
            None => {
                let lines = LineIndex::new(&self.text);
                to_lsp(lines.position(&self.text, offset, self.encoding.unit()))
            }
        }
    }

    /// The LSP range of a byte range local to `chunk`.
    pub fn local_range(&self, chunk: &Chunk, range: &TextRange<usize>) -> Range {
        self.positions(chunk).range(range)
    }

    /// Converts many ranges of one chunk (cheaply when they come in order).
    pub fn positions<'a>(&'a self, chunk: &'a Chunk) -> ChunkPositions<'a> {
        ChunkPositions {
            converter: PositionConverter::new(
                self.chunk_text(chunk),
                &chunk.data.lines,
                self.encoding,
            ),
            start_line: chunk.start_line,
        }
    }

    /// The chunks that overlap an LSP range.
    pub fn chunks_in(&self, range: Range) -> impl Iterator<Item = &Chunk> {
        let start = self.offset_at(range.start);
        let end = self.offset_at(range.end).max(start);
        self.chunks
            .iter()
            .filter(move |chunk| chunk.range.start <= end && start <= chunk.range.end)
    }

    /// The analysis of a chunk with its tree and containers. Its `findings`
    /// and `lines` are empty: use the chunk's.
    pub fn tree(&self, chunk: &Chunk) -> Arc<Analysis> {
        chunk.data.tree.clone()
    }

    /// Every diagnostic, in file positions (tests; publishing serializes
    /// [`PublishedDiagnostics`] without building this list).
    /// The diagnostics of the index layer (none before it is computed).
    pub fn gitops_diagnostics(&self) -> &[Diagnostic] {
        self.gitops
            .as_ref()
            .map_or(&[], |layer| layer.diagnostics.as_slice())
    }

    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.extra_diagnostics.clone();
        out.extend_from_slice(self.gitops_diagnostics());
        for chunk in &self.chunks {
            for diagnostic in self.chunk_diagnostics(chunk) {
                out.push(shifted_diagnostic(diagnostic, chunk.start_line));
            }
        }
        out
    }

    /// The findings of a chunk that the index layer does not set aside (an
    /// `implicit-pull-policy` of a patch container merged into one with a policy).
    pub fn chunk_findings<'a>(&'a self, chunk: &'a Chunk) -> impl Iterator<Item = &'a Finding> {
        chunk
            .data
            .findings
            .iter()
            .filter(move |finding| !self.is_moot(finding))
    }

    /// The diagnostics of a chunk's [`Self::chunk_findings`], positions local to the chunk.
    pub fn chunk_diagnostics<'a>(
        &'a self,
        chunk: &'a Chunk,
    ) -> impl Iterator<Item = &'a Diagnostic> {
        // One diagnostic per finding, in order.
        let data = &chunk.data;
        let paired = data.findings.len() == data.diagnostics.len();
        data.diagnostics
            .iter()
            .enumerate()
            .filter(move |(index, _)| !(paired && self.is_moot(&data.findings[*index])))
            .map(|(_, diagnostic)| diagnostic)
    }

    fn is_moot(&self, finding: &Finding) -> bool {
        self.gitops
            .as_ref()
            .is_some_and(|layer| gitops::moot_in_patch_file(finding, &layer.merged))
    }

    /// Whether publishing `other` would tell the client nothing new: the same version, the
    /// same chunk results (shared, not recomputed) and the same extra diagnostics.
    pub fn publishes_same(&self, other: &DocAnalysis) -> bool {
        self.version == other.version
            && self.chunks.len() == other.chunks.len()
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| a.start_line == b.start_line && Arc::ptr_eq(&a.data, &b.data))
            && self.extra_diagnostics == other.extra_diagnostics
            && self.gitops_diagnostics() == other.gitops_diagnostics()
            && self.gitops.as_ref().map(|layer| &layer.merged)
                == other.gitops.as_ref().map(|layer| &layer.merged)
    }

    pub fn diagnostic_count(&self) -> usize {
        self.extra_diagnostics.len()
            + self.gitops_diagnostics().len()
            + self
                .chunks
                .iter()
                .map(|chunk| self.chunk_diagnostics(chunk).count())
                .sum::<usize>()
    }
}

impl DocAnalysis {
    /// Whether `fix` of `finding` can be applied unreviewed (fix-all, the preferred quick
    /// fix): safe on its own, and not pinning a default that an overlay changes.
    pub fn fix_is_safe(&self, finding: &Finding, fix: &Fix) -> bool {
        fix.safe && self.overlay_change(finding).is_none() && self.patch_of(finding).is_none()
    }

    /// The title of `fix`, saying which build it changes when an overlay makes it unsafe,
    /// or which kustomization merges this patch file.
    pub fn fix_title(&self, finding: &Finding, fix: &Fix) -> String {
        if !fix.safe {
            return fix.title.clone();
        }
        if let Some(change) = self.overlay_change(finding) {
            return gitops::demoted_fix_title(&fix.title, change);
        }
        match self.patch_of(finding) {
            Some(dir) => gitops::patch_file_fix_title(&fix.title, dir),
            None => fix.title.clone(),
        }
    }

    fn patch_of(&self, finding: &Finding) -> Option<&str> {
        let dir = self.gitops.as_ref()?.patch_of.as_deref()?;
        gitops::unsafe_in_patch_file(finding).then_some(dir)
    }

    fn overlay_change(&self, finding: &Finding) -> Option<&BaseChange> {
        self.gitops.as_ref()?.overlay_change_for(finding)
    }
}

impl DocAnalysis {
    /// The layer's findings that start in `chunk`, with ranges (and fix edits) made local
    /// to it like the chunk's own findings, for the code actions.
    pub fn layer_findings_in(&self, chunk: &Chunk) -> Vec<Finding> {
        let Some(layer) = &self.gitops else {
            return Vec::new();
        };
        let start = chunk.range.start;
        let local = |range: &AnalysisRange| range.start - start..range.end.max(range.start) - start;
        layer
            .findings
            .iter()
            .filter(|finding| {
                chunk.range.contains(&finding.range.start)
                    && finding.range.end <= chunk.range.end
                    && finding.fixes.iter().all(|fix| {
                        fix.edits.iter().all(|edit| {
                            edit.range.start >= start && edit.range.end <= chunk.range.end
                        })
                    })
            })
            .map(|finding| {
                let mut finding = finding.clone();
                finding.range = local(&finding.range);
                for edit in finding
                    .fixes
                    .iter_mut()
                    .flat_map(|fix| fix.edits.iter_mut())
                {
                    edit.range = local(&edit.range);
                }
                // Related locations are not used by code actions.
                finding.related.clear();
                finding
            })
            .collect()
    }
}

/// Byte ranges of a chunk → LSP ranges in the file.
pub struct ChunkPositions<'a> {
    converter: PositionConverter<'a>,
    start_line: u32,
}

impl ChunkPositions<'_> {
    pub fn range(&mut self, range: &TextRange<usize>) -> Range {
        shift_range(self.converter.range(range), self.start_line)
    }
}

pub fn shift_range(range: Range, by: u32) -> Range {
    Range::new(
        Position::new(range.start.line + by, range.start.character),
        Position::new(range.end.line + by, range.end.character),
    )
}

fn shifted_diagnostic(diagnostic: &Diagnostic, by: u32) -> Diagnostic {
    let mut diagnostic = diagnostic.clone();
    diagnostic.range = shift_range(diagnostic.range, by);
    diagnostic.related_information = shifted_related(diagnostic.related_information.as_deref(), by);
    diagnostic
}

/// The related locations of a chunk's diagnostic are in the same chunk: they move with it.
fn shifted_related(
    related: Option<&[DiagnosticRelatedInformation]>,
    by: u32,
) -> Option<Vec<DiagnosticRelatedInformation>> {
    related.map(|related| {
        related
            .iter()
            .map(|info| {
                let mut info = info.clone();
                info.location.range = shift_range(info.location.range, by);
                info
            })
            .collect()
    })
}

/// The diagnostics of an analysis as a JSON array, serialized straight from
/// the chunks (no copy of the whole list is built).
pub struct PublishedDiagnostics<'a>(pub &'a DocAnalysis);

impl Serialize for PublishedDiagnostics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let analysis = self.0;
        let mut seq = serializer.serialize_seq(Some(analysis.diagnostic_count()))?;
        for diagnostic in analysis
            .extra_diagnostics
            .iter()
            .chain(analysis.gitops_diagnostics())
        {
            seq.serialize_element(diagnostic)?;
        }
        for chunk in &analysis.chunks {
            for diagnostic in analysis.chunk_diagnostics(chunk) {
                seq.serialize_element(&Shifted(diagnostic, chunk.start_line))?;
            }
        }
        seq.end()
    }
}

/// A diagnostic moved down by some lines, serialized like `Diagnostic`.
struct Shifted<'a>(&'a Diagnostic, u32);

impl Serialize for Shifted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let d = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("range", &shift_range(d.range, self.1))?;
        if let Some(severity) = &d.severity {
            map.serialize_entry("severity", severity)?;
        }
        if let Some(code) = &d.code {
            map.serialize_entry("code", code)?;
        }
        if let Some(description) = &d.code_description {
            map.serialize_entry("codeDescription", description)?;
        }
        if let Some(source) = &d.source {
            map.serialize_entry("source", source)?;
        }
        map.serialize_entry("message", &d.message)?;
        if let Some(related) = shifted_related(d.related_information.as_deref(), self.1) {
            map.serialize_entry("relatedInformation", &related)?;
        }
        if let Some(tags) = &d.tags {
            map.serialize_entry("tags", tags)?;
        }
        if let Some(data) = &d.data {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

/// The params of `textDocument/publishDiagnostics`, serializing the
/// diagnostics straight from the analysis.
pub struct PublishParams {
    pub uri: Url,
    pub version: Option<i32>,
    pub analysis: Option<Arc<DocAnalysis>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl serde::Serialize for PublishParams {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("uri", &self.uri)?;
        if let Some(version) = self.version {
            map.serialize_entry("version", &version)?;
        }
        match &self.analysis {
            Some(analysis) => {
                map.serialize_entry("diagnostics", &PublishedDiagnostics(analysis))?
            }
            None => map.serialize_entry("diagnostics", &self.diagnostics)?,
        }
        map.end()
    }
}

/// How much analysis the process has done (the `gitops-ls/stats` request): requests on a
/// version reuse its analysis, so only new versions add to these.
pub struct Counters {
    /// Document versions analysed ([`run`]).
    pub analyses: AtomicU64,
    /// YAML documents analysed.
    pub yaml_documents: AtomicU64,
    /// Whole-file passes that work out what the kustomize builds deploy.
    pub gitops_passes: AtomicU64,
}

pub static COUNTERS: Counters = Counters {
    analyses: AtomicU64::new(0),
    yaml_documents: AtomicU64::new(0),
    gitops_passes: AtomicU64::new(0),
};

/// Runs a job: the whole analysis of one document version.
pub fn run(job: Job) -> DocAnalysis {
    COUNTERS.analyses.fetch_add(1, Ordering::Relaxed);
    let text: Arc<str> = Arc::from(job.rope.to_string());
    let mut result = DocAnalysis {
        version: job.version,
        revision: job.revision,
        text: text.clone(),
        encoding: job.encoding,
        config: job.config.clone(),
        kind: job.kind,
        chunks: Vec::new(),
        extra_diagnostics: Vec::new(),
        gitops: None,
        reused: 0,
    };
    match job.kind {
        DocKind::Excluded | DocKind::TooLarge | DocKind::Failed => {}
        DocKind::ConfigFile => {
            result.extra_diagnostics = validate_config_text(&text, job.encoding);
        }
        DocKind::Manifest if text.len() > MAX_FILE_BYTES => {
            result.kind = DocKind::TooLarge;
            result.extra_diagnostics.push(plain_diagnostic(
                Range::default(),
                DiagnosticSeverity::INFORMATION,
                format!(
                    "gitops-ls: not analysed: the file is {} MiB, larger than the {} MiB limit",
                    text.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        DocKind::Manifest => {
            let previous = job
                .previous
                .as_deref()
                .filter(|prev| prev.kind == DocKind::Manifest)
                .filter(|prev| prev.config.id == job.config.id && prev.encoding == job.encoding);
            let (chunks, reused) =
                analyze_chunks(&text, previous, &job.config, job.encoding, job.uri.as_ref());
            result.chunks = chunks;
            result.reused = reused;
        }
    }
    result
}

/// What is known of a version whose analysis failed: one diagnostic.
pub fn failed(
    version: i32,
    revision: u64,
    encoding: PositionEncoding,
    config: Arc<ResolvedConfig>,
    message: &str,
) -> DocAnalysis {
    DocAnalysis {
        version,
        revision,
        text: Arc::from(""),
        encoding,
        config,
        kind: DocKind::Failed,
        chunks: Vec::new(),
        extra_diagnostics: vec![plain_diagnostic(
            Range::default(),
            DiagnosticSeverity::ERROR,
            format!("gitops-ls could not analyse this file (internal error: {message})"),
        )],
        reused: 0,
        gitops: None,
    }
}

/// Byte ranges of the YAML documents of `text`: contiguous, covering it all,
/// exactly as the analysis splits it (on the masked text, so a `---` inside
/// a template action does not start a document).
pub fn split(text: &str) -> Vec<TextRange<usize>> {
    let ranges = split_documents(&mask_template_actions(text).text);
    let contiguous = ranges.first().is_some_and(|r| r.start == 0)
        && ranges.last().is_some_and(|r| r.end == text.len())
        && ranges.windows(2).all(|w| w[0].end == w[1].start);
    if contiguous {
        ranges
    } else {
        std::iter::once(0..text.len()).collect()
    }
}

fn analyze_chunks(
    text: &str,
    previous: Option<&DocAnalysis>,
    config: &ResolvedConfig,
    encoding: PositionEncoding,
    uri: Option<&Url>,
) -> (Vec<Chunk>, usize) {
    let ranges = split(text);
    let mut slots: Vec<Option<Arc<ChunkData>>> = vec![None; ranges.len()];
    let mut reused = 0;
    if let Some(prev) = previous {
        let same = |new: &TextRange<usize>, old: &Chunk| {
            new.len() == old.range.len() && text[new.clone()] == prev.text[old.range.clone()]
        };
        // Unchanged documents before and after the edited ones.
        let mut head = 0;
        while head < ranges.len()
            && head < prev.chunks.len()
            && same(&ranges[head], &prev.chunks[head])
        {
            slots[head] = Some(prev.chunks[head].data.clone());
            head += 1;
        }
        let mut tail = 0;
        while tail < ranges.len() - head
            && tail < prev.chunks.len() - head
            && same(
                &ranges[ranges.len() - 1 - tail],
                &prev.chunks[prev.chunks.len() - 1 - tail],
            )
        {
            let old = &prev.chunks[prev.chunks.len() - 1 - tail];
            slots[ranges.len() - 1 - tail] = Some(old.data.clone());
            tail += 1;
        }
        reused = head + tail;
    }

    let todo: Vec<usize> = (0..ranges.len()).filter(|&i| slots[i].is_none()).collect();
    let todo_bytes: usize = todo.iter().map(|&i| ranges[i].len()).sum();
    let threads = if todo_bytes >= PARALLEL_THRESHOLD {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4)
    } else {
        1
    };
    let work = |indices: &[usize]| -> Vec<(usize, Arc<ChunkData>)> {
        indices
            .iter()
            .map(|&i| {
                let chunk_text = &text[ranges[i].clone()];
                (i, Arc::new(analyze_one(chunk_text, config, encoding, uri)))
            })
            .collect()
    };
    let done: Vec<_> = if threads <= 1 || todo.len() < 2 {
        work(&todo)
    } else {
        // Parts of about equal size in bytes, one per thread.
        let per_thread = todo_bytes.div_ceil(threads);
        let mut parts: Vec<&[usize]> = Vec::new();
        let mut start = 0;
        let mut bytes = 0;
        for (k, &i) in todo.iter().enumerate() {
            bytes += ranges[i].len();
            if bytes >= per_thread {
                parts.push(&todo[start..=k]);
                start = k + 1;
                bytes = 0;
            }
        }
        if start < todo.len() {
            parts.push(&todo[start..]);
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .skip(1)
                .map(|part| scope.spawn(|| work(part)))
                .collect();
            let mut done = work(parts[0]);
            for handle in handles {
                // `analyze_one` catches panics, so a join cannot fail.
                done.extend(handle.join().unwrap_or_default());
            }
            done
        })
    };
    for (i, data) in done {
        slots[i] = Some(data);
    }

    let mut chunks = Vec::with_capacity(ranges.len());
    let mut line = 0u32;
    for (range, slot) in ranges.into_iter().zip(slots) {
        let data = slot.unwrap_or_else(|| {
            // Unreachable: every slot was filled above.
            Arc::new(analyze_one(&text[range.clone()], config, encoding, uri))
        });
        let lines_in_chunk = data.lines.line_count() as u32 - 1;
        chunks.push(Chunk {
            range,
            start_line: line,
            data,
        });
        line += lines_in_chunk;
    }
    (chunks, reused)
}

fn empty_analysis() -> Analysis {
    Analysis {
        findings: Vec::new(),
        containers: Vec::new(),
        file: YamlFile {
            documents: Vec::new(),
            template_action_lines: Vec::new(),
            has_template_actions: false,
        },
        lines: LineIndex::new(""),
        skipped: None,
    }
}

/// Analyses one chunk. A panic in the analysis is caught: the chunk then
/// reports a single diagnostic and the rest of the file is unaffected.
fn analyze_one(
    text: &str,
    config: &ResolvedConfig,
    encoding: PositionEncoding,
    uri: Option<&Url>,
) -> ChunkData {
    COUNTERS.yaml_documents.fetch_add(1, Ordering::Relaxed);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if let Some(marker) = test_panic_marker() {
            if text.contains(marker) {
                panic!("test panic: the document contains {marker:?}");
            }
        }
        let mut analysis = analyze(text, &config.config);
        let lines = std::mem::replace(&mut analysis.lines, LineIndex::new(""));
        let findings = std::mem::take(&mut analysis.findings);
        let docs_url = config.docs_url.as_deref();
        let diagnostics = chunk_diagnostics(text, &lines, &findings, encoding, docs_url, uri);
        ChunkData {
            lines,
            findings,
            diagnostics,
            tree: Arc::new(analysis),
        }
    }));
    outcome.unwrap_or_else(|panic| {
        let what = panic_message(&panic);
        eprintln!("gitops-ls: the analysis of a YAML document panicked: {what}");
        let diagnostic = plain_diagnostic(
            Range::default(),
            DiagnosticSeverity::ERROR,
            format!("gitops-ls could not analyse this YAML document (internal error: {what})"),
        );
        ChunkData {
            lines: LineIndex::new(text),
            findings: Vec::new(),
            diagnostics: vec![diagnostic],
            tree: Arc::new(empty_analysis()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitops_ls_analysis::Config;
    use tower_lsp::lsp_types::NumberOrString;

    fn resolved(id: u64) -> Arc<ResolvedConfig> {
        Arc::new(ResolvedConfig {
            id,
            config: Config::default(),
            docs_url: None,
            root: None,
        })
    }

    fn job(text: &str, previous: Option<Arc<DocAnalysis>>) -> Job {
        Job {
            rope: Rope::from_str(text),
            version: 1,
            revision: 1,
            encoding: PositionEncoding::Utf16,
            config: resolved(1),
            kind: DocKind::Manifest,
            previous,
            uri: None,
        }
    }

    const MULTI: &str = "# leading comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: é\n    image: nginx\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - {name: b, image: 'busybox:latest'}\n...\n# between\n---\nkind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: c # gitops-ls-ignore: latest-tag\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: {{ .Values.image }}\n        imagePullPolicy: always\n---\n{{- if .Values.x }}\n---\n{{- end }}\nkind: [\n";

    /// The chunked analysis reports exactly what the analysis of the whole
    /// file reports.
    fn assert_same_as_whole_file(text: &str) {
        let whole = analyze(text, &Config::default());
        let expected = chunk_diagnostics(
            text,
            &whole.lines,
            &whole.findings,
            PositionEncoding::Utf16,
            None,
            None,
        );
        let chunked = run(job(text, None)).diagnostics();
        for (i, (got, want)) in chunked.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "diagnostic {i}");
        }
        assert_eq!(chunked.len(), expected.len());
    }

    #[test]
    fn related_locations_move_with_their_document() {
        let text = "kind: A\n---\nkind: B\nspec:\n  a: 1\n  a: 2\n";
        let uri = Url::parse("file:///w/dup.yaml").unwrap();
        let mut with_uri = job(text, None);
        with_uri.uri = Some(uri.clone());
        let analysis = run(with_uri);
        let diagnostics = analysis.diagnostics();
        let duplicate = diagnostics
            .iter()
            .find(|d| d.code == Some(NumberOrString::String("duplicate-key".into())))
            .expect("a duplicate-key diagnostic");
        assert_eq!(duplicate.range.start, Position::new(5, 2));
        let related = &duplicate.related_information.as_ref().unwrap()[0];
        assert_eq!(related.location.uri, uri);
        assert_eq!(related.location.range.start, Position::new(4, 2));
        // Serialized for publishing (without a copy of the list), the same.
        let published = serde_json::to_value(PublishedDiagnostics(&analysis)).unwrap();
        let published = published
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "duplicate-key")
            .unwrap()
            .clone();
        assert_eq!(
            published["relatedInformation"][0]["location"]["range"]["start"],
            serde_json::json!({"line": 4, "character": 2})
        );
    }

    #[test]
    fn chunked_analysis_matches_the_whole_file() {
        assert_same_as_whole_file(MULTI);
        assert_same_as_whole_file("");
        assert_same_as_whole_file("---\n---\n");
        assert_same_as_whole_file("a: 1\r\n---\r\nkind: Pod\r\napiVersion: v1\r\nspec: {containers: [{name: x, image: x}]}\r\n");
        assert_same_as_whole_file("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: a\n    name: b\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: a\n    image: b\n");
    }

    #[test]
    fn matches_the_whole_file_on_the_shared_corpus() {
        let big = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/big/all-workloads.yaml"
        );
        let Ok(text) = std::fs::read_to_string(big) else {
            eprintln!("skipped: {big} is not there");
            return;
        };
        // A slice of it keeps the debug-build test quick (set
        // GITOPS_LS_FULL_CORPUS to check all of it).
        let limit = if std::env::var_os("GITOPS_LS_FULL_CORPUS").is_some() {
            text.len()
        } else {
            300_000
        };
        let cut = text[..limit].rfind("\n---\n").map_or(text.len(), |i| i + 1);
        assert_same_as_whole_file(&text[..cut]);
    }

    #[test]
    fn reuses_unchanged_documents() {
        let first = Arc::new(run(job(MULTI, None)));
        assert_eq!(first.reused, 0);
        let edited = MULTI.replace("name: b}", "name: bb}");
        let second = run(job(&edited, Some(first.clone())));
        assert_eq!(second.reused, second.chunks.len() - 1);
        let fresh = run(job(&edited, None));
        assert_eq!(second.diagnostics(), fresh.diagnostics());
        // Inserting a document shifts the ones after it.
        let inserted = MULTI.replacen(
            "---\n",
            "---\nkind: Pod\napiVersion: v1\nspec: {containers: [{name: n, image: n}]}\n---\n",
            1,
        );
        let third = run(job(&inserted, Some(first)));
        assert_eq!(third.reused, third.chunks.len() - 1);
        assert_eq!(third.diagnostics(), run(job(&inserted, None)).diagnostics());
    }

    #[test]
    fn serialized_diagnostics_equal_the_list() {
        let analysis = run(job(MULTI, None));
        let serialized = serde_json::to_value(PublishedDiagnostics(&analysis)).unwrap();
        assert_eq!(
            serialized,
            serde_json::to_value(analysis.diagnostics()).unwrap()
        );
        assert!(analysis.diagnostic_count() > 3);
    }

    #[test]
    fn positions_map_through_chunks() {
        let analysis = run(job(MULTI, None));
        for offset in [
            0,
            5,
            MULTI.find("---").unwrap(),
            MULTI.find("name: c").unwrap(),
            MULTI.len(),
        ] {
            let pos = analysis.position_at(offset);
            assert_eq!(analysis.offset_at(pos), offset, "{offset} {pos:?}");
        }
        let end = analysis.offset_at(Position::new(9999, 0));
        assert_eq!(end, MULTI.len());
        let line_end = analysis.offset_at(Position::new(0, 9999));
        assert_eq!(line_end, MULTI.find('\n').unwrap());
    }
}
