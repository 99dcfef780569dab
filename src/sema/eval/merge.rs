//! The deep merge of a component's overrides (`values { ... }`, `patch`) over what its
//! definition computed, and the map from typed settings to the value paths they write.
//!
//! Pure functions over values and syntax: records merge key by key, lists and scalars
//! replace, `null` removes a key. Order is the base's, then the override's new keys
//! (`IndexMap`), so the result is deterministic.

use indexmap::IndexMap;

use super::Value;
use crate::syntax::ast::{Expr, ExprKind, RecordItem, Span};

/// Merge `over` into `base`: a record over a record merges key by key; a `null` removes
/// the key it names, and where the base has no such key it is written as `null` (which
/// Helm reads as "drop the chart's default"); anything else replaces. An empty record
/// merged where nothing is set writes no key.
pub fn merge_over(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Record(b), Value::Record(o)) => {
            for (k, v) in o {
                match (b.get_mut(&k), v) {
                    (Some(_), Value::Null) => {
                        b.shift_remove(&k);
                    }
                    (Some(existing), v) => merge_over(existing, v),
                    // A new record is merged into an empty one, so the empty
                    // records inside it write no key either.
                    (None, Value::Record(r)) => {
                        let mut fresh = Value::Record(IndexMap::new());
                        merge_over(&mut fresh, Value::Record(r));
                        if !matches!(&fresh, Value::Record(f) if f.is_empty()) {
                            b.insert(k, fresh);
                        }
                    }
                    (None, v) => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The first secret reference inside `v`, however deep: an override is an open value
/// tree, which may not hold one.
pub fn first_secret(v: &Value) -> Option<&str> {
    match v {
        Value::Secret(p) => Some(p),
        Value::List(items) => items.iter().find_map(first_secret),
        Value::Record(fields) => fields.values().find_map(first_secret),
        _ => None,
    }
}

/// The paths an override writes: each key holding a non-record value (a `null`
/// included), the keys of records recursively; an empty record writes nothing.
pub fn written_paths(v: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    walk_written(v, &mut Vec::new(), &mut out);
    out
}

fn walk_written(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Record(fields) if !at.is_empty() || !fields.is_empty() => {
            for (k, child) in fields {
                at.push(k.clone());
                walk_written(child, at, out);
                at.pop();
            }
        }
        Value::Record(_) => {}
        _ => out.push(at.clone()),
    }
}

/// The value paths a definition's `values` items write straight from one of `settings`
/// (`replicaCount = replicas`): path -> setting. Only a bare reference counts; a value
/// computed from a setting is the definition's own and may be overridden.
pub fn setting_paths(
    items: &[RecordItem],
    prefix: &[String],
    is_setting: &dyn Fn(&str) -> bool,
    out: &mut IndexMap<Vec<String>, String>,
) {
    for item in items {
        match item {
            RecordItem::Field { path, value, .. } => {
                let mut at = prefix.to_vec();
                at.extend(path.iter().map(|k| k.text.clone()));
                setting_value_paths(value, at, is_setting, out);
            }
            RecordItem::For { body, .. } => setting_paths(body, prefix, is_setting, out),
            RecordItem::If {
                then, otherwise, ..
            } => {
                setting_paths(then, prefix, is_setting, out);
                setting_paths(otherwise, prefix, is_setting, out);
            }
        }
    }
}

/// `setting_paths` for one value written at `at`.
pub fn setting_value_paths(
    value: &Expr,
    at: Vec<String>,
    is_setting: &dyn Fn(&str) -> bool,
    out: &mut IndexMap<Vec<String>, String>,
) {
    match &value.kind {
        ExprKind::Var(v) if is_setting(&v.text) => {
            out.entry(at).or_insert_with(|| v.text.clone());
        }
        ExprKind::Record {
            type_name: None,
            items,
        } => setting_paths(items, &at, is_setting, out),
        _ => {}
    }
}

/// The setting whose path `path` overlaps (one is a prefix of the other): writing there
/// would change what the setting set.
pub fn setting_for<'a>(
    settings: &'a IndexMap<Vec<String>, String>,
    path: &[String],
) -> Option<(&'a [String], &'a str)> {
    settings.iter().find_map(|(p, s)| {
        let n = p.len().min(path.len());
        (p[..n] == path[..n]).then_some((p.as_slice(), s.as_str()))
    })
}

/// The span of the key that writes `path` in `items` (an override's body), for a
/// diagnostic: the deepest item on the way, or `None` when no item names it.
pub fn key_span(items: &[RecordItem], path: &[String]) -> Option<Span> {
    for item in items {
        let found = match item {
            RecordItem::Field {
                path: keys, value, ..
            } => {
                let names: Vec<&str> = keys.iter().map(|k| k.text.as_str()).collect();
                let n = names.len().min(path.len());
                if names[..n] != path.iter().map(String::as_str).collect::<Vec<_>>()[..n] {
                    None
                } else {
                    let here = keys
                        .first()
                        .zip(keys.last())
                        .map(|(a, b)| a.span.to(b.span));
                    match &value.kind {
                        ExprKind::Record { items, .. } if path.len() > names.len() => {
                            key_span(items, &path[names.len()..]).or(here)
                        }
                        _ => here,
                    }
                }
            }
            RecordItem::For { body, .. } => key_span(body, path),
            RecordItem::If {
                then, otherwise, ..
            } => key_span(then, path).or_else(|| key_span(otherwise, path)),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// After a `values` statement of a definition or tenant ran over `before`: remove the
/// keys it set to `null` that held a value before, so a later statement's `null` removes
/// what an earlier one (or an included template) set, as an override's does. A `null`
/// where nothing was set stays, for Helm to drop the chart's default.
pub fn drop_replaced_nulls(before: &Value, after: &mut Value) {
    let (Value::Record(b), Value::Record(a)) = (before, after) else {
        return;
    };
    a.retain(|k, v| match (b.get(k), &*v) {
        (Some(old), Value::Null) => matches!(old, Value::Null),
        _ => true,
    });
    for (k, v) in a.iter_mut() {
        if let Some(old) = b.get(k) {
            drop_replaced_nulls(old, v);
        }
    }
}
