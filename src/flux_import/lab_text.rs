//! YAML data as `.lab` expressions: records, lists, strings, numbers. A string that Flux
//! substituted from a settings ConfigMap keeps the reference, `${cluster.vars.NAME}`, so
//! one body serves every cluster; the rest is written as the value Flux applied.

use serde_yaml::Value;

use super::kustomize::scalar_text;
use super::substitute::{segments, Seg};

/// The words a name may not be (grammar/lab.pest, `keyword`).
const KEYWORDS: &[&str] = &[
    "for", "if", "then", "else", "in", "via", "of", "true", "false", "null",
];

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `s` is a lab name (`ident` of the grammar): letters, digits, `_`, and `-`
/// between them, not starting with a reserved word.
pub fn is_ident(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let Some(first) = chars.first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || *first == '_') {
        return false;
    }
    for (i, c) in chars.iter().enumerate() {
        let ok = ident_char(*c) || (*c == '-' && chars.get(i + 1).is_some_and(|n| ident_char(*n)));
        if !ok {
            return false;
        }
    }
    !KEYWORDS.iter().any(|k| {
        s.strip_prefix(k)
            .is_some_and(|rest| !rest.starts_with(ident_char))
    })
}

/// A lab string literal of `s`: `"`, `\`, control characters and `$` escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A record key: a name, or a string.
pub fn key(k: &str) -> String {
    if is_ident(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

/// How a variable reads in the lab, and its value: `(Some("cluster.vars.X"), value)` for
/// a settings variable, `(None, value)` for one written as its value (a Kustomization's
/// own `substitute`), `None` for one without a value (the whole string is then written as
/// Flux applied it).
pub type VarRef<'a> = &'a dyn Fn(&str) -> Option<(Option<String>, String)>;

/// Writes values; `lost` collects what could not be written exactly.
pub struct Writer<'a> {
    pub var_ref: VarRef<'a>,
    pub lost: Vec<String>,
}

impl Writer<'_> {
    /// `v` as an expression; `raw` is the same value before substitution, if known.
    pub fn value(&mut self, v: &Value, raw: Option<&Value>, indent: usize) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.string(s, raw.and_then(Value::as_str)),
            Value::Sequence(items) => {
                let raws = raw
                    .and_then(Value::as_sequence)
                    .filter(|r| r.len() == items.len());
                let parts: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.value(item, raws.map(|r| &r[i]), indent + 1))
                    .collect();
                list(&parts, indent)
            }
            Value::Mapping(m) => {
                let raws = raw.and_then(Value::as_mapping);
                let mut out = String::from("{\n");
                for (k, item) in m {
                    let k = scalar_text(k);
                    let r = raws.and_then(|r| r.get(k.as_str()));
                    let text = self.value(item, r, indent + 1);
                    out.push_str(&format!("{}{} = {}\n", pad(indent + 1), key(&k), text));
                }
                out.push_str(&pad(indent));
                out.push('}');
                out
            }
            // A duration setting (`component.rs`): a duration literal, `1h`.
            Value::Tagged(t) if t.tag == "duration" && t.value.is_string() => {
                t.value.as_str().unwrap_or_default().to_string()
            }
            Value::Tagged(t) => {
                self.lost.push(format!("YAML tag `{}` dropped", t.tag));
                self.value(&t.value, None, indent)
            }
        }
    }

    /// The items of a record, one `key = value` line each, for a block (`values { ... }`).
    pub fn record_items(&mut self, v: &Value, raw: Option<&Value>, indent: usize) -> String {
        let text = self.value(v, raw, indent.saturating_sub(1));
        match text.strip_prefix("{\n").and_then(|t| t.rsplit_once('}')) {
            Some((items, _)) => items.to_string(),
            None => String::new(),
        }
    }

    fn number(&mut self, n: &serde_yaml::Number) -> String {
        if n.is_i64() || n.is_u64() {
            return n.to_string();
        }
        let f = n.as_f64().unwrap_or_default();
        let text = format!("{f:?}");
        let plain = text.trim_start_matches('-');
        let decimal = plain.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
        });
        if decimal {
            text
        } else {
            self.lost.push(format!("number `{text}` written as text"));
            quote(&text)
        }
    }

    /// A string, keeping settings references where the text before substitution had them.
    fn string(&mut self, s: &str, raw: Option<&str>) -> String {
        let Some(raw) = raw.filter(|r| r.contains("${")) else {
            return quote(s);
        };
        let mut out = String::from("\"");
        let mut applied = String::new();
        for seg in segments(raw) {
            match seg {
                Seg::Text(t) => {
                    applied.push_str(&t);
                    let q = quote(&t);
                    out.push_str(&q[1..q.len() - 1]);
                }
                Seg::Var { name, .. } => match (self.var_ref)(&name) {
                    Some((Some(expr), value)) => {
                        applied.push_str(&value);
                        out.push_str(&format!("${{{expr}}}"));
                    }
                    Some((None, value)) => {
                        applied.push_str(&value);
                        let q = quote(&value);
                        out.push_str(&q[1..q.len() - 1]);
                    }
                    None => return quote(s),
                },
            }
        }
        out.push('"');
        if applied == s {
            out
        } else {
            quote(s)
        }
    }
}

fn pad(indent: usize) -> String {
    "  ".repeat(indent)
}

fn list(parts: &[String], indent: usize) -> String {
    if parts.iter().all(|p| !p.contains('\n')) && parts.iter().map(String::len).sum::<usize>() < 60
    {
        return format!("[{}]", parts.join(", "));
    }
    let mut out = String::from("[\n");
    for p in parts {
        out.push_str(&format!("{}{},\n", pad(indent + 1), p));
    }
    out.push_str(&pad(indent));
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings() {
        assert!(is_ident("app-template"));
        assert!(is_ident("SECRET_DOMAIN"));
        assert!(is_ident("iffy"));
        assert!(!is_ident("if-x"));
        assert!(!is_ident("in"));
        assert!(!is_ident("a--b"));
        assert!(!is_ident("app.kubernetes.io/name"));
        assert_eq!(quote("a\"${b}\n"), "\"a\\\"\\${b}\\n\"");
    }
}
