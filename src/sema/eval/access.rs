//! Reading parts of values: `base.field` (record fields, component arguments and facts,
//! parts of ranges, CIDRs, URLs and versions) and `base[index]`.

use super::{value, ComponentRef, Evaluator, Value};
use crate::diag::codes;
use crate::diag::{listing, unknown_name_help};
use crate::syntax::ast::{Ident, Span};

/// The field `name` of a value that is not a component, if it has one.
fn field_of(base: &Value, name: &str) -> Option<Value> {
    match base {
        Value::Record(r) => r.get(name).cloned(),
        Value::Range(r) => match name {
            "start" => Some(Value::Ip(r.start)),
            "end" => Some(Value::Ip(r.end)),
            "size" => Some(Value::Int(r.len().min(i64::MAX as u128) as i64)),
            _ => None,
        },
        Value::Cidr(c) => match name {
            "network" => Some(Value::Ip(c.network())),
            "prefix" => Some(Value::Int(c.prefix_len() as i64)),
            _ => None,
        },
        // Only templates that materialise secrets read the path of a reference.
        Value::Secret(p) => match name {
            "path" => Some(Value::Str(p.clone())),
            _ => None,
        },
        Value::List(items) => match name {
            "length" => Some(Value::Int(items.len() as i64)),
            _ => None,
        },
        Value::Url(u) => url::Url::parse(u).ok().and_then(|parsed| match name {
            "scheme" => Some(Value::Str(parsed.scheme().to_string())),
            "host" => parsed.host_str().map(|h| Value::Str(h.to_string())),
            // The explicit port, or the scheme's (http 80, https 443, ...).
            "port" => parsed.port_or_known_default().map(|p| Value::Int(p.into())),
            "path" => Some(Value::Str(parsed.path().to_string())),
            _ => None,
        }),
        Value::Version(v) => match name {
            "major" => Some(Value::Int(v.semver.major as i64)),
            "minor" => Some(Value::Int(v.semver.minor as i64)),
            "patch" => Some(Value::Int(v.semver.patch as i64)),
            _ => None,
        },
        _ => None,
    }
}

/// The fields a value of `base`'s kind is known to have, for the help of E0205.
fn known_fields(base: &Value) -> Vec<String> {
    match base {
        Value::Record(r) => r.keys().cloned().collect(),
        Value::Component(c) => ["name", "namespace", "cluster", "host"]
            .map(String::from)
            .into_iter()
            .chain(c.args.keys().cloned())
            .collect(),
        Value::Range(_) => ["start", "end", "size"].map(String::from).to_vec(),
        Value::Url(_) => ["scheme", "host", "port", "path"]
            .map(String::from)
            .to_vec(),
        _ => Vec::new(),
    }
}

