//! `labc fmt`: the stdlib and the example lab are formatted, every parsing `.lab` file of
//! `tests/` is a fixed point after one run, the output parses to the same syntax tree,
//! mangled inputs never panic and are refused when they have syntax errors, comments stay
//! where they were (the `tests/fmt/*.lab` fixtures, with insta snapshots), and the CLI's
//! `--check`, `--diff` and in-place modes.

use std::path::{Path, PathBuf};
use std::process::Command;

use labc::syntax::fmt::format;
use labc::syntax::parse::parse_file;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.lab` file under `dir`, sorted.
fn lab_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "lab"))
        .collect();
    out.sort();
    out
}

/// The syntax tree's `Debug` text without spans: formatting moves every token, so only
/// the tree's shape, names and values must stay.
fn shape(text: &str) -> String {
    let mut ast = parse_file(text).0;
    ast.decl_starts.clear();
    let debug = format!("{ast:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span { anchor: ") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').map_or(rest.len(), |i| at + i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// What every formatted text must satisfy: a fixed point with the same tree.
fn assert_sound(what: &str, text: &str, formatted: &str) {
    assert!(shape(text) == shape(formatted), "{what}: the tree changed");
    let again =
        format(formatted).unwrap_or_else(|e| panic!("{what}: output does not parse: {e:?}"));
    if again != formatted {
        let line = again
            .lines()
            .zip(formatted.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        let show = |t: &str| {
            t.lines()
                .skip(line.saturating_sub(2))
                .take(6)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{what}: not idempotent at line {}:\nfirst pass:\n{}\nsecond pass:\n{}",
            line + 1,
            show(formatted),
            show(&again)
        );
    }
    for line in formatted.lines() {
        assert_eq!(line, line.trim_end(), "{what}: trailing whitespace");
    }
}

fn stdlib_and_lab_are_formatted() {
    let mut unformatted = Vec::new();
    for file in lab_files(&root().join("stdlib"))
        .into_iter()
        .chain(lab_files(&root().join("lab")))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        let formatted = format(&text).unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        assert_sound(&file.display().to_string(), &text, &formatted);
        if formatted != text {
            unformatted.push(file.display().to_string());
        }
    }
    assert!(
        unformatted.is_empty(),
        "not formatted (run `labc fmt lab/ stdlib/`): {unformatted:?}"
    );
}

fn test_files_are_fixed_points_with_the_same_tree() {
    let mut formatted_some = 0;
    for file in lab_files(&root().join("tests")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let (_, errors) = parse_file(&text);
        match format(&text) {
            Ok(formatted) => {
                assert!(errors.is_empty());
                assert_sound(&file.display().to_string(), &text, &formatted);
                formatted_some += 1;
            }
            Err(e) => assert_eq!(e, errors, "{}", file.display()),
        }
    }
    assert!(
        formatted_some > 50,
        "only {formatted_some} test files parse"
    );
}

/// Tokens of the stdlib and of the comment fixtures (which have comments in every odd
/// place), to splice into one another.
fn tokens() -> Vec<String> {
    let mut texts: Vec<String> = labc::stdlib::FILES
        .iter()
        .map(|(_, t)| t.to_string())
        .collect();
    for f in lab_files(&root().join("tests/fmt")) {
        texts.push(std::fs::read_to_string(f).unwrap());
    }
    texts
        .iter()
        .flat_map(|t| {
            t.split_inclusive(|c: char| c.is_whitespace() || "{}[](),=.\"#".contains(c))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Formatting a text either refuses it with exactly the parser's errors or gives a sound
/// result; it never panics.
fn check_text(text: &str) {
    let (_, errors) = parse_file(text);
    match format(text) {
        Ok(formatted) => {
            assert!(
                errors.is_empty(),
                "formatted a file with syntax errors: {text:?}"
            );
            assert_sound(&format!("{text:?}"), text, &formatted);
        }
        Err(e) => {
            assert!(!errors.is_empty());
            assert_eq!(e, errors);
        }
    }
}

fn mangled_inputs_never_panic_and_errors_are_refused() {
    // Each line of each fixture and of a stdlib file deleted, lines swapped, truncations.
    let mut texts: Vec<String> = lab_files(&root().join("tests/fmt"))
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    texts.push(labc::stdlib::FILES[0].1.to_string());
    for text in &texts {
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut l = lines.clone();
            l.remove(i);
            check_text(&l.join("\n"));
            if i + 1 < lines.len() {
                let mut l = lines.clone();
                l.swap(i, i + 1);
                check_text(&l.join("\n"));
            }
        }
        for cut in (0..text.len())
            .step_by(7)
            .filter(|c| text.is_char_boundary(*c))
        {
            check_text(&text[..cut]);
        }
    }
    // Random splices of tokens: mostly syntax errors, sometimes odd but valid layouts.
    let tokens = tokens();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0..texts.len(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                1..6usize,
            ),
            1..4,
        ),
    );
    let result = runner.run(&strategy, |(which, edits)| {
        let mut text = texts[which].clone();
        for (at, from, n) in edits {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let from = from.index(tokens.len());
            let spliced = tokens[from..(from + n).min(tokens.len())].concat();
            text.insert_str(at, &spliced);
        }
        check_text(&text);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn comment_fixtures() -> Vec<libtest_mimic::Trial> {
    let dir = root().join("tests/fmt");
    lab_files(&dir)
        .into_iter()
        .map(|file| {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let dir = dir.clone();
            crate::case(module_path!(), &name.clone(), move || {
                let text = std::fs::read_to_string(&file).unwrap();
                let formatted = format(&text).map_err(|e| format!("{e:?}"))?;
                assert_sound(&name, &text, &formatted);
                // Every comment of the input is in the output, in the same order.
                let comments = |t: &str| -> Vec<String> {
                    labc::syntax::trivia::Trivia::of(t)
                        .comments
                        .iter()
                        .map(|c| t[c.span.range()].trim_end().to_string())
                        .collect()
                };
                assert_eq!(comments(&text), comments(&formatted), "{name}: comments");
                insta::with_settings!({snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true}, {
                    insta::assert_snapshot!(name, formatted);
                });
                Ok(())
            })
        })
        .collect()
}

fn labc(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .arg("--color=never")
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cli_check_diff_and_rewrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let clean = "lab l {\n  a  = 1\n  bb = 2\n}\n";
    let messy = "lab m {\n    a = 1\n bb=2\n}\n";
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();
    std::fs::create_dir_all(dir.join("target")).unwrap();
    std::fs::write(dir.join("clean.lab"), clean).unwrap();
    // Skipped: hidden folders and target/.
    std::fs::write(dir.join(".hidden/x.lab"), messy).unwrap();
    std::fs::write(dir.join("target/x.lab"), messy).unwrap();

    let (code, out, err) = labc(dir, &["fmt", "--check"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");

    std::fs::write(dir.join("sub/messy.lab"), messy).unwrap();
    let (code, out, _) = labc(dir, &["fmt", "--check", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        out.trim(),
        Path::new(".")
            .join("sub")
            .join("messy.lab")
            .display()
            .to_string()
    );
    let (code, out, _) = labc(dir, &["fmt", "--diff", "sub"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("-    a = 1\n- bb=2\n+  a  = 1\n+  bb = 2\n"),
        "{out}"
    );
    // Neither wrote anything.
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/messy.lab")).unwrap(),
        messy
    );

    // In place: rewritten, no temporary file left, then clean.
    let (code, _, err) = labc(dir, &["fmt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/messy.lab")).unwrap(),
        "lab m {\n  a  = 1\n  bb = 2\n}\n"
    );
    let names: Vec<String> = std::fs::read_dir(dir.join("sub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["messy.lab"]);
    assert_eq!(
        std::fs::read_to_string(dir.join(".hidden/x.lab")).unwrap(),
        messy
    );
    assert_eq!(labc(dir, &["fmt", "--check"]).0, 0);

    // A syntax error: reported as `labc check` does, the file left alone, exit 1.
    let broken = "lab b {\n  x = = 1\n}\n";
    std::fs::write(dir.join("broken.lab"), broken).unwrap();
    for args in [
        &["fmt", "--check"][..],
        &["fmt"][..],
        &["fmt", "--diff", "broken.lab"][..],
    ] {
        let (code, _, err) = labc(dir, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains("error[E0101]"), "{err}");
        assert!(err.contains("broken.lab:2:"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.lab")).unwrap(),
        broken
    );
    // A missing path is a usage error.
    assert_eq!(labc(dir, &["fmt", "missing.lab"]).0, 2);
}

tests!(
    stdlib_and_lab_are_formatted,
    test_files_are_fixed_points_with_the_same_tree,
    mangled_inputs_never_panic_and_errors_are_refused,
    cli_check_diff_and_rewrite;
    cases: comment_fixtures
);
