//! Syntax errors in plain words: no message names a rule of the grammar, whatever the
//! input; names that start with a statement or declaration keyword (`manifests`,
//! `includes`, `manifest_files`) parse as names; and the corrected variants of the E0101
//! fixtures of `tests/ui/` (unclosed brackets, reserved words) compile without errors.

use std::path::Path;

use labc::syntax::parse::{parse_file, SyntaxError};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The rule names of `grammar/lab.pest` (each `name = {`, with any modifier).
fn grammar_rules() -> Vec<String> {
    let grammar = std::fs::read_to_string(root().join("grammar/lab.pest")).expect("grammar");
    let mut rules = Vec::new();
    for line in grammar.lines() {
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let rest = rest.trim_start().trim_start_matches(['_', '@', '$', '!']);
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && rest.starts_with('{')
        {
            rules.push(name.to_string());
        }
    }
    rules
}

/// The words that may not appear in a message: every rule name with an underscore, as
/// written and with spaces (`add_op`, `add op`: the old fallback printed the latter), and
/// the one-word rule names that are jargon rather than English.
fn forbidden_words() -> Vec<String> {
    // One-word rule names that are plain words a message may use.
    const ENGLISH: &[&str] = &[
        "name", "item", "body", "key", "list", "record", "literal", "string", "escape", "call",
        "keyword", "digits", "prefix", "postfix",
    ];
    let mut out = Vec::new();
    for rule in grammar_rules() {
        if rule.contains('_') {
            out.push(rule.replace('_', " "));
            out.push(rule);
        } else if !ENGLISH.contains(&rule.as_str()) {
            out.push(rule);
        }
    }
    out
}

/// `text` without what it quotes in backticks: the author's own source (`expr` of a key
/// named `expr`) and syntax (`via mesh`) may be anything.
fn unquoted(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// Whether `text` contains `word` as a whole word (case-sensitive, as rule names are).
fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The `.lab` sources the mangled inputs are made from: the stdlib and the build cases.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("stdlib"), root().join("tests/build")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "lab") {
                let text = std::fs::read_to_string(&path).expect("readable source");
                files.push((path.display().to_string(), text));
            }
        }
    }
    files.sort();
    files
}

/// Mangled versions of `text`: truncated at many points, about 40 of its lines deleted
/// one at a time, and stray tokens inserted in the middle of lines.
fn mangles(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for k in 1..12 {
        let cut = (0..=text.len() * k / 12)
            .rev()
            .find(|c| text.is_char_boundary(*c))
            .unwrap_or(0);
        out.push(text[..cut].to_string());
    }
    let lines: Vec<&str> = text.lines().collect();
    let step = (lines.len() / 40).max(1);
    for i in (0..lines.len()).step_by(step) {
        let mut l = lines.clone();
        l.remove(i);
        out.push(l.join("\n"));
    }
    let strays = [
        "=", "+", ")", "]", "}", "{", "(", "[", "..", "\"", "${", "@", ":", ",", "of", "via",
        "for", "in", "1.", "-", "!", "<", "list<", "x.", "\"a${",
    ];
    for (n, stray) in strays.iter().enumerate() {
        for i in (n % 37..lines.len()).step_by(37) {
            let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            let line = &l[i];
            let at = line.len() / 2;
            let at = (0..=at)
                .rev()
                .find(|c| line.is_char_boundary(*c))
                .unwrap_or(0);
            l[i] = format!("{} {stray} {}", &line[..at], &line[at..]);
            out.push(l.join("\n"));
        }
    }
    out
}

/// Every text a syntax error shows.
fn texts(e: &SyntaxError) -> Vec<&str> {
    let mut t = vec![e.message.as_str(), e.label.as_str()];
    t.extend(e.help.as_deref());
    t.extend(e.secondary.as_ref().map(|(_, l)| l.as_str()));
    t
}

