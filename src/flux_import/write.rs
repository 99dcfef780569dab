//! The lab of the rendered repository: `lab.lab` (the lab, its clusters with their
//! settings as `vars` and the typed fields labc knows, the namespaces) and one
//! `components/<name>.lab` per component name. A component with the same body on several
//! clusters is a `template` and one `instance` on all of them (a `tenant` is on one
//! cluster); one whose chart ships CRDs other objects use is an `operator` and an
//! `install`, so labc orders the users after it.

use indexmap::{IndexMap, IndexSet};
use serde_yaml::Value;

use super::clusters::{Rendered, RenderedCluster};
use super::component::{plan, Plan};
use super::kustomize::str_at;
use super::lab_text::{key, quote, Writer};
use super::{Imported, Note};
use crate::literal::parse_cidr;
use crate::sema::kube::core_kind;

/// A CRD kind objects use: (apiVersion, kind, cluster-scoped).
type CrdKind = (String, String, bool);

pub fn lab(r: &Rendered) -> Imported {
    let mut notes = r.notes.clone();
    let mut plans: Vec<Plan> = Vec::new();
    for rc in &r.clusters {
        for ks in &rc.kustomizations {
            let mut p = plan(rc, ks, &mut notes);
            let taken = |n: &str| plans.iter().any(|q| q.cluster == p.cluster && q.name == n);
            if !p.name.is_empty() && taken(&p.name) {
                // Two Kustomizations of one name in two namespaces: one component name
                // per cluster.
                let renamed = format!("{}-{}", p.name, p.namespace);
                notes.push(Note::mapped(
                    &p.subject,
                    format!(
                        "named `{renamed}`: `{}` is taken on cluster `{}`",
                        p.name, p.cluster
                    ),
                ));
                p.name = renamed;
            }
            plans.push(p);
        }
    }
    let crds = assign_crds(&mut plans, &mut notes);
    resolve_depends(r, &mut plans, &crds.0, &mut notes);
    let mut files = IndexMap::new();
    files.insert(
        "lab.lab".to_string(),
        lab_file(r, &plans, &crds.1, &mut notes),
    );
    let mut names: IndexSet<String> = IndexSet::new();
    for p in plans.iter().filter(|p| !p.name.is_empty()) {
        names.insert(p.name.clone());
    }
    for name in names {
        let text = component_file(r, &name, &plans, &crds.0, &mut notes);
        files.insert(format!("components/{name}.lab"), text);
    }
    super::stdlib_match::adopt(r, &plans, &mut files, &mut notes);
    for (path, text) in files.iter_mut() {
        match crate::syntax::fmt::format(text) {
            Ok(t) => *text = t,
            Err(e) => notes.push(Note::error(
                path,
                format!(
                    "the importer wrote a syntax error ({} of them); please report it",
                    e.len()
                ),
            )),
        }
    }
    Imported { files, notes }
}

/// The CRD kinds each component's objects use, given to the component whose chart likely
/// ships them (its release or chart named after the API group), else to the cluster's
/// bootstrap `crds`. Returns (per component index, what it ships) and (per cluster, the rest).
#[allow(clippy::type_complexity)]
fn assign_crds(
    plans: &mut [Plan],
    notes: &mut Vec<Note>,
) -> (Vec<Vec<CrdKind>>, IndexMap<String, Vec<CrdKind>>) {
    let stdlib = super::stdlib_crds::group_charts();
    let mut shipped: Vec<Vec<CrdKind>> = vec![Vec::new(); plans.len()];
    let mut bootstrap: IndexMap<String, Vec<CrdKind>> = IndexMap::new();
    for i in 0..plans.len() {
        for (d, _) in &plans[i].resources {
            let api = str_at(&d.value, &["apiVersion"])
                .unwrap_or_default()
                .to_string();
            let kind = str_at(&d.value, &["kind"]).unwrap_or_default().to_string();
            if core_kind(&api, &kind) || api.contains(".toolkit.fluxcd.io/") {
                continue;
            }
            let scoped = str_at(&d.value, &["metadata", "namespace"]).is_none();
            let crd = (api.clone(), kind.clone(), scoped);
            let group_head = api
                .split('/')
                .next()
                .unwrap_or_default()
                .split('.')
                .next()
                .unwrap_or_default();
            let cluster = plans[i].cluster.clone();
            let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or_default();
            let ships = |p: &Plan| {
                p.chart_names.iter().any(|n| {
                    (!group_head.is_empty() && n.starts_with(group_head))
                        || stdlib.iter().any(|(g, c)| g == group && c == n)
                })
            };
            let shipper = plans
                .iter()
                .position(|p| p.cluster == cluster && p.chart.is_some() && ships(p));
            let list = match shipper {
                Some(s) => &mut shipped[s],
                None => bootstrap.entry(cluster.clone()).or_default(),
            };
            if !list.iter().any(|(a, k, _)| *a == api && *k == kind) {
                let who = match shipper {
                    Some(s) => format!("the `crds` of `{}`, whose chart ships that group (by its name, or the stdlib's operator of that chart)", plans[s].name),
                    None => "the cluster's bootstrap `crds` (no component's chart is known to ship it; move it to the operator that does)".into(),
                };
                notes.push(Note::untyped(
                    &format!("{cluster}/{kind}"),
                    format!("`{api}` `{kind}` declared in {who}"),
                ));
                list.push(crd);
            }
        }
    }
    (shipped, bootstrap)
}

