//! `labc lsp`'s editing requests, in-process with the client of `lsp.rs`: completion
//! (settings, record fields, capability values on the component's clusters, clusters,
//! modules, units, names; also in a buffer that does not parse), code actions from the
//! diagnostics' fixes (did-you-mean, the missing `use`, the missing `install`, a quoted
//! version), formatting and semantic tokens (UTF-16 deltas past multi-byte characters).
//! The lab is `tests/lsp/edit/`; every edit is an unsaved buffer, so it is never written.

use std::path::{Path, PathBuf};

use labc::lsp::text;
use lsp_types::{Position, Range, TextEdit};
use serde_json::{json, Value};

use crate::lsp::{range, uri, Client};

fn lab() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/edit")
}

fn apps() -> PathBuf {
    lab().join("apps.lab")
}

fn start() -> Client {
    Client::start(None, json!({}))
}

/// Replace the whole buffer of `file`.
fn set(c: &mut Client, file: &Path, version: i32, text: &str) {
    let params = json!({
        "textDocument": {"uri": uri(file), "version": version},
        "contentChanges": [{"text": text}],
    });
    c.notify("textDocument/didChange", params);
}

/// The completion items at `line:character` of `file`.
fn complete(c: &mut Client, file: &Path, line: u32, character: u32) -> Vec<Value> {
    let r = c.request("textDocument/completion", Client::at(file, line, character));
    match r.result {
        Some(Value::Array(items)) => items,
        other => panic!("completion answers a list: {other:?} {:?}", r.error),
    }
}

fn labels(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|i| i["label"].as_str()).collect()
}

fn find<'a>(items: &'a [Value], label: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no `{label}` in {:?}", labels(items)))
}

const APPS: &str = "use ops\n\ninstall disks on home\ninstall disks as slow on away { class = \"slow\" }\n\ninstall db on home {\n  storage = \"fast\"\n}\n\ninstance racks = nodes on home {\n  members = [Node { host = \"a\" }]\n}\n";

