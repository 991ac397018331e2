//! End-to-end tests of the language server: they start the real
//! `gitops-ls serve` and talk JSON-RPC to it over stdio.

mod client;
mod config;
mod editor_clients;
mod features;
mod gitops;
mod gitops_diagnostics;
mod large_files;
mod protocol;
mod robustness;
