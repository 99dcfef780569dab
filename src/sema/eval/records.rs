//! Records and open value trees: record literals, record items (dotted keys, `for` and
//! `if` inside a record), and the secret references an open tree may not hold.

use indexmap::IndexMap;

use super::{Evaluator, Ty, Value};
use crate::diag::codes;
use crate::diag::did_you_mean;
use crate::syntax::ast::{Expr, Ident, RecordItem, Span};

impl Evaluator<'_> {
    /// A record literal `T { ... }` or `{ ... }`, checked against its record type if it
    /// names one. `ty` is the type expected: an untyped record where any is expected is
    /// an open tree (see `record_items_checked`).
    pub(super) fn record_literal(
        &mut self,
        type_name: Option<&Ident>,
        items: &[RecordItem],
        ty: &Ty,
        e: &Expr,
    ) -> Option<Value> {
        let mut rec = Value::Record(IndexMap::new());
        let open = matches!(ty, Ty::Any) && type_name.is_none();
        self.record_items_checked(items, &mut rec, open)?;
        let Some(t) = type_name else {
            return Some(rec);
        };
        if self.record_type(&t.text).is_none() {
            let visible = self.visible_definitions(&self.module);
            let help = did_you_mean(&t.text, visible.iter().map(String::as_str));
            let d = self
                .error(
                    codes::E0201,
                    t.span,
                    format!("unknown record type `{}`", t.text),
                )
                .lbl("not a record type");
            d.help = help;
            d.add_suggested_fix();
            return None;
        }
        self.coerce(rec, &Ty::Record(t.text.clone()), e)
    }

    /// Evaluate record items into `target` (a `Value::Record`), honouring dotted keys.
    pub fn record_items(&mut self, items: &[RecordItem], target: &mut Value) -> Option<()> {
        self.record_items_checked(items, target, true)
    }

    /// `check_secrets`: whether this is an open value tree (Helm values, a resource body,
    /// an untyped record), where credential-named keys may not hold string literals.
    fn record_items_checked(
        &mut self,
        items: &[RecordItem],
        target: &mut Value,
        check_secrets: bool,
    ) -> Option<()> {
        let mut ok = true;
        for item in items {
            ok &= match item {
                RecordItem::Field { path, value, span } => {
                    self.record_field(items, path, value, *span, target, check_secrets)
                }
                RecordItem::For {
                    var, iter, body, ..
                } => match self.reading(|ev| ev.eval_list(iter)) {
                    (Some(list), origin) => {
                        let mut all = true;
                        for it in list {
                            let frame = IndexMap::from([(var.text.clone(), it)]);
                            self.scopes.push(frame, origin.into());
                            let r = self.record_items_checked(body, target, check_secrets);
                            self.scopes.pop();
                            all &= r.is_some();
                        }
                        all
                    }
                    (None, _) => false,
                },
                RecordItem::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => match self.eval(cond, &Ty::Bool) {
                    Some(Value::Bool(true)) => self
                        .record_items_checked(then, target, check_secrets)
                        .is_some(),
                    Some(_) => self
                        .record_items_checked(otherwise, target, check_secrets)
                        .is_some(),
                    None => false,
                },
            };
        }
        ok.then_some(())
    }

    /// One `path = value` item of `items`, set into `target`; `false` after an error.
    fn record_field(
        &mut self,
        items: &[RecordItem],
        path: &[Ident],
        value: &Expr,
        span: Span,
        target: &mut Value,
        check_secrets: bool,
    ) -> bool {
        let Some(v) = self.eval(value, &Ty::Any) else {
            return false;
        };
        if check_secrets {
            self.check_literal_secret(items, path, value);
        }
        // A typed record or map (`map<secret>`, a record type with a secret
        // field) may hold references; an open tree becomes a manifest.
        if let Some(p) = check_secrets.then(|| secret_in(&v)).flatten() {
            let d = self
                .error(
                    codes::E0304,
                    value.span,
                    format!("the secret `{p}` cannot be written into a manifest"),
                )
                .lbl("secret reference in a value tree");
            d.help = Some("pass it to a template parameter of type `secret`, which turns it into a reference (an ExternalSecret)".into());
            return false;
        }
        if !set_path(target, path, v) {
            self.error(
                codes::E0501,
                span,
                format!(
                    "`{}` conflicts with an earlier value",
                    path.iter()
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                ),
            )
            .primary
            .message = "a part of this path is already set to a non-record value".into();
            return false;
        }
        true
    }
}

/// The path of the first secret reference inside `v`, however deep.
fn secret_in(v: &Value) -> Option<&str> {
    match v {
        Value::Secret(p) => Some(p),
        Value::List(items) => items.iter().find_map(secret_in),
        Value::Record(fields) => fields.values().find_map(secret_in),
        _ => None,
    }
}

/// Set a dotted path in a record value, creating records on the way. `false` on conflict.
fn set_path(target: &mut Value, path: &[Ident], v: Value) -> bool {
    let Value::Record(map) = target else {
        return false;
    };
    match path {
        [] => false,
        [last] => {
            // Assigning a record over a record merges, so `a { x = 1 }` then `a.y = 2` works.
            match (map.get_mut(&last.text), v) {
                (Some(existing @ Value::Record(_)), Value::Record(new)) => {
                    for (k, val) in new {
                        let id = Ident {
                            text: k,
                            span: last.span,
                        };
                        if !set_path(existing, std::slice::from_ref(&id), val) {
                            return false;
                        }
                    }
                    true
                }
                (_, v) => {
                    map.insert(last.text.clone(), v);
                    true
                }
            }
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.text.clone())
                .or_insert_with(|| Value::Record(IndexMap::new()));
            set_path(entry, rest, v)
        }
    }
}
