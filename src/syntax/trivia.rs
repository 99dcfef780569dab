//! Trivia: the comments and blank lines of a file, which the grammar skips (`COMMENT` and
//! `WHITESPACE` are silent in `grammar/lab.pest`), with their spans.
//!
//! Comments are found in the gaps between the leaf tokens of the pest trees of the items
//! that parse: a gap holds no string, so a `#` or `//` in it always starts a comment (a
//! `//` in `"https://x"` is inside a string token). Only the text outside every parsed
//! item (between items, and chunks with syntax errors) is scanned by hand, and that scan
//! skips strings as the grammar reads them. The formatter places comments with this; the
//! language server can read doc comments ([`Trivia::leading`]) and fold comment blocks.

use std::ops::Range;

use pest::iterators::Pair;

use super::ast::Span;
use super::parse::{item_trees, Rule};

/// A line comment, `# ...` or `// ...`, to the end of its line (the newline excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Comment {
    pub span: Span,
    /// Nothing but whitespace before it on its line; otherwise it trails code.
    pub own_line: bool,
}

/// The comments and blank lines of one file, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Trivia {
    pub comments: Vec<Comment>,
    /// Lines holding only whitespace, each from its first byte to its newline.
    pub blank_lines: Vec<Span>,
}

impl Trivia {
    /// The trivia of `text`, which may have syntax errors.
    pub fn of(text: &str) -> Trivia {
        let mut starts = Vec::new();
        let mut cursor = 0;
        for (base, pair) in item_trees(text) {
            hand_scan(text, cursor, base, &mut starts);
            let mut gap_start = base;
            leaf_gaps(&pair, base, &mut gap_start, &mut |from, to| {
                gap_scan(text, from, to, &mut starts)
            });
            let end = base + pair.as_span().end();
            gap_scan(text, gap_start, end, &mut starts);
            cursor = end;
        }
        hand_scan(text, cursor, text.len(), &mut starts);
        let comments = starts
            .into_iter()
            .map(|start| {
                let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let own_line = text[line_start..start]
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .is_empty();
                Comment {
                    span: Span::new(start, end),
                    own_line,
                }
            })
            .collect();
        let mut blank_lines = Vec::new();
        let mut line_start = 0;
        for (i, c) in text.char_indices() {
            if c == '\n' {
                if text[line_start..i].trim().is_empty() {
                    blank_lines.push(Span::new(line_start, i));
                }
                line_start = i + 1;
            }
        }
        Trivia {
            comments,
            blank_lines,
        }
    }

    /// The comments that start inside `range`.
    pub fn comments_in(&self, range: Range<usize>) -> &[Comment] {
        let from = self
            .comments
            .partition_point(|c| c.span.range().start < range.start);
        let to = self
            .comments
            .partition_point(|c| c.span.range().start < range.end);
        &self.comments[from..to.max(from)]
    }

    /// The comment that starts at byte `pos`, if one does.
    pub fn comment_at(&self, pos: usize) -> Option<&Comment> {
        let i = self
            .comments
            .partition_point(|c| c.span.range().start < pos);
        self.comments.get(i).filter(|c| c.span.range().start == pos)
    }

    /// The block of own-line comments on the lines right above the line of `pos`, with no
    /// blank line between: the documentation of the declaration or field at `pos`.
    pub fn leading<'t>(&'t self, text: &str, pos: usize) -> &'t [Comment] {
        let pos = pos.min(text.len());
        let end = self
            .comments
            .partition_point(|c| c.span.range().start < pos);
        let mut first = end;
        let mut next = text[..pos].rfind('\n').map_or(0, |i| i + 1);
        while first > 0 {
            let c = &self.comments[first - 1];
            // Only the newline ending the comment's line may separate it from what follows.
            let between = text.get(c.span.range().end..next).unwrap_or("x");
            if !c.own_line || !between.trim().is_empty() || between.matches('\n').count() != 1 {
                break;
            }
            next = text[..c.span.range().start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            first -= 1;
        }
        &self.comments[first..end]
    }

    /// The comment trailing the code on the line of `pos`.
    pub fn trailing(&self, text: &str, pos: usize) -> Option<&Comment> {
        let line_end = text[pos.min(text.len())..]
            .find('\n')
            .map_or(text.len(), |i| pos + i);
        self.comments_in(pos..line_end).iter().find(|c| !c.own_line)
    }
}

