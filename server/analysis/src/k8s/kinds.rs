//! Where containers live, per API group and kind (spec §5, `pod-paths.json`).
//!
//! Paths are dotted mapping keys; `[]` after a key visits every element of
//! that sequence.

/// Who fills in a missing `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaulting {
    /// A built-in type: the API server defaults the field when the object is
    /// first written.
    ApiServer,
    /// A custom resource: nothing defaults it in place; the controller's Pods
    /// get the API-server default when they are created.
    Controller,
    /// Knative resolves tags to digests, so its Pods usually get IfNotPresent.
    KnativeDigestResolution,
}

/// How a container-like node is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    Container,
    InitContainer,
    EphemeralContainer,
    Sidecar,
    /// A Tekton step: inherits unset fields from the task's `stepTemplate`.
    Step,
    /// Argo Workflows `container` / `script`: inherits from `templateDefaults`.
    WorkflowContainer,
    /// Tekton `stepTemplate`, Argo `templateDefaults.container`: defaults for
    /// other containers, not a container that runs.
    Template,
    /// Tekton StepAction: has `image` but no `imagePullPolicy` field.
    StepAction,
    /// KEP-4639 image volume: `reference` / `pullPolicy`.
    ImageVolume,
}

impl ContainerRole {
    pub fn describe(self) -> &'static str {
        match self {
            ContainerRole::Container => "container",
            ContainerRole::InitContainer => "init container",
            ContainerRole::EphemeralContainer => "ephemeral container",
            ContainerRole::Sidecar => "sidecar",
            ContainerRole::Step => "step",
            ContainerRole::WorkflowContainer => "workflow container",
            ContainerRole::Template => "container template",
            ContainerRole::StepAction => "step action",
            ContainerRole::ImageVolume => "image volume",
        }
    }

    /// The keys holding the image and its pull policy.
    pub fn keys(self) -> (&'static str, &'static str) {
        match self {
            ContainerRole::ImageVolume => ("reference", "pullPolicy"),
            _ => ("image", "imagePullPolicy"),
        }
    }
}

