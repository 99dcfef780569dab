//! The example lab (`lab/`): it builds without diagnostics, each cluster's Flux graph is
//! closed and acyclic, and a summary of its output is snapshotted (`tests/lab/summary.snap`),
//! so that a change to the lab shows up as a reviewable diff: per cluster, the Flux
//! Kustomizations with their dependsOn, the HelmReleases with chart and version, and
//! the custom resources by kind.
//!
//! The summary is read back from the emitted YAML, not from the compiler's internals, so
//! it checks what Flux would see.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_yaml::Value;

/// API groups of objects that are not custom resources: core Kubernetes and Flux itself.
const NOT_CUSTOM: &[&str] = &[
    "",
    "apps",
    "batch",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "autoscaling",
    "kustomize.config.k8s.io",
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "source.toolkit.fluxcd.io",
];

/// One emitted object, with the cluster whose tree holds it.
struct Object {
    cluster: String,
    doc: Value,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(*key)?;
    }
    cur.as_str()
}

fn build_lab() -> Vec<Object> {
    build_lab_files().0
}

/// The emitted objects and the paths of every emitted file.
fn build_lab_files() -> (Vec<Object>, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(&dir).expect("lab/ is readable"));
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert_eq!(
        labc::diag::render_plain(&db, &diags),
        "",
        "lab/ must build without errors or warnings"
    );
    let mut objects = Vec::new();
    let paths = out.files.keys().cloned().collect();
    for (path, text) in &out.files {
        let Some(rest) = path.strip_prefix("clusters/") else {
            continue;
        };
        let cluster = rest.split('/').next().unwrap_or_default().to_string();
        for de in serde_yaml::Deserializer::from_str(text) {
            let doc = <Value as serde::Deserialize>::deserialize(de)
                .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
            if doc.get("kind").is_some() {
                objects.push(Object {
                    cluster: cluster.clone(),
                    doc,
                });
            }
        }
    }
    (objects, paths)
}

fn group_of(api_version: &str) -> &str {
    api_version
        .rsplit_once('/')
        .map(|(group, _)| group)
        .unwrap_or("")
}

