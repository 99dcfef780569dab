//! Emission: the Flux IR of each cluster to files (relative path -> YAML text), and the
//! top-level `compile` query that runs the whole pipeline and the lab-wide checks.
//!
//! Layout per cluster (paths relative to the output root, which is the repository folder
//! the lab declares as `path`):
//!
//! ```text
//! clusters/<cluster>/kustomization.yaml          root: flux-system + every ks.yaml
//! clusters/<cluster>/flux-system/gotk-sync.yaml   GitRepository + root Kustomization
//! clusters/<cluster>/<component>/ks.yaml          Flux Kustomization(s) of the component
//! clusters/<cluster>/<component>/app/...          namespace, source, HelmRelease, core resources
//! clusters/<cluster>/<component>/config/...       custom resources that need CRDs first
//! ```

use indexmap::IndexMap;

use crate::db::{Db, Lab};
use crate::diag::Diag;
use crate::eval::Value;
use crate::lower::{cluster_ir, ClusterIr};
use crate::model;
use crate::queries::{self, item_index};
use crate::yaml::{self, Yaml};

fn s(v: &str) -> Yaml {
    Yaml::Str(v.to_string())
}

fn map(pairs: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn kustomize_file(resources: Vec<String>) -> String {
    yaml::to_stream(&[map(vec![
        ("apiVersion", s("kustomize.config.k8s.io/v1beta1")),
        ("kind", s("Kustomization")),
        (
            "resources",
            Yaml::Seq(resources.into_iter().map(Yaml::Str).collect()),
        ),
    ])])
}

/// Files of one cluster: relative path -> YAML text.
#[salsa::tracked(returns(ref))]
pub fn emit_cluster(db: &dyn Db, lab: Lab, cluster: String) -> IndexMap<String, String> {
    let mut files = IndexMap::new();
    let Some(ir) = cluster_ir(db, lab, cluster.clone()) else {
        return files;
    };
    let base = format!("clusters/{cluster}");
    let repo_prefix = if ir.repo_path.is_empty() {
        ".".to_string()
    } else {
        format!("./{}", ir.repo_path)
    };
    let flux_path = |dir: &str| format!("{repo_prefix}/{base}/{dir}");

    files.insert(
        format!("{base}/flux-system/gotk-sync.yaml"),
        gotk_sync(ir, &flux_path("")),
    );
    files.insert(
        format!("{base}/flux-system/kustomization.yaml"),
        kustomize_file(vec!["gotk-sync.yaml".into()]),
    );

    let mut root = vec!["flux-system".to_string()];
    let mut ks_docs: IndexMap<String, Vec<Yaml>> = IndexMap::new();
    for k in &ir.kustomizations {
        let mut spec = vec![];
        if !k.depends_on.is_empty() {
            spec.push((
                "dependsOn",
                Yaml::Seq(
                    k.depends_on
                        .iter()
                        .map(|d| map(vec![("name", s(d))]))
                        .collect(),
                ),
            ));
        }
        if !k.health_checks.is_empty() {
            spec.push((
                "healthChecks",
                Yaml::Seq(
                    k.health_checks
                        .iter()
                        .map(|h| {
                            let mut m = vec![
                                ("apiVersion", s(&h.api_version)),
                                ("kind", s(&h.kind)),
                                ("name", s(&h.name)),
                            ];
                            if let Some(ns) = &h.namespace {
                                m.push(("namespace", s(ns)));
                            }
                            map(m)
                        })
                        .collect(),
                ),
            ));
        }
        spec.push(("interval", s(&ir.interval)));
        spec.push(("path", s(&flux_path(&k.dir))));
        spec.push(("prune", Yaml::Bool(true)));
        spec.push((
            "sourceRef",
            map(vec![
                ("kind", s("GitRepository")),
                ("name", s("flux-system")),
                ("namespace", s("flux-system")),
            ]),
        ));
        spec.push(("timeout", s(&k.timeout)));
        // With `wait`, Flux ignores healthChecks; wait only when there are none.
        spec.push(("wait", Yaml::Bool(k.health_checks.is_empty())));
        ks_docs
            .entry(k.component.clone())
            .or_default()
            .push(map(vec![
                ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
                ("kind", s("Kustomization")),
                (
                    "metadata",
                    map(vec![("name", s(&k.name)), ("namespace", s("flux-system"))]),
                ),
                ("spec", map(spec)),
            ]));
        let mut resources = Vec::new();
        for (file, docs) in &k.files {
            files.insert(format!("{base}/{}/{file}", k.dir), yaml::to_stream(docs));
            resources.push(file.clone());
        }
        files.insert(
            format!("{base}/{}/kustomization.yaml", k.dir),
            kustomize_file(resources),
        );
    }
    for (component, docs) in ks_docs {
        files.insert(
            format!("{base}/{component}/ks.yaml"),
            yaml::to_stream(&docs),
        );
        root.push(format!("{component}/ks.yaml"));
    }
    files.insert(format!("{base}/kustomization.yaml"), kustomize_file(root));
    files
}

fn gotk_sync(ir: &ClusterIr, path: &str) -> String {
    let path = path.trim_end_matches('/');
    let meta = map(vec![
        ("name", s("flux-system")),
        ("namespace", s("flux-system")),
    ]);
    yaml::to_stream(&[
        map(vec![
            ("apiVersion", s("source.toolkit.fluxcd.io/v1")),
            ("kind", s("GitRepository")),
            ("metadata", meta.clone()),
            (
                "spec",
                map(vec![
                    ("interval", s(&ir.interval)),
                    ("ref", map(vec![("branch", s(&ir.branch))])),
                    ("url", s(&ir.git_url)),
                ]),
            ),
        ]),
        map(vec![
            ("apiVersion", s("kustomize.toolkit.fluxcd.io/v1")),
            ("kind", s("Kustomization")),
            ("metadata", meta),
            (
                "spec",
                map(vec![
                    ("interval", s(&ir.interval)),
                    ("path", s(path)),
                    ("prune", Yaml::Bool(true)),
                    (
                        "sourceRef",
                        map(vec![
                            ("kind", s("GitRepository")),
                            ("name", s("flux-system")),
                        ]),
                    ),
                ]),
            ),
        ]),
    ])
}

/// Checks that need every cluster at once: overlapping pools and CIDRs, mesh conflicts,
/// components placed on unknown clusters, a missing `lab`.
#[salsa::tracked(returns(copy))]
pub fn lab_checks(db: &dyn Db, lab: Lab) {
    let index = item_index(db, lab);
    // A `lab` declaration with a syntax error is already reported; do not add this one.
    let written = lab.files(db).iter().any(|f| {
        !f.path(db).starts_with("std/")
            && f.text(db)
                .lines()
                .any(|l| l.starts_with("lab ") || l == "lab")
    });
    if index.labs.is_empty() && !written {
        if let Some(&file) = lab
            .files(db)
            .iter()
            .find(|f| !f.path(db).starts_with("std/"))
        {
            Diag::error(
                "E0502",
                file,
                crate::syntax::ast::Span::new(0, 0),
                "this lab has no `lab` declaration",
            )
            .label("expected `lab <name> { domain = ..., git = ... }` in some file")
            .help("add a `lab` declaration with the domain and the git source")
            .emit(db);
        }
    }
    for c in &index.components {
        for on in &c.on {
            if !index.clusters.contains_key(on) {
                let decl = queries::decl(db, c);
                let span = decl
                    .on
                    .iter()
                    .find(|o| &o.text == on)
                    .map(|o| o.span)
                    .unwrap_or(c.name_span);
                Diag::error("E0201", c.file, span, format!("unknown cluster `{on}`"))
                    .label("no such cluster")
                    .help_opt(crate::diag::did_you_mean(
                        on,
                        index.clusters.keys().map(String::as_str),
                    ))
                    .emit(db);
            }
        }
    }
    // Address ranges of every pool and cluster network, to check overlaps pairwise.
    struct Net {
        what: String,
        file: crate::db::SourceFile,
        span: crate::syntax::ast::Span,
        range: Option<crate::literal::AddrRange>,
        net: Option<ipnet::IpNet>,
        cluster: String,
    }
    let mut nets: Vec<Net> = Vec::new();
    // Mesh name -> members: (cluster, id, pod CIDR, file, span of the id).
    type MeshMember = (
        String,
        i64,
        Option<ipnet::IpNet>,
        crate::db::SourceFile,
        crate::syntax::ast::Span,
    );
    let mut meshes: IndexMap<String, Vec<MeshMember>> = IndexMap::new();
    for (name, item) in &index.clusters {
        let Some(Value::Record(r)) = model::cluster_value(db, lab, name.clone()) else {
            continue;
        };
        let decl = queries::decl(db, item);
        let field_span = |f: &str| {
            decl.body
                .iter()
                .find_map(|s| match s {
                    crate::syntax::ast::Stmt::Assign { path, value, .. } if path[0].text == f => {
                        Some(value.span)
                    }
                    _ => None,
                })
                .unwrap_or(item.name_span)
        };
        for f in ["pods", "services"] {
            if let Some(Value::Cidr(c)) = r.get(f) {
                nets.push(Net {
                    what: format!("the {f} CIDR of cluster `{name}`"),
                    file: item.file,
                    span: field_span(f),
                    range: None,
                    net: Some(*c),
                    cluster: name.clone(),
                });
            }
        }
        if let Some(Value::Str(mesh)) = r.get("mesh") {
            let id = match r.get("id") {
                Some(Value::Int(i)) => *i,
                _ => 0,
            };
            let pods = match r.get("pods") {
                Some(Value::Cidr(c)) => Some(*c),
                _ => None,
            };
            meshes.entry(mesh.clone()).or_default().push((
                name.clone(),
                id,
                pods,
                item.file,
                field_span("id"),
            ));
        }
    }
    for (name, item) in &index.pools {
        let Some(Value::Record(r)) = model::pool_value(db, lab, name.clone()) else {
            continue;
        };
        if let Some(Value::Range(range)) = r.get("addresses") {
            let decl = queries::decl(db, item);
            nets.push(Net {
                what: format!("pool `{name}`"),
                file: item.file,
                span: decl
                    .body
                    .first()
                    .map(|s| s.span())
                    .unwrap_or(item.name_span),
                range: Some(*range),
                net: None,
                cluster: item.on.first().cloned().unwrap_or_default(),
            });
        }
    }
    for (i, a) in nets.iter().enumerate() {
        for b in &nets[i + 1..] {
            let overlap = match (&a.range, &a.net, &b.range, &b.net) {
                (Some(x), _, Some(y), _) => x.overlaps(y),
                (Some(x), _, _, Some(n)) | (_, Some(n), Some(x), _) => x.overlaps_net(n),
                // Pod/service CIDRs may repeat across clusters that are not meshed (each
                // is private to its cluster); within one cluster they must not overlap.
                (_, Some(x), _, Some(y)) => {
                    a.cluster == b.cluster && (x.contains(&y.network()) || y.contains(&x.network()))
                }
                _ => false,
            };
            if overlap {
                Diag::error("E0404", b.file, b.span, format!("{} overlaps {}", b.what, a.what))
                    .label("overlapping addresses")
                    .secondary(a.file, a.span, format!("{} is here", a.what))
                    .help("give each pool and network its own addresses; the lab's clusters share one network")
                    .emit(db);
            }
        }
    }
    for (mesh, members) in &meshes {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if a.1 == b.1 {
                    Diag::error(
                        "E0406",
                        b.3,
                        b.4,
                        format!(
                            "clusters `{}` and `{}` in mesh `{mesh}` have the same id {}",
                            a.0, b.0, a.1
                        ),
                    )
                    .label("duplicate cluster id")
                    .secondary(a.3, a.4, format!("`{}` has id {} too", a.0, a.1))
                    .help("every cluster of a mesh needs its own id")
                    .emit(db);
                }
                if let (Some(x), Some(y)) = (a.2, b.2) {
                    if x.contains(&y.network()) || y.contains(&x.network()) {
                        Diag::error("E0406", b.3, b.4, format!("clusters `{}` and `{}` in mesh `{mesh}` have overlapping pod CIDRs", a.0, b.0))
                            .label(format!("pods {y}"))
                            .secondary(a.3, a.4, format!("pods {x}"))
                            .emit(db);
                    }
                }
            }
        }
    }
}

/// The result of compiling a lab: every output file, relative to the output root.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Output {
    pub files: IndexMap<String, String>,
}

/// Run the whole pipeline: parse, index, check, evaluate, lower and emit every cluster.
/// Diagnostics are collected with `compile::accumulated::<Diag>`.
#[salsa::tracked(returns(ref))]
pub fn compile(db: &dyn Db, lab: Lab) -> Output {
    let index = item_index(db, lab);
    for &f in lab.files(db) {
        queries::parse(db, f);
    }
    model::lab_value(db, lab);
    lab_checks(db, lab);
    let mut files = IndexMap::new();
    for name in index.clusters.keys() {
        files.extend(
            emit_cluster(db, lab, name.clone())
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    Output { files }
}

/// Compile and return the output with the sorted, de-duplicated diagnostics.
pub fn compile_with_diagnostics(db: &dyn Db, lab: Lab) -> (&Output, Vec<Diag>) {
    let out = compile(db, lab);
    let diags: Vec<Diag> = compile::accumulated::<Diag>(db, lab)
        .into_iter()
        .cloned()
        .collect();
    (out, crate::diag::sort_and_dedup(db, diags))
}
