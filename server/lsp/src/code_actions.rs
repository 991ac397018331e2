//! Code actions: a quick fix per finding, "Ignore <rule> on this line" and
//! `source.fixAll.gitops-ls`. Every edit names the document version it was
//! computed for.

use std::collections::{BTreeMap, HashMap, HashSet};

use gitops_ls_analysis::suppress::{parse_directive, IGNORE_DIRECTIVE};
use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::{Analysis, Edit, Finding};
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, DocumentChanges, NumberOrString,
    OneOf, OptionalVersionedTextDocumentIdentifier, Range, TextDocumentEdit, TextEdit, Url,
    WorkspaceEdit,
};

use crate::diagnostics::diagnostic;
use crate::snapshot::{Chunk, ChunkPositions, DocAnalysis};

/// The kind of the fix-all source action.
pub const FIX_ALL_KIND: &str = "source.fixAll.gitops-ls";

pub struct Request<'a> {
    pub uri: &'a Url,
    pub range: Range,
    /// The diagnostics the client sent as context: their fixes are offered
    /// even when `range` (Neovim sends the cursor) does not touch them.
    pub diagnostics: &'a [Diagnostic],
    pub only: Option<&'a [CodeActionKind]>,
    /// The client takes `documentChanges` (versioned edits).
    pub versioned: bool,
    /// The client resolves a code action's `edit` later
    /// (`codeAction/resolve`): the fix-all edit is computed only then.
    pub lazy_edits: bool,
}

impl Request<'_> {
    fn wants(&self, kind: &str) -> bool {
        self.only.is_none_or(|only| {
            only.iter().any(|k| {
                let k = k.as_str();
                kind == k
                    || kind
                        .strip_prefix(k)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    }
}

pub fn code_actions(analysis: &DocAnalysis, request: &Request) -> Vec<CodeActionOrCommand> {
    let mut actions: Vec<CodeAction> = Vec::new();
    if request.wants(CodeActionKind::QUICKFIX.as_str()) {
        actions.extend(quick_fixes(analysis, request));
    }
    // Fix-all costs a pass over the whole file: without `only` (the
    // lightbulb, asked on every cursor move), it is offered eagerly only
    // where there is something safe to fix.
    let asked = request.only.is_some() || request.lazy_edits || {
        let has_safe_fix = |action: &CodeAction| {
            action.kind == Some(CodeActionKind::QUICKFIX) && action.is_preferred == Some(true)
        };
        actions.iter().any(has_safe_fix)
    };
    if asked && request.wants(FIX_ALL_KIND) {
        if request.lazy_edits {
            actions.extend(lazy_fix_all(analysis, request));
        } else {
            actions.extend(fix_all(analysis, request));
        }
    }
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// A fix by its title and edits (byte ranges in the file).
type FixKey = (String, Vec<(usize, usize, String)>);

/// Findings whose quick fixes one request returns at most: a range over a
/// whole minified file could otherwise ask for hundreds of thousands.
const MAX_FINDINGS_PER_REQUEST: usize = 200;

fn quick_fixes(analysis: &DocAnalysis, request: &Request) -> Vec<CodeAction> {
    let docs_url = analysis.config.docs_url.as_deref();
    // Fixes that several findings share (the same edit) appear once.
    let mut fixes: Vec<CodeAction> = Vec::new();
    let mut fix_index: HashMap<FixKey, usize> = HashMap::new();
    let mut ignores: Vec<CodeAction> = Vec::new();
    let mut ignored: HashSet<(u32, &str)> = HashSet::new();
    let mut seen = 0;
    let in_context = |range: Range, rule: &str| {
        request.diagnostics.iter().any(|d| {
            d.range == range
                && matches!(&d.code, Some(NumberOrString::String(code)) if code == rule)
        })
    };
    let searched = request.diagnostics.iter().fold(request.range, |all, d| {
        Range::new(all.start.min(d.range.start), all.end.max(d.range.end))
    });
    'chunks: for chunk in analysis.chunks_in(searched) {
        let mut positions = analysis.positions(chunk);
        let layer = analysis.layer_findings_in(chunk);
        for finding in analysis.chunk_findings(chunk).chain(&layer) {
            let range = positions.range(&finding.range);
            if !overlaps(range, request.range) && !in_context(range, finding.rule) {
                continue;
            }
            seen += 1;
            if seen > MAX_FINDINGS_PER_REQUEST {
                break 'chunks;
            }
            let diag = diagnostic(finding, range, docs_url);
            let mut preferred_given = false;
            for fix in &finding.fixes {
                let preferred = analysis.fix_is_safe(finding, fix) && !preferred_given;
                preferred_given |= preferred;
                let title = analysis.fix_title(finding, fix);
                let key = (
                    title.clone(),
                    fix.edits
                        .iter()
                        .map(|e| {
                            (
                                chunk.range.start + e.range.start,
                                chunk.range.start + e.range.end,
                                e.new_text.clone(),
                            )
                        })
                        .collect(),
                );
                if let Some(&index) = fix_index.get(&key) {
                    let action = &mut fixes[index];
                    action
                        .diagnostics
                        .get_or_insert_with(Vec::new)
                        .push(diag.clone());
                    if preferred {
                        action.is_preferred = Some(true);
                    }
                    continue;
                }
                let edits = text_edits(&mut positions, &fix.edits);
                fix_index.insert(key, fixes.len());
                fixes.push(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag.clone()]),
                    edit: Some(workspace_edit(request, analysis.version, edits)),
                    is_preferred: preferred.then_some(true),
                    ..CodeAction::default()
                });
            }
            if ignored.insert((range.start.line, finding.rule)) {
                ignores.extend(ignore_action(
                    analysis,
                    chunk,
                    &mut positions,
                    finding,
                    diag,
                    request,
                ));
            }
        }
    }
    // The fixes that keep behaviour first, then the alternatives.
    fixes.sort_by_key(|action| action.is_preferred != Some(true));
    fixes.into_iter().chain(ignores).collect()
}

