//! The formatter: `.lab` text in, the canonical layout of the same program out
//! (`docs/fmt.md` states the rules).
//!
//! It works on tokens, never on meaning: the pest trees give every token with its span and
//! its place in the grammar (which bracket opens a record, which tokens start an item of
//! a list), [`Trivia`] gives the comments, and the output is the same tokens in the same
//! order, each comment still followed by a line break. Only whitespace changes, and
//! separating commas, which the grammar makes optional where they are added or dropped.
//! So the program parses to the same tree. Line breaks inside an expression are the
//! author's; the formatter decides those around the items of records, bodies and lists,
//! the indentation, the spacing, the alignment of `=` and the blank lines.

use pest::iterators::Pair;

use super::parse::{item_trees, parse_file, Rule, SyntaxError};
use super::trivia::{holds_trivia, Trivia};

/// The line width a record, body or list written on one line must fit in to stay there.
pub const WIDTH: usize = 100;

/// Format one file. A file with syntax errors is refused with its errors.
pub fn format(text: &str) -> Result<String, Vec<SyntaxError>> {
    let (_, errors) = parse_file(text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let trivia = Trivia::of(text);
    let bom = if text.starts_with('\u{feff}') {
        "\u{feff}"
    } else {
        ""
    };
    let mut lx = Lexer {
        text,
        trivia: &trivia,
        toks: Vec::new(),
        conts: Vec::new(),
        top: Vec::new(),
        cursor: bom.len(),
        next_id: 1,
        nl: 0,
        spaces: 0,
    };
    for (base, pair) in item_trees(text) {
        lx.lex_to(base, 0, None);
        lx.top.push(lx.toks.len());
        lx.walk(pair, base, 0);
    }
    lx.lex_to(text.len(), 0, None);
    let mut out = String::from(bom);
    out.push_str(&Layout::new(lx).run());
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Code,
    Comment,
    Open,
    Close,
}

#[derive(Debug)]
struct Tok<'a> {
    text: &'a str,
    kind: Kind,
    /// Newlines before it in the source, capped at 2 (a blank line).
    nl: u8,
    /// Spaces before it on its source line: kept before a trailing comment.
    spaces: usize,
    /// The pair whose own text (not a child's) held it; leaf tokens: their parent pair.
    parent: u32,
    tight_before: bool,
    tight_after: bool,
    /// `else` of an `if` statement or record `if`: it follows the `}` on its line.
    else_stmt: bool,
}

/// How a container's items are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CKind {
    /// Bodies, records, `settings`, `type`: no commas when broken, between items inline.
    Record,
    /// Lists and `crds`: a comma after every item when broken.
    List,
    /// Calls and template parameters: like lists, but never broken for the width.
    Call,
}

#[derive(Debug)]
struct Item {
    start: usize,
    id: u32,
    assign: bool,
    /// The item may be followed by a comma (record entries that are not `for` or `if`).
    comma_ok: bool,
    /// Filled in by `Layout::new`: the last token that is neither a comment nor the
    /// separating comma, and that comma.
    last: usize,
    sep: Option<usize>,
}

#[derive(Debug)]
struct Cont {
    id: u32,
    kind: CKind,
    open: usize,
    close: usize,
    items: Vec<Item>,
}

struct Lexer<'a> {
    text: &'a str,
    trivia: &'a Trivia,
    toks: Vec<Tok<'a>>,
    conts: Vec<Cont>,
    /// The first token of every top-level item.
    top: Vec<usize>,
    cursor: usize,
    next_id: u32,
    nl: u8,
    spaces: usize,
}

/// Rules printed as one token, exactly as written.
fn is_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::string
            | Rule::bstr
            | Rule::module_path
            | Rule::name
            | Rule::var
            | Rule::named_type
            | Rule::field_access
            | Rule::type_name
            | Rule::ident
    )
}

