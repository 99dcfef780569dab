//! The validator: one value against one node of a [`SchemaSet`], every problem found.
//!
//! It walks the value and the schema together, once: a path is a stack of borrowed keys
//! and indices, turned into owned [`Seg`]s only for a problem; a field's node is found by
//! binary search; a pattern is compiled once per set. `oneOf`/`anyOf` branches are each
//! validated once per value, into a list of their own, so nested alternatives cost the
//! size of the schema, not a power of it.
//!
//! A `not` that the value matches is reported as `Alternatives { count: 0, matched: 1 }`
//! (the only use of `count: 0`): the value is one the schema excludes.

use super::format;
use super::model::{Additional, GroupRule, ListType, Node, NodeId, SchemaSet};
use super::{Instance, Problem, Seg, Type, What};
use std::borrow::Cow;
use std::collections::HashMap;

/// Every way `value` does not fit the node `root` of `set`, in the order met.
pub fn validate<I: Instance>(set: &SchemaSet, root: NodeId, value: &I) -> Vec<Problem> {
    let mut walk = Walk {
        set,
        path: Vec::new(),
        memo: HashMap::new(),
    };
    let mut out = Vec::new();
    walk.check(root, value, &mut out);
    out
}

/// One step of the path being walked, borrowed from the value.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

struct Walk<'s, 'v> {
    set: &'s SchemaSet,
    path: Vec<Step<'v>>,
    /// The problems of a subschema of an alternative (`oneOf`, `anyOf`, `allOf`, `not`)
    /// at a value, by node and value address: branches shared through `$ref`s are then
    /// checked once per value, however the alternatives nest. A value's address fixes
    /// its path, so the problems are the same wherever they are asked for again.
    memo: HashMap<(NodeId, usize), Vec<Problem>>,
}

impl<'s, 'v> Walk<'s, 'v> {
    fn problem(&self, what: What) -> Problem {
        Problem {
            path: self
                .path
                .iter()
                .map(|s| match s {
                    Step::Key(k) => Seg::Key(k.to_string()),
                    Step::Index(i) => Seg::Index(*i),
                })
                .collect(),
            what,
        }
    }

    fn check<I: Instance>(&mut self, id: NodeId, value: &'v I, out: &mut Vec<Problem>) {
        let set = self.set;
        let node = set.node(id);
        let found = value.ty();
        let admitted = node.types.admits(found)
            || (node.int_or_string && matches!(found, Type::Integer | Type::String));
        let int_or_string_only = node.types.is_any()
            && node.int_or_string
            && !matches!(found, Type::Integer | Type::String);
        if !admitted || int_or_string_only {
            let mut expected = node.types.list();
            if node.int_or_string {
                for t in [Type::Integer, Type::String] {
                    if !expected.contains(&t) {
                        expected.push(t);
                    }
                }
            }
            out.push(self.problem(What::WrongType { expected, found }));
            return;
        }
        self.check_values(node, value, out);
        match found {
            Type::String => self.check_string(node, value, out),
            Type::Integer | Type::Number => self.check_number(node, value, out),
            Type::Array => self.check_array(node, value, out),
            Type::Object => self.check_object(node, value, out),
            Type::Null | Type::Boolean => {}
        }
        for sub in &node.all_of {
            self.check_shared(*sub, value, out);
        }
        if !node.any_of.is_empty() {
            self.check_alternatives(&node.any_of, false, value, out);
        }
        if !node.one_of.is_empty() {
            self.check_alternatives(&node.one_of, true, value, out);
        }
        if let Some(not) = node.not {
            let mut inner = Vec::new();
            self.check_shared(not, value, &mut inner);
            if inner.is_empty() {
                out.push(self.problem(What::Alternatives {
                    count: 0,
                    matched: 1,
                }));
            }
        }
    }

    /// [`Walk::check`] through the memo.
    fn check_shared<I: Instance>(&mut self, id: NodeId, value: &'v I, out: &mut Vec<Problem>) {
        let key = (id, value as *const I as *const u8 as usize);
        if let Some(done) = self.memo.get(&key) {
            out.extend(done.iter().cloned());
            return;
        }
        let mut inner = Vec::new();
        self.check(id, value, &mut inner);
        out.extend(inner.iter().cloned());
        self.memo.insert(key, inner);
    }

