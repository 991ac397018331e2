//! Parser for Go's text/template: the node shapes, rules and error texts of Go's
//! text/template/parse/parse.go, with byte spans on every node.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use crate::lex::{lex, Item, ItemKind, Kw};

/// Byte offset into the source of the file a node came from.
pub type Pos = usize;

#[derive(Clone, Debug)]
pub enum Node {
    /// Literal text: `span` in the file (after trim markers).
    Text {
        span: std::ops::Range<usize>,
    },
    /// `{{ pipeline }}`; `span` covers the delimiters.
    Action {
        span: std::ops::Range<usize>,
        pipe: Pipe,
    },
    If(Branch),
    With(Branch),
    Range(Branch),
    Break {
        pos: Pos,
    },
    Continue {
        pos: Pos,
    },
    /// `{{ template "name" pipeline }}` (also what `block` leaves in place).
    Template {
        pos: Pos,
        span: std::ops::Range<usize>,
        name: String,
        pipe: Option<Pipe>,
    },
}

#[derive(Clone, Debug)]
pub struct Branch {
    pub pos: Pos,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Clone, Debug)]
pub struct Pipe {
    pub pos: Pos,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Clone, Debug)]
pub struct Command {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
}

#[derive(Clone, Debug)]
pub enum Arg {
    /// `.a.b`
    Field {
        pos: Pos,
        idents: Vec<String>,
    },
    /// `$x.a.b`: `name` is `$x`.
    Variable {
        pos: Pos,
        name: String,
        fields: Vec<String>,
    },
    /// `(pipe).a.b` or `fn.a`
    Chain {
        pos: Pos,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Identifier {
        pos: Pos,
        name: String,
    },
    Dot {
        pos: Pos,
    },
    Nil {
        pos: Pos,
    },
    Bool {
        pos: Pos,
        value: bool,
    },
    Number {
        pos: Pos,
        text: String,
        value: Number,
    },
    String {
        pos: Pos,
        quoted: String,
        value: String,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

// Go's String() forms, used in "executing ... at <...>" error contexts.
impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => idents.iter().try_for_each(|i| write!(f, ".{i}")),
            Arg::Variable { name, fields, .. } => {
                write!(f, "{name}")?;
                fields.iter().try_for_each(|i| write!(f, ".{i}"))
            }
            Arg::Chain { node, fields, .. } => {
                match **node {
                    Arg::Pipe(_) => write!(f, "({node})")?,
                    _ => write!(f, "{node}")?,
                }
                fields.iter().try_for_each(|i| write!(f, ".{i}"))
            }
            Arg::Identifier { name, .. } => write!(f, "{name}"),
            Arg::Dot { .. } => write!(f, "."),
            Arg::Nil { .. } => write!(f, "nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { text, .. } => write!(f, "{text}"),
            Arg::String { quoted, .. } => write!(f, "{quoted}"),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            match arg {
                Arg::Pipe(p) => write!(f, "({p})")?,
                _ => write!(f, "{arg}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(
                f,
                "{} {} ",
                self.decl.join(", "),
                if self.is_assign { "=" } else { ":=" }
            )?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// One parsed template: a file's top level or a `define`/`block` body.
#[derive(Clone, Debug)]
pub struct Tree {
    pub name: String,
    /// The file it was parsed from (Go's ParseName); node positions are offsets into it.
    pub file: Rc<str>,
    pub source: Rc<str>,
    pub root: Vec<Node>,
}

impl Tree {
    /// Go's IsEmptyTree: only whitespace text.
    pub fn is_empty(&self) -> bool {
        self.root.iter().all(|n| match n {
            Node::Text { span } => self.source[span.clone()].trim().is_empty(),
            _ => false,
        })
    }
}

/// A parse error: Go's text `template: FILE:LINE: MESSAGE`, with its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

pub(crate) struct ParseLimits {
    pub max_depth: usize,
}

/// Parses one file into its trees: the file's own (named `name`) and each define/block.
pub(crate) fn parse_file(
    name: &str,
    source: &str,
    has_function: &dyn Fn(&str) -> bool,
    limits: &ParseLimits,
) -> Result<Vec<Tree>, ParseError> {
    let file: Rc<str> = Rc::from(name);
    let src: Rc<str> = Rc::from(source);
    let mut items = lex(source);
    if items.last().map(|i| i.kind) != Some(ItemKind::Eof) {
        // lexing stopped at an error item: the parser reaches it and reports it
        let at = source.len();
        items.push(Item {
            kind: ItemKind::Eof,
            pos: at,
            val: String::new(),
            line: 1 + source.matches('\n').count(),
        });
    }
    let mut p = Parser {
        items,
        at: 0,
        file: file.clone(),
        src: src.clone(),
        has_function,
        vars: vec!["$".into()],
        range_depth: 0,
        depth: 0,
        limits,
        trees: Vec::new(),
        names: HashMap::new(),
        action_line: 0,
    };
    let root = p.parse_top()?;
    let mut trees = vec![Tree {
        name: name.to_string(),
        file,
        source: src,
        root,
    }];
    trees.append(&mut p.trees);
    Ok(trees)
}

enum Ended {
    End,
    Else { pos: Pos },
}

struct Parser<'a> {
    items: Vec<Item>,
    at: usize,
    file: Rc<str>,
    src: Rc<str>,
    has_function: &'a dyn Fn(&str) -> bool,
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    limits: &'a ParseLimits,
    trees: Vec<Tree>,
    names: HashMap<String, usize>,
    action_line: usize,
}

type PResult<T> = Result<T, ParseError>;

impl Parser<'_> {
    fn next(&mut self) -> Item {
        let item = self.peek().clone();
        self.at += 1;
        item
    }
    fn backup(&mut self) {
        self.at -= 1;
    }
    fn peek(&self) -> &Item {
        &self.items[self.at.min(self.items.len() - 1)]
    }
    fn next_non_space(&mut self) -> Item {
        loop {
            let item = self.next();
            if item.kind != ItemKind::Space {
                return item;
            }
        }
    }
    fn peek_non_space(&mut self) -> Item {
        let item = self.next_non_space();
        self.backup();
        item
    }
    fn error<T>(&self, message: String) -> PResult<T> {
        let item = &self.items[self.at.saturating_sub(1).min(self.items.len() - 1)];
        Err(ParseError {
            file: self.file.to_string(),
            line: item.line,
            pos: item.pos,
            message,
        })
    }
    fn unexpected<T>(&self, item: &Item, context: &str) -> PResult<T> {
        if item.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(" in action started at {}:{}", self.file, self.action_line);
                if item.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.error(format!("{item}{extra}"));
        }
        self.error(format!("unexpected {item} in {context}"))
    }
    fn expect(&mut self, kind: ItemKind, context: &str) -> PResult<Item> {
        let item = self.next_non_space();
        if item.kind != kind {
            return self.unexpected(&item, context);
        }
        Ok(item)
    }
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return self.error("max expression depth exceeded".into());
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != ItemKind::Eof {
            if self.peek().kind == ItemKind::LeftDelim {
                let mark = self.at;
                self.next();
                if self.next_non_space().kind == ItemKind::Keyword(Kw::Define) {
                    self.parse_definition()?;
                    continue;
                }
                self.at = mark;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return self.error("unexpected {{end}}".into()),
                Parsed::Else { .. } => return self.error("unexpected {{else}}".into()),
            }
        }
        Ok(root)
    }

    fn add_tree(&mut self, tree: Tree) -> PResult<()> {
        if let Some(&i) = self.names.get(&tree.name) {
            if self.trees[i].is_empty() {
                self.trees[i] = tree;
                return Ok(());
            }
            if !tree.is_empty() {
                return self.error(format!(
                    "template: multiple definition of template {}",
                    crate::fmt::quote(&tree.name, false)
                ));
            }
            return Ok(());
        }
        self.names.insert(tree.name.clone(), self.trees.len());
        self.trees.push(tree);
        Ok(())
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let name_item = self.next_non_space();
        if !matches!(name_item.kind, ItemKind::String | ItemKind::RawString) {
            return self.unexpected(&name_item, context);
        }
        let name = self.unquote(&name_item)?;
        self.expect(ItemKind::RightDelim, context)?;
        self.parse_body(name, context)
    }

    /// The body of a define or block up to its `{{end}}`, as a new tree with its own
    /// variables (only `$`) and no enclosing range.
    fn parse_body(&mut self, name: String, context: &str) -> PResult<()> {
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_range;
        if let Ended::Else { .. } = end {
            return self.error(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add_tree(Tree {
            name,
            file: self.file.clone(),
            source: self.src.clone(),
            root,
        })
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Ended)> {
        self.enter()?;
        let mut list = Vec::new();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => {
                    self.depth -= 1;
                    return Ok((list, Ended::End));
                }
                Parsed::Else { pos } => {
                    self.depth -= 1;
                    return Ok((list, Ended::Else { pos }));
                }
            }
        }
        self.error("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let item = self.next_non_space();
        match item.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text {
                span: item.pos..item.pos + item.val.len(),
            })),
            ItemKind::LeftDelim => {
                self.action_line = item.line;
                let parsed = self.action(item.pos);
                self.action_line = 0;
                parsed
            }
            _ => self.unexpected(&item, "input"),
        }
    }

    fn span_end(&self) -> usize {
        // the right delimiter just consumed
        let item = &self.items[self.at - 1];
        item.pos
            + item.val.len()
            + if self.src[item.pos..].starts_with('-') {
                1
            } else {
                0
            }
    }

    fn action(&mut self, start: Pos) -> PResult<Parsed> {
        let item = self.next_non_space();
        match item.kind {
            ItemKind::Keyword(Kw::Block) => self.block_control(start),
            ItemKind::Keyword(Kw::Break) => self
                .break_continue(item.pos, "break")
                .map(|_| Parsed::Node(Node::Break { pos: item.pos })),
            ItemKind::Keyword(Kw::Continue) => self
                .break_continue(item.pos, "continue")
                .map(|_| Parsed::Node(Node::Continue { pos: item.pos })),
            ItemKind::Keyword(Kw::Else) => self.else_control(),
            ItemKind::Keyword(Kw::End) => {
                self.expect(ItemKind::RightDelim, "end")?;
                Ok(Parsed::End)
            }
            ItemKind::Keyword(Kw::If) => self
                .control("if", item.pos)
                .map(|b| Parsed::Node(Node::If(b))),
            ItemKind::Keyword(Kw::Range) => self
                .control("range", item.pos)
                .map(|b| Parsed::Node(Node::Range(b))),
            ItemKind::Keyword(Kw::With) => self
                .control("with", item.pos)
                .map(|b| Parsed::Node(Node::With(b))),
            ItemKind::Keyword(Kw::Template) => self.template_control(start),
            _ => {
                self.backup();
                let pipe = self.pipeline("command", ItemKind::RightDelim)?;
                Ok(Parsed::Node(Node::Action {
                    span: start..self.span_end(),
                    pipe,
                }))
            }
        }
    }

    fn break_continue(&mut self, _pos: Pos, word: &str) -> PResult<()> {
        let item = self.next_non_space();
        if item.kind != ItemKind::RightDelim {
            return self.unexpected(&item, &format!("{{{{{word}}}}}"));
        }
        if self.range_depth == 0 {
            return self.error(format!("{{{{{word}}}}} outside {{{{range}}}}"));
        }
        Ok(())
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if matches!(
            peek.kind,
            ItemKind::Keyword(Kw::If) | ItemKind::Keyword(Kw::With)
        ) {
            return Ok(Parsed::Else { pos: peek.pos });
        }
        let item = self.expect(ItemKind::RightDelim, "else")?;
        Ok(Parsed::Else { pos: item.pos })
    }

    fn control(&mut self, context: &str, pos: Pos) -> PResult<Branch> {
        self.enter()?;
        let vars = self.vars.len();
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Ended::Else { pos: else_pos } = end {
            let chained = match self.peek().kind {
                ItemKind::Keyword(Kw::If) if context == "if" => Some("if"),
                ItemKind::Keyword(Kw::With) if context == "with" => Some("with"),
                _ => None,
            };
            if let Some(kw) = chained {
                let item = self.next();
                let inner = self.control(kw, item.pos)?;
                let _ = else_pos;
                else_list = Some(vec![if kw == "if" {
                    Node::If(inner)
                } else {
                    Node::With(inner)
                }]);
            } else {
                let (list, end) = self.item_list()?;
                if let Ended::Else { .. } = end {
                    return self.error("expected end; found {{else}}".into());
                }
                else_list = Some(list);
            }
        }
        self.vars.truncate(vars);
        self.depth -= 1;
        Ok(Branch {
            pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, item: &Item, context: &str) -> PResult<String> {
        match item.kind {
            ItemKind::String | ItemKind::RawString => self.unquote(item),
            _ => self.unexpected(item, context),
        }
    }

    fn template_control(&mut self, start: Pos) -> PResult<Parsed> {
        let context = "template clause";
        let item = self.next_non_space();
        let name = self.template_name(&item, context)?;
        let mut pipe = None;
        if self.next_non_space().kind != ItemKind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemKind::RightDelim)?);
        }
        Ok(Parsed::Node(Node::Template {
            pos: item.pos,
            span: start..self.span_end(),
            name,
            pipe,
        }))
    }

    fn block_control(&mut self, start: Pos) -> PResult<Parsed> {
        let context = "block clause";
        let item = self.next_non_space();
        let name = self.template_name(&item, context)?;
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        let span = start..self.span_end();
        self.parse_body(name.clone(), context)?;
        Ok(Parsed::Node(Node::Template {
            pos: item.pos,
            span,
            name,
            pipe: Some(pipe),
        }))
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> PResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // declarations
        loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                break;
            }
            let mark = self.at;
            self.next();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val.clone());
                    break;
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val.clone());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen => {
                                continue
                            }
                            _ => return self.error("range can only initialize variables".into()),
                        }
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    self.at = mark;
                    break;
                }
            }
        }
        loop {
            let item = self.next_non_space();
            if item.kind == end {
                return self.check_pipeline(pipe, context);
            }
            match item.kind {
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&item, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: Pipe, context: &str) -> PResult<Pipe> {
        if pipe.cmds.is_empty() {
            return self.error(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. }
                    | Arg::Dot { .. }
                    | Arg::Nil { .. }
                    | Arg::Number { .. }
                    | Arg::String { .. }
            ) {
                return self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(pipe)
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let item = self.next();
            match item.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return self.unexpected(&item, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.error("empty command".into());
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != ItemKind::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == ItemKind::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.append(&mut fields);
                Arg::Field { pos, idents }
            }
            Arg::Variable {
                name,
                fields: mut own,
                ..
            } => {
                own.append(&mut fields);
                Arg::Variable {
                    pos,
                    name,
                    fields: own,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return self.error(format!(
                    "unexpected . after term {}",
                    crate::fmt::quote(&node.to_string(), false)
                ));
            }
            other => Arg::Chain {
                pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let item = self.next_non_space();
        let pos = item.pos;
        Ok(Some(match item.kind {
            ItemKind::Identifier => {
                if !(self.has_function)(&item.val) {
                    return self.error(format!(
                        "function {} not defined",
                        crate::fmt::quote(&item.val, false)
                    ));
                }
                Arg::Identifier {
                    pos,
                    name: item.val,
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => {
                if !self.vars.contains(&item.val) {
                    return self.error(format!(
                        "undefined variable {}",
                        crate::fmt::quote(&item.val, false)
                    ));
                }
                Arg::Variable {
                    pos,
                    name: item.val,
                    fields: Vec::new(),
                }
            }
            ItemKind::Field => Arg::Field {
                pos,
                idents: vec![item.val[1..].to_string()],
            },
            ItemKind::Bool => Arg::Bool {
                pos,
                value: item.val == "true",
            },
            ItemKind::CharConstant | ItemKind::Number => {
                let value = self.number(&item)?;
                Arg::Number {
                    pos,
                    text: item.val,
                    value,
                }
            }
            ItemKind::LeftParen => {
                self.enter()?;
                let pipe = self.pipeline("parenthesized pipeline", ItemKind::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(pipe))
            }
            ItemKind::String | ItemKind::RawString => {
                let value = self.unquote(&item)?;
                Arg::String {
                    pos,
                    quoted: item.val,
                    value,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn unquote(&self, item: &Item) -> PResult<String> {
        match crate::fmt::unquote(&item.val) {
            Some(s) => Ok(s),
            None => self.error("invalid syntax".into()),
        }
    }

    fn number(&self, item: &Item) -> PResult<Number> {
        let text = item.val.as_str();
        if item.kind == ItemKind::CharConstant {
            let inner = &text[1..text.len() - 1];
            return match crate::fmt::unquote_char(inner, '\'') {
                Some((c, "")) => Ok(Number::Int(c as i64)),
                Some(_) => self.error(format!("malformed character constant: {text}")),
                None => self.error("invalid syntax".into()),
            };
        }
        if text.ends_with('i') {
            return self.error(format!("complex numbers are not supported: {text}"));
        }
        let looks_float = |t: &str| {
            let hex_int = t.len() > 2
                && (t.starts_with("0x") || t.starts_with("0X"))
                && !t.contains(['p', 'P']);
            !hex_int && t.contains(['.', 'e', 'E', 'p', 'P'])
        };
        let unsigned = text.trim_start_matches(['+', '-']);
        if !looks_float(unsigned) {
            if let Some(i) = parse_go_int(text) {
                return Ok(Number::Int(i));
            }
            if parse_go_float(text).is_some() {
                return self.error(format!(
                    "integer overflow: {}",
                    crate::fmt::quote(text, false)
                ));
            }
            // within u64 but not i64: Go parses it, execution says it overflows int
            return self.error(format!(
                "illegal number syntax: {}",
                crate::fmt::quote(text, false)
            ));
        }
        match parse_go_float(text) {
            Some(f) => Ok(Number::Float(f)),
            None => self.error(format!(
                "illegal number syntax: {}",
                crate::fmt::quote(text, false)
            )),
        }
    }
}

enum Parsed {
    Node(Node),
    End,
    Else { pos: Pos },
}

/// strconv.ParseInt(text, 0, 64): base prefixes, underscores between digits.
fn parse_go_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    if digits.is_empty()
        || digits.starts_with('_') && radix == 10
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let magnitude = u64::from_str_radix(&clean, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some((magnitude as i64).wrapping_neg());
        }
        return None;
    }
    i64::try_from(magnitude).ok()
}

/// strconv.ParseFloat(text, 64), including hexadecimal mantissas with `p` exponents.
fn parse_go_float(text: &str) -> Option<f64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let value = if let Some(hex) = clean
        .strip_prefix("0x")
        .or_else(|| clean.strip_prefix("0X"))
    {
        let (mant, exp) = hex.split_once(['p', 'P'])?;
        let exp: i32 = exp.parse().ok()?;
        let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
        let mut m = 0f64;
        for c in int_part.chars().chain(frac_part.chars()) {
            m = m * 16.0 + c.to_digit(16)? as f64;
        }
        m * 2f64.powi(exp - 4 * frac_part.len() as i32)
    } else {
        if clean.is_empty() || !clean.bytes().next()?.is_ascii_digit() && !clean.starts_with('.') {
            return None;
        }
        clean.parse::<f64>().ok()?
    };
    Some(if neg { -value } else { value })
}
