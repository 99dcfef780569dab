//! `"""` block strings: the indentation of the closing `"""` line is removed from every
//! line (E0104 for a line indented less, or a closing `"""` that is not on its own line).

use pest::iterators::Pair;

use super::{Builder, Rule, SyntaxError};
use crate::diag::codes;
use crate::syntax::ast::{Expr, ExprKind, Span, StrPart};

/// One piece of a block string as written: raw text (with its offset in the item), an
/// escape's text, a `\` line join, or an interpolation.
enum Seg<'a> {
    Raw(&'a str, usize),
    Esc(&'static str),
    Join,
    Interp(Expr),
}

impl Builder {
    pub(super) fn block_string(&self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let end = p.as_span().end();
        let mut segs: Vec<Seg> = Vec::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::bstr_open => {}
                Rule::bstr_text => segs.push(Seg::Raw(part.as_str(), part.as_span().start())),
                Rule::bstr_escape => segs.push(match &part.as_str()[1..] {
                    "n" => Seg::Esc("\n"),
                    "t" => Seg::Esc("\t"),
                    "r" => Seg::Esc("\r"),
                    "$" => Seg::Esc("$"),
                    "\"" => Seg::Esc("\""),
                    "\\" => Seg::Esc("\\"),
                    _ => Seg::Join,
                }),
                _ => segs.push(Seg::Interp(
                    self.expr(part.into_inner().next().expect("interp expr")),
                )),
            }
        }
        let closing = self.at(end - 3, end);
        let Some(indent) = closing_indent(&mut segs) else {
            self.block_error(
                closing,
                "the closing `\"\"\"` of a block string must be on a line of its own",
                "closing `\"\"\"` after text",
                "put the closing `\"\"\"` on the next line (its indentation is removed from every line); to leave out the final newline, end the last line with `\\`",
            );
            return Expr {
                kind: ExprKind::Str(Vec::new()),
                span,
            };
        };
        let parts = self.strip(segs, indent, closing);
        Expr {
            kind: ExprKind::Str(parts),
            span,
        }
    }

    /// The text with `indent` removed at every line start, escapes resolved.
    fn strip(&self, segs: Vec<Seg>, indent: &str, closing: Span) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        let mut text = String::new();
        let mut line_start = true;
        let mut reported = false;
        let mut under_indented = |b: &Builder, at: usize| {
            if !reported {
                reported = true;
                b.block_error(
                    b.at(at, at + 1),
                    "this line of a block string is indented less than its closing `\"\"\"`",
                    "indented less than the closing `\"\"\"`",
                    "indent the line at least as far as the closing `\"\"\"`, or move the closing `\"\"\"` left",
                );
                let _ = closing;
            }
        };
        for seg in segs {
            match seg {
                Seg::Raw(raw, at) => {
                    let mut i = 0;
                    while i < raw.len() {
                        let rest = &raw[i..];
                        if line_start {
                            line_start = false;
                            if rest.starts_with(indent) {
                                i += indent.len();
                                continue;
                            }
                            let blank = rest.trim_start_matches([' ', '\t']);
                            if blank.starts_with('\n') || blank.starts_with("\r\n") {
                                i = raw.len() - blank.len();
                                continue;
                            }
                            under_indented(self, at + i);
                        }
                        if rest.starts_with("\r\n") {
                            text.push('\n');
                            i += 2;
                            line_start = true;
                        } else {
                            let c = rest.chars().next().expect("not empty");
                            text.push(c);
                            i += c.len_utf8();
                            line_start = c == '\n';
                        }
                    }
                }
                Seg::Esc(e) => {
                    if line_start && !indent.is_empty() {
                        under_indented(self, 0);
                    }
                    line_start = false;
                    text.push_str(e);
                }
                Seg::Join => line_start = true,
                Seg::Interp(e) => {
                    if line_start && !indent.is_empty() {
                        under_indented(self, 0);
                    }
                    line_start = false;
                    if !text.is_empty() {
                        parts.push(StrPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(StrPart::Interp(e));
                }
            }
        }
        if !text.is_empty() {
            parts.push(StrPart::Text(text));
        }
        parts
    }

    /// A span of the item from byte `start` to `end` (offsets in the item's text).
    fn at(&self, start: usize, end: usize) -> Span {
        match self.anchor {
            Some(decl) => Span::in_decl(decl, start, end),
            None => Span::new(self.base + start, self.base + end),
        }
    }

    fn block_error(&self, span: Span, message: &str, label: &str, help: &str) {
        self.errors.borrow_mut().push(SyntaxError {
            code: codes::E0104,
            span,
            message: message.into(),
            label: label.into(),
            help: Some(help.into()),
            secondary: None,
            fix: None,
        });
    }
}

/// The indentation of the closing `"""` line, removed from `segs` with that line; `None`
/// when text or an interpolation stands before the closing `"""` on its line.
fn closing_indent<'a>(segs: &mut Vec<Seg<'a>>) -> Option<&'a str> {
    // The closing line starts the string, or follows a newline or a `\` line join.
    let only = segs.len() == 1 || matches!(segs.get(segs.len().wrapping_sub(2)), Some(Seg::Join));
    let Some(Seg::Raw(raw, at)) = segs.last_mut() else {
        return segs.is_empty().then_some("");
    };
    let (kept, last) = match raw.rfind('\n') {
        Some(nl) => (&raw[..nl + 1], &raw[nl + 1..]),
        None if only => ("", *raw),
        None => return None,
    };
    if !last.bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    let at = *at;
    if kept.is_empty() {
        segs.pop();
    } else {
        *segs.last_mut().expect("checked") = Seg::Raw(kept, at);
    }
    Some(last)
}