/// The settings not yet set (type, default, doc comment), the capability values of the
/// component's clusters only, clusters after `on`, modules after `use`, units after a
/// number, the lab's names in an expression, a typed record's fields; and the same
/// while the buffer does not parse.
fn completion_knows_the_lab() {
    let file = apps();
    let mut c = start();
    c.open(&file, &std::fs::read_to_string(&file).unwrap());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), APPS);
    // A new line in `install db`'s body: the settings it does not set yet.
    let body = APPS.replace("  storage = \"fast\"\n", "  storage = \"fast\"\n  \n");
    set(&mut c, &file, 2, &body);
    let items = complete(&mut c, &file, 7, 2);
    assert_eq!(labels(&items), ["size", "replicas"], "`storage` is set");
    let size = find(&items, "size");
    assert_eq!(size["detail"], "quantity = 10Gi");
    assert_eq!(size["documentation"]["value"], "How much of it.");
    assert_eq!(size["insertText"], "size = ");
    // The value of a storage class: what the clusters of `db` (home) provide.
    let value = APPS.replace("storage = \"fast\"", "storage = ");
    set(&mut c, &file, 3, &value);
    let items = complete(&mut c, &file, 6, 12);
    assert_eq!(labels(&items), ["fast"], "`slow` is on `away` only");
    assert_eq!(find(&items, "fast")["insertText"], "\"fast\"");
    assert_eq!(find(&items, "fast")["detail"], "storage_class on home");
    // Clusters after `on` (the first line of a declaration being typed).
    let on = APPS.replace("install disks on home\n", "install disks on \n");
    set(&mut c, &file, 4, &on);
    assert_eq!(labels(&complete(&mut c, &file, 2, 17)), ["home", "away"]);
    // Modules after `use`: the stdlib's and the lab's.
    let items = complete(&mut c, &file, 0, 5);
    for module in ["std.cilium", "ops", "apps", "lab"] {
        find(&items, module);
    }
    // Units after a number, replacing the letters typed after its digits.
    let unit = APPS.replace("storage = \"fast\"", "size = 10G");
    set(&mut c, &file, 5, &unit);
    let items = complete(&mut c, &file, 6, 12);
    let gi = find(&items, "Gi");
    assert_eq!(gi["textEdit"]["range"], json!(range((6, 11), (6, 12))));
    assert_eq!(gi["textEdit"]["newText"], "Gi");
    find(&items, "ms");
    // An expression: the lab's components, clusters, and `cluster`/`lab`.
    let expr = APPS.replace("storage = \"fast\"", "replicas = d");
    set(&mut c, &file, 6, &expr);
    let items = complete(&mut c, &file, 6, 14);
    for name in [
        "cluster", "lab", "disks", "slow", "db", "racks", "home", "away",
    ] {
        find(&items, name);
    }
    // A typed record: the fields of its type that it does not set.
    let record = APPS.replace("host = \"a\" }", "host = \"a\", ");
    set(&mut c, &file, 7, &record);
    let column = record.lines().nth(10).unwrap().find(", ").unwrap() as u32 + 2;
    let items = complete(&mut c, &file, 10, column);
    assert_eq!(labels(&items), ["disk"]);
    assert_eq!(find(&items, "disk")["detail"], "quantity = 1Gi");
    // An `include`'s arguments and an instance's body: the template's parameters.
    let include = APPS.replace(
        "storage = \"fast\"\n",
        "storage = \"fast\"\n}\ntenant t on home {\n  include nodes { \n",
    );
    set(&mut c, &file, 13, &include);
    assert_eq!(labels(&complete(&mut c, &file, 9, 18)), ["members"]);
    let instance = APPS.replace("  members = [Node { host = \"a\" }]\n", "  \n");
    set(&mut c, &file, 14, &instance);
    assert_eq!(labels(&complete(&mut c, &file, 10, 2)), ["members"]);
    // `cluster.`: the fields of the records of the clusters it is placed on.
    let dot = APPS.replace("storage = \"fast\"", "replicas = cluster.");
    set(&mut c, &file, 9, &dot);
    let items = complete(&mut c, &file, 6, 21);
    for field in ["name", "id", "api", "pods", "dns_domain"] {
        assert_eq!(find(&items, field)["detail"], "cluster home");
    }
    // A space typed in an expression asks for nothing; after `=` it does.
    let typed = |c: &mut Client, line, character, trigger: &str| {
        let mut params = Client::at(&file, line, character);
        params["context"] = json!({"triggerKind": 2, "triggerCharacter": trigger});
        let r = c.request("textDocument/completion", params);
        r.result.unwrap().as_array().unwrap().len()
    };
    let spaced = APPS.replace("storage = \"fast\"", "replicas = 1 + ");
    set(&mut c, &file, 10, &spaced);
    assert_eq!(typed(&mut c, 6, 17, " "), 0);
    set(&mut c, &file, 11, &value);
    assert_eq!(typed(&mut c, 6, 12, " "), 1, "`fast`");
    // The body of a cluster: the fields of a cluster it does not set.
    let lab_file = lab().join("lab.lab");
    let lab_text = std::fs::read_to_string(&lab_file).unwrap();
    c.open(
        &lab_file,
        &lab_text.replace("  id       = 2\n", "  id       = 2\n  \n"),
    );
    let items = complete(&mut c, &lab_file, 14, 2);
    assert_eq!(find(&items, "dns_domain")["detail"], "string");
    assert_eq!(find(&items, "nodes")["detail"], "list<Node>");
    assert!(!labels(&items).contains(&"id"), "set already");
    // A buffer cut off in the middle of a body: read from the text before the cursor,
    // with the definitions of the last parse.
    let broken = "use ops\n\ninstall db on home {\n  replicas = 2\n  ";
    set(&mut c, &file, 12, broken);
    let items = complete(&mut c, &file, 4, 2);
    assert_eq!(labels(&items), ["storage", "size"]);
    // A position past the end: an error; a file of no lab: nothing.
    let past = c.request("textDocument/completion", Client::at(&file, 40, 0));
    assert_eq!(past.error.map(|e| e.code), Some(-32602));
    let nowhere = c.request(
        "textDocument/completion",
        Client::at(Path::new("/x.lab"), 0, 0),
    );
    assert_eq!(nowhere.result, Some(Value::Null));
    assert_eq!(c.stop(), Ok(true));
}

/// `edits` applied to `text`, as a client applies a `WorkspaceEdit`'s edits of one file.
fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = edits
        .iter()
        .map(|e| {
            (
                text::byte_range(text, e.range).unwrap(),
                e.new_text.as_str(),
            )
        })
        .collect();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (r, new) in edits {
        out.replace_range(r, new);
    }
    out
}

