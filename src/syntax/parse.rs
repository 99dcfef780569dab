//! pest parse of one file into the owned AST, with error recovery between declarations.
//!
//! pest stops at its first failure, so the driver parses one top-level item at a time.
//! After a failure it records the error and resumes at the next line that starts (in
//! column 0) with a declaration keyword. A nesting-depth guard runs before pest so that
//! pathological input (thousands of `[`) is an error, not a stack overflow.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use crate::diag::codes;

mod block;
mod hints;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/lab.pest"]
struct LabParser;

/// Whether `text` is one identifier of the grammar (`ident`: not a reserved word, a
/// letter or `_` first, inner dashes), all of it: what a declaration or a setting may be
/// named, as a rename checks.
pub fn is_identifier(text: &str) -> bool {
    LabParser::parse(Rule::ident, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_str().len() == text.len())
}

/// A syntax error: where, what was expected, and maybe a hint.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    /// `E0101` for what the grammar rejects, `E0102` for what is too deep or too long.
    pub code: &'static str,
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// A second place the message refers to, with its label: where the parser stopped
    /// when the error is an unclosed bracket further up.
    pub secondary: Option<(Span, String)>,
    /// What replaces `span` to fix it, when that is known (the quoted version): the
    /// editor's quick fix.
    pub fix: Option<String>,
}

/// Deepest bracket nesting accepted. Real labs stay far below; the limit keeps the
/// recursive-descent parser and the evaluator off the end of the stack.
pub const MAX_NESTING: usize = 64;

/// Longest operator chain (`a + b + ...`), field chain (`a.b.c...`) or prefix run
/// (`!!x`) in one expression. Each link is a level of the syntax tree, which the
/// evaluator walks recursively; real labs use a handful.
/// The same limit bounds the keys of one key path (`a.b.c = 1`: each key is a level of
/// records) and the nesting of `if` expressions inside one another.
pub const MAX_CHAIN: usize = 32;

/// Most `else if` links of one `if` statement or expression. Each link is a level of the
/// syntax tree; real labs use a few.
pub const MAX_ELSE_IF: usize = 64;

/// The keywords that start a top-level declaration (at the start of a line, where the
/// parser resynchronises after an error and the language server's completion finds the
/// declaration around the cursor).
pub const DECL_KEYWORDS: &[&str] = &[
    "lab",
    "cluster",
    "pool",
    "type",
    "operator",
    "template",
    "install",
    "instance",
    "tenant",
    "use",
    "namespace",
    "pins",
];

/// Parse a whole file. Never fails: errors are returned beside what did parse.
pub fn parse_file(text: &str) -> (FileAst, Vec<SyntaxError>) {
    let mut ast = FileAst::default();
    let mut errors = Vec::new();
    drive(text, |chunk| match chunk {
        Chunk::Item(pos, pair) => {
            // A declaration's spans are relative to its start (see `diag::span`); a `use`
            // line's are absolute.
            let is_use = pair.as_rule() == Rule::use_decl;
            let b = Builder {
                base: pos,
                anchor: (!is_use).then_some(ast.decls.len()),
                errors: Default::default(),
                if_depth: Default::default(),
            };
            if is_use {
                ast.uses.push(b.use_decl(pair));
            } else {
                ast.decls.push(b.decl(pair));
                ast.decl_starts.push(pos as u32);
            }
            errors.extend(b.errors.into_inner().into_iter().map(|mut e| {
                e.span = e.span.absolute(&ast.decl_starts);
                if let Some((span, _)) = &mut e.secondary {
                    *span = span.absolute(&ast.decl_starts);
                }
                e
            }));
        }
        Chunk::Overflow(pos, overflow) => errors.push(match overflow {
            Overflow::Nesting { at, depth } => SyntaxError {
                code: codes::E0102,
                span: Span::new(pos + at, pos + at + 1),
                message: format!("brackets are nested more than {MAX_NESTING} levels deep"),
                label: format!("nesting level {depth} starts here"),
                help: Some("split the value into named declarations or templates".into()),
                secondary: None,
                fix: None,
            },
            Overflow::ElseIf { at } => else_if_error(Span::new(pos + at, pos + at + 2)),
        }),
        Chunk::Error(pos, chunk_end, err) => errors.push(syntax_error(text, pos, chunk_end, err)),
    });
    (ast, errors)
}

/// The pest trees of the top-level items that parse, each with its byte offset in `text`
/// (pest's spans are relative to it), found by the same driver as [`parse_file`]: for the
/// formatter and the trivia layer, which need every token's span. Chunks with syntax
/// errors are left out.
pub fn item_trees(text: &str) -> Vec<(usize, Pair<'_, Rule>)> {
    let mut items = Vec::new();
    drive(text, |chunk| {
        if let Chunk::Item(pos, pair) = chunk {
            items.push((pos, pair));
        }
    });
    items
}

/// What the driver found at one place of a file.
enum Chunk<'a> {
    /// A top-level item that parsed, at this byte offset.
    Item(usize, Pair<'a, Rule>),
    /// A chunk (at this offset) refused before parsing: too deep or too long a chain.
    Overflow(usize, Overflow),
    /// A chunk from this offset to the next declaration keyword that does not parse.
    Error(usize, usize, pest::error::Error<Rule>),
}

/// The driver of [`parse_file`] and [`item_trees`]: one top-level item at a time, and
/// after a syntax error on to the next line that starts with a declaration keyword, so
/// one run finds several errors per file. Each item is handed to `on` as it is parsed,
/// so no more than one item's pest tree is alive at once unless `on` keeps it.
fn drive<'a>(text: &'a str, mut on: impl FnMut(Chunk<'a>)) {
    // A byte-order mark (editors on Windows write one) is trivia. It is skipped, not
    // removed, so spans stay byte offsets into the text as given.
    let mut pos = if text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    while pos < text.len() {
        pos = skip_trivia(text, pos);
        if pos >= text.len() {
            break;
        }
        // Search from the next character, not the next byte: the item may start with a
        // multi-byte character (`é`, U+FFFD for invalid UTF-8).
        let chunk_end = next_item_start(text, next_char(text, pos)).unwrap_or(text.len());
        if let Some(overflow) = pre_scan(&text[pos..chunk_end]) {
            on(Chunk::Overflow(pos, overflow));
            pos = chunk_end;
            continue;
        }
        match LabParser::parse(Rule::item, &text[pos..]) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else {
                    pos = chunk_end;
                    continue;
                };
                let consumed = pair.as_span().end();
                on(Chunk::Item(pos, pair));
                pos = if consumed > 0 {
                    pos + consumed
                } else {
                    next_char(text, pos)
                };
            }
            Err(err) => {
                on(Chunk::Error(pos, chunk_end, err));
                pos = chunk_end;
            }
        }
    }
}

/// U+FEFF, the byte-order mark, accepted once at the start of a file.
const BOM: char = '\u{feff}';

/// The offset of the character after the one at `pos` (a character boundary).
fn next_char(text: &str, pos: usize) -> usize {
    pos + text[pos..].chars().next().map_or(1, char::len_utf8)
}

/// Skip whitespace and comments.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                while pos < bytes.len() && bytes[pos] != b'\n' {
                    pos += 1;
                }
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                while pos < bytes.len() && bytes[pos] != b'\n' {
                    pos += 1;
                }
            }
            _ => break,
        }
    }
    pos
}

