//! The language reference's examples are tested: every ```lab block of
//! docs/language.md (and README.md) compiles with no diagnostics, every
//! ```lab,error E0xxx block reports that code, ```lab,fragment blocks are skipped.

use std::path::Path;

struct Block {
    line: usize,
    info: String,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("```") {
            match current.take() {
                Some(b) => out.push(b),
                None => {
                    current = Some(Block {
                        line: i + 1,
                        info: rest.trim().to_string(),
                        text: String::new(),
                    })
                }
            }
        } else if let Some(b) = &mut current {
            b.text.push_str(line);
            b.text.push('\n');
        }
    }
    out
}

fn check_file(name: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let markdown = std::fs::read_to_string(&path).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for b in blocks(&markdown) {
        let mut info = b.info.split(',').map(str::trim);
        if info.next() != Some("lab") {
            continue;
        }
        let mode = info.next().unwrap_or("");
        if mode == "fragment" {
            continue;
        }
        let db = labc::db::LabDb::default();
        let lab = db.load(vec![("example.lab".to_string(), b.text.clone())]);
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        let rendered = labc::diag::render_plain(&db, &diags);
        checked += 1;
        if let Some(code) = mode.strip_prefix("error") {
            let code = code.trim();
            if !diags.iter().any(|d| d.code == code) {
                failures.push(format!(
                    "{name}:{}: expected {code}, got:\n{rendered}",
                    b.line
                ));
            }
        } else if !diags.is_empty() {
            failures.push(format!(
                "{name}:{}: expected no diagnostics, got:\n{rendered}",
                b.line
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    checked
}

fn language_reference_examples_compile() {
    assert!(check_file("docs/language.md") >= 10);
}

fn readme_examples_compile() {
    check_file("README.md");
}

tests!(language_reference_examples_compile, readme_examples_compile,);
