//! `labc lsp`: the language server. One salsa database is kept for the whole session; the
//! editor's buffers are laid over the lab's files on disk and every edit is applied to the
//! database's inputs with `LabDb::update`, so a check re-runs only what the edit touched.
//!
//! The loop is synchronous (`lsp_server`'s channels, no async runtime): it takes every
//! message waiting, in order (edits, requests, file events), waits `DEBOUNCE` (10 ms) for
//! more while an edit is unchecked, and then starts a check of each lab they changed, so
//! a burst of keystrokes costs one check. A check runs on a thread of its own with a
//! handle of the database; the next edit's update cancels it (salsa's cancellation), so
//! requests and edits never wait for a stale check. After each check that no edit
//! overtook, every lab file whose diagnostics changed gets them
//! (`textDocument/publishDiagnostics`; an empty list clears a fixed file). Each handler
//! runs under `catch_unwind`: a panic in a request is an `InternalError` response, and
//! the server goes on.
//!
//! Besides the CLI, this is the only module that reads files: the lab's files on disk (with
//! the CLI's walker), when a lab is opened, saved, closed or changed on disk. It writes one
//! kind: the stdlib's read-only copies a stdlib target opens (`stdlib_docs.rs`).

pub mod actions;
pub mod complete;
pub mod diagnostics;
pub mod emitted;
pub mod format;
mod nav_requests;
pub mod navigate;
pub mod references;
pub mod stdlib_docs;
pub mod symbols;
pub mod text;
pub mod tokens;
pub mod transport;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use indexmap::IndexMap;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    Diagnostic, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, Hover,
    HoverContents, HoverProviderCapability, InitializeParams, LogMessageParams, MarkupContent,
    MarkupKind, MessageType, OneOf, PublishDiagnosticsParams, Registration, RegistrationParams,
    ServerCapabilities, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;

use crate::cli::walk::{read_lab, reads_path};
use crate::db::{LabDb, LiveLab, SourceFile};
use crate::syntax::ast::DeclKind;

/// The version `initialize` reports: labc's and its stdlib's, as `labc --version` says.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (stdlib ",
    env!("LABC_STDLIB_VERSION"),
    ")"
);

/// How the server is run: the stdlib (`None`: the embedded one) and, for tests, a hook
/// called with the method of every request before its handler (inside the handler's
/// `catch_unwind`, so a hook that panics stands for a handler that does).
#[derive(Default)]
pub struct Options {
    pub stdlib: Option<Vec<(String, String)>>,
    #[allow(clippy::type_complexity)]
    pub before_request: Option<Box<dyn Fn(&str)>>,
    /// The database to start from (`None`: a new one); tests pass one with an event hook.
    pub database: Option<LabDb>,
}

/// `labc lsp`: serve on stdin and stdout until `exit`; the exit code (0 after `shutdown`
/// then `exit`, 1 otherwise, as the protocol asks).
pub fn stdio(stdlib: Option<Vec<(String, String)>>) -> i32 {
    let stdin = std::io::BufReader::new(std::io::stdin());
    let (connection, threads) = transport::connect(stdin, std::io::stdout());
    let options = Options {
        stdlib,
        ..Options::default()
    };
    let result = serve(&connection, options);
    drop(connection);
    let _ = threads.writer.join();
    match result {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("labc: error: {e}");
            1
        }
    }
}

/// What the server can do, as `initialize` answers.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        definition_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(complete::TRIGGERS.iter().map(|t| t.to_string()).collect()),
            ..lsp_types::CompletionOptions::default()
        }),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Options(
            lsp_types::CodeActionOptions {
                code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
                ..lsp_types::CodeActionOptions::default()
            },
        )),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp_types::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp_types::SemanticTokensOptions {
                    legend: tokens::legend(),
                    range: Some(true),
                    full: Some(lsp_types::SemanticTokensFullOptions::Bool(true)),
                    ..lsp_types::SemanticTokensOptions::default()
                },
            ),
        ),
        ..ServerCapabilities::default()
    }
}

/// Run the server on `connection`: the `initialize` handshake, then the loop until
/// `exit`. `Ok(true)` when `exit` came after `shutdown`, `Ok(false)` when it came without
/// one or the client went away.
pub fn serve(connection: &Connection, options: Options) -> Result<bool, String> {
    let Some((id, params)) = wait_for_initialize(connection) else {
        return Ok(false);
    };
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "labc", "version": VERSION},
    });
    let _ = connection.sender.send(Response::new_ok(id, result).into());
    // `initialized` comes next; the loop takes it as any notification, so a client that
    // sends something before it is not cut off.
    let mut server = Server::new(connection, options, &params);
    server.register_watchers(&params);
    server.run()
}

