//! `textDocument/semanticTokens/full` and `/range`: every token of a file, classified from
//! the pest trees of the items that parse (the parser's own idea of what each word is)
//! and the item index (whether a definition is the stdlib's), delta-encoded in UTF-16 as
//! the protocol wants. Comments come from the trivia layer, so they are coloured in the
//! chunks that do not parse too; the code of those chunks gets no tokens (the parser
//! does not know what it is).

use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};
use pest::iterators::Pair;

use crate::db::{module_name, Db, Lab, SourceFile};
use crate::sema::index::{item_index, ItemIndex};
use crate::syntax::parse::{item_trees, Rule};
use crate::syntax::trivia::Trivia;

/// The token types, in the legend's order (a token's type is its index here).
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::CLASS,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
];

/// The kinds of token, the index of each in [`TYPES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Namespace = 0,
    Type = 1,
    Class = 2,
    Property = 3,
    Variable = 4,
    Function = 5,
    Keyword = 6,
    Str = 7,
    Number = 8,
    Comment = 9,
    Operator = 10,
}

/// Modifier bits, in the legend's order.
const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;

/// The legend `initialize` announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

/// One token before encoding: a byte range of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Raw {
    start: usize,
    end: usize,
    kind: Kind,
    modifiers: u32,
}

/// What a `name` of a declaration header stands for.
#[derive(Clone, Copy)]
enum NameRole {
    /// The name the declaration declares.
    Declared(Kind),
    /// A definition it instantiates.
    Definition,
    /// A cluster it is placed on.
    Cluster,
}

/// The role of the `nth` `name` child (from 0) of a pair of rule `rule`.
fn name_role(rule: Rule, nth: usize) -> NameRole {
    match (rule, nth) {
        (Rule::type_decl | Rule::operator_decl | Rule::template_decl, _) => {
            NameRole::Declared(Kind::Class)
        }
        (Rule::namespace_decl, _) => NameRole::Declared(Kind::Namespace),
        (Rule::install_decl | Rule::include_stmt, _) => NameRole::Definition,
        (Rule::instance_decl, 1) => NameRole::Definition,
        (Rule::pool_decl | Rule::tenant_decl, 1) | (Rule::name_list, _) => NameRole::Cluster,
        _ => NameRole::Declared(Kind::Variable),
    }
}

/// The kind of an `ident` directly inside a pair of rule `parent`.
fn ident_kind(parent: Rule) -> (Kind, u32) {
    match parent {
        Rule::field_decl => (Kind::Property, DECLARATION),
        Rule::key_path | Rule::arg => (Kind::Property, 0),
        // There are no user functions: every call is a builtin.
        Rule::call => (Kind::Function, DEFAULT_LIBRARY),
        Rule::for_stmt | Rule::list_comp | Rule::rec_for => (Kind::Variable, DECLARATION),
        // A capability kind, or a Kubernetes kind.
        Rule::provides_stmt | Rule::capacity_stmt | Rule::consumes_stmt => (Kind::Type, 0),
        Rule::resource_stmt | Rule::patch_stmt | Rule::crd_kind => (Kind::Class, 0),
        _ => (Kind::Variable, 0),
    }
}

fn literal_kind(rule: Rule) -> Option<Kind> {
    match rule {
        Rule::int_lit
        | Rule::decimal_lit
        | Rule::unit_lit
        | Rule::percent_lit
        | Rule::ip_lit
        | Rule::cidr_lit => Some(Kind::Number),
        Rule::bool_lit | Rule::null_lit | Rule::of_op | Rule::cluster_scope | Rule::once_stmt => {
            Some(Kind::Keyword)
        }
        Rule::not_op
        | Rule::neg_op
        | Rule::range_op
        | Rule::or_op
        | Rule::and_op
        | Rule::eq_op
        | Rule::ne_op
        | Rule::le_op
        | Rule::ge_op
        | Rule::lt_op
        | Rule::gt_op
        | Rule::add_op
        | Rule::sub_op
        | Rule::mul_op
        | Rule::div_op => Some(Kind::Operator),
        _ => None,
    }
}

struct Collector<'a> {
    db: &'a dyn Db,
    text: &'a str,
    trivia: Trivia,
    index: &'a ItemIndex,
    module: String,
    out: Vec<Raw>,
}

