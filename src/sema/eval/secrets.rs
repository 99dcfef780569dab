//! The plaintext-secret check (E0304) on evaluated values, where they leave the lab.
//!
//! A secret in a `.lab` file is a reference, `secret("path")`. This module finds the
//! values that are not, wherever they were computed: it walks the finished value of a
//! resource body, of Helm values or of a manifest document, and reports the plaintext
//! values in secret positions (see `leaks`). A report points at the record item that
//! wrote the value (`attribute`), found by walking the syntax along the value's path.

use super::value::Value;
use crate::db::SourceFile;
use crate::syntax::ast::{Expr, ExprKind, RecordItem, Span};

/// One step of a path into a value tree (the schema checks' type, so both say paths alike).
pub use crate::schema::Seg;

/// Why a value is a plaintext secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Under a key whose name is a credential (`password`, `adminPassword`, ...).
    Key,
    /// In the `data`/`stringData` of a `v1` Secret (any key).
    SecretData,
    /// The `value` of a `{ name, value }` entry whose name is a credential.
    Env,
    /// A command-line flag named like a credential (`--password=...`).
    Flag,
    /// The password part of a URL's userinfo (`https://user:pass@host`).
    Url,
    /// A `password = ...` or `password: ...` line of a configuration file in a string.
    ConfigLine,
    /// A `password=...` pair in a one-line text: a URL query, a connection string, a
    /// DSN, an assignment in a command line (`PGPASSWORD=... psql`).
    Pair,
}

/// A plaintext secret found in a value tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leak {
    /// Where the value is, from the root of the walked tree.
    pub path: Vec<Seg>,
    pub rule: Rule,
    /// The key, variable, flag or URL user that names the secret.
    pub what: String,
}

impl Leak {
    pub fn message(&self) -> String {
        let w = &self.what;
        match self.rule {
            Rule::Key | Rule::SecretData => format!("`{w}` holds a plaintext secret"),
            Rule::Env => format!("the environment variable `{w}` holds a plaintext secret"),
            Rule::Flag => format!("the flag `{w}` holds a plaintext secret"),
            Rule::ConfigLine => format!("the line `{w}` of this text holds a plaintext secret"),
            Rule::Pair => format!("`{w}=...` in this text holds a plaintext secret"),
            Rule::Url if w.is_empty() => "a URL carries a password".into(),
            Rule::Url => format!("a URL carries the password of `{w}`"),
        }
    }

    pub fn help(&self) -> &'static str {
        match self.rule {
            Rule::Key | Rule::SecretData => "keep it in the secret store and pass secret(\"path\") to a template that creates a Secret from it",
            Rule::Env => "read it from a Secret made from the secret store: `valueFrom.secretKeyRef { name = ..., key = ... }`",
            Rule::Flag => "pass it through an environment variable read from a Secret (`--flag=$(VAR)`), or use the program's option that reads a file",
            Rule::Url => "leave the password out of the URL and give it to the program from a Secret made from the secret store",
            Rule::ConfigLine => "keep the file in a Secret made from the secret store (an ExternalSecret template can fill in the value: `{{ .password }}`)",
            Rule::Pair => "give the program the value from a Secret made from the secret store (an environment variable read from it: `$(DB_PASSWORD)`), or keep the whole text in such a Secret",
        }
    }

    /// Why the value counts as secret, when the message alone does not say.
    pub fn note(&self) -> Option<String> {
        if !self.what.is_ascii() && matches!(self.rule, Rule::Key | Rule::Env | Rule::Flag) {
            return Some(format!(
                "`{}` reads as `{}`: it has look-alike or invisible characters",
                self.what,
                words(&self.what).join("_")
            ));
        }
        match self.rule {
            Rule::SecretData => Some(
                "everything in a Secret's `data` and `stringData` is secret, whatever its key"
                    .into(),
            ),
            _ => None,
        }
    }

    /// `items[0].stringData.db`, for reports that cannot point at an expression.
    pub fn path_text(&self) -> String {
        crate::schema::path_text(&self.path)
    }
}

