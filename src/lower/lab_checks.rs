//! Whole-lab checks: what no single component or cluster can check alone. Overlapping
//! address ranges across clusters, mesh conflicts, components on unknown clusters, a
//! missing `lab`, and capacities (`capacity` / `consumes`) summed over every consumer.

use indexmap::IndexMap;

use crate::db::{Db, Lab, SourceFile};
use crate::diag::codes;
use crate::diag::Diag;
use crate::sema::eval::Value;
use crate::sema::index::{self, item_index, ItemIndex};
use crate::sema::{component_ir, facts};
use crate::syntax::ast::Span;

/// Checks that need every cluster at once: overlapping pools and CIDRs, mesh conflicts,
/// components placed on unknown clusters, a missing `lab`.
#[salsa::tracked(returns(copy))]
pub fn lab_checks(db: &dyn Db, lab: Lab) {
    let index = item_index(db, lab);
    check_lab_declared(db, lab, index);
    check_component_clusters(db, index);
    super::placement::check_once_placements(db, index);
    super::namespace_refs::namespace_checks(db, lab);
    let (mut nets, meshes) = cluster_networks(db, lab, index);
    nets.extend(pool_networks(db, lab, index));
    check_overlaps(db, &nets);
    check_meshes(db, &meshes);
}

/// `E0502`: the lab has no `lab` declaration (unless one is written with a syntax
/// error, which is already reported).
fn check_lab_declared(db: &dyn Db, lab: Lab, index: &ItemIndex) {
    // The texts are read only when no `lab` parsed: otherwise every edit of any file
    // would re-run the whole-lab checks.
    if !index.labs.is_empty() {
        return;
    }
    let written = lab.files(db).iter().any(|f| {
        !f.path(db).starts_with("std/")
            && f.text(db)
                .lines()
                .any(|l| l.starts_with("lab ") || l == "lab")
    });
    if !written {
        if let Some(&file) = lab
            .files(db)
            .iter()
            .find(|f| !f.path(db).starts_with("std/"))
        {
            Diag::error(
                codes::E0502,
                file,
                Span::new(0, 0),
                "this lab has no `lab` declaration",
            )
            .label("expected `lab <name> { domain = ..., git = ... }` in some file")
            .help("add a `lab` declaration with the domain and the git source")
            .emit(db);
        }
    }
}

/// `E0201`: a component placed `on` a cluster the lab does not declare.
fn check_component_clusters(db: &dyn Db, index: &ItemIndex) {
    for c in &index.components {
        for on in &c.on {
            if !index.clusters.contains_key(on) {
                let decl = index::decl(db, c);
                let written = decl.on.iter().find(|o| &o.text == on).map(|o| o.span);
                let span = written.unwrap_or(c.name_span);
                let d = Diag::error(
                    codes::E0201,
                    c.file,
                    span,
                    format!("unknown cluster `{on}`"),
                )
                .label("no such cluster")
                .help_opt(crate::diag::did_you_mean(
                    on,
                    index.clusters.keys().map(String::as_str),
                ));
                // The fix replaces the cluster's name only where it is written.
                match written {
                    Some(_) => d.fix_suggested().emit(db),
                    None => d.emit(db),
                }
            }
        }
    }
}

/// An address range of a pool or cluster network, to check overlaps pairwise.
struct Net {
    what: String,
    file: SourceFile,
    span: Span,
    range: Option<crate::literal::AddrRange>,
    net: Option<ipnet::IpNet>,
    cluster: String,
}

/// A cluster in a mesh: (cluster, id, pod CIDR, file, span of the id).
type MeshMember = (String, i64, Option<ipnet::IpNet>, SourceFile, Span);

/// Mesh name -> members.
type Meshes = IndexMap<String, Vec<MeshMember>>;

/// The pod and service CIDRs of every cluster, and the members of every mesh.
fn cluster_networks(db: &dyn Db, lab: Lab, index: &ItemIndex) -> (Vec<Net>, Meshes) {
    let mut nets: Vec<Net> = Vec::new();
    let mut meshes: Meshes = IndexMap::new();
    for (name, item) in &index.clusters {
        let Some(facts::ClusterFacts {
            value: Value::Record(r),
            ..
        }) = facts::cluster_facts(db, lab, name.clone())
        else {
            continue;
        };
        let decl = index::decl(db, item);
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
    (nets, meshes)
}

/// The address ranges of every pool.
fn pool_networks(db: &dyn Db, lab: Lab, index: &ItemIndex) -> Vec<Net> {
    let mut nets = Vec::new();
    for (name, item) in &index.pools {
        let Some(Value::Record(r)) = facts::pool_value(db, lab, name.clone()) else {
            continue;
        };
        if let Some(Value::Range(range)) = r.get("addresses") {
            let decl = index::decl(db, item);
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
    nets
}

/// `E0404`: two pools or networks share addresses.
fn check_overlaps(db: &dyn Db, nets: &[Net]) {
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
                Diag::error(codes::E0404, b.file, b.span, format!("{} overlaps {}", b.what, a.what))
                    .label("overlapping addresses")
                    .secondary(a.file, a.span, format!("{} is here", a.what))
                    .help("give each pool and network its own addresses; the lab's clusters share one network")
                    .emit(db);
            }
        }
    }
}

/// `E0406`: two clusters of a mesh with the same id or overlapping pod CIDRs.
fn check_meshes(db: &dyn Db, meshes: &Meshes) {
    for (mesh, members) in meshes {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if a.1 == b.1 {
                    Diag::error(
                        codes::E0406,
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
                        Diag::error(codes::E0406, b.3, b.4, format!("clusters `{}` and `{}` in mesh `{mesh}` have overlapping pod CIDRs", a.0, b.0))
                            .label(format!("pods {y}"))
                            .secondary(a.3, a.4, format!("pods {x}"))
                            .emit(db);
                    }
                }
            }
        }
    }
}