fn no_message_names_a_grammar_rule() {
    let forbidden = forbidden_words();
    assert!(
        forbidden.iter().any(|w| w == "add_op") && forbidden.iter().any(|w| w == "str text"),
        "the grammar's rule names were not read: {forbidden:?}"
    );
    let mut errors = 0usize;
    let mut bad = Vec::new();
    for (path, text) in sources() {
        for mangled in mangles(&text) {
            for e in parse_file(&mangled).1 {
                errors += 1;
                for t in texts(&e) {
                    let words = unquoted(t);
                    if let Some(w) = forbidden.iter().find(|w| has_word(&words, w)) {
                        bad.push(format!("{path}: `{w}` in {t:?}"));
                    }
                }
            }
        }
    }
    // The inputs must exercise the error paths, or the test says nothing.
    assert!(errors > 1000, "only {errors} syntax errors produced");
    bad.sort();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} messages name grammar rules:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

/// The statement and declaration keywords: a name may start with any of them.
const KEYWORDS: &[&str] = &[
    "manifest", "include", "resource", "require", "settings", "crds", "provides", "capacity",
    "consumes", "lab", "cluster", "pool", "type", "operator", "template", "install", "instance",
    "tenant", "use",
];

fn parses(src: &str) -> Result<(), String> {
    let errors = parse_file(src).1;
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(format!("{src}\n-> {}", e.message)),
    }
}

