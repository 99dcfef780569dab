//! A small hand-written YAML emitter whose quoting is safe for both YAML 1.1 and 1.2 readers.
//!
//! # Why not `serde_yaml`?
//!
//! `serde_yaml` has no per-scalar style API and emits strings such as `on`, `yes` or `12:30`
//! unquoted. Those read back as strings under YAML 1.2, but YAML 1.1 readers (PyYAML, go-yaml v2,
//! SnakeYAML, and so yamllint, Helm and parts of the Kubernetes tool chain) turn them into
//! booleans or base-60 integers. labc's output is read by all of those, so this module decides
//! the style of every string itself.
//!
//! # Layout
//!
//! Block style, 2-space indentation, sequences inside maps indented by 2 (`key:\n  - a`), maps
//! inside sequences start on the dash line (`- name: x`), empty maps and sequences as `{}` and
//! `[]`. Maps keep insertion order. [`to_stream`] starts every document with `---`.
//!
//! # Quoting policy
//!
//! A string (map key or value) is written *plain* only when [`plain_is_safe`] says both YAML 1.1
//! and YAML 1.2 readers would read it back as exactly that string. It is unsafe when it:
//!
//! * is empty, or starts or ends with a space or tab, or contains a tab;
//! * is a boolean or null word of either spec in any letter case (`y`, `n`, `yes`, `no`, `true`,
//!   `false`, `on`, `off`, `null`, `~`), or the YAML 1.1 merge key `<<` or value key `=`;
//! * looks like a number in either spec: decimal, octal (`0755`, `0o17`), hex (`0x1F`), binary
//!   (`0b101`), signed (`+1`), with underscores (`1_000`), floats (`1.0`, `.5`, `5.`, `1e3`),
//!   `.inf`/`.nan` with any sign and case, or YAML 1.1 base 60 (`12:30`, `1:20:30`);
//! * starts like a YAML 1.1 timestamp (`2024-01-01`, `2024-1-1`, `2001-12-14t21:59:43.10-05:00`);
//! * starts with an indicator character (`-?:,[]{}#&*!|>'"%@` and backtick; so `-foo` and
//!   `*.example.com` are quoted) or with `...` (a document end marker at column 0);
//! * contains `: ` or ` #` (or the tab variants), or ends with `:`;
//! * contains a line break or a character that has to be escaped.
//!
//! Dotted versions and addresses (`1.18.3`, `10.25.11.100`) are plain: no real reader (PyYAML,
//! go-yaml, SnakeYAML, libyaml-based ones) takes them for floats, although the YAML 1.1 float
//! regex taken literally (`[0-9.]*` after the point) would. `1.18` *is* a float and is quoted.
//! `${...}` needs no special treatment here; whether it gets substituted is the caller's business.
//!
//! Unsafe strings are single-quoted (`'on'`, `'it''s'`). Double quotes with escapes are used
//! instead when the string holds a control character, a non-printable character, a byte-order
//! mark or a Unicode line/paragraph separator, which single quotes cannot represent.
//!
//! Multi-line values (containing `\n`) become literal block scalars: `|-` without a trailing
//! newline, `|` with exactly one, `|+` with more. They fall back to double quotes when a block
//! scalar could not hold the string faithfully: it starts with a space, tab or newline (the
//! indentation would be mis-detected), a line ends in whitespace (editors and yamllint strip
//! trailing whitespace), or it contains `\r` or another character that needs escaping.
//! Keys are never block scalars.

use indexmap::IndexMap;
use std::fmt::{self, Write as _};

/// A YAML value tree as labc emits it. Maps keep insertion order.
///
/// Note that `PartialEq` on [`Yaml::Map`] is `IndexMap`'s, which ignores entry order; compare
/// emitted text when order matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    /// A decimal number, as written (`1.5`); the writer checks it is a plain decimal.
    Float(String),
    Str(String),
    Seq(Vec<Yaml>),
    Map(IndexMap<String, Yaml>),
}

/// Returned by [`Yaml::set_path`]: `path[at]` could not be inserted because the node at
/// `path[..at]` (the document root when `at == 0`) exists and is not a map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathConflict {
    pub at: usize,
}

impl fmt::Display for PathConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot set key at path position {}: its parent is not a map",
            self.at
        )
    }
}

impl std::error::Error for PathConflict {}

impl Yaml {
    /// An empty map.
    pub fn map() -> Yaml {
        Yaml::Map(IndexMap::new())
    }

