//! Flux documents of a component: its Kustomizations (main `app/` and `config/`) with
//! their files and health checks, the chart's source and HelmRelease, and resources as
//! Kubernetes documents.

use indexmap::{IndexMap, IndexSet};

use crate::sema::component_ir::{self, ComponentIr, Crd, HealthCheck, Resource};
use crate::sema::flux_settings::FluxSettings;
use crate::sema::kube::object_file;
use crate::yaml::{map, s, Yaml};

use super::flux_settings::{kustomization_settings, release_spec, source_interval, LabFlux};
use super::ir::{add_reason, KustomizationIr, NamespaceLabels, Plan, Plans, Reasons, Why};
use super::namespaces::namespace_docs;

/// A Kustomization's files: file name -> documents.
type Files = IndexMap<String, Vec<Yaml>>;

/// The Flux Kustomizations of one planned component: its own (`<name>`, in `app/`) and,
/// when its own custom resources wait for its release, `<name>-config`; a component with
/// only such resources gets one Kustomization of them.
pub(super) fn component_kustomizations(
    plan: &Plan,
    plans: &Plans,
    crds: &[(Crd, Option<String>)],
    namespace_labels: &NamespaceLabels,
    lab: &LabFlux<'_>,
    deps: IndexSet<String>,
    reasons: Reasons,
) -> Vec<KustomizationIr> {
    let (interval, lab_flux) = (lab.interval, lab.settings);
    let c = plan.c;
    let (timeout, settings) = kustomization_settings(lab_flux, c);
    let has_config = plans.has_config.contains(&c.name);
    let (main_files, mut health) = main_files(plan, namespace_labels, interval, lab_flux);
    let (app_health, config_health) = split_health(c, crds, has_config);
    health.extend(app_health.into_iter().cloned());
    let with_ns = |h: HealthCheck| HealthCheck {
        namespace: h.namespace.or_else(|| Some(c.namespace.clone())),
        ..h
    };
    let config_files = resource_files(&plan.config_resources);
    let mut out = Vec::new();
    if plans.has_main.contains(&c.name) {
        out.push(KustomizationIr {
            name: c.name.clone(),
            component: c.name.clone(),
            dir: format!("{}/app", c.name),
            namespace: c.namespace.clone(),
            creates_namespace: false,
            depends_on: deps.iter().filter(|d| **d != c.name).cloned().collect(),
            reasons,
            mesh_uses: c.out.mesh_uses.clone(),
            health_checks: health.into_iter().map(with_ns).collect(),
            timeout: timeout.clone(),
            settings: settings.clone(),
            files: main_files,
        });
        if let Some(first) = plan.config_resources.first() {
            // Only the component's own CRDs are in here: they come with its release.
            let mut reasons = IndexMap::new();
            add_reason(&mut reasons, &c.name, Why::OwnCrds, first.file, first.span);
            out.push(KustomizationIr {
                name: format!("{}-config", c.name),
                component: c.name.clone(),
                dir: format!("{}/config", c.name),
                namespace: c.namespace.clone(),
                creates_namespace: false,
                depends_on: vec![c.name.clone()],
                reasons,
                mesh_uses: Vec::new(),
                health_checks: config_health.into_iter().cloned().map(with_ns).collect(),
                timeout,
                settings,
                files: config_files,
            });
        }
    } else if !config_files.is_empty() {
        let mut hc: Vec<HealthCheck> = health;
        hc.extend(config_health.into_iter().cloned());
        out.push(KustomizationIr {
            name: c.name.clone(),
            component: c.name.clone(),
            dir: format!("{}/app", c.name),
            namespace: c.namespace.clone(),
            creates_namespace: false,
            depends_on: deps.into_iter().filter(|d| *d != c.name).collect(),
            reasons,
            mesh_uses: c.out.mesh_uses.clone(),
            health_checks: hc.into_iter().map(with_ns).collect(),
            timeout,
            settings,
            files: config_files,
        });
    }
    out
}

/// The files of a component's main Kustomization (its Namespaces, chart source and
/// release, and `app/` resources) and the health check of its release.
fn main_files(
    plan: &Plan,
    namespace_labels: &NamespaceLabels,
    interval: &str,
    lab_flux: &FluxSettings,
) -> (Files, Vec<HealthCheck>) {
    let c = plan.c;
    let mut files: Files = IndexMap::new();
    let generated = namespace_docs(&plan.generated_namespaces, namespace_labels);
    if !generated.is_empty() {
        files.insert("namespace.yaml".into(), generated);
    }
    let mut health = Vec::new();
    if let Some(chart) = &c.out.chart {
        let source_interval = source_interval(lab_flux, c, interval);
        for (file, source) in chart_source(c, chart, &source_interval) {
            files.insert(file.into(), vec![source]);
        }
        files.insert(
            "helmrelease.yaml".into(),
            vec![helm_release(c, chart, interval, lab_flux, true)],
        );
        health.push(HealthCheck {
            api_version: "helm.toolkit.fluxcd.io/v2".into(),
            kind: "HelmRelease".into(),
            name: c.name.clone(),
            namespace: Some(c.namespace.clone()),
        });
    }
    for (file, docs) in resource_files(&plan.app_resources) {
        files.entry(file).or_default().extend(docs);
    }
    (files, health)
}

/// Resources as documents, grouped by the file of their kind.
fn resource_files(resources: &[&Resource]) -> Files {
    let mut files: Files = IndexMap::new();
    for r in resources {
        files
            .entry(object_file(&r.api_version, &r.kind))
            .or_default()
            .push(resource_doc(r));
    }
    files
}