/// Per cluster: Flux Kustomization name -> its dependsOn names.
fn flux_graphs(objects: &[Object]) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut graphs: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for o in objects {
        let api = str_at(&o.doc, &["apiVersion"]).unwrap_or_default();
        if group_of(api) != "kustomize.toolkit.fluxcd.io" {
            continue;
        }
        let name = str_at(&o.doc, &["metadata", "name"]).unwrap_or_default();
        let deps = o
            .doc
            .get("spec")
            .and_then(|s| s.get("dependsOn"))
            .and_then(Value::as_sequence)
            .map(|seq| {
                seq.iter()
                    .filter_map(|d| str_at(d, &["name"]).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let previous = graphs
            .entry(o.cluster.clone())
            .or_default()
            .insert(name.to_string(), deps);
        assert!(
            previous.is_none(),
            "Kustomization {name} emitted twice on {}",
            o.cluster
        );
    }
    graphs
}

fn every_depends_on_resolves_and_no_cluster_has_a_cycle() {
    let objects = build_lab();
    let graphs = flux_graphs(&objects);
    assert_eq!(
        graphs.keys().collect::<Vec<_>>(),
        ["apps", "infra"],
        "both clusters have Flux trees"
    );
    for (cluster, graph) in &graphs {
        for (ks, deps) in graph {
            for d in deps {
                assert!(
                    graph.contains_key(d),
                    "{cluster}: {ks} depends on {d}, which is not emitted for {cluster}"
                );
            }
        }
        // Kahn's algorithm: every node gets removed exactly when the graph is acyclic.
        let mut remaining: BTreeMap<&str, BTreeSet<&str>> = graph
            .iter()
            .map(|(k, deps)| (k.as_str(), deps.iter().map(String::as_str).collect()))
            .collect();
        loop {
            let ready: Vec<&str> = remaining
                .iter()
                .filter(|(_, deps)| deps.is_empty())
                .map(|(k, _)| *k)
                .collect();
            if ready.is_empty() {
                break;
            }
            for k in &ready {
                remaining.remove(k);
            }
            for deps in remaining.values_mut() {
                for k in &ready {
                    deps.remove(k);
                }
            }
        }
        assert!(
            remaining.is_empty(),
            "{cluster}: dependsOn cycle among {:?}",
            remaining.keys().collect::<Vec<_>>()
        );
    }
}

/// The chart a HelmRelease installs, through its `chartRef`: `<url> <version>` for an
/// OCIRepository, `<repository url> <chart> <version>` for a HelmChart.
fn chart_of(release: &Value, cluster: &str, objects: &[Object]) -> String {
    let kind = str_at(release, &["spec", "chartRef", "kind"]).unwrap_or_default();
    let name = str_at(release, &["spec", "chartRef", "name"]).unwrap_or_default();
    let find = |kind: &str, name: &str| {
        objects.iter().find(|o| {
            o.cluster == cluster
                && str_at(&o.doc, &["kind"]) == Some(kind)
                && str_at(&o.doc, &["metadata", "name"]) == Some(name)
        })
    };
    match kind {
        "OCIRepository" => {
            let Some(source) = find("OCIRepository", name) else {
                return format!("(missing OCIRepository {name})");
            };
            format!(
                "{} {}",
                str_at(&source.doc, &["spec", "url"]).unwrap_or("?"),
                str_at(&source.doc, &["spec", "ref", "tag"]).unwrap_or("?")
            )
        }
        "HelmChart" => {
            let Some(chart) = find("HelmChart", name) else {
                return format!("(missing HelmChart {name})");
            };
            let repo = str_at(&chart.doc, &["spec", "sourceRef", "name"]).unwrap_or("?");
            let url = find("HelmRepository", repo)
                .and_then(|r| str_at(&r.doc, &["spec", "url"]))
                .unwrap_or("(missing HelmRepository)");
            format!(
                "{url} {} {}",
                str_at(&chart.doc, &["spec", "chart"]).unwrap_or("?"),
                str_at(&chart.doc, &["spec", "version"]).unwrap_or("?")
            )
        }
        other => format!("(chartRef of kind {other:?})"),
    }
}

fn summary(objects: &[Object]) -> String {
    let graphs = flux_graphs(objects);
    let mut out = String::new();
    for (cluster, graph) in &graphs {
        writeln!(out, "cluster {cluster}").unwrap();
        writeln!(out, "  Flux Kustomizations ({}):", graph.len()).unwrap();
        for (ks, deps) in graph {
            let deps = if deps.is_empty() {
                "-".to_string()
            } else {
                deps.join(", ")
            };
            writeln!(out, "    {ks} <- {deps}").unwrap();
        }
        let mut releases = BTreeMap::new();
        let mut custom: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for o in objects.iter().filter(|o| &o.cluster == cluster) {
            let api = str_at(&o.doc, &["apiVersion"]).unwrap_or_default();
            let kind = str_at(&o.doc, &["kind"]).unwrap_or_default();
            let name = str_at(&o.doc, &["metadata", "name"]).unwrap_or_default();
            let place = match str_at(&o.doc, &["metadata", "namespace"]) {
                Some(ns) => format!("{ns}/{name}"),
                None => name.to_string(),
            };
            if kind == "HelmRelease" {
                releases.insert(place, chart_of(&o.doc, cluster, objects));
            } else if !NOT_CUSTOM.contains(&group_of(api)) {
                custom
                    .entry(format!("{kind} ({api})"))
                    .or_default()
                    .insert(place);
            }
        }
        writeln!(out, "  HelmReleases ({}):", releases.len()).unwrap();
        for (place, chart) in &releases {
            writeln!(out, "    {place}: {chart}").unwrap();
        }
        let total: usize = custom.values().map(BTreeSet::len).sum();
        writeln!(out, "  Custom resources ({total}):").unwrap();
        for (kind, places) in &custom {
            let places: Vec<&str> = places.iter().map(String::as_str).collect();
            writeln!(out, "    {kind}: {}", places.join(", ")).unwrap();
        }
    }
    out
}

fn summary_of_the_example_lab() {
    let objects = build_lab();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab");
    insta::with_settings!({snapshot_path => &root, prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("summary", summary(&objects));
    });
}

/// `docs/lab-tour.md` leads from every component to its `.lab` file and output: it must
/// name every emitted component (as `` `name` ``) and every file of `lab/`.
fn the_lab_tour_names_every_component_and_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tour = std::fs::read_to_string(root.join("docs/lab-tour.md")).expect("docs/lab-tour.md");
    let (_, paths) = build_lab_files();
    let components: BTreeSet<&str> = paths
        .iter()
        .filter_map(|p| p.strip_prefix("clusters/")?.strip_suffix("/ks.yaml"))
        .filter_map(|p| p.split_once('/').map(|(_, comp)| comp))
        .collect();
    let missing: Vec<&&str> = components
        .iter()
        .filter(|c| !tour.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/lab-tour.md does not name {missing:?}"
    );
    let files = labc::cli::read_lab(&root.join("lab")).unwrap();
    let missing: Vec<&String> = files
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with(".lab") && !tour.contains(&format!("lab/{p}")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/lab-tour.md does not name {missing:?}"
    );
}

/// The object of `kind` named `name` on `cluster` (any namespace).
fn object<'a>(objects: &'a [Object], cluster: &str, kind: &str, name: &str) -> &'a Value {
    &objects
        .iter()
        .find(|o| {
            o.cluster == cluster
                && str_at(&o.doc, &["kind"]) == Some(kind)
                && str_at(&o.doc, &["metadata", "name"]) == Some(name)
        })
        .unwrap_or_else(|| panic!("{cluster}: no {kind} {name}"))
        .doc
}

