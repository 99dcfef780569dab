//! E0417: a selector of pods (a Service's `spec.selector`, a PodDisruptionBudget's
//! `spec.selector`, a NetworkPolicy's `spec.podSelector`; `kube::POD_SELECTORS`) that
//! matches no pod the lab makes in its namespace on the cluster. Only where labc knows
//! every pod template of the namespace: a namespace that holds a Helm release, any
//! custom resource (an operator may make pods from it), or is a system namespace, is
//! skipped, and so is a namespace where the lab makes no pod at all (its pods, if any,
//! come from elsewhere) and a cluster with a failed component. An empty selector selects
//! every pod and is not checked.

use indexmap::{IndexMap, IndexSet};

use crate::db::Db;
use crate::diag::{codes, Diag};
use crate::sema::component_ir::{ComponentIr, Resource};
use crate::sema::eval::Value;
use crate::sema::kube::{core_kind, POD_SELECTORS, POD_TEMPLATES, SYSTEM_NAMESPACES};

/// How many pod label sets the note lists.
const MAX_LISTED: usize = 5;

/// The value at `path` of a record tree.
fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Record(r) => r.get(*k),
        _ => None,
    })
}

/// A record of scalars as labels; `None` if any value has no text.
fn labels_of(v: &Value) -> Option<IndexMap<String, String>> {
    match v {
        Value::Record(r) => r
            .iter()
            .map(|(k, v)| v.scalar_text().map(|t| (k.clone(), t)))
            .collect(),
        _ => None,
    }
}

/// A selector: label equalities, and expressions (key, operator, values).
struct Selector {
    labels: IndexMap<String, String>,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    /// The selector at `v`, or `None` when it is absent, empty (every pod) or not
    /// understood (never a guess that could report a false mistake).
    fn read(v: &Value, label_selector: bool) -> Option<Selector> {
        let (labels, expressions) = if label_selector {
            let labels = match at(v, &["matchLabels"]) {
                Some(m) => labels_of(m)?,
                None => IndexMap::new(),
            };
            let exprs = match at(v, &["matchExpressions"]) {
                Some(Value::List(items)) => items.iter().map(expression).collect::<Option<_>>()?,
                Some(_) => return None,
                None => Vec::new(),
            };
            (labels, exprs)
        } else {
            (labels_of(v)?, Vec::new())
        };
        (!labels.is_empty() || !expressions.is_empty()).then_some(Selector {
            labels,
            expressions,
        })
    }

    fn matches(&self, pod: &IndexMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| pod.get(k) == Some(v))
            && self.expressions.iter().all(|(k, op, values)| {
                let got = pod.get(k);
                match op.as_str() {
                    "In" => got.is_some_and(|g| values.contains(g)),
                    "NotIn" => got.is_none_or(|g| !values.contains(g)),
                    "Exists" => got.is_some(),
                    _ => got.is_none(),
                }
            })
    }

    /// The selector as `key=value` words, for the message.
    fn words(&self) -> String {
        let mut out: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.extend(
            self.expressions
                .iter()
                .map(|(k, op, vs)| format!("{k} {op} ({})", vs.join(", "))),
        );
        out.join(", ")
    }
}

/// One `matchExpressions` entry, if well-formed.
fn expression(v: &Value) -> Option<(String, String, Vec<String>)> {
    let key = at(v, &["key"])?.scalar_text()?;
    let op = at(v, &["operator"])?.scalar_text()?;
    let values = match at(v, &["values"]) {
        Some(Value::List(vs)) => vs.iter().map(Value::scalar_text).collect::<Option<_>>()?,
        None => Vec::new(),
        Some(_) => return None,
    };
    matches!(op.as_str(), "In" | "NotIn" | "Exists" | "DoesNotExist").then_some((key, op, values))
}

/// The pods of each namespace labc knows completely: (object that makes them, labels).
type Pods<'c> = IndexMap<&'c str, Vec<(&'c Resource, IndexMap<String, String>)>>;

/// The pod templates per namespace, and the namespaces whose pods labc cannot see.
fn pods<'c>(components: &[&'c ComponentIr]) -> (Pods<'c>, IndexSet<&'c str>) {
    let mut pods: Pods = IndexMap::new();
    let mut opaque: IndexSet<&str> = SYSTEM_NAMESPACES.iter().copied().collect();
    for c in components {
        if c.out.chart.is_some() {
            opaque.insert(&c.namespace);
        }
        for r in &c.out.resources {
            let Some(ns) = r.namespace.as_deref() else {
                continue;
            };
            if !core_kind(&r.api_version, &r.kind) {
                opaque.insert(ns);
            }
            for (av, kind, path) in POD_TEMPLATES {
                if (*av, *kind) != (r.api_version.as_str(), r.kind.as_str()) {
                    continue;
                }
                match at(&r.body, path).map(labels_of) {
                    Some(Some(labels)) => pods.entry(ns).or_default().push((r, labels)),
                    // Computed or odd labels: the namespace cannot be judged.
                    Some(None) => {
                        opaque.insert(ns);
                    }
                    None => pods.entry(ns).or_default().push((r, IndexMap::new())),
                }
            }
        }
    }
    (pods, opaque)
}

/// Report every selector on `cluster` that matches no pod of its namespace.
pub(super) fn check_selectors(db: &dyn Db, cluster: &str, components: &[&ComponentIr]) {
    // A failed component's pods are unknown: its errors are the ones to fix first.
    if components.iter().any(|c| !c.ok) {
        return;
    }
    let (pods, opaque) = pods(components);
    for c in components {
        for r in &c.out.resources {
            let Some(ns) = r.namespace.as_deref() else {
                continue;
            };
            if opaque.contains(ns) {
                continue;
            }
            for (av, kind, path, label_selector) in POD_SELECTORS {
                if (*av, *kind) != (r.api_version.as_str(), r.kind.as_str()) {
                    continue;
                }
                let Some(sel) = at(&r.body, path).and_then(|v| Selector::read(v, *label_selector))
                else {
                    continue;
                };
                // A namespace where the lab makes no pod at all is not judged: its pods
                // come from somewhere labc cannot see, if anywhere.
                let Some(here) = pods.get(ns) else { continue };
                if !here.iter().any(|(_, labels)| sel.matches(labels)) {
                    report(db, cluster, r, path, &sel, ns, here);
                }
            }
        }
    }
}

fn report(
    db: &dyn Db,
    cluster: &str,
    r: &Resource,
    path: &[&str],
    sel: &Selector,
    ns: &str,
    here: &[(&Resource, IndexMap<String, String>)],
) {
    let d = Diag::error(
        codes::E0417,
        r.file,
        r.span,
        format!(
            "the `{}` of {} `{}` ({}) matches no pod in namespace `{ns}` on cluster `{cluster}`",
            path.join("."),
            r.kind,
            r.name,
            sel.words()
        ),
    )
    .label("selects nothing");
    let listed: Vec<String> = here
        .iter()
        .take(MAX_LISTED)
        .map(|(w, labels)| {
            let words: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let words = if words.is_empty() {
                "no labels".to_string()
            } else {
                words.join(", ")
            };
            format!("{} `{}`: {words}", w.kind, w.name)
        })
        .collect();
    let d = d.note(format!(
        "the pods of `{ns}` are labelled: {}",
        listed.join("; ")
    ));
    d.help("make the selector name labels of the pod template it is for, or add the workload to this namespace")
        .emit(db);
}
