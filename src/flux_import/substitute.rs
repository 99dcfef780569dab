//! Flux's `postBuild` substitution, offline: `${VAR}`, `${VAR:=default}` and
//! `${VAR:-default}` in a text, `$${VAR}` for a literal `${VAR}`. A variable with no value
//! and no default becomes the empty string, as Flux's non-strict mode does.

/// A piece of a text: literal text or a variable reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Text(String),
    Var {
        name: String,
        default: Option<String>,
    },
}

fn var_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The pieces of a text. Text that only looks like a reference stays text.
pub fn segments(text: &str) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        lit.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            lit.push_str("${");
            rest = after;
            continue;
        }
        if let Some(inner) = tail.strip_prefix("${") {
            if let Some(end) = inner.find('}') {
                let body = &inner[..end];
                let (name, default) = match body.find(":=").or_else(|| body.find(":-")) {
                    Some(i) => (&body[..i], Some(body[i + 2..].to_string())),
                    None => (body, None),
                };
                if var_name(name) {
                    if !lit.is_empty() {
                        out.push(Seg::Text(std::mem::take(&mut lit)));
                    }
                    out.push(Seg::Var {
                        name: name.to_string(),
                        default,
                    });
                    rest = &inner[end + 1..];
                    continue;
                }
            }
        }
        lit.push('$');
        rest = &tail[1..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        out.push(Seg::Text(lit));
    }
    out
}

/// The text with every variable replaced by its value (`vars`), its default, or nothing.
pub fn substitute(text: &str, vars: &dyn Fn(&str) -> Option<String>) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    segments(text)
        .into_iter()
        .map(|s| match s {
            Seg::Text(t) => t,
            Seg::Var { name, default } => vars(&name).or(default).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_defaults_and_escapes() {
        let vars = |n: &str| (n == "A").then(|| "x".to_string());
        assert_eq!(
            substitute("a-${A}-${B:=d}-${C}-$${A}-$x", &vars),
            "a-x-d--${A}-$x"
        );
        assert_eq!(substitute("${not a var}", &vars), "${not a var}");
        assert_eq!(substitute("${A", &vars), "${A");
    }
}
