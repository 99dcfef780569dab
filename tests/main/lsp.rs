//! `labc lsp` driven in-process: the server of `labc::lsp::serve` on one end of
//! `lsp_server::Connection::memory()`, a test client on the other, on the fixture lab
//! `tests/lsp/lab/` (or a copy of it, for the tests that change files on disk). Waiting
//! is for a message, never for a time: the bound on each wait only stops a hang.
//! The transport (framing, malformed JSON) is driven on bytes in `malformed_json_*`. The
//! client and fixture helpers are `pub(crate)` for the other `lsp_*` test modules.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use labc::lsp;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{Position, PublishDiagnosticsParams, Range, Uri};
use serde_json::{json, Value};

/// A bound against a hang (a debug build on two shared cores), not a speed check.
const HANG: Duration = Duration::from_secs(300);

pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/lab")
}

pub(crate) fn uri(path: &Path) -> Uri {
    lsp::path_uri(path).expect("absolute path")
}

pub(crate) fn pos(line: u32, character: u32) -> Position {
    Position { line, character }
}

pub(crate) fn range(a: (u32, u32), b: (u32, u32)) -> Range {
    Range {
        start: pos(a.0, a.1),
        end: pos(b.0, b.1),
    }
}

/// A response: its result or its error.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) result: Option<Value>,
    pub(crate) error: Option<lsp_server::ResponseError>,
}

pub(crate) struct Client {
    conn: Connection,
    server: Option<JoinHandle<Result<bool, String>>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    notes: Vec<Notification>,
}

impl Client {
    /// A server (in a thread with the CLI's stack) initialized by this client;
    /// `panic_on` makes the first request of that method panic inside its handler.
    pub(crate) fn start(panic_on: Option<&'static str>, capabilities: Value) -> Client {
        Client::start_with(panic_on, capabilities, None)
    }

    pub(crate) fn start_with(
        panic_on: Option<&'static str>,
        capabilities: Value,
        database: Option<labc::db::LabDb>,
    ) -> Client {
        let (server_end, conn) = Connection::memory();
        let server = std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn(move || {
                // The panic this test asks for is expected: keep its message quiet.
                crate::QUIET.set(panic_on.is_some());
                let fired = AtomicBool::new(false);
                let options = lsp::Options {
                    stdlib: None,
                    database,
                    before_request: Some(Box::new(move |method: &str| {
                        if Some(method) == panic_on && !fired.swap(true, Ordering::SeqCst) {
                            panic!("a handler that panics");
                        }
                    })),
                };
                lsp::serve(&server_end, options)
            })
            .unwrap();
        let mut client = Client {
            conn,
            server: Some(server),
            next_id: 0,
            notes: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"capabilities": capabilities, "processId": null, "rootUri": null}),
        );
        let caps = &init.result.expect("initialize succeeds")["capabilities"];
        assert_eq!(caps["textDocumentSync"]["change"], json!(2), "incremental");
        assert_eq!(caps["textDocumentSync"]["openClose"], json!(true));
        assert_eq!(caps["definitionProvider"], json!(true));
        assert_eq!(caps["hoverProvider"], json!(true));
        client.notify("initialized", json!({}));
        client
    }

    pub(crate) fn send(&self, m: impl Into<Message>) {
        self.conn.sender.send(m.into()).expect("server alive");
    }

    pub(crate) fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params));
    }

    pub(crate) fn recv(&mut self) -> Message {
        self.conn
            .receiver
            .recv_timeout(HANG)
            .expect("the server answers")
    }

    pub(crate) fn request(&mut self, method: &str, params: Value) -> Answer {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_string(), params));
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => {
                    return match r.response_result {
                        Ok(v) => Answer {
                            result: Some(v),
                            error: None,
                        },
                        Err(e) => Answer {
                            result: None,
                            error: Some(e),
                        },
                    }
                }
                Message::Notification(n) => self.notes.push(n),
                Message::Request(r) => {
                    // registerCapability: accept.
                    self.send(Response::new_ok(r.id, Value::Null));
                }
                Message::Response(_) => {}
            }
        }
    }

    /// The next diagnostics published for `file` (noted earlier or still to come).
    pub(crate) fn diagnostics(&mut self, file: &Path) -> PublishDiagnosticsParams {
        let want = uri(file);
        loop {
            let found = self.notes.iter().position(|n| {
                n.method == "textDocument/publishDiagnostics"
                    && n.params["uri"].as_str() == Some(want.as_str())
            });
            if let Some(i) = found {
                let n = self.notes.remove(i);
                return serde_json::from_value(n.params).unwrap();
            }
            match self.recv() {
                Message::Notification(n) => self.notes.push(n),
                Message::Request(r) => self.send(Response::new_ok(r.id, Value::Null)),
                Message::Response(_) => {}
            }
        }
    }

    pub(crate) fn open(&mut self, file: &Path, text: &str) {
        let params = json!({"textDocument": {
            "uri": uri(file), "languageId": "lab", "version": 1, "text": text,
        }});
        self.notify("textDocument/didOpen", params);
    }

    pub(crate) fn change(&mut self, file: &Path, version: i32, at: Range, text: &str) {
        let params = json!({
            "textDocument": {"uri": uri(file), "version": version},
            "contentChanges": [{"range": at, "text": text}],
        });
        self.notify("textDocument/didChange", params);
    }

    pub(crate) fn at(file: &Path, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": uri(file)}, "position": pos(line, character)})
    }

    /// `shutdown`, `exit`, and the server's result.
    pub(crate) fn stop(mut self) -> Result<bool, String> {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r.result, Some(Value::Null), "{r:?}");
        let after = self.request("textDocument/hover", Self::at(Path::new("/x.lab"), 0, 0));
        assert_eq!(
            after.error.map(|e| e.code),
            Some(-32600),
            "only exit after shutdown"
        );
        self.notify("exit", Value::Null);
        self.server
            .take()
            .unwrap()
            .join()
            .expect("the server thread ends")
    }
}

