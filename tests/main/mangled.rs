//! Robustness: mangled versions of a lab (truncated, lines deleted or swapped, stray
//! bytes, deep nesting) produce diagnostics and never panic or hang.
//!
//! The lab mangled line by line is the small frozen one of `tests/incremental/`, so the
//! test's cost does not grow with the example lab; the token fuzzer draws its tokens from
//! the example lab and the stdlib as well.

use std::path::Path;

fn lab_files() -> Vec<(String, String)> {
    labc::cli::read_lab(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incremental")).unwrap()
}

/// Compile with one file replaced; returns the number of error diagnostics.
fn errors_with(path: &str, text: String) -> usize {
    let mut files = lab_files();
    for f in &mut files {
        if f.0 == path {
            f.1 = text.clone();
        }
    }
    let db = labc::db::LabDb::default();
    let lab = db.load(files);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    // Rendering must not panic either.
    let _ = labc::diag::render_plain(&db, &diags);
    diags
        .iter()
        .filter(|d| d.severity == labc::diag::Severity::Error)
        .count()
}

fn mangles(text: &str) -> Vec<(String, String, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    // Truncations inside the text: always an error when they cut a declaration open.
    for cut in [text.len() / 3, text.len() / 2, text.len() * 4 / 5] {
        let cut = (0..=cut)
            .rev()
            .find(|c| text.is_char_boundary(*c))
            .unwrap_or(0);
        let t = &text[..cut];
        let opens = t.matches('{').count() > t.matches('}').count();
        out.push((format!("truncated at {cut}"), t.to_string(), opens));
    }
    // Each line deleted in turn; then adjacent lines swapped.
    for i in 0..lines.len() {
        let mut l = lines.clone();
        l.remove(i);
        out.push((format!("line {} deleted", i + 1), l.join("\n"), false));
        if i + 1 < lines.len() {
            let mut l = lines.clone();
            l.swap(i, i + 1);
            out.push((
                format!("lines {} and {} swapped", i + 1, i + 2),
                l.join("\n"),
                false,
            ));
        }
    }
    // Stray bytes in the middle of a line, and at the start of the file.
    // Right after the first `{`, so they land in code, not in a comment.
    let brace = text.find('{').map_or(0, |i| i + 1);
    out.push((
        "stray bytes".into(),
        format!("{}\u{1}\u{fffd}@@{}", &text[..brace], &text[brace..]),
        true,
    ));
    out.push(("leading garbage".into(), format!("}}}} ]] )) {text}"), true));
    // Deeply nested brackets.
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    out.push((
        "deep nesting".into(),
        format!("{text}\ntenant deep on infra {{ namespace = {deep} }}\n"),
        true,
    ));
    let chain = vec!["1"; 5_000].join(" + ");
    out.push((
        "long operator chain".into(),
        format!("{text}\ntenant long on infra {{ x = {chain} }}\n"),
        true,
    ));
    out.push((
        "unclosed nesting".into(),
        format!(
            "{text}\ntenant deep on infra {{ x = {} \n",
            "{(".repeat(30_000)
        ),
        true,
    ));
    out
}

fn mangled_lab_files_report_errors_without_panicking() {
    for (path, text) in lab_files() {
        for (what, mangled, must_fail) in mangles(&text) {
            let errors = errors_with(&path, mangled);
            if must_fail {
                assert!(errors > 0, "{path}, {what}: expected errors");
            }
        }
    }
}

fn check_exits_1_on_a_mangled_lab_and_2_on_a_missing_dir() {
    let tmp = std::env::temp_dir().join(format!("labc-mangled-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    for (path, text) in lab_files() {
        let dest = tmp.join(&path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let cut = text.len() / 2;
        let cut = (0..=cut).rev().find(|c| text.is_char_boundary(*c)).unwrap();
        std::fs::write(dest, &text[..cut]).unwrap();
    }
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(["check", tmp.to_str().unwrap(), "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(String::from_utf8_lossy(&status.stderr).contains("error[E0101]"));
    let out = tmp.join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
        .args([
            "build",
            tmp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(!out.exists(), "a lab with errors writes nothing");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(["check", tmp.join("missing").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A small deterministic fuzzer: splice tokens of the lab, the stdlib and the fixtures
/// into each lab file. Every result must compile to diagnostics without a panic.
fn spliced_tokens_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = String::new();
    for (_, text) in labc::cli::read_lab(&root.join("lab")).unwrap() {
        corpus.push_str(&text);
    }
    for (_, text) in labc::stdlib::FILES {
        corpus.push_str(text);
    }
    let tokens: Vec<&str> = corpus
        .split_inclusive(|c: char| c.is_whitespace() || "{}[]()=,.\"".contains(c))
        .collect();
    // xorshift: deterministic, no dependency.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let files = lab_files();
    for round in 0..120 {
        let (path, text) = &files[round % files.len()];
        let mut toks: Vec<&str> = text
            .split_inclusive(|c: char| c.is_whitespace() || "{}[]()=,.\"".contains(c))
            .collect();
        for _ in 0..1 + next(5) {
            let at = next(toks.len().max(1));
            match next(3) {
                0 if !toks.is_empty() => {
                    toks.remove(at.min(toks.len() - 1));
                }
                1 => toks.insert(at.min(toks.len()), tokens[next(tokens.len())]),
                _ => {
                    let from = next(tokens.len());
                    let len = 1 + next(12);
                    let end = (from + len).min(tokens.len());
                    for (k, t) in tokens[from..end].iter().enumerate() {
                        toks.insert((at + k).min(toks.len()), t);
                    }
                }
            }
        }
        errors_with(path, toks.concat());
    }
}

/// Editors on Windows start files with a byte-order mark: the lab compiles as without
/// it, and a diagnostic in such a file still points at the right line and column.
fn a_byte_order_mark_is_accepted() {
    let plain = lab_files();
    let with_bom: Vec<(String, String)> = plain
        .iter()
        .map(|(p, t)| (p.clone(), format!("\u{feff}{t}")))
        .collect();
    let compile = |files: Vec<(String, String)>| {
        let db = labc::db::LabDb::default();
        let lab = db.load(files);
        let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        (out.files.to_map(), labc::diag::render_plain(&db, &diags))
    };
    let (files, rendered) = compile(with_bom);
    assert_eq!(rendered, "", "a BOM is not an error");
    assert_eq!(
        files,
        compile(plain).0,
        "a BOM changes nothing in the output"
    );

    let (path, text) = &lab_files()[0];
    let broken = format!("\u{feff}{}", text.replacen('=', "= =", 1));
    let line = text[..text.find('=').unwrap()].matches('\n').count() + 1;
    let mut files = lab_files();
    files[0].1 = broken;
    let (_, rendered) = compile(files);
    assert!(rendered.contains("error[E0101]"), "{rendered}");
    assert!(rendered.contains(&format!("{path}:{line}:")), "{rendered}");
}

/// Bracket-free recursion (issue 7): a 30,000-key path, 30,000 `else if` links and
/// 10,000 nested `if` expressions each stop with one E0102 and nothing else.
fn syntax_bombs_stop_with_one_error() {
    let keys = vec!["a"; 30_000].join(".");
    let links = " else if true { namespace = \"b\" }".repeat(30_000);
    let nested = "if true then 1 else 1 + ".repeat(10_000);
    let branches = format!(
        "{}1{}",
        "if true then ".repeat(10_000),
        " else 2".repeat(10_000)
    );
    let bombs = [
        format!("tenant bomb on infra {{\n  namespace = \"b\"\n  values {{ {keys} = 1 }}\n}}\n"),
        format!("tenant bomb on infra {{\n  if true {{ namespace = \"a\" }}{links}\n}}\n"),
        format!("tenant bomb on infra {{\n  namespace = \"b\"\n  values {{ x = {nested}1 }}\n}}\n"),
        format!(
            "tenant bomb on infra {{\n  namespace = \"b\"\n  values {{ x = {branches} }}\n}}\n"
        ),
    ];
    let (path, text) = lab_files().into_iter().next().unwrap();
    for bomb in bombs {
        let mut files = lab_files();
        files[0].1 = format!("{text}\n{bomb}");
        let db = labc::db::LabDb::default();
        let lab = db.load(files);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0102"], "{path}: {}", &bomb[..60]);
    }
}

/// Found by the fuzzer (fuzz/): a component whose header reads itself, in a lab with any
/// diagnostic on the headers' path (a syntax error, a duplicate cluster, an unknown
/// module), panicked in salsa ("Fixpoint iteration doesn't support accumulated values"):
/// the header cycle's fallback met the diagnostics accumulated by `parse` or
/// `item_index`. Those queries now return their diagnostics (`index::parse_checked`).
fn a_self_referencing_header_next_to_a_syntax_error_does_not_panic() {
    let lab = "lab home { domain = \"example.com\", git = \"https://github.com/me/lab\" }\n\
               cluster c { id = 1, api = \"c.example.com\", pods = 10.244.0.0/16, services = 10.245.0.0/16 }\n";
    for mistake in [
        "cluster = 1\n",
        "cluster c { id = 2, api = \"d.example.com\", pods = 10.246.0.0/16, services = 10.247.0.0/16 }\n",
        "use std.nope\n",
    ] {
        let text = format!("{lab}tenant t on c {{\n  namespace = t.namespace\n}}\n{mistake}");
        let db = labc::db::LabDb::default();
        let files = db.load(vec![("lab.lab".to_string(), text)]);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, files);
        assert!(!diags.is_empty(), "{mistake}");
        let _ = labc::diag::render_plain(&db, &diags);
    }
}

tests!(
    mangled_lab_files_report_errors_without_panicking,
    check_exits_1_on_a_mangled_lab_and_2_on_a_missing_dir,
    spliced_tokens_never_panic,
    a_byte_order_mark_is_accepted,
    syntax_bombs_stop_with_one_error,
    a_self_referencing_header_next_to_a_syntax_error_does_not_panic,
);
