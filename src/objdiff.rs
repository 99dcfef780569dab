//! A Kubernetes-aware diff of two output trees (relative path -> YAML text, as
//! `compile::Output.files` holds): what a change does to the emitted objects, per cluster
//! and component, as text for a terminal and as Markdown for a pull request comment.
//!
//! Objects are matched by API group, kind, namespace and name within a cluster, whatever
//! file holds them: an object moved to another file of its component is not a change, one
//! moved to another component is (another Flux Kustomization owns and prunes it). The API
//! version is not part of the identity, so `v1beta1 -> v1` shows as a changed field.
//! Documents without a name (kustomize's `kustomization.yaml`) are matched by file. Files
//! that are not YAML, or do not parse as mappings, are compared as text, line by line.
//! Pure: no I/O; every order is sorted, so the same trees give the same report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::Deserialize as _;
use serde_yaml::Value;

/// Where a file belongs: the cluster's own Flux files (`flux-system/` and the root
/// `kustomization.yaml`), a component's folder, or a file outside `clusters/<cluster>/`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Cluster,
    Component(String),
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Added,
    Changed,
    Removed,
}

/// What changed: an object, or a file compared as text (its path relative to the cluster).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Object {
        api_version: String,
        kind: String,
        namespace: String,
        /// `None` for a document without a name, shown by its file.
        name: Option<String>,
        /// The file holding it, relative to the cluster folder.
        file: String,
    },
    File(String),
}

/// One line of a line diff: `-` removed, `+` added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub sign: char,
    pub text: String,
}

/// A difference inside a changed object or file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// A field added (`before` is `None`), removed (`after` is `None`) or changed.
    Field {
        path: String,
        before: Option<Value>,
        after: Option<Value>,
    },
    /// A multi-line string field (or a text file, with an empty path), line by line.
    Lines { path: String, lines: Vec<Line> },
    /// The items of a list keyed by `name` are the same but in another order.
    Reordered { path: String },
    /// The object is now in another component of the cluster.
    Moved { from: Group },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub op: Op,
    pub subject: Subject,
    pub details: Vec<Detail>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterDiff {
    /// The cluster's name; empty for files outside `clusters/`.
    pub cluster: String,
    pub groups: Vec<(Group, Vec<Change>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Diff {
    pub clusters: Vec<ClusterDiff>,
}

/// The counts of the summary line: objects and text files, by operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub files: usize,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in self
            .clusters
            .iter()
            .flat_map(|c| &c.groups)
            .flat_map(|(_, ch)| ch)
        {
            match (&change.subject, change.op) {
                (Subject::File(_), _) => s.files += 1,
                (_, Op::Added) => s.added += 1,
                (_, Op::Changed) => s.changed += 1,
                (_, Op::Removed) => s.removed += 1,
            }
        }
        s
    }
}

/// The longest line diff computed exactly (lines before times lines after); beyond it a
/// changed text is shown as every old line removed and every new line added.
const LCS_CELLS: usize = 4_000_000;

/// The most lines of a line diff shown; the rest are counted.
const MAX_LINES: usize = 60;

/// The longest value shown in full; longer ones are cut with `…`.
const MAX_VALUE: usize = 160;

/// The cluster, group and path inside the cluster folder of an output path.
fn locate(path: &str) -> (String, Group, String) {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["clusters", cluster, rest @ ..] if !rest.is_empty() => {
            let group = match rest {
                [_] | ["flux-system", ..] => Group::Cluster,
                [component, ..] => Group::Component(component.to_string()),
                [] => Group::Other,
            };
            (cluster.to_string(), group, rest.join("/"))
        }
        _ => (String::new(), Group::Other, path.to_string()),
    }
}

/// An object's identity in a cluster: (API group, kind, namespace, name, file for a
/// nameless document, ordinal among equal identities).
type Key = (String, String, String, String, String, usize);

struct Obj {
    group: Group,
    file: String,
    api_version: String,
    kind: String,
    namespace: String,
    name: Option<String>,
    value: Value,
}

/// One side of the diff, per cluster: its objects and its text files.
#[derive(Default)]
struct Side {
    objects: BTreeMap<Key, Obj>,
    texts: BTreeMap<String, (Group, String)>,
}