    /// `enum` and `const`.
    fn check_values<I: Instance>(&self, node: &Node, value: &I, out: &mut Vec<Problem>) {
        if node.enum_values.is_empty() && node.const_value.is_none() {
            return;
        }
        // Most enums are of plain strings (`Always`, `IfNotPresent`): compared as text,
        // without building the value as JSON.
        let plain = value
            .as_str()
            .filter(|s| !s.contains(|c: char| c == '"' || c == '\\' || c.is_control()));
        let json = if plain.is_some() {
            serde_json::Value::Null
        } else {
            to_json(value)
        };
        let equal = |text: &String| match &plain {
            Some(s) => {
                text.len() == s.len() + 2
                    && text.starts_with('"')
                    && text.ends_with('"')
                    && text[1..text.len() - 1] == **s
            }
            None => {
                serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| json_equal(&v, &json))
            }
        };
        if !node.enum_values.is_empty() && !node.enum_values.iter().any(equal) {
            out.push(self.problem(What::NotInEnum {
                allowed: node.enum_values.clone(),
            }));
        }
        if let Some(c) = &node.const_value {
            if !equal(c) {
                out.push(self.problem(What::NotInEnum {
                    allowed: vec![c.clone()],
                }));
            }
        }
    }

    fn check_string<I: Instance>(&self, node: &Node, value: &I, out: &mut Vec<Problem>) {
        let Some(text) = value.as_str() else {
            return;
        };
        if node.min_length.is_some() || node.max_length.is_some() {
            let length = text.chars().count() as u64;
            if let Some(p) = bounds("length", length, node.min_length, node.max_length) {
                out.push(self.problem(p));
            }
        }
        if let Some(index) = node.pattern {
            if let Some(re) = self.set.regex(index) {
                if !re.is_match(&text) {
                    out.push(self.problem(What::Pattern {
                        pattern: self.set.pattern_text(index).to_string(),
                    }));
                }
            }
        }
        if let Some(f) = &node.format {
            if let Some(reason) = format::check_string(f, &text) {
                out.push(self.problem(What::BadFormat {
                    format: f.clone(),
                    reason,
                }));
            }
        }
    }

    fn check_number<I: Instance>(&self, node: &Node, value: &I, out: &mut Vec<Problem>) {
        let Some(number) = value.as_f64() else {
            return;
        };
        let below = node
            .minimum
            .is_some_and(|min| number < min || (node.exclusive_minimum && number == min));
        let above = node
            .maximum
            .is_some_and(|max| number > max || (node.exclusive_maximum && number == max));
        if below || above {
            let bound = |b: Option<f64>, exclusive: bool| {
                b.map(|b| {
                    format!(
                        "{}{}",
                        if exclusive { "exclusive " } else { "" },
                        number_text(b)
                    )
                })
            };
            out.push(self.problem(What::OutOfRange {
                what: "value",
                found: number_text(number),
                min: bound(node.minimum, node.exclusive_minimum),
                max: bound(node.maximum, node.exclusive_maximum),
            }));
        }
        if let Some(m) = node.multiple_of {
            let ratio = number / m;
            if m > 0.0 && (ratio - ratio.round()).abs() > 1e-9 {
                out.push(self.problem(What::OutOfRange {
                    what: "value",
                    found: number_text(number),
                    min: Some(format!("a multiple of {}", number_text(m))),
                    max: None,
                }));
            }
        }
        if let Some(f) = &node.format {
            let reason = match value.as_i64() {
                Some(i) => format::check_integer(f, i),
                None if number.fract() == 0.0 => format::check_integer(f, number as i64)
                    .or_else(|| (number.abs() > i64::MAX as f64).then(|| "too large".into())),
                None => format::check_fraction(f),
            };
            if let Some(reason) = reason {
                out.push(self.problem(What::BadFormat {
                    format: f.clone(),
                    reason,
                }));
            }
        }
    }

    fn check_array<I: Instance>(&mut self, node: &Node, value: &'v I, out: &mut Vec<Problem>) {
        let items = value.items();
        if let Some(p) = bounds("items", items.len() as u64, node.min_items, node.max_items) {
            out.push(self.problem(p));
        }
        let set_like = node.unique_items || node.list_type == Some(ListType::Set);
        if set_like {
            let mut seen = std::collections::HashSet::new();
            for item in &items {
                let key = to_json(*item).to_string();
                if !seen.insert(key.clone()) {
                    out.push(self.problem(What::Duplicate { key }));
                }
            }
        }
        if node.list_type == Some(ListType::Map) && !node.list_map_keys.is_empty() {
            self.check_map_keys(node, &items, out);
        }
        if let Some(items_node) = node.items {
            for (i, item) in items.into_iter().enumerate() {
                self.path.push(Step::Index(i));
                self.check(items_node, item, out);
                self.path.pop();
            }
        }
    }

    /// Items of a list-map with the same key fields.
    fn check_map_keys<I: Instance>(&self, node: &Node, items: &[&I], out: &mut Vec<Problem>) {
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if item.ty() != Type::Object {
                continue;
            }
            let key: Vec<String> = node
                .list_map_keys
                .iter()
                .filter_map(|k| item.field(k).map(|v| format!("{k}={}", to_json(v))))
                .collect();
            if key.is_empty() {
                continue;
            }
            let key = key.join(",");
            if !seen.insert(key.clone()) {
                out.push(self.problem(What::Duplicate { key }));
            }
        }
    }

    fn check_object<I: Instance>(&mut self, node: &Node, value: &'v I, out: &mut Vec<Problem>) {
        let fields = value.fields();
        let count = fields.len() as u64;
        if let Some(p) = bounds("fields", count, node.min_properties, node.max_properties) {
            out.push(self.problem(p));
        }
        let has = |name: &str| fields.iter().any(|(k, _)| *k == name);
        for name in &node.required {
            if !has(name) {
                out.push(self.problem(What::Missing {
                    field: name.clone(),
                }));
            }
        }
        if node.embedded_resource {
            for name in ["apiVersion", "kind"] {
                if !has(name) {
                    out.push(self.problem(What::Missing {
                        field: name.to_string(),
                    }));
                }
            }
        }
        for group in &node.groups {
            let set: Vec<String> = group.fields.iter().filter(|f| has(f)).cloned().collect();
            let wrong = match group.rule {
                GroupRule::AtMostOne => set.len() > 1,
                GroupRule::ExactlyOne => set.len() != 1,
                GroupRule::AtLeastOne => set.is_empty(),
            };
            if wrong {
                out.push(self.problem(What::Exclusive {
                    fields: group.fields.clone(),
                    set,
                    one_required: group.rule != GroupRule::AtMostOne,
                }));
            }
        }
        let closed = !node.preserve_unknown && node.additional == Some(Additional::Closed);
        for (key, field) in fields {
            let child = match (node.property(key), node.additional) {
                (Some(child), _) => Some(child),
                (None, Some(Additional::Node(extra))) => Some(extra),
                (None, _) => None,
            };
            match child {
                Some(child) => {
                    self.path.push(Step::Key(key));
                    self.check(child, field, out);
                    self.path.pop();
                }
                None if closed => {
                    self.path.push(Step::Key(key));
                    let known = node.properties.iter().map(|(k, _)| k.clone()).collect();
                    out.push(self.problem(What::UnknownField {
                        field: key.to_string(),
                        known,
                    }));
                    self.path.pop();
                }
                None => {}
            }
        }
    }

    /// `oneOf` (`exactly`) or `anyOf`: each branch validated once. When none fits and
    /// exactly one branch is about this shape of value (its type and required fields
    /// fit), its problems are the useful ones; otherwise the value matched none or, for
    /// `oneOf`, too many.
    fn check_alternatives<I: Instance>(
        &mut self,
        branches: &[NodeId],
        exactly: bool,
        value: &'v I,
        out: &mut Vec<Problem>,
    ) {
        let depth = self.path.len();
        let mut results: Vec<Vec<Problem>> = Vec::with_capacity(branches.len());
        for branch in branches {
            let mut inner = Vec::new();
            self.check_shared(*branch, value, &mut inner);
            let matched = inner.is_empty();
            results.push(inner);
            if matched && !exactly {
                return;
            }
        }
        let matched = results.iter().filter(|r| r.is_empty()).count();
        if matched == 1 || (matched > 1 && !exactly) {
            return;
        }
        if matched == 0 {
            let fits = |problems: &Vec<Problem>| {
                !problems.iter().any(|p| {
                    p.path.len() == depth
                        && matches!(
                            p.what,
                            What::WrongType { .. } | What::Missing { .. } | What::Exclusive { .. }
                        )
                })
            };
            let mut fitting = results.iter_mut().filter(|r| fits(r));
            if let (Some(only), None) = (fitting.next(), fitting.next()) {
                out.append(only);
                return;
            }
        }
        out.push(self.problem(What::Alternatives {
            count: branches.len(),
            matched,
        }));
    }
}