/// `dependsOn` as `depends_on`, except what labc derives (a dependency on the component
/// that ships the CRDs it uses, on a Kustomization of namespaces); a dangling one is a note.
fn resolve_depends(
    r: &Rendered,
    plans: &mut [Plan],
    shipped: &[Vec<CrdKind>],
    notes: &mut Vec<Note>,
) {
    let snapshot: Vec<Plan> = plans.to_vec();
    for p in plans.iter_mut().filter(|p| !p.name.is_empty()) {
        let Some(rc) = r.clusters.iter().find(|c| c.name == p.cluster) else {
            continue;
        };
        let Some(ks) = rc.kustomizations.iter().find(|k| k.name == p.ks_name) else {
            continue;
        };
        let ks_deps = ks.spec.get("dependsOn").and_then(Value::as_sequence);
        // (what the repository says, the component it names on this cluster)
        let mut deps: Vec<(String, Option<(usize, &Plan)>)> = Vec::new();
        for dep in ks_deps.into_iter().flatten() {
            let Some(dep_name) = str_at(dep, &["name"]) else {
                continue;
            };
            let target = snapshot
                .iter()
                .enumerate()
                .find(|(_, t)| t.cluster == p.cluster && t.ks_name == dep_name);
            deps.push((format!("dependsOn `{dep_name}`"), target));
        }
        for (name, ns) in &p.release_depends {
            let target = snapshot.iter().enumerate().find(|(_, t)| {
                t.cluster == p.cluster && t.namespace == *ns && t.chart_names.first() == Some(name)
            });
            deps.push((format!("HelmRelease dependsOn `{ns}/{name}`"), target));
        }
        for (dep_name, target) in deps {
            let Some((ti, t)) = target else {
                notes.push(Note::error(&p.subject, format!("{dep_name}: nothing of that name on cluster `{}` (a defect of the repository); dropped", p.cluster)));
                continue;
            };
            if t.name == p.name {
                continue;
            }
            if t.name.is_empty() {
                notes.push(Note::mapped(
                    &p.subject,
                    format!("{dep_name} left out: it has no component (only namespaces, settings or other Kustomizations); labc derives the namespace order"),
                ));
                continue;
            }
            let uses_crds = p.resources.iter().any(|(d, _)| {
                shipped[ti].iter().any(|(a, k, _)| {
                    str_at(&d.value, &["apiVersion"]) == Some(a)
                        && str_at(&d.value, &["kind"]) == Some(k)
                })
            });
            if uses_crds {
                notes.push(Note::mapped(
                    &p.subject,
                    format!("{dep_name} left to derivation: it ships CRDs this component uses"),
                ));
            } else if !p.depends.contains(&t.name) {
                notes.push(Note::mapped(
                    &p.subject,
                    format!("{dep_name} -> depends_on = [{}]", t.name),
                ));
                p.depends.push(t.name.clone());
            }
        }
    }
}

