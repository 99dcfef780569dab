//! The compact schema form: a table of nodes (one per distinct subschema, shared across
//! kinds) and the kinds whose roots they are, read from and written to one canonical
//! JSON text.
//!
//! A node refers to its children by [`NodeId`], an index into the table, so a subtree
//! that appears under many kinds (a `PodTemplateSpec`, an `ObjectMeta`) is stored once,
//! and a recursive schema (`JSONSchemaProps`) is a node that refers back to itself.
//! Keys are short because the core set alone has tens of thousands of nodes before
//! sharing; fields holding their default are left out.

use super::Type;
use indexmap::IndexSet;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// A node of a [`SchemaSet`]'s table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(u32);

impl NodeId {
    /// The node's position in its set's table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The JSON types a node allows, as a bit set over [`Type`]; empty means any type.
/// `Number` admits integers too, as in JSON Schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Types(u8);

/// The type letters of the compact form, in bit order.
const TYPE_LETTERS: [(Type, char); 7] = [
    (Type::Null, 'n'),
    (Type::Boolean, 'b'),
    (Type::Integer, 'i'),
    (Type::Number, 'f'),
    (Type::String, 's'),
    (Type::Array, 'a'),
    (Type::Object, 'o'),
];

impl Types {
    pub const ANY: Types = Types(0);

    fn bit(ty: Type) -> u8 {
        1 << TYPE_LETTERS.iter().position(|(t, _)| *t == ty).unwrap_or(0)
    }

    pub fn of(types: &[Type]) -> Types {
        Types(types.iter().fold(0, |acc, t| acc | Types::bit(*t)))
    }

    pub fn is_any(self) -> bool {
        self.0 == 0
    }

    pub fn has(self, ty: Type) -> bool {
        self.0 & Types::bit(ty) != 0
    }

    pub fn with(self, ty: Type) -> Types {
        Types(self.0 | Types::bit(ty))
    }

    pub fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    /// Whether a value written as `found` has one of these types (an integer is a number).
    pub fn admits(self, found: Type) -> bool {
        self.is_any() || self.has(found) || (found == Type::Integer && self.has(Type::Number))
    }

    /// The types in the set, in a fixed order.
    pub fn list(self) -> Vec<Type> {
        TYPE_LETTERS
            .iter()
            .filter(|(t, _)| self.has(*t))
            .map(|(t, _)| *t)
            .collect()
    }
}

impl Serialize for Types {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text: String = TYPE_LETTERS
            .iter()
            .filter(|(t, _)| self.has(*t))
            .map(|(_, c)| *c)
            .collect();
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Types {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Types, D::Error> {
        let text = String::deserialize(d)?;
        let mut types = Types::ANY;
        for c in text.chars() {
            let Some((t, _)) = TYPE_LETTERS.iter().find(|(_, l)| *l == c) else {
                return Err(serde::de::Error::custom(format!(
                    "unknown type letter {c:?}"
                )));
            };
            types = types.with(*t);
        }
        Ok(types)
    }
}

/// What an object says of fields it does not list: closed (`false`) or each such field
/// checked against a node. No value means open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Additional {
    Closed,
    Node(NodeId),
}

/// `false` or a node number, as written in the compact form.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AdditionalText {
    Bool(bool),
    Node(NodeId),
}

impl Serialize for Additional {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Additional::Closed => AdditionalText::Bool(false),
            Additional::Node(id) => AdditionalText::Node(*id),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Additional {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Additional, D::Error> {
        match AdditionalText::deserialize(d)? {
            AdditionalText::Bool(false) => Ok(Additional::Closed),
            // `true` is the same as no value: the canonical form leaves it out.
            AdditionalText::Bool(true) => Err(serde::de::Error::custom(
                "additionalProperties true is written by leaving it out",
            )),
            AdditionalText::Node(id) => Ok(Additional::Node(id)),
        }
    }
}

/// `x-kubernetes-list-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListType {
    Atomic,
    Set,
    Map,
}