/// Deepest tree walked (values are bounded by the evaluator; manifests by their parser).
const MAX_DEPTH: usize = 256;

/// The plaintext secrets in `body`. `object` is the (apiVersion, kind) of a resource body,
/// which holds neither; `None` for Helm values and whole manifest documents (nested
/// objects, such as the `items` of a `v1 List`, are recognised by their own fields).
pub fn leaks(object: Option<(&str, &str)>, body: &Value) -> Vec<Leak> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    match (object, body) {
        (Some((a, k)), Value::Record(fields)) => {
            walk_record(fields, a == "v1" && k == "Secret", &mut path, &mut out, 0)
        }
        _ => walk(body, &mut path, &mut out, 0),
    }
    out
}

fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Leak>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Record(fields) => {
            let text = |k: &str| match fields.get(k) {
                Some(Value::Str(s)) => Some(s.as_str()),
                _ => None,
            };
            let secret_object = text("apiVersion") == Some("v1") && text("kind") == Some("Secret");
            walk_record(fields, secret_object, path, out, depth);
        }
        Value::List(items) => {
            flag_leaks(items, path, out);
            for (i, it) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(it, path, out, depth + 1);
                path.pop();
            }
        }
        Value::Str(s) | Value::Url(s) => {
            if let Some(user) = url_password(s) {
                out.push(Leak {
                    path: path.clone(),
                    rule: Rule::Url,
                    what: user,
                });
            } else if let Some(key) = config_line_secret(s) {
                out.push(Leak {
                    path: path.clone(),
                    rule: Rule::ConfigLine,
                    what: key,
                });
            } else if let Some(name) = pair_secret(s) {
                out.push(Leak {
                    path: path.clone(),
                    rule: Rule::Pair,
                    what: name,
                });
            }
        }
        _ => {}
    }
}

fn walk_record(
    fields: &indexmap::IndexMap<String, Value>,
    secret_object: bool,
    path: &mut Vec<Seg>,
    out: &mut Vec<Leak>,
    depth: usize,
) {
    // A record that holds a reference (`remoteRef`, `secretKeyRef`) maps key names; its
    // `secretKey` names a key of a Secret, it is not an AWS-style secret key.
    let has_ref = fields.keys().any(|k| {
        matches!(
            words(k).last().map(String::as_str),
            Some("ref" | "reference")
        )
    });
    // `{ name = "DB_PASSWORD", value = "..." }`: a container env entry, or any list of
    // named values built the same way (Helm `extraEnv`).
    let mut env_leak = false;
    if let (Some(Value::Str(name)), Some(value)) = (fields.get("name"), fields.get("value")) {
        if is_credential(name, false) && is_named_plaintext(value) {
            env_leak = true;
            path.push(Seg::Key("value".into()));
            out.push(Leak {
                path: path.clone(),
                rule: Rule::Env,
                what: name.clone(),
            });
            path.pop();
        }
    }
    for (k, v) in fields {
        path.push(Seg::Key(k.clone()));
        if secret_object && (k == "data" || k == "stringData") {
            secret_data(k, v, path, out, depth + 1);
        } else if is_credential(k, has_ref) {
            credential_value(k, v, path, out, depth + 1);
        } else if !(env_leak && k == "value") {
            walk(v, path, out, depth + 1);
        }
        path.pop();
    }
}

/// Everything under a Secret's `data`/`stringData`.
fn secret_data(key: &str, v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Leak>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Record(fields) => {
            for (k, it) in fields {
                path.push(Seg::Key(k.clone()));
                secret_data(k, it, path, out, depth + 1);
                path.pop();
            }
        }
        Value::List(items) => {
            for (i, it) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                secret_data(key, it, path, out, depth + 1);
                path.pop();
            }
        }
        v if is_plaintext(v) => out.push(Leak {
            path: path.clone(),
            // A credential-named key says more than "it is in a Secret".
            rule: if is_credential(key, false) {
                Rule::Key
            } else {
                Rule::SecretData
            },
            what: key.to_string(),
        }),
        _ => {}
    }
}

