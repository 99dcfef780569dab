//! A syntax check of CEL expressions (the Common Expression Language a Flux
//! Kustomization's `healthCheckExprs` are written in): a lexer and a recursive-descent
//! parser of CEL's grammar that build nothing and only say where the text stops being
//! CEL. Types and names are the controller's business at run time; a typo in the syntax
//! is caught here, before the object is applied and reported as failing forever.

/// Why a text is not CEL: where (in characters from the start), what was found, and
/// what to write instead.
#[derive(Debug, PartialEq)]
pub struct CelError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// A number, string or bytes literal.
    Lit,
    /// Punctuation and operators, as written.
    Op(&'static str),
}

/// Operators longest first, so `<=` is not read as `<` then `=`.
const OPS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ".", ",", ":", "?", "!", "-",
    "+", "*", "/", "%", "<", ">",
];

fn err(offset: usize, message: impl Into<String>, help: impl Into<String>) -> CelError {
    CelError {
        offset,
        message: message.into(),
        help: help.into(),
    }
}

/// `text` as CEL: `Ok` when it parses as one expression.
pub fn parse(text: &str) -> Result<(), CelError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.chars().count(),
    };
    if p.toks.is_empty() {
        return Err(err(0, "empty expression", "write a condition"));
    }
    p.expr(0)?;
    match p.toks.get(p.pos) {
        None => Ok(()),
        Some((at, t)) => Err(unexpected(*at, t)),
    }
}

fn unexpected(at: usize, t: &Tok) -> CelError {
    match t {
        Tok::Ident(w) if w == "and" || w == "or" || w == "not" => err(
            at,
            format!("`{w}` is not a CEL operator"),
            "CEL writes `&&`, `||` and `!`",
        ),
        Tok::Ident(w) => err(
            at,
            format!("unexpected name `{w}`"),
            "join conditions with `&&` or `||`",
        ),
        Tok::Lit => err(
            at,
            "unexpected literal",
            "join conditions with `&&` or `||`",
        ),
        Tok::Op(op) => err(
            at,
            format!("unexpected `{op}`"),
            "check the brackets and operators",
        ),
    }
}

/// Tokens with their character offsets.
fn lex(text: &str) -> Result<Vec<(usize, Tok)>, CelError> {
    let cs: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && cs.get(i + 1) == Some(&'/') {
            // A comment runs to the end of the line.
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if let Some(len) = string_start(&cs, i) {
            let start = i;
            i = string_end(&cs, i, len)?;
            out.push((start, Tok::Lit));
        } else if c.is_ascii_digit() {
            out.push((i, Tok::Lit));
            i = number_end(&cs, i);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            let word: String = cs[start..i].iter().collect();
            let tok = match word.as_str() {
                "true" | "false" | "null" => Tok::Lit,
                _ => Tok::Ident(word),
            };
            out.push((start, tok));
        } else if let Some(op) = OPS.iter().find(|op| starts_with(&cs, i, op)) {
            out.push((i, Tok::Op(op)));
            i += op.chars().count();
        } else if c == '=' || c == '&' || c == '|' {
            let (fix, what) = match c {
                '=' => ("==", "compare with"),
                '&' => ("&&", "join conditions with"),
                _ => ("||", "join alternatives with"),
            };
            return Err(err(
                i,
                format!("`{c}` alone is not a CEL operator"),
                format!("{what} `{fix}`"),
            ));
        } else {
            return Err(err(
                i,
                format!("`{c}` is not part of CEL"),
                "quote text as a string: 'Ready'",
            ));
        }
    }
    Ok(out)
}

fn starts_with(cs: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| cs.get(i + k) == Some(&c))
}

/// At a string literal (with an optional `r`/`b` prefix): the length of its prefix.
fn string_start(cs: &[char], i: usize) -> Option<usize> {
    let mut k = 0;
    while k < 2
        && cs
            .get(i + k)
            .is_some_and(|c| matches!(c, 'r' | 'R' | 'b' | 'B'))
    {
        k += 1;
    }
    matches!(cs.get(i + k), Some('"' | '\'')).then_some(k)
}

