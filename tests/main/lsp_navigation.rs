//! `labc lsp` navigation driven in-process with `crate::lsp::Client`: references,
//! prepareRename and rename, document and workspace symbols, go-to-definition into the
//! stdlib (its copy on disk, opened as the stdlib file) and the hover of a component's
//! objects. Most tests run on a small lab written to a temp dir (`nav_lab`: an operator
//! with a setting, a template with a parameter set by an `include`, a pool, components
//! naming each other across two files); the stdlib ones on the fixture `tests/lsp/lab/`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::lsp::{fixture, range, read, uri, Answer, Client};

const LAB: &str = r#"lab home {
  domain = "example.com"
  git    = "https://github.com/me/home-ops"
}

cluster home {
  id       = 1
  api      = "10.0.0.10"
  pods     = 10.42.0.0/16
  services = 10.43.0.0/16
}

pool lan on home { addresses = 10.0.1.100 .. 10.0.1.119 }
"#;

const WEB: &str = r#"operator podinfo {
  namespace = "podinfo"
  chart     = helm("https://charts.example.com", "podinfo", "6.9.2")
  settings {
    replicas: int = 1
  }
  values { replicaCount = replicas }
}

template extra(size: int = 1) {
  resource "v1" ConfigMap "extra" {
    data.size = str(size)
  }
}

install podinfo on home { replicas = 2 }

tenant notes on home {
  include extra { size = 2 }
  resource "v1" ConfigMap "notes" {
    data.ns    = podinfo.namespace
    data.start = str(lan.addresses.start)
  }
}
"#;

/// The lab of this module in a temp dir: (the dir's guard, `lab.lab`, `apps/web.lab`).
fn nav_lab(extra: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("lab");
    std::fs::create_dir_all(root.join("apps")).unwrap();
    let (lab, web) = (root.join("lab.lab"), root.join("apps/web.lab"));
    std::fs::write(&lab, LAB).unwrap();
    std::fs::write(&web, format!("{WEB}{extra}")).unwrap();
    (t, lab, web)
}

/// A client with both files of `nav_lab` open; `capabilities` as `initialize` sends them.
fn open_nav(capabilities: Value, extra: &str) -> (Client, tempfile::TempDir, PathBuf, PathBuf) {
    let (t, lab, web) = nav_lab(extra);
    let mut c = Client::start(None, capabilities);
    c.open(&lab, &read(&lab));
    c.open(&web, &read(&web));
    (c, t, lab, web)
}