/// The value of a credential-named key: a scalar is a leak, a record is walked (its keys
/// say what they hold: `auth { enabled = true, existingSecret = "..." }`).
fn credential_value(key: &str, v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Leak>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Record(_) => walk(v, path, out, depth),
        Value::List(items) => {
            for (i, it) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                credential_value(key, it, path, out, depth + 1);
                path.pop();
            }
        }
        v if is_named_plaintext(v) => out.push(Leak {
            path: path.clone(),
            rule: Rule::Key,
            what: key.to_string(),
        }),
        _ => {}
    }
}

/// `--password=...`, `--token ...` in a list of strings (container `args`/`command`, a
/// shell line in one of them, a chart's `extraArgs`). Assignments in them
/// (`PGPASSWORD=x psql`) are pairs, found in every string (`pair_secret`).
fn flag_leaks(items: &[Value], path: &mut Vec<Seg>, out: &mut Vec<Leak>) {
    let mut report = |i: usize, flag: &str, out: &mut Vec<Leak>| {
        path.push(Seg::Index(i));
        out.push(Leak {
            path: path.clone(),
            rule: Rule::Flag,
            what: flag.to_string(),
        });
        path.pop();
    };
    for (i, it) in items.iter().enumerate() {
        let Value::Str(s) = it else { continue };
        let tokens: Vec<&str> = s.split_whitespace().collect();
        for (t, token) in tokens.iter().enumerate() {
            let Some(name) = token.strip_prefix('-') else {
                continue;
            };
            let name = name.trim_start_matches('-');
            match name.split_once('=') {
                Some((flag, value)) if is_credential(flag, false) && is_plaintext_word(value) => {
                    report(i, token.split('=').next().unwrap_or(token), out);
                }
                Some(_) => {}
                None if is_credential(name, false) => {
                    // The value is the next word of this string, or the next element.
                    let next = match tokens.get(t + 1) {
                        Some(n) => Some((i, *n)),
                        None if tokens.len() == 1 => match items.get(i + 1) {
                            Some(Value::Str(n)) => Some((i + 1, n.as_str())),
                            _ => None,
                        },
                        None => None,
                    };
                    if let Some((at, n)) = next {
                        if !n.starts_with('-') && is_plaintext_word(n) {
                            report(at, token, out);
                        }
                    }
                }
                None => {}
            }
        }
    }
}

/// The name of the first credential-named `name=value` pair of a one-line text: a URL's
/// query (`?password=...`), a connection string (`Password=...;`), a DSN
/// (`password=... dbname=...`), an assignment in a command line (`PGPASSWORD=... psql`).
/// Flags (`--password=...`) are `flag_leaks`' (it sees the list they are in).
fn pair_secret(s: &str) -> Option<String> {
    let separator = |c: char| c.is_whitespace() || matches!(c, ';' | '&' | '?' | ',');
    s.split(separator)
        .filter(|token| !token.starts_with('-'))
        .filter_map(|token| token.split_once('='))
        .find(|(name, value)| {
            is_variable_name(name) && is_credential(name, false) && is_plaintext_word(value)
        })
        .map(|(name, _)| name.to_string())
}

/// A variable or setting name on the left of `=` in a command line: `DB_PASSWORD`,
/// `auth.password` (Helm's `--set`); not a URL or a path (`https://x/?token`).
fn is_variable_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The value of a flag or assignment in a command line that is a plaintext secret: not
/// empty, not a configuration word (`--auth=none`), not a reference, and not a shell
/// expansion (`$DB_PASSWORD`, `"$TOKEN"`, `$(cat /run/secrets/pw)`, `` `cat f` ``),
/// which the shell replaces with what it names.
fn is_plaintext_word(s: &str) -> bool {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'');
    // A template split at its spaces (`password={{ .password }}`) starts with `{{`.
    is_plaintext_str(s) && !is_config_word(s) && !s.starts_with(['$', '`']) && !s.starts_with("{{")
}

