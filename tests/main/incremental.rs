//! Incrementality: after an edit, only the queries of the edited file and of what depends
//! on it re-run. Counted with salsa's `WillExecute` events, not assumed.

use std::sync::{Arc, Mutex};

use labc::db::{LabDb, SourceFile};
use labc::sema::component::CompKey;
use salsa::plumbing::AsId as _;
use salsa::Setter as _;

type Log = Arc<Mutex<Vec<salsa::DatabaseKeyIndex>>>;

/// A two-cluster lab of its own (`tests/incremental/`), so that the example lab can
/// change without moving the edits these tests make.
fn lab_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incremental");
    labc::cli::read_lab(&dir).expect("tests/incremental/ is readable")
}

fn db_with_log() -> (LabDb, Log) {
    let log: Log = Arc::default();
    let sink = log.clone();
    let db = LabDb::with_event_hook(Box::new(move |event: salsa::Event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            sink.lock().unwrap().push(database_key);
        }
    }));
    (db, log)
}

/// (query name, key id) of every execution since the last call.
fn executed(db: &LabDb, log: &Log) -> Vec<(String, salsa::Id)> {
    let keys: Vec<_> = std::mem::take(&mut *log.lock().unwrap());
    salsa::attach(db, || {
        keys.iter()
            .map(|k| {
                let text = format!("{k:?}");
                let name = text.split('(').next().unwrap_or_default().to_string();
                (name, k.key_index())
            })
            .collect()
    })
}

fn file_named(db: &LabDb, lab: labc::db::Lab, path: &str) -> SourceFile {
    *lab.files(db)
        .iter()
        .find(|f| f.path(db) == path)
        .expect("file exists")
}

fn editing_a_tenant_reruns_only_what_depends_on_it() {
    let (mut db, log) = db_with_log();
    let lab = db.load(lab_files());
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "the lab compiles cleanly");
    let first = executed(&db, &log);
    assert!(first.iter().filter(|(n, _)| n == "parse_checked").count() >= 8);

    // Same-length edit: no span elsewhere moves.
    let harbor = file_named(&db, lab, "tenants/harbor.lab");
    let network = file_named(&db, lab, "network.lab");
    let text = harbor
        .text(&db)
        .replace("default_pool_size = 15", "default_pool_size = 16");
    harbor.set_text(&mut db).to(text);

    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty());
    let pooler = &out.files["clusters/infra/harbor/app/pooler.yaml"];
    assert!(pooler.contains("default_pool_size: '16'"), "{pooler}");
    let second = executed(&db, &log);
    let ran = |name: &str| {
        second
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .collect::<Vec<_>>()
    };

    // Parsing: only the edited file.
    assert_eq!(
        ran("parse_checked"),
        vec![harbor.as_id()],
        "only harbor.lab is re-parsed"
    );
    // Evaluation: the harbor component on infra, nothing else.
    let harbor_key = CompKey::new(&db, lab, harbor, 0, "infra".to_string());
    assert_eq!(
        ran("eval_component"),
        vec![harbor_key.as_id()],
        "only harbor is re-evaluated"
    );
    // Clusters, pools and headers are untouched; the apps cluster is not lowered again.
    for q in [
        "cluster_facts_checked",
        "pool_value_checked",
        "lab_facts_checked",
        "component_header",
        "crds_on_cluster",
        "lab_checks",
    ] {
        assert!(ran(q).is_empty(), "{q} re-ran: {second:?}");
    }
    assert_eq!(
        ran("emit_cluster").len(),
        1,
        "only infra's tree is re-emitted"
    );
    assert!(
        ran("decl_of").len() <= 1,
        "only harbor's declaration is re-read"
    );
    let _ = network;

    // No edit: nothing runs.
    labc::compile::compile_with_diagnostics(&db, lab);
    assert!(executed(&db, &log).is_empty());
}

