//! Property tests (issue 7): parsing and the whole check never panic, on arbitrary bytes
//! read as the CLI reads files, and on mutations of the example lab's files.
//!
//! Each property runs a modest number of cases so `cargo test` stays quick; set
//! `PROPTEST_CASES=N` for a longer run (`PROPTEST_CASES=5000 cargo test --release --test
//! main props::`). A failure is shrunk to a small input and reported with it; turn it into
//! a fixture in `tests/ui/` or a case in `tests/main/mangled.rs`.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::path::Path;

use labc::db::{Lab, LabDb, SourceFile};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use salsa::Setter as _;

/// Cases per property: `PROPTEST_CASES`, or `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run<S: Strategy>(default_cases: u32, strategy: S, test: impl Fn(S::Value)) {
    let mut runner = TestRunner::new(Config {
        cases: cases(default_cases),
        // Failures are reported with their shrunk input; no files written beside the test.
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| {
        test(value);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The example lab's files; `.lab` ones first, so an index below their count picks one.
fn example_lab() -> (Vec<(String, String)>, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let mut files = labc::cli::read_lab(&root).expect("the example lab");
    files.sort_by_key(|(p, _)| !p.ends_with(".lab"));
    let labs = files.iter().filter(|(p, _)| p.ends_with(".lab")).count();
    (files, labs)
}

/// A database holding a lab whose files' texts the cases replace. Compiling the example
/// lab from scratch takes most of a second in a debug build; on one database a case costs
/// what its change invalidates (salsa computes the same result as from scratch:
/// `tests/main/incremental.rs`).
struct Session {
    db: LabDb,
    lab: Lab,
    files: Vec<(SourceFile, String)>,
    sources: Vec<(String, String)>,
}

impl Session {
    fn new(files: Vec<(String, String)>) -> Session {
        let files_again = files.clone();
        let db = LabDb::default();
        let lab = db.load(files.clone());
        let inputs = files
            .into_iter()
            .filter_map(|(path, text)| {
                let file = lab.files(&db).iter().find(|f| *f.path(&db) == path)?;
                Some((*file, text))
            })
            .collect();
        Session {
            db,
            lab,
            files: inputs,
            sources: files_again,
        }
    }

    /// Compile with file `index` replaced by `text` and render the diagnostics, then put
    /// the file back. After a panic the database is rebuilt, so that shrinking the
    /// failing case starts each attempt from a clean state.
    fn check_with(&mut self, index: usize, text: String) -> String {
        let (file, original) = self.files[index].clone();
        file.set_text(&mut self.db).to(text);
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let (_, diags) = labc::compile::compile_with_diagnostics(&self.db, self.lab);
            labc::diag::render_plain(&self.db, &diags)
        }));
        match result {
            Ok(rendered) => {
                file.set_text(&mut self.db).to(original);
                rendered
            }
            Err(panic) => {
                *self = Session::new(std::mem::take(&mut self.sources));
                std::panic::resume_unwind(panic)
            }
        }
    }
}

/// Tokens of the stdlib, to splice into the lab: words, strings, brackets, operators.
fn stdlib_tokens() -> Vec<String> {
    let mut tokens = Vec::new();
    for (_, text) in labc::stdlib::FILES {
        tokens.extend(
            text.split_inclusive(|c: char| c.is_whitespace() || "{}[]()=,.\"".contains(c))
                .map(str::to_string),
        );
    }
    tokens
}

/// One edit of a file's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(Index, u8),
    Delete(Index),
    Replace(Index, u8),
    /// Insert one to eight stdlib tokens, from the token at the second index on.
    Splice(Index, Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), any::<Index>(), 1..=8usize)
            .prop_map(|(i, t, n)| Mutation::Splice(i, t, n)),
    ]
}

fn mutate(text: &str, edits: &[Mutation], tokens: &[String]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len();
        match edit {
            Mutation::Insert(at, b) => bytes.insert(at.index(len + 1), *b),
            Mutation::Delete(at) if len > 0 => {
                bytes.remove(at.index(len));
            }
            Mutation::Replace(at, b) if len > 0 => bytes[at.index(len)] = *b,
            Mutation::Splice(at, from, n) => {
                let from = from.index(tokens.len());
                let spliced: Vec<u8> = tokens[from..(from + n).min(tokens.len())]
                    .concat()
                    .into_bytes();
                let at = at.index(len + 1);
                bytes.splice(at..at, spliced);
            }
            _ => {}
        }
    }
    // As the CLI reads a file: invalid UTF-8 is replaced.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn parse_never_panics_on_arbitrary_bytes() {
    run(512, prop::collection::vec(any::<u8>(), 0..512), |bytes| {
        labc::syntax::parse::parse_file(&String::from_utf8_lossy(&bytes));
    });
}

fn check_never_panics_on_arbitrary_bytes() {
    // Mostly printable text around declaration keywords gets past the parser's first
    // item; raw bytes alone mostly do not.
    let soup = prop::collection::vec(
        prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            prop::sample::select(vec![
                "lab ",
                "cluster ",
                "tenant ",
                "install ",
                "on ",
                "{",
                "}",
                "[",
                "]",
                "(",
                ")",
                "=",
                ",",
                ".",
                "\"",
                "${",
                "if ",
                "else ",
                "then ",
                "for ",
                "in ",
                "\n",
                "1",
                "x",
                "2Gi",
                "10.0.0.0/8",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
        ],
        0..200,
    );
    let session = RefCell::new(Session::new(vec![("lab.lab".into(), String::new())]));
    run(64, soup, |parts| {
        let text = String::from_utf8_lossy(&parts.concat()).into_owned();
        session.borrow_mut().check_with(0, text);
    });
}

fn check_never_panics_on_mutations_of_the_example_lab() {
    let (files, labs) = example_lab();
    let tokens = stdlib_tokens();
    let texts: Vec<String> = files.iter().map(|(_, t)| t.clone()).collect();
    let session = RefCell::new(Session::new(files));
    let strategy = (0..labs, prop::collection::vec(mutation(), 1..6));
    run(48, strategy, |(index, edits)| {
        let text = mutate(&texts[index], &edits, &tokens);
        session.borrow_mut().check_with(index, text);
    });
}

tests!(
    parse_never_panics_on_arbitrary_bytes,
    check_never_panics_on_arbitrary_bytes,
    check_never_panics_on_mutations_of_the_example_lab,
);
