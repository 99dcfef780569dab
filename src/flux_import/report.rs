//! The import report: one note per mapping, skip, untyped construct or refused object,
//! as text for a terminal and as JSON for tools.

use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// Refused: the lab lacks it until the user resolves it (a plaintext Secret, bad YAML).
    Error,
    /// Left out on purpose, or not understood: the lab lacks it.
    Skipped,
    /// Carried over as data labc does not check (values, resources, placeholders).
    Untyped,
    /// What became what.
    Mapped,
}

impl NoteKind {
    fn word(self) -> &'static str {
        match self {
            NoteKind::Error => "error",
            NoteKind::Skipped => "skipped",
            NoteKind::Untyped => "untyped",
            NoteKind::Mapped => "mapped",
        }
    }
}

/// One line of the report: about `subject` (a file, or `cluster/component`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub subject: String,
    pub detail: String,
}

impl Note {
    pub fn new(kind: NoteKind, subject: &str, detail: impl Into<String>) -> Note {
        Note {
            kind,
            subject: subject.to_string(),
            detail: detail.into(),
        }
    }
    pub fn error(subject: &str, detail: impl Into<String>) -> Note {
        Note::new(NoteKind::Error, subject, detail)
    }
    pub fn skipped(subject: &str, detail: impl Into<String>) -> Note {
        Note::new(NoteKind::Skipped, subject, detail)
    }
    pub fn untyped(subject: &str, detail: impl Into<String>) -> Note {
        Note::new(NoteKind::Untyped, subject, detail)
    }
    pub fn mapped(subject: &str, detail: impl Into<String>) -> Note {
        Note::new(NoteKind::Mapped, subject, detail)
    }
}

/// Errors first, then skipped, untyped and mapped; each in the order found.
fn sorted(notes: &[Note]) -> Vec<&Note> {
    let mut out: Vec<&Note> = notes.iter().collect();
    out.sort_by_key(|n| n.kind);
    out.dedup();
    out
}

pub fn text(notes: &[Note]) -> String {
    let mut out = String::new();
    for n in sorted(notes) {
        let _ = writeln!(out, "{:<8} {}: {}", n.kind.word(), n.subject, n.detail);
    }
    let count = |k: NoteKind| notes.iter().filter(|n| n.kind == k).count();
    let _ = writeln!(
        out,
        "{} mapped, {} untyped, {} skipped, {} error(s)",
        count(NoteKind::Mapped),
        count(NoteKind::Untyped),
        count(NoteKind::Skipped),
        count(NoteKind::Error)
    );
    out
}

pub fn json(notes: &[Note]) -> String {
    let list: Vec<serde_json::Value> = sorted(notes)
        .into_iter()
        .map(|n| {
            serde_json::json!({
                "kind": n.kind.word(),
                "subject": n.subject,
                "detail": n.detail,
            })
        })
        .collect();
    let doc = serde_json::json!({ "notes": list });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