/// The string at a path of keys of `v`, if there is one.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for k in path {
        at = at.get(k)?;
    }
    at.as_str()
}

/// The documents of a YAML file, if it is one whose documents are all mappings (empty
/// documents are skipped).
fn documents(path: &str, text: &str) -> Option<Vec<Value>> {
    if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
        return None;
    }
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match Value::deserialize(doc).ok()? {
            Value::Null => {}
            v @ Value::Mapping(_) => docs.push(v),
            _ => return None,
        }
    }
    Some(docs)
}

fn sides(tree: &IndexMap<String, String>) -> BTreeMap<String, Side> {
    let mut out: BTreeMap<String, Side> = BTreeMap::new();
    let mut paths: Vec<&String> = tree.keys().collect();
    paths.sort();
    for path in paths {
        let text = &tree[path];
        let (cluster, group, file) = locate(path);
        let side = out.entry(cluster).or_default();
        let Some(docs) = documents(path, text) else {
            side.texts.insert(file, (group, text.clone()));
            continue;
        };
        for value in docs {
            let api_version = str_at(&value, &["apiVersion"]).unwrap_or("").to_string();
            let kind = str_at(&value, &["kind"]).unwrap_or("").to_string();
            let namespace = str_at(&value, &["metadata", "namespace"])
                .unwrap_or("")
                .to_string();
            let name = str_at(&value, &["metadata", "name"]).map(str::to_string);
            let api_group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let anon_file = if name.is_some() { "" } else { file.as_str() };
            let mut key: Key = (
                api_group.to_string(),
                kind.clone(),
                namespace.clone(),
                name.clone().unwrap_or_default(),
                anon_file.to_string(),
                0,
            );
            while side.objects.contains_key(&key) {
                key.5 += 1;
            }
            side.objects.insert(
                key,
                Obj {
                    group: group.clone(),
                    file: file.clone(),
                    api_version,
                    kind,
                    namespace,
                    name,
                    value,
                },
            );
        }
    }
    out
}

fn subject(o: &Obj) -> Subject {
    Subject::Object {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        file: o.file.clone(),
    }
}

/// The diff of two trees.
pub fn diff(before: &IndexMap<String, String>, after: &IndexMap<String, String>) -> Diff {
    let (before, after) = (sides(before), sides(after));
    let clusters: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = Side::default();
    let mut out = Diff::default();
    for cluster in clusters {
        let b = before.get(cluster).unwrap_or(&empty);
        let a = after.get(cluster).unwrap_or(&empty);
        let mut groups: BTreeMap<Group, Vec<Change>> = BTreeMap::new();
        diff_objects(b, a, &mut groups);
        diff_texts(b, a, &mut groups);
        if !groups.is_empty() {
            out.clusters.push(ClusterDiff {
                cluster: cluster.clone(),
                groups: groups.into_iter().collect(),
            });
        }
    }
    out
}

fn diff_objects(b: &Side, a: &Side, groups: &mut BTreeMap<Group, Vec<Change>>) {
    let keys: BTreeSet<&Key> = b.objects.keys().chain(a.objects.keys()).collect();
    for key in keys {
        let (group, change) = match (b.objects.get(key), a.objects.get(key)) {
            (Some(o), None) => (o.group.clone(), Change::new(Op::Removed, subject(o))),
            (None, Some(o)) => (o.group.clone(), Change::new(Op::Added, subject(o))),
            (Some(old), Some(new)) => {
                let mut details = Vec::new();
                if old.group != new.group {
                    details.push(Detail::Moved {
                        from: old.group.clone(),
                    });
                }
                diff_values(&mut Vec::new(), &old.value, &new.value, &mut details);
                if details.is_empty() {
                    continue;
                }
                let mut change = Change::new(Op::Changed, subject(new));
                change.details = details;
                (new.group.clone(), change)
            }
            (None, None) => continue,
        };
        groups.entry(group).or_default().push(change);
    }
}

