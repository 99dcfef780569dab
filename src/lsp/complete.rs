//! `textDocument/completion`: what may be written at the cursor, from the lab's item
//! index. The buffer is usually being typed and does not parse, so the place (after `use`,
//! after `on`, a key of a component's body, the value of a setting, after a number) is
//! read from the text before the cursor, with a scan that knows strings, comments and
//! brackets; what fits there (settings, fields, clusters, capability values, modules,
//! units) comes from the declarations of the last parse of every file, which the item
//! index holds.

use indexmap::IndexSet;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent,
    MarkupKind, TextEdit,
};

use super::navigate::doc_comment;
use crate::db::{module_name, Db, Lab, SourceFile};
use crate::sema::index::{self, item_index, ItemIndex};
use crate::syntax::ast::{DeclKind, FieldDecl, TypeExpr};
use crate::syntax::parse::DECL_KEYWORDS;

/// The characters after which a client asks for completions unprompted.
pub const TRIGGERS: [&str; 4] = [".", " ", "=", "\""];

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// An open bracket before the cursor: what was written before it since the last
/// statement boundary (`include web`, `values`, `Node`), and the keys set inside it.
#[derive(Debug, Default)]
struct Frame {
    head: String,
    keys: IndexSet<String>,
}

/// The text before the cursor, read: the declaration's header (the text before its
/// first `{`), the brackets still open, and what was written since the last boundary.
#[derive(Debug, Default)]
struct Context {
    header: String,
    frames: Vec<Frame>,
    /// The text since the last `{`, `}`, `,`, `;` or line break at the innermost level.
    tail: String,
}

/// The byte offset where the top-level declaration around `at` starts: the last line
/// before it that starts (in column 0) with a declaration keyword.
fn decl_start(text: &str, at: usize) -> usize {
    let mut start = 0;
    let mut line_start = 0;
    for line in text[..at].split_inclusive('\n') {
        let word: String = line.chars().take_while(|c| is_name_char(*c)).collect();
        if DECL_KEYWORDS.contains(&word.as_str()) {
            start = line_start;
        }
        line_start += line.len();
    }
    start
}

/// Scan `text` (a declaration up to the cursor) for its open brackets.
fn read_context(text: &str) -> Context {
    let mut cx = Context::default();
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            cx.tail.push(c);
            match c {
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        cx.tail.push(e);
                    }
                }
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        let comment = c == '#' || text[i..].starts_with("//");
        if comment {
            while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                chars.next();
            }
            continue;
        }
        match c {
            '{' | '[' | '(' => {
                let head = std::mem::take(&mut cx.tail).trim().to_string();
                if cx.frames.is_empty() && c == '{' && cx.header.is_empty() {
                    cx.header = head.clone();
                }
                note_key(&mut cx, &head);
                cx.frames.push(Frame {
                    head,
                    keys: IndexSet::new(),
                });
            }
            '}' | ']' | ')' => {
                cx.frames.pop();
                cx.tail.clear();
            }
            ',' | ';' | '\n' => {
                let done = std::mem::take(&mut cx.tail);
                note_key(&mut cx, &done);
            }
            '"' => {
                in_string = true;
                cx.tail.push(c);
            }
            _ => cx.tail.push(c),
        }
    }
    if cx.frames.is_empty() {
        cx.header = cx.tail.trim().to_string();
    }
    cx
}

/// Record the key an item of the innermost frame sets (`key = ...`, `key { ...`).
fn note_key(cx: &mut Context, item: &str) {
    let key: String = item
        .trim()
        .chars()
        .take_while(|c| is_name_char(*c))
        .collect();
    let rest = item.trim()[key.len()..].trim_start();
    let sets = rest.starts_with('=') && !rest.starts_with("==") || rest.is_empty();
    if key.is_empty() || !sets {
        return;
    }
    if let Some(frame) = cx.frames.last_mut() {
        frame.keys.insert(key);
    }
}

/// The words of a declaration header: `install cilium on a, b` -> the keyword, the
/// definition it instantiates and the clusters it is placed on.
struct Header {
    keyword: String,
    definition: Option<String>,
    on: Vec<String>,
}

