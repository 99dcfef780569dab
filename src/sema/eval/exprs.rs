//! Expressions that build strings and lists: interpolation, list literals and
//! comprehensions, and the lists `for` iterates over.

use indexmap::IndexMap;

use super::{Evaluator, Ty, Value};
use crate::diag::codes;
use crate::syntax::ast::{Expr, Ident, Span, StrPart};

impl Evaluator<'_> {
    /// A string with `${...}` parts: each part's text, checked against the size budget
    /// before the string grows.
    pub(super) fn interpolate(&mut self, parts: &[StrPart], span: Span) -> Option<Value> {
        let mut out = String::new();
        for p in parts {
            match p {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(inner) => {
                    let v = self.eval(inner, &Ty::Any)?;
                    match v.scalar_text() {
                        // Check before growing: `"${a}${a}"` doubles.
                        Some(t) if out.len() + t.len() >= self.size_left => {
                            self.charge(out.len() + t.len(), span);
                            return None;
                        }
                        Some(t) => out.push_str(&t),
                        None => {
                            self.error(
                                codes::E0301,
                                inner.span,
                                format!("a {} cannot be put into a string", v.type_name()),
                            )
                            .primary
                            .message = "not a scalar".into();
                            return None;
                        }
                    }
                }
            }
        }
        Some(Value::Str(out))
    }

    /// `[a, b, ...]`, each element evaluated against the element type of `ty`.
    pub(super) fn list(&mut self, items: &[Expr], ty: &Ty) -> Option<Value> {
        let elem = element_type(ty);
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            out.push(self.eval(it, &elem)?);
        }
        Some(Value::List(out))
    }

    /// `[for var in iter if filter: body]`.
    pub(super) fn list_comp(
        &mut self,
        var: &Ident,
        iter: &Expr,
        filter: Option<&Expr>,
        body: &Expr,
        ty: &Ty,
    ) -> Option<Value> {
        let elem = element_type(ty);
        let (list, origin) = self.reading(|ev| ev.eval_list(iter));
        let mut out = Vec::new();
        for item in list? {
            let frame = IndexMap::from([(var.text.clone(), item)]);
            self.scopes.push(frame, origin.into());
            let keep = match filter {
                Some(f) => match self.eval(f, &Ty::Bool) {
                    Some(Value::Bool(b)) => b,
                    _ => {
                        self.scopes.pop();
                        return None;
                    }
                },
                None => true,
            };
            let v = if keep { self.eval(body, &elem) } else { None };
            self.scopes.pop();
            if keep {
                out.push(v?);
            }
        }
        Some(Value::List(out))
    }

    /// What a `for` iterates over: a list's elements, or a record's entries as
    /// `{ key, value }` records.
    pub fn eval_list(&mut self, e: &Expr) -> Option<Vec<Value>> {
        match self.eval(e, &Ty::Any)? {
            Value::List(items) => Some(items),
            Value::Record(map) => Some(
                map.into_iter()
                    .map(|(k, v)| {
                        Value::Record(IndexMap::from([
                            ("key".to_string(), Value::Str(k)),
                            ("value".to_string(), v),
                        ]))
                    })
                    .collect(),
            ),
            other => {
                self.error(
                    codes::E0301,
                    e.span,
                    format!(
                        "expected a list to iterate over, found {}",
                        other.type_name()
                    ),
                )
                .primary
                .message = "not a list".into();
                None
            }
        }
    }
}

/// The element type of a list type, `any` for any other.
fn element_type(ty: &Ty) -> Ty {
    match ty {
        Ty::List(t) => (**t).clone(),
        _ => Ty::Any,
    }
}