/// The settings var a cluster field reads, by the usual names: the first whose value
/// `fits` (a `POD_CIDR` written as a JSON list is passed over for a `POD_CIDR_STRING`).
fn typed_field(
    settings: &IndexMap<String, String>,
    words: &[&[&str]],
    fits: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    settings.iter().find_map(|(k, v)| {
        let upper = k.to_ascii_uppercase();
        (words.iter().any(|ws| ws.iter().all(|w| upper.contains(w))) && fits(v))
            .then(|| (k.clone(), v.clone()))
    })
}

fn cluster_decl(
    i: usize,
    rc: &RenderedCluster,
    bootstrap: &[CrdKind],
    notes: &mut Vec<Note>,
) -> String {
    let subject = format!("cluster {}", rc.name);
    let mut out = format!("cluster {} {{\n  id = {}\n", rc.name, i + 1);
    let api = typed_field(
        &rc.settings,
        &[
            &["API", "ADDR"],
            &["API", "HOST"],
            &["KUBE", "VIP"],
            &["CLUSTER", "API"],
            &["K8S", "SERVICE", "HOST"],
            &["KUBERNETES", "SERVICE", "HOST"],
        ],
        |_| true,
    );
    match api {
        Some((k, v)) => {
            notes.push(Note::mapped(&subject, format!("settings `{k}` -> api")));
            out.push_str(&format!("  api = {}\n", quote(&v)));
        }
        None => {
            notes.push(Note::untyped(
                &subject,
                "api: not in the settings; a placeholder to replace",
            ));
            out.push_str(&format!(
                "  api = {}\n",
                quote(&format!("{}.invalid", rc.name))
            ));
        }
    }
    let nets: [(&str, &[&[&str]], String); 2] = [
        (
            "pods",
            &[&["POD", "CIDR"], &["CLUSTER", "CIDR"]],
            format!("10.{}.0.0/16", 100 + 2 * i),
        ),
        (
            "services",
            &[&["SERVICE", "CIDR"], &["SVC", "CIDR"]],
            format!("10.{}.0.0/16", 101 + 2 * i),
        ),
    ];
    for (field, words, placeholder) in nets {
        match typed_field(&rc.settings, words, |v| {
            parse_cidr(v).is_ok() && !v.contains(':')
        }) {
            Some((k, v)) => {
                notes.push(Note::mapped(&subject, format!("settings `{k}` -> {field}")));
                out.push_str(&format!("  {field} = {v}\n"));
            }
            None => {
                notes.push(Note::untyped(
                    &subject,
                    format!(
                        "{field}: not in the settings; the placeholder {placeholder} to replace"
                    ),
                ));
                out.push_str(&format!("  {field} = {placeholder}\n"));
            }
        }
    }
    out.push_str(&bgp_field(rc, notes));
    if !rc.settings.is_empty() {
        out.push_str("  vars = {\n");
        for (k, v) in &rc.settings {
            out.push_str(&format!("    {} = {}\n", key(k), quote(v)));
        }
        out.push_str("  }\n");
        notes.push(Note::mapped(
            &subject,
            format!("{} settings variable(s) -> cluster.vars", rc.settings.len()),
        ));
    }
    out.push_str(&crds_text(bootstrap, "  "));
    out.push_str("}\n");
    out
}

/// `bgp { asn, peer, peer_asn }` when the settings hold all three (`*BGP*ASN*` without
/// `PEER`, `*BGP*PEER*ASN*`, `*BGP*PEER*ADDR*`), as numbers and an address.
fn bgp_field(rc: &RenderedCluster, notes: &mut Vec<Note>) -> String {
    let asn = |v: &str| v.parse::<u32>().is_ok_and(|n| n > 0);
    let local = rc.settings.iter().find(|(k, v)| {
        let k = k.to_ascii_uppercase();
        k.contains("BGP") && k.contains("ASN") && !k.contains("PEER") && asn(v)
    });
    let peer_asn = typed_field(&rc.settings, &[&["BGP", "PEER", "ASN"]], asn);
    let peer = typed_field(&rc.settings, &[&["BGP", "PEER", "ADDR"]], |v| {
        v.parse::<std::net::Ipv4Addr>().is_ok()
    });
    let (Some((lk, lv)), Some((ak, av)), Some((pk, pv))) = (local, peer_asn, peer) else {
        return String::new();
    };
    notes.push(Note::mapped(
        &format!("cluster {}", rc.name),
        format!("settings `{lk}`, `{pk}`, `{ak}` -> bgp {{ asn, peer, peer_asn }}"),
    ));
    format!("  bgp {{ asn = {lv}, peer = {pv}, peer_asn = {av} }}\n")
}