pub(crate) fn web() -> PathBuf {
    fixture().join("apps/web.lab")
}

pub(crate) fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// An edit that breaks `shop` is reported at the right UTF-16 range with its code and
/// link; edits inside a multi-byte character's pair land right; the fix clears it.
fn an_error_typed_is_reported_and_its_fix_clears_it() {
    let mut c = Client::start(None, json!({}));
    let file = web();
    c.open(&file, &read(&file));
    // Line 7: `instance shop = web on home { replicas = 2 }`; `2` is at character 41.
    c.change(&file, 2, range((7, 41), (7, 42)), "\"🙂\"");
    let d = c.diagnostics(&file);
    assert_eq!(d.version, Some(2));
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
    let e = &d.diagnostics[0];
    assert_eq!(
        e.code,
        Some(lsp_types::NumberOrString::String("E0301".into()))
    );
    assert_eq!(e.severity, Some(lsp_types::DiagnosticSeverity::ERROR));
    // `"🙂"` is 4 UTF-16 units (the emoji is a pair).
    assert_eq!(e.range, range((7, 41), (7, 45)));
    let href = e
        .code_description
        .as_ref()
        .unwrap()
        .href
        .as_str()
        .to_string();
    assert!(href.ends_with("docs/errors.md#e0301"), "{href}");
    assert!(
        e.message.contains("help:") || e.message.contains("int"),
        "{}",
        e.message
    );
    // Replace the emoji (units 42..44) by `x`: still a string, still E0301, one unit.
    c.change(&file, 3, range((7, 42), (7, 44)), "x");
    let d = c.diagnostics(&file);
    assert_eq!(d.diagnostics[0].range, range((7, 41), (7, 44)));
    // The fix.
    c.change(&file, 4, range((7, 41), (7, 44)), "3");
    let d = c.diagnostics(&file);
    assert!(d.diagnostics.is_empty(), "cleared: {:?}", d.diagnostics);
    assert_eq!(c.stop(), Ok(true));
}