/// Whether a value in a secret position is a plaintext secret: not empty, not a flag,
/// not a reference (a template over fetched fields, `$(VAR)`).
fn is_plaintext(v: &Value) -> bool {
    match v {
        Value::Str(s) | Value::Url(s) => is_plaintext_str(s),
        Value::Int(_) | Value::Decimal(_) | Value::Unit(_) => true,
        _ => false,
    }
}

pub fn is_plaintext_str(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    // `{{ .password }}`: an External Secrets (or Helm) template over fetched fields.
    if let Some(open) = s.find("{{") {
        if s[open..].contains("}}") {
            return false;
        }
    }
    // `$(DB_PASSWORD)`: Kubernetes expands it from the container's environment.
    let reference = |open: &str, close: char| {
        s.strip_prefix(open)
            .and_then(|r| r.strip_suffix(close))
            .is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    !(reference("$(", ')') || reference("${", '}'))
}

/// A word of configuration (`true`, `none`, `off`, ...), not a secret: what a
/// credential-named switch holds (`auth = "none"`, `DISABLE_AUTH=true`, `--auth=off`).
pub fn is_config_word(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "0"
            | "1"
            | "enabled"
            | "disabled"
            | "required"
            | "optional"
            | "null"
            | "none"
            | "~"
            | "|"
            | ">"
            | "|-"
            | ">-"
            | "[]"
            | "{}"
            | "{"
            | "["
    )
}

/// A plaintext secret under a credential *name* (a key, an env entry, a flag): as
/// `is_plaintext`, except that a configuration word is a switch, not a secret. (Inside a
/// Secret's data every value counts: there is no switch there.)
fn is_named_plaintext(v: &Value) -> bool {
    is_plaintext(v) && !matches!(v, Value::Str(s) if is_config_word(s))
}

/// The key of the first `key = value` / `key: value` line of a multi-line text or a
/// one-line JSON object (a configuration file) whose key is a credential and whose value
/// is plaintext. Values that are words of configuration, not secrets (`true`, `none`,
/// ...), are left alone.
fn config_line_secret(s: &str) -> Option<String> {
    let one_line_object = {
        let t = s.trim();
        t.starts_with('{') && t.ends_with('}')
    };
    // A one-line JSON object (`{"password": "x"}`) is read entry by entry, as lines.
    let lines: Vec<&str> = if s.contains('\n') {
        s.lines().collect()
    } else if one_line_object {
        s.split([',', '{', '}']).collect()
    } else {
        return None;
    };
    for line in lines {
        let line = line.trim().trim_start_matches("- ");
        let Some(at) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line[..at].trim(), line[at + 1..].trim());
        let key = key.trim_matches(|c| c == '"' || c == '\'');
        if key.is_empty() || key.contains(char::is_whitespace) || !is_credential(key, false) {
            continue;
        }
        let value = value.split(" #").next().unwrap_or_default().trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';');
        if !is_config_word(value) && is_plaintext_str(value) {
            return Some(key.to_string());
        }
    }
    None
}

/// The user of a URL in `s` whose userinfo carries a password (`scheme://user:pw@host`).
pub fn url_password(s: &str) -> Option<String> {
    let mut rest = s;
    while let Some(at) = rest.find("://") {
        let after = &rest[at + 3..];
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        if let Some((userinfo, _host)) = authority.rsplit_once('@') {
            if let Some((user, password)) = userinfo.split_once(':') {
                if is_plaintext_str(password) {
                    return Some(user.to_string());
                }
            }
        }
        rest = &after[end..];
    }
    None
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/// Words that name a credential when they end a key (`adminPassword`, `DB_PASSWORD`).
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "passphrase",
    "token",
    "credentials",
    "credential",
    "auth",
    "bearer",
    "apikey",
    "accesskey",
    "privatekey",
];

/// Endings that make a credential even glued to a word before (`rootpassword`,
/// `clientsecret`); short or common endings (`pass`: `bypass`) are words only.
const CREDENTIAL_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "credentials",
    "apikey",
    "accesskey",
    "privatekey",
];