fn keyword_prefixed_names_parse() {
    let mut failures = Vec::new();
    for kw in KEYWORDS {
        for name in [
            format!("{kw}s"),
            format!("{kw}_files"),
            format!("{kw}-x"),
            format!("{kw}2"),
        ] {
            let cases = [
                // As a key, a block key and a key path in a body.
                format!("tenant t on c {{\n  {name} = 1\n}}\n"),
                format!("tenant t on c {{\n  {name} {{ a = 1 }}\n}}\n"),
                format!("tenant t on c {{\n  {name}.a = 1\n}}\n"),
                // As a call argument name and a record key.
                format!("tenant t on c {{\n  x = f({name}: 1)\n}}\n"),
                format!("tenant t on c {{\n  x = {{ {name} = 1 }}\n}}\n"),
                // As a setting, a template parameter and a type field.
                format!("operator o {{\n  settings {{ {name}: int = 1 }}\n}}\n"),
                format!("template t({name}: int) {{ }}\n"),
                format!("type T {{ {name}: string }}\n"),
                // As a variable in a value.
                format!("tenant t on c {{\n  x = {name} + 1\n}}\n"),
            ];
            for case in cases {
                if let Err(e) = parses(&case) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The keywords themselves still work as statements and declarations.
fn whole_keywords_are_still_statements() {
    let src = r#"use std.cilium
operator o {
  settings { size: int = 1 }
  crds "x.example.com" { Widget, cluster Gadget }
  provides thing o
  capacity connections = 10
  require true, "always"
  manifest "x.yaml"
}
tenant t on c {
  include o { a = 1 }
  consumes connections of o = 1
  resource "v1" ConfigMap "x" in "ns" { data.a = "1" }
}
"#;
    let (ast, errors) = parse_file(src);
    assert!(
        errors.is_empty(),
        "{:?}",
        errors.first().map(|e| &e.message)
    );
    assert_eq!(ast.uses.len(), 1);
    assert_eq!(ast.decls.len(), 2);
}

fn one_error(src: &str) -> SyntaxError {
    let errors = parse_file(src).1;
    assert_eq!(errors.len(), 1, "{src}: {errors:#?}");
    errors.into_iter().next().expect("one error")
}

fn unclosed_brackets_point_at_the_bracket() {
    // At the end of the file.
    let src = "cluster c {\n  id = 1\n";
    let e = one_error(src);
    assert_eq!(e.message, "expected `}` to close the `{` at line 1");
    assert_eq!(&src[e.span.start as usize..e.span.end as usize], "{");
    let (stop, label) = e.secondary.expect("a secondary label");
    assert_eq!(label, "the file ends here");
    assert_eq!(&src[stop.start as usize..stop.end as usize], "1");

    // Before the next declaration, which is parsed on its own and reports its error.
    let src =
        "cluster c {\n  id = 1\ncluster d {\n  id = = 2\n}\ntenant t on c {\n  x = [1 2]\n}\n";
    let errors = parse_file(src).1;
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0].message, "expected `}` to close the `{` at line 1");
    assert_eq!(
        errors[0].secondary.as_ref().map(|s| s.1.as_str()),
        Some("the next declaration starts here")
    );
    assert_eq!(errors[1].message, "expected a value, found `=`");
    assert!(
        errors[2].message.ends_with("found `2`"),
        "{}",
        errors[2].message
    );

    // A bad statement at the start of a line is that statement's error, not the body's.
    let e = one_error("tenant t on c {\n  x = 1\n  @ = 2\n}\n");
    assert!(e.secondary.is_none(), "{e:#?}");
    // So is a list element missing after a comma.
    let e = one_error("tenant t on c {\n  x = [\n    1,\n    @\n  ]\n}\n");
    assert_eq!(e.message, "expected a value, found `@`");
}

fn reserved_words_get_a_hint() {
    let e = one_error("tenant t on c {\n  for = \"1h\"\n}\n");
    assert_eq!(
        e.help.as_deref(),
        Some("`for` is a reserved word; quote it as a key: `\"for\" = \"1h\"`")
    );
    let e = one_error("cluster if {\n  id = 1\n}\n");
    assert_eq!(
        e.help.as_deref(),
        Some("`if` is a reserved word; choose another name")
    );
    // The keywords in their place are not names: no hint.
    let e = one_error("tenant t on c {\n  x = if a else b\n}\n");
    assert!(e.help.is_none(), "{e:#?}");
}

fn a_number_is_not_read_as_a_key() {
    let e = one_error("cluster c {\n  id = 1\n  @ = 2\n}\n");
    assert_eq!(
        e.message,
        "expected a field (`key = value`), a statement or an operator like `+`, found `@`"
    );
    // A name before the bad token still is.
    let e = one_error("cluster c {\n  data.greeting: \"hello\"\n}\n");
    assert_eq!(
        e.message,
        "expected `=` or `{` after `data.greeting`, found `:`"
    );
}

/// The corrected variants of the E0101 fixtures compile, with names that start with
/// keywords and quoted reserved keys.
fn correct_variants_compile() {
    let src = r#"lab home { domain = "example.com", git = "https://github.com/me/lab" }

cluster c {
  id       = 1
  api      = "c.example.com"
  pods     = 10.244.0.0/16
  services = 10.245.0.0/16
}

template t(manifests: int, manifest_files: string, includes: bool = false, resources: int = 1) {
  resource "v1" ConfigMap "t" {
    data {
      manifests      = str(manifests)
      manifest_files = manifest_files
      includes       = str(includes)
      resources      = str(resources)
    }
  }
}
instance i = t on c {
  manifests      = 2
  manifest_files = "a.yaml"
  includes       = true
}

tenant web on c {
  namespace = "web"
  resource "v1" ConfigMap "web-settings" {
    data."for" = "1h"
    data { "in" = "x", "if" = "y" }
    data.ports = join(["80", "443"], ",")
    data.replicas = str((1 + 2) * 3)
    data.url = "https://${lab.domain}/web"
    data.settings_file = "s.yaml"
    data.requires = "none"
  }
}
"#;
    let db = labc::db::LabDb::default();
    let lab = db.load(vec![("lab.lab".to_string(), src.to_string())]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == labc::diag::Severity::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "{}",
        labc::diag::render_plain(&db, &diags)
    );
}

tests!(
    no_message_names_a_grammar_rule,
    keyword_prefixed_names_parse,
    whole_keywords_are_still_statements,
    unclosed_brackets_point_at_the_bracket,
    reserved_words_get_a_hint,
    a_number_is_not_read_as_a_key,
    correct_variants_compile,
);