fn ignore_action(
    analysis: &DocAnalysis,
    chunk: &Chunk,
    positions: &mut ChunkPositions,
    finding: &Finding,
    diag: Diagnostic,
    request: &Request,
) -> Option<CodeAction> {
    let text = analysis.chunk_text(chunk);
    let lines = &chunk.data.lines;
    let line = lines.line_of(finding.range.start);
    let tree = analysis.tree(chunk);
    let edit = ignore_edit(text, &tree, lines, line, finding.rule)?;
    let edits = text_edits(positions, &[edit]);
    Some(CodeAction {
        title: format!("Ignore {} on this line", finding.rule),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag]),
        edit: Some(workspace_edit(request, analysis.version, edits)),
        ..CodeAction::default()
    })
}

/// A comment of the chunk: its byte range and whether it is alone on its line.
fn comment_on_line(
    text: &str,
    analysis: &Analysis,
    lines: &LineIndex,
    line: usize,
) -> Option<(std::ops::Range<usize>, bool)> {
    analysis
        .file
        .documents
        .iter()
        .flat_map(|doc| &doc.comments)
        .filter(|comment| lines.line_of(comment.span.start) == line)
        .map(|comment| {
            let before = &text[lines.line_start(line)..comment.span.start];
            (comment.span.clone(), before.trim().is_empty())
        })
        .next_back()
}