/// Words before `key` that make a credential (`apiKey`, `access_key`, `private-key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "private",
    "secret",
    "encryption",
    "signing",
];

/// Words before `secret` that make the key name a Secret rather than hold one
/// (`passwordSecret`, `tlsSecret`, `githubConfigSecret`, `imagePullSecret`); a bare `secret` names a Secret too (Kubernetes'
/// `secret: <name>`). Any other word makes a credential (`clientSecret`, `webhookSecret`).
const SECRET_REF_QUALIFIERS: &[&str] = &[
    "existing",
    "tls",
    "ca",
    "cert",
    "certificate",
    "password",
    "passwd",
    "pass",
    "token",
    "credentials",
    "credential",
    "auth",
    "key",
    "keys",
    "use",
    "user",
    "ssh",
    "config",
    "configuration",
    "env",
    "pull",
    "registry",
    "docker",
];

/// Whether the key (or env variable, or flag) `key` names a credential. Its words are
/// matched, not its text: `passport`, `bypass`, `author`, `tokenizer` and `passThrough`
/// are not credentials. `has_ref`: the record also holds a reference (`remoteRef`), so
/// its `secretKey` names a key of a Secret.
pub fn is_credential(key: &str, has_ref: bool) -> bool {
    let w = words(key);
    let Some(last) = w.last().map(String::as_str) else {
        return false;
    };
    // `existingSecret`, `existingPasswordKey`: the name of an existing Secret.
    if w[0] == "existing" {
        return false;
    }
    let prev = w.len().checked_sub(2).map(|i| w[i].as_str());
    match last {
        "key" => match prev {
            Some("secret") => !has_ref,
            Some(p) => KEY_QUALIFIERS.contains(&p),
            None => false,
        },
        "secretkey" => !has_ref,
        "secret" => prev.is_some_and(|p| !SECRET_REF_QUALIFIERS.contains(&p)),
        _ if CREDENTIAL_WORDS.contains(&last) => true,
        _ => CREDENTIAL_SUFFIXES
            .iter()
            .any(|s| last.len() > s.len() && last.ends_with(s)),
    }
}

/// The words of a key, lower case: split at separators, digits, non-letters and camelCase
/// humps (`APIToken` is `api token`). Look-alike letters are read as the ASCII letter they
/// imitate and invisible characters are dropped, so `pаssword` (Cyrillic `а`) and
/// `pass\u{200b}word` are `password`.
pub fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().filter_map(skeleton).collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The ASCII character `c` imitates; `None` for invisible characters (dropped), a space
/// for any other non-ASCII character (a word boundary).
fn skeleton(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    let cp = c as u32;
    // Invisible: soft hyphen, zero-width and direction marks, word joiners, BOM, and
    // combining marks (an accent over an ASCII letter still reads as the letter).
    if matches!(cp, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF | 0x180E | 0x0300..=0x036F)
    {
        return None;
    }
    // Fullwidth forms of ASCII.
    if (0xFF01..=0xFF5E).contains(&cp) {
        return char::from_u32(cp - 0xFEE0);
    }
    // Mathematical alphanumeric letters: runs of 52 (A-Z, a-z) from U+1D400.
    if (0x1D400..=0x1D6A3).contains(&cp) {
        let i = ((cp - 0x1D400) % 52) as u8;
        return Some(if i < 26 {
            (b'A' + i) as char
        } else {
            (b'a' + i - 26) as char
        });
    }
    const CONFUSABLES: &[(char, char)] = &[
        // Cyrillic
        ('а', 'a'),
        ('в', 'b'),
        ('е', 'e'),
        ('к', 'k'),
        ('м', 'm'),
        ('н', 'h'),
        ('о', 'o'),
        ('р', 'p'),
        ('с', 'c'),
        ('т', 't'),
        ('у', 'y'),
        ('х', 'x'),
        ('ѕ', 's'),
        ('і', 'i'),
        ('ј', 'j'),
        ('ԁ', 'd'),
        ('ӏ', 'l'),
        ('ԛ', 'q'),
        ('ԝ', 'w'),
        ('ѡ', 'w'),
        ('һ', 'h'),
        ('А', 'A'),
        ('В', 'B'),
        ('Е', 'E'),
        ('К', 'K'),
        ('М', 'M'),
        ('Н', 'H'),
        ('О', 'O'),
        ('Р', 'P'),
        ('С', 'C'),
        ('Т', 'T'),
        ('У', 'Y'),
        ('Х', 'X'),
        ('Ѕ', 'S'),
        ('І', 'I'),
        ('Ј', 'J'),
        ('Ԁ', 'D'),
        ('Ԛ', 'Q'),
        ('Ԝ', 'W'),
        // Greek
        ('α', 'a'),
        ('ε', 'e'),
        ('ι', 'i'),
        ('κ', 'k'),
        ('ν', 'v'),
        ('ο', 'o'),
        ('ρ', 'p'),
        ('τ', 't'),
        ('υ', 'u'),
        ('χ', 'x'),
        ('ω', 'w'),
        ('Α', 'A'),
        ('Β', 'B'),
        ('Ε', 'E'),
        ('Ζ', 'Z'),
        ('Η', 'H'),
        ('Ι', 'I'),
        ('Κ', 'K'),
        ('Μ', 'M'),
        ('Ν', 'N'),
        ('Ο', 'O'),
        ('Ρ', 'P'),
        ('Τ', 'T'),
        ('Υ', 'Y'),
        ('Χ', 'X'),
        // Latin
        ('ı', 'i'),
        ('ſ', 's'),
        ('ɑ', 'a'),
        ('ɡ', 'g'),
        ('ℓ', 'l'),
        ('ⅰ', 'i'),
        ('ⅼ', 'l'),
    ];
    Some(
        CONFUSABLES
            .iter()
            .find(|(from, _)| *from == c)
            .map_or(' ', |(_, to)| *to),
    )
}