fn diff_texts(b: &Side, a: &Side, groups: &mut BTreeMap<Group, Vec<Change>>) {
    let paths: BTreeSet<&String> = b.texts.keys().chain(a.texts.keys()).collect();
    for path in paths {
        let subject = Subject::File(path.clone());
        let (group, change) = match (b.texts.get(path), a.texts.get(path)) {
            (Some((g, _)), None) => (g.clone(), Change::new(Op::Removed, subject)),
            (None, Some((g, _))) => (g.clone(), Change::new(Op::Added, subject)),
            (Some((_, old)), Some((g, new))) if old != new => {
                let mut change = Change::new(Op::Changed, subject);
                change.details.push(Detail::Lines {
                    path: String::new(),
                    lines: line_diff(old, new),
                });
                (g.clone(), change)
            }
            _ => continue,
        };
        groups.entry(group).or_default().push(change);
    }
}

impl Change {
    fn new(op: Op, subject: Subject) -> Change {
        Change {
            op,
            subject,
            details: Vec::new(),
        }
    }
}

/// A step of a field path.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
    Name(String),
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if is_plain_key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Key(k) => {
                let _ = write!(out, "[{}]", quoted(k));
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Seg::Name(n) if is_plain_key(n) => {
                let _ = write!(out, "[name={n}]");
            }
            Seg::Name(n) => {
                let _ = write!(out, "[name={}]", quoted(n));
            }
        }
    }
    out
}

fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => flow(other),
    }
}

/// The field differences of `old` and `new` at `path`, in the order of `new`'s fields
/// (removed fields after, in `old`'s order).
fn diff_values(path: &mut Vec<Seg>, old: &Value, new: &Value, out: &mut Vec<Detail>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Mapping(o), Value::Mapping(n)) => {
            for (k, nv) in n {
                path.push(Seg::Key(key_text(k)));
                match o.get(k) {
                    Some(ov) => diff_values(path, ov, nv, out),
                    None => out.push(field(path, None, Some(nv))),
                }
                path.pop();
            }
            for (k, ov) in o {
                if !n.contains_key(k) {
                    path.push(Seg::Key(key_text(k)));
                    out.push(field(path, Some(ov), None));
                    path.pop();
                }
            }
        }
        (Value::Sequence(o), Value::Sequence(n)) => diff_lists(path, o, n, out),
        (Value::String(o), Value::String(n)) if o.contains('\n') || n.contains('\n') => {
            out.push(Detail::Lines {
                path: render_path(path),
                lines: line_diff(o, n),
            })
        }
        _ => out.push(field(path, Some(old), Some(new))),
    }
}

fn field(path: &[Seg], before: Option<&Value>, after: Option<&Value>) -> Detail {
    Detail::Field {
        path: render_path(path),
        before: before.cloned(),
        after: after.cloned(),
    }
}

/// The `name` of every item, if every item of both lists is a mapping with a string
/// `name` and no name repeats within a list.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|v| v.get("name").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let unique: BTreeSet<&&str> = names.iter().collect();
    (unique.len() == names.len()).then_some(names)
}

fn diff_lists(path: &mut Vec<Seg>, old: &[Value], new: &[Value], out: &mut Vec<Detail>) {
    if let (Some(on), Some(nn)) = (names(old), names(new)) {
        if !on.is_empty() && !nn.is_empty() {
            return diff_named(path, (old, &on), (new, &nn), out);
        }
    }
    // Items aligned by equality (so an insertion does not shift every later item); the
    // unmatched items between two aligned ones are compared pairwise, the rest are added
    // or removed.
    let pairs = lcs(old, new);
    let (mut i, mut j) = (0, 0);
    for &(pi, pj) in pairs.iter().chain(std::iter::once(&(old.len(), new.len()))) {
        let common = (pi - i).min(pj - j);
        for k in 0..common {
            path.push(Seg::Index(j + k));
            diff_values(path, &old[i + k], &new[j + k], out);
            path.pop();
        }
        for (k, v) in old.iter().enumerate().take(pi).skip(i + common) {
            path.push(Seg::Index(k));
            out.push(field(path, Some(v), None));
            path.pop();
        }
        for (k, v) in new.iter().enumerate().take(pj).skip(j + common) {
            path.push(Seg::Index(k));
            out.push(field(path, None, Some(v)));
            path.pop();
        }
        (i, j) = (pi + 1, pj + 1);
    }
}

