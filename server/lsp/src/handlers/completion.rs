//! `textDocument/completion`: read from the line under the cursor (the document's current
//! text), with the default pull policy of the container's image when its analysis is of
//! that text.

use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{CompletionParams, CompletionResponse, Position};

use crate::completion::{self, LineContext};
use crate::session::Session;

pub async fn run(
    session: &Session,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position.position;
    let uri = params.text_document_position.text_document.uri;
    let encoding = session.flags().encoding;
    let read = session.with_document(&uri, |doc| {
        let rope = &doc.rope;
        if position.line as usize >= rope.len_lines() {
            return None;
        }
        let line_start = rope.line_to_char(position.line as usize);
        let cursor_char = crate::encoding::rope_char_at(rope, position, encoding);
        let mut line = rope.line(position.line as usize).to_string();
        let content_len = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(content_len);
        let cursor_in_line = rope.char_to_byte(cursor_char) - rope.char_to_byte(line_start);
        let analysis = doc.latest.clone().filter(|a| a.version == doc.version);
        Some((line, cursor_in_line.min(content_len), analysis))
    });
    let Some((line, cursor, analysis)) = read.flatten() else {
        return Ok(None);
    };
    // The container of the line's first key (the cursor may be past the
    // end of the container's mapping, after `imagePullPolicy: `).
    let indent = line.len() - line.trim_start_matches([' ', '\t', '-']).len();
    let key_column = encoding.len_of(&line[..indent]) as u32;
    let default_policy = analysis.as_ref().and_then(|analysis| {
        let offset = analysis.offset_at(Position::new(position.line, key_column));
        let chunk = analysis.chunk_at_offset(offset)?;
        let tree = analysis.tree(chunk);
        let facts = tree.container_at(offset - chunk.range.start)?;
        let image = facts
            .image_text()
            .filter(|_| facts.valid_reference().is_some())?;
        Some(completion::default_for_image(image))
    });
    let ctx = LineContext {
        line: &line,
        cursor,
        line_number: position.line,
        encoding,
        default_policy,
    };
    let items = completion::complete(&ctx);
    Ok((!items.is_empty()).then_some(CompletionResponse::Array(items)))
}
