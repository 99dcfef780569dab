//! Namespaces as declarations (issue 9, item 6): the Kustomization that creates a
//! namespace depends on nothing but the namespace's name, so neither the file a
//! declaration is in, nor the order of files, nor a component's rename changes the tree;
//! the prune marker is on by default; and no `dependsOn` names a Kustomization that is
//! not written (over the build cases and the example lab).

use std::path::Path;

use indexmap::IndexMap;

const HEADER: &str = r#"lab home { domain = "example.com", git = "https://github.com/me/lab" }

cluster c {
  id       = 1
  api      = "c.example.com"
  pods     = 10.244.0.0/16
  services = 10.245.0.0/16
}

template app(ns: string) {
  namespace = ns
  resource "v1" ConfigMap "${name}" { data.role = name }
}
"#;

const DECLARATION: &str = r#"namespace media on c {
  labels = { team = "media" }
}
"#;

/// The tree of a lab given as (path, text) files, and its rendered diagnostics.
fn compile(files: &[(&str, String)]) -> (IndexMap<String, String>, String) {
    let db = labc::db::LabDb::default();
    let files = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.clone()))
        .collect();
    let lab = db.load(files);
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    (out.files.to_map(), labc::diag::render_plain(&db, &diags))
}

fn clean(files: &[(&str, String)]) -> IndexMap<String, String> {
    let (tree, diags) = compile(files);
    assert_eq!(diags, "", "unexpected diagnostics");
    tree
}

fn components(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("instance {n} = app on c {{ ns = \"media\" }}\n"))
        .collect()
}

/// The declaration above the components, below them, or in a file read before or after
/// theirs: one tree.
fn a_declaration_anywhere_gives_the_same_tree() {
    let comps = components(&["sonarr", "jellyfin"]);
    let above = clean(&[("lab.lab", format!("{HEADER}{DECLARATION}{comps}"))]);
    let below = clean(&[("lab.lab", format!("{HEADER}{comps}{DECLARATION}"))]);
    let before = clean(&[
        ("a.lab", DECLARATION.to_string()),
        ("lab.lab", format!("{HEADER}{comps}")),
    ]);
    let after = clean(&[
        ("lab.lab", format!("{HEADER}{comps}")),
        ("z.lab", DECLARATION.to_string()),
    ]);
    assert_eq!(above, below);
    assert_eq!(above, before);
    assert_eq!(above, after);
    let ns = &above["clusters/c/namespace-media/app/namespace.yaml"];
    assert!(ns.contains("team: media"), "{ns}");
}

/// An undeclared namespace: renaming or reordering the components in it never moves its
/// Namespace (which Flux would delete and create again), and every one depends on it.
fn renaming_or_reordering_components_does_not_move_a_namespace() {
    let trees: Vec<IndexMap<String, String>> =
        [["alpha", "beta"], ["beta", "alpha"], ["zeta", "beta"]]
            .iter()
            .map(|names| clean(&[("lab.lab", format!("{HEADER}{}", components(names)))]))
            .collect();
    let ns = "clusters/c/namespace-media/app/namespace.yaml";
    for tree in &trees {
        assert_eq!(tree[ns], trees[0][ns]);
        let namespaces = tree
            .keys()
            .filter(|p| p.ends_with("namespace.yaml"))
            .count();
        assert_eq!(namespaces, 1, "{:?}", tree.keys().collect::<Vec<_>>());
        for (path, text) in tree {
            if path.ends_with("ks.yaml") && !path.contains("namespace-media") {
                assert!(text.contains("- name: namespace-media"), "{path}:\n{text}");
            }
        }
    }
    // Reordering the declarations changes nothing at all.
    assert_eq!(trees[0], trees[1]);
    assert!(trees[0][ns].contains("kustomize.toolkit.fluxcd.io/prune: disabled"));
}

/// The prune marker: on an undeclared namespace and by default, off with `prune = true`.
fn prune_is_disabled_unless_the_declaration_allows_it() {
    let marker = "kustomize.toolkit.fluxcd.io/prune: disabled";
    let ns = "clusters/c/namespace-media/app/namespace.yaml";
    let comps = components(&["web"]);
    for (body, pruned) in [
        ("", false),
        ("namespace media on c\n", false),
        ("namespace media on c { prune = false }\n", false),
        ("namespace media on c { prune = true }\n", true),
    ] {
        let tree = clean(&[("lab.lab", format!("{HEADER}{body}{comps}"))]);
        assert_eq!(!tree[ns].contains(marker), pruned, "{body}:\n{}", tree[ns]);
    }
}

/// A declared namespace nothing is placed in is still created.
fn a_declared_namespace_exists_without_components() {
    let other = "instance notes = app on c { ns = \"tools\" }\n";
    let tree = clean(&[("lab.lab", format!("{HEADER}{DECLARATION}{other}"))]);
    assert!(tree.contains_key("clusters/c/namespace-media/ks.yaml"));
    let root = &tree["clusters/c/kustomization.yaml"];
    assert!(root.contains("namespace-media/ks.yaml"), "{root}");
}

/// Every `dependsOn` of a tree names a Flux Kustomization of the same cluster's tree.
fn assert_no_dangling_depends_on(what: &str, tree: &IndexMap<String, String>) {
    let mut names: IndexMap<String, Vec<String>> = IndexMap::new();
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    for (path, text) in tree.iter().filter(|(p, _)| p.ends_with("/ks.yaml")) {
        // `clusters/<c>/<comp>/ks.yaml`, or the `home-ops` layout's
        // `[<c>/]apps/<ns>/<app>/ks.yaml`.
        let parts: Vec<&str> = path.split('/').collect();
        let cluster = match path.strip_prefix("clusters/") {
            Some(rest) => rest.split('/').next().unwrap_or_default().to_string(),
            None => parts[..parts.len().saturating_sub(4)].join("/"),
        };
        for doc in serde_yaml::Deserializer::from_str(text) {
            let doc: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
            let name = doc["metadata"]["name"].as_str().unwrap_or_default();
            names.entry(cluster.clone()).or_default().push(name.into());
            let deps = doc["spec"]["dependsOn"].as_sequence().cloned();
            for d in deps.unwrap_or_default() {
                let dep = d["name"].as_str().unwrap_or_default().to_string();
                wanted.push((cluster.clone(), name.to_string(), dep));
            }
        }
    }
    for (cluster, from, dep) in wanted {
        let known = names.get(&cluster).is_some_and(|n| n.contains(&dep));
        assert!(
            known,
            "{what}: `{from}` on `{cluster}` depends on `{dep}`, which is not written"
        );
    }
}

fn read_tree(dir: &Path) -> IndexMap<String, String> {
    let db = labc::db::LabDb::default();
    let lab = db.load(labc::cli::read_lab(dir).expect("readable"));
    let (out, diags) = labc::compile::compile_with_diagnostics(&db, lab);
    assert!(diags.is_empty(), "{} has diagnostics", dir.display());
    out.files.to_map()
}

/// Over every build case and the example lab, including components that write nothing
/// of their own (a reference to one waits for its namespace's Kustomization).
fn no_depends_on_names_a_kustomization_that_is_not_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("tests/build"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.push(root.join("lab"));
    for dir in dirs {
        assert_no_dangling_depends_on(&dir.display().to_string(), &read_tree(&dir));
    }
}

tests!(
    a_declaration_anywhere_gives_the_same_tree,
    renaming_or_reordering_components_does_not_move_a_namespace,
    prune_is_disabled_unless_the_declaration_allows_it,
    a_declared_namespace_exists_without_components,
    no_depends_on_names_a_kustomization_that_is_not_written,
);
