//! Lexer for Go's text/template, following the item kinds and error texts of Go's
//! text/template/parse/lex.go (delimiters `{{` `}}`, trim markers, comments).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kw {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Error,
    Eof,
    Text,
    LeftDelim,
    RightDelim,
    Space,
    LeftParen,
    RightParen,
    Pipe,
    Declare,
    Assign,
    Identifier,
    Field,
    Variable,
    Dot,
    Char,
    CharConstant,
    Number,
    String,
    RawString,
    Bool,
    Nil,
    Keyword(Kw),
}

#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub kind: ItemKind,
    /// Byte offset in the source.
    pub pos: usize,
    /// The item's text (for Error, the message).
    pub val: String,
    pub line: usize,
}

impl std::fmt::Display for Item {
    /// As Go prints an item in "unexpected X in Y" errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ItemKind::Eof => write!(f, "EOF"),
            ItemKind::Error => write!(f, "{}", self.val),
            ItemKind::Keyword(_) => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", crate::fmt::quote(&head, false))
            }
            _ => write!(f, "{}", crate::fmt::quote(&self.val, false)),
        }
    }
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Lexes the whole source into items; lexing stops at the first error item.
pub(crate) fn lex(src: &str) -> Vec<Item> {
    let mut lx = Lexer {
        src,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        items: Vec::new(),
        paren_depth: 0,
    };
    lx.run();
    lx.items
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    items: Vec<Item>,
    paren_depth: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }
    fn emit(&mut self, kind: ItemKind) {
        self.items.push(Item {
            kind,
            pos: self.start,
            val: self.src[self.start..self.pos].to_string(),
            line: self.start_line,
        });
        self.ignore();
    }
    fn ignore(&mut self) {
        self.start = self.pos;
        self.start_line = self.line;
    }
    fn skip_to(&mut self, pos: usize) {
        self.line += self.src[self.pos..pos].matches('\n').count();
        self.pos = pos;
    }
    /// Emits an error item; the caller stops lexing.
    fn error(&mut self, message: String) {
        self.items.push(Item {
            kind: ItemKind::Error,
            pos: self.start,
            val: message,
            line: self.start_line,
        });
    }
    fn accept(&mut self, set: &str) -> bool {
        match self.peek() {
            Some(c) if set.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }
    fn accept_run(&mut self, set: &str) {
        while self.accept(set) {}
    }

    /// At `}}` or ` -}}`: Some(trim).
    fn at_right_delim(&self) -> Option<bool> {
        let rest = self.rest().as_bytes();
        if rest.starts_with(RIGHT.as_bytes()) {
            return Some(false);
        }
        if rest.len() >= 2
            && is_space(rest[0])
            && rest[1] == b'-'
            && rest[2..].starts_with(RIGHT.as_bytes())
        {
            return Some(true);
        }
        None
    }

    fn run(&mut self) {
        loop {
            // text up to the next left delimiter
            let Some(found) = self.rest().find(LEFT) else {
                self.skip_to(self.src.len());
                if self.pos > self.start {
                    self.emit(ItemKind::Text);
                }
                self.emit(ItemKind::Eof);
                return;
            };
            let delim_at = self.pos + found;
            let after = &self.src[delim_at + LEFT.len()..];
            let trim =
                after.len() >= 2 && after.as_bytes()[0] == b'-' && is_space(after.as_bytes()[1]);
            let text_end = if trim {
                delim_at
                    - (self.src[..delim_at].len()
                        - self.src[..delim_at]
                            .trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8))
                            .len())
            } else {
                delim_at
            };
            self.skip_to(text_end);
            if self.pos > self.start {
                self.emit(ItemKind::Text);
            }
            self.skip_to(delim_at);
            self.ignore();
            // the delimiter
            self.skip_to(delim_at + LEFT.len() + if trim { 2 } else { 0 });
            if self.rest().starts_with("/*") {
                if !self.comment() {
                    return;
                }
                continue;
            }
            // the item keeps the bare `{{` text: Go does not include the marker
            self.items.push(Item {
                kind: ItemKind::LeftDelim,
                pos: self.start,
                val: LEFT.to_string(),
                line: self.start_line,
            });
            self.ignore();
            self.paren_depth = 0;
            if !self.inside_action() {
                return;
            }
        }
    }

    /// After `{{/*` (or `{{- /*`): false when it ended in an error item.
    fn comment(&mut self) -> bool {
        let body = self.pos + 2;
        let Some(close) = self.src[body..].find("*/") else {
            self.error("unclosed comment".into());
            return false;
        };
        self.skip_to(body + close + 2);
        let Some(trim) = self.at_right_delim() else {
            self.error("comment ends before closing delimiter".into());
            return false;
        };
        self.skip_to(self.pos + if trim { 2 } else { 0 } + RIGHT.len());
        if trim {
            self.skip_spaces();
        }
        self.ignore();
        true
    }

    fn skip_spaces(&mut self) {
        let n = self.rest().len()
            - self
                .rest()
                .trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
                .len();
        self.skip_to(self.pos + n);
    }

    /// Lexes one action; false when it ended in an error item.
    fn inside_action(&mut self) -> bool {
        loop {
            if let Some(trim) = self.at_right_delim() {
                if trim {
                    self.skip_to(self.pos + 1);
                    self.ignore();
                }
                self.skip_to(self.pos + if trim { 1 } else { 0 } + RIGHT.len());
                self.emit_right_delim();
                if self.paren_depth > 0 {
                    // Go reports this before the delimiter item is used
                    self.items.pop();
                    self.error("unclosed left paren".into());
                    return false;
                }
                if trim {
                    self.skip_spaces();
                }
                self.ignore();
                return true;
            }
            let Some(c) = self.next() else {
                self.error("unclosed action".into());
                return false;
            };
            let ok = match c {
                _ if c.is_ascii() && is_space(c as u8) => {
                    self.space();
                    true
                }
                '=' => {
                    self.emit(ItemKind::Assign);
                    true
                }
                ':' => {
                    if self.next() != Some('=') {
                        self.error("expected :=".into());
                        return false;
                    }
                    self.emit(ItemKind::Declare);
                    true
                }
                '|' => {
                    self.emit(ItemKind::Pipe);
                    true
                }
                '"' => self.quote(),
                '`' => self.raw_quote(),
                '$' => self.field_or_variable(ItemKind::Variable),
                '\'' => self.char_constant(),
                '.' => {
                    if matches!(self.peek(), Some('0'..='9')) {
                        self.pos -= 1;
                        self.number()
                    } else {
                        self.field_or_variable(ItemKind::Field)
                    }
                }
                '+' | '-' | '0'..='9' => {
                    self.pos -= 1;
                    self.number()
                }
                _ if c == '_' || c.is_alphabetic() => self.identifier(),
                '(' => {
                    self.paren_depth += 1;
                    self.emit(ItemKind::LeftParen);
                    true
                }
                ')' => {
                    if self.paren_depth == 0 {
                        self.error("unexpected right paren".into());
                        return false;
                    }
                    self.paren_depth -= 1;
                    self.emit(ItemKind::RightParen);
                    true
                }
                _ if c.is_ascii() && !c.is_ascii_control() => {
                    self.emit(ItemKind::Char);
                    true
                }
                _ => {
                    self.error(format!(
                        "unrecognized character in action: {}",
                        crate::fmt::unicode_u(c, true)
                    ));
                    false
                }
            };
            if !ok {
                return false;
            }
        }
    }

    fn emit_right_delim(&mut self) {
        self.items.push(Item {
            kind: ItemKind::RightDelim,
            pos: self.start,
            val: RIGHT.to_string(),
            line: self.start_line,
        });
    }

    fn space(&mut self) {
        let mut count = 1;
        while matches!(self.peek(), Some(c) if c.is_ascii() && is_space(c as u8)) {
            self.next();
            count += 1;
        }
        // a space followed by `-}}` belongs to the trim marker
        let before = &self.src[self.pos - 1..];
        if before.len() >= 2 && before.as_bytes()[1] == b'-' && before[2..].starts_with(RIGHT) {
            self.pos -= 1;
            if before.as_bytes()[0] == b'\n' {
                self.line -= 1;
            }
            if count == 1 {
                return;
            }
        }
        self.emit(ItemKind::Space);
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT),
        }
    }

    fn identifier(&mut self) -> bool {
        while matches!(self.peek(), Some(c) if is_alnum(c)) {
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            self.error(format!("bad character {}", crate::fmt::unicode_u(c, true)));
            return false;
        }
        let kind = match &self.src[self.start..self.pos] {
            "block" => ItemKind::Keyword(Kw::Block),
            "break" => ItemKind::Keyword(Kw::Break),
            "continue" => ItemKind::Keyword(Kw::Continue),
            "define" => ItemKind::Keyword(Kw::Define),
            "else" => ItemKind::Keyword(Kw::Else),
            "end" => ItemKind::Keyword(Kw::End),
            "if" => ItemKind::Keyword(Kw::If),
            "range" => ItemKind::Keyword(Kw::Range),
            "template" => ItemKind::Keyword(Kw::Template),
            "with" => ItemKind::Keyword(Kw::With),
            "nil" => ItemKind::Nil,
            "true" | "false" => ItemKind::Bool,
            _ => ItemKind::Identifier,
        };
        self.emit(kind);
        true
    }

    fn field_or_variable(&mut self, kind: ItemKind) -> bool {
        if self.at_terminator() {
            self.emit(if kind == ItemKind::Variable {
                ItemKind::Variable
            } else {
                ItemKind::Dot
            });
            return true;
        }
        while matches!(self.peek(), Some(c) if is_alnum(c)) {
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            self.error(format!("bad character {}", crate::fmt::unicode_u(c, true)));
            return false;
        }
        self.emit(kind);
        true
    }

    fn char_constant(&mut self) -> bool {
        self.quoted(
            '\'',
            ItemKind::CharConstant,
            "unterminated character constant",
        )
    }

    fn quote(&mut self) -> bool {
        self.quoted('"', ItemKind::String, "unterminated quoted string")
    }

    /// A quoted item up to `close`, with backslash escapes; no newline inside.
    fn quoted(&mut self, close: char, kind: ItemKind, unterminated: &str) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if matches!(self.next(), None | Some('\n')) {
                        self.error(unterminated.into());
                        return false;
                    }
                }
                None | Some('\n') => {
                    self.error(unterminated.into());
                    return false;
                }
                Some(c) if c == close => break,
                _ => {}
            }
        }
        self.emit(kind);
        true
    }

    fn raw_quote(&mut self) -> bool {
        let Some(close) = self.rest().find('`') else {
            self.error("unterminated raw quoted string".into());
            return false;
        };
        self.skip_to(self.pos + close + 1);
        self.emit(ItemKind::RawString);
        true
    }

    fn number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if matches!(self.peek(), Some(c) if is_alnum(c)) {
            self.next();
            let text = self.src[self.start..self.pos].to_string();
            self.error(format!(
                "bad number syntax: {}",
                crate::fmt::quote(&text, false)
            ));
            return false;
        }
        self.emit(ItemKind::Number);
        true
    }
}
