//! Files of the lab directory named from a `.lab` file: the one path rule that
//! `manifest` statements and the `file("path")` builtin share (relative to the naming
//! file's folder, inside the lab), the lookup among the lab's assets (E0503), and
//! `file`'s own checks (E0216 not text, E0217 a folder).

use super::{Evaluator, Value};
use crate::db::SourceFile;
use crate::diag::codes;
use crate::diag::{listing, unknown_name_help};
use crate::syntax::ast::Span;

/// What a path names: a manifest (only `.yaml`/`.yml` assets are manifests), a data
/// file read as text (any asset), or a schema file of a `crds` statement (`.json`,
/// `.yaml`, `.yml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabFile {
    Manifest,
    Data,
    Schema,
}

impl LabFile {
    fn accepts(self, path: &str) -> bool {
        match self {
            LabFile::Manifest => path.ends_with(".yaml") || path.ends_with(".yml"),
            LabFile::Data => true,
            LabFile::Schema => is_schema_path(path),
        }
    }
}

/// Whether a `crds` statement's `schema "X"` names a lab file (else a name of the
/// schema library).
pub fn is_schema_path(source: &str) -> bool {
    [".json", ".yaml", ".yml"]
        .iter()
        .any(|ext| source.ends_with(ext))
}

/// The most files of a folder E0217's help lists.
const FOLDER_LISTING: usize = 8;

impl Evaluator<'_> {
    /// The lab path `rel` names from the current file and its asset, or `None` after
    /// E0503 (no such file) or, for a data file, E0217 (the path is a folder).
    pub fn find_lab_file(
        &mut self,
        rel: &str,
        path_span: Span,
        what: LabFile,
    ) -> Option<(String, SourceFile)> {
        let here = self.file.path(self.db).clone();
        let dir = here.rsplit_once('/').map_or("", |(d, _)| d);
        let wanted = normalize_path(&format!("{dir}/{rel}"));
        let assets = self.lab.assets(self.db);
        let found = assets
            .iter()
            .find(|a| *a.path(self.db) == wanted && what.accepts(a.path(self.db)));
        if let Some(&asset) = found {
            return Some((wanted, asset));
        }
        if what == LabFile::Data && self.report_folder(&wanted, path_span) {
            return None;
        }
        let paths: Vec<&str> = assets
            .iter()
            .map(|a| a.path(self.db).as_str())
            .filter(|p| what.accepts(p))
            .collect();
        let (message, rule) = match what {
            LabFile::Manifest => (
                format!("there is no manifest `{wanted}` in the lab"),
                "manifests are .yaml or .yml files in the lab directory, named relative to the including file",
            ),
            LabFile::Data => (
                format!("there is no file `{wanted}` in the lab"),
                "`file` reads a file of the lab directory (outside hidden folders, at most 1 MiB), named relative to the file that calls it",
            ),
            LabFile::Schema => (
                format!("there is no schema file `{wanted}` in the lab"),
                "schema files are .json, .yaml or .yml files in the lab directory, named relative to the file of the `crds` statement",
            ),
        };
        let help = unknown_name_help(&wanted, paths, |_| Some(rule.into()));
        self.error(codes::E0503, path_span, message)
            .lbl("no such file")
            .help = help;
        None
    }

    /// E0217 when `wanted` is a folder of the lab (some asset lies under it): true if
    /// reported.
    fn report_folder(&mut self, wanted: &str, path_span: Span) -> bool {
        let prefix = format!("{wanted}/");
        let inside: Vec<String> = self
            .lab
            .assets(self.db)
            .iter()
            .map(|a| a.path(self.db))
            .filter(|p| wanted.is_empty() || p.starts_with(&prefix))
            .take(FOLDER_LISTING)
            .cloned()
            .collect();
        if inside.is_empty() {
            return false;
        }
        let shown = if wanted.is_empty() { "." } else { wanted };
        let names: Vec<&str> = inside.iter().map(String::as_str).collect();
        let help = listing(
            "name one file: `file` reads one file as a string; the folder holds",
            &names,
        );
        self.error(
            codes::E0217,
            path_span,
            format!("`{shown}` is a folder of the lab, not a file"),
        )
        .lbl("a folder")
        .help = help;
        true
    }

    /// `file(path)`: the text of a file of the lab directory. E0216 when it is not UTF-8
    /// text (the CLI reads bytes that are not UTF-8 as U+FFFD, and a NUL byte marks a
    /// binary file): a string value, and the ConfigMap `data` it is meant for, holds text.
    pub(super) fn file_text(&mut self, path: &Value, span: Span) -> Option<Value> {
        let Value::Str(rel) = path else {
            return None;
        };
        let (wanted, asset) = self.find_lab_file(rel, span, LabFile::Data)?;
        let text = asset.text(self.db);
        if let Some(at) = text.find(['\u{FFFD}', '\0']) {
            let line = text[..at].matches('\n').count() + 1;
            self.error(
                codes::E0216,
                span,
                format!("`{wanted}` is not UTF-8 text (line {line} holds a byte that is not text)"),
            )
            .lbl("not a text file")
            .help = Some(
                "`file` reads text files (config files, rules, JSON); keep binary data out of the lab, or convert the file to UTF-8".into(),
            );
            return None;
        }
        Some(Value::Str(text.clone()))
    }
}

/// `a/./b/../c` is `a/c`; a leading `/` is dropped (paths are relative to the lab), and a
/// `..` above the lab's root stays at the root.
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}
