//! Secrets read and produced on one cluster: an emitted object that reads a Secret by
//! name (a Gateway listener's `certificateRefs`, `secretKeyRef`, `secretRef`, a Secret
//! volume, `imagePullSecrets`) that nothing on the cluster produces (E0416).
//!
//! Only what is certain is reported. A Secret may come from a chart (any chart can
//! template one) or from an operator reconciling a custom resource (certificates, synced
//! secrets, database credentials), and labc cannot see either, so a namespace holding a
//! component's chart or any custom resource (but those of the Kubernetes project's own API
//! groups, `*.k8s.io`) is not checked; nor are the system namespaces,
//! which the bootstrap fills, nor a Secret whose name an emitted Secret has in another
//! namespace (a controller may copy it), nor any namespace of a cluster with a custom
//! resource that reaches into other namespaces. What is left are namespaces of plain
//! objects only; and since a Secret may be created outside the lab (by hand, by the
//! bootstrap), only a reference that nearly matches a Secret the lab writes in that
//! namespace (a misspelling) is reported.

use indexmap::{IndexMap, IndexSet};

use crate::db::Db;
use crate::diag::{codes, did_you_mean};
use crate::sema::component_ir::{ComponentIr, Resource};
use crate::sema::eval::Value;
use crate::sema::kube::{core_kind, SYSTEM_NAMESPACES};

/// How an object names a Secret it reads: under the key `key`, a record (or, for a list
/// key, a list of records) whose field `field` is the Secret's name. The field list is
/// Kubernetes' and the Gateway API's, which name no product.
struct Consumer {
    key: &'static str,
    field: &'static str,
    list: bool,
}

const CONSUMERS: &[Consumer] = &[
    // A Gateway listener's `tls.certificateRefs` (kind `Secret` unless it says otherwise).
    Consumer {
        key: "certificateRefs",
        field: "name",
        list: true,
    },
    // `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`.
    Consumer {
        key: "secretKeyRef",
        field: "name",
        list: false,
    },
    Consumer {
        key: "secretRef",
        field: "name",
        list: false,
    },
    // A Pod volume `secret.secretName`.
    Consumer {
        key: "secret",
        field: "secretName",
        list: false,
    },
    Consumer {
        key: "imagePullSecrets",
        field: "name",
        list: true,
    },
];

/// A Secret an object reads: its name and namespace (`None`: the object's own).
struct SecretUse {
    name: String,
    namespace: Option<String>,
    key: &'static str,
}

/// Whether a reference record is a Secret reference that must exist: no other `kind`
/// or `group`, and not `optional`.
fn is_required_secret_ref(r: &IndexMap<String, Value>) -> bool {
    let kind_ok = match r.get("kind") {
        None => true,
        Some(Value::Str(k)) => k == "Secret",
        Some(_) => false,
    };
    let group_ok = match r.get("group") {
        None => true,
        Some(Value::Str(g)) => g.is_empty(),
        Some(_) => false,
    };
    let optional = matches!(r.get("optional"), Some(Value::Bool(true)));
    kind_ok && group_ok && !optional
}

/// The Secret a reference record names, if it is one that must exist.
fn secret_use(r: &Value, c: &Consumer) -> Option<SecretUse> {
    let Value::Record(r) = r else { return None };
    let Some(Value::Str(name)) = r.get(c.field) else {
        return None;
    };
    if !is_required_secret_ref(r) {
        return None;
    }
    let namespace = match r.get("namespace") {
        Some(Value::Str(ns)) => Some(ns.clone()),
        _ => None,
    };
    Some(SecretUse {
        name: name.clone(),
        namespace,
        key: c.key,
    })
}

/// The Secrets `v` reads, depth first.
fn collect_uses(v: &Value, out: &mut Vec<SecretUse>) {
    match v {
        Value::List(items) => items.iter().for_each(|i| collect_uses(i, out)),
        Value::Record(r) => {
            for c in CONSUMERS {
                match (r.get(c.key), c.list) {
                    (Some(Value::List(refs)), true) => {
                        out.extend(refs.iter().filter_map(|x| secret_use(x, c)))
                    }
                    (Some(x), false) => out.extend(secret_use(x, c)),
                    _ => {}
                }
            }
            r.values().for_each(|i| collect_uses(i, out));
        }
        _ => {}
    }
}