fn editing_a_cluster_reevaluates_its_components_only() {
    let (mut db, log) = db_with_log();
    let lab = db.load(lab_files());
    labc::compile::compile_with_diagnostics(&db, lab);
    executed(&db, &log);

    let network = file_named(&db, lab, "network.lab");
    // Change apps' BGP ASN (same length).
    let text = network.text(&db).replace("asn = 64513", "asn = 64514");
    network.set_text(&mut db).to(text);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty());
    assert!(out.files["clusters/apps/cilium/config/ciliumbgpclusterconfig.yaml"].contains("64514"));
    let second = executed(&db, &log);
    let parsed: Vec<_> = second
        .iter()
        .filter(|(n, _)| n == "parse_checked")
        .collect();
    assert_eq!(parsed.len(), 1, "only network.lab is re-parsed");
    // The tenant file's declaration is unchanged, so its memo is reused.
    let harbor = file_named(&db, lab, "tenants/harbor.lab");
    let harbor_key = CompKey::new(&db, lab, harbor, 0, "infra".to_string());
    assert!(
        !second
            .iter()
            .any(|(n, id)| n == "eval_component" && *id == harbor_key.as_id()),
        "harbor on infra does not depend on the apps cluster"
    );
}

/// The same on the example lab, some fifty components on two clusters: a tenant's edit
/// re-evaluates that tenant only and re-emits its cluster only.
fn editing_a_tenant_of_the_example_lab_reruns_only_that_tenant() {
    let (mut db, log) = db_with_log();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let lab = db.load(labc::cli::read_lab(&dir).expect("lab/ is readable"));
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "the example lab compiles cleanly");
    executed(&db, &log);

    let harbor = file_named(&db, lab, "tenants/harbor.lab");
    let text = harbor.text(&db);
    let edited = text.replace("trivy_storage      = 5Gi", "trivy_storage      = 6Gi");
    assert_ne!(text, &edited, "the edit applies");
    harbor.set_text(&mut db).to(edited);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty());
    assert!(out.files["clusters/infra/harbor/app/helmrelease.yaml"].contains("6Gi"));

    let second = executed(&db, &log);
    let evaluated: Vec<_> = second
        .iter()
        .filter(|(n, _)| n == "eval_component")
        .collect();
    assert_eq!(
        evaluated.len(),
        1,
        "only harbor is re-evaluated: {second:?}"
    );
    assert_eq!(
        second.iter().filter(|(n, _)| n == "emit_cluster").count(),
        1,
        "only infra's tree is re-emitted"
    );
    // The schema check is a query per component and cluster: harbor's only.
    assert_eq!(
        second.iter().filter(|(n, _)| n == "check_schemas").count(),
        1,
        "only harbor's objects are re-checked: {second:?}"
    );
}

/// `labc watch`'s path: a new snapshot of the directory applied with `LabDb::update`.
/// One edited file sets one input and re-runs a small part of the cold check; an
/// unchanged snapshot sets nothing and runs nothing; a new and a removed file change the
/// lab's file list.
fn applying_a_snapshot_with_one_edit_reruns_little() {
    let (mut db, log) = db_with_log();
    let mut live = db.load_live(None, lab_files());
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, live.lab);
    assert!(diags.is_empty(), "the lab compiles cleanly");
    let cold = executed(&db, &log).len();

    let edited: Vec<(String, String)> = lab_files()
        .into_iter()
        .map(|(path, text)| {
            let text = if path == "tenants/harbor.lab" {
                text.replace("default_pool_size = 15", "default_pool_size = 16")
            } else {
                text
            };
            (path, text)
        })
        .collect();
    let update = db.update(&mut live, edited.clone());
    assert_eq!(update.changed, vec!["tenants/harbor.lab".to_string()]);
    assert!(update.added.is_empty() && update.removed.is_empty());
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, live.lab);
    assert!(diags.is_empty());
    assert!(out.files["clusters/infra/harbor/app/pooler.yaml"].contains("default_pool_size: '16'"));
    let warm = executed(&db, &log);
    let parsed: Vec<_> = warm.iter().filter(|(n, _)| n == "parse_checked").collect();
    assert_eq!(parsed.len(), 1, "only harbor.lab is re-parsed: {warm:?}");
    assert!(
        warm.len() * 10 < cold,
        "an edit re-ran {} of the cold check's {cold} queries",
        warm.len()
    );

    // The same snapshot again: no input is set, so nothing re-runs.
    assert!(db.update(&mut live, edited.clone()).is_empty());
    labc::compile::compile_with_diagnostics(&db, live.lab);
    assert!(executed(&db, &log).is_empty());

    // A new file with an error, then its removal.
    let mut more = edited.clone();
    more.push(("extra.lab".to_string(), "oops\n".to_string()));
    let update = db.update(&mut live, more);
    assert_eq!(update.added, vec!["extra.lab".to_string()]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, live.lab);
    assert!(
        diags
            .iter()
            .any(|d| d.primary.file.path(&db) == "extra.lab"),
        "the new file is checked"
    );
    let update = db.update(&mut live, edited);
    assert_eq!(update.removed, vec!["extra.lab".to_string()]);
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, live.lab);
    assert!(diags.is_empty(), "the removed file is gone from the lab");
}