impl Collector<'_> {
    fn push(&mut self, start: usize, end: usize, kind: Kind, modifiers: u32) {
        if start < end {
            self.out.push(Raw {
                start,
                end,
                kind,
                modifiers,
            });
        }
    }

    /// The modifiers of a definition named `name` here: the stdlib's are default library.
    fn definition_modifiers(&self, name: &str) -> u32 {
        match self.index.definition(&self.module, name) {
            Some(d) if super::diagnostics::is_stdlib(d.file.path(self.db)) => DEFAULT_LIBRARY,
            _ => 0,
        }
    }

    /// The text between tokens, `start..end`: comments, keywords and `=`. `code` is false
    /// between top-level items, where only comments are known to be what they look like.
    fn gap(&mut self, start: usize, end: usize, code: bool) {
        let bytes = self.text.as_bytes();
        let mut i = start;
        while i < end {
            if let Some(c) = self.trivia.comment_at(i) {
                let stop = c.span.range().end.max(i + 1);
                self.push(i, stop.min(self.text.len()), Kind::Comment, 0);
                i = stop;
                continue;
            }
            let b = bytes[i];
            if code && (b.is_ascii_alphabetic() || b == b'_') {
                let mut stop = i;
                while stop < end && (bytes[stop].is_ascii_alphanumeric() || bytes[stop] == b'_') {
                    stop += 1;
                }
                self.push(i, stop, Kind::Keyword, 0);
                i = stop;
                continue;
            }
            if code && b == b'=' {
                self.push(i, i + 1, Kind::Operator, 0);
            }
            i += 1;
        }
    }

    /// Pair `p` (spans relative to `base`) inside a pair of rule `parent`.
    fn walk(&mut self, p: Pair<'_, Rule>, base: usize, parent: Rule, nth_name: usize) {
        let rule = p.as_rule();
        let (start, end) = (base + p.as_span().start(), base + p.as_span().end());
        let text = p.as_str();
        match rule {
            Rule::string | Rule::bstr => return self.string(p, base),
            Rule::module_path => {
                let modifiers = if text == "std" || text.starts_with("std.") {
                    DEFAULT_LIBRARY
                } else {
                    0
                };
                return self.push(start, end, Kind::Namespace, modifiers);
            }
            Rule::name => {
                let (kind, modifiers) = match name_role(parent, nth_name) {
                    NameRole::Declared(kind) => (kind, DECLARATION),
                    NameRole::Definition => (Kind::Class, self.definition_modifiers(text)),
                    NameRole::Cluster => (Kind::Variable, 0),
                };
                return self.push(start, end, kind, modifiers);
            }
            Rule::ident => {
                let (kind, modifiers) = ident_kind(parent);
                return self.push(start, end, kind, modifiers);
            }
            Rule::var => {
                let builtin = matches!(text, "cluster" | "lab");
                let modifiers = if builtin { DEFAULT_LIBRARY } else { 0 };
                return self.push(start, end, Kind::Variable, modifiers);
            }
            Rule::field_access => return self.push(start + 1, end, Kind::Property, 0),
            Rule::named_type | Rule::type_name => {
                let (kind, modifiers) = if self.index.definition(&self.module, text).is_some() {
                    (Kind::Class, self.definition_modifiers(text))
                } else {
                    // A built-in type (`int`, `storage_class`).
                    (Kind::Type, DEFAULT_LIBRARY)
                };
                return self.push(start, end, kind, modifiers);
            }
            _ => {}
        }
        if let Some(kind) = literal_kind(rule) {
            return self.push(start, end, kind, 0);
        }
        let mut cursor = start;
        let mut names = 0;
        for child in p.into_inner() {
            let child_start = base + child.as_span().start();
            let child_end = base + child.as_span().end();
            self.gap(cursor, child_start, true);
            let is_name = child.as_rule() == Rule::name;
            self.walk(child, base, rule, names);
            names += usize::from(is_name);
            cursor = child_end;
        }
        self.gap(cursor, end, true);
    }

    /// A string: its text (quotes included) is one string token around each
    /// interpolation, whose expression is walked as code.
    fn string(&mut self, p: Pair<'_, Rule>, base: usize) {
        let (start, end) = (base + p.as_span().start(), base + p.as_span().end());
        let mut cursor = start;
        for child in p.into_inner() {
            if child.as_rule() != Rule::interp {
                continue;
            }
            let (s, e) = (base + child.as_span().start(), base + child.as_span().end());
            self.push(cursor, s, Kind::Str, 0);
            self.push(s, (s + 2).min(e), Kind::Operator, 0);
            let mut inner = s + 2;
            for expr in child.into_inner() {
                self.gap(inner, base + expr.as_span().start(), true);
                inner = base + expr.as_span().end();
                self.walk(expr, base, Rule::interp, 0);
            }
            self.gap(inner, e.saturating_sub(1), true);
            self.push(e.saturating_sub(1).max(inner), e, Kind::Operator, 0);
            cursor = e;
        }
        self.push(cursor, end, Kind::Str, 0);
    }
}