/// The container kind of a rule, and which of its children are items.
fn container(rule: Rule) -> Option<CKind> {
    match rule {
        Rule::body | Rule::record | Rule::settings_stmt | Rule::type_decl => Some(CKind::Record),
        Rule::list | Rule::crds_stmt => Some(CKind::List),
        Rule::call | Rule::params => Some(CKind::Call),
        _ => None,
    }
}

fn is_item(parent: Rule, child: Rule) -> bool {
    match parent {
        Rule::body | Rule::record | Rule::list => true,
        Rule::settings_stmt | Rule::type_decl | Rule::params => child == Rule::field_decl,
        Rule::crds_stmt => child == Rule::crd_kind,
        Rule::call => child == Rule::arg,
        _ => false,
    }
}

impl<'a> Lexer<'a> {
    fn push(&mut self, text: &'a str, kind: Kind, parent: u32) -> &mut Tok<'a> {
        self.toks.push(Tok {
            text,
            kind,
            nl: self.nl,
            spaces: self.spaces,
            parent,
            tight_before: false,
            tight_after: false,
            else_stmt: false,
        });
        self.nl = 0;
        self.spaces = 0;
        self.toks.last_mut().expect("just pushed")
    }

    /// Lex the text from the cursor to `to`, which belongs to pair `parent` (of `rule`):
    /// whitespace, comments, keywords and punctuation.
    fn lex_to(&mut self, to: usize, parent: u32, rule: Option<Rule>) {
        let text = self.text;
        let b = text.as_bytes();
        while self.cursor < to {
            let i = self.cursor;
            if let Some(c) = self.trivia.comment_at(i) {
                let end = c.span.range().end.max(i + 1);
                self.push(text[i..end].trim_end(), Kind::Comment, parent);
                self.cursor = end;
                continue;
            }
            let ch = text[i..].chars().next().unwrap_or(' ');
            match ch {
                '\n' => {
                    self.nl = (self.nl + 1).min(2);
                    self.spaces = 0;
                }
                c if c.is_whitespace() => self.spaces += 1,
                c if c.is_ascii_alphanumeric() || c == '_' => {
                    let mut end = i;
                    while end < to && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                        end += 1;
                    }
                    let word = &text[i..end];
                    let else_stmt =
                        word == "else" && matches!(rule, Some(Rule::if_stmt | Rule::rec_if));
                    self.push(word, Kind::Code, parent).else_stmt = else_stmt;
                    self.cursor = end;
                    continue;
                }
                c => {
                    let kind = match c {
                        '{' | '[' | '(' => Kind::Open,
                        '}' | ']' | ')' => Kind::Close,
                        _ => Kind::Code,
                    };
                    let (before, after) = punct_tightness(c, rule);
                    let tok = self.push(&text[i..i + c.len_utf8()], kind, parent);
                    tok.tight_before = before;
                    tok.tight_after = after;
                }
            }
            self.cursor = i + ch.len_utf8();
        }
    }

