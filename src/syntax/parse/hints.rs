//! Syntax errors told in the author's terms where pest's own report would mislead: an
//! unclosed bracket (pest fails far below it) and a reserved word used as a name.

use pest::Parser as _;

use super::{code_len, token_end, LabParser, Rule, SyntaxError};
use crate::diag::codes;
use crate::syntax::ast::Span;

/// The words the grammar reserves (its `keyword` rule): never a name, a key only quoted.
pub(super) const RESERVED: &[&str] = &[
    "for", "if", "then", "else", "in", "via", "of", "true", "false", "null",
];

/// The brackets open at `to`, scanning `text[from..to]`, innermost last: each one's offset
/// and byte, `$` for an interpolation `${` (closed by `}`, back into its string). Strings
/// and comments are skipped as the grammar reads them: a string ends at its closing quote
/// or at the end of its line, a comment (`#`, `//`) at the end of its line.
fn open_brackets(text: &str, from: usize, to: usize) -> Vec<(usize, u8)> {
    let b = text.as_bytes();
    let to = to.min(b.len());
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut in_str = false;
    let mut i = from;
    while i < to {
        let c = b[i];
        let mut next = i + 1;
        if in_str {
            match c {
                b'"' | b'\n' => in_str = false,
                b'\\' => next = i + 2,
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    open.push((i, b'$'));
                    in_str = false;
                    next = i + 2;
                }
                _ => {}
            }
        } else {
            match c {
                // A block string spans lines; its brackets are skipped with it.
                b'"' if b[i..to].starts_with(b"\"\"\"") => next = super::block_string_end(b, i, to),
                b'"' => in_str = true,
                b'#' | b'/' if c == b'#' || b.get(i + 1) == Some(&b'/') => {
                    while next < to && b[next] != b'\n' {
                        next += 1;
                    }
                }
                b'(' | b'[' | b'{' => open.push((i, c)),
                b')' | b']' | b'}' => {
                    // What pest accepted is balanced, so the closer is the innermost's.
                    in_str = open.pop().is_some_and(|(_, o)| o == b'$');
                }
                _ => {}
            }
        }
        i = next;
    }
    open
}

/// The closing text of an open bracket (an interpolation also closes its string).
fn closer(open: u8) -> &'static str {
    match open {
        b'(' => ")",
        b'[' => "]",
        b'$' => "}\"",
        _ => "}",
    }
}

/// The 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Whether the item starting at `base` parses whole once its brackets open at `at` are
/// closed there: then what is missing is the closing bracket, not something before it.
fn closes_cleanly(text: &str, base: usize, at: usize, open: &[(usize, u8)]) -> bool {
    let mut candidate = text[base..at].to_string();
    for &(_, o) in open.iter().rev() {
        candidate.push_str(closer(o));
    }
    match LabParser::parse(Rule::item, &candidate) {
        Ok(mut pairs) => pairs
            .next()
            .is_some_and(|p| p.as_span().end() >= code_len(&candidate)),
        Err(_) => false,
    }
}

/// The error of an item (from `base`) that pest rejected at `at`, when the cause is an
/// unclosed bracket: the parser ran into the next declaration (`chunk_end`, the start of
/// the next line with a declaration keyword in column 0) or the end of the file, or met a
/// closing bracket of another kind or a new line where closing the bracket would have
/// made the item whole. The primary label is at the bracket, the secondary where the
/// parser stopped.
pub(super) fn unclosed_bracket(
    text: &str,
    base: usize,
    at: usize,
    chunk_end: usize,
) -> Option<SyntaxError> {
    let code_end = base + code_len(&text[base..]);
    let (open, stop, stop_label, help) = if chunk_end < text.len() && at >= chunk_end {
        let open = open_brackets(text, base, chunk_end);
        let &(_, o) = open.last()?;
        let close = &closer(o)[..1];
        (
            open,
            Span::new(chunk_end, token_end(text, chunk_end)),
            "the next declaration starts here".to_string(),
            format!("add `{close}` before the next declaration"),
        )
    } else {
        let open = open_brackets(text, base, at);
        let &(_, o) = open.last()?;
        let close = &closer(o)[..1];
        let before = base + code_len(&text[base..at]);
        let found_closer = text[at..].chars().next().filter(|c| {
            // A quote ends the string while an interpolation `${` in it is open.
            (")]}".contains(*c) || *c == '"' && o == b'$') && !closer(o).starts_with(*c)
        });
        let (stop, label, help) = if at >= code_end {
            // The last character of code: a label on an empty span past it is hard to see.
            let last = text[..code_end]
                .chars()
                .next_back()
                .map_or(1, char::len_utf8);
            (
                Span::new(code_end.saturating_sub(last), code_end),
                "the file ends here".to_string(),
                format!("add the missing `{close}`"),
            )
        } else if let Some(c) = found_closer {
            (
                Span::new(at, at + c.len_utf8()),
                format!("found `{c}` here"),
                format!("add `{close}` before this `{c}`"),
            )
        } else if text[before..at].contains('\n')
            && o != b'{'
            && !text[..before].ends_with([',', '(', '['])
        {
            // A list or call whose last element ends a line and the next line goes on
            // without a comma. (A body or record may end after any statement, so a bad
            // statement at a line start says nothing about its `}`.)
            let end = token_end(text, at);
            let tok: String = text[at..end].chars().take(24).collect();
            (
                Span::new(at, end),
                format!("found `{tok}` here"),
                format!("add `{close}` at the end of line {}", line_of(text, before)),
            )
        } else {
            return None;
        };
        if !closes_cleanly(text, base, at, &open) {
            return None;
        }
        (open, stop, label, help)
    };
    let &(at_open, o) = open.last()?;
    let (open_text, close) = match o {
        b'$' => ("${", "}"),
        _ => (&text[at_open..at_open + 1], &closer(o)[..1]),
    };
    Some(SyntaxError {
        code: codes::E0101,
        span: Span::new(at_open, at_open + open_text.len()),
        message: format!(
            "expected `{close}` to close the `{open_text}` at line {}",
            line_of(text, at_open)
        ),
        label: format!("this `{open_text}` is not closed"),
        help: Some(help),
        secondary: Some((stop, stop_label)),
        fix: None,
    })
}

