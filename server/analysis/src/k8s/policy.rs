//! The effective `imagePullPolicy` of a container.

use super::containers::Container;
use super::kinds::ContainerRole;
use crate::image::{default_pull_policy, DefaultReason, PullPolicy};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectivePolicy {
    /// Written in the manifest (`inherited`: on the step or container template).
    Explicit { policy: PullPolicy, inherited: bool },
    /// Not written: what the API server fills in, and why.
    Default {
        policy: PullPolicy,
        reason: DefaultReason,
    },
    /// Cannot be known from this file.
    Unknown(UnknownPolicy),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownPolicy {
    /// The policy is a template expression.
    TemplatedPolicy,
    /// No explicit policy and the image is a template expression.
    TemplatedImage,
    /// The written policy is not a valid value; the API server rejects it.
    InvalidPolicy(String),
    /// No explicit policy and no image to derive a default from.
    NoImage,
    /// The object has no pull policy field (Tekton StepAction).
    NoPolicyField,
}

impl EffectivePolicy {
    pub fn policy(&self) -> Option<PullPolicy> {
        match self {
            EffectivePolicy::Explicit { policy, .. } | EffectivePolicy::Default { policy, .. } => {
                Some(*policy)
            }
            EffectivePolicy::Unknown(_) => None,
        }
    }
}

pub fn effective_policy(container: &Container) -> EffectivePolicy {
    if container.role == ContainerRole::StepAction {
        return EffectivePolicy::Unknown(UnknownPolicy::NoPolicyField);
    }
    if let Some((field, inherited)) = container.policy_in_force() {
        if field.templated {
            return EffectivePolicy::Unknown(UnknownPolicy::TemplatedPolicy);
        }
        // `null` and "" decode to "", which the API server defaults.
        let empty = field.is_null || field.text.as_deref() == Some("");
        if !empty {
            let written = field.text.clone().unwrap_or_default();
            return match PullPolicy::parse_exact(&written) {
                Some(policy) => EffectivePolicy::Explicit { policy, inherited },
                None => EffectivePolicy::Unknown(UnknownPolicy::InvalidPolicy(written)),
            };
        }
    }
    let Some(image) = container.image_in_force() else {
        return EffectivePolicy::Unknown(UnknownPolicy::NoImage);
    };
    if image.templated {
        return EffectivePolicy::Unknown(UnknownPolicy::TemplatedImage);
    }
    let Some(reference) = image.text.as_deref() else {
        return EffectivePolicy::Unknown(UnknownPolicy::NoImage);
    };
    let reference = if image.is_null { "" } else { reference };
    let (policy, reason) = default_pull_policy(reference);
    EffectivePolicy::Default { policy, reason }
}