    /// Lex pair `p` (its spans are relative to `base`; `parent` is the id of the pair it
    /// is in), recording its containers.
    fn walk(&mut self, p: Pair<'a, Rule>, base: usize, parent: u32) {
        let rule = p.as_rule();
        let span = p.as_span();
        let (start, end) = (base + span.start(), base + span.end());
        let mut children = p.clone().into_inner().peekable();
        if is_token(rule) || children.peek().is_none() && !holds_trivia(rule) {
            let tok = self.push(&self.text[start..end], Kind::Code, parent);
            tok.tight_before = rule == Rule::field_access;
            tok.tight_after = matches!(rule, Rule::not_op | Rule::neg_op);
            self.cursor = end;
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let kind = container(rule);
        let first = self.toks.len();
        let mut items = Vec::new();
        for child in children {
            let child_start = base + child.as_span().start();
            self.lex_to(child_start, id, Some(rule));
            if kind.is_some() && is_item(rule, child.as_rule()) {
                let child_rule = child.as_rule();
                items.push(Item {
                    start: self.toks.len(),
                    id: self.next_id,
                    assign: child_rule == Rule::assign,
                    comma_ok: kind != Some(CKind::Record)
                        || matches!(
                            child_rule,
                            Rule::assign | Rule::block_assign | Rule::field_decl
                        ),
                    last: 0,
                    sep: None,
                });
            }
            self.walk(child, base, id);
        }
        self.lex_to(end, id, Some(rule));
        let Some(kind) = kind else { return };
        let own = |k: Kind| move |t: &&Tok| t.kind == k && t.parent == id;
        let open = self.toks[first..].iter().position(|t| own(Kind::Open)(&t));
        let close = self.toks[first..]
            .iter()
            .rposition(|t| own(Kind::Close)(&t));
        if let (Some(open), Some(close)) = (open, close) {
            self.conts.push(Cont {
                id,
                kind,
                open: first + open,
                close: first + close,
                items,
            });
        }
    }
}

/// Whether a punctuation token takes no space before and after it, by the rule it is in.
fn punct_tightness(c: char, rule: Option<Rule>) -> (bool, bool) {
    match (c, rule) {
        (',', _) | (')', _) | (']', _) => (true, false),
        ('(', Some(Rule::call | Rule::params)) => (true, true),
        ('(', _) => (false, true),
        ('[', Some(Rule::index_access)) => (true, true),
        ('[', _) => (false, true),
        (':', _) | ('?', _) => (true, false),
        ('<', _) | ('.', _) => (true, true),
        ('>', _) => (true, false),
        _ => (false, false),
    }
}

struct Layout<'a> {
    toks: Vec<Tok<'a>>,
    conts: Vec<Cont>,
    top: Vec<usize>,
    /// Per container: one item per line, and whether it hugs its only item (`[{ ... }]`).
    broken: Vec<bool>,
    hug: Vec<bool>,
    /// Per token: it starts an item of its container (or of the file).
    item_start: Vec<bool>,
    /// Per token, recomputed by each pass: 0 same line, 1 new line, 2 after a blank line.
    brk: Vec<u8>,
    deleted: Vec<bool>,
    comma_after: Vec<bool>,
    /// Spaces added before an `=` to align it with the others of its run.
    pad: Vec<usize>,
}