// ---------------------------------------------------------------------------
// Attribution and reporting
// ---------------------------------------------------------------------------

/// The expression among `items` that wrote the value at `path`: the innermost record
/// item, list element or comprehension body on the way. `None` when no item of `items`
/// wrote it (an earlier `values` statement did).
pub fn attribute<'e>(items: &'e [RecordItem], path: &[Seg]) -> Option<&'e Expr> {
    // Later items win: they override earlier ones.
    for item in items.iter().rev() {
        let found = match item {
            RecordItem::Field {
                path: kp, value, ..
            } => {
                let prefix = kp.len() <= path.len()
                    && kp
                        .iter()
                        .zip(path)
                        .all(|(k, s)| matches!(s, Seg::Key(t) if *t == k.text));
                prefix.then(|| descend(value, &path[kp.len()..]))
            }
            RecordItem::For { body, .. } => attribute(body, path),
            RecordItem::If {
                then, otherwise, ..
            } => attribute(then, path).or_else(|| attribute(otherwise, path)),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn descend<'e>(e: &'e Expr, rest: &[Seg]) -> &'e Expr {
    let Some(first) = rest.first() else { return e };
    match (&e.kind, first) {
        (ExprKind::Record { items, .. }, Seg::Key(_)) => attribute(items, rest).unwrap_or(e),
        (ExprKind::List(elems), Seg::Index(i)) => match elems.get(*i) {
            Some(el) => descend(el, &rest[1..]),
            None => e,
        },
        (ExprKind::ListComp { body, .. }, Seg::Index(_)) => descend(body, &rest[1..]),
        _ => e,
    }
}

