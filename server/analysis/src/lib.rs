//! The analysis core of gitops-ls: text in, findings out.
//!
//! The pipeline follows the modules: [`yaml`] (YAML with byte ranges) →
//! [`k8s`] (objects, containers, effective pull policy) → [`rules`] →
//! [`finding`]s with [`fix`]es, driven by [`analyze`]. Nothing here knows
//! about LSP, async or the file system; front ends map byte offsets to
//! their positions with [`text::LineIndex`].

mod analysis;
pub mod config;
pub mod finding;
pub mod fix;
pub mod gitops;
pub mod image;
#[doc(hidden)]
pub mod invariants;
pub mod k8s;
pub mod rules;
pub mod suppress;
pub mod text;
pub mod work;
pub mod yaml;

pub use analysis::{analyze, Analysis, MAX_FILE_BYTES};
pub use config::{Config, ConfigError};
pub use finding::{apply_edits, ContainerLabel, Edit, Finding, Fix, RelatedLocation, Severity};