    /// Insert `value` at a key path, creating intermediate maps:
    /// `set_path(&["spec", "chart", "name"], v)`.
    ///
    /// An existing value at the full path is replaced (keeping its position in the map). An
    /// existing intermediate value that is not a map is *not* replaced: the caller gets a
    /// [`PathConflict`] to report instead. An empty path replaces `self`.
    pub fn set_path(&mut self, path: &[&str], value: Yaml) -> Result<(), PathConflict> {
        let Some((last, parents)) = path.split_last() else {
            *self = value;
            return Ok(());
        };
        let mut node = self;
        for (at, key) in parents.iter().enumerate() {
            let Yaml::Map(map) = node else {
                return Err(PathConflict { at });
            };
            // Look up by `&str` first so that existing keys cost no `String` allocation.
            let index = match map.get_index_of(*key) {
                Some(index) => index,
                None => map.insert_full((*key).to_owned(), Yaml::map()).0,
            };
            node = &mut map[index];
        }
        match node {
            Yaml::Map(map) => {
                match map.get_mut(*last) {
                    Some(slot) => *slot = value,
                    None => {
                        map.insert((*last).to_owned(), value);
                    }
                }
                Ok(())
            }
            _ => Err(PathConflict { at: parents.len() }),
        }
    }

    /// The value under `key` if `self` is a map.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(map) => map.get(key),
            _ => None,
        }
    }

    /// The value at a key path, descending through maps.
    pub fn get_path(&self, path: &[&str]) -> Option<&Yaml> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }
}

impl From<&str> for Yaml {
    fn from(s: &str) -> Self {
        Yaml::Str(s.to_owned())
    }
}

impl From<String> for Yaml {
    fn from(s: String) -> Self {
        Yaml::Str(s)
    }
}

impl From<i64> for Yaml {
    fn from(i: i64) -> Self {
        Yaml::Int(i)
    }
}

impl From<bool> for Yaml {
    fn from(b: bool) -> Self {
        Yaml::Bool(b)
    }
}

impl From<Vec<Yaml>> for Yaml {
    fn from(v: Vec<Yaml>) -> Self {
        Yaml::Seq(v)
    }
}

impl From<IndexMap<String, Yaml>> for Yaml {
    fn from(m: IndexMap<String, Yaml>) -> Self {
        Yaml::Map(m)
    }
}

// ---------------------------------------------------------------------------------------------
// Scalar style selection
// ---------------------------------------------------------------------------------------------

/// How a string scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    /// Literal block scalar; only chosen where the caller allows it (values, not keys).
    Literal,
}

/// `1.5`, `-0.25`: digits, one dot, digits.
fn is_plain_decimal(f: &str) -> bool {
    let f = f.strip_prefix('-').unwrap_or(f);
    match f.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// A string scalar (shorthand for building documents).
pub fn s(v: &str) -> Yaml {
    Yaml::Str(v.to_string())
}

/// A map from (key, value) pairs, in order (shorthand for building documents).
pub fn map(pairs: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Whether a plain (unquoted) scalar would be read back as this exact string by both YAML 1.1
/// and YAML 1.2 readers. See the module documentation for the policy.
pub fn plain_is_safe(s: &str) -> bool {
    classify(s, false) == Style::Plain
}

/// What one pass over the bytes of a string found out.
struct Scan {
    /// Needs a double-quoted escape: C0 controls other than tab and LF (so also CR), DEL, C1
    /// controls (incl. NEL), U+2028/U+2029 (line breaks to YAML 1.1), BOM, U+FFFE/U+FFFF.
    needs_escape: bool,
    newline: bool,
    tab: bool,
    /// `: `, `:\t`, ` #` or `\t#`: would end a plain scalar early or start a comment.
    plain_breaker: bool,
    /// A space or tab right before a `\n` or at the very end.
    trailing_ws_on_line: bool,
}

/// The single pass over the bytes. Works on UTF-8 bytes rather than chars: every character we
/// care about outside ASCII has a fixed, recognisable encoding, and byte loops are cheap.
fn scan(s: &str) -> Scan {
    let b = s.as_bytes();
    let mut r = Scan {
        needs_escape: false,
        newline: false,
        tab: false,
        plain_breaker: false,
        trailing_ws_on_line: false,
    };
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\n' => {
                r.newline = true;
                if prev == b' ' || prev == b'\t' {
                    r.trailing_ws_on_line = true;
                }
            }
            b'\t' => r.tab = true,
            0x00..=0x1f | 0x7f => r.needs_escape = true,
            b':' if matches!(b.get(i + 1), Some(b' ' | b'\t')) => r.plain_breaker = true,
            b'#' if prev == b' ' || prev == b'\t' => r.plain_breaker = true,
            // U+0080..U+009F (C1 controls incl. NEL) are C2 80..C2 9F.
            0xc2 if matches!(b.get(i + 1), Some(0x80..=0x9f)) => r.needs_escape = true,
            // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
            0xe2 if matches!(b.get(i + 1..i + 3), Some([0x80, 0xa8 | 0xa9])) => {
                r.needs_escape = true
            }
            // U+FEFF is EF BB BF; U+FFFE / U+FFFF are EF BF BE / EF BF BF.
            0xef if matches!(
                b.get(i + 1..i + 3),
                Some([0xbb, 0xbf] | [0xbf, 0xbe | 0xbf])
            ) =>
            {
                r.needs_escape = true
            }
            _ => {}
        }
        prev = c;
    }
    if prev == b' ' || prev == b'\t' {
        r.trailing_ws_on_line = true;
    }
    r
}