/// The reserved word that ends at `end` or starts at `start`, if any: `(start, word)`.
fn reserved_at(text: &str, at: usize) -> Option<(usize, &'static str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let word_at = |start: usize| {
        let rest = &text[start..];
        let len = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        RESERVED.iter().find(|w| **w == &rest[..len]).copied()
    };
    if let Some(w) = word_at(at) {
        return Some((at, w));
    }
    // The word before `at`, when only spaces lie between (`for = "1h"` fails at `=`).
    let before = text[..at].trim_end_matches([' ', '\t']);
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map(|(i, _)| i)?;
    if !matches!(text[at..].chars().next(), Some('=' | '{' | '.' | ':')) {
        return None;
    }
    word_at(start).map(|w| (start, w))
}

/// A reserved word (`for`, `in`, `true`, ...) where the parser wanted a name: as a key
/// (`for = "1h"`), which works quoted, or as the name of a declaration, field, parameter
/// or argument, which must change.
pub(super) fn reserved_word(text: &str, at: usize) -> Option<SyntaxError> {
    let (start, word) = reserved_at(text, at)?;
    let end = start + word.len();
    let after = text[end..].trim_start_matches([' ', '\t']);
    let prev = text[..start]
        .trim_end_matches([' ', '\t'])
        .chars()
        .next_back();
    // A key starts a line or follows `{`, `,` or the `.` of a key path, and is followed by
    // `=`, a `{` block or the next key of its path.
    let key_start = matches!(prev, None | Some('\n' | '{' | ',' | '.'));
    let key_follow =
        after.starts_with(['{', '.']) || after.starts_with('=') && !after.starts_with("==");
    // `for` and `if` at the start of a statement or entry that fails further on are the
    // keywords, not names.
    if matches!(word, "for" | "if") && start == at && !key_follow && !after.starts_with(':') {
        return None;
    }
    let (message, help) = if key_start && key_follow {
        let rest: String = entry_text(after).chars().take(40).collect();
        let sep = if rest.starts_with('.') { "" } else { " " };
        // The keys before it on its path (`data.` of `data.for = "1h"`).
        let entry_start = text[..start].rfind(['\n', '{', ',']).map_or(0, |i| i + 1);
        let path = text[entry_start..start].trim_start();
        (
            format!("the reserved word `{word}` cannot be a bare key"),
            format!(
                "`{word}` is a reserved word; quote it as a key: `{path}\"{word}\"{sep}{rest}`"
            ),
        )
    } else if prev == Some('.') {
        (
            format!("the reserved word `{word}` cannot follow `.`"),
            format!("`{word}` is a reserved word; read a field of that name as `[\"{word}\"]`"),
        )
    } else {
        (
            format!("the reserved word `{word}` cannot be a name"),
            format!("`{word}` is a reserved word; choose another name"),
        )
    };
    Some(SyntaxError {
        code: codes::E0101,
        span: Span::new(start, end),
        message,
        label: "reserved word".into(),
        help: Some(help),
        secondary: None,
        fix: None,
    })
}

/// The rest of the entry that starts `text`: up to the end of its line, or a `,` or a
/// closing bracket outside strings and brackets (`= 1` of `{ if = 1, b = 2 }`).
fn entry_text(text: &str) -> &str {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            '\n' | '#' => return text[..i].trim_end(),
            ',' | ')' | ']' | '}' if depth == 0 => return text[..i].trim_end(),
            _ => {}
        }
    }
    text.trim_end()
}
