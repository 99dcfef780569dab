//! What a component becomes, for its hover: per cluster it is placed on, the objects of
//! its Flux Kustomizations (apiVersion, kind, namespace/name) and their derived
//! `dependsOn`, read from the lowering query `cluster_ir` (the IR, not emitted YAML).

use crate::db::{Db, Lab};
use crate::lower::cluster_ir;
use crate::sema::index::ItemRef;
use crate::yaml::Yaml;

/// How many objects a cluster's section lists before "and N more".
const MAX_OBJECTS: usize = 8;

/// The hover's section on what `component` emits, as Markdown; empty when it is placed on
/// no cluster that lowers (a lab with errors in `lab`, say).
pub fn section(db: &dyn Db, lab: Lab, component: &ItemRef) -> String {
    let mut out = String::new();
    for cluster in &component.on {
        let Some(ir) = cluster_ir(db, lab, cluster.clone()) else {
            continue;
        };
        let mine: Vec<_> = ir
            .kustomizations
            .iter()
            .filter(|k| k.component == component.name)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut objects: Vec<String> = Vec::new();
        let mut depends_on: Vec<&str> = Vec::new();
        for k in &mine {
            for doc in k.files.values().flatten() {
                objects.push(object_line(doc));
            }
            for d in &k.depends_on {
                let own = mine.iter().any(|m| m.name == *d);
                if !own && !depends_on.contains(&d.as_str()) {
                    depends_on.push(d);
                }
            }
        }
        out.push_str(&format!("\n\nOn `{cluster}`:"));
        for o in objects.iter().take(MAX_OBJECTS) {
            out.push_str(&format!("\n- `{o}`"));
        }
        if objects.len() > MAX_OBJECTS {
            out.push_str(&format!("\n- and {} more", objects.len() - MAX_OBJECTS));
        }
        if !depends_on.is_empty() {
            let list: Vec<String> = depends_on.iter().map(|d| format!("`{d}`")).collect();
            out.push_str(&format!("\n\n`dependsOn`: {}", list.join(", ")));
        }
    }
    out
}

/// `apiVersion kind namespace/name` of one object (`name` alone when cluster-scoped).
fn object_line(doc: &Yaml) -> String {
    let text = |path: &[&str]| match doc.get_path(path) {
        Some(Yaml::Str(s)) => s.clone(),
        _ => String::new(),
    };
    let name = text(&["metadata", "name"]);
    let namespace = text(&["metadata", "namespace"]);
    let at = if namespace.is_empty() {
        name
    } else {
        format!("{namespace}/{name}")
    };
    format!("{} {} {at}", text(&["apiVersion"]), text(&["kind"]))
}
