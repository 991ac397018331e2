//! Document symbols: every Kubernetes object of the file, with its
//! containers as children (the outline of a multi-document file).

use gitops_ls_analysis::rules::ContainerFacts;
use gitops_ls_analysis::yaml::{Document, NodeId};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use tower_lsp::lsp_types::{DocumentSymbol, SymbolKind};

use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::Analysis;
use tower_lsp::lsp_types::Range;

use crate::encoding::PositionEncoding;
use std::cell::RefCell;

use crate::encoding::PositionConverter;
use crate::snapshot::{shift_range, DocAnalysis};

/// Every object of the file, in file positions, serialized one by one from the trees of
/// the chunks (no list of the whole file is built).
pub struct DocumentSymbols<'a>(pub &'a DocAnalysis);

impl Serialize for DocumentSymbols<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn shift(symbol: &mut DocumentSymbol, by: u32) {
            symbol.range = shift_range(symbol.range, by);
            symbol.selection_range = shift_range(symbol.selection_range, by);
            for child in symbol.children.iter_mut().flatten() {
                shift(child, by);
            }
        }
        let analysis = self.0;
        let mut seq = serializer.serialize_seq(None)?;
        for chunk in &analysis.chunks {
            let text = analysis.chunk_text(chunk);
            let tree = analysis.tree(chunk);
            for mut symbol in chunk_symbols(text, &tree, &chunk.data.lines, analysis.encoding) {
                shift(&mut symbol, chunk.start_line);
                seq.serialize_element(&symbol)?;
            }
        }
        seq.end()
    }
}

struct Local<'a> {
    /// The chunk's text, unmasked: template actions show as written.
    text: &'a str,
    converter: RefCell<PositionConverter<'a>>,
    /// Containers by (document, start of their mapping), to find those of
    /// an object without scanning them all.
    containers: Vec<(usize, usize, &'a ContainerFacts)>,
}

impl Local<'_> {
    fn range(&self, range: &std::ops::Range<usize>) -> Range {
        self.converter.borrow_mut().range(range)
    }
}

/// The symbols of one analysed chunk, positions local to it.
fn chunk_symbols(
    text: &str,
    analysis: &Analysis,
    lines: &LineIndex,
    encoding: PositionEncoding,
) -> Vec<DocumentSymbol> {
    let mut containers: Vec<(usize, usize, &ContainerFacts)> = analysis
        .containers
        .iter()
        .map(|facts| {
            let c = &facts.container;
            let doc = &analysis.file.documents[c.document];
            (c.document, doc.node(c.mapping).span.start, facts)
        })
        .collect();
    containers.sort_by_key(|&(doc, start, _)| (doc, start));
    let local = Local {
        text,
        converter: RefCell::new(PositionConverter::new(text, lines, encoding)),
        containers,
    };
    let mut symbols = Vec::new();
    {
        for (index, doc) in analysis.file.documents.iter().enumerate() {
            let Some(root) = doc.root else {
                continue;
            };
            let kind = doc.get_str(root, "kind").unwrap_or_default();
            if kind.ends_with("List") && doc.get(root, "items").is_some() {
                if let Some(items) = doc.get(root, "items") {
                    for &item in doc.items(items) {
                        symbols.extend(object_symbol(&local, index, doc, item));
                    }
                }
            } else {
                symbols.extend(object_symbol(&local, index, doc, root));
            }
        }
    }
    symbols
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be given.
fn object_symbol(
    local: &Local,
    doc_index: usize,
    doc: &Document,
    object: NodeId,
) -> Option<DocumentSymbol> {
    let object = doc.resolve(object);
    if !doc.is_mapping(object) {
        return None;
    }
    let kind = doc
        .get(object, "kind")
        .and_then(|node| doc.written_scalar(local.text, node))
        .filter(|k| !k.is_empty())?;
    let name_node = doc.get_path(object, &["metadata", "name"]);
    let name = name_node.and_then(|node| doc.written_scalar(local.text, node));
    let span = doc.node(object).span.clone();
    let selection = name_node
        .or_else(|| doc.get(object, "kind"))
        .map(|node| doc.node(node).span.clone())
        .filter(|s| span.start <= s.start && s.end <= span.end)
        .unwrap_or(span.start..span.start);
    let first = local
        .containers
        .partition_point(|&(doc, start, _)| (doc, start) < (doc_index, span.start));
    let children: Vec<DocumentSymbol> = local.containers[first..]
        .iter()
        .take_while(|&&(doc, start, _)| doc == doc_index && start <= span.end)
        .filter_map(|&(_, _, facts)| {
            let container = &facts.container;
            let mapping = doc.node(container.mapping).span.clone();
            if mapping.start < span.start || mapping.end > span.end {
                return None;
            }
            let label = container
                .display_name()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    container
                        .path
                        .rsplit('.')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                });
            let selection = container
                .name
                .as_ref()
                .filter(|f| f.own && !f.value_range.is_empty())
                .map(|f| f.value_range.clone())
                .filter(|s| mapping.start <= s.start && s.end <= mapping.end)
                .unwrap_or(mapping.start..mapping.start);
            let image = facts.image_text().unwrap_or("no image");
            Some(DocumentSymbol {
                name: if label.is_empty() {
                    "container".to_owned()
                } else {
                    label
                },
                detail: Some(format!("{} · {image}", container.role.describe())),
                kind: SymbolKind::FIELD,
                tags: None,
                deprecated: None,
                range: local.range(&mapping),
                selection_range: local.range(&selection),
                children: None,
            })
        })
        .collect();
    Some(DocumentSymbol {
        name: match name {
            Some(name) if !name.is_empty() => format!("{kind}/{name}"),
            _ => kind.to_owned(),
        },
        detail: doc
            .get(object, "apiVersion")
            .and_then(|node| doc.written_scalar(local.text, node))
            .map(str::to_owned),
        kind: SymbolKind::CLASS,
        tags: None,
        deprecated: None,
        range: local.range(&span),
        selection_range: local.range(&selection),
        children: Some(children),
    })
}