/// The start of the next line, at or after `from`, that begins with a declaration keyword.
fn next_item_start(text: &str, from: usize) -> Option<usize> {
    // Callers pass a character boundary; a byte inside a character would be searched from
    // the character's start rather than split it.
    let mut from = from.min(text.len());
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut line_start = text[..from].rfind('\n').map(|i| i + 1).unwrap_or(0);
    loop {
        if line_start >= from {
            let line = &text[line_start..];
            let word_end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(line.len());
            if DECL_KEYWORDS.contains(&&line[..word_end]) {
                return Some(line_start);
            }
        }
        let next = text[line_start..].find('\n')?;
        line_start += next + 1;
        if line_start >= text.len() {
            return None;
        }
    }
}

/// What the scan before pest found over a limit.
#[derive(Debug, PartialEq)]
enum Overflow {
    /// The bracket at `at` opens nesting level `depth`.
    Nesting { at: usize, depth: usize },
    /// The `if` at `at` has more than `MAX_ELSE_IF` `else if` links.
    ElseIf { at: usize },
}

/// A scan of one item's text before pest sees it, for what would make pest recurse
/// too deeply or work too long: bracket nesting (outside strings and comments; an
/// interpolation `${` in a string opens a level like a bracket) and `else if` chains. A
/// chain is counted per bracket level: it starts at an `if` not preceded by `else`, and
/// every `else if` at that level until the next such `if` is a link of it. The AST
/// builder checks the chains too; this scan spares pest the work (a chain of 30,000 links
/// takes pest seconds in a debug build).
fn pre_scan(chunk: &str) -> Option<Overflow> {
    let b = chunk.as_bytes();
    // Per open level: where its current `if` chain starts, its links, and the string the
    // level is an interpolation of (its `}` returns into it).
    let mut levels: Vec<(usize, usize, InStr)> = vec![(0, 0, InStr::No)];
    let mut in_str = InStr::No;
    let mut after_else = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let mut next = i + 1;
        let mut was_else = false;
        let mut opens = None;
        if in_str != InStr::No {
            match c {
                // A newline ends an unclosed plain string, as pest will report; a block
                // string ends only at `"""`.
                b'"' | b'\n' if in_str == InStr::Plain => in_str = InStr::No,
                b'"' if b[i..].starts_with(b"\"\"\"") => {
                    next = i + 3;
                    in_str = InStr::No;
                }
                b'\\' => next = i + 2,
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    next = i + 2;
                    opens = Some(in_str);
                    in_str = InStr::No;
                }
                _ => {}
            }
        } else {
            match c {
                b'"' if b[i..].starts_with(b"\"\"\"") => {
                    next = i + 3;
                    in_str = InStr::Block;
                }
                b'"' => in_str = InStr::Plain,
                b'#' | b'/' if c == b'#' || b.get(i + 1) == Some(&b'/') => {
                    while next < b.len() && b[next] != b'\n' {
                        next += 1;
                    }
                    // A comment between `else` and `if` is whitespace.
                    was_else = after_else;
                }
                b'(' | b'[' | b'{' => opens = Some(InStr::No),
                // A closing bracket without an opening one is pest's to report.
                b')' | b']' | b'}' if levels.len() > 1 => {
                    in_str = levels.pop().map_or(InStr::No, |(_, _, s)| s);
                }
                c if c.is_ascii_alphanumeric() || c == b'_' => {
                    while next < b.len()
                        && (b[next].is_ascii_alphanumeric()
                            || b[next] == b'_'
                            || b[next] == b'-'
                                && b.get(next + 1).is_some_and(|n| n.is_ascii_alphanumeric()))
                    {
                        next += 1;
                    }
                    let level = levels.last_mut().expect("the top level is never popped");
                    match &b[i..next] {
                        b"if" if after_else => {
                            level.1 += 1;
                            if level.1 > MAX_ELSE_IF {
                                return Some(Overflow::ElseIf { at: level.0 });
                            }
                        }
                        b"if" => (level.0, level.1) = (i, 0),
                        b"else" => was_else = true,
                        _ => {}
                    }
                }
                c if c.is_ascii_whitespace() => was_else = after_else,
                _ => {}
            }
        }
        if let Some(interp) = opens {
            levels.push((i, 0, interp));
            if levels.len() - 1 > MAX_NESTING {
                return Some(Overflow::Nesting {
                    at: i,
                    depth: levels.len() - 1,
                });
            }
        }
        after_else = was_else;
        i = next;
    }
    None
}

/// The offset after the `"""` that closes the block string opening at `start` (a `"""`
/// of `b`), or `to` when none does before it; escapes are skipped, interpolations are not
/// looked into (for the scans of text pest did not accept, where a guess is enough).
pub(crate) fn block_string_end(b: &[u8], start: usize, to: usize) -> usize {
    let mut i = start + 3;
    while i < to {
        if b[i] == b'\\' {
            i += 2;
        } else if b[i..to].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    to
}

/// Where `pre_scan` is: in code, in a plain `"..."` string or in a `"""` block string.
#[derive(Clone, Copy, PartialEq)]
enum InStr {
    No,
    Plain,
    Block,
}

/// An `if` with too many `else if` links (`span`: its `if` keyword).
fn else_if_error(span: Span) -> SyntaxError {
    SyntaxError {
        code: codes::E0102,
        span,
        message: format!("this `if` has more than {MAX_ELSE_IF} `else if` branches"),
        label: "too many branches".into(),
        help: Some("choose the value from a record instead: `{ a = 1, b = 2 }[key]`".into()),
        secondary: None,
        fix: None,
    }
}

/// What a rule of the grammar is, in the words of a message (`expected a value`). Total,
/// without a fallback: a new rule does not compile until it has words, so no message
/// ever shows a rule name (`add_op`, `str_text`).
fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::WHITESPACE => "a space",
        Rule::COMMENT => "a comment",
        Rule::keyword => "a reserved word",
        Rule::name | Rule::ident | Rule::var | Rule::ident_char | Rule::kw_end => "a name",
        Rule::module_path => "a module path",
        Rule::item | Rule::decl => "a declaration",
        Rule::body => "`{`",
        Rule::expr
        | Rule::postfix_expr
        | Rule::prefix
        | Rule::primary
        | Rule::paren
        | Rule::call
        | Rule::if_expr
        | Rule::else_if_expr
        | Rule::list
        | Rule::list_comp
        | Rule::typed_record
        | Rule::literal => "a value",
        Rule::string => "a string",
        Rule::str_text => "string text",
        Rule::escape => "an escape like `\\n`",
        Rule::interp => "an interpolation `${...}`",
        Rule::bstr => "a block string `\"\"\"`",
        Rule::bstr_open => "the end of the line after `\"\"\"`",
        Rule::bstr_text => "block string text",
        Rule::bstr_escape => "an escape like `\\n`",
        Rule::type_expr | Rule::named_type | Rule::list_type | Rule::map_type | Rule::opt_type => {
            "a type"
        }
        Rule::type_name => "a type name",
        Rule::use_decl | Rule::kw_use => "`use`",
        Rule::lab_decl | Rule::kw_lab => "`lab`",
        Rule::cluster_decl | Rule::kw_cluster => "`cluster`",
        Rule::pool_decl | Rule::kw_pool => "`pool`",
        Rule::type_decl | Rule::kw_type => "`type`",
        Rule::operator_decl | Rule::kw_operator => "`operator`",
        Rule::template_decl | Rule::kw_template => "`template`",
        Rule::install_decl | Rule::kw_install => "`install`",
        Rule::instance_decl | Rule::kw_instance => "`instance`",
        Rule::tenant_decl | Rule::kw_tenant => "`tenant`",
        Rule::namespace_decl | Rule::kw_namespace => "`namespace`",
        Rule::pins_decl | Rule::kw_pins => "`pins`",
        Rule::kw_on => "`on`",
        Rule::kw_as => "`as`",
        Rule::kw_in => "`in`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::params => "`(`",
        Rule::field_decl => "a field (`name: type`)",
        Rule::assign | Rule::block_assign | Rule::key_path | Rule::key => "a field (`key = value`)",
        Rule::stmt
        | Rule::stmt_kw
        | Rule::settings_stmt
        | Rule::crds_stmt
        | Rule::provides_stmt
        | Rule::capacity_stmt
        | Rule::require_stmt
        | Rule::manifest_stmt
        | Rule::once_stmt
        | Rule::consumes_stmt
        | Rule::resource_stmt
        | Rule::include_stmt
        | Rule::patch_stmt
        | Rule::for_stmt
        | Rule::if_stmt
        | Rule::else_if_stmt
        | Rule::kw_for
        | Rule::kw_if => "a statement",
        Rule::record | Rule::record_item | Rule::rec_for | Rule::rec_if => "a record entry",
        Rule::as_name => "`as`",
        Rule::name_list => "a cluster name",
        Rule::crd_kind => "a kind",
        Rule::cluster_scope => "`cluster`",
        Rule::crd_schema | Rule::kw_schema => "`schema`",
        Rule::in_ns => "`in`",
        Rule::arg => "an argument",
        Rule::not_op | Rule::neg_op => "`!` or `-`",
        Rule::infix
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
        | Rule::div_op
        | Rule::of_op => "an operator like `+`",
        Rule::postfix | Rule::field_access => "`.field`",
        Rule::index_access => "`[index]`",
        Rule::via_mesh | Rule::kw_via => "`via mesh`",
        Rule::bool_lit => "`true` or `false`",
        Rule::null_lit => "`null`",
        Rule::digits | Rule::int_lit | Rule::decimal_lit => "a number",
        Rule::ip_lit => "an IP address",
        Rule::cidr_lit => "a CIDR range",
        Rule::unit_lit => "a quantity like `2Gi`",
        Rule::percent_lit => "a percentage",
    }
}