fn read_header(header: &str) -> Header {
    let words: Vec<&str> = header
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let keyword = words.first().copied().unwrap_or_default().to_string();
    let definition = match (keyword.as_str(), words.as_slice()) {
        ("install", [_, def, ..]) => Some(def.to_string()),
        ("instance", [_, _, "=", def, ..]) => Some(def.to_string()),
        _ => None,
    };
    let on = match words.iter().position(|w| *w == "on") {
        Some(i) => words[i + 1..].iter().map(|w| w.to_string()).collect(),
        None => Vec::new(),
    };
    Header {
        keyword,
        definition,
        on,
    }
}

/// Completions of the text before byte `at` of `file`. `typed` is the character that
/// made the client ask (a trigger character), if one did: a space asks only where a
/// space leads to a name (`use `, `on `, `install `, `= `), not after every word.
pub fn complete(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    at: usize,
    typed: Option<&str>,
) -> Vec<CompletionItem> {
    let text = file.text(db);
    let before = &text[..at];
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let word_len = line.len() - line.trim_end_matches(is_name_char).len();
    let word = &line[line.len() - word_len..];
    let index = item_index(db, lab);
    let module = module_name(file.path(db));
    let lead = line[..line.len() - word_len].trim();
    if let Some(path) = line.trim_start().strip_prefix("use ") {
        if path
            .chars()
            .all(|c| is_name_char(c) || c == '.' || c == ' ')
        {
            return modules(db, lab);
        }
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return units(text, at, word);
    }
    let cx = read_context(&text[decl_start(text, at)..at]);
    let header = read_header(&cx.header);
    if cx.frames.is_empty() {
        return header_names(index, &module, &cx.header, lead);
    }
    if let Some(record) = lead.strip_suffix('.') {
        return record_fields(db, lab, index, record, &header.on);
    }
    let after_space = typed == Some(" ");
    if after_space && !lead.ends_with('=') {
        return Vec::new();
    }
    let frame = cx.frames.last().expect("frames is not empty");
    let of = frame_definition(&header, frame, cx.frames.len());
    let tail = cx.tail.trim_start();
    let at_key = tail.len() == word_len && !tail.starts_with('"');
    if at_key && cx.frames.len() == 1 {
        let kind = DECL_KINDS.iter().find(|k| k.keyword() == header.keyword);
        if let Some(kind) = kind {
            return declaration_fields(*kind, &frame.keys);
        }
    }
    if at_key {
        if let Some(def) = &of {
            let items = fields(db, index, &module, def, &frame.keys);
            if !items.is_empty() {
                return items;
            }
        }
    }
    // `key = ...`: a capability value when the key's type is a capability kind.
    let key: String = tail.chars().take_while(|c| is_name_char(*c)).collect();
    let value = tail[key.len()..].trim_start();
    if let (Some(def), Some(typed)) = (&of, value.strip_prefix('=')) {
        let typed = typed.trim_start();
        let quoted = typed.starts_with('"');
        let kind = field_of(db, index, &module, def, &key).and_then(|f| capability(index, &f.ty));
        if let Some(kind) = kind {
            return capability_values(db, lab, &kind, &header.on, quoted);
        }
    }
    names(index)
}

/// The declarations whose body's keys are fields of the lab's own schema.
const DECL_KINDS: [DeclKind; 3] = [DeclKind::Lab, DeclKind::Cluster, DeclKind::Pool];

/// The fields of a `lab`, `cluster` or `pool` body not yet in `set`.
fn declaration_fields(kind: DeclKind, set: &IndexSet<String>) -> Vec<CompletionItem> {
    crate::sema::facts::declaration_fields(kind)
        .iter()
        .filter(|(name, ..)| !set.contains(*name))
        .map(|(name, ty, required)| {
            let required = if *required { " (required)" } else { "" };
            CompletionItem {
                insert_text: Some(format!("{name} = ")),
                ..item(
                    name,
                    CompletionItemKind::PROPERTY,
                    &format!("{ty}{required}"),
                )
            }
        })
        .collect()
}

/// The last name of `text` (`a.b` -> `b`).
fn last_name(text: &str) -> &str {
    &text[text.trim_end_matches(is_name_char).len()..]
}