/// The edit that adds `rule` to the suppression comment of `line`:
/// merged into a directive that is already there (on the line, or alone on
/// the line above), else a trailing `# gitops-ls-ignore: rule`, else (the
/// line already ends with another comment) a directive line above it.
pub fn ignore_edit(
    text: &str,
    analysis: &Analysis,
    lines: &LineIndex,
    line: usize,
    rule: &str,
) -> Option<Edit> {
    let on_line = comment_on_line(text, analysis, lines, line).filter(|(_, alone)| !alone);
    let above = line
        .checked_sub(1)
        .and_then(|above| comment_on_line(text, analysis, lines, above))
        .filter(|(_, alone)| *alone);
    for (span, _) in on_line.iter().chain(above.iter()) {
        let source = &text[span.clone()];
        let Some(listed) = parse_directive(source.trim_start_matches('#')) else {
            continue;
        };
        if listed.is_empty() || listed.iter().any(|r| r == rule) {
            // Already suppressed: nothing to offer.
            return None;
        }
        let at = span.start + end_of_rule_list(source)?;
        return Some(Edit {
            range: at..at,
            new_text: format!(", {rule}"),
        });
    }
    let content = lines.line_range(text, line);
    if on_line.is_some() {
        let line_text = &text[content.clone()];
        let indent_len = line_text.len() - line_text.trim_start_matches([' ', '\t']).len();
        let indent = &line_text[..indent_len];
        let line_break = lines
            .line_break(text, line)
            .or_else(|| lines.line_break(text, 0))
            .unwrap_or("\n");
        return Some(Edit {
            range: content.start..content.start,
            new_text: format!("{indent}# {IGNORE_DIRECTIVE}: {rule}{line_break}"),
        });
    }
    let line_text = &text[content.clone()];
    let end = content.start + line_text.trim_end_matches([' ', '\t']).len();
    Some(Edit {
        range: end..content.end,
        new_text: format!(" # {IGNORE_DIRECTIVE}: {rule}"),
    })
}

/// Byte offset, in a directive comment's source, just after the last rule
/// it lists (before any `-- reason`).
fn end_of_rule_list(source: &str) -> Option<usize> {
    let directive = source.find(IGNORE_DIRECTIVE)?;
    let colon = directive
        + IGNORE_DIRECTIVE.len()
        + source[directive + IGNORE_DIRECTIVE.len()..].find(':')?;
    let mut end = None;
    let mut piece_start = colon + 1;
    for piece in source[colon + 1..].split(',') {
        let trimmed_start = piece.len() - piece.trim_start().len();
        let word = piece.split_whitespace().next().unwrap_or_default();
        if !word.is_empty() {
            end = Some(piece_start + trimmed_start + word.len());
        }
        piece_start += piece.len() + 1;
    }
    end
}

/// Whether `start..end` overlaps an accepted edit or starts where one
/// starts (two insertions at one point would both apply). Accepted edits do
/// not overlap, so only the neighbours need a look.
fn clashes(accepted: &BTreeMap<usize, usize>, start: usize, end: usize) -> bool {
    if accepted.contains_key(&start) {
        return true;
    }
    let before = accepted.range(..start).next_back();
    let after = accepted.range(start + 1..).next();
    before.is_some_and(|(_, &e)| start < e) || after.is_some_and(|(&s, _)| s < end)
}

const FIX_ALL_TITLE: &str = "Fix all safe gitops-ls problems";

/// The fix-all action without its edit, which `codeAction/resolve` adds.
fn lazy_fix_all(analysis: &DocAnalysis, request: &Request) -> Option<CodeAction> {
    let any = analysis.chunks.iter().any(|chunk| {
        let layer = analysis.layer_findings_in(chunk);
        let mut findings = analysis.chunk_findings(chunk).chain(&layer);
        findings.any(|f| f.fixes.iter().any(|fix| analysis.fix_is_safe(f, fix)))
    });
    any.then(|| CodeAction {
        title: FIX_ALL_TITLE.to_owned(),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        data: Some(serde_json::json!({"uri": request.uri, "version": analysis.version})),
        ..CodeAction::default()
    })
}

/// Fills in the edit of a fix-all action returned without one.
pub fn resolve_fix_all(
    analysis: &DocAnalysis,
    request: &Request,
    mut action: CodeAction,
) -> CodeAction {
    if let Some(full) = fix_all(analysis, request) {
        action.edit = full.edit;
        action.diagnostics = full.diagnostics;
    }
    action
}