/// What the cluster's components produce: the Secrets they write (namespace, name), and
/// the namespaces where something labc cannot see may produce one.
struct Producers {
    secrets: IndexSet<(String, String)>,
    unknown: IndexSet<String>,
    /// A custom resource that targets other namespaces (it has a `namespaceSelector`,
    /// `namespaceSelectors` or `namespaces` field) may write Secrets anywhere.
    anywhere: bool,
}

/// The keys with which a custom resource reaches into other namespaces.
const NAMESPACE_TARGET_KEYS: &[&str] = &["namespaceSelector", "namespaceSelectors", "namespaces"];

/// Whether `v` has one of `NAMESPACE_TARGET_KEYS` at any depth.
fn targets_namespaces(v: &Value) -> bool {
    match v {
        Value::List(items) => items.iter().any(targets_namespaces),
        Value::Record(r) => {
            NAMESPACE_TARGET_KEYS.iter().any(|k| r.contains_key(*k))
                || r.values().any(targets_namespaces)
        }
        _ => false,
    }
}

/// Whether an API version is one of the Kubernetes project's own API groups
/// (`*.k8s.io`, such as the Gateway API): their controllers route and schedule, and never
/// write Secrets, so their objects leave a namespace checkable.
fn kubernetes_api(api_version: &str) -> bool {
    api_version
        .rsplit_once('/')
        .is_some_and(|(group, _)| group.ends_with(".k8s.io"))
}

fn producers(components: &[&ComponentIr]) -> Producers {
    let mut p = Producers {
        secrets: IndexSet::new(),
        unknown: SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect(),
        anywhere: false,
    };
    for c in components {
        // A component with errors is left out of the output, but what it would produce
        // is unknown: no follow-on errors for its consumers.
        if c.out.chart.is_some() || !c.ok {
            p.unknown.insert(c.namespace.clone());
        }
        for r in &c.out.resources {
            let ns = r.namespace.clone().unwrap_or_else(|| c.namespace.clone());
            if r.api_version == "v1" && r.kind == "Secret" {
                p.secrets.insert((ns, r.name.clone()));
            } else if !core_kind(&r.api_version, &r.kind) && !kubernetes_api(&r.api_version) {
                p.unknown.insert(ns);
                p.anywhere |= targets_namespaces(&r.body);
            }
        }
    }
    p
}

/// `E0416`: an object reads a Secret in a namespace of plain objects, and none of them is
/// that Secret. Once per component and Secret.
pub(super) fn check_secret_uses(db: &dyn Db, cluster: &str, components: &[&ComponentIr]) {
    let p = producers(components);
    if p.anywhere {
        return;
    }
    for c in components.iter().filter(|c| c.ok) {
        let mut reported: IndexSet<(String, String)> = IndexSet::new();
        for r in &c.out.resources {
            let mut uses = Vec::new();
            collect_uses(&r.body, &mut uses);
            let own_ns = r.namespace.clone().unwrap_or_else(|| c.namespace.clone());
            for u in uses {
                let ns = u.namespace.clone().unwrap_or_else(|| own_ns.clone());
                let key = (ns.clone(), u.name.clone());
                // A Secret of that name in another namespace may be copied over by a
                // controller labc does not see: not certain, so not reported.
                let elsewhere = p.secrets.iter().any(|(_, name)| *name == u.name);
                if p.unknown.contains(&ns) || elsewhere || !reported.insert(key) {
                    continue;
                }
                // A Secret may also be created outside the lab (by hand, by the
                // bootstrap), so only a near miss of a Secret the lab writes in that
                // namespace is certain to be a mistake.
                let same_ns = p
                    .secrets
                    .iter()
                    .filter(|(n, _)| *n == ns)
                    .map(|(_, name)| name.as_str());
                if let Some(meant) = did_you_mean(&u.name, same_ns) {
                    report_missing_secret(db, cluster, c, r, &u, &ns, meant);
                }
            }
        }
    }
}

fn report_missing_secret(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    r: &Resource,
    u: &SecretUse,
    ns: &str,
    meant: String,
) {
    super::placement::resource_diag(
        db,
        codes::E0416,
        c,
        r,
        format!(
            "{} `{}` reads Secret `{}` in namespace `{ns}`, which nothing on cluster `{cluster}` produces",
            r.kind, r.name, u.name
        ),
        format!("`{}` names Secret `{}`", u.key, u.name),
    )
    .note(format!(
        "namespace `{ns}` holds no chart and no custom resource that could produce it, and the lab writes a Secret of a close name there"
    ))
    .help(meant)
    .emit(db);
}
