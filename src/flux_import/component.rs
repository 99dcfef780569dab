//! One Flux Kustomization of one cluster as a component plan: its namespace, its chart
//! (a HelmRelease and its OCIRepository or HelmRepository), its Flux settings, its plain
//! objects, and what was refused or left out on the way.

use serde_yaml::{Mapping, Value};

use super::clusters::{FluxKs, RenderedCluster};
use super::kustomize::{cluster_scoped, str_at, Doc};
use super::lab_text::{is_ident, quote};
use super::Note;
use crate::literal::parse_duration;

/// The HelmRelease `spec` keys labc types as `flux.release` settings, and the sub-keys each
/// takes (docs/language.md, "Flux settings"); `None` for a scalar.
const RELEASE_KEYS: &[(&str, Option<&[&str]>)] = &[
    ("interval", None),
    ("timeout", None),
    ("maxHistory", None),
    (
        "install",
        Some(&["crds", "timeout", "remediation", "strategy"]),
    ),
    (
        "upgrade",
        Some(&[
            "crds",
            "timeout",
            "remediation",
            "strategy",
            "cleanupOnFail",
        ]),
    ),
    ("rollback", Some(&["cleanupOnFail", "recreate", "timeout"])),
    ("driftDetection", Some(&["mode", "ignore"])),
    ("valuesFrom", None),
];

/// The Flux Kustomization `spec` keys labc types as `flux.kustomization` settings.
const KS_KEYS: &[&str] = &["interval", "retryInterval", "timeout", "wait", "prune"];

/// A component of one cluster, before it is written.
#[derive(Clone, Debug)]
pub struct Plan {
    pub cluster: String,
    pub name: String,
    pub ks_name: String,
    pub namespace: String,
    /// `oci(...)` or `helm(...)`.
    pub chart: Option<String>,
    /// The names a chart is known by (release, chart), to guess which CRDs it ships.
    pub chart_names: Vec<String>,
    /// The chart as (repository URL, chart name, version), to match a stdlib operator's.
    pub chart_source: Option<ChartSource>,
    pub values: Option<(Value, Value)>,
    /// `flux.release` and `flux.kustomization` settings: (path, value).
    pub flux: Vec<(String, Value)>,
    /// Plain objects: (after substitution, before).
    pub resources: Vec<(Doc, Doc)>,
    pub namespaces: Vec<Value>,
    pub depends: Vec<String>,
    /// The HelmRelease's own `dependsOn`: (name, namespace) of other releases.
    pub release_depends: Vec<(String, String)>,
    pub subject: String,
}

fn is_secret(d: &Value) -> bool {
    str_at(d, &["kind"]) == Some("Secret") && str_at(d, &["apiVersion"]) == Some("v1")
}

/// A DNS-1123 label made of `s` (lowercase, `-` for anything else, at most 63 characters).
pub fn dns_label(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(63);
    let out = out.trim_matches('-').to_string();
    if out.is_empty() || !is_ident(&out) {
        format!("c-{out}").trim_end_matches('-').to_string()
    } else {
        out
    }
}

/// Where a chart comes from: the repository (an OCI URL without the chart's own segment,
/// or a Helm repository's URL), the chart's name and its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartSource {
    pub repository: String,
    pub chart: String,
    pub version: String,
}