/// The quick fixes of the diagnostics published for `file` after it is set to `text`:
/// each action's title and the buffer after its edits of `file`.
fn fixes(c: &mut Client, file: &Path, version: i32, text: &str) -> Vec<(String, String)> {
    set(c, file, version, text);
    let diags = loop {
        let published = c.diagnostics(file);
        if published.version == Some(version) && !published.diagnostics.is_empty() {
            break published.diagnostics;
        }
    };
    let whole = Range {
        start: Position::new(0, 0),
        end: Position::new(100, 0),
    };
    let params = json!({
        "textDocument": {"uri": uri(file)},
        "range": whole,
        "context": {"diagnostics": diags},
    });
    let r = c.request("textDocument/codeAction", params);
    let actions = r.result.expect("code actions");
    let mut out = Vec::new();
    for a in actions.as_array().unwrap() {
        assert_eq!(a["kind"], "quickfix");
        assert_eq!(a["diagnostics"].as_array().map(Vec::len), Some(1));
        let changes = &a["edit"]["changes"];
        let edits: Vec<TextEdit> =
            serde_json::from_value(changes[uri(file).as_str()].clone()).unwrap_or_default();
        out.push((
            a["title"].as_str().unwrap().to_string(),
            apply(text, &edits),
        ));
    }
    out
}

fn fix_named<'a>(found: &'a [(String, String)], title: &str) -> &'a str {
    let fix = found.iter().find(|(t, _)| t == title);
    &fix.unwrap_or_else(|| panic!("no `{title}` in {found:?}")).1
}

/// Every kind of quick fix: a did-you-mean applied, the missing `use` added, an operator
/// that ships a missing CRD installed (with its `use`), an unquoted version quoted. Each
/// fixed buffer checks clean.
fn quick_fixes_come_from_the_diagnostics() {
    let file = apps();
    let mut c = start();
    c.open(&file, APPS);
    let typo = APPS.replace("install db on home", "install db on hom");
    let found = fixes(&mut c, &file, 2, &typo);
    assert_eq!(fix_named(&found, "Replace with `home`"), APPS);
    let setting = APPS.replace("storage = \"fast\"", "storag = \"fast\"");
    let found = fixes(&mut c, &file, 3, &setting);
    assert_eq!(fix_named(&found, "Replace with `storage`"), APPS);
    let class = APPS.replace("storage = \"fast\"", "storage = \"fas\"");
    let found = fixes(&mut c, &file, 20, &class);
    assert_eq!(fix_named(&found, "Replace with \"fast\""), APPS);
    let decimal = APPS.replace("storage = \"fast\"", "storage = \"fast\"\n  version = 2.5");
    let found = fixes(&mut c, &file, 21, &decimal);
    let quoted = APPS.replace(
        "storage = \"fast\"",
        "storage = \"fast\"\n  version = \"2.5\"",
    );
    assert_eq!(fix_named(&found, "Replace with \"2.5\""), quoted);
    let unused = APPS.replace("use ops\n\n", "\n");
    let found = fixes(&mut c, &file, 22, &unused);
    assert_eq!(
        fix_named(&found, "Add `use ops`"),
        format!("use ops\n{unused}")
    );
    let version = APPS.replace("storage = \"fast\"", "version = 2.0.1");
    let found = fixes(&mut c, &file, 23, &version);
    let quoted = APPS.replace("storage = \"fast\"", "version = \"2.0.1\"");
    assert_eq!(fix_named(&found, "Replace with \"2.0.1\""), quoted);
    // A complete Certificate (its CRD requires `secretName` and `issuerRef`), so that what
    // is left once cert-manager is installed is only the setting below.
    let certs = "\ntenant certs on home {\n  resource \"cert-manager.io/v1\" Certificate \"web\" {\n    spec.secretName = \"web-tls\"\n    spec.issuerRef.name = \"ca\"\n  }\n}\n";
    let missing = format!("{APPS}{certs}");
    let found = fixes(&mut c, &file, 24, &missing);
    let installed = fix_named(&found, "Add `install cert-manager on home`");
    let want = format!(
        "use ops\nuse std.cert-manager{}\ninstall cert-manager on home\n",
        &missing[7..]
    );
    assert_eq!(installed, want);
    // With the install the CRD is there: what is left is cert-manager's own setting
    // without a default, which the fix cannot know (the others are `APPS`: clean).
    set(&mut c, &file, 25, &want);
    let published = loop {
        let p = c.diagnostics(&file);
        if p.version == Some(25) {
            break p;
        }
    };
    let codes: Vec<_> = published
        .diagnostics
        .iter()
        .map(|d| d.code.clone())
        .collect();
    let e0206 = lsp_types::NumberOrString::String("E0206".into());
    assert_eq!(codes, [Some(e0206)], "{want}");
    assert!(published.diagnostics[0].message.contains("`email`"));
    // Diagnostics whose data is not labc's give no action.
    let foreign = json!({
        "textDocument": {"uri": uri(&file)},
        "range": range((0, 0), (0, 1)),
        "context": {"diagnostics": [{"range": range((0, 0), (0, 1)), "message": "x", "data": 7}]},
    });
    let r = c.request("textDocument/codeAction", foreign);
    assert_eq!(r.result, Some(json!([])));
    assert_eq!(c.stop(), Ok(true));
}

