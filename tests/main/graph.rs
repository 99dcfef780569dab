//! `labc graph`: the DOT and Mermaid graphs of each fixture lab under `tests/graph/`
//! (`graph::<case>`, snapshots `<case>-dot.snap` and `<case>-mermaid.snap` beside them)
//! and of the example lab; `--cluster`, its did-you-mean error, a lab with errors, the
//! escaping of hostile labels, and SVG through Graphviz where `dot` is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use labc::graph::{lab_graph, to_dot, to_mermaid, ClusterGraph, Edge, EdgeKind, NodeRef};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph")
}

/// The graphs of the lab in `dir` (all clusters, or `only`), which must compile cleanly.
fn graphs(dir: &Path, only: Option<&str>) -> Vec<ClusterGraph> {
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(dir).expect("lab is readable"));
    let (_, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert_eq!(
        labc::diag::render_plain(&db, &diags),
        "",
        "{}",
        dir.display()
    );
    lab_graph(&db, lab, only)
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => root(), prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, text);
    });
}

fn labc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labc"))
        .args(args)
        .output()
        .expect("labc runs")
}

/// One test per case directory, `graph::<case>`: its DOT and Mermaid snapshots.
fn cases() -> Vec<libtest_mimic::Trial> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in tests/graph");
    cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            crate::case(module_path!(), &name.clone(), move || {
                let g = graphs(&case, None);
                snapshot(&format!("{name}-dot"), &to_dot(&g, true));
                snapshot(&format!("{name}-mermaid"), &to_mermaid(&g, true));
                Ok(())
            })
        })
        .collect()
}

/// The example lab's two clusters, as one DOT and one Mermaid graph.
fn example_lab() {
    let g = graphs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("lab"), None);
    assert_eq!(
        g.iter().map(|c| c.cluster.as_str()).collect::<Vec<_>>(),
        ["infra", "apps"]
    );
    snapshot("example-lab-dot", &to_dot(&g, true));
    snapshot("example-lab-mermaid", &to_mermaid(&g, true));
}

/// Every `dependsOn` edge of the example lab and of every fixture and build case has a
/// reason (lowering never makes an edge it cannot explain), and every edge ends at a
/// node of its cluster, except `via mesh` edges, which end on another cluster.
fn every_edge_has_a_reason_and_a_target() {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("lab")];
    for parent in [
        root(),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build"),
    ] {
        for e in std::fs::read_dir(parent).unwrap().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            }
        }
    }
    let mut mesh = 0;
    for dir in dirs {
        let gs = graphs(&dir, None);
        for g in &gs {
            for e in &g.edges {
                match e.kind {
                    EdgeKind::DependsOn => {
                        assert!(!e.label.is_empty(), "{e:?}");
                        assert!(!e.label.contains(&"dependsOn".to_string()), "{e:?}");
                        assert_eq!(e.to.cluster, g.cluster, "{e:?}");
                    }
                    EdgeKind::AppliedBy => assert_eq!(e.to.name, "flux-system"),
                    EdgeKind::Mesh => {
                        mesh += 1;
                        assert_ne!(e.to.cluster, g.cluster, "{e:?}");
                    }
                }
                if e.to.cluster == g.cluster {
                    assert!(g.nodes.contains(&e.to.name), "{e:?} in {}", dir.display());
                }
            }
        }
    }
    assert!(
        mesh >= 6,
        "the example lab and the mesh case have mesh edges"
    );
}

/// Each reason keeps the place where the lab makes the dependency: the reference, the
/// capability value, the resource (its kind and name) whose CRD or `in` namespace it is,
/// the name of the declaration placed in the namespace.
fn reasons_point_at_the_lab() {
    use labc::lower::{cluster_ir, Why};
    let mut seen = Vec::new();
    for case in ["references", "capability", "crd", "namespace"] {
        let db = labc::db::LabDb::default();
        let lab = db.load(labc::cli::read_lab(&root().join(case)).unwrap());
        let ir = cluster_ir(&db, lab, "home".into()).as_ref().unwrap();
        for k in &ir.kustomizations {
            for (dep, reasons) in &k.reasons {
                for r in reasons {
                    let span = labc::sema::index::absolute(&db, r.file, r.span);
                    let text = &r.file.text(&db)[span.range()];
                    seen.push(format!("{} -> {dep}: {:?} at {text}", k.name, r.why));
                }
            }
        }
        if case == "namespace" {
            let extras = ir
                .kustomizations
                .iter()
                .find(|k| k.name == "extras")
                .unwrap();
            assert!(extras.reasons["namespace-media"]
                .iter()
                .all(|r| matches!(&r.why, Why::Namespace { namespace } if namespace == "media")));
        }
    }
    assert_eq!(
        seen,
        [
            "db -> namespace-db: Namespace { namespace: \"db\" } at db",
            "web -> namespace-web: Namespace { namespace: \"web\" } at web",
            "web -> db: Reference { component: \"db\" } at db",
            "worker -> namespace-worker: Namespace { namespace: \"worker\" } at worker",
            "worker -> web: Reference { component: \"web\" } at web",
            "disks -> namespace-disks-system: Namespace { namespace: \"disks-system\" } at disks",
            "blog -> namespace-blog: Namespace { namespace: \"blog\" } at blog",
            "blog -> disks: Capability { kind: \"storage_class\", value: \"fast\" } at \"fast\"",
            "issuers -> namespace-issuers-system: Namespace { namespace: \"issuers-system\" } at issuers",
            "issuers-config -> issuers: OwnCrds at Issuer \"default\"",
            "site -> namespace-site: Namespace { namespace: \"site\" } at site",
            "site -> issuers: Crd { api_version: \"certs.example.com/v1\", kind: \"Issuer\" } at Issuer \"site\"",
            "site -> issuers: Crd { api_version: \"certs.example.com/v1\", kind: \"Certificate\" } at Certificate \"site\"",
            "media -> namespace-media: Namespace { namespace: \"media\" } at media",
            "jellyfin -> namespace-media: Namespace { namespace: \"media\" } at jellyfin",
            "extras -> namespace-extras: Namespace { namespace: \"extras\" } at extras",
            "extras -> namespace-media: Namespace { namespace: \"media\" } at ConfigMap \"extras\"",
        ]
    );
}