/// A lab whose `tenants.lab` holds `n` tenants, one after the other.
fn many_tenants(n: usize) -> Vec<(String, String)> {
    let lab = "lab home { domain = \"example.com\", git = \"https://github.com/me/lab\" }\n\n\
               cluster c {\n  id       = 1\n  api      = \"c.example.com\"\n  \
               pods     = 10.244.0.0/16\n  services = 10.245.0.0/16\n}\n";
    let tenants: String = (0..n)
        .map(|i| {
            format!(
                "tenant t{i} on c {{\n  resource \"v1\" ConfigMap \"settings\" {{\n    \
                 data.value = \"value-{i}\"\n  }}\n}}\n\n"
            )
        })
        .collect();
    vec![
        ("lab.lab".to_string(), lab.to_string()),
        ("tenants.lab".to_string(), tenants),
    ]
}

/// An edit that changes the length of one declaration moves every declaration after it
/// in the file; spans are relative to their declaration, so only the edited one is
/// evaluated again, whether it is the first, a middle or the last one of the file.
fn an_edit_that_shifts_the_file_reruns_only_its_declaration() {
    const N: usize = 30;
    for edited in [0, N / 2, N - 1] {
        let (mut db, log) = db_with_log();
        let lab = db.load(many_tenants(N));
        let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        assert!(diags.is_empty(), "{diags:?}");
        executed(&db, &log);

        let file = file_named(&db, lab, "tenants.lab");
        let from = format!("\"value-{edited}\"");
        let text = file
            .text(&db)
            .replace(&from, &format!("\"a much longer value-{edited}\""));
        file.set_text(&mut db).to(text);
        let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
        assert!(diags.is_empty(), "{diags:?}");
        let settings = &out.files[&format!("clusters/c/t{edited}/app/configmap.yaml")];
        assert!(settings.contains("a much longer"), "{settings}");

        let ran = executed(&db, &log);
        let count = |name: &str| ran.iter().filter(|(n, _)| n == name).count();
        let key = CompKey::new(&db, lab, file, edited as u32, "c".to_string());
        let evaluated: Vec<salsa::Id> = ran
            .iter()
            .filter(|(n, _)| n == "eval_component")
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(evaluated, vec![key.as_id()], "edit of t{edited}: {ran:?}");
        assert!(count("component_header") <= 1, "edit of t{edited}: {ran:?}");
        assert_eq!(count("emit_cluster"), 1, "edit of t{edited}");
        assert_eq!(count("parse_checked"), 1, "edit of t{edited}");
    }
}

/// A diagnostic in a declaration after the edit still points at its text: labels are
/// made absolute from the file's current declaration offsets, also for queries that
/// were not run again.
fn diagnostics_of_a_moved_declaration_point_at_its_new_place() {
    let (mut db, _log) = db_with_log();
    let mut files = many_tenants(3);
    files[1].1 = files[1]
        .1
        .replace("data.value = \"value-2\"", "data.value = missing");
    let lab = db.load(files);
    let place = |db: &LabDb| {
        let (_, diags) = labc::compile::compile_with_diagnostics(db, lab);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let file = file_named(db, lab, "tenants.lab");
        file.text(db)[diags[0].primary.span.range()].to_string()
    };
    assert_eq!(place(&db), "missing");
    let file = file_named(&db, lab, "tenants.lab");
    let text = format!("# a comment above everything\n{}", file.text(&db));
    file.set_text(&mut db).to(text);
    assert_eq!(place(&db), "missing");
}