/// One edit over the whole document when the formatter changes it; none when it is
/// formatted; none, and no error, when it does not parse.
fn formatting_is_labc_fmt() {
    let file = apps();
    let mut c = start();
    let messy = APPS.replace(
        "install db on home {\n  storage",
        "install db on home {\n storage  ",
    );
    c.open(&file, &messy);
    let params = json!({"textDocument": {"uri": uri(&file)}, "options": {"tabSize": 2, "insertSpaces": true}});
    let r = c.request("textDocument/formatting", params.clone());
    let edits: Vec<TextEdit> = serde_json::from_value(r.result.unwrap()).unwrap();
    assert_eq!(edits.len(), 1);
    let end = text::position(&messy, messy.len());
    assert_eq!(edits[0].range, Range::new(Position::new(0, 0), end));
    assert_eq!(apply(&messy, &edits), APPS);
    set(&mut c, &file, 2, APPS);
    let r = c.request("textDocument/formatting", params.clone());
    assert_eq!(r.result, Some(json!([])));
    set(&mut c, &file, 3, "install db on home {\n  storage = \n");
    let r = c.request("textDocument/formatting", params);
    assert_eq!((r.result, r.error.is_none()), (Some(json!([])), true));
    assert_eq!(c.stop(), Ok(true));
}

/// The legend's names of the token types and modifiers.
fn legend(c: &mut Client) -> (Vec<String>, Vec<String>) {
    let init = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": "file:///nowhere.lab"}}),
    );
    assert_eq!(init.result, Some(Value::Null), "a file of no lab");
    let caps = labc::lsp::capabilities();
    let v = serde_json::to_value(caps).unwrap();
    let legend = &v["semanticTokensProvider"]["legend"];
    let names = |k: &str| -> Vec<String> { serde_json::from_value(legend[k].clone()).unwrap() };
    (names("tokenTypes"), names("tokenModifiers"))
}

/// Decoded tokens: (line, character, length, type, modifiers), absolute, in UTF-16.
fn decode(
    data: &[u32],
    types: &[String],
    mods: &[String],
) -> Vec<(u32, u32, u32, String, Vec<String>)> {
    let (mut line, mut col) = (0, 0);
    data.chunks(5)
        .map(|t| {
            line += t[0];
            col = if t[0] == 0 { col + t[1] } else { t[1] };
            let m = (0..mods.len())
                .filter(|i| t[4] & (1 << i) != 0)
                .map(|i| mods[i].clone());
            (line, col, t[2], types[t[3] as usize].clone(), m.collect())
        })
        .collect()
}

