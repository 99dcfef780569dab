//! Diagnostics: the salsa accumulator every phase reports into, and sorting; rendering
//! (`render`), suggestions for unknown names (`suggest`) and the code registry (`codes`).

pub mod codes;
pub mod formats;
pub mod pages;
pub mod render;
pub mod span;
pub mod suggest;

pub use render::{render_plain, render_stderr};
pub use span::Span;
pub use suggest::{did_you_mean, listing, unknown_name_help};

use indexmap::IndexMap;
use salsa::Accumulator as _;

use crate::db::{Db, SourceFile};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file with a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: SourceFile,
    pub span: Span,
    pub message: String,
}

/// A change of one file's text: `span` replaced with `text` (an insertion when empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edit {
    pub file: SourceFile,
    pub span: Span,
    pub text: String,
}

/// A change that fixes a diagnostic, as data: what an editor's quick fix applies (`labc
/// lsp`). It is never rendered; the help says the same in words.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    /// What the fix does, in the imperative: "Replace with `fast`".
    pub title: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    /// `span` of `file` replaced with `text`.
    pub fn replace(
        title: impl Into<String>,
        file: SourceFile,
        span: Span,
        text: impl Into<String>,
    ) -> Fix {
        Fix {
            title: title.into(),
            edits: vec![Edit {
                file,
                span,
                text: text.into(),
            }],
        }
    }
}

/// One diagnostic. Stored by salsa, so it holds input handles and spans only.
#[salsa::accumulator]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diag {
    pub severity: Severity,
    /// Stable code, `E` + 4 digits, banded by phase (see `codes`).
    pub code: &'static str,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// Changes that fix it, for editors (never rendered).
    pub fixes: Vec<Fix>,
}

impl Diag {
    pub fn error(
        code: &'static str,
        file: SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diag {
        debug_assert!(codes::lookup(code).is_some(), "unregistered code {code}");
        Diag {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                file,
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }
    pub fn warning(
        code: &'static str,
        file: SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diag {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(code, file, span, message)
        }
    }
    /// The primary label's message.
    pub fn label(mut self, message: impl Into<String>) -> Diag {
        self.primary.message = message.into();
        self
    }
    /// Set the primary label's message on a diagnostic being built in place.
    pub fn lbl(&mut self, message: impl Into<String>) -> &mut Diag {
        self.primary.message = message.into();
        self
    }
    pub fn secondary(mut self, file: SourceFile, span: Span, message: impl Into<String>) -> Diag {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Diag {
        self.notes.push(note.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }
    pub fn help_opt(mut self, help: Option<String>) -> Diag {
        if help.is_some() {
            self.help = help;
        }
        self
    }
    pub fn fix(mut self, fix: Fix) -> Diag {
        self.fixes.push(fix);
        self
    }
    /// [`Diag::add_suggested_fix`], builder style.
    pub fn fix_suggested(mut self) -> Diag {
        self.add_suggested_fix();
        self
    }
    /// When the help is a did-you-mean ([`did_you_mean`]), the fix that replaces the
    /// primary label's text with the name it suggests. Only for diagnostics whose primary
    /// label covers exactly the misspelled name.
    pub fn add_suggested_fix(&mut self) -> &mut Diag {
        let meant = self.help.as_deref().and_then(suggest::suggested);
        if let Some(meant) = meant {
            let title = format!("Replace with `{meant}`");
            let fix = Fix::replace(title, self.primary.file, self.primary.span, meant);
            self.fixes.push(fix);
        }
        self
    }
    /// Report from inside a tracked query.
    pub fn emit(self, db: &dyn Db) {
        self.accumulate(db);
    }
}

/// Sort diagnostics by file, position and code, and report each mistake once: the
/// diagnostics that say the same thing (code and message) at the same place are one,
/// with the secondary labels and notes of all (the same template evaluated on two
/// clusters, or for several instances, reports its mistake once, pointing at every
/// instance that asked for it). What depends on a mistake reports nothing (see
/// `sema::eval::Evaluator::cut`), so what is left is independent and its order is the
/// order of the files; the count of the summary line is the length of this list.
pub fn sort_and_dedup(db: &dyn Db, diags: Vec<Diag>) -> Vec<Diag> {
    let mut diags = diags;
    // Stable: of the diagnostics merged into one, the first reported comes first, and
    // so do its labels.
    diags.sort_by(|a, b| {
        let ka = (a.primary.file.path(db), a.primary.span, a.code, &a.message);
        let kb = (b.primary.file.path(db), b.primary.span, b.code, &b.message);
        ka.cmp(&kb)
    });
    // The resolver and the evaluator may both report one unknown name, with different
    // suggestions; the first report's help is kept.
    diags.dedup_by(|later, kept| {
        let same = later.primary.file == kept.primary.file
            && later.primary.span == kept.primary.span
            && later.code == kept.code
            && later.message == kept.message;
        if same {
            merge_into(kept, later);
        }
        same
    });
    merge_places(diags)
}

/// Whether two diagnostics of this code with the same message are one mistake wherever
/// they are: the message names it completely (`unknown cluster `infra``), so each
/// further place is one more use of it (`true`: in any file; `false`: in one file).
fn one_mistake_at_many_places(code: &str) -> Option<bool> {
    match code {
        // Unknown names: one misspelling (or one missing declaration) used many times.
        codes::E0201 => Some(true),
        // A definition used without its module: one missing `use` line per file.
        codes::E0204 => Some(false),
        _ => None,
    }
}

/// Report the uses of one mistake (`one_mistake_at_many_places`) once, at the first
/// place, with the others as secondary labels and their count as a note.
fn merge_places(diags: Vec<Diag>) -> Vec<Diag> {
    let mut out: Vec<Diag> = Vec::with_capacity(diags.len());
    let mut first: IndexMap<(&'static str, String, Option<SourceFile>), usize> = IndexMap::new();
    let mut places: Vec<usize> = Vec::new();
    for mut d in diags {
        let Some(any_file) = one_mistake_at_many_places(d.code) else {
            out.push(d);
            places.push(1);
            continue;
        };
        let key = (
            d.code,
            d.message.clone(),
            (!any_file).then_some(d.primary.file),
        );
        match first.get(&key) {
            Some(&i) => {
                let mut also = std::mem::replace(&mut d.primary, out[i].primary.clone());
                if also.message.is_empty() {
                    also.message = "also here".into();
                }
                d.secondary.insert(0, also);
                merge_into(&mut out[i], &mut d);
                places[i] += 1;
            }
            None => {
                first.insert(key, out.len());
                out.push(d);
                places.push(1);
            }
        }
    }
    for (d, n) in out.iter_mut().zip(places) {
        if n > 1 {
            d.notes.push(format!("reported once for its {n} places"));
        }
    }
    out
}

/// Add the secondary labels and notes of `other`, one report of the same mistake, that
/// `kept` lacks.
fn merge_into(kept: &mut Diag, other: &mut Diag) {
    for label in std::mem::take(&mut other.secondary) {
        if !kept.secondary.contains(&label) && label != kept.primary {
            kept.secondary.push(label);
        }
    }
    for note in std::mem::take(&mut other.notes) {
        if !kept.notes.contains(&note) {
            kept.notes.push(note);
        }
    }
}

/// `s` for a message: control characters escaped and cut to a readable length, so a
/// hostile value cannot break or flood the rendered diagnostic.
pub fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}