/// The chart of a HelmRelease: its `oci(...)`/`helm(...)` text, its source and the file
/// declaring that, from the source it names among `sources` (the cluster's objects).
fn chart_of(
    release: &Value,
    sources: &[&Doc],
    notes: &mut Vec<Note>,
    subject: &str,
) -> Option<(String, ChartSource, String)> {
    let ns = str_at(release, &["metadata", "namespace"]).unwrap_or_default();
    let find = |kind: &str, name: &str, src_ns: &str| {
        sources.iter().find(|d| {
            str_at(&d.value, &["kind"]) == Some(kind)
                && str_at(&d.value, &["metadata", "name"]) == Some(name)
                && str_at(&d.value, &["metadata", "namespace"]).unwrap_or(ns) == src_ns
        })
    };
    let spec = release.get("spec")?;
    if let Some(r) = spec.get("chartRef") {
        let kind = str_at(r, &["kind"]).unwrap_or_default();
        let name = str_at(r, &["name"]).unwrap_or_default();
        let src_ns = str_at(r, &["namespace"]).unwrap_or(ns);
        let Some(src) = find(kind, name, src_ns).filter(|_| kind == "OCIRepository") else {
            notes.push(Note::skipped(
                subject,
                format!("chartRef {kind} `{name}` not found or not an OCIRepository"),
            ));
            return None;
        };
        let url = str_at(&src.value, &["spec", "url"]).unwrap_or_default();
        let tag = str_at(&src.value, &["spec", "ref", "tag"])
            .or_else(|| str_at(&src.value, &["spec", "ref", "semver"]))
            .unwrap_or("latest");
        let (repository, chart) = url
            .trim_end_matches('/')
            .rsplit_once('/')
            .unwrap_or(("", url));
        let source = ChartSource {
            repository: repository.to_string(),
            chart: chart.to_string(),
            version: tag.to_string(),
        };
        return Some((
            format!("oci({}, {})", quote(url), quote(tag)),
            source,
            src.file.clone(),
        ));
    }
    let c = spec.get("chart")?.get("spec")?;
    let chart = str_at(c, &["chart"]).unwrap_or_default();
    let version = str_at(c, &["version"]).unwrap_or("*");
    let kind = str_at(c, &["sourceRef", "kind"]).unwrap_or_default();
    let name = str_at(c, &["sourceRef", "name"]).unwrap_or_default();
    let src_ns = str_at(c, &["sourceRef", "namespace"]).unwrap_or(ns);
    let Some(src) = find(kind, name, src_ns).filter(|_| kind == "HelmRepository") else {
        notes.push(Note::skipped(
            subject,
            format!("chart source {kind} `{src_ns}/{name}` not found or not a HelmRepository"),
        ));
        return None;
    };
    let url = str_at(&src.value, &["spec", "url"]).unwrap_or_default();
    let text = if str_at(&src.value, &["spec", "type"]) == Some("oci") || url.starts_with("oci://")
    {
        format!(
            "oci({}, {})",
            quote(&format!("{}/{chart}", url.trim_end_matches('/'))),
            quote(version)
        )
    } else {
        format!("helm({}, {}, {})", quote(url), quote(chart), quote(version))
    };
    let source = ChartSource {
        repository: url.trim_end_matches('/').to_string(),
        chart: chart.to_string(),
        version: version.to_string(),
    };
    Some((text, source, src.file.clone()))
}

/// A Flux setting's value: durations become duration literals (`1h`), not strings.
fn flux_value(key: &str, v: &Value) -> Value {
    let duration_key = matches!(key, "interval" | "timeout" | "retryInterval");
    match v.as_str() {
        Some(s) if duration_key && parse_duration(s).is_ok() => {
            Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
                tag: serde_yaml::value::Tag::new("duration"),
                value: Value::String(s.to_string()),
            }))
        }
        _ => v.clone(),
    }
}

/// The `flux.release` settings of a HelmRelease spec; the keys labc has no setting for are notes.
fn release_settings(spec: &Mapping, notes: &mut Vec<Note>, subject: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in spec {
        let Some(k) = k.as_str() else { continue };
        if matches!(k, "chart" | "chartRef" | "values" | "dependsOn") {
            continue;
        }
        let Some((_, subs)) = RELEASE_KEYS.iter().find(|(name, _)| *name == k) else {
            notes.push(Note::skipped(
                subject,
                format!("HelmRelease `spec.{k}` has no labc setting; not imported"),
            ));
            continue;
        };
        match (subs, v.as_mapping()) {
            (Some(subs), Some(m)) => {
                for (sk, sv) in m {
                    let Some(sk) = sk.as_str() else { continue };
                    if k == "install" && sk == "createNamespace" {
                        notes.push(Note::mapped(subject, "HelmRelease `spec.install.createNamespace`: labc writes the namespace itself"));
                    } else if subs.contains(&sk) {
                        out.push((format!("flux.release.{k}.{sk}"), flux_value(sk, sv)));
                    } else {
                        notes.push(Note::skipped(
                            subject,
                            format!(
                                "HelmRelease `spec.{k}.{sk}` has no labc setting; not imported"
                            ),
                        ));
                    }
                }
            }
            _ => out.push((format!("flux.release.{k}"), flux_value(k, v))),
        }
    }
    out
}

