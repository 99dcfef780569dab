//! AFL target: the input is one lab file, or two separated by a NUL byte, read as the
//! CLI reads files (invalid UTF-8 replaced). It runs the whole check: parse, compile,
//! render the diagnostics. A panic, a stack overflow or a hang is a finding.
//!
//! Built with `cargo afl build --release` it is an AFL persistent-mode target. Built
//! with plain `cargo build` it runs the files given as arguments once each, to reproduce
//! a finding under a debugger or with a backtrace (`--session`: all on one database).

use labc::db::{Lab, LabDb, SourceFile};
use salsa::Setter as _;

/// The compiler's stack in the binary (`src/main.rs`): findings must be the binary's.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// The two lab files an input is split into.
const FILES: [&str; 2] = ["lab.lab", "more.lab"];

/// Executions on one database before a fresh one: bounds what salsa keeps (interned
/// keys of earlier inputs) while the stdlib's work is shared by most executions.
const EXECS_PER_DB: u32 = 1000;

/// A database with the stdlib and two lab files whose texts each execution replaces.
/// Compiling the stdlib from scratch takes ~60 ms; kept in salsa, an execution costs
/// what the input changes. A finding is confirmed by the plain build, on a fresh one.
struct Session {
    db: LabDb,
    lab: Lab,
    files: Vec<SourceFile>,
    execs: u32,
}

impl Session {
    fn new() -> Session {
        let db = LabDb::default();
        let lab = db.load(
            FILES
                .iter()
                .map(|f| (f.to_string(), String::new()))
                .collect(),
        );
        let files = FILES
            .iter()
            .map(|name| {
                *lab.files(&db)
                    .iter()
                    .find(|f| f.path(&db) == name)
                    .expect("the lab file is loaded")
            })
            .collect();
        Session {
            db,
            lab,
            files,
            execs: 0,
        }
    }

    /// Parse, compile and render one input; returns the rendered diagnostics.
    fn check(&mut self, data: &[u8]) -> String {
        self.execs += 1;
        if self.execs > EXECS_PER_DB {
            *self = Session::new();
            self.execs = 1;
        }
        let mut parts = data.splitn(FILES.len(), |b| *b == 0);
        for file in self.files.clone() {
            let text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            if *file.text(&self.db) != text {
                file.set_text(&mut self.db).to(text);
            }
        }
        let (_, diags) = labc::compile::compile_with_diagnostics(&self.db, self.lab);
        labc::diag::render_plain(&self.db, &diags)
    }
}

#[cfg(fuzzing)]
fn run() {
    let mut session = Session::new();
    afl::fuzz!(|data: &[u8]| {
        session.check(data);
    });
}

#[cfg(not(fuzzing))]
fn run() {
    // Each file on a fresh database, as the CLI compiles it; with `--session`, all on
    // one database in turn, as the fuzzer runs them.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let shared = args.first().is_some_and(|a| a == "--session");
    if shared {
        args.remove(0);
    }
    let mut session = Session::new();
    for path in args {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let start = std::time::Instant::now();
        if !shared {
            session = Session::new();
        }
        let rendered = session.check(&data);
        eprintln!("{path}: {:?}", start.elapsed());
        print!("{rendered}");
    }
}

fn main() {
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(run)
        .expect("spawn the checking thread")
        .join()
        .expect("the checking thread panicked");
}
