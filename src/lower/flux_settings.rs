//! The Flux settings a component's objects are written with: the component's own
//! (`flux { ... }` of its definition and body, and its `timeout`) over the lab's
//! (`lab { flux { ... } }`) over labc's defaults, and the checks only lowering can make
//! (E0314: a release or source setting on a component without a chart, a
//! `targetNamespace` that would move objects out of the namespaces labc wrote them in).

use indexmap::IndexMap;

use crate::db::Db;
use crate::diag::{codes, Diag};
use crate::sema::component_ir::ComponentIr;
use crate::sema::eval::Value;
use crate::sema::flux_settings::FluxSettings;
use crate::yaml::{s, Yaml};

/// What the lab gives every component's Flux objects: its `interval` and its `flux`
/// settings.
pub(super) struct LabFlux<'a> {
    pub interval: &'a str,
    pub settings: &'a FluxSettings,
}

/// The order of a HelmRelease's `spec` keys: the ones labc has always written first, as
/// they were, then the settings, then the values.
const RELEASE_ORDER: &[&str] = &[
    "interval",
    "chartRef",
    "timeout",
    "maxHistory",
    "install",
    "upgrade",
    "rollback",
    "driftDetection",
    "valuesFrom",
];

/// A section of settings as YAML, or nothing.
fn section_yaml(settings: &FluxSettings, name: &str) -> Option<Yaml> {
    settings
        .section(name)
        .map(|r| Value::Record(r.clone()).to_yaml())
}

