//! One JSON Schema / OpenAPI v3 schema tree into nodes of a [`Builder`]: keywords to node
//! fields, `$ref`s resolved against the document's definitions (a recursive one becomes a
//! node that refers back to itself), alternatives that only require one field each turned
//! into exclusive groups, and every keyword that is not checked noted.
//!
//! The structural rule of CRDs is applied to every source: an object that lists
//! `properties` and says nothing of other fields (no `additionalProperties`, no
//! `x-kubernetes-preserve-unknown-fields`) is closed, because the API server prunes or,
//! with strict field validation, rejects fields its schema does not list. Inside
//! `oneOf`/`anyOf`/`allOf`/`not` branches it is not: there `properties` constrain the
//! enclosing object's fields and declare nothing.

use super::format;
use super::model::{Additional, Builder, Group, GroupRule, ListType, Node, NodeId, Types};
use super::Type;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Keywords that carry no constraint (documentation, defaults, client hints): dropped
/// by design, without a note. The shipped form holds no description text.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "example",
    "examples",
    "$schema",
    "$id",
    "$comment",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-selectable-fields",
    "$defs",
    "definitions",
];

/// Constraints the API server enforces on core kinds that their OpenAPI schemas do not
/// state, by definition name. Kept short: each is a rule of the API server's validation
/// code that users meet often.
const CORE_RULES: &[(&str, CoreRule)] = &[
    // "minAvailable and maxUnavailable are mutually exclusive" (policy validation).
    (
        "io.k8s.api.policy.v1.PodDisruptionBudgetSpec",
        CoreRule::Group(GroupRule::AtMostOne, &["maxUnavailable", "minAvailable"]),
    ),
    // "may not be specified when `value` is not empty"; an empty `value` beside
    // `valueFrom` is reported too, which the server lets pass.
    (
        "io.k8s.api.core.v1.EnvVar",
        CoreRule::Group(GroupRule::AtMostOne, &["value", "valueFrom"]),
    ),
    // "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or
    // `secretKeyRef`".
    (
        "io.k8s.api.core.v1.EnvVarSource",
        CoreRule::Group(
            GroupRule::ExactlyOne,
            &[
                "configMapKeyRef",
                "fieldRef",
                "fileKeyRef",
                "resourceFieldRef",
                "secretKeyRef",
            ],
        ),
    ),
    // "may not specify more than 1 handler type".
    (
        "io.k8s.api.core.v1.Probe",
        CoreRule::Group(
            GroupRule::AtMostOne,
            &["exec", "grpc", "httpGet", "tcpSocket"],
        ),
    ),
    (
        "io.k8s.api.core.v1.LifecycleHandler",
        CoreRule::Group(
            GroupRule::AtMostOne,
            &["exec", "httpGet", "sleep", "tcpSocket"],
        ),
    ),
    // A quantity string must parse (`resource.ParseQuantity`).
    (
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
        CoreRule::Format("quantity"),
    ),
];

enum CoreRule {
    Group(GroupRule, &'static [&'static str]),
    Format(&'static str),
}

/// What was not carried over, by message, with how often and where first.
#[derive(Default)]
pub(crate) struct Notes {
    seen: BTreeMap<String, (usize, String)>,
}

impl Notes {
    pub(crate) fn add(&mut self, message: String, at: impl FnOnce() -> String) {
        self.seen
            .entry(message)
            .and_modify(|(n, _)| *n += 1)
            .or_insert_with(|| (1, at()));
    }

    pub(crate) fn into_lines(self) -> Vec<String> {
        self.seen
            .into_iter()
            .map(|(message, (count, at))| match count {
                1 => format!("{message} (at {at})"),
                n => format!("{message} ({n} times, first at {at})"),
            })
            .collect()
    }
}