fn diff_named(
    path: &mut Vec<Seg>,
    (old, on): (&[Value], &[&str]),
    (new, nn): (&[Value], &[&str]),
    out: &mut Vec<Detail>,
) {
    let common_old: Vec<&&str> = on.iter().filter(|n| nn.contains(n)).collect();
    let common_new: Vec<&&str> = nn.iter().filter(|n| on.contains(n)).collect();
    if common_old != common_new {
        out.push(Detail::Reordered {
            path: render_path(path),
        });
    }
    for (v, name) in new.iter().zip(nn) {
        path.push(Seg::Name(name.to_string()));
        match on.iter().position(|n| n == name) {
            Some(i) => diff_values(path, &old[i], v, out),
            None => out.push(field(path, None, Some(v))),
        }
        path.pop();
    }
    for (v, name) in old.iter().zip(on) {
        if !nn.contains(name) {
            path.push(Seg::Name(name.to_string()));
            out.push(field(path, Some(v), None));
            path.pop();
        }
    }
}

/// The index pairs of a longest common subsequence of `a` and `b`, ascending; empty when
/// the table would exceed `LCS_CELLS`.
fn lcs<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(usize, usize)> {
    // Common ends first: most edits touch a few lines of a long text.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut pairs: Vec<(usize, usize)> = (0..prefix).map(|i| (i, i)).collect();
    let (n, m) = (ma.len(), mb.len());
    if n.saturating_mul(m) <= LCS_CELLS && n > 0 && m > 0 {
        // table[i][j]: the LCS length of ma[i..] and mb[j..].
        let mut table = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                table[at(i, j)] = if ma[i] == mb[j] {
                    table[at(i + 1, j + 1)] + 1
                } else {
                    table[at(i + 1, j)].max(table[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                pairs.push((prefix + i, prefix + j));
                (i, j) = (i + 1, j + 1);
            } else if table[at(i + 1, j)] >= table[at(i, j + 1)] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    pairs.extend((0..suffix).map(|k| (a.len() - suffix + k, b.len() - suffix + k)));
    pairs
}

/// The changed lines of `old` -> `new`: between two common lines, removed lines first.
fn line_diff(old: &str, new: &str) -> Vec<Line> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (pi, pj) in lcs(&a, &b)
        .into_iter()
        .chain(std::iter::once((a.len(), b.len())))
    {
        for line in &a[i..pi] {
            out.push(Line {
                sign: '-',
                text: line.to_string(),
            });
        }
        for line in &b[j..pj] {
            out.push(Line {
                sign: '+',
                text: line.to_string(),
            });
        }
        (i, j) = (pi + 1, pj + 1);
    }
    out
}

/// A string as a double-quoted, escaped literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether a string can be shown bare: it reads as a string and as nothing else.
fn is_plain_string(s: &str) -> bool {
    let reads_as_other = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
    ) || s.parse::<f64>().is_ok();
    !s.is_empty()
        && !reads_as_other
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+".contains(c))
}

/// A value on one line, in YAML's flow style.
fn flow(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if is_plain_string(s) => s.clone(),
        Value::String(s) => quoted(s),
        Value::Sequence(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", flow(k), flow(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Tagged(t) => format!("{} {}", t.tag, flow(&t.value)),
    }
}

/// `flow`, cut to `MAX_VALUE` characters.
fn shown(v: &Value) -> String {
    let text = flow(v);
    if text.chars().count() <= MAX_VALUE {
        return text;
    }
    let cut: String = text.chars().take(MAX_VALUE).collect();
    format!("{cut}…")
}

fn object_label(s: &Subject) -> (String, String) {
    match s {
        Subject::Object {
            api_version,
            kind,
            namespace,
            name,
            file,
        } => {
            let what = match (name, namespace.is_empty()) {
                (Some(n), true) => format!("{kind} {n}"),
                (Some(n), false) => format!("{kind} {namespace}/{n}"),
                (None, _) => format!("{kind} in {file}"),
            };
            (what, api_version.clone())
        }
        Subject::File(path) => (format!("file {path}"), String::new()),
    }
}

fn group_label(g: &Group) -> String {
    match g {
        Group::Cluster => "the cluster's own files (flux-system, kustomization.yaml)".into(),
        Group::Component(c) => format!("component {c}"),
        Group::Other => "other files".into(),
    }
}

fn sign(op: Op) -> char {
    match op {
        Op::Added => '+',
        Op::Changed => '~',
        Op::Removed => '-',
    }
}

fn summary_line(s: Summary) -> String {
    let mut line = format!(
        "{} added, {} changed, {} removed objects",
        s.added, s.changed, s.removed
    );
    if s.files > 0 {
        let files = if s.files == 1 { "file" } else { "files" };
        let _ = write!(line, "; {} other {files} changed", s.files);
    }
    line
}

/// A field change as `path: before -> after` (without markup), its parts given to `fmt`.
fn field_parts(before: &Option<Value>, after: &Option<Value>) -> (&'static str, Vec<String>) {
    match (before, after) {
        (None, Some(v)) => ("added", vec![shown(v)]),
        (Some(v), None) => ("removed", vec![shown(v)]),
        (Some(b), Some(a)) => ("changed", vec![shown(b), shown(a)]),
        (None, None) => ("changed", vec![]),
    }
}

/// The report for a terminal.
pub fn render_text(diff: &Diff) -> String {
    if diff.is_empty() {
        return "No changes to the emitted objects.\n".into();
    }
    let mut out = String::new();
    for c in &diff.clusters {
        if c.cluster.is_empty() {
            out.push_str("outside clusters/\n");
        } else {
            let _ = writeln!(out, "cluster {}", c.cluster);
        }
        for (group, changes) in &c.groups {
            let _ = writeln!(out, "  {}", group_label(group));
            for change in changes {
                let (what, api) = object_label(&change.subject);
                let api = if api.is_empty() {
                    api
                } else {
                    format!(" ({api})")
                };
                let _ = writeln!(out, "    {} {what}{api}", sign(change.op));
                for d in &change.details {
                    text_detail(&mut out, d);
                }
            }
        }
    }
    let _ = writeln!(out, "{}", summary_line(diff.summary()));
    out
}

fn text_detail(out: &mut String, d: &Detail) {
    const IND: &str = "        ";
    match d {
        Detail::Field {
            path,
            before,
            after,
        } => match field_parts(before, after) {
            ("changed", v) if v.len() == 2 => {
                let _ = writeln!(out, "{IND}{path}: {} -> {}", v[0], v[1]);
            }
            (how, v) => {
                let _ = writeln!(out, "{IND}{path}: {how} {}", v.join(""));
            }
        },
        Detail::Lines { path, lines } => {
            if !path.is_empty() {
                let _ = writeln!(out, "{IND}{path}:");
            }
            for l in lines.iter().take(MAX_LINES) {
                let _ = writeln!(out, "{IND}  {} {}", l.sign, l.text);
            }
            if lines.len() > MAX_LINES {
                let _ = writeln!(out, "{IND}  … {} more lines", lines.len() - MAX_LINES);
            }
        }
        Detail::Reordered { path } => {
            let _ = writeln!(out, "{IND}{path}: same items, new order");
        }
        Detail::Moved { from } => {
            let _ = writeln!(out, "{IND}moved here from {}", group_label(from));
        }
    }
}

/// `text` as a Markdown code span, with a fence longer than any run of backticks in it.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || longest > 0 {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn md_group_label(g: &Group) -> String {
    match g {
        Group::Cluster => format!(
            "The cluster's own files ({}, {})",
            code("flux-system"),
            code("kustomization.yaml")
        ),
        Group::Component(c) => format!("Component {}", code(c)),
        Group::Other => "Other files".into(),
    }
}

