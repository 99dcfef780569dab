//! The handlers of the navigation requests past definition and hover: references,
//! prepareRename and rename, document and workspace symbols. Each turns the protocol's
//! params into a lab, file and offset with `Server::at`, asks `references.rs` or
//! `symbols.rs`, and turns places back into locations (stdlib places into the copies of
//! `stdlib_docs.rs`).

use indexmap::IndexMap;
use lsp_server::ErrorCode;
use lsp_types::{
    DocumentChangeOperation, DocumentChanges, DocumentSymbolParams, DocumentSymbolResponse,
    Location, OneOf, OptionalVersionedTextDocumentIdentifier, PrepareRenameResponse,
    ReferenceParams, RenameParams, TextDocumentEdit, TextDocumentPositionParams, TextEdit,
    WorkspaceSymbol, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use serde_json::Value;

use super::navigate::Place;
use super::{references, stdlib_docs, symbols, text, uri_path, Server};

type Answer = Result<Value, (ErrorCode, String)>;

fn json(value: impl serde::Serialize) -> Answer {
    Ok(serde_json::to_value(value).unwrap_or(Value::Null))
}

impl Server<'_> {
    pub(super) fn references(&mut self, p: ReferenceParams) -> Answer {
        let Some((lab, file, offset)) = self.at(&p.text_document_position)? else {
            return Ok(Value::Null);
        };
        let include = p.context.include_declaration;
        let Some(places) = references::references(&self.db, lab, file, offset, include) else {
            return Ok(Value::Null);
        };
        let found: Vec<Location> = places
            .into_iter()
            .filter_map(|pl| self.location(pl))
            .collect();
        json(found)
    }

    pub(super) fn prepare_rename(&mut self, p: TextDocumentPositionParams) -> Answer {
        let Some((lab, file, offset)) = self.at(&p)? else {
            return Ok(Value::Null);
        };
        match references::prepare_rename(&self.db, lab, file, offset) {
            Ok(Some((place, placeholder))) => {
                let range = text::range(file.text(&self.db), place.start, place.end);
                json(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder })
            }
            Ok(None) => Ok(Value::Null),
            Err(refusal) => Err((ErrorCode::RequestFailed, refusal)),
        }
    }

    pub(super) fn rename(&mut self, p: RenameParams) -> Answer {
        let Some((lab, file, offset)) = self.at(&p.text_document_position)? else {
            return Err((
                ErrorCode::RequestFailed,
                "this file is not part of a lab".to_string(),
            ));
        };
        let edits = references::rename(&self.db, lab, file, offset, &p.new_name)
            .map_err(|refusal| (ErrorCode::RequestFailed, refusal))?;
        // By file, in the order the lab's files come, each file's edits in text order.
        let mut by_uri: IndexMap<lsp_types::Uri, Vec<TextEdit>> = IndexMap::new();
        for (place, new_text) in edits {
            let Some(location) = self.location(place) else {
                return Err((
                    ErrorCode::RequestFailed,
                    format!("no file to edit for {}", place.file.path(&self.db)),
                ));
            };
            by_uri.entry(location.uri).or_default().push(TextEdit {
                range: location.range,
                new_text,
            });
        }
        if !self.document_changes {
            // `WorkspaceEdit::changes` is a HashMap: built by hand to keep the order.
            let changes: serde_json::Map<String, Value> = by_uri
                .into_iter()
                .map(|(uri, edits)| (uri.as_str().to_string(), serde_json::json!(edits)))
                .collect();
            return Ok(serde_json::json!({ "changes": changes }));
        }
        let operations: Vec<DocumentChangeOperation> = by_uri
            .into_iter()
            .map(|(uri, edits)| {
                let version = uri_path(&uri).and_then(|p| self.docs.get(&p).map(|d| d.version));
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                })
            })
            .collect();
        json(lsp_types::WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..lsp_types::WorkspaceEdit::default()
        })
    }

    pub(super) fn document_symbols(&mut self, p: DocumentSymbolParams) -> Answer {
        let position = TextDocumentPositionParams {
            text_document: p.text_document,
            position: lsp_types::Position::default(),
        };
        let Some((_, file, _)) = self.at(&position)? else {
            return Ok(Value::Null);
        };
        let found = symbols::document_symbols(&self.db, file);
        json(DocumentSymbolResponse::Nested(found))
    }

    /// The declarations of every open lab's own files (not the stdlib's) that match the
    /// query, sorted by name, then file, then offset.
    pub(super) fn workspace_symbols(&mut self, p: WorkspaceSymbolParams) -> Answer {
        let mut found: Vec<(String, String, usize, WorkspaceSymbol)> = Vec::new();
        for i in 0..self.labs.len() {
            self.sync(i);
            let lab = &self.labs[i];
            for &file in lab.live.lab.files(&self.db) {
                let rel = file.path(&self.db);
                if super::diagnostics::is_stdlib(rel) {
                    continue;
                }
                for (name, kind, start, end) in symbols::matching_decls(&self.db, file, &p.query) {
                    let Some(uri) = self.uri_of(&lab.root, rel) else {
                        continue;
                    };
                    let range = text::range(file.text(&self.db), start, end);
                    let symbol = WorkspaceSymbol {
                        name: name.clone(),
                        kind,
                        tags: None,
                        container_name: Some(rel.clone()),
                        location: OneOf::Left(Location {
                            uri: uri.clone(),
                            range,
                        }),
                        data: None,
                    };
                    found.push((name, uri.as_str().to_string(), start, symbol));
                }
            }
        }
        found.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        let list = found.into_iter().map(|(.., s)| s).collect();
        json(WorkspaceSymbolResponse::Nested(list))
    }

    /// A stdlib copy was opened: publish that stdlib file's diagnostics (once: the stdlib
    /// does not change, and edits of the copy are not applied).
    pub(super) fn publish_stdlib(&mut self, path: &std::path::Path) {
        let Some((i, rel)) = self.stdlib.lab_file(path) else {
            return;
        };
        self.sync(i);
        let lab = &self.labs[i];
        let Some(&file) = (lab.live.lab.files(&self.db).iter()).find(|f| *f.path(&self.db) == rel)
        else {
            return;
        };
        let root = lab.root.clone();
        let uri = |rel: &str| self.uri_of(&root, rel);
        let diagnostics = stdlib_docs::diagnostics_of(&self.db, lab.live.lab, file, &uri);
        let Some(doc) = self.docs.get(path) else {
            return;
        };
        self.notify::<lsp_types::notification::PublishDiagnostics>(
            lsp_types::PublishDiagnosticsParams {
                uri: doc.uri.clone(),
                diagnostics,
                version: Some(doc.version),
            },
        );
    }

    /// The location of a place: a lab file's, or the copy on disk of a stdlib file (logged
    /// and left out when the copy cannot be written).
    pub(super) fn location(&self, place: Place) -> Option<Location> {
        let i = self
            .labs
            .iter()
            .position(|l| l.live.lab.files(&self.db).contains(&place.file))?;
        let lab = &self.labs[i];
        let path = place.file.path(&self.db);
        let range = text::range(place.file.text(&self.db), place.start, place.end);
        let uri = if super::diagnostics::is_stdlib(path) {
            match self.stdlib.path_of(&self.db, lab.live.lab, i, place.file) {
                Ok(copy) => super::path_uri(&copy)?,
                Err(e) => {
                    self.log(lsp_types::MessageType::WARNING, e);
                    return None;
                }
            }
        } else {
            self.uri_of(&lab.root, path)?
        };
        Some(Location { uri, range })
    }
}