/// Definition and hover of an instance's template, a parameter, a cluster after `on`, a
/// stdlib operator and its setting, `cluster.x`, and a `use`d module.
fn definition_and_hover() {
    let mut c = Client::start(None, json!({}));
    let file = web();
    let lab = fixture().join("lab.lab");
    c.open(&file, &read(&file));
    c.open(&lab, &read(&lab));
    let def = |c: &mut Client, f: &Path, l, ch| {
        c.request("textDocument/definition", Client::at(f, l, ch))
            .result
            .unwrap()
    };
    let hover = |c: &mut Client, f: &Path, l, ch| {
        let r = c
            .request("textDocument/hover", Client::at(f, l, ch))
            .result
            .unwrap();
        r["contents"]["value"].as_str().unwrap_or("").to_string()
    };
    // `web` of `instance shop = web`: the template's name on line 1.
    let d = def(&mut c, &file, 7, 17);
    assert_eq!(d["uri"], json!(uri(&file)));
    assert_eq!(d["range"], json!(range((1, 9), (1, 12))));
    assert!(hover(&mut c, &file, 7, 17).contains("template web"));
    // `replicas` of the instance: the parameter, its type and default.
    let d = def(&mut c, &file, 7, 32);
    assert_eq!(d["range"], json!(range((1, 13), (1, 21))));
    let h = hover(&mut c, &file, 7, 32);
    assert!(h.contains("replicas: int = 1"), "{h}");
    // `home` after `on`: the cluster in lab.lab.
    let d = def(&mut c, &file, 7, 25);
    assert_eq!(d["uri"], json!(uri(&lab)));
    assert_eq!(d["range"], json!(range((7, 8), (7, 12))));
    let h = hover(&mut c, &file, 7, 25);
    assert!(h.contains("cluster home") && h.contains("id = 1"), "{h}");
    // `install cilium`: a stdlib definition, in the copy of its file (`lsp_navigation`).
    let d = def(&mut c, &lab, 14, 10);
    assert!(d["uri"].as_str().unwrap().ends_with("/cilium.lab"), "{d}");
    assert!(hover(&mut c, &lab, 14, 10).contains("operator cilium"));
    let h = hover(&mut c, &lab, 14, 27);
    assert!(h.contains("hubble_ui: bool = false"), "{h}");
    // `cluster.api` in a tenant on `home`: the value the cluster sets, and where.
    let h = hover(&mut c, &file, 11, 24);
    assert!(h.contains("cluster home: api = \"10.0.0.10\""), "{h}");
    let d = def(&mut c, &file, 11, 24);
    assert_eq!(d["uri"], json!(uri(&lab)));
    assert_eq!(d["range"], json!(range((9, 2), (9, 5))));
    // `use std.cilium`.
    assert!(hover(&mut c, &lab, 0, 6).contains("use std.cilium"));
    // Nothing under the cursor: nothing.
    assert_eq!(def(&mut c, &file, 0, 0), Value::Null);
    assert_eq!(c.stop(), Ok(true));
}

pub(crate) fn copy_fixture() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("lab");
    std::fs::create_dir_all(root.join("apps")).unwrap();
    for f in ["lab.lab", "apps/web.lab"] {
        std::fs::copy(fixture().join(f), root.join(f)).unwrap();
    }
    (t, root)
}

/// An unsaved buffer is the lab's text (a file not open gets its diagnostics too);
/// closing it goes back to the disk; a change on disk is read on the watched-file event.
fn buffers_override_disk_and_disk_changes_are_read() {
    let (_t, root) = copy_fixture();
    let mut c = Client::start(
        None,
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
    );
    let lab = root.join("lab.lab");
    let web = root.join("apps/web.lab");
    // Rename the cluster in the buffer only: `shop on home` (web.lab, not open) breaks.
    c.open(&lab, &read(&lab).replace("cluster home", "cluster house"));
    let d = c.diagnostics(&web);
    assert!(
        d.diagnostics
            .iter()
            .any(|e| e.code == Some(lsp_types::NumberOrString::String("E0201".into()))),
        "{:?}",
        d.diagnostics
    );
    assert_eq!(d.version, None, "web.lab is not open");
    // Closing the buffer: the disk's `cluster home` again, the error is gone.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&lab)}}),
    );
    assert!(c.diagnostics(&web).diagnostics.is_empty());
    // A change on disk, announced by the client's file watcher.
    std::fs::write(&web, read(&web).replace("replicas = 2", "replicas = true")).unwrap();
    let changes = json!({"changes": [{"uri": uri(&web), "type": 2}]});
    c.notify("workspace/didChangeWatchedFiles", changes);
    let d = c.diagnostics(&web);
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
    // Saving a buffer reads the disk too.
    std::fs::write(&web, read(&web).replace("replicas = true", "replicas = 2")).unwrap();
    c.open(&web, &read(&web));
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&web)}}),
    );
    assert!(c.diagnostics(&web).diagnostics.is_empty());
    assert_eq!(c.stop(), Ok(true));
}