fn classify(s: &str, allow_block: bool) -> Style {
    let r = scan(s);
    if r.needs_escape {
        return Style::Double;
    }
    if r.newline {
        return if allow_block && literal_can_hold(s, &r) {
            Style::Literal
        } else {
            Style::Double
        };
    }
    if r.tab || r.plain_breaker || !plain_shape_ok(s) {
        Style::Single
    } else {
        Style::Plain
    }
}

/// A literal block scalar reproduces `s` exactly (given no escapes are needed) unless the
/// first line starts with whitespace or is empty (the reader detects the content indentation
/// from the first non-empty line) or some line ends in whitespace.
fn literal_can_hold(s: &str, r: &Scan) -> bool {
    !r.trailing_ws_on_line && !matches!(s.as_bytes().first(), Some(b' ' | b'\t' | b'\n'))
}

/// The cheap whole-string checks of the plain policy (everything `scan` cannot see).
fn plain_shape_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false; // empty: reads back as null
    };
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
    ) || matches!(last, b' ' | b':')
    {
        return false;
    }
    if b.starts_with(b"...") {
        return false;
    }
    !(is_reserved_word(b) || looks_numeric(b) || looks_like_timestamp(b))
}

/// Booleans and nulls of YAML 1.1 and 1.2, compared case-insensitively (the specs only list
/// some case variants, but quoting `yEs` as well costs nothing), plus YAML 1.1's merge key
/// `<<` and value key `=`.
fn is_reserved_word(b: &[u8]) -> bool {
    // Longest word is 5 bytes; this early exit keeps the common case to a length check.
    if b.len() > 5 {
        return false;
    }
    const WORDS: [&[u8]; 12] = [
        b"y", b"n", b"yes", b"no", b"true", b"false", b"on", b"off", b"null", b"~", b"<<", b"=",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(b))
}