fn ks_settings(
    spec: &Value,
    namespace: &str,
    notes: &mut Vec<Note>,
    subject: &str,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in spec.as_mapping().into_iter().flatten() {
        let Some(k) = k.as_str() else { continue };
        if KS_KEYS.contains(&k) {
            out.push((format!("flux.kustomization.{k}"), flux_value(k, v)));
        } else if k == "targetNamespace" && v.as_str() == Some(namespace) {
            // Restated by the component's namespace.
        } else if !matches!(
            k,
            "path" | "sourceRef" | "dependsOn" | "postBuild" | "components" | "patches"
        ) {
            notes.push(Note::skipped(
                subject,
                format!("Kustomization `spec.{k}`: labc writes its own; not imported"),
            ));
        }
    }
    out
}

/// The namespace most of the objects are in.
fn main_namespace(ks: &FluxKs, release: Option<&Value>) -> String {
    if let Some(t) = str_at(&ks.spec, &["targetNamespace"]) {
        return t.to_string();
    }
    if let Some(ns) = release.and_then(|r| str_at(r, &["metadata", "namespace"])) {
        return ns.to_string();
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for d in &ks.objects {
        if let Some(ns) = str_at(&d.value, &["metadata", "namespace"]) {
            match counts.iter_mut().find(|(n, _)| n == ns) {
                Some((_, c)) => *c += 1,
                None => counts.push((ns.to_string(), 1)),
            }
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    counts
        .into_iter()
        .find(|(_, c)| *c == best)
        .map(|(n, _)| n)
        .unwrap_or_else(|| dns_label(&ks.name))
}

/// The Kustomization's objects other than its chart: namespaces, refused secrets,
/// settings maps, and the rest as resources.
fn objects(
    rc: &RenderedCluster,
    ks: &FluxKs,
    p: &mut Plan,
    release: Option<usize>,
    consumed: &[String],
    notes: &mut Vec<Note>,
) {
    let subject = p.subject.clone();
    for (j, (d, raw)) in ks.objects.iter().zip(&ks.raw).enumerate() {
        let kind = str_at(&d.value, &["kind"]).unwrap_or_default();
        let obj_name = str_at(&d.value, &["metadata", "name"]).unwrap_or_default();
        let what = format!("{kind} `{obj_name}` ({})", d.file);
        if Some(j) == release && p.chart.is_some() {
            continue;
        }
        if p.chart.is_some()
            && matches!(kind, "OCIRepository" | "HelmRepository")
            && consumed.contains(&d.file)
        {
            continue;
        }
        let ns = str_at(&d.value, &["metadata", "namespace"])
            .unwrap_or_default()
            .to_string();
        if kind == "ConfigMap"
            && rc
                .settings_maps
                .contains(&(ns.clone(), obj_name.to_string()))
        {
            notes.push(Note::mapped(
                &subject,
                format!("settings {what} -> `cluster.vars` of `{}`", rc.name),
            ));
            continue;
        }
        if d.value.get("sops").is_some() {
            notes.push(Note::skipped(&subject, format!("SOPS-encrypted {what} kept as a reference: not imported; serve it from a secret store")));
            continue;
        }
        if is_secret(&d.value) {
            notes.push(Note::error(&subject, format!("plaintext {what}: not imported; move its data to a secret store and read it with secret(...)")));
            continue;
        }
        if kind == "Namespace" && str_at(&d.value, &["apiVersion"]) == Some("v1") {
            p.namespaces.push(d.value.clone());
            continue;
        }
        if kind == "ExternalSecret" {
            notes.push(Note::mapped(
                &subject,
                format!("{what} kept as a reference (resource)"),
            ));
        }
        if !cluster_scoped(kind)
            && ns.is_empty()
            && crate::sema::kube::core_kind(
                str_at(&d.value, &["apiVersion"]).unwrap_or_default(),
                kind,
            )
        {
            notes.push(Note::untyped(
                &subject,
                format!("{what} has no namespace; written in `default`, where Flux applies it"),
            ));
            let mut d = d.clone();
            super::kustomize::set_namespace(&mut d.value, "default");
            p.resources.push((d, raw.clone()));
            continue;
        }
        p.resources.push((d.clone(), raw.clone()));
    }
}

/// The plan of one Kustomization; without a name when nothing of it is left for a
/// component (its Namespaces are still declared, and a `dependsOn` on it is answered).
pub fn plan(rc: &RenderedCluster, ks: &FluxKs, notes: &mut Vec<Note>) -> Plan {
    let subject = format!("{}/{}", rc.name, ks.name);
    let sources: Vec<&Doc> = rc.kustomizations.iter().flat_map(|k| &k.objects).collect();
    let is_release = |d: &Doc| {
        str_at(&d.value, &["kind"]) == Some("HelmRelease")
            && str_at(&d.value, &["apiVersion"])
                .is_some_and(|a| a.starts_with("helm.toolkit.fluxcd.io/"))
    };
    let release = ks.objects.iter().position(is_release);
    let release_doc = release.map(|i| &ks.objects[i].value);
    let namespace = main_namespace(ks, release_doc);
    let name = dns_label(&ks.name);
    let mut p = Plan {
        cluster: rc.name.clone(),
        name: name.clone(),
        ks_name: ks.name.clone(),
        namespace: namespace.clone(),
        chart: None,
        chart_names: Vec::new(),
        chart_source: None,
        values: None,
        flux: ks_settings(&ks.spec, &namespace, notes, &subject),
        resources: Vec::new(),
        namespaces: Vec::new(),
        depends: Vec::new(),
        release_depends: Vec::new(),
        subject: subject.clone(),
    };
    let mut consumed: Vec<String> = Vec::new();
    if let Some(i) = release {
        let r = &ks.objects[i].value;
        if let Some((chart, source, src_file)) = chart_of(r, &sources, notes, &subject) {
            let release_name = str_at(r, &["metadata", "name"])
                .unwrap_or_default()
                .to_string();
            if release_name != name {
                notes.push(Note::mapped(
                    &subject,
                    format!("named `{release_name}` after its HelmRelease (labc names both alike)"),
                ));
                p.name = release_name.clone();
            }
            notes.push(Note::mapped(
                &subject,
                format!(
                    "HelmRelease `{namespace}/{release_name}` -> chart {chart} with its values"
                ),
            ));
            p.chart = Some(chart);
            p.chart_names = vec![release_name, source.chart.clone()];
            p.chart_source = Some(source);
            let spec = r
                .get("spec")
                .and_then(Value::as_mapping)
                .cloned()
                .unwrap_or_default();
            p.flux.extend(release_settings(&spec, notes, &subject));
            for field in ["labels", "annotations"] {
                let set = r.get("metadata").and_then(|m| m.get(field));
                if set
                    .and_then(Value::as_mapping)
                    .is_some_and(|m| !m.is_empty())
                {
                    notes.push(Note::untyped(
                        &subject,
                        format!("HelmRelease `metadata.{field}` not imported: labc writes the release's metadata itself"),
                    ));
                }
            }
            for d in spec
                .get("dependsOn")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let dep_ns = str_at(d, &["namespace"]).unwrap_or(&namespace).to_string();
                if let Some(n) = str_at(d, &["name"]) {
                    p.release_depends.push((n.to_string(), dep_ns));
                }
            }
            let values = spec.get("values").cloned().unwrap_or(Value::Null);
            let raw = ks.raw[i]
                .value
                .get("spec")
                .and_then(|s| s.get("values"))
                .cloned()
                .unwrap_or(Value::Null);
            if values.is_mapping() {
                p.values = Some((values, raw));
            }
            consumed.push(src_file);
        }
    }
    objects(rc, ks, &mut p, release, &consumed, notes);
    if p.chart.is_none() && p.resources.is_empty() {
        // Only Namespaces, settings or other Kustomizations: no component of its own (a
        // plan without a name keeps the Namespaces and answers `dependsOn` on it).
        notes.push(Note::mapped(
            &subject,
            "no objects of its own left: no component (labc writes its own Kustomization tree)",
        ));
        p.name = String::new();
        return p;
    }
    if !p.resources.is_empty() {
        notes.push(Note::untyped(
            &subject,
            format!("{} object(s) as `resource` statements", p.resources.len()),
        ));
    }
    p
}