/// The tokens of `file` in order, as byte ranges; those of `within` only, when given.
fn raw_tokens(db: &dyn Db, lab: Lab, file: SourceFile) -> Vec<Raw> {
    let text = file.text(db);
    let mut c = Collector {
        db,
        text,
        trivia: Trivia::of(text),
        index: item_index(db, lab),
        module: module_name(file.path(db)),
        out: Vec::new(),
    };
    let mut cursor = 0;
    for (base, pair) in item_trees(text) {
        let start = base + pair.as_span().start();
        let end = base + pair.as_span().end();
        c.gap(cursor, start, false);
        c.walk(pair, base, Rule::item, 0);
        cursor = end;
    }
    c.gap(cursor, text.len(), false);
    let mut out = split_lines(text, c.out);
    out.sort_by_key(|t| (t.start, t.end));
    // Never overlapping: a later token starting inside an earlier one is dropped.
    let mut end = 0;
    out.retain(|t| {
        let keep = t.start >= end;
        if keep {
            end = t.end;
        }
        keep
    });
    out
}

/// Tokens that span lines split into one per line (clients need not support multiline
/// tokens), without the line breaks.
fn split_lines(text: &str, tokens: Vec<Raw>) -> Vec<Raw> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let mut start = t.start;
        for (i, _) in text[t.start..t.end].match_indices('\n') {
            let stop = t.start + i;
            let stop = if text[..stop].ends_with('\r') {
                stop - 1
            } else {
                stop
            };
            out.push(Raw {
                start,
                end: stop,
                ..t
            });
            start = t.start + i + 1;
        }
        out.push(Raw { start, ..t });
    }
    out.retain(|t| t.start < t.end);
    out
}

/// The semantic tokens of `file`, delta-encoded; only those that meet the byte range
/// `within`, when given.
pub fn semantic_tokens(
    db: &dyn Db,
    lab: Lab,
    file: SourceFile,
    within: Option<std::ops::Range<usize>>,
) -> Vec<SemanticToken> {
    let text = file.text(db);
    let raw = raw_tokens(db, lab, file);
    let mut out = Vec::with_capacity(raw.len());
    let (mut line, mut col) = (0u32, 0u32);
    // The tokens are in order, so their positions come from one pass over the text.
    let mut scan = Scan::default();
    for t in raw {
        if let Some(r) = &within {
            if t.end <= r.start || t.start >= r.end {
                continue;
            }
        }
        let at = scan.to(text, t.start);
        let length = text[t.start..t.end].encode_utf16().count() as u32;
        let delta_line = at.line - line;
        let delta_start = if delta_line == 0 {
            at.character - col
        } else {
            at.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: t.kind as u32,
            token_modifiers_bitset: t.modifiers,
        });
        (line, col) = (at.line, at.character);
    }
    out
}

/// A position moved forward through a text: the byte offset and its UTF-16 line and
/// column.
#[derive(Default)]
struct Scan {
    at: usize,
    line: u32,
    character: u32,
}

impl Scan {
    /// The position of byte `to`, at or after the last one asked for.
    fn to(&mut self, text: &str, to: usize) -> lsp_types::Position {
        for c in text[self.at..to].chars() {
            if c == '\n' {
                self.line += 1;
                self.character = 0;
            } else {
                self.character += c.len_utf16() as u32;
            }
        }
        self.at = to;
        lsp_types::Position {
            line: self.line,
            character: self.character,
        }
    }
}