/// The offset after the string literal at `i` whose prefix is `prefix` characters long.
fn string_end(cs: &[char], i: usize, prefix: usize) -> Result<usize, CelError> {
    let raw = cs[i..i + prefix].iter().any(|c| matches!(c, 'r' | 'R'));
    let q = cs[i + prefix];
    let triple = cs.get(i + prefix + 1) == Some(&q) && cs.get(i + prefix + 2) == Some(&q);
    let close: String = if triple {
        [q, q, q].iter().collect()
    } else {
        q.to_string()
    };
    let mut j = i + prefix + close.chars().count();
    while j < cs.len() {
        if cs[j] == '\\' && !raw {
            j += 2;
            continue;
        }
        if !triple && cs[j] == '\n' {
            break;
        }
        if starts_with(cs, j, &close) {
            return Ok(j + close.chars().count());
        }
        j += 1;
    }
    Err(err(
        i,
        "string without its closing quote",
        format!("end the string with {close}"),
    ))
}

fn number_end(cs: &[char], mut i: usize) -> usize {
    let digit = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_digit());
    if cs[i] == '0' && matches!(cs.get(i + 1), Some('x' | 'X')) {
        i += 2;
        while cs.get(i).is_some_and(|c| c.is_ascii_hexdigit()) {
            i += 1;
        }
    } else {
        while digit(cs.get(i)) {
            i += 1;
        }
        if cs.get(i) == Some(&'.') && digit(cs.get(i + 1)) {
            i += 1;
            while digit(cs.get(i)) {
                i += 1;
            }
        }
        if matches!(cs.get(i), Some('e' | 'E')) {
            let sign = usize::from(matches!(cs.get(i + 1), Some('+' | '-')));
            if digit(cs.get(i + 1 + sign)) {
                i += 1 + sign;
                while digit(cs.get(i)) {
                    i += 1;
                }
            }
        }
    }
    if matches!(cs.get(i), Some('u' | 'U')) {
        i += 1;
    }
    i
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    /// The text's length, where an error at the end points.
    end: usize,
}

/// Binary operators by precedence, loosest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["==", "!=", "<", "<=", ">", ">=", "in"],
    &["+", "-"],
    &["*", "/", "%"],
];

