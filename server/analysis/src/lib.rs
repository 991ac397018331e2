//! The analysis core of gitops-ls: text in, findings out.
//!
//! The pipeline follows the modules: [`yaml`] (YAML with byte ranges) →
//! [`k8s`] (objects and their containers) → [`rules`] → findings with
//! [`fix`]es, driven by [`analyze`]. Nothing here knows about LSP, async or
//! files; front ends map positions with [`text::LineIndex`].

pub mod text;
pub mod yaml;