/// Tokens from the parse, in order and never overlapping, with UTF-16 columns past
/// multi-byte characters and surrogate pairs; `defaultLibrary` on the stdlib's names;
/// the range request gives the tokens of its lines only.
fn semantic_tokens_in_utf16() {
    let file = lab().join("tokens.lab");
    let text = "# Café 🙂 lab\nuse ops\nuse std.cilium\n\ninstall db as cafe on home {\n  storage = \"🙂\" # é\n  size    = 20Gi\n}\ninstall cilium on away\n";
    let mut c = start();
    let (types, mods) = legend(&mut c);
    c.open(&file, text);
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&file)}}),
    );
    let data: Vec<u32> = serde_json::from_value(r.result.unwrap()["data"].clone()).unwrap();
    let tokens = decode(&data, &types, &mods);
    let s = |v: &[&str]| v.iter().map(|m| m.to_string()).collect::<Vec<_>>();
    let t = |l, ch, len, ty: &str, m: &[&str]| (l, ch, len, ty.to_string(), s(m));
    let want = vec![
        t(0, 0, 13, "comment", &[]),
        t(1, 0, 3, "keyword", &[]),
        t(1, 4, 3, "namespace", &[]),
        t(2, 0, 3, "keyword", &[]),
        t(2, 4, 10, "namespace", &["defaultLibrary"]),
        t(4, 0, 7, "keyword", &[]),
        t(4, 8, 2, "class", &[]),
        t(4, 11, 2, "keyword", &[]),
        t(4, 14, 4, "variable", &["declaration"]),
        t(4, 19, 2, "keyword", &[]),
        t(4, 22, 4, "variable", &[]),
        t(5, 2, 7, "property", &[]),
        t(5, 10, 1, "operator", &[]),
        t(5, 12, 4, "string", &[]),
        t(5, 17, 3, "comment", &[]),
        t(6, 2, 4, "property", &[]),
        t(6, 10, 1, "operator", &[]),
        t(6, 12, 4, "number", &[]),
        t(8, 0, 7, "keyword", &[]),
        t(8, 8, 6, "class", &["defaultLibrary"]),
        t(8, 15, 2, "keyword", &[]),
        t(8, 18, 4, "variable", &[]),
    ];
    assert_eq!(tokens, want);
    // In order and never overlapping, by construction of the deltas: no token starts
    // before the end of the one before it on its line.
    for pair in tokens.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(b.0 > a.0 || b.1 >= a.1 + a.2, "{a:?} then {b:?}");
    }
    let params = json!({"textDocument": {"uri": uri(&file)}, "range": range((5, 0), (6, 0))});
    let r = c.request("textDocument/semanticTokens/range", params);
    let data: Vec<u32> = serde_json::from_value(r.result.unwrap()["data"].clone()).unwrap();
    assert_eq!(decode(&data, &types, &mods), want[11..15].to_vec());
    let bad = json!({"textDocument": {"uri": uri(&file)}, "range": range((50, 0), (51, 0))});
    let r = c.request("textDocument/semanticTokens/range", bad);
    assert_eq!(r.error.map(|e| e.code), Some(-32602));
    // Interpolations are code inside the string; a block string is one token per line.
    let strings = "tenant t on home {\n  resource \"v1\" ConfigMap \"x\" {\n    data.a = \"é ${cluster.api}!\"\n    data.b = \"\"\"\n      one\n      two\n      \"\"\"\n  }\n}\n";
    set(&mut c, &file, 2, strings);
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri(&file)}}),
    );
    let data: Vec<u32> = serde_json::from_value(r.result.unwrap()["data"].clone()).unwrap();
    let tokens = decode(&data, &types, &mods);
    let on = |line| -> Vec<(u32, u32, String)> {
        let here = tokens.iter().filter(|t| t.0 == line);
        here.map(|t| (t.1, t.2, t.3.clone())).collect()
    };
    let w = |ch, len, ty: &str| (ch, len, ty.to_string());
    assert_eq!(
        on(2),
        [
            w(4, 4, "property"),
            w(9, 1, "property"),
            w(11, 1, "operator"),
            w(13, 3, "string"),
            w(16, 2, "operator"),
            w(18, 7, "variable"),
            w(26, 3, "property"),
            w(29, 1, "operator"),
            w(30, 2, "string")
        ]
    );
    assert_eq!(on(4), [w(0, 9, "string")]);
    assert_eq!(on(6), [w(0, 9, "string")]);
    assert_eq!(c.stop(), Ok(true));
}

/// Hover of a setting set in a component's body: its type and the doc comment above
/// its declaration.
fn hover_shows_a_settings_doc_comment() {
    let file = apps();
    let mut c = start();
    c.open(&file, APPS);
    let r = c.request("textDocument/hover", Client::at(&file, 6, 3));
    let h = r.result.unwrap()["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(h.contains("storage: storage_class"), "{h}");
    assert!(h.contains("Where the data lives."), "{h}");
    assert_eq!(c.stop(), Ok(true));
}

tests!(
    completion_knows_the_lab,
    hover_shows_a_settings_doc_comment,
    quick_fixes_come_from_the_diagnostics,
    formatting_is_labc_fmt,
    semantic_tokens_in_utf16
);