/// The error of the item at `base` (its chunk ends at `chunk_end`) that pest rejected.
fn syntax_error(
    text: &str,
    base: usize,
    chunk_end: usize,
    err: pest::error::Error<Rule>,
) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match err.location {
        InputLocation::Pos(p) => base + p,
        InputLocation::Span((s, _)) => base + s,
    };
    let at = at.min(text.len());
    // pest gives up when the thread's stack runs low (nesting its input allows but the
    // guards above did not catch): too deep, not a misspelling.
    if let ErrorVariant::CustomError { message } = &err.variant {
        if message.ends_with("limit reached") {
            return SyntaxError {
                code: codes::E0102,
                span: Span::new(at, token_end(text, at)),
                message: "this declaration is nested too deeply to be parsed".into(),
                label: "nested too deeply here".into(),
                help: Some("split it into named parameters or templates".into()),
                secondary: None,
                fix: None,
            };
        }
    }
    if let Some(e) = unquoted_version(text, at) {
        return e;
    }
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<String> =
                positives.iter().map(|r| rule_name(r).to_string()).collect();
            // After a value, one word for all that could continue it.
            if names.iter().any(|n| n == rule_name(&Rule::add_op)) {
                names.retain(|n| {
                    ![Rule::field_access, Rule::index_access, Rule::via_mesh]
                        .iter()
                        .any(|r| rule_name(r) == n)
                });
            }
            // A `for` or `if` where a value may stand starts a comprehension or an `if`
            // expression: a value, not a statement.
            if names.iter().any(|n| n == rule_name(&Rule::expr)) {
                names.retain(|n| n != rule_name(&Rule::kw_if));
            }
            names.sort();
            names.dedup();
            names
        }
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    // Where a name or a value may stand, a reserved word there (or just before, as the
    // start of a `for` or `if` that cannot go on) was meant as a name.
    let wants_name = expected.iter().any(|e| {
        e.starts_with("a name")
            || e.starts_with("a value")
            || e.starts_with("a field")
            || e == "an argument"
            || e == "a record entry"
            || e == "a statement"
    });
    if wants_name {
        if let Some(e) = hints::reserved_word(text, at) {
            return e;
        }
    }
    if let Some(e) = hints::unclosed_bracket(text, base, at, chunk_end) {
        return e;
    }
    let end = token_end(text, at);
    let found = if at >= text.len() {
        "the end of the file".to_string()
    } else {
        let tok: String = text[at..end].chars().take(24).collect();
        format!("`{tok}`")
    };
    // After a key, the grammar wants `=` or a `{` block, but pest reports rules, not the
    // `=` token: say it in the user's terms and show which word was read as a key.
    let before = text[..at].trim_end();
    let key_before = before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"');
    if key_before
        && expected
            .iter()
            .any(|e| e == "a record entry" || e == "a statement")
    {
        // After the separator, which may be more than one byte (U+3000 is whitespace).
        let start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || "{}[](),=".contains(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let key = &before[start..];
        // A number is the end of a value (`id = 1` before a bad line), never a key.
        if key.starts_with(|c: char| c.is_ascii_digit()) {
            return generic_error(at, end, &expected, &found);
        }
        return SyntaxError {
            code: codes::E0101,
            span: Span::new(at, end),
            message: format!("expected `=` or `{{` after `{key}`, found {found}"),
            label: "expected `=` or `{`".into(),
            help: Some(format!("`{key}` is read as a field name; fields are written `name = value` or `name {{ ... }}`")),
            secondary: None,
            fix: None,
        };
    }
    generic_error(at, end, &expected, &found)
}

/// `expected A, B or C, found X`, at the token `at..end`.
fn generic_error(at: usize, end: usize, expected: &[String], found: &str) -> SyntaxError {
    let expected = match expected.len() {
        0 => "something else".to_string(),
        1 => expected[0].clone(),
        _ => {
            let (last, rest) = expected.split_last().expect("two or more");
            format!("{} or {}", rest.join(", "), last)
        }
    };
    SyntaxError {
        code: codes::E0101,
        span: Span::new(at, end),
        message: format!("expected {expected}, found {found}"),
        label: format!("expected {expected}"),
        help: None,
        secondary: None,
        fix: None,
    }
}

/// The end of the token starting at `at`: a word, a string, or one character.
fn token_end(text: &str, at: usize) -> usize {
    let rest = &text[at.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return text.len();
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
            .unwrap_or(rest.len())
    } else if first == '"' {
        // Up to the closing quote, or to the end of the line for an unclosed string.
        match rest[1..].find(['"', '\n']) {
            Some(i) if rest.as_bytes()[i + 1] == b'"' => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        }
    } else {
        first.len_utf8()
    };
    at + len
}

