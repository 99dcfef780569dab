//! The builtin functions (core Kubernetes and Flux notions only; no vendor): their
//! signatures, how a call binds its arguments, and one step per builtin or group.

use indexmap::IndexMap;

use super::{value, AddressUse, Evaluator, Ty, Value};
use crate::diag::codes;
use crate::diag::did_you_mean;
use crate::syntax::ast::{Arg, Expr, Ident, Span};

/// The builtin functions (core Kubernetes and Flux notions only; no vendor).
pub const BUILTIN_FUNCTIONS: &[&str] = &[
    "oci",
    "helm",
    "deployment",
    "daemonset",
    "statefulset",
    "health",
    "secret",
    "lb_address",
    "len",
    "join",
    "str",
    "map_of",
    "contains",
    "bytes",
    "millicores",
    "seconds",
    "range",
    "file",
];

/// The longest list `range(n)` makes.
const MAX_RANGE: i64 = 10_000;

/// The parameters of the builtin `name` with their types, `None` for no builtin.
fn signature(name: &str) -> Option<Vec<(&'static str, Ty)>> {
    let optional_name = || Ty::Optional(Box::new(Ty::Name));
    Some(match name {
        "oci" => vec![("url", Ty::Url), ("version", Ty::Version)],
        "helm" => vec![
            ("url", Ty::Url),
            ("chart", Ty::Name),
            ("version", Ty::Version),
        ],
        "deployment" | "daemonset" | "statefulset" => {
            vec![("name", Ty::Name), ("namespace", optional_name())]
        }
        "health" => vec![
            ("api_version", Ty::Str),
            ("kind", Ty::Str),
            ("name", Ty::Name),
            ("namespace", optional_name()),
        ],
        "secret" => vec![("path", Ty::Str)],
        "lb_address" => vec![("address", Ty::Ip)],
        "len" => vec![("list", Ty::Any)],
        "join" => vec![
            ("list", Ty::List(Box::new(Ty::Str))),
            ("separator", Ty::Str),
        ],
        "str" => vec![("value", Ty::Any)],
        "map_of" => vec![("key", Ty::Str), ("value", Ty::Any)],
        "contains" => vec![("list", Ty::Any), ("item", Ty::Any)],
        "bytes" => vec![("quantity", Ty::Quantity)],
        "millicores" => vec![("cpu", Ty::Cpu)],
        "seconds" => vec![("duration", Ty::Duration)],
        "range" => vec![("count", Ty::Int)],
        "file" => vec![("path", Ty::Str)],
        _ => return None,
    })
}