pub fn fix_all(analysis: &DocAnalysis, request: &Request) -> Option<CodeAction> {
    // Accepted edits: start → end, never overlapping.
    let mut accepted: BTreeMap<usize, usize> = BTreeMap::new();
    let mut edits: Vec<TextEdit> = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let docs_url = analysis.config.docs_url.as_deref();
    for chunk in &analysis.chunks {
        let mut positions = analysis.positions(chunk);
        let layer = analysis.layer_findings_in(chunk);
        for finding in analysis.chunk_findings(chunk).chain(&layer) {
            let safe = finding
                .fixes
                .iter()
                .find(|fix| analysis.fix_is_safe(finding, fix));
            let Some(fix) = safe else {
                continue;
            };
            let ranges: Vec<(usize, usize)> = fix
                .edits
                .iter()
                .map(|edit| {
                    (
                        chunk.range.start + edit.range.start,
                        chunk.range.start + edit.range.end,
                    )
                })
                .collect();
            // Two fixes for the same spot (or an insertion at the same
            // point): the first one wins.
            let clashes = ranges
                .iter()
                .any(|&(start, end)| clashes(&accepted, start, end));
            if clashes {
                continue;
            }
            accepted.extend(ranges);
            let range = positions.range(&finding.range);
            edits.extend(text_edits(&mut positions, &fix.edits));
            diagnostics.push(diagnostic(finding, range, docs_url));
        }
    }
    if edits.is_empty() {
        return None;
    }
    Some(CodeAction {
        title: FIX_ALL_TITLE.to_owned(),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        diagnostics: Some(diagnostics),
        edit: Some(workspace_edit(request, analysis.version, edits)),
        ..CodeAction::default()
    })
}

fn text_edits(positions: &mut ChunkPositions, edits: &[Edit]) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|edit| TextEdit {
            range: positions.range(&edit.range),
            new_text: edit.new_text.clone(),
        })
        .collect()
}

fn workspace_edit(request: &Request, version: i32, edits: Vec<TextEdit>) -> WorkspaceEdit {
    if request.versioned {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: request.uri.clone(),
                    version: Some(version),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(request.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitops_ls_analysis::{analyze, apply_edits, Config};

    fn ignore(text: &str, line: usize, rule: &str) -> Option<String> {
        let analysis = analyze(text, &Config::default());
        ignore_edit(text, &analysis, &analysis.lines, line, rule)
            .map(|edit| apply_edits(text, &[edit]))
    }

    #[test]
    fn ignore_comment_is_added_or_merged() {
        assert_eq!(
            ignore("a: 1\nb: 2  \n", 1, "x").unwrap(),
            "a: 1\nb: 2 # gitops-ls-ignore: x\n"
        );
        assert_eq!(
            ignore("b: 2 # gitops-ls-ignore: x -- why\n", 0, "y").unwrap(),
            "b: 2 # gitops-ls-ignore: x, y -- why\n"
        );
        assert_eq!(
            ignore("  # gitops-ls-ignore: x\n  b: 2\n", 1, "y").unwrap(),
            "  # gitops-ls-ignore: x, y\n  b: 2\n"
        );
        assert_eq!(
            ignore("m:\n  b: 2 # pinned\r\n", 1, "y").unwrap(),
            "m:\n  # gitops-ls-ignore: y\r\n  b: 2 # pinned\r\n"
        );
        assert_eq!(ignore("b: 2 # gitops-ls-ignore: y\n", 0, "y"), None);
        assert_eq!(ignore("b: 2 # gitops-ls-ignore\n", 0, "y"), None);
    }

    #[test]
    fn merged_directive_still_parses() {
        let text = "b: 2 #gitops-ls-ignore:x,  z\n";
        let edited = ignore(text, 0, "y").unwrap();
        assert_eq!(edited, "b: 2 #gitops-ls-ignore:x,  z, y\n");
        let comment = &edited[edited.find('#').unwrap() + 1..].trim_end();
        assert_eq!(
            parse_directive(comment),
            Some(vec!["x".to_owned(), "z".to_owned(), "y".to_owned()])
        );
    }
}
