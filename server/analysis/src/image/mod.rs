//! Container image references and the Kubernetes `imagePullPolicy` default.
//!
//! A port of distribution/reference `ParseNormalizedNamed` (v0.6.0, with go-digest digest
//! validation), Kubernetes `pkg/util/parsers.ParseImageName` and the pull-policy part of
//! `SetDefaults_Container`, reproducing the upstream error texts exactly.

mod digest;
mod gostrings;
mod policy;
mod reference;

pub use policy::{default_pull_policy, parse_image_name, DefaultReason, PullPolicy};
pub use reference::{parse_normalized_named, ImageReference, ReferenceError, ReferenceErrorKind};