/// Unknown methods, bad params, positions outside the document, files of no lab, edits
/// with bad ranges: protocol errors or nothing, and the server goes on.
fn bad_requests_are_errors_or_nothing() {
    let mut c = Client::start(None, json!({}));
    let file = web();
    let text = read(&file);
    c.open(&file, &text);
    let r = c.request("textDocument/frobnicate", json!({}));
    assert_eq!(r.error.map(|e| e.code), Some(-32601), "MethodNotFound");
    let r = c.request("textDocument/hover", json!({"nonsense": 1}));
    assert_eq!(r.error.map(|e| e.code), Some(-32602), "InvalidParams");
    let r = c.request("textDocument/hover", Client::at(&file, 999, 0));
    assert_eq!(r.error.map(|e| e.code), Some(-32602), "a line past the end");
    // A character past the end of a line means its end (the protocol's rule).
    let r = c.request("textDocument/hover", Client::at(&file, 7, 999));
    assert!(r.error.is_none(), "{r:?}");
    // A file that belongs to no lab, open or not.
    let outside = Path::new("/nonexistent-labc-test/elsewhere.lab");
    c.open(outside, "cluster x { id = }");
    let r = c.request("textDocument/definition", Client::at(outside, 0, 9));
    assert_eq!(r.result, Some(Value::Null));
    let r = c.request(
        "textDocument/hover",
        json!({
        "textDocument": {"uri": "untitled:Untitled-1"}, "position": pos(0, 0)}),
    );
    assert_eq!(r.result, Some(Value::Null));
    // An edit whose range is not in the document is ignored (and logged); the document
    // keeps its text, so the next valid edit lands where the client means.
    c.change(&file, 2, range((50, 0), (50, 3)), "junk");
    c.change(&file, 3, range((7, 41), (7, 42)), "false");
    let d = c.diagnostics(&file);
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
    assert_eq!(d.diagnostics[0].range, range((7, 41), (7, 46)));
    assert!(c.notes.iter().any(|n| n.method == "window/logMessage"));
    // Notifications with nonsense params and unknown notifications do nothing.
    c.notify("textDocument/didChange", json!({"bad": true}));
    c.notify("$/somethingElse", json!({}));
    let r = c.request("textDocument/hover", Client::at(&file, 7, 17));
    assert!(r.result.unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("template web"));
    assert_eq!(c.stop(), Ok(true));
}

