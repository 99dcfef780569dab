//! Checks of fields of core kinds in a `resource` body, at the item that wrote the field
//! (the tables are `kube::CRON_FIELDS` and `kube::SERVICE_IP_FIELDS`): a CronJob schedule
//! with the wrong fields (E0310), a Service address outside the cluster's service range
//! (E0418).

use std::net::IpAddr;

use super::secrets::{attribute, Seg};
use super::{Evaluator, Value};
use crate::diag::codes;
use crate::sema::kube::{CRON_FIELDS, SERVICE_IP_FIELDS};
use crate::syntax::ast::{RecordItem, Span};

/// The value at `path` of a record tree.
fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| match v {
        Value::Record(r) => r.get(*k),
        _ => None,
    })
}

/// An address written as an IP or a string; `None` for anything else (`None`, "").
fn address(v: &Value) -> Option<IpAddr> {
    match v {
        Value::Ip(ip) => Some(*ip),
        Value::Str(s) => s.parse().ok(),
        _ => None,
    }
}

impl Evaluator<'_> {
    /// The span of the item of `items` that wrote `path` (plus `index` in a list there),
    /// else `fallback`.
    fn field_span(
        &self,
        items: &[RecordItem],
        path: &[&str],
        index: Option<usize>,
        fallback: Span,
    ) -> Span {
        let mut segs: Vec<Seg> = path.iter().map(|k| Seg::Key((*k).to_string())).collect();
        segs.extend(index.map(Seg::Index));
        attribute(items, &segs).map_or(fallback, |e| e.span)
    }

    /// Check the core fields of an object `api_version` `kind` whose body `body` the
    /// record items `items` wrote; `fallback` is the resource's own span.
    pub(crate) fn check_core_fields(
        &mut self,
        (api_version, kind): (&str, &str),
        body: &Value,
        items: &[RecordItem],
        fallback: Span,
    ) {
        for (av, k, path) in CRON_FIELDS {
            if (*av, *k) != (api_version, kind) {
                continue;
            }
            if let Some(Value::Str(text)) = at(body, path) {
                let span = self.field_span(items, path, None, fallback);
                self.check_cron(text, false, span);
            }
        }
        for (av, k, path) in SERVICE_IP_FIELDS {
            if (*av, *k) != (api_version, kind) {
                continue;
            }
            match at(body, path) {
                Some(Value::List(ips)) => {
                    for (i, v) in ips.iter().enumerate() {
                        let span = self.field_span(items, path, Some(i), fallback);
                        self.check_service_ip(v, path, span);
                    }
                }
                Some(v) => {
                    let span = self.field_span(items, path, None, fallback);
                    self.check_service_ip(v, path, span);
                }
                None => {}
            }
        }
    }

    /// E0418: the address `v` (of the field `path`) is outside the cluster's `services`.
    fn check_service_ip(&mut self, v: &Value, path: &[&str], span: Span) {
        let Some(ip) = address(v) else { return };
        let Some(cluster) = self.cluster.clone() else {
            return;
        };
        let services = match self.env.cluster_record(self.db, self.lab, &cluster) {
            Some(Value::Record(r)) => match r.get("services") {
                Some(Value::Cidr(net)) => *net,
                _ => return,
            },
            _ => return,
        };
        // A dual-stack Service's other family is not in this range.
        if services.contains(&ip) || ip.is_ipv4() != services.addr().is_ipv4() {
            return;
        }
        let d = self
            .error(
                codes::E0418,
                span,
                format!("{ip} is outside the service range {services} of cluster `{cluster}`"),
            )
            .lbl(format!("`{}` outside `cluster.services`", path.join(".")));
        d.notes.push(
            "the API server assigns Service addresses only from the cluster's service range, \
             and refuses any other"
                .into(),
        );
        d.help = Some(format!(
            "choose an address in {services}, or leave `{}` out so Kubernetes picks one",
            path.join(".")
        ));
    }
}