fn bounds(what: &'static str, found: u64, min: Option<u64>, max: Option<u64>) -> Option<What> {
    let out = min.is_some_and(|m| found < m) || max.is_some_and(|m| found > m);
    out.then(|| What::OutOfRange {
        what,
        found: found.to_string(),
        min: min.map(|m| m.to_string()),
        max: max.map(|m| m.to_string()),
    })
}

/// A number as JSON writes it (`3`, not `3.0`, for a whole number).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The value as JSON, for `enum`, `const` and duplicate checks (which compare whole
/// values; only lists and nodes that have those pay for it).
fn to_json<I: Instance>(value: &I) -> serde_json::Value {
    use serde_json::Value;
    match value.ty() {
        Type::Null => Value::Null,
        Type::Boolean => Value::Bool(value.as_bool().unwrap_or(false)),
        Type::Integer => match value.as_i64() {
            Some(i) => Value::from(i),
            None => value.as_f64().map(Value::from).unwrap_or(Value::Null),
        },
        Type::Number => value.as_f64().map(Value::from).unwrap_or(Value::Null),
        Type::String => Value::String(value.as_str().map(Cow::into_owned).unwrap_or_default()),
        Type::Array => Value::Array(value.items().into_iter().map(to_json).collect()),
        Type::Object => Value::Object(
            value
                .fields()
                .into_iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// JSON equality with numbers compared by value (`1` equals `1.0`) and maps by keys.
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

impl Instance for crate::yaml::Yaml {
    fn ty(&self) -> Type {
        use crate::yaml::Yaml;
        match self {
            Yaml::Null => Type::Null,
            Yaml::Bool(_) => Type::Boolean,
            Yaml::Int(_) => Type::Integer,
            // A whole number written `2.0` is an integer to JSON Schema.
            Yaml::Float(text) => match text.parse::<f64>() {
                Ok(f) if f.fract() == 0.0 => Type::Integer,
                _ => Type::Number,
            },
            Yaml::Str(_) => Type::String,
            Yaml::Seq(_) => Type::Array,
            Yaml::Map(_) => Type::Object,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            crate::yaml::Yaml::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_i64(&self) -> Option<i64> {
        match self {
            crate::yaml::Yaml::Int(i) => Some(*i),
            crate::yaml::Yaml::Float(text) => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                .map(|f| f as i64),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            crate::yaml::Yaml::Int(i) => Some(*i as f64),
            crate::yaml::Yaml::Float(text) => text.parse().ok(),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            crate::yaml::Yaml::Str(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }
    fn items(&self) -> Vec<&Self> {
        match self {
            crate::yaml::Yaml::Seq(items) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    fn fields(&self) -> Vec<(&str, &Self)> {
        match self {
            crate::yaml::Yaml::Map(map) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => Vec::new(),
        }
    }
    fn field(&self, key: &str) -> Option<&Self> {
        match self {
            crate::yaml::Yaml::Map(map) => map.get(key),
            _ => None,
        }
    }
}

impl Instance for serde_json::Value {
    fn ty(&self) -> Type {
        use serde_json::Value;
        match self {
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => Type::Integer,
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Type::Integer,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Array(_) => Type::Array,
            Value::Object(_) => Type::Object,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        self.as_bool()
    }
    fn as_i64(&self) -> Option<i64> {
        match self {
            serde_json::Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            }),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        self.as_f64()
    }
    fn as_str(&self) -> Option<Cow<'_, str>> {
        self.as_str().map(Cow::Borrowed)
    }
    fn items(&self) -> Vec<&Self> {
        match self {
            serde_json::Value::Array(items) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    fn fields(&self) -> Vec<(&str, &Self)> {
        match self {
            serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => Vec::new(),
        }
    }
    fn field(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::import::import;
    use crate::yaml::Yaml;
    use indexmap::IndexMap;

    fn set() -> (SchemaSet, NodeId) {
        let schema = r#"{
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "T"}],
            "type": "object",
            "properties": {
                "n": {"type": "integer", "maximum": 3},
                "f": {"type": "number"},
                "s": {"type": "string", "enum": ["a", "b\"c"]},
                "l": {"type": "array", "items": {"type": "boolean"}}
            }
        }"#;
        let set = import("t", "1", "t", &[("t.json".into(), schema.into())]).unwrap();
        let root = set.root("v1", "T").unwrap();
        (set, root)
    }

    fn map(fields: &[(&str, Yaml)]) -> Yaml {
        Yaml::Map(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<IndexMap<_, _>>(),
        )
    }

    #[test]
    fn yaml_values_are_checked_where_they_are() {
        let (set, root) = set();
        let good = map(&[
            ("n", Yaml::Int(3)),
            ("f", Yaml::Float("1.5".into())),
            ("s", Yaml::Str("b\"c".into())),
            ("l", Yaml::Seq(vec![Yaml::Bool(true)])),
        ]);
        assert_eq!(validate(&set, root, &good), vec![]);
        // `2.0` is a whole number: an integer to JSON Schema.
        let whole = map(&[("n", Yaml::Float("2.0".into()))]);
        assert_eq!(validate(&set, root, &whole), vec![]);
        let bad = map(&[
            ("n", Yaml::Int(4)),
            ("s", Yaml::Str("c".into())),
            ("l", Yaml::Seq(vec![Yaml::Str("x".into())])),
            ("z", Yaml::Null),
        ]);
        let problems = validate(&set, root, &bad);
        let paths: Vec<String> = problems.iter().map(|p| format!("{:?}", p.path)).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(matches!(
            problems[0].what,
            What::OutOfRange { what: "value", .. }
        ));
        assert!(matches!(&problems[1].what, What::NotInEnum { allowed } if allowed.len() == 2));
        assert_eq!(paths[2], r#"[Key("l"), Index(0)]"#);
        assert!(matches!(&problems[3].what, What::UnknownField { field, .. } if field == "z"));
    }
}
