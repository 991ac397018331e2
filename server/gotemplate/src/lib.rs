//! Go's `text/template` as Helm runs it, with provenance: every byte of the output knows
//! the template text or the action (and the data value) it came from.
//!
//! Pure: no I/O, no network. The caller adds files ([`Templates::add_file`]), registers
//! functions ([`Functions`]) and renders a named template with data ([`Templates::render`]).

mod exec;
pub mod fmt;
mod funcs;
mod lex;
pub mod output;
pub mod parse;
pub mod value;

pub use exec::{Context, ExecError, ExecErrorKind, FuncError, Function, Functions};
pub use output::{Rendered, Segment, Source};
pub use parse::ParseError;
pub use value::{Kind, Origin, Value};

use std::collections::HashMap;
use std::rc::Rc;

/// What a missing map key yields (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingKey {
    /// Go's default: the invalid value, printed `<no value>`; a field of it is again invalid.
    Invalid,
    /// `missingkey=zero`: the zero value of `interface{}` (a nil interface), as Helm uses;
    /// a field of it is an error ("nil pointer evaluating interface {}.x").
    Zero,
    /// `missingkey=error`.
    Error,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub missing_key: MissingKey,
    /// Remove every "<no value>" from the output afterwards, as Helm does.
    pub remove_no_value: bool,
    /// Nesting budget for template calls (`template`, `block`, and functions that render
    /// templates such as `include`). Go allows 100000; far fewer keep the stack small.
    pub max_depth: usize,
    /// Budget of evaluation steps (nodes walked and commands evaluated) per render.
    pub max_steps: u64,
    /// Budget of output bytes per render (included text counts where it is printed).
    pub max_output: usize,
}

impl Options {
    /// Go's defaults, with budgets.
    pub fn go() -> Options {
        Options {
            missing_key: MissingKey::Invalid,
            remove_no_value: false,
            max_depth: 100,
            max_steps: 10_000_000,
            max_output: 64 << 20,
        }
    }
    /// As Helm's engine runs templates: `missingkey=zero`, then "<no value>" removed.
    pub fn helm() -> Options {
        Options {
            missing_key: MissingKey::Zero,
            remove_no_value: true,
            ..Options::go()
        }
    }
}

/// Limits of the parser.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Nesting of control structures and parentheses; Go's error text when exceeded
    /// ("max expression depth exceeded").
    pub max_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { max_depth: 100 }
    }
}

/// A set of templates that can call each other, like a Go `*template.Template` with its
/// associated templates.
pub struct Templates {
    name: String,
    trees: HashMap<String, Rc<parse::Tree>>,
    functions: Functions,
    parse_options: ParseOptions,
}

impl Templates {
    /// `name` is the set's own name (Go's name of the root template, which appears in
    /// "no template ... associated with template NAME" errors).
    pub fn new(name: &str, functions: Functions) -> Templates {
        Templates {
            name: name.to_string(),
            trees: HashMap::new(),
            functions,
            parse_options: ParseOptions::default(),
        }
    }

    pub fn with_parse_options(mut self, options: ParseOptions) -> Templates {
        self.parse_options = options;
        self
    }

    pub fn functions(&self) -> &Functions {
        &self.functions
    }

    /// Parses `source` as the template `name` (plus its `define`s and `block`s). As Go's
    /// AddParseTree does, a definition replaces an earlier one of the same name unless it
    /// is empty. On error nothing is added.
    pub fn add_file(&mut self, name: &str, source: &str) -> Result<(), ParseError> {
        let trees = self.parse(name, source)?;
        for tree in trees {
            self.insert(tree);
        }
        Ok(())
    }

    pub(crate) fn parse(&self, name: &str, source: &str) -> Result<Vec<parse::Tree>, ParseError> {
        let has = |f: &str| self.functions.contains(f) || funcs::is_builtin(f);
        parse::parse_file(
            name,
            source,
            &has,
            &parse::ParseLimits {
                max_depth: self.parse_options.max_depth,
            },
        )
    }

    fn insert(&mut self, tree: parse::Tree) {
        if let Some(old) = self.trees.get(&tree.name) {
            if tree.is_empty() && !old.is_empty() {
                return;
            }
        }
        self.trees.insert(tree.name.clone(), Rc::new(tree));
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of all templates, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.trees.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Executes the template `name` with `data` as dot.
    pub fn render(
        &self,
        name: &str,
        data: &Value,
        options: &Options,
    ) -> Result<Rendered, ExecError> {
        let mut rendered = exec::execute(self, name, data, options)?;
        if options.remove_no_value {
            rendered.remove_all("<no value>");
        }
        Ok(rendered)
    }

    pub(crate) fn tree(&self, name: &str) -> Option<&Rc<parse::Tree>> {
        self.trees.get(name)
    }

    pub(crate) fn set_name(&self) -> &str {
        &self.name
    }
}