/// The bench's fleet workload (`benches/fleet/workload.rs`), small: the same clusters,
/// operators and tenant files as `cargo bench --bench fleet`.
#[path = "../../benches/fleet/workload.rs"]
#[allow(dead_code)]
pub(crate) mod workload;

/// (query name, key id) of the executions of `name` in `ran`.
fn ids_of(ran: &[(String, salsa::Id)], name: &str) -> Vec<salsa::Id> {
    ran.iter()
        .filter(|(n, _)| n == name)
        .map(|(_, id)| *id)
        .collect()
}

/// Adding a tenant file to a lab of many tenant files re-runs that tenant's queries and
/// its cluster's lowering and emission, and removing it again re-runs that cluster's
/// only: no other component is evaluated again, no other cluster emitted.
/// (The item index is rebuilt from per-file parts; what components and clusters read of
/// it compares equal, so salsa backdates it.)
fn adding_or_removing_a_tenant_file_reruns_only_that_tenant_and_its_cluster() {
    // 422 evaluations: from 400 on, every component's share of the lab's budgets is at
    // its minimum, so one more tenant does not change the others' (in a smaller lab it
    // does, and every component is rightly evaluated again).
    const CLUSTERS: usize = 2;
    const TENANTS: usize = 400;
    let (mut db, log) = db_with_log();
    let lab = db.load(workload::files(CLUSTERS, TENANTS));
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "{diags:?}");
    let before = out.files.len();
    let cold = executed(&db, &log);
    let cold_evals = ids_of(&cold, "eval_component").len();
    assert!(cold_evals > TENANTS, "{cold_evals} evaluations");

    // The next tenant, on cluster c0 (TENANTS is a multiple of CLUSTERS).
    let without = lab.files(&db).clone();
    let (path, text) = workload::tenant(TENANTS, CLUSTERS);
    let new = SourceFile::new(&db, path, text);
    let mut with = without.clone();
    with.push(new);
    lab.set_files(&mut db).to(with);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(out.files.len() > before, "the tenant's files are written");
    let added = executed(&db, &log);
    let key = CompKey::new(&db, lab, new, 0, "c0".to_string());
    let lowered = |ran: &[(String, salsa::Id)]| {
        ran.iter()
            .filter(|(n, _)| n == "cluster_ir" || n == "emit_cluster")
            .count()
    };
    assert_eq!(
        ids_of(&added, "eval_component"),
        vec![key.as_id()],
        "only the new tenant is evaluated: {added:?}"
    );
    assert!(
        ids_of(&added, "component_header")
            .iter()
            .all(|id| *id == key.as_id()),
        "only the new tenant's header is computed: {added:?}"
    );
    assert_eq!(
        ids_of(&added, "parse_checked"),
        vec![new.as_id()],
        "only the new file is parsed"
    );
    // c1's lowering may run again (something it reads still changes; issue 17), but
    // it compares equal, so c1 is not emitted again.
    assert_eq!(
        ids_of(&added, "emit_cluster").len(),
        1,
        "only c0 is emitted: {added:?}"
    );
    assert_eq!(
        lowered(&added),
        2,
        "only c0 is lowered and emitted: {added:?}"
    );
    // The warnings of the new file only, and every cluster's namespaces are not
    // computed again (the other clusters' compare equal).
    assert_eq!(ids_of(&added, "file_lint").len(), 1, "{added:?}");
    // The definitions are not checked again: what they read compares equal.
    assert!(ids_of(&added, "check_definition").is_empty(), "{added:?}");
    assert!(ids_of(&added, "namespaces_of").len() <= 1, "{added:?}");
    // Only c0's namespace checks run again: the other clusters' objects refer only to
    // namespaces of their own, so c0's new namespace is nothing they read.
    assert!(
        ids_of(&added, "namespace_checks_on").len() <= 1,
        "{added:?}"
    );
    // Besides `module_uses`, one cheap lookup per tenant module that every tenant's
    // evaluation checks (and finds equal), little runs.
    let others = added.iter().filter(|(n, _)| n != "module_uses").count();
    assert!(
        others * 10 < cold.len(),
        "adding a tenant re-ran {others} of the cold check's {} queries: {added:?}",
        cold.len()
    );

    // And removed again: nothing is evaluated, c0 is lowered and emitted again.
    lab.set_files(&mut db).to(without);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(out.files.len(), before, "the tenant's files are gone");
    let removed = executed(&db, &log);
    assert!(
        ids_of(&removed, "eval_component").is_empty(),
        "no component is evaluated again: {removed:?}"
    );
    assert!(
        ids_of(&removed, "component_header").is_empty(),
        "{removed:?}"
    );
    assert!(ids_of(&removed, "parse_checked").is_empty(), "{removed:?}");
    assert_eq!(
        ids_of(&removed, "emit_cluster").len(),
        1,
        "only c0 is emitted: {removed:?}"
    );
    assert_eq!(
        lowered(&removed),
        2,
        "only c0 is lowered and emitted: {removed:?}"
    );
    assert!(ids_of(&removed, "file_lint").is_empty(), "{removed:?}");
    // Besides `module_uses`, one cheap lookup per tenant module that every tenant's
    // evaluation checks (and finds equal), little runs.
    let others = removed.iter().filter(|(n, _)| n != "module_uses").count();
    assert!(
        others * 10 < cold.len(),
        "removing a tenant re-ran {others} of the cold check's {} queries: {removed:?}",
        cold.len()
    );
}