/// (cluster, component, kind): a provider's capacity of one kind.
type CapacityKey = (String, String, String);

/// Sum every `consumes` of a provider's capacity, across all clusters (a consumer may
/// reach a provider `via mesh`), and report capacities that are exceeded.
#[salsa::tracked(returns(copy))]
pub fn capacity_checks(db: &dyn Db, lab: Lab) {
    let (capacities, uses) = capacities_and_uses(db, lab);
    for (key, consumers) in &uses {
        let (cluster, provider, kind) = key;
        let Some(cap) = capacities.get(key) else {
            let u = consumers[0];
            Diag::error(
                codes::E0410,
                u.file,
                u.span,
                format!("`{provider}` on cluster `{cluster}` declares no `{kind}` capacity"),
            )
            .label(format!("consumes {kind} of `{provider}`"))
            .help(format!(
                "declare `capacity {kind} = ...` in `{provider}`'s template or operator"
            ))
            .emit(db);
            continue;
        };
        check_capacity(db, provider, kind, cap, consumers);
    }
}

/// Capacity -> its declaration.
type Capacities<'a> = IndexMap<CapacityKey, &'a component_ir::Capacity>;

/// Capacity -> what consumes it.
type Uses<'a> = IndexMap<CapacityKey, Vec<&'a component_ir::Consumption>>;

/// The capacities the components of one cluster declare and what they consume, in their
/// order. A query of its own, with its own copies: `capacity_checks` reads every cluster
/// through it, not through the clusters' evaluated components, so a build that drops each
/// cluster's evaluations once it is written (`compile::build_clusters`) does not evaluate
/// them again for this check.
#[salsa::tracked(returns(ref))]
pub fn cluster_capacities(
    db: &dyn Db,
    lab: Lab,
    cluster: String,
) -> (
    Vec<(CapacityKey, component_ir::Capacity)>,
    Vec<component_ir::Consumption>,
) {
    let mut capacities = Vec::new();
    let mut uses = Vec::new();
    for c in crate::sema::component::components_on(db, lab, &cluster) {
        for cap in &c.out.capacities {
            let key = (cluster.clone(), c.name.clone(), cap.kind.clone());
            capacities.push((key, cap.clone()));
        }
        uses.extend(c.out.consumptions.iter().cloned());
    }
    (capacities, uses)
}

/// Every declared capacity, and every consumption grouped by the capacity it uses.
fn capacities_and_uses(db: &dyn Db, lab: Lab) -> (Capacities<'_>, Uses<'_>) {
    let index = item_index(db, lab);
    let mut capacities: Capacities = IndexMap::new();
    let mut uses: Uses = IndexMap::new();
    for cluster in index.clusters.keys() {
        let (caps, consumptions) = cluster_capacities(db, lab, cluster.clone());
        for (key, cap) in caps {
            capacities.insert(key.clone(), cap);
        }
        for u in consumptions {
            uses.entry((
                u.provider.cluster.clone(),
                u.provider.name.clone(),
                u.kind.clone(),
            ))
            .or_default()
            .push(u);
        }
    }
    (capacities, uses)
}

/// Sum the consumers of one capacity: `E0303` for a consumer in another unit, `E0410`
/// when they need more than the capacity.
fn check_capacity(
    db: &dyn Db,
    provider: &str,
    kind: &str,
    cap: &component_ir::Capacity,
    consumers: &[&component_ir::Consumption],
) {
    let mut total: i128 = 0;
    let mut comparable = true;
    for u in consumers {
        match (&cap.amount, &u.amount) {
            (Value::Int(_), Value::Int(n)) => total += *n as i128,
            (Value::Bytes(_), Value::Bytes(b)) => total += b.0,
            _ => {
                comparable = false;
                Diag::error(
                    codes::E0303,
                    u.file,
                    u.span,
                    format!(
                        "`{kind}` of `{provider}` is counted in {}, this uses {}",
                        cap.amount.type_name(),
                        u.amount.type_name()
                    ),
                )
                .label("unit differs from the capacity")
                .secondary(cap.file, cap.span, "the capacity is declared here")
                .emit(db);
            }
        }
    }
    let limit = match &cap.amount {
        Value::Int(n) => *n as i128,
        Value::Bytes(b) => b.0,
        _ => return,
    };
    if comparable && total > limit {
        report_over_capacity(db, provider, kind, cap, consumers, total, limit);
    }
}

/// `E0410`: the consumers of a capacity need more than it has.
fn report_over_capacity(
    db: &dyn Db,
    provider: &str,
    kind: &str,
    cap: &component_ir::Capacity,
    consumers: &[&component_ir::Consumption],
    total: i128,
    limit: i128,
) {
    let show = |n: i128| match &cap.amount {
        Value::Bytes(_) => crate::literal::Bytes(n).to_string(),
        _ => n.to_string(),
    };
    let mut d = Diag::error(
        codes::E0410,
        cap.file,
        cap.span,
        format!(
            "the consumers of `{provider}` need {} {kind}, but it has {}",
            show(total),
            show(limit)
        ),
    )
    .label(format!("{kind} capacity of `{provider}`: {}", show(limit)));
    for u in consumers {
        let amount = match &u.amount {
            Value::Int(n) => show(*n as i128),
            Value::Bytes(b) => show(b.0),
            _ => String::new(),
        };
        d = d.secondary(u.file, u.span, format!("uses {amount}"));
    }
    d.note(format!(
        "{} consumer(s), {} in all",
        consumers.len(),
        show(total)
    ))
    .help(format!(
        "raise `{provider}`'s {kind} capacity or lower what the consumers use"
    ))
    .emit(db);
}
