//! Kubernetes objects: which containers a document holds and what pull
//! policy each one ends up with.

mod containers;
pub mod kinds;
mod policy;

pub use containers::{find_containers, Container, Field, ObjectInfo, IGNORE_ANNOTATION};
pub use kinds::{ContainerRole, Defaulting};
pub use policy::{effective_policy, EffectivePolicy, UnknownPolicy};