/// The component's health checks for `app/` and for `config/`: checks on kinds of the
/// component's own CRDs can only run in `config/`, when it has one.
fn split_health<'a>(
    c: &'a ComponentIr,
    crds: &[(Crd, Option<String>)],
    has_config: bool,
) -> (Vec<&'a HealthCheck>, Vec<&'a HealthCheck>) {
    let own_kind = |h: &HealthCheck| {
        crds.iter().any(|(crd, provider)| {
            crd.api_version == h.api_version
                && crd.kind == h.kind
                && provider.as_deref() == Some(c.name.as_str())
        })
    };
    c.out
        .health
        .iter()
        .partition(|h| !has_config || !own_kind(h))
}

/// The chart's Flux source documents, by file: an OCIRepository, or a HelmRepository and
/// the HelmChart that picks the chart and version from it. Either way the HelmRelease
/// refers to the last one with `chartRef` (`chart_ref_kind`), in its own namespace.
fn chart_source(
    c: &ComponentIr,
    chart: &component_ir::Chart,
    interval: &str,
) -> Vec<(&'static str, Yaml)> {
    let metadata = map(vec![("name", s(&c.name)), ("namespace", s(&c.namespace))]);
    if chart.oci {
        vec![(
            "ocirepository.yaml",
            map(vec![
                ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                ("kind", s("OCIRepository")),
                ("metadata", metadata),
                (
                    "spec",
                    map(vec![
                        ("interval", s(interval)),
                        (
                            "layerSelector",
                            map(vec![
                                (
                                    "mediaType",
                                    s("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
                                ),
                                ("operation", s("copy")),
                            ]),
                        ),
                        ("ref", map(vec![("tag", s(&chart.version))])),
                        ("url", s(&chart.url)),
                    ]),
                ),
            ]),
        )]
    } else {
        vec![
            (
                "helmrepository.yaml",
                map(vec![
                    ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                    ("kind", s("HelmRepository")),
                    ("metadata", metadata.clone()),
                    (
                        "spec",
                        map(vec![("interval", s(interval)), ("url", s(&chart.url))]),
                    ),
                ]),
            ),
            (
                "helmchart.yaml",
                map(vec![
                    ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
                    ("kind", s("HelmChart")),
                    ("metadata", metadata),
                    (
                        "spec",
                        map(vec![
                            ("chart", s(chart.chart.as_deref().unwrap_or(&c.name))),
                            ("interval", s(interval)),
                            (
                                "sourceRef",
                                map(vec![("kind", s("HelmRepository")), ("name", s(&c.name))]),
                            ),
                            ("version", s(&chart.version)),
                        ]),
                    ),
                ]),
            ),
        ]
    }
}

/// The kind of the chart's source that a HelmRelease's `chartRef` names.
fn chart_ref_kind(chart: &component_ir::Chart) -> &'static str {
    if chart.oci {
        "OCIRepository"
    } else {
        "HelmChart"
    }
}

/// The component's HelmRelease: its chart, CRD policy and retries, the Flux settings of
/// the lab and the component over them (`release_spec`), and its values (left out when
/// not `with_values`: the schema check has no use for them, and they can be large).
pub(super) fn helm_release(
    c: &ComponentIr,
    chart: &component_ir::Chart,
    interval: &str,
    lab_flux: &FluxSettings,
    with_values: bool,
) -> Yaml {
    let spec_ref = map(vec![
        ("kind", s(chart_ref_kind(chart))),
        ("name", s(&c.name)),
    ]);
    let mut spec = vec![("interval", s(interval)), ("chartRef", spec_ref)];
    let retries = map(vec![("retries", Yaml::Int(3))]);
    // An operator that declares `crds` ships them in its chart: Helm only creates CRDs on
    // install and never updates them, so let Flux create and replace them.
    let crds = (!c.out.crds.is_empty()).then(|| ("crds", s("CreateReplace")));
    spec.push((
        "install",
        map([crds.clone(), Some(("remediation", retries.clone()))]
            .into_iter()
            .flatten()
            .collect()),
    ));
    spec.push((
        "upgrade",
        map([
            Some(("cleanupOnFail", Yaml::Bool(true))),
            crds,
            Some(("remediation", retries)),
        ]
        .into_iter()
        .flatten()
        .collect()),
    ));
    let base = spec.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut spec = release_spec(base, lab_flux, c);
    if let Some(v) = c.out.values.as_ref().filter(|_| with_values) {
        let y = v.to_yaml();
        if !matches!(&y, Yaml::Map(m) if m.is_empty()) {
            spec.insert("values".into(), y);
        }
    }
    map(vec![
        ("apiVersion", s("helm.toolkit.fluxcd.io/v2")),
        ("kind", s("HelmRelease")),
        (
            "metadata",
            map(vec![("name", s(&c.name)), ("namespace", s(&c.namespace))]),
        ),
        ("spec", Yaml::Map(spec)),
    ])
}

/// A resource as a Kubernetes document: apiVersion, kind, metadata first.
fn resource_doc(r: &Resource) -> Yaml {
    let mut body = match r.body.to_yaml() {
        Yaml::Map(m) => m,
        _ => IndexMap::new(),
    };
    let mut metadata = match body.shift_remove("metadata") {
        Some(Yaml::Map(m)) => m,
        _ => IndexMap::new(),
    };
    let mut meta = IndexMap::new();
    meta.insert("name".to_string(), s(&r.name));
    if let Some(ns) = &r.namespace {
        meta.insert("namespace".to_string(), s(ns));
    }
    metadata.shift_remove("name");
    metadata.shift_remove("namespace");
    meta.extend(metadata);
    let mut doc = IndexMap::new();
    doc.insert("apiVersion".to_string(), s(&r.api_version));
    doc.insert("kind".to_string(), s(&r.kind));
    doc.insert("metadata".to_string(), Yaml::Map(meta));
    doc.extend(body);
    Yaml::Map(doc)
}