/// `1.18.3` written without quotes: the parser reads `1` and fails at `.18`. Recognise
/// the whole dotted number and say what to write instead.
fn unquoted_version(text: &str, at: usize) -> Option<SyntaxError> {
    let bytes = text.as_bytes();
    let mut start = at;
    while start > 0 && (bytes[start - 1].is_ascii_digit() || bytes[start - 1] == b'.') {
        start -= 1;
    }
    // A leading `v` (`v1.18.6`) belongs to the version too.
    let mut end = start;
    while end < bytes.len()
        && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'.' | b'-' | b'+'))
    {
        end += 1;
    }
    let word = &text[start..end];
    let dots = word.matches('.').count();
    let looks_like_version = word.starts_with(|c: char| c.is_ascii_digit())
        && dots == 2
        && word
            .split('.')
            .take(2)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !looks_like_version || start == at && !word.contains('.') {
        return None;
    }
    Some(SyntaxError {
        code: codes::E0101,
        span: Span::new(start, end),
        message: format!("a version must be written as a string: `\"{word}\"`"),
        label: "unquoted version".into(),
        help: Some(format!("write \"{word}\"")),
        secondary: None,
        fix: Some(format!("\"{word}\"")),
    })
}

/// The length of `text` without trailing whitespace and comments.
fn code_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&text[line_start..end]) {
            Some(at) => {
                let code_on_line = !text[line_start..line_start + at].trim().is_empty();
                end = text[..line_start + at].trim_end().len();
                if code_on_line || end == 0 {
                    return end;
                }
            }
            None => return end,
        }
    }
}

/// Where a comment starts on one line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'#' if !in_str => return Some(i),
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Turns pest pairs into AST nodes, shifting spans by the item's offset in the file.
/// Errors the grammar cannot express (interpolated keys) are collected in `errors`.
struct Builder {
    /// The item's offset in the file.
    base: usize,
    /// The index of the declaration being built, whose spans are relative to `base`;
    /// `None` for a `use` line, whose spans are absolute.
    anchor: Option<usize>,
    errors: std::cell::RefCell<Vec<SyntaxError>>,
    /// How many `if` expressions enclose the one being built.
    if_depth: std::cell::Cell<usize>,
}

