//! Kubernetes knowledge labc checks against: core API versions and kinds, which core kinds
//! are cluster-scoped, system namespaces, names Kubernetes and Flux accept, and where an
//! object's file goes.

use crate::diag::codes;
use crate::diag::shown;
use crate::diag::Diag;

/// Namespaces that exist on every cluster; nobody creates or owns them.
pub const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "default",
    "flux-system",
];

/// Core Kubernetes API groups/versions: their kinds need no CRD.
const CORE_API_VERSIONS: &[&str] = &[
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "storage.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "autoscaling/v2",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "node.k8s.io/v1",
    // The successors the retired versions below name (`RETIRED_APIS`).
    "apiregistration.k8s.io/v1",
    "certificates.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
];

pub fn core_kind(api_version: &str, _kind: &str) -> bool {
    CORE_API_VERSIONS.contains(&api_version)
}

/// A kind is at most this long (Kubernetes allows 63 characters in a kind's plural name).
const KIND_LIMIT: usize = 63;

/// The API group of kustomize's own build files (`Kustomization`, `Component`): they are
/// instructions for kustomize, not objects a cluster can hold, and labc writes them.
pub const KUSTOMIZE_CONFIG_GROUP: &str = "kustomize.config.k8s.io";

/// Entries labc writes under `clusters/<cluster>/` itself: a component's folder and Flux
/// Kustomization named like one would replace Flux's own bootstrap.
pub const RESERVED_COMPONENT_NAMES: &[&str] = &["flux-system"];

/// The file name labc writes in every Kustomization folder, which objects cannot use.
const KUSTOMIZATION_FILE: &str = "kustomization.yaml";

/// Why `kind` is not a Kubernetes kind (an ASCII letter, then ASCII letters and digits, at
/// most 63 characters), or `None` when it is one. The kind becomes a file name.
pub fn kind_problem(kind: &str) -> Option<String> {
    let Some(first) = kind.chars().next() else {
        return Some("it is empty".into());
    };
    let len = kind.chars().count();
    if len > KIND_LIMIT {
        return Some(format!(
            "it is {len} characters long, the limit is {KIND_LIMIT}"
        ));
    }
    if !first.is_ascii_alphabetic() {
        return Some(format!(
            "it starts with `{}`; a kind starts with a letter",
            first.escape_debug()
        ));
    }
    kind.chars().find(|c| !c.is_ascii_alphanumeric()).map(|c| {
        format!(
            "it contains `{}`; a kind has only ASCII letters and digits",
            c.escape_debug()
        )
    })
}

/// Why `api_version` is not `group/version` or `version` (the group a DNS-1123 subdomain,
/// the version a DNS-1123 label), or `None` when it is valid.
pub fn api_version_problem(api_version: &str) -> Option<String> {
    use crate::literal::{name_problem, NameRule};
    if api_version.is_empty() {
        return Some("it is empty".into());
    }
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (Some(g), v),
        None => (None, api_version),
    };
    if version.contains('/') {
        return Some(
            "it has more than one `/`; an API version is `group/version` or `version`".into(),
        );
    }
    if let Some(group) = group {
        if group.is_empty() {
            return Some("its group (before `/`) is empty".into());
        }
        if let Some(reason) = name_problem(group, NameRule::Subdomain) {
            return Some(format!(
                "its group `{}` is not a DNS subdomain: {reason}",
                shown(group)
            ));
        }
    }
    if version.is_empty() {
        return Some("its version (after `/`) is empty".into());
    }
    name_problem(version, NameRule::Label).map(|reason| {
        format!(
            "its version `{}` is not a DNS label: {reason}",
            shown(version)
        )
    })
}

/// The API group of an API version: `apps/v1` -> `apps`, `v1` -> `` (the core group).
pub fn api_group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// Whether objects of this API version cannot be resources: kustomize's build files
/// (`kustomize.config.k8s.io`) are written by labc, one per folder.
pub fn is_kustomize_config(api_version: &str) -> bool {
    api_group(api_version) == KUSTOMIZE_CONFIG_GROUP
}

