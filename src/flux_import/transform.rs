//! Kustomize's label and annotation transformers and its ConfigMap generator, as a
//! `kustomization.yaml` states them: `commonLabels` (also into the selectors and pod
//! templates kustomize's default field list names), `labels` (`includeSelectors`,
//! `includeTemplates`), `commonAnnotations` (also into pod templates), and
//! `configMapGenerator` (`literals`, `files`, `envs`). Pure over values; the files a
//! generator reads come through `read`.

use serde_yaml::{Mapping, Value};

/// Where a label goes besides `metadata.labels`: (kinds, path, create when missing).
/// `[]` walks every item of a list. After kustomize's default `commonLabels` fields.
const SELECTORS: &[(&[&str], &[&str], bool)] = &[
    (
        &["Service", "ReplicationController"],
        &["spec", "selector"],
        true,
    ),
    (
        &["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"],
        &["spec", "selector", "matchLabels"],
        true,
    ),
    (
        &["Job", "PodDisruptionBudget"],
        &["spec", "selector", "matchLabels"],
        false,
    ),
    (
        &["NetworkPolicy"],
        &["spec", "podSelector", "matchLabels"],
        false,
    ),
    (
        &["NetworkPolicy"],
        &[
            "spec",
            "ingress",
            "[]",
            "from",
            "[]",
            "podSelector",
            "matchLabels",
        ],
        false,
    ),
    (
        &["NetworkPolicy"],
        &[
            "spec",
            "egress",
            "[]",
            "to",
            "[]",
            "podSelector",
            "matchLabels",
        ],
        false,
    ),
];

/// Pod templates, where `includeTemplates` labels and `commonAnnotations` go too.
const TEMPLATES: &[(&[&str], &[&str], bool)] = &[
    (
        &[
            "ReplicationController",
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
        ],
        &["spec", "template", "metadata", "{}"],
        true,
    ),
    (
        &["CronJob"],
        &["spec", "jobTemplate", "metadata", "{}"],
        true,
    ),
    (
        &["CronJob"],
        &["spec", "jobTemplate", "spec", "template", "metadata", "{}"],
        true,
    ),
];

/// The `labels` and `commonLabels` of a kustomization applied to `docs`.
pub fn labels(k: &Mapping, docs: &mut [Value]) {
    let mut sets: Vec<(Mapping, bool, bool)> = Vec::new();
    if let Some(m) = k.get("commonLabels").and_then(Value::as_mapping) {
        sets.push((m.clone(), true, true));
    }
    for l in k
        .get("labels")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let Some(pairs) = l.get("pairs").and_then(Value::as_mapping) else {
            continue;
        };
        let flag = |f: &str| l.get(f).and_then(Value::as_bool).unwrap_or(false);
        let selectors = flag("includeSelectors");
        sets.push((
            pairs.clone(),
            selectors,
            selectors || flag("includeTemplates"),
        ));
    }
    for (pairs, selectors, templates) in sets {
        for d in docs.iter_mut() {
            add(d, &["metadata", "labels"], &pairs, true);
            let kind = d
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if templates {
                for (kinds, path, create) in TEMPLATES {
                    if kinds.contains(&kind.as_str()) {
                        add(d, &with_last(path, "labels"), &pairs, *create);
                    }
                }
            }
            if selectors {
                for (kinds, path, create) in SELECTORS {
                    if kinds.contains(&kind.as_str()) {
                        add(d, path, &pairs, *create);
                    }
                }
            }
        }
    }
}

/// The `commonAnnotations` of a kustomization applied to `docs`.
pub fn annotations(k: &Mapping, docs: &mut [Value]) {
    let Some(pairs) = k.get("commonAnnotations").and_then(Value::as_mapping) else {
        return;
    };
    for d in docs.iter_mut() {
        add(d, &["metadata", "annotations"], pairs, true);
        let kind = d
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for (kinds, path, create) in TEMPLATES {
            if kinds.contains(&kind.as_str()) {
                add(d, &with_last(path, "annotations"), pairs, *create);
            }
        }
    }
}

fn with_last<'a>(path: &[&'a str], last: &'a str) -> Vec<&'a str> {
    let mut p = path.to_vec();
    if let Some(l) = p.last_mut() {
        *l = last;
    }
    p
}

/// Merge `pairs` into the map at `path` (every item where the path says `[]`), making
/// the missing maps on the way when `create`.
fn add(v: &mut Value, path: &[&str], pairs: &Mapping, create: bool) {
    let Some((head, rest)) = path.split_first() else {
        if let Some(m) = v.as_mapping_mut() {
            for (k, val) in pairs {
                m.insert(k.clone(), val.clone());
            }
        }
        return;
    };
    if *head == "[]" {
        for item in v.as_sequence_mut().into_iter().flatten() {
            add(item, rest, pairs, create);
        }
        return;
    }
    let Some(m) = v.as_mapping_mut() else {
        return;
    };
    if !m.contains_key(*head) {
        if !create || rest.first() == Some(&"[]") {
            return;
        }
        m.insert((*head).into(), Value::Mapping(Mapping::new()));
    }
    if let Some(next) = m.get_mut(*head) {
        if next.is_null() && create {
            *next = Value::Mapping(Mapping::new());
        }
        add(next, rest, pairs, create);
    }
}

/// What a generator could not do exactly, for the report.
pub type Lost = Vec<String>;