impl Builder {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        // Pairs that end in an optional part also cover the whitespace and comments
        // skipped while trying it; diagnostics should underline the code only.
        let trimmed = code_len(p.as_str());
        match self.anchor {
            Some(decl) => Span::in_decl(decl, s.start(), s.start() + trimmed),
            None => Span::new(self.base + s.start(), self.base + s.start() + trimmed),
        }
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        let span = self.span(&p);
        // `name`/`var`/`named_type` wrap an `ident`; take the inner text either way.
        Ident {
            text: p.as_str().to_string(),
            span,
        }
    }

    fn use_decl(&self, p: Pair<Rule>) -> Use {
        let path = p.into_inner().next().expect("use has a path");
        Use {
            path: self.ident(path),
        }
    }

    fn decl(&self, p: Pair<Rule>) -> Decl {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::lab_decl => DeclKind::Lab,
            Rule::cluster_decl => DeclKind::Cluster,
            Rule::pool_decl => DeclKind::Pool,
            Rule::type_decl => DeclKind::Type,
            Rule::operator_decl => DeclKind::Operator,
            Rule::template_decl => DeclKind::Template,
            Rule::install_decl => DeclKind::Install,
            Rule::instance_decl => DeclKind::Instance,
            Rule::namespace_decl => DeclKind::Namespace,
            Rule::pins_decl => DeclKind::Pins,
            _ => DeclKind::Tenant,
        };
        let mut inner = p.into_inner();
        // `pins { ... }` has no name: it is named by its keyword, which its span starts with.
        let first = if kind == DeclKind::Pins {
            Ident {
                text: "pins".into(),
                span: Span {
                    end: span.start + 4,
                    ..span
                },
            }
        } else {
            self.ident(inner.next().expect("declaration has a name"))
        };
        let mut decl = Decl {
            kind,
            name: first.clone(),
            definition: None,
            on: Vec::new(),
            params: Vec::new(),
            body: Vec::new(),
            span,
        };
        match kind {
            DeclKind::Install => decl.definition = Some(first),
            DeclKind::Instance => {
                decl.definition = Some(self.ident(inner.next().expect("instance template")))
            }
            _ => {}
        }
        for part in inner {
            match part.as_rule() {
                Rule::as_name => decl.name = self.ident(part.into_inner().next().unwrap()),
                Rule::name => decl.on.push(self.ident(part)),
                Rule::name_list => {
                    decl.on.extend(part.into_inner().map(|n| self.ident(n)));
                }
                Rule::params => {
                    decl.params = part.into_inner().map(|f| self.field_decl(f)).collect()
                }
                Rule::field_decl => decl.params.push(self.field_decl(part)),
                Rule::body => decl.body = self.body(part),
                _ => {}
            }
        }
        decl
    }

    fn field_decl(&self, p: Pair<Rule>) -> FieldDecl {
        let mut inner = p.into_inner();
        let name = self.ident(inner.next().unwrap());
        let ty = self.type_expr(inner.next().unwrap());
        let default = inner.next().map(|e| self.expr(e));
        // From the name to the type or default; the pair itself also covers whitespace
        // skipped while looking for an optional `= default`.
        let end = default.as_ref().map_or(ty.span(), |d| d.span);
        let span = name.span.to(end);
        FieldDecl {
            name,
            ty,
            default,
            span,
        }
    }

    fn type_expr(&self, p: Pair<Rule>) -> TypeExpr {
        let span = self.span(&p);
        let p = if p.as_rule() == Rule::type_expr {
            p.into_inner().next().unwrap()
        } else {
            p
        };
        match p.as_rule() {
            Rule::list_type => TypeExpr::List(
                Box::new(self.type_expr(p.into_inner().next().unwrap())),
                span,
            ),
            Rule::map_type => TypeExpr::Map(
                Box::new(self.type_expr(p.into_inner().next().unwrap())),
                span,
            ),
            Rule::opt_type => TypeExpr::Optional(
                Box::new(self.type_expr(p.into_inner().next().unwrap())),
                span,
            ),
            _ => TypeExpr::Named(self.ident(p)),
        }
    }

    fn body(&self, p: Pair<Rule>) -> Vec<Stmt> {
        p.into_inner().map(|s| self.stmt(s)).collect()
    }

    fn key_path(&self, p: Pair<Rule>) -> KeyPath {
        let keys = p.clone().into_inner().count();
        if keys > MAX_CHAIN {
            self.errors.borrow_mut().push(SyntaxError {
                code: codes::E0102,
                span: self.span(&p),
                message: format!("this key path has {keys} keys; at most {MAX_CHAIN} are allowed"),
                label: "key path too long".into(),
                help: Some("each key is a level of records: write fewer levels".into()),
                secondary: None,
                fix: None,
            });
        }
        // Only the allowed keys are kept: later phases see a path of bounded depth.
        p.into_inner()
            .take(MAX_CHAIN)
            .map(|k| {
                if k.as_rule() == Rule::string {
                    let span = self.span(&k);
                    let e = self.string(k);
                    let text = e.as_plain_str().unwrap_or_else(|| {
                        self.errors.borrow_mut().push(SyntaxError {
                            code: codes::E0101,
                            span,
                            message: "a key cannot contain `${...}`".into(),
                            label: "interpolated key".into(),
                            help: Some("keys are fixed text; for a computed key write `map_of(key, value)`".into()),
                            secondary: None,
                            fix: None,
                        });
                        String::new()
                    });
                    Ident { text, span }
                } else {
                    self.ident(k)
                }
            })
            .collect()
    }

    /// `crds "group/version" { Kind, cluster Kind } schema "x"`
    fn crds_stmt(&self, p: Pair<Rule>, span: Span) -> Stmt {
        let mut inner = p.into_inner();
        let api_version = self.string(inner.next().unwrap());
        let mut schema = None;
        let kinds = inner
            .filter_map(|k| {
                if k.as_rule() == Rule::crd_schema {
                    schema = k.into_inner().next().map(|s| self.string(s));
                    return None;
                }
                let mut cluster_scoped = false;
                let mut kind = None;
                for part in k.into_inner() {
                    match part.as_rule() {
                        Rule::cluster_scope => cluster_scoped = true,
                        _ => kind = Some(self.ident(part)),
                    }
                }
                Some(CrdKind {
                    kind: kind.expect("crd kind"),
                    cluster_scoped,
                })
            })
            .collect();
        Stmt::Crds {
            api_version,
            kinds,
            schema,
            span,
        }
    }

    /// `resource "v1" Kind name [in namespace] { body }`
    fn resource_stmt(&self, p: Pair<Rule>, span: Span) -> Stmt {
        let mut inner = p.into_inner();
        let api_version = self.string(inner.next().unwrap());
        let kind = self.ident(inner.next().unwrap());
        let name = self.expr(inner.next().unwrap());
        let mut namespace = None;
        let mut body = Vec::new();
        for part in inner {
            match part.as_rule() {
                Rule::in_ns => namespace = Some(self.expr(part.into_inner().next().unwrap())),
                _ => body = self.record_items(part),
            }
        }
        Stmt::Resource(Box::new(ResourceStmt {
            api_version,
            kind,
            name,
            namespace,
            body,
            span,
        }))
    }

    /// `patch ["group/version"] Kind name { body }`
    fn patch_stmt(&self, p: Pair<Rule>, span: Span) -> Stmt {
        let mut parts: Vec<Pair<Rule>> = p.into_inner().collect();
        let api_version = (parts.first().map(|x| x.as_rule()) == Some(Rule::string))
            .then(|| self.string(parts.remove(0)));
        let mut inner = parts.into_iter();
        let kind = self.ident(inner.next().unwrap());
        let name = self.expr(inner.next().unwrap());
        let body = self.record_items(inner.next().unwrap());
        Stmt::Patch(Box::new(PatchStmt {
            api_version,
            kind,
            name,
            body,
            span,
        }))
    }

    fn stmt(&self, p: Pair<Rule>) -> Stmt {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::assign => {
                let mut inner = p.into_inner();
                let path = self.key_path(inner.next().unwrap());
                let value = self.expr(inner.next().unwrap());
                Stmt::Assign { path, value, span }
            }
            Rule::block_assign => {
                let mut inner = p.into_inner();
                let path = self.key_path(inner.next().unwrap());
                let rec = inner.next().unwrap();
                let value = Expr {
                    span: self.span(&rec),
                    kind: ExprKind::Record {
                        type_name: None,
                        items: self.record_items(rec),
                    },
                };
                Stmt::Assign { path, value, span }
            }
            Rule::settings_stmt => Stmt::Settings {
                fields: p.into_inner().map(|f| self.field_decl(f)).collect(),
                span,
            },
            Rule::crds_stmt => self.crds_stmt(p, span),
            Rule::provides_stmt => {
                let mut inner = p.into_inner();
                let capability = self.ident(inner.next().unwrap());
                let value = self.expr(inner.next().unwrap());
                Stmt::Provides {
                    capability,
                    value,
                    span,
                }
            }
            Rule::capacity_stmt => {
                let mut inner = p.into_inner();
                let kind = self.ident(inner.next().unwrap());
                let amount = self.expr(inner.next().unwrap());
                Stmt::Capacity { kind, amount, span }
            }
            Rule::consumes_stmt => {
                let mut inner = p.into_inner();
                let kind = self.ident(inner.next().unwrap());
                let provider = self.expr(inner.next().unwrap());
                let amount = self.expr(inner.next().unwrap());
                Stmt::Consumes {
                    kind,
                    provider,
                    amount,
                    span,
                }
            }
            Rule::require_stmt => {
                let mut inner = p.into_inner();
                let cond = self.expr(inner.next().unwrap());
                let message = self.expr(inner.next().unwrap());
                Stmt::Require {
                    cond,
                    message,
                    span,
                }
            }
            Rule::resource_stmt => self.resource_stmt(p, span),
            Rule::patch_stmt => self.patch_stmt(p, span),
            Rule::once_stmt => Stmt::Once { span },
            Rule::manifest_stmt => Stmt::Manifest {
                path: self.expr(p.into_inner().next().unwrap()),
                span,
            },
            Rule::include_stmt => {
                let mut inner = p.into_inner();
                let template = self.ident(inner.next().unwrap());
                let args = inner
                    .next()
                    .map(|r| self.record_items(r))
                    .unwrap_or_default();
                Stmt::Include {
                    template,
                    args,
                    span,
                }
            }
            Rule::for_stmt => {
                let mut inner = p.into_inner();
                let var = self.ident(inner.next().unwrap());
                let iter = self.expr(inner.next().unwrap());
                let body = self.body(inner.next().unwrap());
                Stmt::For {
                    var,
                    iter,
                    body,
                    span,
                }
            }
            _ => self.if_stmt(p, span),
        }
    }

    /// `if c { } else if d { } ... else { }`: the grammar repeats the `else if` links;
    /// here they become nested `Stmt::If`s, each spanning from its `if` to the end.
    fn if_stmt(&self, p: Pair<Rule>, span: Span) -> Stmt {
        let mut inner = p.into_inner();
        let cond = self.expr(inner.next().unwrap());
        let then = self.body(inner.next().unwrap());
        let rest: Vec<Pair<Rule>> = inner.collect();
        let links = rest
            .iter()
            .filter(|r| r.as_rule() == Rule::else_if_stmt)
            .count();
        if links > MAX_ELSE_IF {
            // Keep the first branch: dropping the others cannot make a later error up.
            self.else_if_error(span);
            return Stmt::If {
                cond,
                then,
                otherwise: Vec::new(),
                span,
            };
        }
        let mut chain = Vec::new();
        let mut otherwise = Vec::new();
        for part in rest {
            if part.as_rule() == Rule::else_if_stmt {
                let link_span = self.span(&part);
                let mut li = part.into_inner();
                let c = self.expr(li.next().unwrap());
                let t = self.body(li.next().unwrap());
                chain.push((c, t, link_span.start));
            } else {
                otherwise = self.body(part);
            }
        }
        for (cond, then, start) in chain.into_iter().rev() {
            otherwise = vec![Stmt::If {
                cond,
                then,
                otherwise,
                span: Span { start, ..span },
            }];
        }
        Stmt::If {
            cond,
            then,
            otherwise,
            span,
        }
    }

    /// `pre_scan` finds these first; the check here keeps the AST bounded on its own.
    fn else_if_error(&self, span: Span) {
        let keyword = Span {
            end: span.start + 2,
            ..span
        };
        self.errors.borrow_mut().push(else_if_error(keyword));
    }

    fn record_items(&self, p: Pair<Rule>) -> Vec<RecordItem> {
        p.into_inner().map(|i| self.record_item(i)).collect()
    }

    fn record_item(&self, p: Pair<Rule>) -> RecordItem {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::rec_for => {
                let mut inner = p.into_inner();
                let var = self.ident(inner.next().unwrap());
                let iter = self.expr(inner.next().unwrap());
                let body = self.record_items(inner.next().unwrap());
                RecordItem::For {
                    var,
                    iter,
                    body,
                    span,
                }
            }
            Rule::rec_if => {
                let mut inner = p.into_inner();
                let cond = self.expr(inner.next().unwrap());
                let then = self.record_items(inner.next().unwrap());
                let otherwise = inner
                    .next()
                    .map(|r| self.record_items(r))
                    .unwrap_or_default();
                RecordItem::If {
                    cond,
                    then,
                    otherwise,
                    span,
                }
            }
            _ => match self.stmt(p) {
                Stmt::Assign { path, value, span } => RecordItem::Field { path, value, span },
                _ => unreachable!("record items are assignments"),
            },
        }
    }

    fn string(&self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, t: &str| {
            if let Some(StrPart::Text(prev)) = parts.last_mut() {
                prev.push_str(t);
            } else {
                parts.push(StrPart::Text(t.to_string()));
            }
        };
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::str_text => push_text(&mut parts, part.as_str()),
                Rule::escape => {
                    let t = match &part.as_str()[1..] {
                        "n" => "\n",
                        "t" => "\t",
                        "r" => "\r",
                        "$" => "$",
                        "\"" => "\"",
                        _ => "\\",
                    };
                    push_text(&mut parts, t);
                }
                _ => parts.push(StrPart::Interp(
                    self.expr(part.into_inner().next().expect("interp expr")),
                )),
            }
        }
        Expr {
            kind: ExprKind::Str(parts),
            span,
        }
    }

    /// E0103 for an integer written with a leading zero whose octal reading is not its
    /// decimal one (`0775`): YAML 1.1 and many languages read it as octal, labc would read
    /// decimal, so the help gives both ways of writing what was meant. `00`..`07` mean the
    /// same in both bases and get the warning E0603 instead (`lint`). The literal stands as
    /// its decimal value, so the rest of the file is still checked.
    fn leading_zero(&self, text: &str, span: Span) -> ExprKind {
        let decimal = match text.trim_start_matches('0') {
            "" => "0",
            d => d,
        };
        let value = || match decimal.parse::<i64>() {
            Ok(n) => ExprKind::Int(n),
            Err(_) => ExprKind::Decimal(decimal.to_string()),
        };
        let (message, help) = match i64::from_str_radix(text, 8) {
            Ok(octal) if octal.to_string() == decimal => return value(),
            Ok(octal) => (
                format!("`{text}` has a leading zero: octal {text} is {octal}, decimal is {decimal}"),
                format!("octal {text} is {octal}: write {octal}, or write {decimal} if you meant decimal; for the text, write the string \"{text}\""),
            ),
            Err(_) => (
                format!("`{text}` has a leading zero but is not an octal number"),
                format!("write {decimal} for the number, or the string \"{text}\" if the zeros are meant"),
            ),
        };
        self.errors.borrow_mut().push(SyntaxError {
            code: codes::E0103,
            span,
            message,
            label: "integer with a leading zero".into(),
            help: Some(help),
            secondary: None,
            fix: None,
        });
        value()
    }

    /// Record a chain that is too long and stand in a `null` for the expression.
    fn too_long(&self, span: Span, what: &str, count: usize) -> Expr {
        self.errors.borrow_mut().push(SyntaxError {
            code: codes::E0102,
            span,
            message: format!(
                "this expression chains {count} {what}; at most {MAX_CHAIN} are allowed"
            ),
            label: "expression too long".into(),
            help: Some("split it with named parameters, `for` or a template".into()),
            secondary: None,
            fix: None,
        });
        Expr {
            kind: ExprKind::Null,
            span,
        }
    }

    fn expr(&self, p: Pair<Rule>) -> Expr {
        let p_span = self.span(&p);
        // expr = prefix* postfix_expr (infix prefix* postfix_expr)*; build operands with
        // their prefixes, then climb precedences.
        let mut operands: Vec<Expr> = Vec::new();
        let mut ops: Vec<(BinOp, Span)> = Vec::new();
        let mut prefixes: Vec<(UnOp, Span)> = Vec::new();
        for part in p.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::not_op => prefixes.push((UnOp::Not, span)),
                Rule::neg_op => prefixes.push((UnOp::Neg, span)),
                Rule::postfix_expr => {
                    if prefixes.len() > MAX_CHAIN {
                        return self.too_long(p_span, "prefix operators", prefixes.len());
                    }
                    let mut e = self.postfix(part);
                    while let Some((op, s)) = prefixes.pop() {
                        e = Expr {
                            span: s.to(e.span),
                            kind: ExprKind::Unary(op, Box::new(e)),
                        };
                    }
                    operands.push(e);
                }
                r => ops.push((binop(r), span)),
            }
        }
        if ops.len() > MAX_CHAIN {
            return self.too_long(p_span, "operators", ops.len());
        }
        climb(operands, ops)
    }

    fn postfix(&self, p: Pair<Rule>) -> Expr {
        let p_span = self.span(&p);
        let mut inner = p.into_inner();
        if inner.len() > MAX_CHAIN + 1 {
            return self.too_long(p_span, "field accesses or indexes", inner.len() - 1);
        }
        let mut e = self.primary(inner.next().unwrap());
        for post in inner {
            let span = self.span(&post);
            e = match post.as_rule() {
                Rule::field_access => {
                    let id = self.ident(post.into_inner().next().unwrap());
                    Expr {
                        span: e.span.to(span),
                        kind: ExprKind::Field(Box::new(e), id),
                    }
                }
                Rule::index_access => {
                    let index = self.expr(post.into_inner().next().unwrap());
                    Expr {
                        span: e.span.to(span),
                        kind: ExprKind::Index(Box::new(e), Box::new(index)),
                    }
                }
                _ => Expr {
                    span: e.span.to(span),
                    kind: ExprKind::ViaMesh(Box::new(e)),
                },
            };
        }
        e
    }

    fn primary(&self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let text = p.as_str();
        let kind = match p.as_rule() {
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::null_lit => ExprKind::Null,
            Rule::int_lit if text.len() > 1 && text.starts_with('0') => {
                self.leading_zero(text, span)
            }
            Rule::int_lit => match text.parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                // Too large for an int: keep it as a decimal so the checker reports it.
                Err(_) => ExprKind::Decimal(text.to_string()),
            },
            Rule::decimal_lit => ExprKind::Decimal(text.to_string()),
            Rule::unit_lit => ExprKind::Unit(text.to_string()),
            Rule::percent_lit => ExprKind::Percent(text.to_string()),
            Rule::ip_lit => ExprKind::Ip(text.to_string()),
            Rule::cidr_lit => ExprKind::Cidr(text.to_string()),
            Rule::string => return self.string(p),
            Rule::bstr => return self.block_string(p),
            Rule::var => ExprKind::Var(self.ident(p)),
            Rule::paren => return self.expr(p.into_inner().next().unwrap()),
            Rule::call => {
                let mut inner = p.into_inner();
                let func = self.ident(inner.next().unwrap());
                let args = inner
                    .map(|a| {
                        let mut ai = a.into_inner();
                        let first = ai.next().unwrap();
                        if first.as_rule() == Rule::ident {
                            Arg {
                                name: Some(self.ident(first)),
                                value: self.expr(ai.next().unwrap()),
                            }
                        } else {
                            Arg {
                                name: None,
                                value: self.expr(first),
                            }
                        }
                    })
                    .collect();
                ExprKind::Call { func, args }
            }
            Rule::if_expr => return self.if_expr(p, span),
            Rule::list => ExprKind::List(p.into_inner().map(|e| self.expr(e)).collect()),
            Rule::list_comp => {
                let parts: Vec<Pair<Rule>> = p.into_inner().collect();
                let var = self.ident(parts[0].clone());
                let iter = Box::new(self.expr(parts[1].clone()));
                let (filter, body) = if parts.len() == 4 {
                    (
                        Some(Box::new(self.expr(parts[2].clone()))),
                        self.expr(parts[3].clone()),
                    )
                } else {
                    (None, self.expr(parts[2].clone()))
                };
                ExprKind::ListComp {
                    var,
                    iter,
                    filter,
                    body: Box::new(body),
                }
            }
            Rule::typed_record => {
                let mut inner = p.into_inner();
                let type_name = Some(self.ident(inner.next().unwrap()));
                ExprKind::Record {
                    type_name,
                    items: self.record_items(inner.next().unwrap()),
                }
            }
            Rule::record => ExprKind::Record {
                type_name: None,
                items: self.record_items(p),
            },
            other => unreachable!("unexpected primary {other:?}"),
        };
        Expr { kind, span }
    }
}

