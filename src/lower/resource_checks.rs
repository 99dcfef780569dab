//! Per-cluster checks of the objects components write, from their evaluated bodies:
//! core API versions Kubernetes deprecated (the warning E0605; removed ones are E0419 at
//! evaluation) and LoadBalancer addresses written as plain values outside the cluster's
//! pools (E0418; an address from `lb_address(...)` is E0405's).

use crate::db::{Db, Lab};
use crate::diag::{codes, Diag};
use crate::sema::component_ir::{ComponentIr, Resource};
use crate::sema::eval::Value;
use crate::sema::kube::{retired_api, retired_api_words, Retirement};

use super::checks::cluster_pools;

/// Run the object checks over the components placed on `cluster`.
pub(super) fn check_resources(db: &dyn Db, lab: Lab, cluster: &str, components: &[&ComponentIr]) {
    let pools = cluster_pools(db, lab, cluster);
    for c in components {
        for r in &c.out.resources {
            deprecated_api(db, r);
            if !pools.is_empty() {
                load_balancer_ip(db, cluster, c, r, &pools);
            }
        }
    }
}

/// E0605: the resource's API version is deprecated for its kind, still served.
fn deprecated_api(db: &dyn Db, r: &Resource) {
    let Some(retired) = retired_api(&r.api_version, &r.kind) else {
        return;
    };
    if let Retirement::Deprecated(_) = retired.retirement {
        let (message, help) = retired_api_words(retired, &r.kind);
        Diag::warning(codes::E0605, r.file, r.span, message)
            .label("served with a deprecation warning")
            .note("a later Kubernetes release removes it, and the apply then fails")
            .help(help)
            .emit(db);
    }
}

/// The value at `path` of a record tree.
fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Record(r) => r.get(*k),
        _ => None,
    })
}

/// E0418: a `v1` Service asks for a LoadBalancer address (`spec.loadBalancerIP`) that is
/// in none of the cluster's pools, written as a plain value rather than with
/// `lb_address(...)` (which E0405 checks). Only where the cluster declares pools: without
/// any, labc does not know which addresses its load balancer hands out.
fn load_balancer_ip(
    db: &dyn Db,
    cluster: &str,
    c: &ComponentIr,
    r: &Resource,
    pools: &[crate::literal::AddrRange],
) {
    if r.api_version != "v1" || r.kind != "Service" {
        return;
    }
    let ip = match at(&r.body, &["spec", "loadBalancerIP"]) {
        Some(Value::Ip(ip)) => *ip,
        Some(Value::Str(s)) => match s.parse() {
            Ok(ip) => ip,
            Err(_) => return,
        },
        _ => return,
    };
    if c.out.address_uses.iter().any(|a| a.ip == ip) || pools.iter().any(|p| p.contains(ip)) {
        return;
    }
    let listed: Vec<String> = pools.iter().map(ToString::to_string).collect();
    Diag::error(
        codes::E0418,
        r.file,
        r.span,
        format!(
            "Service `{}` asks for the LoadBalancer address {ip}, outside every pool of cluster `{cluster}`",
            r.name
        ),
    )
    .label("its `spec.loadBalancerIP`")
    .note(format!("the pools of `{cluster}` are: {}", listed.join(", ")))
    .help("choose an address of a pool, written `lb_address(...)` so labc also checks it is used once")
    .emit(db);
}