/// A `values` statement: what it wrote, and where, for reporting once the component's
/// values are complete (leaks depend on the whole tree: sibling keys, enclosing objects).
#[derive(Debug)]
pub struct Writer {
    pub file: SourceFile,
    pub site: Option<(SourceFile, Span)>,
    pub items: Vec<RecordItem>,
    pub fallback: Span,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_by_their_words() {
        for key in [
            "password",
            "PASSWORD",
            "DB_PASSWORD",
            "SMTP_RELAY_PASSWORD",
            "adminPassword",
            "root_password",
            "rootpassword",
            "pass",
            "passwd",
            "token",
            "apiToken",
            "auth_token",
            "API-TOKEN",
            "APIToken",
            "secret_key",
            "SECRET_KEY",
            "clientSecret",
            "client-secret",
            "clientsecret",
            "webhookSecret",
            "apikey",
            "apiKey",
            "api_key",
            "accessKey",
            "access-key",
            "AWS_SECRET_ACCESS_KEY",
            "privateKey",
            "private-key",
            "credentials",
            "credential",
            "auth",
            "basicAuth",
            "bearer",
            "sshPassphrase",
            "password ",
            " token",
            "pаssword",
            "pass\u{200b}word",
            "ｐａｓｓｗｏｒｄ",
            "𝐩𝐚𝐬𝐬𝐰𝐨𝐫𝐝",
            "password2",
        ] {
            assert!(is_credential(key, false), "{key:?} should be a credential");
        }
    }

    #[test]
    fn words_that_only_look_close_are_not_credentials() {
        for key in [
            "passport",
            "bypass",
            "author",
            "authority",
            "tokenizer",
            "passthrough",
            "passThrough",
            "ssl_passthrough",
            "compass",
            "passive",
            "token_ttl",
            "tokenTTL",
            "passwordLength",
            "password_policy",
            "passwordFile",
            "tokenPath",
            "authType",
            "authMethod",
            "oauth",
            "omniauth",
            "accessKeyId",
            "aws_access_key_id",
            "key",
            "keys",
            "secret",
            "secrets",
            "secretName",
            "existingSecret",
            "existingPasswordSecret",
            "secretKeyRef",
            "apiTokenSecretRef",
            "privateKeySecretRef",
            "passwordSecret",
            "tokenSecret",
            "tlsSecret",
            "secretStoreRef",
            "passwordKey",
            "tokenKey",
            "githubConfigSecret",
            "imagePullSecret",
            "useSecret",
            "name",
            "value",
            "",
        ] {
            assert!(
                !is_credential(key, false),
                "{key:?} should not be a credential"
            );
        }
    }

    #[test]
    fn secret_key_beside_a_reference_names_a_key() {
        assert!(is_credential("secretKey", false));
        assert!(!is_credential("secretKey", true));
    }

    #[test]
    fn words_split_humps_separators_and_digits() {
        assert_eq!(
            words("APITokenSecretRef"),
            ["api", "token", "secret", "ref"]
        );
        assert_eq!(words("db-password_2 "), ["db", "password"]);
        assert_eq!(words("pаss"), ["pass"]);
        assert_eq!(words("pass☃word"), ["pass", "word"]);
    }

    #[test]
    fn references_are_not_plaintext() {
        for s in [
            "",
            "  ",
            "{{ .password }}",
            "x-{{ .token }}",
            "$(DB_PASSWORD)",
            "${TOKEN}",
        ] {
            assert!(!is_plaintext_str(s), "{s:?}");
        }
        for s in ["hunter2", "{{ unclosed", "$(", "$(a b)"] {
            assert!(is_plaintext_str(s), "{s:?}");
        }
    }

    #[test]
    fn deep_trees_end_without_overflow() {
        let mut v = Value::Str("hunter2".into());
        for _ in 0..10_000 {
            v = Value::List(vec![v]);
        }
        let tree = Value::Record([("password".to_string(), v)].into_iter().collect());
        assert!(leaks(None, &tree).is_empty());
    }

    #[test]
    fn url_userinfo() {
        assert_eq!(url_password("https://u:p@h/x").as_deref(), Some("u"));
        assert_eq!(
            url_password("see redis://:pw@r:6379 now").as_deref(),
            Some("")
        );
        for s in [
            "https://u@h/x",
            "ssh://git@github.com/a/b",
            "https://h/x?a=b:c@d",
            "postgres://app:{{ .password }}@db/app",
            "postgres://app:@db/app",
            "admin@example.com",
            "no url",
        ] {
            assert_eq!(url_password(s), None, "{s:?}");
        }
    }
}