/// A scalar at `path` (keys, or list indexes as numbers) as text.
fn text_at(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for key in path {
        cur = match key.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[*key],
        };
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("{path:?} is not a scalar: {other:?}"),
    }
}

/// The catalog's facts (sections 2 and 6), read back from the emitted objects: placement
/// of every component and tenant, chart versions, addresses and ASNs. The summary
/// snapshot shows changes; this test says which of them would contradict the catalog.
fn the_catalog_facts_hold_in_the_output() {
    let (objects, paths) = build_lab_files();
    let on = |cluster: &str, component: &str| {
        paths
            .iter()
            .any(|p| *p == format!("clusters/{cluster}/{component}/ks.yaml"))
    };
    let both = [
        "cilium",
        "cilium-gateway",
        "cilium-clustermesh",
        "coredns",
        "spegel",
        "cloudflared",
        "external-dns-cloudflare",
        "external-dns-rfc2136",
        "external-secrets",
        "cert-manager",
        "cilium-network-policies",
        "network-policies",
        "openebs",
        "rook-ceph-operator",
        "rook-ceph-cluster",
        "victoria-metrics",
        "vmagent",
        "fluent-bit",
        "reloader",
    ];
    // Shared data services on infra; tenant workloads on apps (catalog section 1).
    let infra_only = [
        "cloudnative-pg",
        "shared-postgres",
        "harbor-db",
        "keycloak-db",
        "gitlab-db",
        "dragonfly-operator",
        "dragonfly",
        "keycloak-operator",
        "keycloak",
        "harbor",
        "victoria-metrics-global",
        "victoria-logs",
        "grafana-dashboards",
    ];
    let apps_only = [
        "gitlab",
        "gitlab-runner",
        "actions-runner-controller",
        "pilar-runner",
        "strimzi-operator",
        "kafka-cluster",
    ];
    for c in both {
        assert!(
            on("infra", c) && on("apps", c),
            "{c} belongs on both clusters"
        );
    }
    for c in infra_only {
        assert!(
            on("infra", c) && !on("apps", c),
            "{c} belongs on infra only"
        );
    }
    for c in apps_only {
        assert!(on("apps", c) && !on("infra", c), "{c} belongs on apps only");
    }

    // Chart versions (catalog 6, "Versions at a glance"; cert-manager follows the seed).
    let versions = [
        ("cilium", "1.18.3"),
        ("coredns", "1.45.0"),
        ("spegel", "0.4.0"),
        ("cloudflared", "4.4.0"),
        ("external-dns-cloudflare", "4.4.0"),
        ("external-secrets", "0.20.4"),
        ("cert-manager", "v1.19.1"),
        ("openebs", "4.3.3"),
        ("rook-ceph-operator", "v1.18.6"),
        ("cloudnative-pg", "0.26.1"),
        ("dragonfly-operator", "v1.3.0"),
        ("victoria-metrics", "0.61.11"),
        ("victoria-logs", "0.11.12"),
        ("fluent-bit", "0.54.0"),
        ("reloader", "2.2.5"),
        ("strimzi-operator", "0.48.0"),
        ("harbor", "1.18.0"),
        ("gitlab", "9.5.1"),
        ("gitlab-runner", "0.70.0"),
        ("actions-runner-controller", "0.13.0"),
        ("pilar-runner", "0.13.0"),
    ];
    for (release, version) in versions {
        let cluster = if on("infra", release) {
            "infra"
        } else {
            "apps"
        };
        let hr = object(&objects, cluster, "HelmRelease", release);
        let chart = chart_of(hr, cluster, &objects);
        assert!(
            chart.ends_with(&format!(" {version}")),
            "{release}: {chart}, expected {version}"
        );
    }

    // Addresses and ASNs (catalog 2).
    for (cluster, pool, start, stop, asn, external, internal, mesh) in [
        (
            "infra",
            "infra-pool",
            "10.25.11.100",
            "10.25.11.119",
            "64512",
            "10.25.11.110",
            "10.25.11.111",
            "10.25.11.100",
        ),
        (
            "apps",
            "apps-pool",
            "10.25.11.120",
            "10.25.11.139",
            "64513",
            "10.25.11.121",
            "10.25.11.122",
            "10.25.11.120",
        ),
    ] {
        let p = object(&objects, cluster, "CiliumLoadBalancerIPPool", pool);
        assert_eq!(text_at(p, &["spec", "blocks", "0", "start"]), start);
        assert_eq!(text_at(p, &["spec", "blocks", "0", "stop"]), stop);
        let bgp = object(
            &objects,
            cluster,
            "CiliumBGPClusterConfig",
            "bgp-cluster-config",
        );
        let instance = ["spec", "bgpInstances", "0"];
        assert_eq!(text_at(bgp, &[&instance[..], &["localASN"]].concat()), asn);
        let peer = [&instance[..], &["peers", "0"]].concat();
        assert_eq!(text_at(bgp, &[&peer[..], &["peerASN"]].concat()), "64501");
        assert_eq!(
            text_at(bgp, &[&peer[..], &["peerAddress"]].concat()),
            "10.25.11.1"
        );
        for (gateway, address) in [
            ("cilium-gateway-external", external),
            ("cilium-gateway-internal", internal),
        ] {
            let g = object(&objects, cluster, "Gateway", gateway);
            assert_eq!(text_at(g, &["spec", "addresses", "0", "value"]), address);
        }
        let cilium = object(&objects, cluster, "HelmRelease", "cilium");
        let values = &cilium["spec"]["values"];
        assert_eq!(text_at(values, &["cluster", "name"]), cluster);
        assert_eq!(
            text_at(
                values,
                &[
                    "clustermesh",
                    "apiserver",
                    "service",
                    "annotations",
                    "io.cilium/lb-ipam-ips"
                ]
            ),
            mesh
        );
    }
}