/// A place where containers are found, relative to the object root.
#[derive(Debug, Clone, Copy)]
pub enum Site {
    /// A PodSpec: `containers`, `initContainers`, `ephemeralContainers` and
    /// image volumes below this path.
    PodSpec(&'static str),
    /// A sequence of containers.
    List(&'static str, ContainerRole),
    /// One container mapping.
    Single(&'static str, ContainerRole),
    /// A Tekton TaskSpec: `steps` inherit from `stepTemplate`; `sidecars`.
    TektonTaskSpec(&'static str),
    /// An Argo Workflows spec: templates inherit from `templateDefaults`.
    WorkflowSpec(&'static str),
}

#[derive(Debug)]
pub struct KindSpec {
    pub group: &'static str,
    pub kinds: &'static [&'static str],
    pub sites: &'static [Site],
    pub defaulting: Defaulting,
}

const TEMPLATE: &[Site] = &[Site::PodSpec("spec.template.spec")];

/// Built-in workloads, including the old apiVersions that carried the same shapes.
const BUILT_IN: &[KindSpec] = &[
    KindSpec {
        group: "",
        kinds: &["Pod"],
        sites: &[Site::PodSpec("spec")],
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "",
        kinds: &["PodTemplate"],
        sites: &[Site::PodSpec("template.spec")],
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "",
        kinds: &["ReplicationController"],
        sites: TEMPLATE,
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "apps",
        kinds: &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"],
        sites: TEMPLATE,
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "extensions",
        kinds: &["Deployment", "ReplicaSet", "DaemonSet"],
        sites: TEMPLATE,
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "batch",
        kinds: &["Job"],
        sites: TEMPLATE,
        defaulting: Defaulting::ApiServer,
    },
    KindSpec {
        group: "batch",
        kinds: &["CronJob"],
        sites: &[Site::PodSpec("spec.jobTemplate.spec.template.spec")],
        defaulting: Defaulting::ApiServer,
    },
];

const CUSTOM: &[KindSpec] = &[
    KindSpec {
        group: "argoproj.io",
        kinds: &["Rollout"],
        sites: TEMPLATE,
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "argoproj.io",
        kinds: &["Experiment"],
        sites: &[Site::PodSpec("spec.templates[].template.spec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "argoproj.io",
        kinds: &["AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"],
        sites: &[Site::PodSpec(
            "spec.metrics[].provider.job.spec.template.spec",
        )],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "argoproj.io",
        kinds: &["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"],
        sites: &[Site::WorkflowSpec("spec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "argoproj.io",
        kinds: &["CronWorkflow"],
        sites: &[Site::WorkflowSpec("spec.workflowSpec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "tekton.dev",
        kinds: &["Task", "ClusterTask"],
        sites: &[Site::TektonTaskSpec("spec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "tekton.dev",
        kinds: &["TaskRun"],
        sites: &[Site::TektonTaskSpec("spec.taskSpec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "tekton.dev",
        kinds: &["Pipeline"],
        sites: &[
            Site::TektonTaskSpec("spec.tasks[].taskSpec"),
            Site::TektonTaskSpec("spec.finally[].taskSpec"),
        ],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "tekton.dev",
        kinds: &["PipelineRun"],
        sites: &[
            Site::TektonTaskSpec("spec.pipelineSpec.tasks[].taskSpec"),
            Site::TektonTaskSpec("spec.pipelineSpec.finally[].taskSpec"),
        ],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "tekton.dev",
        kinds: &["StepAction"],
        sites: &[Site::Single("spec", ContainerRole::StepAction)],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "serving.knative.dev",
        kinds: &["Service", "Configuration"],
        sites: TEMPLATE,
        defaulting: Defaulting::KnativeDigestResolution,
    },
    KindSpec {
        group: "serving.knative.dev",
        kinds: &["Revision"],
        sites: &[Site::PodSpec("spec")],
        defaulting: Defaulting::KnativeDigestResolution,
    },
    KindSpec {
        group: "keda.sh",
        kinds: &["ScaledJob"],
        sites: &[Site::PodSpec("spec.jobTargetRef.template.spec")],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "apps.kruise.io",
        kinds: &["CloneSet", "StatefulSet", "DaemonSet", "BroadcastJob"],
        sites: TEMPLATE,
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "apps.kruise.io",
        kinds: &["AdvancedCronJob"],
        sites: &[
            Site::PodSpec("spec.template.jobTemplate.spec.template.spec"),
            Site::PodSpec("spec.template.broadcastJobTemplate.spec.template.spec"),
        ],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "apps.kruise.io",
        kinds: &["SidecarSet"],
        sites: &[
            Site::List("spec.containers", ContainerRole::Sidecar),
            Site::List("spec.initContainers", ContainerRole::InitContainer),
        ],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "apps.kruise.io",
        kinds: &["UnitedDeployment"],
        sites: &[
            Site::PodSpec("spec.template.statefulSetTemplate.spec.template.spec"),
            Site::PodSpec("spec.template.advancedStatefulSetTemplate.spec.template.spec"),
            Site::PodSpec("spec.template.cloneSetTemplate.spec.template.spec"),
            Site::PodSpec("spec.template.deploymentTemplate.spec.template.spec"),
        ],
        defaulting: Defaulting::Controller,
    },
    KindSpec {
        group: "apps.kruise.io",
        kinds: &["EphemeralJob"],
        sites: &[Site::List(
            "spec.template.ephemeralContainers",
            ContainerRole::EphemeralContainer,
        )],
        defaulting: Defaulting::Controller,
    },
];

/// Kinds that carry an `image` but not a Kubernetes container: never linted
/// with the core rules (Kruise ImagePullJob has its own policy enum), nor
/// taken for an unknown workload. The GitOps objects only override the
/// images of what they deploy (kustomize `images:` semantics).
const NOT_CONTAINERS: &[(&str, &str)] = &[
    ("apps.kruise.io", "ImagePullJob"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("kustomize.config.k8s.io", "Kustomization"),
    ("argoproj.io", "Application"),
    ("argoproj.io", "ApplicationSet"),
];

/// The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``).
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

pub enum KindMatch {
    Known(&'static KindSpec),
    NotContainers,
    Unknown,
}

pub fn lookup(api_version: &str, kind: &str) -> KindMatch {
    let group = api_group(api_version);
    if NOT_CONTAINERS.contains(&(group, kind)) {
        return KindMatch::NotContainers;
    }
    BUILT_IN
        .iter()
        .chain(CUSTOM)
        .find(|spec| spec.group == group && spec.kinds.contains(&kind))
        .map_or(KindMatch::Unknown, KindMatch::Known)
}

/// A group of the built-in workload kinds (`""`, `apps`, `batch`, `extensions`).
pub fn is_built_in_group(group: &str) -> bool {
    BUILT_IN.iter().any(|spec| spec.group == group)
}

/// Kinds that hold data, never a pod template, whatever their content looks like.
pub fn is_data_kind(kind: &str) -> bool {
    matches!(kind, "ConfigMap" | "Secret")
}

/// A kind whose apiVersion is a template expression (Helm charts pick it
/// per cluster version): the built-in kind of that name, if there is one.
pub fn lookup_built_in_kind(kind: &str) -> KindMatch {
    BUILT_IN
        .iter()
        .find(|spec| spec.kinds.contains(&kind))
        .map_or(KindMatch::Unknown, KindMatch::Known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_group_and_kind() {
        assert!(matches!(
            lookup("apps/v1", "Deployment"),
            KindMatch::Known(_)
        ));
        assert!(matches!(
            lookup("apps/v1beta2", "StatefulSet"),
            KindMatch::Known(_)
        ));
        assert!(matches!(
            lookup("batch/v1beta1", "CronJob"),
            KindMatch::Known(_)
        ));
        assert!(matches!(lookup("v1", "ConfigMap"), KindMatch::Unknown));
        assert!(matches!(
            lookup("apps.kruise.io/v1alpha1", "ImagePullJob"),
            KindMatch::NotContainers
        ));
        assert!(matches!(
            lookup("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"),
            KindMatch::NotContainers
        ));
        assert_eq!(api_group("serving.knative.dev/v1"), "serving.knative.dev");
    }
}