/// The ConfigMaps of `configMapGenerator`: `literals` (`K=V`), `files` (`[key=]path`,
/// the key the file's name) and `envs` (files of `K=V` lines), read through `read`
/// (a path relative to the kustomization). The name's content hash, which kustomize adds
/// unless `generatorOptions.disableNameSuffixHash`, is not added: a note says so.
pub fn config_maps(
    k: &Mapping,
    read: &mut dyn FnMut(&str) -> Option<String>,
) -> (Vec<Value>, Lost) {
    let mut out = Vec::new();
    let mut lost = Vec::new();
    let no_hash = k
        .get("generatorOptions")
        .and_then(|o| o.get("disableNameSuffixHash"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for g in k
        .get("configMapGenerator")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let Some(name) = g.get("name").and_then(Value::as_str) else {
            lost.push("a configMapGenerator without a name".into());
            continue;
        };
        let mut data = Mapping::new();
        let strs = |key: &str| -> Vec<String> {
            g.get(key)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        };
        for lit in strs("literals") {
            if let Some((k, v)) = lit.split_once('=') {
                data.insert(k.into(), v.into());
            }
        }
        for f in strs("files") {
            let (key, path) = match f.split_once('=') {
                Some((k, p)) => (k.to_string(), p.to_string()),
                None => (f.rsplit('/').next().unwrap_or(&f).to_string(), f.clone()),
            };
            match read(&path) {
                Some(text) => {
                    data.insert(key.into(), text.into());
                }
                None => lost.push(format!(
                    "configMapGenerator `{name}`: file `{path}` not found"
                )),
            }
        }
        for env in strs("envs") {
            let Some(text) = read(&env) else {
                lost.push(format!(
                    "configMapGenerator `{name}`: envs file `{env}` not found"
                ));
                continue;
            };
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some((k, v)) = line.split_once('=') {
                    data.insert(k.trim().into(), v.into());
                }
            }
        }
        if !no_hash {
            lost.push(format!(
                "configMapGenerator `{name}`: written without kustomize's name suffix hash"
            ));
        }
        let mut meta = Mapping::new();
        meta.insert("name".into(), name.into());
        if let Some(ns) = g.get("namespace").and_then(Value::as_str) {
            meta.insert("namespace".into(), ns.into());
        }
        let mut cm = Mapping::new();
        cm.insert("apiVersion".into(), "v1".into());
        cm.insert("kind".into(), "ConfigMap".into());
        cm.insert("metadata".into(), Value::Mapping(meta));
        cm.insert("data".into(), Value::Mapping(data));
        out.push(Value::Mapping(cm));
    }
    (out, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn common_labels_reach_selectors_and_templates() {
        let k = yaml("commonLabels:\n  team: a\n");
        let mut docs = vec![
            yaml("kind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec: {}\n"),
            yaml("kind: NetworkPolicy\nmetadata:\n  name: n\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              x: y\n        - namespaceSelector: {}\n"),
            yaml("kind: VMServiceScrape\nmetadata:\n  name: s\nspec:\n  selector:\n    matchLabels: {}\n"),
        ];
        labels(k.as_mapping().unwrap(), &mut docs);
        assert_eq!(docs[0]["metadata"]["labels"]["team"], "a");
        assert_eq!(docs[0]["spec"]["selector"]["matchLabels"]["team"], "a");
        assert_eq!(
            docs[0]["spec"]["template"]["metadata"]["labels"]["team"],
            "a"
        );
        // An existing selector gains the label; a missing one is not made (create: false).
        let from = &docs[1]["spec"]["ingress"][0]["from"];
        assert_eq!(from[0]["podSelector"]["matchLabels"]["team"], "a");
        assert!(from[1].get("podSelector").is_none());
        assert!(docs[1]["spec"]["podSelector"].get("matchLabels").is_none());
        // A custom resource: its metadata only.
        assert!(docs[2]["spec"]["selector"]["matchLabels"]
            .get("team")
            .is_none());
        assert_eq!(docs[2]["metadata"]["labels"]["team"], "a");

        // `labels` without includeSelectors: metadata only.
        let k = yaml("labels:\n  - pairs:\n      team: b\n");
        let mut docs = vec![yaml("kind: Deployment\nmetadata:\n  name: d\n")];
        labels(k.as_mapping().unwrap(), &mut docs);
        assert_eq!(docs[0]["metadata"]["labels"]["team"], "b");
        assert!(docs[0].get("spec").is_none());
    }

    #[test]
    fn a_config_map_generator_reads_its_files() {
        let k = yaml("configMapGenerator:\n  - name: cfg\n    literals: [A=1]\n    files: [config.yaml, other=x/b.txt]\ngeneratorOptions:\n  disableNameSuffixHash: true\n");
        let mut read = |p: &str| match p {
            "config.yaml" => Some("a: 1\n".to_string()),
            "x/b.txt" => Some("b".to_string()),
            _ => None,
        };
        let (cms, lost) = config_maps(k.as_mapping().unwrap(), &mut read);
        assert!(lost.is_empty(), "{lost:?}");
        assert_eq!(cms[0]["data"]["A"], "1");
        assert_eq!(cms[0]["data"]["config.yaml"], "a: 1\n");
        assert_eq!(cms[0]["data"]["other"], "b");
        let k = yaml("configMapGenerator:\n  - name: cfg\n    files: [missing.txt]\n");
        let (_, lost) = config_maps(k.as_mapping().unwrap(), &mut read);
        assert_eq!(lost.len(), 2, "{lost:?}");
    }
}
