//! The lean build of `labc build` (`compile::build_clusters`): each cluster's files handed
//! over as soon as they are emitted, the evaluations and IR of the clusters done dropped,
//! several clusters at a time on threads of their own. Its files and diagnostics must be
//! those of `compile_with_diagnostics`, byte for byte, however many threads run.

use std::path::Path;
use std::sync::Mutex;

use indexmap::IndexMap;
use labc::db::LabDb;

use crate::incremental::workload;

/// (path, text) of every output file in output order, and the rendered diagnostics.
type Built = (Vec<(String, String)>, String);

/// The lab built the lean way, `threads` clusters at a time.
fn lean(sources: &[(String, String)], threads: usize) -> Built {
    let mut db = LabDb::default();
    let lab = db.load(sources.to_vec());
    let got: Mutex<Vec<IndexMap<String, String>>> = Mutex::new(Vec::new());
    let write = |files: &IndexMap<String, String>| {
        got.lock().unwrap().push(files.clone());
        Ok::<(), String>(())
    };
    let (paths, diags) = labc::compile::build_clusters(&mut db, lab, threads, &write).unwrap();
    let mut texts: IndexMap<String, String> =
        got.into_inner().unwrap().into_iter().flatten().collect();
    let files: Vec<(String, String)> = (paths.into_iter().flatten())
        .map(|p| {
            let text = texts
                .swap_remove(&p)
                .unwrap_or_else(|| panic!("{p} not handed over"));
            (p, text)
        })
        .collect();
    assert!(
        texts.is_empty(),
        "handed over but not listed: {:?}",
        texts.keys()
    );
    (files, labc::diag::render_plain(&db, &diags))
}

/// The lab compiled as `labc check` and the language server do.
fn full(sources: &[(String, String)]) -> Built {
    let db = LabDb::default();
    let lab = db.load(sources.to_vec());
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    let files = (out.files.iter())
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    (files, labc::diag::render_plain(&db, &diags))
}

fn assert_same(name: &str, sources: &[(String, String)]) {
    let want = full(sources);
    assert!(!want.0.is_empty(), "{name}: the lab has output");
    for threads in [1, 2, 3] {
        let got = lean(sources, threads);
        assert!(
            got.0 == want.0,
            "{name}: the files differ with {threads} thread(s)"
        );
        assert_eq!(
            got.1, want.1,
            "{name}: the diagnostics, {threads} thread(s)"
        );
    }
}

fn the_example_lab_is_built_alike_on_one_thread_or_several() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    assert_same("lab/", &labc::cli::read_lab(&dir).unwrap());
}

fn a_fleet_is_built_alike_on_one_thread_or_several() {
    assert_same("fleet(5, 40)", &workload::files(5, 40));
}

/// A lab with errors in two clusters: the same diagnostics, and still every file.
fn a_lab_with_errors_reports_alike_on_one_thread_or_several() {
    let mut sources = workload::files(3, 9);
    for (path, text) in &mut sources {
        if path.ends_with("t00001.lab") || path.ends_with("t00005.lab") {
            *text = text.replacen(
                "use std.network-policy",
                "use std.network-policy\nuse std.nothing-here",
                1,
            );
        }
    }
    let (_, diags) = full(&sources);
    assert!(diags.contains("error"), "the lab has errors: {diags}");
    assert_same("fleet(3, 9) with errors", &sources);
}

tests!(
    the_example_lab_is_built_alike_on_one_thread_or_several,
    a_fleet_is_built_alike_on_one_thread_or_several,
    a_lab_with_errors_reports_alike_on_one_thread_or_several,
);
