//! How a template set parses and runs: Go's and Helm's settings, and the budgets.

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