/// Converts the schemas of one document. `defs` are the definitions its `$ref`s name
/// (`$defs`, `definitions` or `components.schemas`).
pub(crate) struct Converter<'a> {
    pub(crate) builder: &'a mut Builder,
    pub(crate) notes: &'a mut Notes,
    defs: Option<&'a Map<String, Value>>,
    /// Whether [`CORE_RULES`] apply (core Kubernetes sources).
    core: bool,
    done: HashMap<String, NodeId>,
    open: HashMap<String, Option<NodeId>>,
    /// Where the walk is, for notes: the kind, then field names.
    at: Vec<String>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(
        builder: &'a mut Builder,
        notes: &'a mut Notes,
        defs: Option<&'a Map<String, Value>>,
        core: bool,
        label: String,
    ) -> Converter<'a> {
        Converter {
            builder,
            notes,
            defs,
            core,
            done: HashMap::new(),
            open: HashMap::new(),
            at: vec![label],
        }
    }

    fn note(&mut self, message: String) {
        let at = &self.at;
        self.notes.add(message, || location(at));
    }

    /// The node of a schema, shared with an equal one already built.
    pub(crate) fn convert(&mut self, schema: &Value, branch: bool) -> NodeId {
        if let Some(name) = self.plain_ref(schema) {
            return self.definition(&name);
        }
        let node = self.node(schema, branch);
        self.builder.intern(node)
    }

    /// The node of a named definition (converted once; a cycle gets a reserved place).
    pub(crate) fn definition(&mut self, name: &str) -> NodeId {
        if let Some(id) = self.done.get(name) {
            return *id;
        }
        if let Some(slot) = self.open.get_mut(name) {
            return *slot.get_or_insert_with(|| self.builder.reserve());
        }
        let Some(schema) = self.defs.and_then(|d| d.get(name)) else {
            self.note(format!(
                "$ref to `{name}`, which the document does not define, is not checked"
            ));
            return self.builder.intern(Node::default());
        };
        self.open.insert(name.to_string(), None);
        self.at.push(format!("<{name}>"));
        let mut node = self.node(schema, false);
        self.at.pop();
        if self.core {
            apply_core_rule(name, &mut node);
        }
        let id = match self.open.remove(name).flatten() {
            Some(slot) => {
                self.builder.fill(slot, node);
                slot
            }
            None => self.builder.intern(node),
        };
        self.done.insert(name.to_string(), id);
        id
    }

    /// The definition a schema is nothing but a reference to (`$ref` beside annotations
    /// only, or OpenAPI's `allOf: [{$ref}]` wrapping).
    fn plain_ref(&mut self, schema: &Value) -> Option<String> {
        let obj = schema.as_object()?;
        let only_annotations = |skip: &str| {
            obj.keys()
                .all(|k| k == skip || ANNOTATIONS.contains(&k.as_str()))
        };
        if let Some(Value::String(target)) = obj.get("$ref") {
            if only_annotations("$ref") {
                return self.ref_name(target);
            }
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            if all.len() == 1 && only_annotations("allOf") {
                return self.plain_ref(&all[0]);
            }
        }
        None
    }

    fn ref_name(&mut self, target: &str) -> Option<String> {
        let name = ["#/$defs/", "#/definitions/", "#/components/schemas/"]
            .iter()
            .find_map(|prefix| target.strip_prefix(prefix));
        match name {
            Some(name) => Some(name.replace("~1", "/").replace("~0", "~")),
            None => {
                self.note(format!(
                    "$ref `{target}` (not a local definition) is not checked"
                ));
                None
            }
        }
    }

    /// A schema's own node (children interned), not yet interned itself.
    fn node(&mut self, schema: &Value, branch: bool) -> Node {
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(true) => return Node::default(),
            Value::Bool(false) => {
                let any = self.builder.intern(Node::default());
                return Node {
                    not: Some(any),
                    ..Node::default()
                };
            }
            _ => {
                self.note("a schema that is not an object is not checked".into());
                return Node::default();
            }
        };
        let mut node = Node::default();
        let mut nullable = false;
        for (key, value) in obj {
            // Alternatives come after the loop: combining type-only branches needs the
            // node's own `type`, wherever it is written.
            let later = matches!(key.as_str(), "oneOf" | "anyOf") && value.is_array();
            if !later && !self.keyword(&mut node, &mut nullable, key, value, branch) {
                self.unsupported(key, value);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(list)) = obj.get(key) {
                self.alternatives(&mut node, list, key == "oneOf");
            }
        }
        if nullable && !node.types.is_any() {
            node.types = node.types.with(Type::Null);
        }
        node.properties.sort_by(|a, b| a.0.cmp(&b.0));
        let closes = !branch
            && !node.properties.is_empty()
            && node.additional.is_none()
            && !node.preserve_unknown
            && !obj.contains_key("additionalProperties");
        if closes {
            node.additional = Some(Additional::Closed);
        }
        node
    }

    fn unsupported(&mut self, key: &str, value: &Value) {
        match key {
            "x-kubernetes-validations" => {
                let n = value.as_array().map_or(1, Vec::len);
                for _ in 0..n {
                    self.note("x-kubernetes-validations: a CEL rule is not checked".into());
                }
            }
            _ if ANNOTATIONS.contains(&key) => {}
            _ => self.note(format!("keyword `{key}` is not checked")),
        }
    }

    /// Reads one keyword into `node`; false when it is not one the model holds.
    fn keyword(
        &mut self,
        node: &mut Node,
        nullable: &mut bool,
        key: &str,
        value: &Value,
        branch: bool,
    ) -> bool {
        match (key, value) {
            ("type", _) => node.types = self.types(value),
            ("nullable", Value::Bool(b)) => *nullable = *b,
            ("properties", Value::Object(props)) => {
                for (name, sub) in props {
                    self.at.push(name.clone());
                    let id = self.convert(sub, branch);
                    self.at.pop();
                    node.properties.push((name.clone(), id));
                }
            }
            ("required", Value::Array(names)) => {
                node.required = names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect();
            }
            ("additionalProperties", Value::Bool(false)) => {
                node.additional = Some(Additional::Closed)
            }
            ("additionalProperties", Value::Bool(true)) => {}
            ("additionalProperties", Value::Object(_)) => {
                self.at.push("*".into());
                node.additional = Some(Additional::Node(self.convert(value, branch)));
                self.at.pop();
            }
            ("items", Value::Object(_) | Value::Bool(_)) => {
                self.at.push("[]".into());
                node.items = Some(self.convert(value, branch));
                self.at.pop();
            }
            ("enum", Value::Array(values)) => {
                node.enum_values = values.iter().map(Value::to_string).collect();
            }
            ("const", _) => node.const_value = Some(value.to_string()),
            // OpenAPI's name for what CRDs call x-kubernetes-int-or-string.
            ("format", Value::String(f)) if f == "int-or-string" => {
                node.int_or_string = true;
                if node.types.is_any() || node.types == Types::of(&[Type::String]) {
                    node.types = Types::of(&[Type::Integer, Type::String]);
                }
            }
            ("format", Value::String(f)) => {
                if !format::is_known(f) {
                    self.note(format!("format `{f}` is not checked"));
                }
                node.format = Some(f.clone());
            }
            ("pattern", Value::String(p)) => {
                if super::model::compile_pattern(p).is_none() {
                    self.note(format!(
                        "pattern `{p}` is not checked: the regex crate cannot compile it"
                    ));
                }
                node.pattern = Some(self.builder.pattern(p));
            }
            _ => {
                return self.bound_keyword(node, key, value) || self.other_keyword(node, key, value)
            }
        }
        true
    }

    /// Numeric, length, count and uniqueness keywords.
    fn bound_keyword(&mut self, node: &mut Node, key: &str, value: &Value) -> bool {
        let number = value.as_f64();
        let count = value.as_u64();
        match (key, value) {
            ("minimum", _) if number.is_some() => tighten_min(node, number, false),
            ("maximum", _) if number.is_some() => tighten_max(node, number, false),
            // OpenAPI 3.0 and draft 4: a flag on minimum/maximum; later drafts: a bound.
            ("exclusiveMinimum", Value::Bool(b)) => node.exclusive_minimum = *b,
            ("exclusiveMaximum", Value::Bool(b)) => node.exclusive_maximum = *b,
            ("exclusiveMinimum", _) if number.is_some() => tighten_min(node, number, true),
            ("exclusiveMaximum", _) if number.is_some() => tighten_max(node, number, true),
            ("multipleOf", _) if number.is_some_and(|n| n > 0.0) => node.multiple_of = number,
            ("minLength", _) if count.is_some() => node.min_length = count,
            ("maxLength", _) if count.is_some() => node.max_length = count,
            ("minItems", _) if count.is_some() => node.min_items = count,
            ("maxItems", _) if count.is_some() => node.max_items = count,
            ("minProperties", _) if count.is_some() => node.min_properties = count,
            ("maxProperties", _) if count.is_some() => node.max_properties = count,
            ("uniqueItems", Value::Bool(b)) => node.unique_items = *b,
            _ => return false,
        }
        true
    }

    /// Alternatives and the `x-kubernetes-*` extensions.
    fn other_keyword(&mut self, node: &mut Node, key: &str, value: &Value) -> bool {
        match (key, value) {
            ("allOf", Value::Array(list)) => {
                for sub in list {
                    let id = self.convert(sub, true);
                    node.all_of.push(id);
                }
            }
            ("not", Value::Object(_) | Value::Bool(_)) => {
                node.not = Some(self.convert(value, true));
            }
            ("$ref", Value::String(target)) => {
                // A $ref beside constraints: both apply.
                if let Some(name) = self.ref_name(target) {
                    let id = self.definition(&name);
                    node.all_of.push(id);
                }
            }
            ("x-kubernetes-preserve-unknown-fields", Value::Bool(b)) => node.preserve_unknown = *b,
            ("x-kubernetes-int-or-string", Value::Bool(b)) => node.int_or_string = *b,
            ("x-kubernetes-embedded-resource", Value::Bool(b)) => node.embedded_resource = *b,
            ("x-kubernetes-list-type", Value::String(t)) => {
                node.list_type = match t.as_str() {
                    "atomic" => Some(ListType::Atomic),
                    "set" => Some(ListType::Set),
                    "map" => Some(ListType::Map),
                    _ => return false,
                }
            }
            ("x-kubernetes-list-map-keys", Value::Array(keys)) => {
                node.list_map_keys = keys
                    .iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
            }
            ("x-kubernetes-map-type", Value::String(t)) => node.map_type = Some(t.clone()),
            _ => return false,
        }
        true
    }

    fn types(&mut self, value: &Value) -> Types {
        let names: Vec<&str> = match value {
            Value::String(s) => vec![s.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut types = Types::ANY;
        for name in names {
            let ty = match name {
                "null" => Type::Null,
                "boolean" => Type::Boolean,
                "integer" => Type::Integer,
                "number" => Type::Number,
                "string" => Type::String,
                "array" => Type::Array,
                "object" => Type::Object,
                other => {
                    self.note(format!("type `{other}` is not a JSON type; not checked"));
                    continue;
                }
            };
            types = types.with(ty);
        }
        types
    }

    /// `oneOf` (`exactly`) or `anyOf`: branches that each only require one field become
    /// an exclusive group, branches that only name types become the node's types, and
    /// anything else stays alternatives, validated branch by branch.
    fn alternatives(&mut self, node: &mut Node, list: &[Value], exactly: bool) {
        let branches: Vec<Node> = list.iter().map(|b| self.node(b, true)).collect();
        let required_one: Option<Vec<String>> =
            branches.iter().map(|b| self.only_requires_one(b)).collect();
        if let Some(fields) = required_one.filter(|f| !f.is_empty()) {
            let rule = if exactly {
                GroupRule::ExactlyOne
            } else {
                GroupRule::AtLeastOne
            };
            node.groups.push(Group { fields, rule });
            return;
        }
        let combined = type_only_union(&branches, exactly).and_then(|t| intersect(node.types, t));
        if let Some(types) = combined {
            node.types = types;
            return;
        }
        let ids: Vec<NodeId> = branches
            .into_iter()
            .map(|b| self.builder.intern(b))
            .collect();
        if exactly {
            node.one_of = ids;
        } else {
            node.any_of = ids;
        }
    }

    /// The field a branch requires when requiring it is all the branch says
    /// (`{required: [x]}`, perhaps with `properties: {x: {}}`).
    fn only_requires_one(&self, branch: &Node) -> Option<String> {
        let [field] = branch.required.as_slice() else {
            return None;
        };
        let props_empty = branch
            .properties
            .iter()
            .all(|(_, id)| *self.builder.get(*id) == Node::default());
        let bare = Node {
            required: branch.required.clone(),
            properties: branch.properties.clone(),
            ..Node::default()
        };
        (props_empty && *branch == bare).then(|| field.clone())
    }
}

/// Where a walk is, for a note: the kind, then the innermost definition and the fields
/// below it (`batch/v1 CronJob: io.k8s.api.core.v1.PodSpec containers[].image`).
fn location(at: &[String]) -> String {
    let (label, rest) = at.split_first().map_or(("", at), |(l, r)| (l.as_str(), r));
    let start = rest.iter().rposition(|s| s.starts_with('<'));
    let (def, fields) = match start {
        Some(i) => (Some(rest[i].trim_matches(['<', '>'])), &rest[i + 1..]),
        None => (None, rest),
    };
    let mut path = String::new();
    for field in fields {
        if !path.is_empty() && field != "[]" {
            path.push('.');
        }
        path.push_str(field);
    }
    match (def, path.is_empty()) {
        (Some(def), true) => format!("{label}: {def}"),
        (Some(def), false) => format!("{label}: {def} {path}"),
        (None, true) => label.to_string(),
        (None, false) => format!("{label} {path}"),
    }
}

fn tighten_min(node: &mut Node, bound: Option<f64>, exclusive: bool) {
    let Some(bound) = bound else { return };
    // Two lower bounds (minimum and a numeric exclusiveMinimum): keep the stricter.
    let stricter = match node.minimum {
        None => true,
        Some(old) => bound > old || (bound == old && exclusive),
    };
    if stricter {
        node.minimum = Some(bound);
        node.exclusive_minimum = exclusive;
    }
}

fn tighten_max(node: &mut Node, bound: Option<f64>, exclusive: bool) {
    let Some(bound) = bound else { return };
    let stricter = match node.maximum {
        None => true,
        Some(old) => bound < old || (bound == old && exclusive),
    };
    if stricter {
        node.maximum = Some(bound);
        node.exclusive_maximum = exclusive;
    }
}

fn apply_core_rule(name: &str, node: &mut Node) {
    let Some((_, rule)) = CORE_RULES.iter().find(|(n, _)| *n == name) else {
        return;
    };
    match rule {
        CoreRule::Group(group_rule, fields) => {
            let fields: Vec<String> = fields
                .iter()
                .filter(|f| node.property(f).is_some())
                .map(|f| f.to_string())
                .collect();
            if fields.len() > 1 {
                node.groups.push(Group {
                    fields,
                    rule: *group_rule,
                });
            }
        }
        CoreRule::Format(f) => node.format = Some(f.to_string()),
    }
}

/// The kinds of value, finer than [`Type`]: a number is an integer or a fraction, so
/// that `integer` and `number` branches can be combined exactly.
const NULL: u8 = 1;
const BOOL: u8 = 2;
const INT: u8 = 4;
const FRAC: u8 = 8;
const STR: u8 = 16;
const ARR: u8 = 32;
const OBJ: u8 = 64;
const ALL: u8 = 127;

fn kinds(types: Types) -> u8 {
    if types.is_any() {
        return ALL;
    }
    let mut k = 0;
    for (ty, bits) in [
        (Type::Null, NULL),
        (Type::Boolean, BOOL),
        (Type::Integer, INT),
        (Type::Number, INT | FRAC),
        (Type::String, STR),
        (Type::Array, ARR),
        (Type::Object, OBJ),
    ] {
        if types.has(ty) {
            k |= bits;
        }
    }
    k
}

/// The types admitting exactly `k`; `None` when no type set does (fractions without
/// integers) or nothing is admitted.
fn types_of(k: u8) -> Option<Types> {
    if k == 0 || (k & FRAC != 0 && k & INT == 0) {
        return None;
    }
    if k == ALL {
        return Some(Types::ANY);
    }
    let mut t = Types::ANY;
    for (bits, ty) in [
        (NULL, Type::Null),
        (BOOL, Type::Boolean),
        (STR, Type::String),
        (ARR, Type::Array),
        (OBJ, Type::Object),
    ] {
        if k & bits != 0 {
            t = t.with(ty);
        }
    }
    if k & FRAC != 0 {
        t = t.with(Type::Number);
    } else if k & INT != 0 {
        t = t.with(Type::Integer);
    }
    Some(t)
}

fn intersect(a: Types, b: Types) -> Option<Types> {
    types_of(kinds(a) & kinds(b))
}

/// When every branch only names types: the types a value may have to match one branch
/// (`anyOf`) or exactly one (`oneOf`).
fn type_only_union(branches: &[Node], exactly: bool) -> Option<Types> {
    let only_types = |b: &Node| {
        *b == Node {
            types: b.types,
            ..Node::default()
        }
    };
    if branches.is_empty() || !branches.iter().all(only_types) {
        return None;
    }
    let mut once = 0u8;
    let mut twice = 0u8;
    for b in branches {
        let k = kinds(b.types);
        twice |= once & k;
        once |= k;
    }
    types_of(if exactly { once & !twice } else { once })
}
