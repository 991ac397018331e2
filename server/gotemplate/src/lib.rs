//! Go's `text/template` as Helm runs it, with provenance: every byte of the output knows
//! the template text or the action (and the data value) it came from.
//!
//! Pure: no I/O, no network. The caller adds files ([`Templates::add_file`]), registers
//! functions ([`Functions`]) and renders a named template with data ([`Templates::render`]).

mod exec;
pub mod fmt;
mod funcs;
mod lex;
pub mod options;
pub mod output;
pub mod parse;
pub mod value;

pub use exec::{Context, ExecError, ExecErrorKind, FuncError, Function, Functions, Templates};
pub use options::{MissingKey, Options, ParseOptions};
pub use output::{Origin, Rendered, Segment, Source};
pub use parse::ParseError;
pub use value::{Kind, Value};