impl Evaluator<'_> {
    /// `base.field`; E0205 when `base` has no such field.
    pub(super) fn field(&mut self, base: Value, field: &Ident, base_span: Span) -> Option<Value> {
        let name = field.text.as_str();
        let found = match &base {
            Value::Component(c) => self.component_field(c, name),
            _ => field_of(&base, name),
        };
        if found.is_some() {
            return found;
        }
        // An argument lost because its component went over its budget (E0307) or has
        // errors of its own: that component reports them; this read fails without a
        // second error, and so does everything computed from it (`cut` poisons this
        // evaluation in turn, see `component::component_header`).
        if let Value::Component(c) = &base {
            if c.over_budget || self.lost_argument(c, name) {
                self.cut = true;
                return None;
            }
        }
        self.report_unknown_field(&base, field, base_span);
        None
    }

    /// Whether `name` may be an argument that the broken component `c` lost to its own
    /// errors: its definition is unknown (reported at `c`), or declares `name`. A name
    /// its definition does not declare is a mistake of the reader's, reported as usual.
    fn lost_argument(&self, c: &ComponentRef, name: &str) -> bool {
        if !c.broken {
            return false;
        }
        let Some(def) = c.definition.as_deref() else {
            return false;
        };
        match self.index.definition_elsewhere(def) {
            None => true,
            Some(d) => {
                let decl = crate::sema::index::decl(self.db, d);
                decl.params
                    .iter()
                    .chain(decl.settings())
                    .any(|p| p.name.text == name)
            }
        }
    }

    /// A component's `name`, `namespace`, `cluster`, an argument, or `host`.
    fn component_field(&self, c: &ComponentRef, name: &str) -> Option<Value> {
        match name {
            "name" => Some(Value::Str(c.name.clone())),
            "namespace" => Some(Value::Str(c.namespace.clone())),
            "cluster" => Some(Value::Str(c.cluster.clone())),
            arg if c.args.contains_key(arg) => c.args.get(arg).cloned(),
            // The in-cluster DNS name of the component's Service of the same name.
            "host" => {
                let domain = match self.env.cluster_record(self.db, self.lab, &c.cluster) {
                    Some(Value::Record(r)) => r.get("dns_domain").and_then(Value::scalar_text),
                    _ => None,
                };
                Some(Value::Str(format!(
                    "{}.{}.svc.{}",
                    c.name,
                    c.namespace,
                    domain.unwrap_or_else(|| "cluster.local".into())
                )))
            }
            _ => None,
        }
    }

    /// E0205: `base` (written at `base_span`) has no field `field`.
    fn report_unknown_field(&mut self, base: &Value, field: &Ident, base_span: Span) {
        let name = field.text.as_str();
        let mut candidates = known_fields(base);
        // A broken component's arguments are missing, but its definition says what
        // they are called.
        if let Value::Component(ComponentRef {
            broken: true,
            definition: Some(def),
            ..
        }) = base
        {
            if let Some(d) = self.index.definition_elsewhere(def) {
                let decl = crate::sema::index::decl(self.db, d);
                let declared = decl.params.iter().chain(decl.settings());
                candidates.extend(declared.map(|p| p.name.text.clone()));
            }
        }
        let help = match base {
            Value::Component(c) if c.cyclic => Some(format!(
                "the arguments of `{}` are computed from a component that refers back to it, so they cannot be read through a reference: compute one side without the other",
                c.name
            )),
            _ => unknown_name_help(name, candidates.iter().map(String::as_str), |k| {
                listing("it has", k)
            }),
        };
        let message = match base {
            Value::Component(c) if c.cyclic => {
                format!("the argument `{name}` of `{}` is unknown here", c.name)
            }
            _ => format!("a {} has no field `{name}`", base.type_name()),
        };
        let file = self.file;
        let d = self
            .error(codes::E0205, field.span, message)
            .lbl("unknown field");
        d.secondary.push(crate::diag::Label {
            file,
            span: base_span,
            message: format!("this is {}", value::with_article(base.type_name())),
        });
        d.help = help;
        d.add_suggested_fix();
    }

    /// `base[index]`: element `index` of a list (negative: from the end), or the field
    /// named `index` of a record.
    pub(super) fn index(
        &mut self,
        base: Value,
        index: Value,
        base_span: Span,
        index_span: Span,
    ) -> Option<Value> {
        match (&base, &index) {
            (Value::List(items), Value::Int(i)) => {
                let len = items.len() as i64;
                let at = if *i < 0 { len + i } else { *i };
                if (0..len).contains(&at) {
                    return Some(items[at as usize].clone());
                }
                let file = self.file;
                let d = self
                    .error(
                        codes::E0306,
                        index_span,
                        format!("index {i} is out of range: the list has {len} element(s)"),
                    )
                    .lbl("no such element");
                d.secondary.push(crate::diag::Label {
                    file,
                    span: base_span,
                    message: format!("a list of {len}"),
                });
                None
            }
            (Value::Record(r), Value::Str(key)) => match r.get(key) {
                Some(v) => Some(v.clone()),
                None => {
                    let d = self
                        .error(
                            codes::E0205,
                            index_span,
                            format!("no field `{key}` in this record"),
                        )
                        .lbl("unknown field");
                    d.help = unknown_name_help(key, r.keys().map(String::as_str), |k| {
                        Some(format!("the record has: {}", k.join(", ")))
                    });
                    None
                }
            },
            _ => {
                let file = self.file;
                let d = self
                    .error(
                        codes::E0301,
                        index_span,
                        format!("cannot index {} with {}", base.describe(), index.describe()),
                    )
                    .lbl("not an index here");
                d.secondary.push(crate::diag::Label {
                    file,
                    span: base_span,
                    message: format!("this is {}", base.describe()),
                });
                d.help = Some(
                    "lists take an int (`xs[0]`, `xs[-1]`), records a string (`r[\"key\"]`)".into(),
                );
                None
            }
        }
    }
}
