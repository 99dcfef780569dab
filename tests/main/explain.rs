//! `labc explain` pages (`src/diag/pages/`): every registered code has a complete page,
//! its wrong example reports exactly that code and its fix compiles with no diagnostic
//! (one test per code, `explain::e0402`), `docs/errors.md` is `labc explain --markdown`,
//! and the command prints pages, the list and its errors.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use labc::db::LabDb;
use labc::diag::codes::{Code, CODES};
use labc::diag::pages;

fn labc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .output()
        .expect("run labc")
}

/// The codes of an example's diagnostics, and their rendering for a failure message.
fn compile(example: &pages::Example) -> (Vec<&'static str>, String) {
    let db = LabDb::default();
    let lab = db.load(example.files.clone());
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let rendered = labc::diag::render_plain(&db, &diags);
    (diags.iter().map(|d| d.code).collect(), rendered)
}

/// A code's page: its wrong example reports this code and no other, its fix compiles
/// with no diagnostic at all.
fn check_page(code: &Code) -> Result<(), String> {
    let page = pages::page(code).map_err(|e| format!("src/diag/pages/{}.md: {e}", code.code))?;
    let mut problems = Vec::new();
    let (codes, rendered) = compile(&page.wrong);
    if !codes.contains(&code.code) || codes.iter().any(|c| *c != code.code) {
        problems.push(format!(
            "the wrong example must report {} and nothing else; got {codes:?}:\n{rendered}",
            code.code
        ));
    }
    let (codes, rendered) = compile(&page.fix);
    if !codes.is_empty() {
        problems.push(format!(
            "the fix must compile with no diagnostic; got {codes:?}:\n{rendered}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// One test per code, named by it in lower case.
fn cases() -> Vec<libtest_mimic::Trial> {
    CODES
        .iter()
        .map(|c| {
            crate::case(module_path!(), &c.code.to_ascii_lowercase(), move || {
                check_page(c)
            })
        })
        .collect()
}

/// Like `ui::every_code_has_a_fixture`: every registered code has a page with all four
/// parts, and every page file is a registered code's (none is left over).
fn every_code_has_a_complete_page() {
    let broken: Vec<String> = CODES
        .iter()
        .filter_map(|c| pages::page(c).err().map(|e| format!("{}: {e}", c.code)))
        .collect();
    assert!(
        broken.is_empty(),
        "incomplete pages:\n{}",
        broken.join("\n")
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diag/pages");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("src/diag/pages")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    let registered: BTreeSet<String> = CODES.iter().map(|c| format!("{}.md", c.code)).collect();
    assert_eq!(
        files, registered,
        "src/diag/pages/ has a page per registered code"
    );
}

/// `docs/errors.md` is exactly what `labc explain --markdown` prints.
fn errors_md_is_generated() {
    let out = labc(&["explain", "--markdown"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(generated, pages::render_markdown());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/errors.md is not the output of `labc explain --markdown`: regenerate it with `{}`",
        pages::REGENERATE
    );
    for c in CODES {
        assert!(
            generated.contains(&format!("\n## {}\n", c.code)),
            "{}",
            c.code
        );
    }
}

/// `labc explain CODE` prints the title, the four headings and every line of both
/// examples indented by four spaces (any case of the code is accepted).
fn explain_prints_the_page() {
    for c in CODES {
        let text = pages::render_terminal(c);
        assert!(
            text.starts_with(&format!("{}: {}\n", c.code, c.title)),
            "{text}"
        );
        for heading in pages::HEADINGS {
            assert!(
                text.contains(&format!("\n{heading}\n")),
                "{}: {heading}",
                c.code
            );
        }
        let page = pages::page(c).expect("a complete page");
        for (path, file) in page.wrong.files.iter().chain(&page.fix.files) {
            if path == "prelude.lab" {
                continue;
            }
            for line in file.lines().filter(|l| !l.trim().is_empty()) {
                assert!(
                    text.contains(&format!("\n    {line}\n")),
                    "{}: `{line}` of {path} is not printed",
                    c.code
                );
            }
        }
    }
    let out = labc(&["explain", "e0402"]);
    assert!(out.status.success());
    let code = labc::diag::codes::lookup("E0402").expect("E0402");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        pages::render_terminal(code)
    );
}

/// `--list` prints one line per code; an unknown code is a usage error (exit 2).
fn explain_lists_and_refuses() {
    let out = labc(&["explain", "--list"]);
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    let expected: String = CODES
        .iter()
        .map(|c| format!("{}  {}\n", c.code, c.title))
        .collect();
    assert_eq!(listed, expected);
    let out = labc(&["explain", "E9999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("labc explain --list"));
    let out = labc(&["explain", "E0101", "--markdown"]);
    assert_eq!(out.status.code(), Some(2), "--markdown takes no code");
}

tests!(
    every_code_has_a_complete_page,
    errors_md_is_generated,
    explain_prints_the_page,
    explain_lists_and_refuses;
    cases: cases
);