/// The bench's three edits of the largest file of a fleet (`fleet.lab`: same length in
/// the middle, longer at the start, longer at the end), each with one database kept:
/// only that file is parsed again, only the edited cluster is lowered and emitted, and
/// none of the whole-lab queries runs again, whose results the edit leaves equal (the
/// per-file parts they are built from compare equal, so salsa backdates them).
fn edits_at_the_start_middle_and_end_of_a_large_file_rerun_only_their_cluster() {
    const CLUSTERS: usize = 4;
    let (mut db, log) = db_with_log();
    let lab = db.load(workload::files(CLUSTERS, 40));
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "{diags:?}");
    let fleet = file_named(&db, lab, workload::FLEET_FILE);
    let original = fleet.text(&db).clone();
    for edit in workload::edits(CLUSTERS) {
        assert_eq!(original.matches(&edit.from).count(), 1, "{}", edit.label);
        for text in [original.replacen(&edit.from, &edit.to, 1), original.clone()] {
            executed(&db, &log);
            fleet.set_text(&mut db).to(text);
            let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
            assert!(diags.is_empty(), "{}: {diags:?}", edit.label);
            let ran = executed(&db, &log);
            let count = |name: &str| ids_of(&ran, name).len();
            assert_eq!(
                ids_of(&ran, "parse_checked"),
                vec![fleet.as_id()],
                "{}",
                edit.label
            );
            for q in ["cluster_ir", "emit_cluster", "file_lint", "file_items"] {
                assert!(
                    count(q) <= 1,
                    "{}: {q} ran {} times: {ran:?}",
                    edit.label,
                    count(q)
                );
            }
            // The start edit changes c0's `api`, which three of its components read.
            assert!(count("eval_component") <= 3, "{}: {ran:?}", edit.label);
            assert!(count("check_schemas") <= count("eval_component"), "{ran:?}");
            // Only a cluster's own record is an input of the whole-lab checks.
            if edit.key != "edit_start" {
                assert_eq!(count("lab_checks"), 0, "{}: {ran:?}", edit.label);
            }
            for q in [
                "item_index",
                "decl_index",
                "warnings",
                "unused_pins",
                "namespace_decls_checked",
                "components_misplaced",
            ] {
                assert_eq!(count(q), 0, "{}: {q} re-ran: {ran:?}", edit.label);
            }
        }
    }
}

tests!(
    adding_or_removing_a_tenant_file_reruns_only_that_tenant_and_its_cluster,
    edits_at_the_start_middle_and_end_of_a_large_file_rerun_only_their_cluster,
    an_edit_that_shifts_the_file_reruns_only_its_declaration,
    diagnostics_of_a_moved_declaration_point_at_its_new_place,
    editing_a_tenant_reruns_only_what_depends_on_it,
    editing_a_cluster_reevaluates_its_components_only,
    editing_a_tenant_of_the_example_lab_reruns_only_that_tenant,
    applying_a_snapshot_with_one_edit_reruns_little,
);