/// How many fields of an exclusive group may or must be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupRule {
    /// At most one (the curated core rules, such as a PDB's `minAvailable`/`maxUnavailable`).
    #[serde(rename = "most")]
    AtMostOne,
    /// Exactly one (a `oneOf` whose branches each require one field).
    #[serde(rename = "one")]
    ExactlyOne,
    /// At least one (an `anyOf` whose branches each require one field).
    #[serde(rename = "any")]
    AtLeastOne,
}

/// Fields of one object of which at most, exactly or at least one is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    #[serde(rename = "f")]
    pub fields: Vec<String>,
    #[serde(rename = "k")]
    pub rule: GroupRule,
}

fn no_types(t: &Types) -> bool {
    t.is_any()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One subschema. Fields at their default are what JSON Schema's absent keyword means.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    #[serde(rename = "t", default, skip_serializing_if = "no_types")]
    pub types: Types,
    /// Sorted by name, so a field is found by binary search.
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<(String, NodeId)>,
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<Additional>,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub items: Option<NodeId>,
    /// Each allowed value as compact JSON text (`"Always"`, `3`, `null`).
    #[serde(rename = "e", default, skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub const_value: Option<String>,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// An index into the set's pattern table (a pattern is compiled once per set).
    #[serde(rename = "pt", default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<u32>,
    #[serde(rename = "mn", default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(rename = "mx", default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    #[serde(rename = "xmn", default, skip_serializing_if = "is_false")]
    pub exclusive_minimum: bool,
    #[serde(rename = "xmx", default, skip_serializing_if = "is_false")]
    pub exclusive_maximum: bool,
    #[serde(rename = "mo", default, skip_serializing_if = "Option::is_none")]
    pub multiple_of: Option<f64>,
    #[serde(rename = "ln", default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(rename = "lx", default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(rename = "ix", default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    #[serde(rename = "pn", default, skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    #[serde(rename = "px", default, skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    #[serde(rename = "u", default, skip_serializing_if = "is_false")]
    pub unique_items: bool,
    #[serde(rename = "one", default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<NodeId>,
    #[serde(rename = "any", default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<NodeId>,
    #[serde(rename = "all", default, skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<NodeId>,
    #[serde(rename = "not", default, skip_serializing_if = "Option::is_none")]
    pub not: Option<NodeId>,
    /// `x-kubernetes-preserve-unknown-fields`: the object is open whatever else it says.
    #[serde(rename = "pu", default, skip_serializing_if = "is_false")]
    pub preserve_unknown: bool,
    /// `x-kubernetes-int-or-string`: an integer or a string.
    #[serde(rename = "ios", default, skip_serializing_if = "is_false")]
    pub int_or_string: bool,
    /// `x-kubernetes-embedded-resource`: an object with its own `apiVersion` and `kind`.
    #[serde(rename = "er", default, skip_serializing_if = "is_false")]
    pub embedded_resource: bool,
    #[serde(rename = "lt", default, skip_serializing_if = "Option::is_none")]
    pub list_type: Option<ListType>,
    #[serde(rename = "lk", default, skip_serializing_if = "Vec::is_empty")]
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type` (`atomic` or `granular`): recorded, not a constraint.
    #[serde(rename = "mt", default, skip_serializing_if = "Option::is_none")]
    pub map_type: Option<String>,
    #[serde(rename = "x", default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
}

impl Node {
    /// The node of a listed field (binary search: `properties` is sorted).
    pub fn property(&self, name: &str) -> Option<NodeId> {
        self.properties
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.properties[i].1)
    }

    /// Every node this one refers to, in field order.
    fn children(&self) -> impl Iterator<Item = NodeId> + '_ {
        let additional = match self.additional {
            Some(Additional::Node(id)) => Some(id),
            _ => None,
        };
        self.properties
            .iter()
            .map(|(_, id)| *id)
            .chain(additional)
            .chain(self.items)
            .chain(self.one_of.iter().copied())
            .chain(self.any_of.iter().copied())
            .chain(self.all_of.iter().copied())
            .chain(self.not)
    }

    /// The same node with every child renamed by `map`.
    fn remapped(&self, mut map: impl FnMut(NodeId) -> NodeId) -> Node {
        let mut node = self.clone();
        for (_, id) in &mut node.properties {
            *id = map(*id);
        }
        if let Some(Additional::Node(id)) = &mut node.additional {
            *id = map(*id);
        }
        node.items = node.items.map(&mut map);
        for id in node
            .one_of
            .iter_mut()
            .chain(node.any_of.iter_mut())
            .chain(node.all_of.iter_mut())
        {
            *id = map(*id);
        }
        node.not = node.not.map(&mut map);
        node
    }
}

/// One kind of a set: its API version, its root node, and what its CRD said of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindEntry {
    #[serde(rename = "v")]
    pub api_version: String,
    #[serde(rename = "k")]
    pub kind: String,
    #[serde(rename = "r")]
    pub root: NodeId,
    /// The CRD's plural resource name, when the source was a CRD.
    #[serde(rename = "pl", default, skip_serializing_if = "Option::is_none")]
    pub plural: Option<String>,
    /// `Namespaced` or `Cluster`, when the source said.
    #[serde(rename = "sc", default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl KindEntry {
    /// The group of the API version (empty for the core group `v1`).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }

    /// The version part of the API version.
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(_, v)| v)
            .unwrap_or(&self.api_version)
    }
}

/// The compact form's top level, as written (the pattern cache is not part of it).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetText {
    name: String,
    version: String,
    source: String,
    #[serde(default)]
    patterns: Vec<String>,
    kinds: Vec<KindEntry>,
    nodes: Vec<Node>,
}

/// The schemas of a group of kinds (one operator's CRDs at one chart version, or the core
/// kinds of one Kubernetes minor version).
#[derive(Debug)]
pub struct SchemaSet {
    /// What the set is of (`cert-manager`, `kubernetes`).
    pub name: String,
    /// The version it was taken from (a chart version, `1.34`).
    pub version: String,
    /// Where it came from, for provenance (a URL, a file and its digest).
    pub source: String,
    kinds: Vec<KindEntry>,
    nodes: Vec<Node>,
    patterns: Vec<String>,
    /// Each pattern compiled on first use; `None` when the `regex` crate cannot compile it
    /// (an ECMA-only construct such as a look-around), so it is not checked.
    regexes: Vec<OnceLock<Option<regex::Regex>>>,
}

impl PartialEq for SchemaSet {
    fn eq(&self, other: &SchemaSet) -> bool {
        self.name == other.name
            && self.version == other.version
            && self.source == other.source
            && self.kinds == other.kinds
            && self.nodes == other.nodes
            && self.patterns == other.patterns
    }
}

// The numbers in nodes come from JSON text and are never NaN, so equality is total.
impl Eq for SchemaSet {}

impl Clone for SchemaSet {
    fn clone(&self) -> SchemaSet {
        SchemaSet::assemble(
            self.name.clone(),
            self.version.clone(),
            self.source.clone(),
            self.kinds.clone(),
            self.nodes.clone(),
            self.patterns.clone(),
        )
    }
}

/// How deep a chain of nodes may be before a compact text is refused: far beyond any real
/// schema, and shallow enough that walking it cannot exhaust a thread's stack.
const MAX_DEPTH: usize = 256;

impl SchemaSet {
    fn assemble(
        name: String,
        version: String,
        source: String,
        kinds: Vec<KindEntry>,
        nodes: Vec<Node>,
        patterns: Vec<String>,
    ) -> SchemaSet {
        let regexes = patterns.iter().map(|_| OnceLock::new()).collect();
        SchemaSet {
            name,
            version,
            source,
            kinds,
            nodes,
            patterns,
            regexes,
        }
    }

    /// Reads the compact form. Refuses a text whose node references point outside the
    /// table, whose properties are not sorted, or whose nesting is deeper than any schema.
    pub fn from_compact(text: &str) -> Result<SchemaSet, String> {
        let set: SetText = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let count = set.nodes.len();
        let in_range = |id: NodeId| id.index() < count;
        for (i, node) in set.nodes.iter().enumerate() {
            if let Some(bad) = node.children().find(|id| !in_range(*id)) {
                return Err(format!("node {i} refers to node {} of {count}", bad.0));
            }
            if node.properties.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(format!("node {i}: properties are not sorted and unique"));
            }
            if node
                .pattern
                .is_some_and(|p| p as usize >= set.patterns.len())
            {
                return Err(format!("node {i} refers to a pattern that does not exist"));
            }
        }
        if let Some(kind) = set.kinds.iter().find(|k| !in_range(k.root)) {
            return Err(format!("kind {} has no root node", kind.kind));
        }
        check_depth(&set.nodes)?;
        Ok(SchemaSet::assemble(
            set.name,
            set.version,
            set.source,
            set.kinds,
            set.nodes,
            set.patterns,
        ))
    }

    /// The canonical compact text: nodes renumbered in the order a walk from the kinds
    /// meets them, equal subtrees shared, unused nodes and patterns dropped, one node per
    /// line. Two sets with the same kinds and schemas give the same bytes.
    pub fn to_compact(&self) -> String {
        let canonical = self.canonical();
        let header = |v: &str| serde_json::to_string(v).unwrap_or_default();
        let mut out = String::new();
        let _ = writeln!(out, "{{\"name\":{},", header(&canonical.name));
        let _ = writeln!(out, "\"version\":{},", header(&canonical.version));
        let _ = writeln!(out, "\"source\":{},", header(&canonical.source));
        let patterns = serde_json::to_string(&canonical.patterns).unwrap_or_default();
        let _ = writeln!(out, "\"patterns\":{patterns},");
        out.push_str("\"kinds\":[\n");
        write_lines(&mut out, &canonical.kinds);
        out.push_str("],\n\"nodes\":[\n");
        write_lines(&mut out, &canonical.nodes);
        out.push_str("]}\n");
        out
    }

    /// A copy with the canonical numbering (see [`SchemaSet::to_compact`]).
    fn canonical(&self) -> SchemaSet {
        let mut builder = Builder::default();
        let mut copier = Copier::default();
        let kinds = self
            .kinds
            .iter()
            .map(|k| KindEntry {
                root: copier.copy(&mut builder, self, k.root),
                ..k.clone()
            })
            .collect();
        builder.finish(
            self.name.clone(),
            self.version.clone(),
            self.source.clone(),
            kinds,
        )
    }

    /// The root node of a kind.
    pub fn root(&self, api_version: &str, kind: &str) -> Option<NodeId> {
        self.kind(api_version, kind).map(|k| k.root)
    }

    /// The entry of a kind (root, plural, scope).
    pub fn kind(&self, api_version: &str, kind: &str) -> Option<&KindEntry> {
        self.kinds
            .iter()
            .find(|k| k.kind == kind && k.api_version == api_version)
    }

    /// Every (apiVersion, kind) of the set, in file order.
    pub fn kinds(&self) -> Vec<(String, String)> {
        self.kinds
            .iter()
            .map(|k| (k.api_version.clone(), k.kind.clone()))
            .collect()
    }

    /// Every kind entry, in file order.
    pub fn kind_entries(&self) -> &[KindEntry] {
        &self.kinds
    }

    /// The versions of `group` (empty for the core group) in which the set has `kind`, in
    /// file order (the importer keeps only served versions).
    pub fn served_versions(&self, group: &str, kind: &str) -> Vec<String> {
        self.kinds
            .iter()
            .filter(|k| k.kind == kind && k.group() == group)
            .map(|k| k.version().to_string())
            .collect()
    }

    /// A node of the table.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// How many nodes the table holds.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The text of a pattern.
    pub fn pattern_text(&self, index: u32) -> &str {
        &self.patterns[index as usize]
    }

    /// A pattern compiled (once per set), or `None` when the `regex` crate cannot
    /// compile it.
    pub fn regex(&self, index: u32) -> Option<&regex::Regex> {
        self.regexes[index as usize]
            .get_or_init(|| compile_pattern(&self.patterns[index as usize]))
            .as_ref()
    }
}

/// A JSON Schema pattern as a `regex`: unanchored, like ECMA's `test`. The size limit
/// keeps a hostile pattern from taking unbounded memory.
pub fn compile_pattern(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .ok()
}

/// Writes rows one per line; `serde_json` only fails on maps with non-string keys, which
/// these types do not have.
fn write_lines<T: Serialize>(out: &mut String, rows: &[T]) {
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&serde_json::to_string(row).unwrap_or_default());
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
}

/// Refuses a table with a chain of nodes deeper than [`MAX_DEPTH`] (cycles are fine: a
/// node met again on the walk is not walked again).
fn check_depth(nodes: &[Node]) -> Result<(), String> {
    // 0: not seen, 1: on the walk, 2: done. An explicit stack: the walk itself must not
    // recurse on untrusted input.
    let mut state = vec![0u8; nodes.len()];
    let mut depth_of = vec![0usize; nodes.len()];
    for start in 0..nodes.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (at, ref mut next)) = stack.last_mut() {
            let child = nodes[at].children().nth(*next);
            *next += 1;
            match child {
                Some(c) if state[c.index()] == 0 => {
                    state[c.index()] = 1;
                    stack.push((c.index(), 0));
                    if stack.len() > MAX_DEPTH {
                        return Err(format!("nodes nest deeper than {MAX_DEPTH}"));
                    }
                }
                Some(c) => {
                    let below = depth_of[c.index()] + 1;
                    if below > MAX_DEPTH {
                        return Err(format!("nodes nest deeper than {MAX_DEPTH}"));
                    }
                    depth_of[at] = depth_of[at].max(below);
                }
                None => {
                    state[at] = 2;
                    stack.pop();
                    if let Some(&(parent, _)) = stack.last() {
                        depth_of[parent] = depth_of[parent].max(depth_of[at] + 1);
                        if depth_of[parent] > MAX_DEPTH {
                            return Err(format!("nodes nest deeper than {MAX_DEPTH}"));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Builds a node table, sharing equal nodes: a node is added once its children are
/// known, keyed by its compact text. A node that must be referred to before it is known
/// (a recursive schema) is reserved first and filled later, and is never shared.
#[derive(Default)]
pub(crate) struct Builder {
    nodes: Vec<Node>,
    interned: HashMap<String, NodeId>,
    patterns: IndexSet<String>,
}

impl Builder {
    /// The id of a node equal to `node`, added when there is none.
    pub(crate) fn intern(&mut self, node: Node) -> NodeId {
        let key = serde_json::to_string(&node).unwrap_or_default();
        if let Some(id) = self.interned.get(&key) {
            return *id;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        self.interned.insert(key, id);
        id
    }

    /// A node added so far.
    pub(crate) fn get(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// A place for a node that is referred to before it is built.
    pub(crate) fn reserve(&mut self) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node::default());
        id
    }

    /// Fills a reserved place.
    pub(crate) fn fill(&mut self, id: NodeId, node: Node) {
        self.nodes[id.index()] = node;
    }

    /// The index of a pattern in the table being built.
    pub(crate) fn pattern(&mut self, text: &str) -> u32 {
        self.patterns.insert_full(text.to_string()).0 as u32
    }

    pub(crate) fn finish(
        self,
        name: String,
        version: String,
        source: String,
        kinds: Vec<KindEntry>,
    ) -> SchemaSet {
        SchemaSet::assemble(
            name,
            version,
            source,
            kinds,
            self.nodes,
            self.patterns.into_iter().collect(),
        )
    }
}

/// Copies nodes of a finished set into a [`Builder`] (merging sets, renumbering one):
/// children first, so equal subtrees meet in the builder's sharing; a node met again
/// while its own children are being copied (a cycle) gets a reserved place.
#[derive(Default)]
pub(crate) struct Copier {
    done: HashMap<NodeId, NodeId>,
    /// Nodes being copied, with the place reserved for them once a cycle reached them.
    open: HashMap<NodeId, Option<NodeId>>,
}

impl Copier {
    pub(crate) fn copy(&mut self, builder: &mut Builder, set: &SchemaSet, id: NodeId) -> NodeId {
        if let Some(done) = self.done.get(&id) {
            return *done;
        }
        if let Some(slot) = self.open.get_mut(&id) {
            return *slot.get_or_insert_with(|| builder.reserve());
        }
        self.open.insert(id, None);
        let source = set.node(id);
        let mut node = source.remapped(|child| self.copy(builder, set, child));
        if let Some(p) = source.pattern {
            node.pattern = Some(builder.pattern(set.pattern_text(p)));
        }
        let new = match self.open.remove(&id).flatten() {
            Some(slot) => {
                builder.fill(slot, node);
                slot
            }
            None => builder.intern(node),
        };
        self.done.insert(id, new);
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SchemaSet {
        let mut b = Builder::default();
        let s = b.intern(Node {
            types: Types::of(&[Type::String]),
            ..Node::default()
        });
        let again = b.intern(Node {
            types: Types::of(&[Type::String]),
            ..Node::default()
        });
        assert_eq!(s, again, "equal nodes are shared");
        let rec = b.reserve();
        let pattern = b.pattern("^a+$");
        let name = b.intern(Node {
            types: Types::of(&[Type::String]),
            pattern: Some(pattern),
            ..Node::default()
        });
        b.fill(
            rec,
            Node {
                types: Types::of(&[Type::Object]),
                properties: vec![("child".into(), rec), ("name".into(), name)],
                additional: Some(Additional::Closed),
                ..Node::default()
            },
        );
        let root = b.intern(Node {
            properties: vec![("spec".into(), rec), ("x".into(), s)],
            required: vec!["spec".into()],
            ..Node::default()
        });
        let kind = KindEntry {
            api_version: "example.com/v1".into(),
            kind: "Thing".into(),
            root,
            plural: Some("things".into()),
            scope: Some("Namespaced".into()),
        };
        b.finish("t".into(), "1".into(), "test".into(), vec![kind])
    }

    #[test]
    fn compact_text_round_trips_byte_for_byte() {
        let text = sample().to_compact();
        let back = SchemaSet::from_compact(&text).expect("reads its own text");
        assert_eq!(back.to_compact(), text);
        assert_eq!(
            back.kinds(),
            vec![("example.com/v1".into(), "Thing".into())]
        );
        assert_eq!(back.served_versions("example.com", "Thing"), vec!["v1"]);
        let root = back.root("example.com/v1", "Thing").expect("root");
        let spec = back.node(root).property("spec").expect("spec");
        assert_eq!(
            back.node(spec).property("child"),
            Some(spec),
            "recursion kept"
        );
        let name = back.node(spec).property("name").expect("name");
        let pattern = back.node(name).pattern.expect("pattern");
        assert!(back.regex(pattern).expect("compiles").is_match("aaa"));
    }

    #[test]
    fn bad_compact_texts_are_refused_not_panicked_on() {
        let text = sample().to_compact();
        assert!(SchemaSet::from_compact(&text.replace("\"t\":\"o\"", "\"t\":\"q\"")).is_err());
        let out_of_range = r#"{"name":"x","version":"1","source":"s","kinds":[],
            "nodes":[{"i":7}]}"#;
        assert!(SchemaSet::from_compact(out_of_range).is_err());
        let no_root = r#"{"name":"x","version":"1","source":"s","nodes":[],
            "kinds":[{"v":"v1","k":"A","r":0}]}"#;
        assert!(SchemaSet::from_compact(no_root).is_err());
        assert!(SchemaSet::from_compact("{").is_err());
        assert!(SchemaSet::from_compact("{\"name\":\"x\"}").is_err());
        let unsorted = r#"{"name":"x","version":"1","source":"s","kinds":[],
            "nodes":[{"p":[["b",0],["a",0]]}]}"#;
        assert!(SchemaSet::from_compact(unsorted).is_err());
    }

    #[test]
    fn deep_chains_are_refused() {
        let nodes: Vec<String> = (0..400)
            .map(|i| format!("{{\"i\":{}}}", i + 1))
            .chain(["{}".to_string()])
            .collect();
        let text = format!(
            "{{\"name\":\"x\",\"version\":\"1\",\"source\":\"s\",\"kinds\":[],\"nodes\":[{}]}}",
            nodes.join(",")
        );
        let err = SchemaSet::from_compact(&text).expect_err("too deep");
        assert!(err.contains("deeper"), "{err}");
    }
}