/// The `initialize` request's id and params. Requests before it are answered with
/// ServerNotInitialized and notifications dropped, as the protocol says; `None` when
/// `exit` comes first or the client goes away.
fn wait_for_initialize(connection: &Connection) -> Option<(RequestId, Value)> {
    loop {
        match connection.receiver.recv().ok()? {
            Message::Request(r) if r.method == req::Initialize::METHOD => {
                return Some((r.id, r.params))
            }
            Message::Request(r) => {
                let e = format!("`{}` before `initialize`", r.method);
                let code = ErrorCode::ServerNotInitialized as i32;
                let _ = connection
                    .sender
                    .send(Response::new_err(r.id, code, e).into());
            }
            Message::Notification(n) if n.method == notif::Exit::METHOD => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

/// An open document: the editor's text, which overrides the file on disk.
struct Doc {
    uri: Uri,
    text: String,
    version: i32,
}

/// A lab the editor has a file of open: its files on disk, the database's view of it
/// (disk with the open buffers over it) and what was last published for each file.
struct OpenLab {
    root: PathBuf,
    disk: Vec<(String, String)>,
    live: LiveLab,
    /// The inputs lag behind `disk` or the buffers.
    stale: bool,
    /// A check is due.
    dirty: bool,
    /// Counts the changes: a check's result is published only if none came since.
    generation: u64,
    published: IndexMap<String, Vec<Diagnostic>>,
}

/// How long the loop waits for another edit before it starts a due check: a burst of
/// keystrokes is one check, and a pause this short adds little to a check's latency.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(10);

/// The stack of a check's thread: the CLI's (see `main.rs`); only touched pages count.
const CHECK_STACK: usize = 256 * 1024 * 1024;

/// A check's result, for lab `lab` as it was at `generation`.
struct Checked {
    lab: usize,
    generation: u64,
    outcome: Outcome,
}

enum Outcome {
    Done(IndexMap<String, Vec<Diagnostic>>),
    /// An edit cancelled it.
    Cancelled,
    Panicked,
}

struct Server<'a> {
    connection: &'a Connection,
    options: Options,
    db: LabDb,
    labs: Vec<OpenLab>,
    docs: HashMap<PathBuf, Doc>,
    workspace: Vec<PathBuf>,
    shut_down: bool,
    next_request: i32,
    /// The stdlib files written for go-to-definition, and which lab each belongs to.
    stdlib: stdlib_docs::StdlibCopies,
    /// The client takes `documentChanges` in a rename's edit (with versions).
    document_changes: bool,
    /// Where the checks' threads send their results.
    checked: (
        crossbeam_channel::Sender<Checked>,
        crossbeam_channel::Receiver<Checked>,
    ),
}

/// The file a `file:` URI names.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// The `file:` URI of a path.
pub fn path_uri(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

/// `path` relative to `root`, written with `/` as lab paths are.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether `text` declares the lab (`lab name { ... }`).
fn declares_lab(text: &str) -> bool {
    let (ast, _) = crate::syntax::parse::parse_file(text);
    ast.decls.iter().any(|d| d.kind == DeclKind::Lab)
}

impl<'a> Server<'a> {
    fn new(connection: &'a Connection, mut options: Options, params: &InitializeParams) -> Self {
        let mut workspace: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| uri_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if workspace.is_empty() {
            workspace.extend(params.root_uri.as_ref().and_then(uri_path));
        }
        let db = options.database.take().unwrap_or_default();
        let document_changes = (params.capabilities.workspace.as_ref())
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false);
        Server {
            connection,
            options,
            db,
            labs: Vec::new(),
            docs: HashMap::new(),
            workspace,
            shut_down: false,
            next_request: 0,
            stdlib: stdlib_docs::StdlibCopies::default(),
            document_changes,
            checked: crossbeam_channel::unbounded(),
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.connection.sender.send(message.into());
    }

    fn notify<N: notif::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn log(&self, typ: MessageType, message: String) {
        eprintln!("labc lsp: {message}");
        self.notify::<notif::LogMessage>(LogMessageParams { typ, message });
    }

    /// Ask the client to send `workspace/didChangeWatchedFiles` for the lab's files, when
    /// it can register that dynamically.
    fn register_watchers(&mut self, params: &InitializeParams) {
        let can = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        if !can {
            return;
        }
        let watchers = ["**/*.lab", "**/*.yaml", "**/*.yml"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "labc-watched-files".to_string(),
                method: notif::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_request += 1;
        let id = RequestId::from(format!("labc-{}", self.next_request));
        self.send(Request::new(
            id,
            req::RegisterCapability::METHOD.to_string(),
            params,
        ));
    }

    /// The loop: every waiting message in order, then the checks they made due.
    fn run(&mut self) -> Result<bool, String> {
        loop {
            let first = crossbeam_channel::select! {
                recv(self.connection.receiver) -> message => match message {
                    Ok(message) => message,
                    Err(_) => return Ok(false),
                },
                recv(self.checked.1) -> checked => {
                    if let Ok(checked) = checked {
                        self.checked(checked);
                    }
                    continue;
                }
            };
            let mut next = Some(first);
            while let Some(message) = next {
                if let Some(exit) = self.handle(message) {
                    return Ok(exit);
                }
                next = match self.next_before_check() {
                    Ok(message) => message,
                    Err(clean) => return Ok(clean),
                };
            }
            self.check_due();
        }
    }

    /// The next message if one is waiting, or, while a check is due, one that comes
    /// within `DEBOUNCE`: keystrokes typed in quick succession are one check. `Err(false)`
    /// when the client went away (an exit that was not clean).
    fn next_before_check(&self) -> Result<Option<Message>, bool> {
        use crossbeam_channel::{RecvTimeoutError, TryRecvError};
        if !self.labs.iter().any(|l| l.dirty) {
            return match self.connection.receiver.try_recv() {
                Ok(message) => Ok(Some(message)),
                Err(TryRecvError::Empty) => Ok(None),
                Err(TryRecvError::Disconnected) => Err(false),
            };
        }
        match self.connection.receiver.recv_timeout(DEBOUNCE) {
            Ok(message) => Ok(Some(message)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(false),
        }
    }

    /// Handle one message; `Some(clean)` when it was `exit`.
    fn handle(&mut self, message: Message) -> Option<bool> {
        match message {
            Message::Request(request) => self.request(request),
            Message::Notification(n) if n.method == notif::Exit::METHOD => {
                return Some(self.shut_down)
            }
            Message::Notification(n) => {
                let method = n.method.clone();
                let done = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
                if done.is_err() {
                    self.log(
                        MessageType::ERROR,
                        format!("internal error handling `{method}`"),
                    );
                }
            }
            // Answers to our requests (registration) need nothing.
            Message::Response(_) => {}
        }
        None
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shut_down {
            let e = "the server is shut down; only `exit` is accepted".to_string();
            self.send(Response::new_err(id, ErrorCode::InvalidRequest as i32, e));
            return;
        }
        let method = request.method.clone();
        let answer = catch_unwind(AssertUnwindSafe(|| {
            if let Some(hook) = &self.options.before_request {
                hook(&method);
            }
            self.answer(request)
        }));
        let response = match answer {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("labc panicked handling `{method}`; the server goes on"),
            ),
        };
        self.send(response);
    }

    fn answer(&mut self, request: Request) -> Result<Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(r: Request) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(r.params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        let null = Value::Null;
        match request.method.as_str() {
            req::Initialize::METHOD => Err((
                ErrorCode::InvalidRequest,
                "the server is already initialized".to_string(),
            )),
            req::Shutdown::METHOD => {
                self.shut_down = true;
                Ok(null)
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(request)?;
                let at = self.at(&p.text_document_position_params)?;
                let found = at.and_then(|(lab, file, offset)| {
                    let target = navigate::definition(&self.db, lab, file, offset)?;
                    self.location(target)
                });
                Ok(serde_json::to_value(found).unwrap_or(null))
            }
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(request)?;
                let at = self.at(&p.text_document_position_params)?;
                let found = at.and_then(|(lab, file, offset)| {
                    let (value, place) = navigate::hover(&self.db, lab, file, offset)?;
                    let text = file.text(&self.db);
                    Some(Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value,
                        }),
                        range: Some(text::range(text, place.start, place.end)),
                    })
                });
                Ok(serde_json::to_value(found).unwrap_or(null))
            }
            req::References::METHOD => self.references(params(request)?),
            req::PrepareRenameRequest::METHOD => self.prepare_rename(params(request)?),
            req::Rename::METHOD => self.rename(params(request)?),
            req::DocumentSymbolRequest::METHOD => self.document_symbols(params(request)?),
            req::WorkspaceSymbolRequest::METHOD => self.workspace_symbols(params(request)?),
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(request)?;
                let typed = p.context.and_then(|c| c.trigger_character);
                let found = self
                    .at(&p.text_document_position)?
                    .map(|(lab, file, offset)| {
                        let items =
                            complete::complete(&self.db, lab, file, offset, typed.as_deref());
                        lsp_types::CompletionResponse::Array(items)
                    });
                Ok(serde_json::to_value(found).unwrap_or(null))
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(request)?;
                let fixes = actions::quick_fixes(&p.context.diagnostics);
                Ok(serde_json::to_value(fixes).unwrap_or(null))
            }
            req::Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(request)?;
                let edits = self
                    .document(&p.text_document.uri)
                    .map(|(_, file)| format::format_document(file.text(&self.db)));
                Ok(serde_json::to_value(edits).unwrap_or(null))
            }
            req::SemanticTokensFullRequest::METHOD => {
                let p: lsp_types::SemanticTokensParams = params(request)?;
                let found = self.document(&p.text_document.uri).map(|(lab, file)| {
                    lsp_types::SemanticTokens {
                        result_id: None,
                        data: tokens::semantic_tokens(&self.db, lab, file, None),
                    }
                });
                Ok(serde_json::to_value(found).unwrap_or(null))
            }
            req::SemanticTokensRangeRequest::METHOD => {
                let p: lsp_types::SemanticTokensRangeParams = params(request)?;
                let Some((lab, file)) = self.document(&p.text_document.uri) else {
                    return Ok(null);
                };
                let Some(within) = text::byte_range(file.text(&self.db), p.range) else {
                    let e = "the range is not in the document".to_string();
                    return Err((ErrorCode::InvalidParams, e));
                };
                let data = tokens::semantic_tokens(&self.db, lab, file, Some(within));
                let found = lsp_types::SemanticTokens {
                    result_id: None,
                    data,
                };
                Ok(serde_json::to_value(found).unwrap_or(null))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("labc lsp does not handle `{other}`"),
            )),
        }
    }

    /// The lab, file and byte offset a position names: `Ok(None)` for a file of no lab, an
    /// error for a position that is not in the file.
    #[allow(clippy::type_complexity)]
    fn at(
        &mut self,
        p: &TextDocumentPositionParams,
    ) -> Result<Option<(crate::db::Lab, SourceFile, usize)>, (ErrorCode, String)> {
        let Some(path) = uri_path(&p.text_document.uri) else {
            return Ok(None);
        };
        // A stdlib copy a definition led to is that lab's stdlib file.
        let known = self.stdlib.lab_file(&path);
        let Some(i) = known.as_ref().map(|k| k.0).or_else(|| self.lab_of(&path)) else {
            return Ok(None);
        };
        self.sync(i);
        let lab = &self.labs[i];
        let Some(rel) = known.map(|k| k.1).or_else(|| relative(&lab.root, &path)) else {
            return Ok(None);
        };
        let Some(&file) = lab
            .live
            .lab
            .files(&self.db)
            .iter()
            .find(|f| *f.path(&self.db) == rel)
        else {
            return Ok(None);
        };
        let Some(offset) = text::offset(file.text(&self.db), p.position) else {
            let pos = p.position;
            return Err((
                ErrorCode::InvalidParams,
                format!(
                    "position {}:{} is not in the document",
                    pos.line, pos.character
                ),
            ));
        };
        Ok(Some((lab.live.lab, file, offset)))
    }

    /// The lab and file of a document (`None` for a file of no lab).
    fn document(&mut self, uri: &Uri) -> Option<(crate::db::Lab, SourceFile)> {
        let path = uri_path(uri)?;
        let i = self.lab_of(&path)?;
        self.sync(i);
        let lab = &self.labs[i];
        let rel = relative(&lab.root, &path)?;
        let files = lab.live.lab.files(&self.db);
        let file = files.iter().find(|f| *f.path(&self.db) == rel)?;
        Some((lab.live.lab, *file))
    }

    fn uri_of(&self, root: &Path, rel: &str) -> Option<Uri> {
        let path = root.join(rel);
        match self.docs.get(&path) {
            Some(doc) => Some(doc.uri.clone()),
            None => path_uri(&path),
        }
    }

    fn notification(&mut self, n: Notification) {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Some(p) = params::<DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                self.docs.insert(
                    path.clone(),
                    Doc {
                        uri: p.text_document.uri,
                        text: p.text_document.text,
                        version: p.text_document.version,
                    },
                );
                if self.stdlib.lab_file(&path).is_some() {
                    self.publish_stdlib(&path);
                } else if let Some(i) = self.open_lab(&path) {
                    self.touch(i, false);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                let Some(p) = params::<DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&path) else {
                    return;
                };
                match text::apply(&doc.text, &p.content_changes) {
                    Ok(new) => {
                        doc.text = new;
                        doc.version = p.text_document.version;
                    }
                    Err(e) => {
                        let uri = p.text_document.uri.as_str().to_string();
                        self.log(
                            MessageType::WARNING,
                            format!("ignored an edit of {uri}: {e}"),
                        );
                        return;
                    }
                }
                if let Some(i) = self.lab_of(&path) {
                    self.touch(i, false);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                let Some(p) = params::<DidCloseTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                if self.docs.remove(&path).is_some() {
                    if let Some(i) = self.lab_of(&path) {
                        self.touch(i, true);
                    }
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                let Some(p) = params::<DidSaveTextDocumentParams>(n) else {
                    return;
                };
                let Some(path) = uri_path(&p.text_document.uri) else {
                    return;
                };
                if let Some(i) = self.lab_of(&path) {
                    self.touch(i, true);
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                let Some(p) = params::<DidChangeWatchedFilesParams>(n) else {
                    return;
                };
                for change in p.changes {
                    let Some(path) = uri_path(&change.uri) else {
                        continue;
                    };
                    for i in 0..self.labs.len() {
                        if path.starts_with(&self.labs[i].root) {
                            self.touch(i, true);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Lab `i` changed: its inputs lag and a check is due; `reread` reads its files on disk
    /// again first (a save, a closed buffer, a change on disk).
    fn touch(&mut self, i: usize, reread: bool) {
        if reread {
            match read_lab(&self.labs[i].root) {
                Ok(files) => self.labs[i].disk = files,
                Err(e) => self.log(MessageType::WARNING, e),
            }
        }
        self.labs[i].stale = true;
        self.labs[i].dirty = true;
        self.labs[i].generation += 1;
    }

    /// The open lab `path` belongs to: the one with the longest root above it.
    fn lab_of(&self, path: &Path) -> Option<usize> {
        (0..self.labs.len())
            .filter(|&i| path.starts_with(&self.labs[i].root))
            .max_by_key(|&i| self.labs[i].root.components().count())
    }

    /// The lab of a file just opened, loaded if it is new: the nearest folder above the
    /// file that holds a `.lab` file declaring the lab, else the workspace folder holding
    /// the file. `None` (nothing is checked) for a file in neither.
    fn open_lab(&mut self, path: &Path) -> Option<usize> {
        let root = self.lab_root(path)?;
        if let Some(i) = self.labs.iter().position(|l| l.root == root) {
            return Some(i);
        }
        let disk = match read_lab(&root) {
            Ok(files) => files,
            Err(e) => {
                self.log(MessageType::WARNING, e);
                return None;
            }
        };
        let live = self.db.load_live(self.options.stdlib.clone(), Vec::new());
        self.labs.push(OpenLab {
            root,
            disk,
            live,
            stale: true,
            dirty: true,
            generation: 0,
            published: IndexMap::new(),
        });
        Some(self.labs.len() - 1)
    }

    fn lab_root(&self, path: &Path) -> Option<PathBuf> {
        for dir in path.ancestors().skip(1) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "lab") && p.is_file())
                .collect();
            names.sort();
            let lab = names.iter().any(|p| match self.docs.get(p) {
                Some(doc) => declares_lab(&doc.text),
                None => std::fs::read_to_string(p).is_ok_and(|t| declares_lab(&t)),
            });
            if lab {
                return Some(dir.to_path_buf());
            }
        }
        self.workspace
            .iter()
            .filter(|w| path.starts_with(w))
            .max_by_key(|w| w.components().count())
            .cloned()
    }

    /// Bring lab `i`'s inputs up to date: its files on disk with the open buffers over them.
    fn sync(&mut self, i: usize) {
        let lab = &mut self.labs[i];
        if !lab.stale {
            return;
        }
        let mut files: IndexMap<String, String> = lab.disk.iter().cloned().collect();
        for (path, doc) in &self.docs {
            // Only what the lab is read from: a buffer of `.git/COMMIT_EDITMSG` is not.
            if let Some(rel) = relative(&lab.root, path).filter(|rel| reads_path(rel)) {
                files.insert(rel, doc.text.clone());
            }
        }
        self.db.update(&mut lab.live, files.into_iter().collect());
        lab.stale = false;
    }

    /// Start a check of every lab an edit made due, each on a thread of its own with a
    /// handle of the database. The next edit's `LabDb::update` cancels a check still
    /// running (salsa unwinds its queries with `Cancelled` and waits for the handle to be
    /// dropped), so the loop never waits for a stale check; the result comes back on
    /// `checked` and is published if no edit came since.
    fn check_due(&mut self) {
        for i in 0..self.labs.len() {
            if !self.labs[i].dirty {
                continue;
            }
            self.labs[i].dirty = false;
            self.sync(i);
            let lab = &self.labs[i];
            let uris: HashMap<String, Uri> = self
                .docs
                .iter()
                .filter_map(|(path, doc)| Some((relative(&lab.root, path)?, doc.uri.clone())))
                .collect();
            let root = lab.root.clone();
            let (input, generation) = (lab.live.lab, lab.generation);
            let db = self.db.clone();
            let done = self.checked.0.clone();
            let work = move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    salsa::Cancelled::catch(AssertUnwindSafe(|| {
                        let (_, diags) = crate::compile::compile_with_diagnostics(&db, input);
                        let uri = |rel: &str| match uris.get(rel) {
                            Some(uri) => Some(uri.clone()),
                            None => path_uri(&root.join(rel)),
                        };
                        diagnostics::by_file(&db, &diags, &uri)
                    }))
                }));
                // The handle goes first: an update waiting for it goes on.
                drop(db);
                let outcome = match outcome {
                    Ok(Ok(now)) => Outcome::Done(now),
                    Ok(Err(_)) => Outcome::Cancelled,
                    Err(_) => Outcome::Panicked,
                };
                let _ = done.send(Checked {
                    lab: i,
                    generation,
                    outcome,
                });
            };
            let spawned = std::thread::Builder::new()
                .name("labc-check".into())
                .stack_size(CHECK_STACK)
                .spawn(work);
            if let Err(e) = spawned {
                self.log(MessageType::ERROR, format!("cannot start a check: {e}"));
            }
        }
    }

    /// A check came back: publish it unless an edit came since (a newer check is due).
    fn checked(&mut self, checked: Checked) {
        let Some(lab) = self.labs.get(checked.lab) else {
            return;
        };
        if let Outcome::Cancelled = checked.outcome {
            let root = lab.root.display().to_string();
            let message = format!("a newer edit cancelled the check of {root}");
            self.notify::<notif::LogMessage>(LogMessageParams {
                typ: MessageType::LOG,
                message,
            });
            return;
        }
        if lab.generation != checked.generation {
            return;
        }
        match checked.outcome {
            Outcome::Done(now) => self.publish(checked.lab, now),
            Outcome::Cancelled => {}
            Outcome::Panicked => {
                let root = lab.root.display().to_string();
                self.log(
                    MessageType::ERROR,
                    format!("internal error checking {root}"),
                );
            }
        }
    }

    /// Send the diagnostics of every file whose list changed (an empty list clears one).
    fn publish(&mut self, i: usize, now: IndexMap<String, Vec<Diagnostic>>) {
        let old = std::mem::take(&mut self.labs[i].published);
        let mut paths: Vec<&String> = now.keys().collect();
        paths.extend(old.keys().filter(|p| !now.contains_key(*p)));
        let root = self.labs[i].root.clone();
        for rel in paths {
            let diags = now.get(rel).cloned().unwrap_or_default();
            if old.get(rel).is_some_and(|o| *o == diags) {
                continue;
            }
            let Some(uri) = self.uri_of(&root, rel) else {
                continue;
            };
            let version = self.docs.get(&root.join(rel)).map(|d| d.version);
            self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
                uri,
                diagnostics: diags,
                version,
            });
        }
        self.labs[i].published = now;
    }
}