/// `over` merged into `base`: maps key by key (a new key goes last), anything else
/// replaced. Lists are replaced whole, as a component's list replaces the lab's.
fn merge_yaml(base: &mut Yaml, over: Yaml) {
    match (base, over) {
        (Yaml::Map(b), Yaml::Map(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(old) => merge_yaml(old, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The keys of every map inside `y` in alphabetical order, as Flux documents them
/// (labc's own defaults are written so already).
fn sort_maps(y: &mut Yaml) {
    match y {
        Yaml::Map(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_maps);
        }
        Yaml::Seq(items) => items.iter_mut().for_each(sort_maps),
        _ => {}
    }
}

/// A HelmRelease `spec` (without values): labc's `base`, then the lab's `release`
/// settings, the component's `timeout`, and its own `release` settings.
pub(super) fn release_spec(
    base: IndexMap<String, Yaml>,
    lab: &FluxSettings,
    c: &ComponentIr,
) -> IndexMap<String, Yaml> {
    let mut spec = Yaml::Map(base);
    if let Some(y) = section_yaml(lab, "release") {
        merge_yaml(&mut spec, y);
    }
    // The component's timeout bounds its release too (Helm's own default is 5m, shorter
    // than a slow chart's first install).
    if let Some(t) = &c.out.timeout {
        let t = IndexMap::from([("timeout".to_string(), s(&t.to_string()))]);
        merge_yaml(&mut spec, Yaml::Map(t));
    }
    if let Some(y) = section_yaml(&c.out.flux, "release") {
        merge_yaml(&mut spec, y);
    }
    let Yaml::Map(mut spec) = spec else {
        return IndexMap::new();
    };
    let mut out = IndexMap::new();
    for key in RELEASE_ORDER {
        if let Some(mut v) = spec.shift_remove(*key) {
            if !matches!(*key, "interval" | "chartRef") {
                sort_maps(&mut v);
            }
            out.insert(key.to_string(), v);
        }
    }
    out.extend(spec);
    out
}

/// A duration setting of `section`: the component's, else the lab's.
fn duration(lab: &FluxSettings, c: &ComponentIr, section: &str, key: &str) -> Option<String> {
    [&c.out.flux, lab]
        .into_iter()
        .find_map(|f| f.section(section)?.get(key).and_then(Value::scalar_text))
}

/// The interval of the chart's source: the component's, the lab's, else the lab's
/// `interval`.
pub(super) fn source_interval(lab: &FluxSettings, c: &ComponentIr, interval: &str) -> String {
    duration(lab, c, "source", "interval").unwrap_or_else(|| interval.to_string())
}

/// The Kustomization settings of a namespace's own Kustomization (`namespace-<ns>`),
/// which only the lab-wide `flux.kustomization` reaches: its timeout (5m unless the lab
/// says) and the other `spec` fields.
pub(super) fn lab_kustomization_settings(lab: &FluxSettings) -> (String, IndexMap<String, Yaml>) {
    let timeout = lab
        .section("kustomization")
        .and_then(|k| k.get("timeout"))
        .and_then(Value::scalar_text)
        .unwrap_or_else(|| "5m".to_string());
    let Some(Yaml::Map(mut fields)) = section_yaml(lab, "kustomization") else {
        return (timeout, IndexMap::new());
    };
    fields.shift_remove("timeout");
    (timeout, fields)
}

/// The Kustomization settings of a component: its timeout (its own setting, its
/// `timeout`, the lab's, else 5m) and the other `spec` fields the lab or component set,
/// which `emit` writes over its defaults.
pub(super) fn kustomization_settings(
    lab: &FluxSettings,
    c: &ComponentIr,
) -> (String, IndexMap<String, Yaml>) {
    let own = c
        .out
        .flux
        .section("kustomization")
        .and_then(|k| k.get("timeout"))
        .and_then(Value::scalar_text);
    let timeout = own
        .or_else(|| c.out.timeout.map(|d| d.to_string()))
        .or_else(|| {
            lab.section("kustomization")
                .and_then(|k| k.get("timeout"))
                .and_then(Value::scalar_text)
        })
        .unwrap_or_else(|| "5m".to_string());
    let mut merged = Yaml::Map(IndexMap::new());
    for f in [lab, &c.out.flux] {
        if let Some(y) = section_yaml(f, "kustomization") {
            merge_yaml(&mut merged, y);
        }
    }
    let Yaml::Map(mut merged) = merged else {
        return (timeout, IndexMap::new());
    };
    merged.shift_remove("timeout");
    (timeout, merged)
}

/// E0314 for settings a component cannot honour: `release` or `source` without a chart,
/// and a `targetNamespace` other than the namespace of every object it would move.
pub(super) fn check_flux_settings(db: &dyn Db, components: &[&ComponentIr]) {
    for c in components.iter().filter(|c| c.ok) {
        if c.out.chart.is_none() {
            for section in ["release", "source"] {
                if let Some((file, span)) = c.out.flux.sites.get(section) {
                    let what = match section {
                        "release" => "HelmRelease",
                        _ => "chart source",
                    };
                    Diag::error(
                        codes::E0314,
                        *file,
                        *span,
                        format!("`flux.{section}` is set, but `{}` installs no chart", c.name),
                    )
                    .label(format!("no {what} to apply it to"))
                    .help(format!(
                        "remove `flux.{section}`: only a component with a `chart` has a {what}; its Kustomization's settings are `flux.kustomization`"
                    ))
                    .emit(db);
                }
            }
        }
        check_target_namespace(db, c);
    }
}

/// Flux's `targetNamespace` rewrites the namespace of every object of the Kustomization:
/// labc places each object itself, so the only value that changes nothing it knows is the
/// component's own namespace, with every object in it.
fn check_target_namespace(db: &dyn Db, c: &ComponentIr) {
    let Some((file, span)) = c.out.flux.sites.get("kustomization.targetNamespace") else {
        return;
    };
    let Some(target) = c
        .out
        .flux
        .section("kustomization")
        .and_then(|k| k.get("targetNamespace"))
        .and_then(Value::scalar_text)
    else {
        return;
    };
    let moved = if target != c.namespace {
        Some(format!(
            "the objects of `{}` out of its namespace `{}`",
            c.name, c.namespace
        ))
    } else {
        // Every object already is in the target, but one declared elsewhere would move.
        c.out
            .resources
            .iter()
            .find(|r| r.namespace.as_deref().is_some_and(|n| n != target))
            .map(|r| {
                format!(
                    "{} `{}` out of its namespace `{}`",
                    r.kind,
                    r.name,
                    r.namespace.as_deref().unwrap_or_default()
                )
            })
    };
    if let Some(moved) = moved {
        Diag::error(
            codes::E0314,
            *file,
            *span,
            format!("`targetNamespace = \"{target}\"` would move {moved}"),
        )
        .label("Flux rewrites every object's namespace to this")
        .help(if target != c.namespace {
            format!(
                "labc writes every object's namespace itself: remove `targetNamespace`, and to move the component set `namespace = \"{target}\"` on it"
            )
        } else {
            "remove `targetNamespace`: labc already writes the component's objects in its namespace, and the others where they are declared".to_string()
        })
        .emit(db);
    }
}