/// A panic inside a request handler is an InternalError response; the server goes on.
fn a_panic_in_a_handler_is_an_internal_error() {
    let mut c = Client::start(Some("textDocument/hover"), json!({}));
    let file = web();
    c.open(&file, &read(&file));
    let r = c.request("textDocument/hover", Client::at(&file, 7, 17));
    assert_eq!(r.error.map(|e| e.code), Some(-32603), "InternalError");
    let r = c.request("textDocument/hover", Client::at(&file, 7, 17));
    assert!(r.result.is_some_and(|v| v["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("template web")));
    assert_eq!(c.stop(), Ok(true));
}

/// `exit` without `shutdown` ends the server with exit code 1's result.
fn exit_without_shutdown_is_not_clean() {
    let mut c = Client::start(None, json!({}));
    c.notify("exit", Value::Null);
    assert_eq!(c.server.take().unwrap().join().unwrap(), Ok(false));
}

/// A `Write` into a shared buffer.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn frame(body: &str) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The frames of a byte stream, as JSON.
fn frames(mut bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
        let header = std::str::from_utf8(&bytes[..at]).unwrap();
        let n: usize = header
            .trim_start_matches("Content-Length: ")
            .parse()
            .unwrap();
        let body = &bytes[at + 4..at + 4 + n];
        out.push(serde_json::from_slice(body).unwrap());
        bytes = &bytes[at + 4 + n..];
    }
    out
}

/// Over the real framing: a body that is not JSON, JSON that is no message and a header
/// without a length are answered with errors, and the session goes on to a clean exit.
fn malformed_json_is_a_parse_error_and_the_server_goes_on() {
    let mut input = Vec::new();
    input.extend(frame("{this is not json"));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":7,"bogus":[]}"#));
    input.extend(b"X-Nonsense: 1\r\n\r\n");
    input.extend(frame(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
    ));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    input.extend(frame(
        r#"{"jsonrpc":"2.0","id":2,"method":"no/such","params":{}}"#,
    ));
    input.extend(frame(r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#));
    input.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    let out = Shared::default();
    let (conn, threads) = lsp::transport::connect(std::io::Cursor::new(input), out.clone());
    let result = lsp::serve(&conn, lsp::Options::default());
    drop(conn);
    threads.writer.join().unwrap();
    threads.reader.join().unwrap();
    assert_eq!(result, Ok(true));
    let written = frames(&out.0.lock().unwrap());
    let error = |v: &Value| v["error"]["code"].as_i64();
    let by_id = |id: Value| written.iter().find(|v| v["id"] == id).cloned();
    let nulls: Vec<Option<i64>> = written
        .iter()
        .filter(|v| v["id"].is_null())
        .map(error)
        .collect();
    assert_eq!(nulls, vec![Some(-32700), Some(-32700)], "{written:?}");
    assert_eq!(error(&by_id(json!(7)).unwrap()), Some(-32600));
    assert!(by_id(json!(1)).unwrap()["result"]["capabilities"].is_object());
    assert_eq!(error(&by_id(json!(2)).unwrap()), Some(-32601));
    assert_eq!(by_id(json!(3)).unwrap()["result"], Value::Null);
    let _ = std::io::sink().flush();
}

/// Reads frames from a child's stdout into a channel, so every wait has a bound.
fn frame_reader(out: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::{BufRead as _, Read as _};
        let mut out = std::io::BufReader::new(out);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.unwrap_or(0)];
            if out.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    rx
}

/// A child process killed when the test ends, also on failure.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary over stdio: an open file with an error gets its diagnostic, hover
/// answers, and `shutdown` then `exit` ends it with exit code 0.
fn the_binary_serves_stdio() {
    use std::process::{Command, Stdio};
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_labc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdin = child.0.stdin.take().unwrap();
    let frames = frame_reader(child.0.stdout.take().unwrap());
    let mut send = |v: Value| stdin.write_all(&frame(&v.to_string())).unwrap();
    let wait = |what: &dyn Fn(&Value) -> bool| loop {
        let v = frames.recv_timeout(HANG).expect("the server answers");
        if what(&v) {
            return v;
        }
    };
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}}}));
    let init = wait(&|v| v["id"] == json!(1));
    assert_eq!(init["result"]["serverInfo"]["name"], json!("labc"));
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let file = web();
    let text = read(&file).replace("replicas = 2", "replicas = \"2\"");
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri(&file), "languageId": "lab", "version": 1, "text": text}}}),
    );
    let d = wait(&|v| v["method"] == json!("textDocument/publishDiagnostics"));
    assert_eq!(d["params"]["uri"], json!(uri(&file)));
    assert_eq!(d["params"]["diagnostics"][0]["code"], json!("E0301"));
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
        "params": Client::at(&file, 7, 17)}),
    );
    let h = wait(&|v| v["id"] == json!(2));
    assert!(h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("template web"));
    send(json!({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}));
    wait(&|v| v["id"] == json!(3));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `labc lsp --stdio`, as generic clients with a stdio transport run it: the flag is
/// taken and ignored, and the session is the same (initialize, shutdown, exit code 0).
fn the_binary_takes_the_stdio_flag() {
    use std::process::{Command, Stdio};
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_labc"))
            .args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdin = child.0.stdin.take().unwrap();
    let frames = frame_reader(child.0.stdout.take().unwrap());
    let mut send = |v: Value| stdin.write_all(&frame(&v.to_string())).unwrap();
    let answer = |id: i32| loop {
        let v = frames.recv_timeout(HANG).expect("the server answers");
        if v["id"] == json!(id) {
            return v;
        }
    };
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}}}));
    assert_eq!(answer(1)["result"]["serverInfo"]["name"], json!("labc"));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    assert_eq!(answer(2)["result"], Value::Null);
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    assert_eq!(child.0.wait().unwrap().code(), Some(0));
}