impl<'a> Layout<'a> {
    fn new(lx: Lexer<'a>) -> Layout<'a> {
        let Lexer {
            toks,
            mut conts,
            top,
            ..
        } = lx;
        let n = toks.len();
        let mut item_start = vec![false; n];
        for &t in &top {
            item_start[t] = true;
        }
        for c in &mut conts {
            let bounds: Vec<usize> = c
                .items
                .iter()
                .skip(1)
                .map(|i| i.start)
                .chain([c.close])
                .collect();
            for (item, &next) in c.items.iter_mut().zip(&bounds) {
                item_start[item.start] = true;
                let mut j = next;
                while j > item.start + 1 && toks[j - 1].kind == Kind::Comment {
                    j -= 1;
                }
                let t = &toks[j - 1];
                // The separator: a comma of the container's own or of the item's (the
                // optional `,` that ends an assignment).
                if j - 1 > item.start && t.text == "," && (t.parent == item.id || t.parent == c.id)
                {
                    item.sep = Some(j - 1);
                    j -= 1;
                    while j > item.start + 1 && toks[j - 1].kind == Kind::Comment {
                        j -= 1;
                    }
                }
                item.last = j - 1;
            }
        }
        let broken = conts
            .iter()
            .map(|c| {
                let inner = &toks[c.open + 1..=c.close];
                let spread = inner.iter().any(|t| t.nl > 0 || t.kind == Kind::Comment);
                spread && !(c.items.is_empty() && inner.iter().all(|t| t.kind != Kind::Comment))
            })
            .collect::<Vec<_>>();
        let mut layout = Layout {
            brk: vec![0; n],
            deleted: vec![false; n],
            comma_after: vec![false; n],
            pad: vec![0; n],
            hug: vec![false; conts.len()],
            toks,
            conts,
            top,
            broken,
            item_start,
        };
        layout.hug = (0..layout.conts.len()).map(|c| layout.hugs(c)).collect();
        layout
    }

    /// A container written over several lines whose line breaks are all inside its
    /// items: the first item starts on the opener's line, the closer follows the last
    /// item on its line, and no item starts a line (`[{` ... `}]`, `f(a, {` ... `})`,
    /// `join([` ... `], ",")`). It keeps that layout, with commas as if inline.
    fn hugs(&self, c: usize) -> bool {
        let cont = &self.conts[c];
        self.broken[c]
            && !cont.items.is_empty()
            && self.toks[cont.open + 1].nl == 0
            && self.toks[cont.close].nl == 0
            && cont.items.iter().all(|i| self.toks[i.start].nl == 0)
    }

    /// Lay out, then break the outermost inline container of every line that is too long,
    /// until none is: containers only ever go from inline to broken, so this ends.
    fn run(mut self) -> String {
        loop {
            self.pass();
            let (out, tok_line) = self.render();
            // Alignment padding does not count: breaking a container because of it would
            // take the assignment out of its run and leave the container broken for nothing.
            let mut widths: Vec<usize> = out.lines().map(|l| l.chars().count()).collect();
            for (i, &pad) in self.pad.iter().enumerate() {
                if let Some(w) = widths.get_mut(tok_line[i]) {
                    *w = w.saturating_sub(pad);
                }
            }
            let mut changed = false;
            let mut done_lines = std::collections::BTreeSet::new();
            for c in 0..self.conts.len() {
                let cont = &self.conts[c];
                let line = tok_line[cont.open];
                if self.broken[c]
                    || cont.kind == CKind::Call
                    || cont.items.is_empty()
                    || widths.get(line).is_none_or(|&w| w <= WIDTH)
                    || done_lines.contains(&line)
                {
                    continue;
                }
                // Containers are recorded inner first: take the one opening earliest.
                let outer = (0..self.conts.len())
                    .filter(|&d| {
                        let dc = &self.conts[d];
                        !self.broken[d]
                            && dc.kind != CKind::Call
                            && !dc.items.is_empty()
                            && tok_line[dc.open] == line
                    })
                    .min_by_key(|&d| self.conts[d].open)
                    .unwrap_or(c);
                self.broken[outer] = true;
                done_lines.insert(line);
                changed = true;
            }
            if !changed {
                return out;
            }
        }
    }

    fn is_comment(&self, i: usize) -> bool {
        self.toks[i].kind == Kind::Comment
    }

    /// Where lines break, which commas go or come, and the alignment, from the modes.
    fn pass(&mut self) {
        let n = self.toks.len();
        for i in 0..n {
            self.brk[i] = self.toks[i].nl;
            self.deleted[i] = false;
            self.comma_after[i] = false;
            self.pad[i] = 0;
        }
        for c in 0..self.conts.len() {
            self.container_breaks(c);
        }
        for i in 1..n {
            let t = &self.toks[i];
            let prev_comment = self.is_comment(i - 1);
            // `} else {` and `else if` stay on one line.
            if t.else_stmt && !prev_comment {
                self.brk[i] = 0;
            }
            if self.toks[i - 1].else_stmt && !self.is_comment(i) {
                self.brk[i] = 0;
            }
            // A kept separator stays after its item.
            if t.text == "," && !prev_comment {
                self.brk[i] = 0;
            }
        }
        // The `{` of a record or body follows what it belongs to.
        for c in 0..self.conts.len() {
            let open = self.conts[c].open;
            if self.conts[c].kind == CKind::Record
                && open > 0
                && !self.item_start[open]
                && !self.is_comment(open - 1)
            {
                self.brk[open] = 0;
            }
        }
        for i in 0..n {
            let t = &self.toks[i];
            if self.brk[i] == 2 {
                let allowed = (self.item_start[i] || t.kind == Kind::Comment)
                    && t.kind != Kind::Close
                    && i > 0
                    && self.toks[i - 1].kind != Kind::Open;
                if !allowed {
                    self.brk[i] = 1;
                }
            }
            if t.kind == Kind::Comment && t.nl == 0 && i > 0 {
                self.brk[i] = 0;
            }
            if i > 0 && self.is_comment(i - 1) {
                self.brk[i] = self.brk[i].max(1);
            }
        }
        if n > 0 {
            self.brk[0] = 0;
        }
        self.top_level_blanks();
        for c in 0..self.conts.len() {
            self.align(c);
        }
    }

    fn container_breaks(&mut self, c: usize) {
        let cont = &self.conts[c];
        let (kind, open, close) = (cont.kind, cont.open, cont.close);
        let count = cont.items.len();
        for (k, item) in cont.items.iter().enumerate() {
            let last_item = k + 1 == count;
            // Inline and hugging containers separate their items with commas, without a
            // trailing one.
            if !self.broken[c] || self.hug[c] {
                match item.sep {
                    Some(s) if last_item => self.deleted[s] = true,
                    None if !last_item && item.comma_ok => self.comma_after[item.last] = true,
                    _ => {}
                }
            } else {
                self.brk[item.start] = self.brk[item.start].max(1);
                match (kind, item.sep) {
                    (CKind::Record, Some(s)) => self.deleted[s] = true,
                    (CKind::Record, None) => {}
                    (_, None) => self.comma_after[item.last] = true,
                    (_, Some(_)) => {}
                }
            }
        }
        if self.broken[c] && !self.hug[c] {
            self.brk[open + 1] = self.brk[open + 1].max(1);
            self.brk[close] = self.brk[close].max(1);
        }
    }

    /// Top-level declarations are separated by a blank line, except two one-line
    /// declarations the author wrote without one (a run of `use` lines or of installs).
    fn top_level_blanks(&mut self) {
        let n = self.toks.len();
        let lasts: Vec<usize> = (0..self.top.len())
            .map(|k| {
                let mut j = self.top.get(k + 1).copied().unwrap_or(n);
                while j > self.top[k] + 1 && self.is_comment(j - 1) {
                    j -= 1;
                }
                j - 1
            })
            .collect();
        let one_line = |l: &Layout, k: usize| (l.top[k] + 1..=lasts[k]).all(|j| l.brk[j] == 0);
        for k in 1..self.top.len() {
            let (a_last, b_start) = (lasts[k - 1], self.top[k]);
            if (a_last + 1..=b_start).any(|j| self.brk[j] == 2) {
                continue;
            }
            if one_line(self, k - 1) && one_line(self, k) {
                continue;
            }
            if let Some(j) = (a_last + 1..=b_start).find(|&j| self.brk[j] >= 1) {
                self.brk[j] = 2;
            }
        }
    }

    /// Align the `=` of each run of consecutive one-line assignments of a broken body or
    /// record; a blank line, a comment line or a longer statement ends the run.
    fn align(&mut self, c: usize) {
        let cont = &self.conts[c];
        if !self.broken[c] || self.hug[c] || cont.kind != CKind::Record {
            return;
        }
        let mut runs: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut prev_last: Option<usize> = None;
        for item in &cont.items {
            let eq = (item.start..=item.last)
                .find(|&j| self.toks[j].text == "=" && self.toks[j].parent == item.id);
            let one_line = (item.start + 1..=item.last).all(|j| self.brk[j] == 0);
            let eligible = item.assign && one_line && eq.is_some();
            let joins = prev_last.is_some_and(|p| {
                self.brk[item.start] == 1
                    && (p + 1..item.start)
                        .all(|j| self.deleted[j] || self.toks[j].text == "," || self.brk[j] == 0)
            });
            match (eligible, eq) {
                (true, Some(eq)) => {
                    let width: usize = (item.start..eq)
                        .map(|j| self.toks[j].text.chars().count())
                        .sum();
                    if joins {
                        if let Some(run) = runs.last_mut() {
                            run.push((eq, width));
                        }
                    } else {
                        runs.push(vec![(eq, width)]);
                    }
                    prev_last = Some(item.last);
                }
                _ => prev_last = None,
            }
        }
        for run in runs {
            let max = run.iter().map(|r| r.1).max().unwrap_or(0);
            for (eq, width) in run {
                self.pad[eq] = max - width;
            }
        }
    }

    /// The text, and the output line of every token.
    fn render(&self) -> (String, Vec<usize>) {
        let mut out = String::new();
        let mut tok_line = vec![0; self.toks.len()];
        let mut line = 0;
        // The indentation of the line each open bracket is on.
        let mut stack: Vec<usize> = Vec::new();
        let mut line_indent = 0;
        let mut carry = 0;
        let mut prev: Option<usize> = None;
        #[allow(clippy::needless_range_loop)] // `i` indexes five per-token vectors
        for i in 0..self.toks.len() {
            if self.deleted[i] {
                carry = carry.max(self.brk[i]);
                continue;
            }
            let t = &self.toks[i];
            // A trailing comment stays on its line even after a dropped comma.
            let brk = if prev.is_none() || t.kind == Kind::Comment && self.brk[i] == 0 {
                0
            } else {
                self.brk[i].max(carry)
            };
            carry = 0;
            if brk > 0 {
                out.push('\n');
                line += 1;
                if brk > 1 {
                    out.push('\n');
                    line += 1;
                }
                line_indent = self.indent(i, &stack);
                out.extend(std::iter::repeat_n(' ', line_indent));
            } else if let Some(p) = prev {
                let p = &self.toks[p];
                let spaces = if t.kind == Kind::Comment {
                    t.spaces.max(1)
                } else if p.tight_after || t.tight_before || p.text == "{" && t.text == "}" {
                    0
                } else {
                    1
                };
                out.extend(std::iter::repeat_n(' ', spaces + self.pad[i]));
            }
            out.push_str(t.text);
            if self.comma_after[i] {
                out.push(',');
            }
            tok_line[i] = line;
            match t.kind {
                Kind::Open => stack.push(line_indent),
                Kind::Close => {
                    stack.pop();
                }
                _ => {}
            }
            prev = Some(i);
        }
        out.push('\n');
        if out.trim().is_empty() {
            out.clear();
        }
        (out, tok_line)
    }

    /// The indentation of a line starting with token `i`.
    fn indent(&self, i: usize, stack: &[usize]) -> usize {
        let base = stack.last().map_or(0, |s| s + 2);
        let t = &self.toks[i];
        match t.kind {
            Kind::Close => stack.last().copied().unwrap_or(0),
            Kind::Comment => {
                let next = (i + 1..self.toks.len())
                    .find(|&j| !self.deleted[j] && self.toks[j].kind != Kind::Comment);
                match next {
                    Some(j) if self.toks[j].kind != Kind::Close => self.indent(j, stack),
                    _ => base,
                }
            }
            _ if self.item_start[i] || t.else_stmt => base,
            _ => base + 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format(s).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn aligns_breaks_and_keeps_comments() {
        let src = "lab l {\n    a = 1\n  bb=2   # two\n\n\n  c = [1,2]\n  d {x=1 y=2}\n}\n";
        assert_eq!(
            fmt(src),
            "lab l {\n  a  = 1\n  bb = 2   # two\n\n  c = [1, 2]\n  d { x = 1, y = 2 }\n}\n"
        );
    }

    #[test]
    fn long_inline_lists_break_with_a_trailing_comma() {
        let item = "\"abcdefghijklmnopqrstuvwxyz\"";
        let src = format!("lab l {{ xs = [{item}, {item}, {item}, {item}] }}\n");
        let out = fmt(&src);
        let broken = format!("  xs = [\n    {item},\n    {item},\n    {item},\n    {item},\n  ]\n");
        assert_eq!(out, format!("lab l {{\n{broken}}}\n"));
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn refuses_syntax_errors() {
        assert!(format("lab l { x = }").is_err());
    }
}