impl Builder {
    /// `if c then a else if d then b ... else z`: nested `ExprKind::If`s, each spanning
    /// from its `if` to the end. Nesting `if`s inside one another (in a condition, a
    /// branch or an operand) is bounded separately from the `else if` links.
    fn if_expr(&self, p: Pair<Rule>, span: Span) -> Expr {
        let depth = self.if_depth.get();
        if depth >= MAX_CHAIN {
            self.errors.borrow_mut().push(SyntaxError {
                code: codes::E0102,
                span: Span {
                    end: span.start + 2,
                    ..span
                },
                message: format!(
                    "`if` expressions are nested more than {MAX_CHAIN} levels deep here"
                ),
                label: "nesting too deep".into(),
                help: Some("give the inner values names: parameters with defaults".into()),
                secondary: None,
                fix: None,
            });
            return Expr {
                kind: ExprKind::Null,
                span,
            };
        }
        let parts: Vec<Pair<Rule>> = p.into_inner().collect();
        // The condition, the first branch, the links and the last branch.
        let links = parts.len().saturating_sub(3);
        if links > MAX_ELSE_IF {
            self.else_if_error(span);
            return Expr {
                kind: ExprKind::Null,
                span,
            };
        }
        self.if_depth.set(depth + 1);
        let mut parts = parts.into_iter();
        let cond = self.expr(parts.next().unwrap());
        let then = self.expr(parts.next().unwrap());
        let mut chain = Vec::new();
        let mut otherwise = None;
        for part in parts {
            if part.as_rule() == Rule::else_if_expr {
                let start = self.span(&part).start;
                let mut li = part.into_inner();
                let c = self.expr(li.next().unwrap());
                let t = self.expr(li.next().unwrap());
                chain.push((c, t, start));
            } else {
                otherwise = Some(self.expr(part));
            }
        }
        self.if_depth.set(depth);
        let mut otherwise = otherwise.expect("an `if` expression has an `else`");
        for (cond, then, start) in chain.into_iter().rev() {
            otherwise = Expr {
                kind: ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span: Span { start, ..span },
            };
        }
        Expr {
            kind: ExprKind::If {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            span,
        }
    }
}

fn binop(rule: Rule) -> BinOp {
    match rule {
        Rule::range_op => BinOp::Range,
        Rule::or_op => BinOp::Or,
        Rule::and_op => BinOp::And,
        Rule::eq_op => BinOp::Eq,
        Rule::ne_op => BinOp::Ne,
        Rule::le_op => BinOp::Le,
        Rule::ge_op => BinOp::Ge,
        Rule::lt_op => BinOp::Lt,
        Rule::gt_op => BinOp::Gt,
        Rule::add_op => BinOp::Add,
        Rule::sub_op => BinOp::Sub,
        Rule::mul_op => BinOp::Mul,
        Rule::div_op => BinOp::Div,
        _ => BinOp::Of,
    }
}

/// Binding strength; higher binds tighter. All operators are left-associative.
fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Range => 1,
        BinOp::Or => 2,
        BinOp::And => 3,
        BinOp::Eq | BinOp::Ne | BinOp::Le | BinOp::Ge | BinOp::Lt | BinOp::Gt => 4,
        BinOp::Add | BinOp::Sub => 5,
        BinOp::Mul | BinOp::Div | BinOp::Of => 6,
    }
}