/// A check still running when an edit comes is cancelled, and the edit's check is the one
/// published. Deterministic: the event hook holds the first check's thread at its first
/// query until the edit's update has raised salsa's cancellation flag.
fn an_edit_cancels_the_check_in_flight() {
    use std::sync::Condvar;
    type Gate = (Mutex<(bool, u64)>, Condvar);
    // (held once, cancellation flags raised so far)
    let gate: Arc<Gate> = Arc::new((Mutex::new((false, 0)), Condvar::new()));
    let hook_gate = Arc::clone(&gate);
    let db = labc::db::LabDb::with_event_hook(Box::new(move |event: salsa::Event| {
        let (lock, cvar) = &*hook_gate;
        match event.kind {
            salsa::EventKind::DidSetCancellationFlag => {
                lock.lock().unwrap().1 += 1;
                cvar.notify_all();
            }
            salsa::EventKind::WillExecute { .. }
                if std::thread::current().name() == Some("labc-check") =>
            {
                let mut state = lock.lock().unwrap();
                if state.0 {
                    return;
                }
                state.0 = true;
                cvar.notify_all();
                let seen = state.1;
                while state.1 == seen {
                    state = cvar.wait(state).unwrap();
                }
            }
            _ => {}
        }
    }));
    let mut c = Client::start_with(None, json!({}), Some(db));
    let file = web();
    c.open(&file, &read(&file));
    // Once the open's check is held, this edit cancels it.
    let (lock, cvar) = &*gate;
    let mut state = lock.lock().unwrap();
    while !state.0 {
        state = cvar.wait(state).unwrap();
    }
    drop(state);
    c.change(&file, 2, range((7, 41), (7, 42)), "\"2\"");
    let d = c.diagnostics(&file);
    assert_eq!(d.version, Some(2));
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
    assert_eq!(d.diagnostics[0].range, range((7, 41), (7, 44)));
    let cancelled = |c: &Client| {
        c.notes.iter().any(|n| {
            n.method == "window/logMessage"
                && n.params["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("cancelled"))
        })
    };
    // The cancelled check's report may come after the publish: a request later, it is in.
    let _ = c.request("textDocument/hover", Client::at(&file, 0, 0));
    assert!(cancelled(&c), "{:?}", c.notes);
    assert_eq!(c.stop(), Ok(true));
}

/// Before `initialize` a request is ServerNotInitialized; a second `initialize` is an
/// InvalidRequest; `exit` before `initialize` ends the server (not cleanly).
fn the_handshake_is_kept() {
    let (server_end, conn) = Connection::memory();
    let server = std::thread::spawn(move || lsp::serve(&server_end, lsp::Options::default()));
    let ask = |id: i32, method: &str| {
        let r = Request::new(
            RequestId::from(id),
            method.to_string(),
            json!({"capabilities": {}}),
        );
        conn.sender.send(r.into()).unwrap();
        loop {
            match conn.receiver.recv_timeout(HANG).expect("an answer") {
                Message::Response(r) if r.id == RequestId::from(id) => return r.response_result,
                _ => {}
            }
        }
    };
    let early = ask(1, "textDocument/hover").unwrap_err();
    assert_eq!(early.code, -32002, "ServerNotInitialized");
    assert!(ask(2, "initialize").is_ok());
    // No `initialized` yet: the server still answers.
    let again = ask(3, "initialize").unwrap_err();
    assert_eq!(again.code, -32600, "InvalidRequest");
    conn.sender
        .send(Notification::new("exit".into(), Value::Null).into())
        .unwrap();
    assert_eq!(server.join().unwrap(), Ok(false));
    let (server_end, conn) = Connection::memory();
    let server = std::thread::spawn(move || lsp::serve(&server_end, lsp::Options::default()));
    conn.sender
        .send(Notification::new("exit".into(), Value::Null).into())
        .unwrap();
    assert_eq!(server.join().unwrap(), Ok(false));
}

tests!(
    an_error_typed_is_reported_and_its_fix_clears_it,
    definition_and_hover,
    buffers_override_disk_and_disk_changes_are_read,
    bad_requests_are_errors_or_nothing,
    a_panic_in_a_handler_is_an_internal_error,
    exit_without_shutdown_is_not_clean,
    malformed_json_is_a_parse_error_and_the_server_goes_on,
    the_binary_serves_stdio,
    the_binary_takes_the_stdio_flag,
    an_edit_cancels_the_check_in_flight,
    the_handshake_is_kept,
);