/// The file of a Kustomization folder that holds the objects of this kind: one file per
/// kind, `<kind in lowercase>.yaml` (generated and declared objects of one kind share it).
/// A kind whose file would be the folder's `kustomization.yaml` (a Flux `Kustomization`)
/// gets its group in the name instead, `kustomization.<group>.yaml`. Kinds have no dots,
/// so such a name never meets another kind's file.
pub fn object_file(api_version: &str, kind: &str) -> String {
    let plain = format!("{}.yaml", kind.to_ascii_lowercase());
    if plain != KUSTOMIZATION_FILE {
        return plain;
    }
    let group = match api_group(api_version) {
        "" => "core",
        g => g,
    };
    format!("{}.{group}.yaml", kind.to_ascii_lowercase())
}

/// The error for a component's name that cannot be used, or `None`: the name is its
/// namespace (by default), HelmRelease, Flux Kustomizations and output folder, so it must
/// be a DNS-1123 label and not a name labc writes itself. Reported at `span`, the name.
pub fn component_name_problem(
    name: &str,
    file: crate::db::SourceFile,
    span: crate::syntax::ast::Span,
) -> Option<Diag> {
    use crate::literal::{check_k8s_name, NameRule};
    if let Err(err) = check_k8s_name(name, NameRule::Label) {
        return Some(
            Diag::error(codes::E0305, file, span, err.message)
                .label("not a valid component name")
                .note("a component's name is the name of its namespace, Flux Kustomization and output folder, so it is a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters")
                .help_opt(err.help),
        );
    }
    if RESERVED_COMPONENT_NAMES.contains(&name) {
        return Some(
            Diag::error(codes::E0508, file, span, format!("a component cannot be named `{name}`"))
                .label("reserved for Flux's own bootstrap")
                .note(format!("labc writes `clusters/<cluster>/{name}/` and the Kustomization `{name}` for Flux itself"))
                .help("choose another name"),
        );
    }
    None
}

/// Where a core API version stands in the Kubernetes releases labc targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retirement {
    /// Still served, with a deprecation warning from the API server since this release.
    Deprecated(&'static str),
    /// No longer served since this release: the API server rejects the object.
    Removed(&'static str),
}

/// A retired core API version of some kinds, and what to write instead (an API version,
/// or `apiVersion Kind` when the kind changes too; empty: no successor).
pub struct RetiredApi {
    pub api_version: &'static str,
    pub kinds: &'static [&'static str],
    pub retirement: Retirement,
    pub use_instead: &'static str,
}

const fn removed(
    api_version: &'static str,
    kinds: &'static [&'static str],
    release: &'static str,
    use_instead: &'static str,
) -> RetiredApi {
    RetiredApi {
        api_version,
        kinds,
        retirement: Retirement::Removed(release),
        use_instead,
    }
}

const WORKLOADS_V1BETA: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ControllerRevision",
];
const RBAC_KINDS: &[&str] = &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
const FLOW_CONTROL_KINDS: &[&str] = &["FlowSchema", "PriorityLevelConfiguration"];