/// The real lab's values that `lab/` keeps (issue 11), from `tests/lab/fidelity.jsonl`:
/// each line names an emitted object, a path into it (keys; in a list, an index or `[x]`,
/// the item named x) and the value it `is` or `contains`.
/// The list was written from the seed's repository, so a regression in fidelity fails
/// here without `../shared`. Every fact that fails is reported, not only the first.
fn the_real_labs_values_hold_in_the_output() {
    let objects = build_lab();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/fidelity.jsonl");
    let text = std::fs::read_to_string(&file).expect("tests/lab/fidelity.jsonl");
    let mut failures = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fact: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("fidelity.jsonl:{}: {e}", i + 1));
        if let Err(why) = check_fact(&objects, &fact) {
            failures.push(format!("fidelity.jsonl:{}: {why}", i + 1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One fact of `fidelity.jsonl` against the output: `Err` says what differs.
fn check_fact(objects: &[Object], fact: &serde_json::Value) -> Result<(), String> {
    let field = |k: &str| fact[k].as_str().ok_or(format!("no `{k}`"));
    let (on, kind, name) = (field("on")?, field("kind")?, field("name")?);
    let doc = objects
        .iter()
        .find(|o| {
            o.cluster == on
                && str_at(&o.doc, &["kind"]) == Some(kind)
                && str_at(&o.doc, &["metadata", "name"]) == Some(name)
        })
        .ok_or(format!("{on}: no {kind} {name}"))?;
    let mut at = serde_json::to_value(&doc.doc).map_err(|e| e.to_string())?;
    let path = fact["path"].as_array().ok_or("no `path`")?;
    for key in path {
        let key = key.as_str().ok_or("a `path` key is not a string")?;
        // In a list: a number is an index, `[x]` the item whose `name` is x.
        let named = key.strip_prefix('[').and_then(|k| k.strip_suffix(']'));
        let next = match (&at, key.parse::<usize>(), named) {
            (serde_json::Value::Array(items), Ok(i), _) => items.get(i).cloned(),
            (serde_json::Value::Array(items), _, Some(n)) => {
                items.iter().find(|item| item["name"] == n).cloned()
            }
            _ => at.get(key).cloned(),
        };
        at = next.ok_or(format!("{on} {kind} {name}: nothing at {path:?}"))?;
    }
    let found = if let Some(want) = fact.get("is") {
        at == *want
    } else if let Some(want) = fact.get("contains") {
        match (&at, want) {
            (serde_json::Value::String(s), serde_json::Value::String(w)) => s.contains(w.as_str()),
            (serde_json::Value::Array(items), w) => items.contains(w),
            _ => false,
        }
    } else {
        return Err("neither `is` nor `contains`".to_string());
    };
    match found {
        true => Ok(()),
        false => Err(format!(
            "{on} {kind} {name} {path:?} is {at}, expected {fact}"
        )),
    }
}

tests!(
    every_depends_on_resolves_and_no_cluster_has_a_cycle,
    summary_of_the_example_lab,
    the_lab_tour_names_every_component_and_file,
    the_catalog_facts_hold_in_the_output,
    the_real_labs_values_hold_in_the_output,
);