/// `--cluster apps` of the mesh case: only apps' Kustomizations, and the mesh target on
/// infra as a dashed node of its own.
fn cluster_filter() {
    let g = graphs(&root().join("mesh"), Some("apps"));
    assert_eq!(g.len(), 1);
    let dot = to_dot(&g, false);
    let mermaid = to_mermaid(&g, false);
    assert!(!dot.contains("subgraph") && !mermaid.contains("subgraph"));
    assert!(dot.contains(
        "\"infra/gitlab-db\" [label=\"gitlab-db\\n(cluster infra)\", style=\"rounded,dashed\"]"
    ));
    assert!(!dot.contains("infra/flux-system"));
    snapshot("mesh-apps-dot", &dot);
    snapshot("mesh-apps-mermaid", &mermaid);
}

/// The CLI prints what the library renders: DOT by default, Mermaid on request, one
/// cluster with `--cluster`.
fn cli_prints_the_graph() {
    let dir = root().join("mesh");
    let dir = dir.to_str().unwrap();
    let out = labc(&["graph", dir]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        to_dot(&graphs(Path::new(dir), None), true)
    );
    let out = labc(&["graph", dir, "--cluster", "apps", "--format", "mermaid"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        to_mermaid(&graphs(Path::new(dir), Some("apps")), false)
    );
}

/// An unknown `--cluster` is a usage error (exit 2) with a suggestion, or the list of
/// clusters when no name is close.
fn unknown_cluster() {
    let dir = root().join("mesh");
    let dir = dir.to_str().unwrap();
    let out = labc(&["graph", dir, "--cluster", "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let close = String::from_utf8(out.stderr).unwrap();
    let out = labc(&["graph", dir, "--cluster", "edge-site"]);
    assert_eq!(out.status.code(), Some(2));
    let far = String::from_utf8(out.stderr).unwrap();
    snapshot("unknown-cluster", &format!("{close}{far}"));
}

/// A lab with errors: its diagnostics on stderr, no graph, exit 1.
fn lab_with_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("references/lab.lab")).unwrap();
    std::fs::write(
        tmp.path().join("lab.lab"),
        text.replace("db = db", "db = dbb"),
    )
    .unwrap();
    let out = labc(&["graph", tmp.path().to_str().unwrap(), "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("error[E0201]"), "{stderr}");
    assert!(stderr.contains("no graph"), "{stderr}");
}

/// Names and labels with characters DOT and Mermaid read as syntax come out escaped.
fn hostile_labels_are_escaped() {
    let node = |name: &str| NodeRef {
        cluster: "c".into(),
        name: name.into(),
    };
    let g = vec![ClusterGraph {
        cluster: "c".into(),
        nodes: vec!["flux-system".into(), "a".into(), "end".into()],
        edges: vec![Edge {
            from: node("a"),
            to: node("end"),
            kind: EdgeKind::DependsOn,
            label: vec![
                "storage class x\"] -->|y| #z <b>&`\\".into(),
                "two\nlines".into(),
            ],
        }],
    }];
    let dot = to_dot(&g, true);
    assert!(
        dot.contains(r#"[label="storage class x\"] -->|y| #z <b>&`\\\ntwo\nlines"]"#),
        "{dot}"
    );
    let mermaid = to_mermaid(&g, true);
    assert!(
        mermaid.contains(
            "c0n1 -->|\"storage class x#quot;] --#gt;#124;y#124; #35;z #lt;b#gt;#amp;#96;\\<br>two<br>lines\"| c0n2\n"
        ),
        "{mermaid}"
    );
    // A node named `end` is only ever a label, never an id.
    assert!(mermaid.contains("c0n2[\"end\"]"), "{mermaid}");
}

/// Whether Graphviz's `dot` runs here.
fn have_dot() -> bool {
    Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `--format svg`: Graphviz's SVG where `dot` is installed; otherwise exit 2 with what
/// to install (the SVG itself is skipped then, and the test says so).
fn svg() {
    let dir = root().join("mesh");
    let out = labc(&["graph", dir.to_str().unwrap(), "--format", "svg"]);
    if have_dot() {
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let svg = String::from_utf8(out.stdout).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        // Graphviz writes `-` as `&#45;`, so these names have none.
        for name in ["gitlab", "runner", "via mesh", "cluster apps"] {
            assert!(svg.contains(name), "{name} in {svg}");
        }
    } else {
        println!(
            "graph::svg: Graphviz's `dot` is not installed; SVG output not checked, only the error"
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("install Graphviz"), "{stderr}");
        assert!(stderr.contains("--format dot"), "{stderr}");
    }
}

tests!(
    example_lab,
    every_edge_has_a_reason_and_a_target,
    reasons_point_at_the_lab,
    cluster_filter,
    cli_prints_the_graph,
    unknown_cluster,
    lab_with_errors,
    hostile_labels_are_escaped,
    svg;
    cases: cases
);