fn crds_text(crds: &[CrdKind], pad: &str) -> String {
    let mut by_api: IndexMap<&str, Vec<String>> = IndexMap::new();
    for (api, kind, scoped) in crds {
        let k = if *scoped {
            format!("cluster {kind}")
        } else {
            kind.clone()
        };
        by_api.entry(api.as_str()).or_default().push(k);
    }
    by_api
        .iter()
        .map(|(api, kinds)| format!("{pad}crds {} {{ {} }}\n", quote(api), kinds.join(", ")))
        .collect()
}

fn lab_file(
    r: &Rendered,
    plans: &[Plan],
    bootstrap: &IndexMap<String, Vec<CrdKind>>,
    notes: &mut Vec<Note>,
) -> String {
    let git = r.clusters.iter().find_map(|c| c.git.clone());
    let (url, branch) = git.unwrap_or_else(|| {
        notes.push(Note::untyped(
            "lab",
            "git: no flux-system GitRepository; a placeholder to replace",
        ));
        (
            "https://example.invalid/repository.git".into(),
            "main".into(),
        )
    });
    let domain = r
        .clusters
        .iter()
        .find_map(|c| typed_field(&c.settings, &[&["DOMAIN"]], |_| true))
        .map(|(k, v)| {
            notes.push(Note::mapped("lab", format!("settings `{k}` -> domain")));
            v
        })
        .unwrap_or_else(|| {
            notes.push(Note::untyped(
                "lab",
                "domain: not in the settings; a placeholder to replace",
            ));
            "example.com".into()
        });
    let mut out = format!(
        "# Imported by `labc import`; the report lists what each part came from.\n\nlab imported {{\n  domain = {}\n  git = {}\n  branch = {}\n}}\n",
        quote(&domain),
        quote(&url),
        quote(&branch)
    );
    for (i, rc) in r.clusters.iter().enumerate() {
        out.push('\n');
        out.push_str(&cluster_decl(
            i,
            rc,
            bootstrap.get(&rc.name).map(Vec::as_slice).unwrap_or(&[]),
            notes,
        ));
    }
    out.push_str(&namespaces_text(plans, notes));
    out
}

/// The repository's Namespace objects as `namespace` declarations, one per name and shape.
fn namespaces_text(plans: &[Plan], notes: &mut Vec<Note>) -> String {
    let mut groups: IndexMap<(String, String), Vec<String>> = IndexMap::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for p in plans {
        for ns in &p.namespaces {
            let name = str_at(ns, &["metadata", "name"])
                .unwrap_or_default()
                .to_string();
            // The same Namespace from several Kustomizations (a shared component per app):
            // one declaration per cluster, the first one's labels.
            if seen.contains(&(name.clone(), p.cluster.clone())) {
                continue;
            }
            seen.push((name.clone(), p.cluster.clone()));
            let mut body = String::new();
            let mut w = Writer {
                var_ref: &|_| None,
                lost: Vec::new(),
            };
            for field in ["labels", "annotations"] {
                if let Some(v) = ns
                    .get("metadata")
                    .and_then(|m| m.get(field))
                    .filter(|v| v.is_mapping())
                {
                    body.push_str(&format!("  {field} = {}\n", w.value(v, None, 1)));
                }
            }
            let clusters = groups.entry((name.clone(), body)).or_default();
            if !clusters.contains(&p.cluster) {
                clusters.push(p.cluster.clone());
            }
            notes.push(Note::mapped(
                &p.subject,
                format!("Namespace `{name}` -> namespace {name} on {}", p.cluster),
            ));
        }
    }
    let mut out = String::new();
    for ((name, body), clusters) in groups {
        out.push_str(&format!("\nnamespace {name} on {}", clusters.join(", ")));
        if body.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!(" {{\n{body}}}\n"));
        }
    }
    out
}