/// Calls `gap(from, to)` for every stretch of `pair` between its leaf tokens, in order;
/// `cursor` is where the current gap began.
fn leaf_gaps(
    pair: &Pair<'_, Rule>,
    base: usize,
    cursor: &mut usize,
    gap: &mut impl FnMut(usize, usize),
) {
    let mut children = pair.clone().into_inner().peekable();
    if children.peek().is_none() && !holds_trivia(pair.as_rule()) {
        let span = pair.as_span();
        gap(*cursor, base + span.start());
        *cursor = base + span.end();
        return;
    }
    for child in children {
        leaf_gaps(&child, base, cursor, gap);
    }
}

/// Rules that may have no child pair yet hold comments, being made of several literal
/// tokens (`{ # nothing yet }`, `via # why\n mesh`): their text is a gap, not a token.
pub(crate) fn holds_trivia(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::body
            | Rule::record
            | Rule::list
            | Rule::params
            | Rule::settings_stmt
            | Rule::crds_stmt
            | Rule::type_decl
            | Rule::call
            | Rule::via_mesh
    )
}

/// Comments in a gap between tokens: no string can be there.
fn gap_scan(text: &str, from: usize, to: usize, out: &mut Vec<usize>) {
    let b = text.as_bytes();
    let mut i = from;
    while i < to {
        if b[i] == b'#' || b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            out.push(i);
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// Comments in text no parsed item covers, skipping strings (a newline ends an unclosed
/// one, as in the grammar) and re-entering code in their `${...}` interpolations.
fn hand_scan(text: &str, from: usize, to: usize, out: &mut Vec<usize>) {
    let b = text.as_bytes();
    // One entry per open bracket: whether closing it returns into a string.
    let mut levels: Vec<bool> = Vec::new();
    let mut in_str = false;
    let mut i = from;
    while i < to {
        let c = b[i];
        if in_str {
            match c {
                b'"' | b'\n' => in_str = false,
                b'\\' => i += 1,
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    in_str = false;
                    levels.push(true);
                    i += 1;
                }
                _ => {}
            }
        } else {
            match c {
                // A `"""` block string spans lines: skipped whole to its closing `"""`
                // (its interpolations hold no comments worth finding in unparsed text).
                b'"' if b[i..to].starts_with(b"\"\"\"") => {
                    i = super::parse::block_string_end(b, i, to);
                    continue;
                }
                b'"' => in_str = true,
                b'#' | b'/' if c == b'#' || b.get(i + 1) == Some(&b'/') => {
                    out.push(i);
                    while i < to && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'{' | b'(' | b'[' => levels.push(false),
                b'}' | b')' | b']' => in_str = levels.pop().unwrap_or(false),
                _ => {}
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(&str, bool)> {
        Trivia::of(text)
            .comments
            .iter()
            .map(|c| (&text[c.span.range()], c.own_line))
            .collect()
    }

    #[test]
    fn comments_outside_strings_only() {
        let src = "# head\nlab l {\n  url = \"https://x#y\" // tail\n  s = \"${a # not\n}\"\n}\n";
        let got = texts(src);
        assert_eq!(got[0], ("# head", true));
        assert_eq!(got[1], ("// tail", false));
        // Inside an interpolation a comment is code's trivia again.
        assert_eq!(got[2], ("# not", false));
        assert_eq!(got.len(), 3);
        // In brackets with nothing else inside.
        let empty =
            "lab l {\n  x = { # none\n  }\n  y = [\n    # none\n  ]\n  z = a via # why\n mesh\n}\n";
        assert_eq!(texts(empty).len(), 3, "{:?}", texts(empty));
        // The same with a syntax error: the hand scan agrees on strings.
        let bad = "lab l {\n  url = \"https://x\" // c\n  = }\n";
        assert_eq!(texts(bad), vec![("// c", false)]);
    }

    #[test]
    fn the_hand_scan_agrees_with_the_token_gaps_on_the_stdlib() {
        for (name, text) in crate::stdlib::FILES {
            let mut by_hand = Vec::new();
            hand_scan(text, 0, text.len(), &mut by_hand);
            let from_gaps: Vec<usize> = Trivia::of(text)
                .comments
                .iter()
                .map(|c| c.span.range().start)
                .collect();
            assert!(!from_gaps.is_empty(), "{name}");
            assert_eq!(by_hand, from_gaps, "{name}");
        }
    }

    #[test]
    fn leading_comments_document_what_follows() {
        let src = "# not this\n\n# doc one\n# doc two\nlab l { x = 1 }\n";
        let t = Trivia::of(src);
        let pos = src.find("lab").unwrap();
        let lead: Vec<&str> = t
            .leading(src, pos)
            .iter()
            .map(|c| &src[c.span.range()])
            .collect();
        assert_eq!(lead, ["# doc one", "# doc two"]);
        assert_eq!(t.blank_lines.len(), 1);
        assert!(t.trailing(src, pos).is_none());
    }
}
