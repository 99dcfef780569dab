//! The salsa database: source-file inputs, the lab input, and the database type.

use indexmap::IndexMap;
use salsa::{Durability, Setter as _};

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
/// include), sorted by path; and the stdlib's schema library
/// (`std/schemas/<name>/<version>.json`, sorted by path).
#[salsa::input(debug)]
pub struct Lab {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    #[returns(ref)]
    pub assets: Vec<SourceFile>,
    #[returns(ref)]
    pub schemas: Vec<SourceFile>,
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
        self.load_live(None, lab_files).lab
    }

    /// Like [`LabDb::load`], with the stdlib given as (file name, text) instead of the
    /// embedded one: `labc --stdlib DIR` uses it to try stdlib edits without a rebuild.
    /// Names `schemas/<name>/<version>.json` are the schema library, the others modules.
    pub fn load_with_stdlib(
        &self,
        stdlib: Vec<(String, String)>,
        lab_files: Vec<(String, String)>,
    ) -> Lab {
        self.load_live(Some(stdlib), lab_files).lab
    }

    /// Like [`LabDb::load_with_stdlib`] (the embedded stdlib when `stdlib` is `None`), keeping
    /// the inputs by path so that later snapshots of the directory can be applied to this
    /// database with [`LabDb::update`] (`labc watch`).
    pub fn load_live(
        &self,
        stdlib: Option<Vec<(String, String)>>,
        lab_files: Vec<(String, String)>,
    ) -> LiveLab {
        let mut stdlib = stdlib.unwrap_or_else(|| {
            crate::stdlib::FILES
                .iter()
                .chain(crate::stdlib::SCHEMAS)
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .collect()
        });
        stdlib.sort_by(|a, b| a.0.cmp(&b.0));
        let (stdlib, schemas): (Vec<SourceFile>, Vec<SourceFile>) = stdlib
            .into_iter()
            .map(|(path, text)| {
                SourceFile::builder(format!("std/{path}"), text)
                    .durability(Durability::HIGH)
                    .new(self)
            })
            .partition(|f| f.path(self).ends_with(".lab"));
        let mut sources = IndexMap::new();
        for (path, text) in sorted(lab_files) {
            let file = SourceFile::new(self, path.clone(), text);
            sources.insert(path, file);
        }
        let (files, assets) = split(&stdlib, &sources);
        let lab = Lab::builder(files, assets, schemas)
            .schemas_durability(Durability::HIGH)
            .new(self);
        LiveLab {
            lab,
            stdlib,
            sources,
        }
    }

    /// Apply a new snapshot of the lab directory (path, text) to `live` in place. Only what
    /// differs is set, because every salsa set is a new revision for whatever read the
    /// input: a file whose text is unchanged keeps its input untouched (its parse and
    /// everything built on it stay memoised), an edited file gets its text set, a new file
    /// gets a new input, and `Lab`'s lists are set only when the set of paths changed.
    pub fn update(&mut self, live: &mut LiveLab, lab_files: Vec<(String, String)>) -> Update {
        let mut update = Update::default();
        let mut sources = IndexMap::new();
        for (path, text) in sorted(lab_files) {
            let file = match live.sources.get(&path) {
                Some(&file) => {
                    if *file.text(self) != text {
                        file.set_text(self).to(text);
                        update.changed.push(path.clone());
                    }
                    file
                }
                None => {
                    update.added.push(path.clone());
                    SourceFile::new(self, path.clone(), text)
                }
            };
            sources.insert(path, file);
        }
        update.removed = live
            .sources
            .keys()
            .filter(|path| !sources.contains_key(*path))
            .cloned()
            .collect();
        let (files, assets) = split(&live.stdlib, &sources);
        if *live.lab.files(self) != files {
            live.lab.set_files(self).to(files);
        }
        if *live.lab.assets(self) != assets {
            live.lab.set_assets(self).to(assets);
        }
        live.sources = sources;
        update
    }
}

/// A lab loaded with [`LabDb::load_live`]: the `Lab` input and its files by path, so that
/// [`LabDb::update`] can tell which inputs a new snapshot changes.
#[derive(Clone, Debug)]
pub struct LiveLab {
    pub lab: Lab,
    stdlib: Vec<SourceFile>,
    /// The lab directory's files (program and assets), sorted by path.
    sources: IndexMap<String, SourceFile>,
}

/// What [`LabDb::update`] changed, by path, each list sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Update {
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Update {
    /// True when the snapshot was the same as the database's (nothing was set).
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// The files sorted by path, a path given twice kept once (the last text).
fn sorted(lab_files: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut by_path: IndexMap<String, String> = lab_files.into_iter().collect();
    by_path.sort_keys();
    by_path.into_iter().collect()
}

/// `Lab`'s two lists: the stdlib then the `.lab` files (the program), and the other files
/// (manifests, the assets), in the order of `sources` (sorted by path).
fn split(
    stdlib: &[SourceFile],
    sources: &IndexMap<String, SourceFile>,
) -> (Vec<SourceFile>, Vec<SourceFile>) {
    let mut files = stdlib.to_vec();
    let mut assets = Vec::new();
    for (path, &file) in sources {
        if path.ends_with(".lab") {
            files.push(file);
        } else {
            assets.push(file);
        }
    }
    (files, assets)
}

/// The module a file belongs to: `std/example.lab` is `std.example`, `tenants/demo.lab`
/// is `tenants.demo`.
pub fn module_name(path: &str) -> String {
    path.trim_end_matches(".lab").replace(['/', '\\'], ".")
}