/// Whether some YAML 1.1 or 1.2 reader could take `b` for a number. Deliberately generous:
/// a needlessly quoted string is harmless, an unquoted number-like string is not.
fn looks_numeric(b: &[u8]) -> bool {
    let body = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    if body.is_empty() {
        return false;
    }
    // `.inf` / `.nan` in any case and with any sign; go-yaml v2 parses signed values with Go's
    // `ParseFloat`, which also accepts `inf`, `infinity` and `nan`.
    if body.len() == 4 && body[0] == b'.' {
        let w = &body[1..];
        if w.eq_ignore_ascii_case(b"inf") || w.eq_ignore_ascii_case(b"nan") {
            return true;
        }
    }
    if body.len() != b.len()
        && [&b"inf"[..], b"infinity", b"nan"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(body))
    {
        return true;
    }
    // Radix-prefixed integers (`0x1F`, `0o17`, `0b101`, any case, `_` allowed), and for hex
    // also Go's hex floats (`0x1p-2`).
    if body.len() > 2 && body[0] == b'0' {
        match body[1] {
            b'x' | b'X' => {
                return body[2..].iter().all(|&c| {
                    c.is_ascii_hexdigit() || matches!(c, b'_' | b'.' | b'p' | b'P' | b'+' | b'-')
                })
            }
            b'o' | b'O' | b'b' | b'B' => {
                return body[2..].iter().all(|&c| c.is_ascii_digit() || c == b'_')
            }
            _ => {}
        }
    }
    // Decimal int / float, with YAML 1.1 base-60 groups and `_` separators:
    //   [0-9_]+ (: [0-9_]+)* ( . [0-9_]* )? ( [eE] [+-]? [0-9]+ )?   or   . [0-9_]* ...
    // Anything this consumes completely is treated as a number; that includes `.`, `_` and
    // `1__`, which some YAML 1.1 regexes match.
    let n = body.len();
    let mut i = 0;
    let mut digit = false;
    while i < n {
        match body[i] {
            b'0'..=b'9' => digit = true,
            b'_' => {}
            b':' if digit && matches!(body.get(i + 1), Some(b'0'..=b'9')) => {}
            _ => break,
        }
        i += 1;
    }
    if i < n && body[i] == b'.' {
        i += 1;
        while i < n && (body[i].is_ascii_digit() || body[i] == b'_') {
            digit |= body[i] != b'_';
            i += 1;
        }
    }
    if digit && i < n && (body[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if matches!(body.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let start = j;
        while j < n && body[j].is_ascii_digit() {
            j += 1;
        }
        if j > start {
            i = j;
        }
    }
    i == n
}

/// YAML 1.1 timestamps all start with `YYYY-M` (go-yaml v2 also accepts one-digit months and
/// days), so four digits, a dash and a digit are enough to quote. Cheap and conservative.
fn looks_like_timestamp(b: &[u8]) -> bool {
    b.len() >= 6 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Emit one document body (no `---`), block style, with a trailing newline.
pub fn to_string(doc: &Yaml) -> String {
    let mut out = String::with_capacity(256);
    write_document(&mut out, doc);
    out
}

/// Emit a multi-document stream: every document starts with a `---` line (yamllint's
/// document-start rule wants it), documents in order.
pub fn to_stream(docs: &[Yaml]) -> String {
    let mut out = String::with_capacity(256 * docs.len());
    for doc in docs {
        out.push_str("---\n");
        write_document(&mut out, doc);
    }
    out
}

/// Append one document body (no `---`) to `out`; lets callers reuse one buffer for many
/// documents.
pub fn write_document(out: &mut String, doc: &Yaml) {
    write_node(out, doc, 0);
}

const SPACES: &str = "                                                                ";

fn write_indent(out: &mut String, mut n: usize) {
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

fn is_block_collection(v: &Yaml) -> bool {
    match v {
        Yaml::Map(m) => !m.is_empty(),
        Yaml::Seq(s) => !s.is_empty(),
        _ => false,
    }
}

/// Write `node` with the cursor already at column `indent` (after indentation, `- ` or at the
/// document start). Continuation lines of a collection are indented by `indent`; block scalar
/// content goes at `indent + 2`. Always ends with a newline.
fn write_node(out: &mut String, node: &Yaml, indent: usize) {
    match node {
        Yaml::Map(map) if !map.is_empty() => {
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    write_indent(out, indent);
                }
                write_str(out, key, false, indent);
                out.push(':');
                if is_block_collection(value) {
                    // Nested maps and sequences both go on the next line, indented by 2.
                    out.push('\n');
                    write_indent(out, indent + 2);
                    write_node(out, value, indent + 2);
                } else {
                    out.push(' ');
                    write_node(out, value, indent);
                }
            }
        }
        Yaml::Seq(seq) if !seq.is_empty() => {
            for (i, item) in seq.iter().enumerate() {
                if i > 0 {
                    write_indent(out, indent);
                }
                out.push_str("- ");
                // A nested collection starts on the dash line (`- name: x`, `- - a`) and
                // continues aligned with its first entry. A block scalar's content is
                // indented relative to the dash, like a map value's is to its key.
                let inner = if is_block_collection(item) {
                    indent + 2
                } else {
                    indent
                };
                write_node(out, item, inner);
            }
        }
        Yaml::Map(_) => out.push_str("{}\n"),
        Yaml::Seq(_) => out.push_str("[]\n"),
        Yaml::Null => out.push_str("null\n"),
        Yaml::Bool(b) => out.push_str(if *b { "true\n" } else { "false\n" }),
        Yaml::Int(i) => {
            // Writing into a String cannot fail.
            let _ = writeln!(out, "{i}");
        }
        // Only `digits.digits` is written bare; anything else would not read back as
        // this number, so it is written as the string it is.
        Yaml::Float(f) if is_plain_decimal(f) => {
            out.push_str(f);
            out.push('\n');
        }
        Yaml::Float(f) => {
            write_str(out, f, true, indent);
            out.push('\n');
        }
        Yaml::Str(s) => {
            write_str(out, s, true, indent);
            // A literal block scalar already ends with its last line's newline.
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
    }
}

/// Write a string scalar in the style the policy picks. `indent` is the indentation of the
/// line it is on; a literal block's content goes 2 deeper.
fn write_str(out: &mut String, s: &str, allow_block: bool, indent: usize) {
    match classify(s, allow_block) {
        Style::Plain => out.push_str(s),
        Style::Single => write_single(out, s),
        Style::Double => write_double(out, s),
        Style::Literal => write_literal(out, s, indent + 2),
    }
}

fn write_single(out: &mut String, s: &str) {
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

fn write_double(out: &mut String, s: &str) {
    out.push('"');
    // Copy runs of characters that need no escape in one go.
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        let esc: &str = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\0' => "\\0",
            '\x07' => "\\a",
            '\x08' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\x0b' => "\\v",
            '\x0c' => "\\f",
            '\r' => "\\r",
            '\x1b' => "\\e",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            '\u{00}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => "",
            _ => continue,
        };
        out.push_str(&s[run_start..i]);
        run_start = i + c.len_utf8();
        if esc.is_empty() {
            let cp = c as u32;
            let _ = if cp <= 0xff {
                write!(out, "\\x{cp:02X}")
            } else {
                write!(out, "\\u{cp:04X}")
            };
        } else {
            out.push_str(esc);
        }
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// `|-` / `|` / `|+` depending on the number of trailing newlines, then every line at
/// `content_indent`. Empty lines are written without indentation so that no line of the
/// output ends in whitespace.
fn write_literal(out: &mut String, s: &str, content_indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-\n",
        1 => "|\n",
        _ => "|+\n",
    });
    for line in body.split('\n') {
        if !line.is_empty() {
            write_indent(out, content_indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    // `|+` keeps the extra newlines as empty lines after the content.
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::Value;

    fn to_serde_value(y: &Yaml) -> Value {
        match y {
            Yaml::Null => Value::Null,
            Yaml::Bool(b) => Value::Bool(*b),
            Yaml::Int(i) => Value::Number((*i).into()),
            Yaml::Float(f) => Value::Number(f.parse::<f64>().unwrap().into()),
            Yaml::Str(s) => Value::String(s.clone()),
            Yaml::Seq(v) => Value::Sequence(v.iter().map(to_serde_value).collect()),
            Yaml::Map(m) => Value::Mapping(
                m.iter()
                    .map(|(k, v)| (Value::String(k.clone()), to_serde_value(v)))
                    .collect(),
            ),
        }
    }

    fn map_of(entries: Vec<(&str, Yaml)>) -> Yaml {
        Yaml::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    fn parse(text: &str) -> Value {
        serde_yaml::from_str::<Value>(text)
            .unwrap_or_else(|e| panic!("emitted YAML does not parse: {e}\n{text}"))
    }

    /// Splits a stream at its `---` lines and parses each document. (Going through
    /// `serde_yaml::Deserializer` would need `serde` as a direct dependency.) Only valid for
    /// streams whose documents contain no `---` line at column 0, which `to_stream` guarantees.
    fn parse_stream(text: &str) -> Vec<Value> {
        assert!(text.starts_with("---\n"), "stream starts with ---");
        let mut docs = Vec::new();
        let mut current = String::new();
        for line in text.split_inclusive('\n').skip(1) {
            if line == "---\n" {
                docs.push(parse(&current));
                current.clear();
            } else {
                current.push_str(line);
            }
        }
        docs.push(parse(&current));
        docs
    }

    /// Hazards and ordinary strings. Each must read back as itself, as a value and as a key.
    const STRINGS: &[&str] = &[
        // empty and whitespace
        "",
        " ",
        "  lead",
        "trail ",
        "\ttab",
        "a\tb",
        // booleans / null, many case variants
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
        "~",
        "yEs",
        "<<",
        "=",
        // numbers of both specs
        "0",
        "12",
        "0755",
        "0x1F",
        "0X1f",
        "0o17",
        "0b101",
        "+1",
        "-1",
        "1_000",
        "1.0",
        ".5",
        "5.",
        "1e3",
        "1E-3",
        "1.5e+10",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "+inf",
        "12:30",
        "1:20:30",
        "190:20:30.15",
        "1.18",
        "0x1p-2",
        ".",
        "_",
        "1__",
        // timestamps
        "2024-01-01",
        "2024-1-1",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        // indicators at the start
        "-foo",
        "- foo",
        "-",
        "--",
        "---",
        "...",
        "?x",
        "? x",
        ":x",
        ",x",
        "[x]",
        "]x",
        "{x}",
        "}x",
        "#x",
        "&anchor",
        "*alias",
        "*.monosense.io",
        "!tag",
        "|x",
        ">x",
        "'x",
        "\"x",
        "%x",
        "@x",
        "`x",
        // comment / mapping breakers
        "a: b",
        "a:",
        "a #b",
        "a\t#b",
        "a:\tb",
        // ordinary strings that must stay plain
        "kube-system",
        "./kubernetes/clusters/infra",
        "oci://ghcr.io/x/y",
        "10.25.11.100",
        "10.244.0.0/16",
        "2Gi",
        "500m",
        "v1.18.6",
        "1.18.3",
        "a#b",
        "a:b",
        "http://x:80/p",
        "${CLUSTER_NAME}",
        "prefix-${VAR}",
        "it's",
        "with \"quotes\"",
        "café",
        "日本語",
        "a, b",
        "a [b] {c}",
        "deadbeef",
        "00:1a:2b:3c:4d:5e",
        "1234-abc",
        "a - b",
        "a ? b",
        "apiVersion",
        "helm.toolkit.fluxcd.io/v2",
        "x=1",
        // characters that need double quotes
        "bell\x07",
        "nul\0x",
        "cr\rlf",
        "del\x7f",
        "nel\u{85}x",
        "ls\u{2028}x",
        "bom\u{feff}",
        "esc\x1b[0m",
        "back\\slash\x01",
        // multi-line
        "a\nb",
        "a\nb\n",
        "a\nb\n\n",
        "a\n\nb",
        "a\n  indented\nb\n",
        " lead\nx",
        "\nx",
        "x\n",
        "x\n\n\n",
        "trailing \nx",
        "tab\tinside\nx",
        "crlf\r\nx",
        "#hash\n- dash\n",
        "it's\n'quoted'\n",
        "key: value\n...\n---\n",
    ];

    #[test]
    fn strings_round_trip_through_a_real_parser() {
        assert!(STRINGS.len() >= 60);
        for s in STRINGS {
            let doc = map_of(vec![("k", Yaml::from(*s))]);
            let text = to_string(&doc);
            let back = parse(&text);
            assert_eq!(
                back["k"],
                Value::String((*s).to_owned()),
                "value {s:?} emitted as:\n{text}"
            );

            let doc = map_of(vec![(s, Yaml::Int(1))]);
            let text = to_string(&doc);
            let back = parse(&text);
            let Value::Mapping(m) = &back else {
                panic!("not a map: {text}")
            };
            let (k, _) = m.iter().next().unwrap();
            assert_eq!(
                k,
                &Value::String((*s).to_owned()),
                "key {s:?} emitted as:\n{text}"
            );
        }
    }

    #[test]
    fn exact_emitted_forms() {
        let cases: &[(&str, &str)] = &[
            ("on", "'on'"),
            ("12:30", "'12:30'"),
            ("0755", "'0755'"),
            ("*.monosense.io", "'*.monosense.io'"),
            ("kube-system", "kube-system"),
            ("", "''"),
            ("yes", "'yes'"),
            ("1.18", "'1.18'"),
            ("1.18.3", "1.18.3"),
            ("10.25.11.100", "10.25.11.100"),
            ("10.244.0.0/16", "10.244.0.0/16"),
            ("2Gi", "2Gi"),
            ("500m", "500m"),
            ("v1.18.6", "v1.18.6"),
            ("oci://ghcr.io/x/y", "oci://ghcr.io/x/y"),
            ("2024-01-01", "'2024-01-01'"),
            ("-foo", "'-foo'"),
            ("it's", "it's"),
            ("'x", "'''x'"),
            ("a: b", "'a: b'"),
            ("${VAR}", "${VAR}"),
            ("~", "'~'"),
            ("<<", "'<<'"),
            ("a\tb", "'a\tb'"),
            ("cr\rlf", "\"cr\\rlf\""),
            ("bell\x07\"\\", "\"bell\\a\\\"\\\\\""),
            ("del\x7f", "\"del\\x7F\""),
            ("bom\u{feff}", "\"bom\\uFEFF\""),
            (" lead\nx", "\" lead\\nx\""),
        ];
        for (s, want) in cases {
            let text = to_string(&map_of(vec![("k", Yaml::from(*s))]));
            assert_eq!(text, format!("k: {want}\n"), "for {s:?}");
        }
    }

    #[test]
    fn plain_is_safe_rejects_yaml_1_1_only_hazards() {
        // serde_yaml reads these back as strings (YAML 1.2 core schema), so the round trip
        // test alone would not catch a plain emission.
        for s in [
            "yes",
            "Yes",
            "no",
            "on",
            "On",
            "off",
            "OFF",
            "y",
            "Y",
            "n",
            "N",
            "12:30",
            "1:20:30",
            "0755",
            "1_000",
            "0o17",
            "0b101",
            "2024-01-01",
            "<<",
            "=",
            "+.inf",
        ] {
            assert!(!plain_is_safe(s), "{s:?} must not be plain");
        }
        for s in [
            "kube-system",
            "./kubernetes/clusters/infra",
            "oci://ghcr.io/x/y",
            "10.25.11.100",
            "10.244.0.0/16",
            "2Gi",
            "500m",
            "v1.18.6",
            "1.18.3",
            "apiVersion",
            "yesterday",
            "online",
            "nope",
            "true-ish",
            "${X}",
        ] {
            assert!(plain_is_safe(s), "{s:?} should be plain");
        }
    }

    #[test]
    fn keys_follow_the_policy() {
        let doc = map_of(vec![
            ("on", Yaml::Bool(true)),
            ("apiVersion", "v1".into()),
            ("", Yaml::Null),
            ("multi\nline", Yaml::Int(1)),
        ]);
        assert_eq!(
            to_string(&doc),
            "'on': true\napiVersion: v1\n'': null\n\"multi\\nline\": 1\n"
        );
    }

    #[test]
    fn block_scalar_forms() {
        let doc = map_of(vec![
            ("strip", "a\nb".into()),
            ("clip", "a\nb\n".into()),
            ("keep", "a\n\nb\n\n".into()),
            ("list", Yaml::Seq(vec!["x\ny\n".into()])),
        ]);
        let text = to_string(&doc);
        assert_eq!(
            text,
            "strip: |-\n  a\n  b\nclip: |\n  a\n  b\nkeep: |+\n  a\n\n  b\n\nlist:\n  - |\n    x\n    y\n"
        );
        assert_eq!(parse(&text), to_serde_value(&doc));
    }

    fn nested_doc() -> Yaml {
        let mut doc = Yaml::map();
        doc.set_path(&["apiVersion"], "v1".into()).unwrap();
        doc.set_path(&["spec", "replicas"], Yaml::Int(3)).unwrap();
        doc.set_path(&["spec", "negative"], Yaml::Int(i64::MIN))
            .unwrap();
        doc.set_path(&["spec", "enabled"], Yaml::Bool(false))
            .unwrap();
        doc.set_path(&["spec", "nothing"], Yaml::Null).unwrap();
        doc.set_path(&["spec", "emptyMap"], Yaml::map()).unwrap();
        doc.set_path(&["spec", "emptySeq"], Yaml::Seq(vec![]))
            .unwrap();
        doc.set_path(
            &["spec", "script"],
            "#!/bin/sh\nset -eu\necho 'hi: there'\n".into(),
        )
        .unwrap();
        doc.set_path(
            &["spec", "items"],
            Yaml::Seq(vec![
                map_of(vec![
                    ("name", "a".into()),
                    ("ports", Yaml::Seq(vec![Yaml::Int(80), Yaml::Int(443)])),
                    ("labels", map_of(vec![("on", "yes".into())])),
                ]),
                map_of(vec![("name", "b".into()), ("text", "x\ny".into())]),
                Yaml::Seq(vec!["nested".into(), Yaml::Seq(vec![]), Yaml::map()]),
                Yaml::Seq(vec![map_of(vec![("deep", Yaml::Null)])]),
                Yaml::map(),
                "multi\nline\n".into(),
            ]),
        )
        .unwrap();
        doc
    }

    #[test]
    fn nested_document_round_trips() {
        let doc = nested_doc();
        let text = to_string(&doc);
        assert_eq!(parse(&text), to_serde_value(&doc), "emitted:\n{text}");
        // The same through a stream, document by document.
        let stream = to_stream(&[doc.clone(), Yaml::Str("top".into()), doc.clone()]);
        let docs = parse_stream(&stream);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0], to_serde_value(&doc));
        assert_eq!(docs[1], Value::String("top".into()));
        assert_eq!(docs[2], to_serde_value(&doc));
    }

    #[test]
    fn top_level_scalars_and_empties() {
        assert_eq!(to_string(&Yaml::map()), "{}\n");
        assert_eq!(to_string(&Yaml::Seq(vec![])), "[]\n");
        assert_eq!(to_string(&Yaml::Null), "null\n");
        assert_eq!(to_string(&Yaml::Int(-7)), "-7\n");
        assert_eq!(to_string(&"...".into()), "'...'\n");
        assert_eq!(to_string(&"a\nb".into()), "|-\n  a\n  b\n");
        assert_eq!(
            parse(&to_string(&"a\nb".into())),
            Value::String("a\nb".into())
        );
        assert_eq!(
            to_string(&Yaml::Seq(vec![Yaml::Seq(vec![
                Yaml::Int(1),
                Yaml::Int(2)
            ])])),
            "- - 1\n  - 2\n"
        );
        assert_eq!(to_stream(&[]), "");
        assert_eq!(
            to_stream(&[Yaml::map(), Yaml::Null]),
            "---\n{}\n---\nnull\n"
        );
    }

    #[test]
    fn set_path_and_get() {
        let mut doc = Yaml::map();
        doc.set_path(&["spec", "chart", "name"], "x".into())
            .unwrap();
        doc.set_path(&["spec", "chart", "version"], "1.0".into())
            .unwrap();
        doc.set_path(&["spec", "chart", "name"], "z".into())
            .unwrap();
        assert_eq!(
            doc.get_path(&["spec", "chart", "name"]),
            Some(&Yaml::Str("z".into()))
        );
        assert_eq!(doc.get("spec").and_then(|s| s.get("missing")), None);
        // Overwriting keeps the original position.
        assert_eq!(
            to_string(&doc),
            "spec:\n  chart:\n    name: z\n    version: '1.0'\n"
        );
        // `chart.name` is a string: descending into it is a conflict at position 3, whose
        // parent is `path[..3]`.
        assert_eq!(
            doc.set_path(&["spec", "chart", "name", "x"], Yaml::Null),
            Err(PathConflict { at: 3 })
        );
        assert_eq!(
            doc.set_path(&["spec", "chart", "name", "x", "y"], Yaml::Null),
            Err(PathConflict { at: 3 })
        );
        let mut scalar = Yaml::Int(1);
        assert_eq!(
            scalar.set_path(&["a"], Yaml::Null),
            Err(PathConflict { at: 0 })
        );
        scalar.set_path(&[], Yaml::Bool(true)).unwrap();
        assert_eq!(scalar, Yaml::Bool(true));
        assert_eq!(Yaml::Int(1).get("a"), None);
    }

    #[test]
    fn kubernetes_stream_snapshot() {
        let mut ns = Yaml::map();
        ns.set_path(&["apiVersion"], "v1".into()).unwrap();
        ns.set_path(&["kind"], "Namespace".into()).unwrap();
        ns.set_path(&["metadata", "name"], "kube-system".into())
            .unwrap();
        ns.set_path(&["metadata", "labels", "on"], "yes".into())
            .unwrap();

        let mut hr = Yaml::map();
        hr.set_path(&["apiVersion"], "helm.toolkit.fluxcd.io/v2".into())
            .unwrap();
        hr.set_path(&["kind"], "HelmRelease".into()).unwrap();
        hr.set_path(&["metadata", "name"], "podinfo".into())
            .unwrap();
        hr.set_path(&["metadata", "namespace"], "kube-system".into())
            .unwrap();
        hr.set_path(&["spec", "interval"], "12:30".into()).unwrap();
        hr.set_path(&["spec", "chart", "spec", "chart"], "podinfo".into())
            .unwrap();
        hr.set_path(&["spec", "chart", "spec", "version"], "1.18.3".into())
            .unwrap();
        hr.set_path(
            &["spec", "chart", "spec", "sourceRef"],
            map_of(vec![
                ("kind", "HelmRepository".into()),
                ("name", "podinfo".into()),
            ]),
        )
        .unwrap();
        hr.set_path(
            &["spec", "dependsOn"],
            Yaml::Seq(vec![map_of(vec![
                ("name", "coredns".into()),
                ("namespace", "kube-system".into()),
            ])]),
        )
        .unwrap();
        hr.set_path(&["spec", "install", "remediation", "retries"], Yaml::Int(3))
            .unwrap();
        hr.set_path(
            &["spec", "values", "ipam", "cidrs"],
            Yaml::Seq(vec!["10.244.0.0/16".into()]),
        )
        .unwrap();
        hr.set_path(&["spec", "values", "k8sServiceHost"], "10.25.11.100".into())
            .unwrap();
        hr.set_path(&["spec", "values", "hubble", "enabled"], Yaml::Bool(false))
            .unwrap();
        hr.set_path(
            &["spec", "values", "hosts"],
            Yaml::Seq(vec!["*.monosense.io".into()]),
        )
        .unwrap();
        hr.set_path(&["spec", "values", "tolerations"], Yaml::Seq(vec![]))
            .unwrap();
        hr.set_path(&["spec", "values", "annotations"], Yaml::map())
            .unwrap();
        hr.set_path(
            &["spec", "values", "resources", "limits", "memory"],
            "2Gi".into(),
        )
        .unwrap();
        hr.set_path(
            &["spec", "values", "resources", "requests", "cpu"],
            "500m".into(),
        )
        .unwrap();
        hr.set_path(
            &["spec", "values", "extraConfig"],
            "enable-ipv4: \"true\"\ncluster-name: ${CLUSTER_NAME}\n".into(),
        )
        .unwrap();
        hr.set_path(
            &["spec", "postRenderers"],
            Yaml::Seq(vec![map_of(vec![(
                "kustomize",
                map_of(vec![(
                    "patches",
                    Yaml::Seq(vec![map_of(vec![
                        ("target", map_of(vec![("kind", "DaemonSet".into())])),
                        ("patch", "- op: add\n  path: /spec/x\n  value: 0755".into()),
                    ])]),
                )]),
            )])]),
        )
        .unwrap();

        let docs = [ns, hr];
        let out = to_stream(&docs);
        let parsed = parse_stream(&out);
        assert_eq!(parsed, docs.iter().map(to_serde_value).collect::<Vec<_>>());
        insta::assert_snapshot!("k8s_stream", out);
    }
}