/// The UTF-16 position of the `nth` (from 0) `needle` on line `line` of `text` (ASCII).
fn find(text: &str, line: u32, needle: &str, nth: usize) -> (u32, u32) {
    let l = text.lines().nth(line as usize).expect("the line exists");
    let mut from = 0;
    for _ in 0..nth {
        from += l[from..].find(needle).expect("an earlier match") + needle.len();
    }
    let col = from
        + l[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` on {l}"));
    (line, col as u32)
}

/// The range of that `needle`.
fn span(text: &str, line: u32, needle: &str, nth: usize) -> Value {
    let (l, c) = find(text, line, needle, nth);
    json!(range((l, c), (l, c + needle.len() as u32)))
}

fn refs(c: &mut Client, file: &Path, at: (u32, u32), decl: bool) -> Value {
    let mut p = Client::at(file, at.0, at.1);
    p["context"] = json!({"includeDeclaration": decl});
    let r = c.request("textDocument/references", p);
    assert!(r.error.is_none(), "{r:?}");
    r.result.unwrap()
}

/// The (uri, range) pairs of a list of locations, in order.
fn places(locations: &Value) -> Vec<(Value, Value)> {
    let list = locations.as_array().expect("a list of locations");
    list.iter()
        .map(|l| (l["uri"].clone(), l["range"].clone()))
        .collect()
}

fn at(file: &Path, text: &str, line: u32, needle: &str, nth: usize) -> (Value, Value) {
    (json!(uri(file)), span(text, line, needle, nth))
}

/// References of a cluster, a pool, a component, a lab operator, its setting and a
/// template parameter, across both files; with and without the declaration.
fn references_of_every_kind_of_name() {
    let (mut c, _t, lab, web) = open_nav(json!({}), "");
    // `home` after `on` of the install: the cluster, not the lab of the same name; the
    // declaration first, then the uses in the program's file order (by path).
    let found = refs(&mut c, &web, find(WEB, 15, "home", 0), true);
    let want = vec![
        at(&lab, LAB, 5, "home", 0),
        at(&web, WEB, 15, "home", 0),
        at(&web, WEB, 17, "home", 0),
        at(&lab, LAB, 12, "home", 0),
    ];
    assert_eq!(places(&found), want);
    let found = refs(&mut c, &web, find(WEB, 15, "home", 0), false);
    assert_eq!(places(&found), want[1..].to_vec());
    // The pool, from its use in an expression.
    let found = refs(&mut c, &web, find(WEB, 21, "lan", 0), true);
    let want = vec![at(&lab, LAB, 12, "lan", 0), at(&web, WEB, 21, "lan", 0)];
    assert_eq!(places(&found), want);
    // The component `podinfo`, from `podinfo.namespace`: its install and that use.
    let found = refs(&mut c, &web, find(WEB, 20, "podinfo", 0), true);
    let want = vec![
        at(&web, WEB, 15, "podinfo", 0),
        at(&web, WEB, 20, "podinfo", 0),
    ];
    assert_eq!(places(&found), want);
    // The operator `podinfo`, from its install: its declaration and the install.
    let found = refs(&mut c, &web, find(WEB, 15, "podinfo", 0), true);
    let want = vec![
        at(&web, WEB, 0, "podinfo", 0),
        at(&web, WEB, 15, "podinfo", 0),
    ];
    assert_eq!(places(&found), want);
    // The setting `replicas`, from the install's key: declared, read in the operator's
    // values, set by the install.
    let found = refs(&mut c, &web, find(WEB, 15, "replicas", 0), true);
    let want = vec![
        at(&web, WEB, 4, "replicas", 0),
        at(&web, WEB, 6, "replicas", 0),
        at(&web, WEB, 15, "replicas", 0),
    ];
    assert_eq!(places(&found), want);
    // The same from the declaration itself, without it.
    let found = refs(&mut c, &web, find(WEB, 4, "replicas", 0), false);
    assert_eq!(places(&found), want[1..].to_vec());
    // The parameter `size`: declared, read, set by an `include`.
    let found = refs(&mut c, &web, find(WEB, 18, "size", 0), true);
    let want = vec![
        at(&web, WEB, 9, "size", 0),
        at(&web, WEB, 11, "size", 1),
        at(&web, WEB, 18, "size", 0),
    ];
    assert_eq!(places(&found), want);
    // No name: null; a position past the file: InvalidParams.
    assert_eq!(refs(&mut c, &web, (7, 1), true), Value::Null);
    let mut p = Client::at(&web, 400, 0);
    p["context"] = json!({"includeDeclaration": true});
    let r = c.request("textDocument/references", p);
    assert_eq!(r.error.map(|e| e.code), Some(-32602));
    assert_eq!(c.stop(), Ok(true));
}

/// The text of `file` with the edits of a `WorkspaceEdit` for it applied (ASCII text, so
/// UTF-16 columns are byte columns).
fn apply(text: &str, edits: &Value) -> String {
    let mut edits: Vec<&Value> = edits.as_array().expect("edits").iter().collect();
    let offset = |p: &Value| {
        let (line, col) = (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        );
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize)
            .map(str::len)
            .sum();
        start + col as usize
    };
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for e in edits {
        let (a, b) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        out.replace_range(a..b, e["newText"].as_str().unwrap());
    }
    out
}

fn rename(c: &mut Client, file: &Path, at: (u32, u32), new: &str) -> Answer {
    let mut p = Client::at(file, at.0, at.1);
    p["newName"] = json!(new);
    c.request("textDocument/rename", p)
}

/// Renames of a cluster, a lab operator installed without `as`, the component it makes, a
/// setting and a parameter, as `changes` by URI; each result checks clean.
fn rename_across_files() {
    let (mut c, _t, lab, web) = open_nav(json!({}), "");
    let (lab_uri, web_uri) = (
        uri(&lab).as_str().to_string(),
        uri(&web).as_str().to_string(),
    );
    let edit = |r: Answer| {
        assert!(r.error.is_none(), "{r:?}");
        r.result.unwrap()["changes"].clone()
    };
    // The cluster `home`: both files; the `lab home` keeps its name.
    let changes = edit(rename(&mut c, &web, find(WEB, 15, "home", 0), "house"));
    let keys: Vec<&String> = changes.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec![&lab_uri, &web_uri], "in the lab's file order");
    let new_lab = apply(LAB, &changes[&lab_uri]);
    assert!(new_lab.contains("lab home {") && new_lab.contains("cluster house {"));
    assert!(new_lab.contains("pool lan on house {"), "{new_lab}");
    let new_web = apply(WEB, &changes[&web_uri]);
    assert!(new_web.contains("install podinfo on house {") && new_web.contains("notes on house"));
    // The operator from its declaration: the install keeps its component's name.
    let changes = edit(rename(&mut c, &web, find(WEB, 0, "podinfo", 0), "webapp"));
    let new_web = apply(WEB, &changes[&web_uri]);
    assert!(new_web.contains("operator webapp {"), "{new_web}");
    assert!(
        new_web.contains("install webapp as podinfo on home"),
        "{new_web}"
    );
    assert!(
        new_web.contains("data.ns    = podinfo.namespace"),
        "{new_web}"
    );
    // The component from a use: the install keeps its operator.
    let changes = edit(rename(&mut c, &web, find(WEB, 20, "podinfo", 0), "shop"));
    let new_web = apply(WEB, &changes[&web_uri]);
    assert!(
        new_web.contains("install podinfo as shop on home"),
        "{new_web}"
    );
    assert!(new_web.contains("data.ns    = shop.namespace"), "{new_web}");
    assert!(new_web.contains("operator podinfo {"), "{new_web}");
    // A setting and a parameter: declaration, reads and keys.
    let changes = edit(rename(&mut c, &web, find(WEB, 6, "replicas", 0), "count"));
    let new_web = apply(WEB, &changes[&web_uri]);
    assert!(!new_web.contains("replicas"), "{new_web}");
    assert_eq!(new_web.matches("count").count(), 3, "{new_web}");
    let changes = edit(rename(&mut c, &web, find(WEB, 9, "size", 0), "bytes"));
    let new_web = apply(WEB, &changes[&web_uri]);
    assert!(new_web.contains("extra(bytes: int = 1)") && new_web.contains("str(bytes)"));
    assert!(new_web.contains("include extra { bytes = 2 }"), "{new_web}");
    // Each renamed lab is still a clean lab.
    for (name, at, new) in [
        ("cluster", find(WEB, 15, "home", 0), "house"),
        ("operator", find(WEB, 0, "podinfo", 0), "webapp"),
        ("component", find(WEB, 20, "podinfo", 0), "shop"),
        ("setting", find(WEB, 4, "replicas", 0), "count"),
    ] {
        let changes = edit(rename(&mut c, &web, at, new));
        let (t, lab2, web2) = nav_lab("");
        let new_lab = changes.get(&lab_uri).map(|e| apply(LAB, e));
        std::fs::write(&lab2, new_lab.as_deref().unwrap_or(LAB)).unwrap();
        std::fs::write(&web2, apply(WEB, &changes[&web_uri])).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_labc"))
            .arg("check")
            .arg(t.path().join("lab"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(c.stop(), Ok(true));
}

/// Refused with RequestFailed and a message: a stdlib name, a module, a bad new name, a
/// reserved word, a name taken in the same namespace; prepareRename gives the range and
/// placeholder, null on no name, the refusal on a stdlib name.
fn rename_refusals_and_prepare() {
    let (mut c, _t, _lab, web) = open_nav(json!({}), "");
    let refused = |r: Answer| {
        let e = r.error.expect("refused");
        assert_eq!(e.code, -32803, "RequestFailed: {e:?}");
        e.message
    };
    let m = refused(rename(&mut c, &web, find(WEB, 15, "home", 0), "9lives"));
    assert!(m.contains("not a name"), "{m}");
    refused(rename(&mut c, &web, find(WEB, 15, "home", 0), "for"));
    refused(rename(&mut c, &web, find(WEB, 15, "home", 0), "a b"));
    let m = refused(rename(&mut c, &web, find(WEB, 15, "home", 0), "lan"));
    assert!(m.contains("already"), "{m}");
    let m = refused(rename(&mut c, &web, find(WEB, 9, "extra", 0), "podinfo"));
    assert!(m.contains("already a definition"), "{m}");
    let m = refused(rename(&mut c, &web, find(WEB, 20, "podinfo", 0), "notes"));
    assert!(m.contains("already"), "{m}");
    refused(rename(&mut c, &web, (7, 1), "x"));
    let prepare = |c: &mut Client, f: &Path, at: (u32, u32)| {
        c.request("textDocument/prepareRename", Client::at(f, at.0, at.1))
    };
    let r = prepare(&mut c, &web, find(WEB, 18, "size", 0));
    let want = json!({"range": span(WEB, 18, "size", 0), "placeholder": "size"});
    assert_eq!(r.result, Some(want));
    assert_eq!(prepare(&mut c, &web, (7, 1)).result, Some(Value::Null));
    assert_eq!(c.stop(), Ok(true));
    // The stdlib: `install cilium` and `use std.cilium` of the fixture.
    let mut c = Client::start(None, json!({}));
    let lab = fixture().join("lab.lab");
    c.open(&lab, &read(&lab));
    let m = refused(rename(&mut c, &lab, (14, 10), "net"));
    assert!(m.contains("stdlib"), "{m}");
    let m = refused(prepare(&mut c, &lab, (14, 10)));
    assert!(m.contains("stdlib"), "{m}");
    let m = refused(rename(&mut c, &lab, (0, 6), "net"));
    assert!(m.contains("module"), "{m}");
    assert_eq!(c.stop(), Ok(true));
}

/// A client that takes `documentChanges` gets them, with each open file's version.
fn rename_as_document_changes_with_versions() {
    let caps = json!({"workspace": {"workspaceEdit": {"documentChanges": true}}});
    let (mut c, _t, lab, web) = open_nav(caps, "");
    c.change(&web, 7, range((24, 0), (24, 0)), "\n");
    let r = rename(&mut c, &web, find(WEB, 15, "home", 0), "house");
    let changes = r.result.unwrap()["documentChanges"].clone();
    let docs: Vec<(Value, Value)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["textDocument"]["uri"].clone(),
                d["textDocument"]["version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        docs,
        vec![(json!(uri(&lab)), json!(1)), (json!(uri(&web)), json!(7))]
    );
    assert_eq!(changes[1]["edits"].as_array().unwrap().len(), 2);
    assert_eq!(c.stop(), Ok(true));
}

/// Document symbols: every declaration with its kind, children for its settings,
/// parameters and keys; workspace symbols: case-insensitive subsequence, sorted.
fn document_and_workspace_symbols() {
    let (mut c, _t, lab, web) = open_nav(json!({}), "");
    let p = json!({"textDocument": {"uri": uri(&web)}});
    let r = c.request("textDocument/documentSymbol", p).result.unwrap();
    let top: Vec<(&str, u64)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["kind"].as_u64().unwrap()))
        .collect();
    // CLASS 5, FUNCTION 12, PACKAGE 4.
    assert_eq!(
        top,
        vec![("podinfo", 5), ("extra", 12), ("podinfo", 4), ("notes", 4)]
    );
    let op = &r[0];
    assert_eq!(op["selectionRange"], span(WEB, 0, "podinfo", 0));
    assert_eq!(op["range"], json!(range((0, 0), (7, 1))));
    let kids: Vec<&str> = op["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(kids, vec!["replicas", "namespace", "chart", "values"]);
    assert_eq!(r[0]["children"][0]["detail"], json!("int"));
    assert_eq!(r[1]["children"][0]["name"], json!("size"));
    assert_eq!(r[2]["children"][0]["name"], json!("replicas"));
    let ws = |c: &mut Client, q: &str| {
        let r = c
            .request("workspace/symbol", json!({"query": q}))
            .result
            .unwrap();
        r.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let name = s["name"].as_str().unwrap().to_string();
                (
                    name,
                    s["location"]["uri"].clone(),
                    s["kind"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let l = json!(uri(&lab));
    let w = json!(uri(&web));
    assert_eq!(
        ws(&mut c, "HM"),
        vec![
            ("home".into(), l.clone(), 2),
            ("home".into(), l.clone(), 19)
        ],
        "the lab (MODULE) and the cluster (OBJECT), in file order"
    );
    assert_eq!(
        ws(&mut c, "pdnf"),
        vec![
            ("podinfo".into(), w.clone(), 5),
            ("podinfo".into(), w.clone(), 4)
        ]
    );
    assert_eq!(ws(&mut c, "").len(), 7);
    assert!(ws(&mut c, "zz").is_empty());
    assert_eq!(c.stop(), Ok(true));
}

/// Go to definition of a stdlib operator: a read-only copy of its file on disk, with the
/// stdlib's text. Opened, it is that stdlib file (diagnostics published, no lab of its
/// own); definition, hover and references inside it work against the lab that led there.
fn stdlib_definition_opens_a_copy() {
    let mut c = Client::start(None, json!({}));
    let lab = fixture().join("lab.lab");
    c.open(&lab, &read(&lab));
    let d = c
        .request("textDocument/definition", Client::at(&lab, 14, 10))
        .result
        .unwrap();
    let path = labc::lsp::uri_path(&serde_json::from_value(d["uri"].clone()).unwrap()).unwrap();
    let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/cilium.lab");
    let text = read(&stdlib);
    assert_eq!(read(&path), text, "the copy has the stdlib's text");
    assert!(
        path.parent()
            .unwrap()
            .to_string_lossy()
            .contains("labc/stdlib-"),
        "{path:?}"
    );
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
    let line = text
        .lines()
        .position(|l| l.starts_with("operator cilium"))
        .unwrap() as u32;
    assert_eq!(d["range"], span(&text, line, "cilium", 0));
    // The use of the setting `hubble_ui` goes there too.
    let d = c
        .request("textDocument/definition", Client::at(&lab, 14, 27))
        .result
        .unwrap();
    assert_eq!(d["uri"], json!(uri(&path)));
    // Opened: its diagnostics (none) are published, and it is not a lab.
    c.open(&path, &text);
    let published = c.diagnostics(&path);
    assert!(
        published.diagnostics.is_empty(),
        "{:?}",
        published.diagnostics
    );
    let r = c
        .request("workspace/symbol", json!({"query": "cilium"}))
        .result
        .unwrap();
    let uris: Vec<&Value> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["location"]["uri"])
        .collect();
    assert_eq!(uris, vec![&json!(uri(&lab))], "only the lab's install");
    // Inside it: hover, and references of the operator reach the lab's install (and its
    // use as a type in the same file: `cni: cilium`).
    let h = c
        .request("textDocument/hover", Client::at(&path, line, 10))
        .result
        .unwrap();
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("operator cilium"));
    let found = refs(&mut c, &path, (line, 10), true);
    let cni = text.lines().position(|l| l == "  cni: cilium,").unwrap() as u32;
    assert_eq!(
        places(&found),
        vec![
            (json!(uri(&path)), span(&text, line, "cilium", 0)),
            (json!(uri(&path)), span(&text, cni, "cilium", 0)),
            (json!(uri(&lab)), json!(range((14, 8), (14, 14)))),
        ]
    );
    // An edit of the copy is not applied: the lab's answers stay the stdlib's.
    c.change(&path, 2, range((0, 0), (0, 0)), "\n\n\n");
    let h = c
        .request("textDocument/hover", Client::at(&path, line, 10))
        .result
        .unwrap();
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("operator cilium"));
    assert_eq!(c.stop(), Ok(true));
}

/// The hover of a component lists, per cluster, the objects it emits and its derived
/// `dependsOn`, capped with "and N more".
fn component_hover_lists_objects_and_depends_on() {
    let many: String = (0..10)
        .map(|i| format!("  resource \"v1\" ConfigMap \"m{i}\" {{ data.x = \"{i}\" }}\n"))
        .collect();
    let extra = format!("\ntenant many on home {{\n{many}}}\n");
    let (mut c, _t, _lab, web) = open_nav(json!({}), &extra);
    let hover = |c: &mut Client, at: (u32, u32)| {
        let r = c.request("textDocument/hover", Client::at(&web, at.0, at.1));
        r.result.unwrap()["contents"]["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // `notes`, on its name: its ConfigMaps, and `podinfo` it reads.
    let h = hover(&mut c, find(WEB, 17, "notes", 0));
    assert!(h.contains("On `home`:"), "{h}");
    assert!(h.contains("`v1 ConfigMap notes/notes`"), "{h}");
    assert!(h.contains("`v1 ConfigMap notes/extra`"), "{h}");
    let depends = h
        .lines()
        .find(|l| l.starts_with("`dependsOn`: "))
        .unwrap_or("");
    assert!(depends.contains("`podinfo`"), "{h}");
    // `podinfo` from the name that refers to it: its HelmRelease.
    let h = hover(&mut c, find(WEB, 20, "podinfo", 0));
    assert!(h.contains("HelmRelease podinfo/podinfo"), "{h}");
    // Ten objects and more: eight listed.
    let h = hover(&mut c, (25, 8));
    assert!(h.contains("tenant many"), "{h}");
    assert!(h.contains("- and "), "{h}");
    assert_eq!(h.matches("ConfigMap many/").count(), 8, "{h}");
    assert_eq!(c.stop(), Ok(true));
}

const PEERS: &str = r#"
type Peer {
  host: string
  port: int = 80
}

template peering(peer: Peer) {
  resource "v1" ConfigMap "peer" {
    data.host = peer.host
  }
}

instance link = peering on home { peer = Peer { host = "a", port = 81 } }
"#;

/// A record type's fields: the keys of a typed record are references; a rename is
/// refused (a read `peer.host` cannot be traced to the type). The hover of an `install`
/// without `as` describes the operator and the component with its objects.
fn record_fields_and_install_hover() {
    let (mut c, _t, _lab, web) = open_nav(json!({}), PEERS);
    let text = format!("{WEB}{PEERS}");
    let key = find(&text, 36, "host", 0);
    let found = refs(&mut c, &web, key, true);
    let want = vec![
        at(&web, &text, 26, "host", 0),
        at(&web, &text, 36, "host", 0),
    ];
    assert_eq!(places(&found), want);
    let e = rename(&mut c, &web, key, "address").error.expect("refused");
    assert!(e.message.contains("record type"), "{e:?}");
    let r = c.request("textDocument/hover", Client::at(&web, 15, 10));
    let h = r.result.unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        h.contains("operator podinfo") && h.contains("install podinfo"),
        "{h}"
    );
    assert!(h.contains("HelmRelease podinfo/podinfo"), "{h}");
    assert_eq!(c.stop(), Ok(true));
}

tests!(
    record_fields_and_install_hover,
    references_of_every_kind_of_name,
    rename_across_files,
    rename_refusals_and_prepare,
    rename_as_document_changes_with_versions,
    document_and_workspace_symbols,
    stdlib_definition_opens_a_copy,
    component_hover_lists_objects_and_depends_on,
);