/// The body of a component (without `depends_on`), its settings references resolved
/// against the cluster's `vars`.
fn body(r: &Rendered, p: &Plan, notes: &mut Vec<Note>) -> String {
    let ks = r.kustomization(&p.cluster, &p.ks_name);
    let var_ref = |name: &str| ks?.var_ref(name);
    let mut w = Writer {
        var_ref: &var_ref,
        lost: Vec::new(),
    };
    let mut out = String::new();
    if p.namespace != p.name {
        out.push_str(&format!("  namespace = {}\n", quote(&p.namespace)));
    }
    if let Some(chart) = &p.chart {
        out.push_str(&format!("  chart = {chart}\n"));
    }
    for (path, v) in &p.flux {
        out.push_str(&format!("  {path} = {}\n", w.value(v, None, 1)));
    }
    if let Some((values, raw)) = &p.values {
        out.push_str(&format!(
            "  values {{\n{}  }}\n",
            w.record_items(values, Some(raw), 2)
        ));
    }
    for (d, raw) in &p.resources {
        out.push_str(&resource_text(&mut w, p, &d.value, &raw.value));
    }
    for lost in w.lost {
        notes.push(Note::untyped(&p.subject, lost));
    }
    out
}

fn resource_text(w: &mut Writer<'_>, p: &Plan, v: &Value, raw: &Value) -> String {
    let api = str_at(v, &["apiVersion"]).unwrap_or_default();
    let kind = str_at(v, &["kind"]).unwrap_or_default();
    let name = str_at(v, &["metadata", "name"]).unwrap_or_default();
    let ns = str_at(v, &["metadata", "namespace"]);
    let mut rest = v.clone();
    if let Some(m) = rest.as_mapping_mut() {
        m.remove("apiVersion");
        m.remove("kind");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_mapping_mut) {
            meta.remove("name");
            meta.remove("namespace");
            if meta.is_empty() {
                m.remove("metadata");
            }
        }
    }
    let mut head = format!("  resource {} {kind} {}", quote(api), quote(name));
    if let Some(ns) = ns.filter(|ns| *ns != p.namespace) {
        head.push_str(&format!(" in {}", quote(ns)));
    }
    if rest.as_mapping().is_none_or(|m| m.is_empty()) {
        return head + "\n";
    }
    format!("{head} {{\n{}  }}\n", w.record_items(&rest, Some(raw), 2))
}

/// Every declaration of one component name: grouped by identical bodies across clusters.
fn component_file(
    r: &Rendered,
    name: &str,
    plans: &[Plan],
    shipped: &[Vec<CrdKind>],
    notes: &mut Vec<Note>,
) -> String {
    let mut groups: IndexMap<(String, Vec<String>, String), Vec<String>> = IndexMap::new();
    for (i, p) in plans.iter().enumerate().filter(|(_, p)| p.name == name) {
        let crds = crds_text(&shipped[i], "  ");
        let key = (body(r, p, notes), p.depends.clone(), crds);
        groups.entry(key).or_default().push(p.cluster.clone());
    }
    let mut out = String::new();
    let several = groups.len() > 1;
    for ((body, depends, crds), clusters) in groups {
        let def = if several {
            format!("{name}-{}", clusters[0])
        } else {
            name.to_string()
        };
        let on = clusters.join(", ");
        let depends =
            (!depends.is_empty()).then(|| format!("  depends_on = [{}]\n", depends.join(", ")));
        let depends = depends.unwrap_or_default();
        if !crds.is_empty() {
            out.push_str(&format!("operator {def} {{\n{crds}{body}}}\n\n"));
            let alias = if def == name {
                String::new()
            } else {
                format!(" as {name}")
            };
            out.push_str(&format!("install {def}{alias} on {on} {{\n{depends}}}\n\n"));
        } else if clusters.len() == 1 {
            out.push_str(&format!("tenant {name} on {on} {{\n{depends}{body}}}\n\n"));
        } else {
            out.push_str(&format!("template {def}() {{\n{body}}}\n\n"));
            out.push_str(&format!(
                "instance {name} = {def} on {on} {{\n{depends}}}\n\n"
            ));
        }
    }
    out
}