/// Nesting beyond this is refused rather than risking the stack on a hostile input.
const MAX_DEPTH: usize = 100;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }

    fn eat(&mut self, op: &str) -> bool {
        let hit = match self.peek() {
            Some(Tok::Op(o)) => *o == op,
            Some(Tok::Ident(w)) => op == "in" && w == "in",
            _ => false,
        };
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, op: &str, open: usize) -> Result<(), CelError> {
        if self.eat(op) {
            return Ok(());
        }
        let found = match self.peek() {
            None => "the end".to_string(),
            Some(Tok::Op(o)) => format!("`{o}`"),
            Some(Tok::Ident(w)) => format!("`{w}`"),
            Some(Tok::Lit) => "a literal".to_string(),
        };
        Err(err(
            self.at(),
            format!("expected `{op}`, found {found}"),
            format!("close what opens at character {}", open + 1),
        ))
    }

    /// `a ? b : c` around the binary operators.
    fn expr(&mut self, depth: usize) -> Result<(), CelError> {
        if depth > MAX_DEPTH {
            return Err(err(self.at(), "nested too deep", "split the expression"));
        }
        self.binary(0, depth)?;
        let q = self.at();
        if self.eat("?") {
            self.binary(0, depth)?;
            self.expect(":", q)?;
            self.expr(depth + 1)?;
        }
        Ok(())
    }

    fn binary(&mut self, level: usize, depth: usize) -> Result<(), CelError> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary(depth);
        };
        self.binary(level + 1, depth)?;
        while ops.iter().any(|op| self.eat(op)) {
            self.binary(level + 1, depth)?;
        }
        Ok(())
    }

    fn unary(&mut self, depth: usize) -> Result<(), CelError> {
        while self.eat("!") || self.eat("-") {}
        self.member(depth)
    }

    /// A primary with its selections, calls and indexes.
    fn member(&mut self, depth: usize) -> Result<(), CelError> {
        let mut named = self.primary(depth)?;
        loop {
            let open = self.at();
            if self.eat(".") {
                self.ident()?;
                named = true;
                if self.eat("(") {
                    self.list(")", open, depth)?;
                    named = false;
                }
            } else if self.eat("[") {
                self.expr(depth + 1)?;
                self.expect("]", open)?;
                named = false;
            } else if named && self.eat("{") {
                // A message construction: `Type{field: value}`.
                self.inits(open, depth, true)?;
                named = false;
            } else {
                return Ok(());
            }
        }
    }

    fn ident(&mut self) -> Result<(), CelError> {
        if let Some(Tok::Ident(_)) = self.peek() {
            self.pos += 1;
            return Ok(());
        }
        Err(err(
            self.at(),
            "expected a field name after `.`",
            "write `object.field`",
        ))
    }

    /// The start of an operand; whether it is a plain name (which `{` may follow).
    fn primary(&mut self, depth: usize) -> Result<bool, CelError> {
        let open = self.at();
        let Some(tok) = self.peek().cloned() else {
            return Err(err(
                self.end,
                "the expression ends where an operand is expected",
                "complete the condition",
            ));
        };
        self.pos += 1;
        match tok {
            Tok::Lit => Ok(false),
            Tok::Ident(_) => {
                if self.eat("(") {
                    self.list(")", open, depth)?;
                    return Ok(false);
                }
                Ok(true)
            }
            Tok::Op(".") => {
                self.ident()?;
                Ok(true)
            }
            Tok::Op("(") => {
                self.expr(depth + 1)?;
                self.expect(")", open)?;
                Ok(false)
            }
            Tok::Op("[") => {
                self.list("]", open, depth)?;
                Ok(false)
            }
            Tok::Op("{") => {
                self.inits(open, depth, false)?;
                Ok(false)
            }
            other => Err(err(
                open,
                match other {
                    Tok::Op(o) => format!("`{o}` where an operand is expected"),
                    _ => "an operand is expected".to_string(),
                },
                "put a value, a field or a call here",
            )),
        }
    }

    /// Comma-separated expressions up to `close` (a trailing comma allowed).
    fn list(&mut self, close: &str, open: usize, depth: usize) -> Result<(), CelError> {
        while !self.eat(close) {
            self.expr(depth + 1)?;
            if !self.eat(",") {
                return self.expect(close, open);
            }
        }
        Ok(())
    }

    /// `key: value` pairs up to `}`; in a message the keys are field names.
    fn inits(&mut self, open: usize, depth: usize, fields: bool) -> Result<(), CelError> {
        while !self.eat("}") {
            if fields {
                self.ident()?;
            } else {
                self.expr(depth + 1)?;
            }
            self.expect(":", open)?;
            self.expr(depth + 1)?;
            if !self.eat(",") {
                return self.expect("}", open);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_health_check_expressions() {
        for ok in [
            "status.phase == 'Running'",
            "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
            "has(status.readyReplicas) && status.readyReplicas >= spec.replicas",
            "metadata.generation == status.observedGeneration ? true : false",
            "status.conditions.exists(c, c.type in ['Failed', \"Stalled\"]) || !has(status.x)",
            "size(spec.items) > 0u && -1 < 2.5e3 && {'a': 1}['a'] == 1",
            "r'raw\\d' != b\"x\" && '''multi\nline''' != ''",
        ] {
            assert_eq!(parse(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_broken_syntax_where_it_breaks() {
        for (bad, offset) in [
            ("status.phase = 'Running'", 13),
            ("status.phase == 'Running", 16),
            ("(status.ready", 13),
            ("status.ready and spec.x", 13),
            ("status.", 7),
            ("", 0),
            ("a ==", 4),
            ("a ? b", 5),
        ] {
            let e = parse(bad).expect_err(bad);
            assert_eq!(e.offset, offset, "{bad}: {e:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "(".repeat(10_000);
        assert!(parse(&deep).is_err());
    }
}