/// The fields of `cluster.` (the records of the clusters the declaration is placed on,
/// of every cluster when it is not placed) or `lab.`; nothing after another name's `.`.
fn record_fields(
    db: &dyn Db,
    lab: Lab,
    index: &ItemIndex,
    record: &str,
    on: &[String],
) -> Vec<CompletionItem> {
    use crate::sema::eval::Value;
    let mut records: Vec<(String, &Value)> = Vec::new();
    match last_name(record) {
        "lab" => {
            if let Some(f) = crate::sema::facts::lab_facts(db, lab) {
                records.push(("lab".to_string(), &f.value));
            }
        }
        "cluster" => {
            let placed: Vec<&String> = on
                .iter()
                .filter(|c| index.clusters.contains_key(*c))
                .collect();
            let clusters = if placed.is_empty() {
                index.clusters.keys().collect()
            } else {
                placed
            };
            for c in clusters {
                if let Some(f) = crate::sema::facts::cluster_facts(db, lab, c.clone()) {
                    records.push((format!("cluster {c}"), &f.value));
                }
            }
        }
        _ => {}
    }
    let mut out: Vec<CompletionItem> = Vec::new();
    for (of, value) in records {
        let Value::Record(fields) = value else {
            continue;
        };
        for key in fields.keys() {
            if !out.iter().any(|i| i.label == *key) {
                out.push(item(key, CompletionItemKind::FIELD, &of));
            }
        }
    }
    out
}

/// The definition whose settings, parameters or fields are the keys of `frame` (the
/// innermost of `depth` open brackets): the component's at its body, an `include`'s
/// template, a typed record's type.
fn frame_definition(header: &Header, frame: &Frame, depth: usize) -> Option<String> {
    let head = frame.head.as_str();
    if let Some(t) = head.strip_prefix("include ") {
        return Some(t.trim().to_string());
    }
    // `= Node {`, `[Node {`: the last word, capitalised, names a record type.
    let last = last_name(head);
    if last.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Some(last.to_string());
    }
    if depth == 1 && matches!(header.keyword.as_str(), "install" | "instance") {
        return header.definition.clone();
    }
    None
}

/// The declared fields of definition `def` as seen from `module`: an operator's
/// settings, a template's parameters, a record type's fields.
fn declared_fields<'db>(
    db: &'db dyn Db,
    index: &ItemIndex,
    module: &str,
    def: &str,
) -> Option<(SourceFile, Vec<&'db FieldDecl>)> {
    let item = index.definition(module, def)?;
    let decl = index::decl(db, item);
    let fields = match decl.kind {
        DeclKind::Operator => decl.settings().collect(),
        DeclKind::Template | DeclKind::Type => decl.params.iter().collect(),
        _ => return None,
    };
    Some((item.file, fields))
}

fn field_of<'db>(
    db: &'db dyn Db,
    index: &ItemIndex,
    module: &str,
    def: &str,
    key: &str,
) -> Option<&'db FieldDecl> {
    let (_, fields) = declared_fields(db, index, module, def)?;
    fields.into_iter().find(|f| f.name.text == key)
}

/// The capability kind a type names (`storage_class`, `storage_class?`), if it is one.
fn capability(index: &ItemIndex, ty: &TypeExpr) -> Option<String> {
    match ty {
        TypeExpr::Named(n) if index.capability_kinds.contains(&n.text) => Some(n.text.clone()),
        TypeExpr::Optional(t, _) => capability(index, t),
        _ => None,
    }
}

/// The text of `span` of `file` (a span of its declarations).
fn source(db: &dyn Db, file: SourceFile, span: crate::diag::Span) -> String {
    let range = index::absolute(db, file, span).range();
    file.text(db).get(range).unwrap_or_default().to_string()
}

/// The fields of `def` not yet in `set`, with type and default as detail.
fn fields(
    db: &dyn Db,
    index: &ItemIndex,
    module: &str,
    def: &str,
    set: &IndexSet<String>,
) -> Vec<CompletionItem> {
    let Some((file, fields)) = declared_fields(db, index, module, def) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter(|f| !set.contains(&f.name.text))
        .map(|f| {
            let mut detail = source(db, file, f.ty.span());
            if let Some(d) = &f.default {
                detail.push_str(&format!(" = {}", source(db, file, d.span)));
            }
            CompletionItem {
                label: f.name.text.clone(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(detail),
                documentation: doc_comment(db, file, f).map(|value| {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    })
                }),
                insert_text: Some(format!("{} = ", f.name.text)),
                ..CompletionItem::default()
            }
        })
        .collect()
}