/// A record of `pairs`, in order.
fn rec(pairs: Vec<(&str, Value)>) -> Value {
    Value::Record(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// `oci(url, version)`, `helm(url, chart, version)`: where a component's chart comes from.
fn chart_source(name: &str, vals: &[Value]) -> Value {
    match name {
        "oci" => rec(vec![
            ("source", Value::Str("oci".into())),
            ("url", vals[0].clone()),
            ("version", vals[1].clone()),
        ]),
        _ => rec(vec![
            ("source", Value::Str("helm".into())),
            ("url", vals[0].clone()),
            ("chart", vals[1].clone()),
            ("version", vals[2].clone()),
        ]),
    }
}

/// `deployment(name, namespace)` and the like, `health(api_version, kind, name,
/// namespace)`: a reference to an object whose health Flux checks.
fn object_ref(name: &str, vals: &[Value]) -> Value {
    let kind = match name {
        "deployment" => "Deployment",
        "daemonset" => "DaemonSet",
        "statefulset" => "StatefulSet",
        _ => {
            return rec(vec![
                ("apiVersion", vals[0].clone()),
                ("kind", vals[1].clone()),
                ("name", vals[2].clone()),
                ("namespace", vals[3].clone()),
            ])
        }
    };
    rec(vec![
        ("apiVersion", Value::Str("apps/v1".into())),
        ("kind", Value::Str(kind.into())),
        ("name", vals[0].clone()),
        ("namespace", vals[1].clone()),
    ])
}

/// `bytes(q)`, `millicores(c)`, `seconds(d)`: a unit value as a plain number.
fn unit_number(name: &str, v: &Value) -> Option<Value> {
    Some(match (name, v) {
        ("bytes", Value::Bytes(b)) => Value::Int(i64::try_from(b.0).unwrap_or(i64::MAX)),
        ("millicores", Value::Cpu(c)) => Value::Int(c.0),
        ("seconds", Value::Duration(d)) => Value::Int((d.0 / 1000) as i64),
        _ => return None,
    })
}

impl Evaluator<'_> {
    /// A call of a builtin: bind and evaluate its arguments, then apply it.
    pub(super) fn call(&mut self, func: &Ident, args: &[Arg], span: Span) -> Option<Value> {
        let Some(sig) = signature(&func.text) else {
            self.report_unknown_function(func);
            return None;
        };
        let bound = self.bind_args(func, &sig, args)?;
        let first_span = bound.first().copied().flatten().map_or(span, |e| e.span);
        let vals = self.arg_values(func, &sig, bound, span)?;
        if matches!(func.text.as_str(), "oci" | "helm")
            && !self.check_chart_url(&func.text, &vals, first_span)
        {
            return None;
        }
        if func.text == "file" {
            // Its errors are about the path, so they point at it.
            return self.file_text(&vals[0], first_span);
        }
        self.apply_builtin(&func.text, &vals, span)
    }

    /// E0201 for a call of a function that is not a builtin.
    pub fn report_unknown_function(&mut self, func: &Ident) {
        let help = did_you_mean(&func.text, BUILTIN_FUNCTIONS.iter().copied());
        let d = self
            .error(
                codes::E0201,
                func.span,
                format!("unknown function `{}`", func.text),
            )
            .lbl("not a builtin function");
        d.help = help;
        d.add_suggested_fix();
    }

    /// Bind positional and named arguments to the signature: the expression given for
    /// each parameter, if any. E0205 for an unknown parameter or an extra argument.
    fn bind_args<'e>(
        &mut self,
        func: &Ident,
        sig: &[(&str, Ty)],
        args: &'e [Arg],
    ) -> Option<Vec<Option<&'e Expr>>> {
        let mut bound: Vec<Option<&Expr>> = vec![None; sig.len()];
        for (i, a) in args.iter().enumerate() {
            let slot = match &a.name {
                Some(n) => match sig.iter().position(|(p, _)| *p == n.text) {
                    Some(p) => p,
                    None => {
                        let help = did_you_mean(&n.text, sig.iter().map(|(p, _)| *p));
                        let d = self
                            .error(
                                codes::E0205,
                                n.span,
                                format!("`{}` has no parameter `{}`", func.text, n.text),
                            )
                            .lbl("unknown parameter");
                        d.help = help;
                        d.add_suggested_fix();
                        return None;
                    }
                },
                None => i,
            };
            if slot >= sig.len() {
                self.error(
                    codes::E0205,
                    a.value.span,
                    format!("`{}` takes {} arguments", func.text, sig.len()),
                )
                .primary
                .message = "extra argument".into();
                return None;
            }
            bound[slot] = Some(&a.value);
        }
        Some(bound)
    }

    /// Evaluate the bound arguments against their parameter types; a missing optional
    /// one is `null`, a missing required one E0206.
    fn arg_values(
        &mut self,
        func: &Ident,
        sig: &[(&str, Ty)],
        bound: Vec<Option<&Expr>>,
        span: Span,
    ) -> Option<Vec<Value>> {
        let mut vals = Vec::with_capacity(sig.len());
        for ((pname, ty), arg) in sig.iter().zip(bound) {
            match arg {
                Some(e) => vals.push(self.eval(e, ty)?),
                None if matches!(ty, Ty::Optional(_)) => vals.push(Value::Null),
                None => {
                    self.error(
                        codes::E0206,
                        span,
                        format!("`{}` needs an argument `{pname}`", func.text),
                    )
                    .primary
                    .message = format!("missing `{pname}`");
                    return None;
                }
            }
        }
        Some(vals)
    }

    /// The builtin `name` applied to its evaluated arguments `vals`.
    fn apply_builtin(&mut self, name: &str, vals: &[Value], span: Span) -> Option<Value> {
        match name {
            "oci" | "helm" => Some(chart_source(name, vals)),
            "deployment" | "daemonset" | "statefulset" | "health" => Some(object_ref(name, vals)),
            "secret" => match &vals[0] {
                Value::Str(p) => Some(Value::Secret(p.clone())),
                _ => None,
            },
            "lb_address" => self.lb_address(&vals[0], span),
            "len" => self.len_of(&vals[0], span),
            "join" => self.join_list(&vals[0], &vals[1], span),
            "str" => self.str_of(&vals[0], span),
            "contains" => self.contains_in(&vals[0], &vals[1], span),
            "map_of" => {
                let key = vals[0].scalar_text().unwrap_or_default();
                Some(Value::Record(IndexMap::from([(key, vals[1].clone())])))
            }
            "range" => self.range_of(&vals[0], span),
            _ => unit_number(name, &vals[0]),
        }
    }

    /// `lb_address(ip)`: the address, recorded as requested from the cluster's pools.
    fn lb_address(&mut self, v: &Value, span: Span) -> Option<Value> {
        let Value::Ip(ip) = *v else { return None };
        self.address_uses.push(AddressUse {
            ip,
            file: self.file,
            span,
            site: self.site,
            user: self.user_site(),
        });
        Some(Value::Ip(ip))
    }

    /// `len(x)`: the length of a list, record or string (in characters).
    fn len_of(&mut self, v: &Value, span: Span) -> Option<Value> {
        match v {
            Value::List(l) => Some(Value::Int(l.len() as i64)),
            Value::Record(r) => Some(Value::Int(r.len() as i64)),
            Value::Str(s) => Some(Value::Int(s.chars().count() as i64)),
            other => {
                self.error(
                    codes::E0301,
                    span,
                    format!(
                        "`len` needs a list, record or string, found {}",
                        other.type_name()
                    ),
                );
                None
            }
        }
    }

    /// `join(list, separator)`: the elements' texts, checked against the size budget
    /// before the string is built.
    fn join_list(&mut self, list: &Value, separator: &Value, span: Span) -> Option<Value> {
        let Value::List(items) = list else {
            return None;
        };
        let sep = separator.scalar_text().unwrap_or_default();
        let texts: Vec<String> = items
            .iter()
            .map(|i| i.scalar_text().unwrap_or_default())
            .collect();
        // The separator is repeated once per element: check before building.
        let size = texts.iter().map(String::len).sum::<usize>()
            + sep.len().saturating_mul(texts.len().saturating_sub(1));
        if size >= self.size_left {
            self.charge(size, span);
            return None;
        }
        Some(Value::Str(texts.join(&sep)))
    }

    /// `str(x)`: the text form of a scalar.
    fn str_of(&mut self, v: &Value, span: Span) -> Option<Value> {
        match v.scalar_text() {
            Some(t) => Some(Value::Str(t)),
            None => {
                self.error(
                    codes::E0301,
                    span,
                    format!("a {} has no text form", v.type_name()),
                );
                None
            }
        }
    }

    /// `contains(x, item)`: an element of a list, a key of a record, a substring.
    fn contains_in(&mut self, v: &Value, item: &Value, span: Span) -> Option<Value> {
        match v {
            Value::List(items) => Some(Value::Bool(items.contains(item))),
            Value::Record(r) => Some(Value::Bool(
                item.scalar_text().is_some_and(|k| r.contains_key(&k)),
            )),
            Value::Str(s) => Some(Value::Bool(
                item.scalar_text().is_some_and(|t| s.contains(t.as_str())),
            )),
            other => {
                self.error(
                    codes::E0301,
                    span,
                    format!(
                        "`contains` needs a list, record or string, found {}",
                        value::with_article(other.type_name())
                    ),
                );
                None
            }
        }
    }

    /// `range(n)`: the list `0, 1, ..., n - 1`, for `n` up to `MAX_RANGE`.
    fn range_of(&mut self, v: &Value, span: Span) -> Option<Value> {
        match v {
            Value::Int(n) if (0..=MAX_RANGE).contains(n) => {
                Some(Value::List((0..*n).map(Value::Int).collect()))
            }
            Value::Int(n) => {
                self.error(
                    codes::E0306,
                    span,
                    format!("range({n}): the count must be between 0 and {MAX_RANGE}"),
                )
                .lbl("count out of range");
                None
            }
            _ => None,
        }
    }
}
