//! The salsa database: source-file inputs, the lab input, and the database type.

use salsa::Durability;

/// One `.lab` source file. `path` is relative to the lab directory (`network.lab`) or,
/// for the embedded standard library, `std/<module>.lab`.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The whole program: every lab file plus the embedded stdlib, in a stable order, and
/// the other files of the lab directory (YAML manifests that `manifest` statements
/// include), sorted by path.
#[salsa::input(debug)]
pub struct Lab {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    #[returns(ref)]
    pub assets: Vec<SourceFile>,
}

#[salsa::db]
pub trait Db: salsa::Database {}

/// The concrete database. `events` is set only by tests that count executed queries.
#[salsa::db]
#[derive(Clone, Default)]
pub struct LabDb {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for LabDb {}

#[salsa::db]
impl Db for LabDb {}

impl LabDb {
    /// A database whose every salsa event is passed to `hook` (used to count executions).
    pub fn with_event_hook(hook: Box<dyn Fn(salsa::Event) + Send + Sync + 'static>) -> LabDb {
        LabDb {
            storage: salsa::Storage::new(Some(hook)),
        }
    }

    /// Create the program from the lab directory's files (path, text): `.lab` files are
    /// the program, the others (manifests) are assets. The stdlib is added with high
    /// durability, since it only changes with the compiler itself.
    pub fn load(&self, lab_files: Vec<(String, String)>) -> Lab {
        let embedded = crate::stdlib::FILES
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        self.load_with_stdlib(embedded, lab_files)
    }

    /// Like [`LabDb::load`], with the stdlib given as (file name, text) instead of the
    /// embedded one: `labc --stdlib DIR` uses it to try stdlib edits without a rebuild.
    pub fn load_with_stdlib(
        &self,
        stdlib: Vec<(String, String)>,
        lab_files: Vec<(String, String)>,
    ) -> Lab {
        let mut files = Vec::new();
        let mut stdlib = stdlib;
        stdlib.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, text) in stdlib {
            files.push(
                SourceFile::builder(format!("std/{path}"), text)
                    .durability(Durability::HIGH)
                    .new(self),
            );
        }
        let mut lab_files = lab_files;
        lab_files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut assets = Vec::new();
        for (path, text) in lab_files {
            if path.ends_with(".lab") {
                files.push(SourceFile::new(self, path, text));
            } else {
                assets.push(SourceFile::new(self, path, text));
            }
        }
        Lab::new(self, files, assets)
    }
}

/// The module a file belongs to: `std/example.lab` is `std.example`, `tenants/demo.lab`
/// is `tenants.demo`.
pub fn module_name(path: &str) -> String {
    path.trim_end_matches(".lab").replace(['/', '\\'], ".")
}