/// Core API versions Kubernetes deprecated or removed, from its deprecation guide. Every
/// removal here happened in a release older than any still supported, so a removed
/// version cannot be applied to a cluster labc writes for.
pub const RETIRED_APIS: &[RetiredApi] = &[
    removed(
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        "1.16",
        "apps/v1",
    ),
    removed(
        "extensions/v1beta1",
        &["NetworkPolicy"],
        "1.16",
        "networking.k8s.io/v1",
    ),
    removed("extensions/v1beta1", &["PodSecurityPolicy"], "1.16", ""),
    removed(
        "extensions/v1beta1",
        &["Ingress"],
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed("apps/v1beta1", WORKLOADS_V1BETA, "1.16", "apps/v1"),
    removed("apps/v1beta2", WORKLOADS_V1BETA, "1.16", "apps/v1"),
    removed(
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    removed(
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    removed(
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        "1.22",
        "certificates.k8s.io/v1",
    ),
    removed(
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        "1.22",
        "coordination.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        RBAC_KINDS,
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1alpha1",
        RBAC_KINDS,
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    removed(
        "scheduling.k8s.io/v1alpha1",
        &["PriorityClass"],
        "1.17",
        "scheduling.k8s.io/v1",
    ),
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22",
        "storage.k8s.io/v1",
    ),
    removed(
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        "1.27",
        "storage.k8s.io/v1",
    ),
    removed("batch/v1beta1", &["CronJob"], "1.25", "batch/v1"),
    removed("batch/v2alpha1", &["CronJob"], "1.21", "batch/v1"),
    removed(
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        "1.25",
        "discovery.k8s.io/v1",
    ),
    removed(
        "events.k8s.io/v1beta1",
        &["Event"],
        "1.25",
        "events.k8s.io/v1",
    ),
    removed(
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        "1.25",
        "autoscaling/v2",
    ),
    removed(
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        "1.26",
        "autoscaling/v2",
    ),
    removed(
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        "1.25",
        "policy/v1",
    ),
    removed("policy/v1beta1", &["PodSecurityPolicy"], "1.25", ""),
    removed(
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        "1.25",
        "node.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        FLOW_CONTROL_KINDS,
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        FLOW_CONTROL_KINDS,
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        FLOW_CONTROL_KINDS,
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    RetiredApi {
        api_version: "v1",
        kinds: &["Endpoints"],
        retirement: Retirement::Deprecated("1.33"),
        use_instead: "discovery.k8s.io/v1 EndpointSlice",
    },
];

/// The retirement of `api_version` for `kind`, if Kubernetes deprecated or removed it.
pub fn retired_api(api_version: &str, kind: &str) -> Option<&'static RetiredApi> {
    RETIRED_APIS
        .iter()
        .find(|r| r.api_version == api_version && r.kinds.contains(&kind))
}

/// What a diagnostic about a retired API says: the message, and the help naming what to
/// write instead.
pub fn retired_api_words(r: &RetiredApi, kind: &str) -> (String, String) {
    let message = match r.retirement {
        Retirement::Removed(v) => {
            format!("`{}` `{kind}` was removed in Kubernetes {v}", r.api_version)
        }
        Retirement::Deprecated(v) => format!(
            "`{}` `{kind}` is deprecated since Kubernetes {v}",
            r.api_version
        ),
    };
    let help = match r.use_instead.split_once(' ') {
        _ if r.use_instead.is_empty() => {
            format!("`{kind}` has no successor: remove it (and use what replaced it in Kubernetes)")
        }
        Some((av, new_kind)) => format!("write `{av}` `{new_kind}` instead"),
        None => format!("write `{}` `{kind}` instead", r.use_instead),
    };
    (message, help)
}

/// Fields of core kinds that hold a cron expression, as (apiVersion, kind, path): a
/// CronJob's schedule has five fields, minute first.
pub const CRON_FIELDS: &[(&str, &str, &[&str])] = &[("batch/v1", "CronJob", &["spec", "schedule"])];

/// Fields of core kinds that hold addresses of the cluster's service range (`services`):
/// a Service's `spec.clusterIP` and its list `spec.clusterIPs`. `None` and the empty
/// string are not addresses there (a headless Service; let Kubernetes choose).
pub const SERVICE_IP_FIELDS: &[(&str, &str, &[&str])] = &[
    ("v1", "Service", &["spec", "clusterIP"]),
    ("v1", "Service", &["spec", "clusterIPs"]),
];

/// Where a workload controller keeps its pod template's labels.
const TEMPLATE_LABELS: &[&str] = &["spec", "template", "metadata", "labels"];

/// Core kinds whose objects make pods, as (apiVersion, kind, path to the pod labels): the
/// workload controllers' pod templates and a bare Pod's own labels.
pub const POD_TEMPLATES: &[(&str, &str, &[&str])] = &[
    ("apps/v1", "Deployment", TEMPLATE_LABELS),
    ("apps/v1", "StatefulSet", TEMPLATE_LABELS),
    ("apps/v1", "DaemonSet", TEMPLATE_LABELS),
    ("apps/v1", "ReplicaSet", TEMPLATE_LABELS),
    ("v1", "ReplicationController", TEMPLATE_LABELS),
    ("batch/v1", "Job", TEMPLATE_LABELS),
    (
        "batch/v1",
        "CronJob",
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ],
    ),
    ("v1", "Pod", &["metadata", "labels"]),
];

/// Core kinds that select pods of their namespace by labels, as (apiVersion, kind, path to
/// the selector, whether it is a LabelSelector (`matchLabels`, `matchExpressions`) rather
/// than a plain map of labels).
pub const POD_SELECTORS: &[(&str, &str, &[&str], bool)] = &[
    ("v1", "Service", &["spec", "selector"], false),
    (
        "policy/v1",
        "PodDisruptionBudget",
        &["spec", "selector"],
        true,
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        &["spec", "podSelector"],
        true,
    ),
];

/// Core Kubernetes kinds that are cluster-scoped.
pub const CORE_CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PersistentVolume",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
];

/// Roles and role bindings: Kubernetes names them by path segment, not DNS-1123, and
/// `system:...` names are common in hand-written RBAC manifests.
pub fn is_rbac_object(api_version: &str, kind: &str) -> bool {
    api_version.starts_with("rbac.authorization.k8s.io/")
        && matches!(
            kind,
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
        )
}

/// Why `name` is not a path segment name (Kubernetes' rule for RBAC objects: not `.` or
/// `..`, no `/` or `%`), or has characters no object name should (control characters,
/// spaces), or is longer than any object name may be (253).
pub fn rbac_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name == "." || name == ".." {
        return Some(format!("`{name}` is not a name"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c == '/' || c == '%' || c.is_control() || c.is_whitespace())
    {
        return Some(format!(
            "it contains `{}`",
            crate::diag::shown(&c.to_string())
        ));
    }
    (name.len() > 253).then(|| format!("it is {} bytes long, more than 253", name.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_identifiers() {
        for ok in [
            "ConfigMap",
            "HelmRelease",
            "VMServiceScrape",
            "v1Thing",
            "A",
        ] {
            assert_eq!(kind_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "../../../../victim",
            "a/b",
            "Config-Map",
            "_x",
            "1Kind",
            "Café",
            ".hidden",
        ] {
            assert!(kind_problem(bad).is_some(), "{bad:?}");
        }
        assert!(kind_problem(&"K".repeat(63)).is_none());
        assert!(kind_problem(&"K".repeat(64)).is_some());
    }

    #[test]
    fn api_versions_are_group_and_version() {
        for ok in [
            "v1",
            "apps/v1",
            "networking.k8s.io/v1",
            "helm.toolkit.fluxcd.io/v2beta1",
        ] {
            assert_eq!(api_version_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "/v1",
            "apps/",
            "apps/v1/x",
            "Apps/v1",
            "apps/V1",
            "../v1",
            "a..b/v1",
            "v1 ",
        ] {
            assert!(api_version_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn object_files_never_take_the_kustomization_file() {
        assert_eq!(object_file("v1", "ConfigMap"), "configmap.yaml");
        assert_eq!(
            object_file("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
            "kustomization.kustomize.toolkit.fluxcd.io.yaml"
        );
        assert_eq!(
            object_file("v1", "Kustomization"),
            "kustomization.core.yaml"
        );
        assert!(is_kustomize_config("kustomize.config.k8s.io/v1beta1"));
        assert!(!is_kustomize_config("kustomize.toolkit.fluxcd.io/v1"));
    }

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 65);
    }
}
