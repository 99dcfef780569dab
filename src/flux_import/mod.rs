//! `labc import FLUX-DIR`: a Flux repository (relative path -> text) read offline into a
//! lab (relative path -> `.lab` text) and a report of what became what. Pure: the CLI
//! reads the repository and writes the lab.
//!
//! `render` finds each cluster's entry point, follows every Flux Kustomization's
//! `spec.path` through kustomize builds and applies the per-cluster `postBuild`
//! substitution: the repository's objects as Flux would apply them. `import` writes them
//! as a lab (`write.rs`). On the top floor beside `cli`, so nothing in the compiler can
//! name it.

mod clusters;
mod component;
mod kustomize;
mod lab_text;
mod report;
mod stdlib_crds;
mod stdlib_defs;
mod stdlib_match;
mod substitute;
mod transform;
mod write;

use indexmap::IndexMap;

pub use clusters::{render, FluxKs, Rendered, RenderedCluster};
pub use report::{Note, NoteKind};

/// The repository: relative path (with `/`) -> file text, in path order.
pub type Repo = IndexMap<String, String>;

/// What `import` gives: the lab's files and the notes of the report.
pub struct Imported {
    pub files: IndexMap<String, String>,
    pub notes: Vec<Note>,
}

impl Imported {
    /// The report as text, one line per note, errors first.
    pub fn report_text(&self) -> String {
        report::text(&self.notes)
    }

    /// The report as JSON: `{ "notes": [{ kind, cluster, subject, detail }] }`.
    pub fn report_json(&self) -> String {
        report::json(&self.notes)
    }

    /// Whether the import met something it refuses to carry over (a plaintext Secret, a
    /// file that does not parse, a path outside the repository).
    pub fn has_errors(&self) -> bool {
        self.notes.iter().any(|n| n.kind == NoteKind::Error)
    }
}

/// The lab of a repository.
pub fn import(repo: &Repo) -> Imported {
    let rendered = render(repo);
    write::lab(&rendered)
}