/// Shunting-yard over an operand/operator sequence.
fn climb(operands: Vec<Expr>, ops: Vec<(BinOp, Span)>) -> Expr {
    let mut out: Vec<Expr> = Vec::new();
    let mut stack: Vec<BinOp> = Vec::new();
    let mut operands = operands.into_iter();
    fn reduce(out: &mut Vec<Expr>, op: BinOp) {
        let r = out.pop().unwrap();
        let l = out.pop().unwrap();
        out.push(Expr {
            span: l.span.to(r.span),
            kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
        });
    }
    out.push(operands.next().expect("an expression has an operand"));
    for (op, _) in ops {
        while let Some(&top) = stack.last() {
            if precedence(top) >= precedence(op) {
                stack.pop();
                reduce(&mut out, top);
            } else {
                break;
            }
        }
        stack.push(op);
        out.push(operands.next().expect("operator has a right operand"));
    }
    while let Some(op) = stack.pop() {
        reduce(&mut out, op);
    }
    out.pop().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_declarations_and_recovers() {
        let src = "cluster a {\n  id = 1\n}\ncluster b {\n  id = = 2\n}\npool p on a { addresses = 10.0.0.1 .. 10.0.0.9 }\n";
        let (ast, errs) = parse_file(src);
        assert_eq!(ast.decls.len(), 2, "{errs:?}");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("expected"), "{}", errs[0].message);
    }

    #[test]
    fn spans_stop_before_trailing_comments() {
        assert_eq!(code_len("x = 1  # one\n  # two\n"), 5);
        assert_eq!(code_len("url = \"oci://a\" // c"), 15);
        assert_eq!(code_len("s = \"a # b\""), 11);
        assert_eq!(code_len("# only a comment"), 0);
    }

    #[test]
    fn precedence_climbs() {
        let (ast, errs) = parse_file("lab l { x = 1 + 2 * 3 }");
        assert!(errs.is_empty(), "{errs:?}");
        let Stmt::Assign { value, .. } = &ast.decls[0].body[0] else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Add, _, r) = &value.kind else {
            panic!("{value:?}")
        };
        assert!(matches!(r.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!(
            "lab l {{ x = {}{} }}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let (_, errs) = parse_file(&src);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("nested"));
    }

    #[test]
    fn a_byte_order_mark_is_trivia_and_spans_stay_offsets_into_the_text() {
        let src = "\u{feff}lab l { x = 1 }\n";
        let (ast, errs) = parse_file(src);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ast.decls.len(), 1);
        let span = ast.decls[0].span.absolute(&ast.decl_starts);
        assert_eq!(&src[span.range()], "lab l { x = 1 }");
        // Only at the start: elsewhere it is a stray character like any other.
        let (_, errs) = parse_file("lab l { x = 1 }\n\u{feff}lab m { x = 1 }\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
    }

    #[test]
    fn items_starting_with_a_multi_byte_character_are_errors_not_panics() {
        for src in [
            "lab l { x = 1 }\n\u{e9}\n",
            "lab l { x = 1 }\n\u{fffd}\u{fffd}\ncluster c { id = 1 }\n",
            "\u{e9}",
            "\u{feff}\u{feff}",
            "lab l { a\u{3000}b }",
            "lab l { \u{e9}\u{3000}x }",
        ] {
            let (_, errs) = parse_file(src);
            assert!(!errs.is_empty(), "{src:?}");
            for e in &errs {
                assert!(src.is_char_boundary(e.span.range().start), "{src:?}: {e:?}");
                assert!(src.is_char_boundary(e.span.range().end), "{src:?}: {e:?}");
            }
        }
        // Recovery still finds the declaration after the stray characters.
        let (ast, _) = parse_file("lab l { x = 1 }\n\u{fffd}\ncluster c { id = 1 }\n");
        assert_eq!(ast.decls.len(), 2);
    }

    /// The one error of `src`, which must be an E0102.
    fn one_e0102(src: &str) -> SyntaxError {
        let (_, errs) = parse_file(src);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].code, codes::E0102, "{errs:?}");
        errs.into_iter().next().unwrap()
    }

    #[test]
    fn else_if_chains_are_bounded() {
        let stmt = |n: usize| {
            format!(
                "tenant t on c {{\n  if a {{ x = 1 }}{}\n  else {{ x = 3 }}\n}}\n",
                " else if b { x = 2 }".repeat(n)
            )
        };
        let expr = |n: usize| {
            format!(
                "lab l {{ x = if a then 1 {}else 3 }}",
                "else if b then 2 ".repeat(n)
            )
        };
        for src in [stmt(MAX_ELSE_IF), expr(MAX_ELSE_IF)] {
            let (_, errs) = parse_file(&src);
            assert!(errs.is_empty(), "{errs:?}");
        }
        for src in [
            stmt(MAX_ELSE_IF + 1),
            stmt(30_000),
            expr(MAX_ELSE_IF + 1),
            expr(30_000),
        ] {
            let e = one_e0102(&src);
            // At the `if` that starts the chain.
            assert_eq!(&src[e.span.range()], "if", "{e:?}");
            assert!(e.message.contains("`else if`"), "{}", e.message);
        }
    }

    #[test]
    fn else_if_links_nest_as_before() {
        let src = "tenant t on c {\n  if a { x = 1 } else if b { x = 2 } else { x = 3 }\n}";
        let (ast, errs) = parse_file(src);
        assert!(errs.is_empty(), "{errs:?}");
        let Stmt::If {
            otherwise, span, ..
        } = &ast.decls[0].body[0]
        else {
            panic!()
        };
        let Stmt::If {
            otherwise: last,
            span: inner,
            ..
        } = &otherwise[0]
        else {
            panic!("{otherwise:?}")
        };
        let at = |s: &Span| s.absolute(&ast.decl_starts).range();
        assert_eq!(
            &src[at(span)],
            &src[src.find("if a").unwrap()..src.len() - 2]
        );
        assert_eq!(&src[at(inner)], "if b { x = 2 } else { x = 3 }");
        assert_eq!(last.len(), 1);

        let src = "lab l { x = if a then 1 else if b then 2 else 3 }";
        let (ast, errs) = parse_file(src);
        assert!(errs.is_empty(), "{errs:?}");
        let Stmt::Assign { value, .. } = &ast.decls[0].body[0] else {
            panic!()
        };
        let ExprKind::If { otherwise, .. } = &value.kind else {
            panic!("{value:?}")
        };
        assert!(
            matches!(otherwise.kind, ExprKind::If { .. }),
            "{otherwise:?}"
        );
        let at = otherwise.span.absolute(&ast.decl_starts);
        assert_eq!(&src[at.range()], "if b then 2 else 3");
    }

    #[test]
    fn nested_if_expressions_are_bounded() {
        // In a branch, in an operand of the last branch, in a condition.
        let then = |n: usize| {
            format!(
                "lab l {{ x = {}1{} }}",
                "if a then ".repeat(n),
                " else 2".repeat(n)
            )
        };
        let operand = |n: usize| format!("lab l {{ x = {}1 }}", "if a then 1 else 1 + ".repeat(n));
        let cond = |n: usize| {
            format!(
                "lab l {{ x = {}a{} }}",
                "if ".repeat(n),
                " then 1 else 2".repeat(n)
            )
        };
        for make in [then, operand, cond] {
            let (_, errs) = parse_file(&make(MAX_CHAIN));
            assert!(errs.is_empty(), "{errs:?}");
            let e = one_e0102(&make(MAX_CHAIN + 1));
            assert!(e.message.contains("nested more than 32"), "{}", e.message);
            // Far deeper, pest itself may give up first (on a small stack): still one E0102.
            one_e0102(&make(10_000));
        }
    }

    #[test]
    fn key_paths_are_bounded() {
        let path = |n: usize| format!("lab l {{ {} = 1 }}", vec!["a"; n].join("."));
        let (ast, errs) = parse_file(&path(MAX_CHAIN));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ast.decls.len(), 1);
        for n in [MAX_CHAIN + 1, 30_000] {
            let src = path(n);
            let e = one_e0102(&src);
            assert!(
                e.message.contains(&format!("has {n} keys")),
                "{}",
                e.message
            );
            let (ast, _) = parse_file(&src);
            let Stmt::Assign { path, .. } = &ast.decls[0].body[0] else {
                panic!()
            };
            assert_eq!(path.len(), MAX_CHAIN, "later phases see a bounded path");
        }
    }

    #[test]
    fn brackets_in_comments_and_strings_do_not_count() {
        let many = "[".repeat(MAX_NESTING + 1);
        for src in [
            format!("lab l {{\n  # {many}\n  x = 1\n}}"),
            format!("lab l {{\n  // {many}\n  x = 1\n}}"),
            format!("lab l {{ x = \"{many}\" }}"),
            format!("lab l {{ x = \"${{ \"{many}\" }}\" }}"),
        ] {
            let (_, errs) = parse_file(&src);
            assert!(errs.is_empty(), "{src}: {errs:?}");
        }
        // Brackets in an interpolation are code, even after a string inside it.
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = one_e0102(&format!("lab l {{ x = \"${{ \"\"{deep} }}\" }}"));
        assert!(e.message.contains("nested more than 64"), "{}", e.message);
        // An interpolation is a level: alternating strings and brackets are counted.
        let e = one_e0102(&format!(
            "lab l {{ x = {}1{} }}",
            "[\"${".repeat(40),
            "}\"]".repeat(40)
        ));
        assert!(e.message.contains("nested more than 64"), "{}", e.message);
    }

    #[test]
    fn literals_and_strings() {
        let (ast, errs) = parse_file(
            "cluster c { a = 10.0.0.0/8, b = 2Gi, c = 90%, d = \"x${y}z\\${w}\", e = 1.5, f = -3 }",
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ast.decls[0].body.len(), 6);
    }
}