/// The values of capability `kind` provided on the clusters `on` (every cluster when
/// empty); quoted unless the quote is typed.
fn capability_values(
    db: &dyn Db,
    lab: Lab,
    kind: &str,
    on: &[String],
    quoted: bool,
) -> Vec<CompletionItem> {
    crate::lower::capability_clusters(db, lab)
        .iter()
        .filter(|((k, _), clusters)| {
            k == kind && (on.is_empty() || clusters.iter().any(|c| on.contains(c)))
        })
        .map(|((_, value), clusters)| CompletionItem {
            label: value.clone(),
            kind: Some(CompletionItemKind::VALUE),
            detail: Some(format!("{kind} on {}", clusters.join(", "))),
            insert_text: Some(if quoted {
                value.clone()
            } else {
                format!("\"{value}\"")
            }),
            ..CompletionItem::default()
        })
        .collect()
}

/// Completions in a declaration's header: the clusters after `on`, the operators after
/// `install`, the templates after `instance x =`.
fn header_names(index: &ItemIndex, module: &str, header: &str, lead: &str) -> Vec<CompletionItem> {
    let words: Vec<&str> = lead.split_whitespace().collect();
    let after_on = words.contains(&"on") && (lead.ends_with("on") || lead.ends_with(','));
    if after_on {
        return index
            .clusters
            .keys()
            .map(|c| item(c, CompletionItemKind::MODULE, "cluster"))
            .collect();
    }
    let wanted = match words.as_slice() {
        ["install"] => Some(DeclKind::Operator),
        ["instance", _, "="] => Some(DeclKind::Template),
        _ => None,
    };
    let Some(wanted) = wanted.filter(|_| !header.contains('{')) else {
        return Vec::new();
    };
    let mut out: Vec<CompletionItem> = Vec::new();
    for name in index.visible_definitions(module) {
        if index
            .definition(module, name)
            .is_some_and(|d| d.kind == wanted)
        {
            out.push(item(name, CompletionItemKind::CLASS, wanted.keyword()));
        }
    }
    out
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

/// The names an expression may use: components, clusters, pools, `cluster` and `lab`.
fn names(index: &ItemIndex) -> Vec<CompletionItem> {
    let mut out = vec![
        item(
            "cluster",
            CompletionItemKind::VARIABLE,
            "the cluster's record",
        ),
        item("lab", CompletionItemKind::VARIABLE, "the lab's record"),
    ];
    for name in index.component_names.keys() {
        out.push(item(name, CompletionItemKind::VARIABLE, "component"));
    }
    for name in index.clusters.keys() {
        out.push(item(name, CompletionItemKind::VARIABLE, "cluster"));
    }
    for name in index.pools.keys() {
        out.push(item(name, CompletionItemKind::VARIABLE, "pool"));
    }
    out
}

/// The modules a `use` may name: the stdlib's and the lab's files.
fn modules(db: &dyn Db, lab: Lab) -> Vec<CompletionItem> {
    lab.files(db)
        .iter()
        .map(|f| {
            let path = f.path(db);
            let detail = if super::diagnostics::is_stdlib(path) {
                "stdlib".to_string()
            } else {
                path.clone()
            };
            item(&module_name(path), CompletionItemKind::MODULE, &detail)
        })
        .collect()
}

/// The units a number may carry, replacing the letters typed after its digits.
fn units(text: &str, at: usize, word: &str) -> Vec<CompletionItem> {
    let digits = word
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .len();
    let start = at - (word.len() - digits);
    let range = super::text::range(text, start, at);
    crate::literal::unit_suffixes()
        .into_iter()
        .map(|(unit, what)| CompletionItem {
            label: unit.to_string(),
            kind: Some(CompletionItemKind::UNIT),
            detail: Some(what),
            filter_text: Some(format!("{}{unit}", &word[..digits])),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: unit.to_string(),
            })),
            ..CompletionItem::default()
        })
        .collect()
}