/// The report as Markdown, for a pull request comment.
pub fn render_markdown(diff: &Diff) -> String {
    if diff.is_empty() {
        return "No changes to the emitted objects.\n".into();
    }
    let mut out = format!("**{}**\n", summary_line(diff.summary()));
    for c in &diff.clusters {
        if c.cluster.is_empty() {
            out.push_str("\n### Outside `clusters/`\n");
        } else {
            let _ = writeln!(out, "\n### Cluster {}", code(&c.cluster));
        }
        for (group, changes) in &c.groups {
            let _ = writeln!(out, "\n**{}**\n", md_group_label(group));
            for change in changes {
                let (what, api) = object_label(&change.subject);
                let op = match change.op {
                    Op::Added => "added",
                    Op::Changed => "changed",
                    Op::Removed => "removed",
                };
                let api = if api.is_empty() {
                    api
                } else {
                    format!(" ({})", code(&api))
                };
                let _ = writeln!(out, "- {op} {}{api}", code(&what));
                for d in &change.details {
                    markdown_detail(&mut out, d);
                }
            }
        }
    }
    out
}

fn markdown_detail(out: &mut String, d: &Detail) {
    match d {
        Detail::Field {
            path,
            before,
            after,
        } => match field_parts(before, after) {
            ("changed", v) if v.len() == 2 => {
                let _ = writeln!(
                    out,
                    "  - {}: {} -> {}",
                    code(path),
                    code(&v[0]),
                    code(&v[1])
                );
            }
            (how, v) => {
                let _ = writeln!(out, "  - {}: {how} {}", code(path), code(&v.join("")));
            }
        },
        Detail::Lines { path, lines } => {
            let mut body = String::new();
            for l in lines.iter().take(MAX_LINES) {
                let _ = writeln!(body, "{}{}", l.sign, l.text);
            }
            if lines.len() > MAX_LINES {
                let _ = writeln!(body, "… {} more lines", lines.len() - MAX_LINES);
            }
            let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            let head = if path.is_empty() {
                "text".to_string()
            } else {
                code(path)
            };
            let _ = writeln!(out, "  - {head}:\n\n    {fence}diff");
            for line in body.lines() {
                let _ = writeln!(out, "    {line}");
            }
            let _ = writeln!(out, "    {fence}\n");
        }
        Detail::Reordered { path } => {
            let _ = writeln!(out, "  - {}: same items, new order", code(path));
        }
        Detail::Moved { from } => {
            // The label starts a heading; here it continues a sentence.
            let label = md_group_label(from);
            let mut chars = label.chars();
            let first = chars.next().map(|c| c.to_ascii_lowercase());
            let label: String = first.into_iter().chain(chars).collect();
            let _ = writeln!(out, "  - moved here from {label}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> IndexMap<String, String> {
        files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    const CM: &str = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\ndata:\n  x: '1'\n";
    const DEPLOY: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: web:1\n        - name: sidecar\n          image: proxy:1\n";

    #[test]
    fn a_changed_field_is_shown_by_its_path() {
        let before = tree(&[("clusters/home/web/app/deployment.yaml", DEPLOY)]);
        let after_text = DEPLOY
            .replace("replicas: 2", "replicas: 3")
            .replace("proxy:1", "proxy:2");
        let after = tree(&[("clusters/home/web/app/deployment.yaml", &after_text)]);
        let text = render_text(&diff(&before, &after));
        assert!(text.contains("spec.replicas: 2 -> 3"), "{text}");
        assert!(
            text.contains("spec.template.spec.containers[name=sidecar].image: proxy:1 -> proxy:2"),
            "{text}"
        );
        assert!(
            text.ends_with("0 added, 1 changed, 0 removed objects\n"),
            "{text}"
        );
    }

    #[test]
    fn an_object_moved_to_another_file_of_its_component_is_no_change() {
        let both = format!("{CM}{}", DEPLOY);
        let before = tree(&[
            ("clusters/home/web/app/configmap.yaml", CM),
            ("clusters/home/web/app/deployment.yaml", DEPLOY),
        ]);
        let after = tree(&[("clusters/home/web/app/all.yaml", &both)]);
        let d = diff(&before, &after);
        assert!(d.is_empty(), "{}", render_text(&d));
        assert_eq!(render_markdown(&d), "No changes to the emitted objects.\n");
    }

    #[test]
    fn an_object_moved_to_another_component_says_so() {
        let before = tree(&[("clusters/home/web/app/configmap.yaml", CM)]);
        let after = tree(&[("clusters/home/api/app/configmap.yaml", CM)]);
        let text = render_text(&diff(&before, &after));
        assert!(
            text.contains(
                "component api\n    ~ ConfigMap web/a (v1)\n        moved here from component web"
            ),
            "{text}"
        );
    }

    #[test]
    fn lists_without_names_are_aligned_by_equality() {
        let k = |items: &str| {
            format!("---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{items}")
        };
        let before = tree(&[("clusters/home/kustomization.yaml", &k("  - a\n  - c\n"))]);
        let after = tree(&[(
            "clusters/home/kustomization.yaml",
            &k("  - a\n  - b\n  - c\n"),
        )]);
        let text = render_text(&diff(&before, &after));
        assert!(text.contains("resources[1]: added b\n"), "{text}");
        assert!(!text.contains("resources[2]"), "{text}");
        assert!(
            text.contains("Kustomization in kustomization.yaml"),
            "{text}"
        );
    }

    #[test]
    fn multi_line_strings_and_text_files_are_diffed_by_line() {
        let cm = |v: &str| {
            format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  conf: |\n    a\n    {v}\n    c\n")
        };
        let before = tree(&[
            ("clusters/home/web/app/configmap.yaml", &cm("b")),
            ("clusters/home/web/notes.txt", "one\ntwo\n"),
        ]);
        let after = tree(&[
            ("clusters/home/web/app/configmap.yaml", &cm("B")),
            ("clusters/home/web/notes.txt", "one\nthree\n"),
        ]);
        let text = render_text(&diff(&before, &after));
        assert!(
            text.contains("data.conf:\n          - b\n          + B\n"),
            "{text}"
        );
        assert!(
            text.contains("~ file web/notes.txt\n          - two\n          + three\n"),
            "{text}"
        );
        assert!(text.contains("; 1 other file changed"), "{text}");
        let md = render_markdown(&diff(&before, &after));
        assert!(md.contains("```diff\n    -b\n    +B\n    ```"), "{md}");
    }

    #[test]
    fn unparsable_yaml_is_text_and_odd_keys_are_quoted() {
        let before = tree(&[("clusters/home/web/app/x.yaml", "a: [\n")]);
        let after = tree(&[("clusters/home/web/app/x.yaml", "a: [1\n")]);
        assert!(render_text(&diff(&before, &after)).contains("~ file web/app/x.yaml"));
        let l = |v: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    app.kubernetes.io/name: {v}\n")
        };
        let d = diff(
            &tree(&[("clusters/h/w/app/c.yaml", &l("a"))]),
            &tree(&[("clusters/h/w/app/c.yaml", &l("'1'"))]),
        );
        let md = render_markdown(&d);
        assert!(
            md.contains("- `metadata.labels[\"app.kubernetes.io/name\"]`: `a` -> `\"1\"`"),
            "{md}"
        );
    }

    #[test]
    fn added_and_removed_objects_and_the_code_span_fence() {
        let before = tree(&[("clusters/home/web/app/configmap.yaml", CM)]);
        let after = tree(&[("clusters/home/web/app/deployment.yaml", DEPLOY)]);
        let md = render_markdown(&diff(&before, &after));
        assert!(
            md.starts_with("**1 added, 0 changed, 1 removed objects**\n"),
            "{md}"
        );
        assert!(
            md.contains("- added `Deployment web/web` (`apps/v1`)"),
            "{md}"
        );
        assert!(md.contains("- removed `ConfigMap web/a` (`v1`)"), "{md}");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn odd_documents_never_panic_and_stay_deterministic() {
        let odd = [
            "",
            "---\n",
            "- a\n- b\n",
            "? [a, b]\n: 1\n1: 2\nnull: ~\n",
            "kind: ConfigMap\nmetadata: 3\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: !!binary aGk=}\n",
            "a: &x [1, 2]\nb: *x\n",
            "apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems: [{name: a}, {name: a}, 3]\n",
            "\u{0}\u{7f}`\n",
        ];
        for (i, before) in odd.iter().enumerate() {
            for after in &odd[i..] {
                let b = tree(&[("clusters/c/x/app/f.yaml", before), ("other.yaml", after)]);
                let a = tree(&[("clusters/c/x/app/f.yaml", after), ("other.yaml", before)]);
                let d = diff(&b, &a);
                assert_eq!(render_text(&d), render_text(&diff(&b, &a)));
                let _ = render_markdown(&d);
                assert!(diff(&a, &a).is_empty());
            }
        }
    }
}
