//! `textDocument/codeAction`: the quick fixes of the diagnostics the editor sends back.
//! Each published diagnostic carries its fixes, already in the protocol's terms, in its
//! `data` (`diagnostics::fixes_data`), and the client returns that field untouched with
//! the diagnostics under the cursor; so answering needs no second check of the lab.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, TextEdit, Uri};
use serde::Deserialize;

/// One fix as `data` holds it.
#[derive(Deserialize)]
struct FixData {
    title: String,
    edits: Vec<EditData>,
}

#[derive(Deserialize)]
struct EditData {
    uri: Uri,
    #[serde(flatten)]
    edit: TextEdit,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    fixes: Vec<FixData>,
}

/// The quick fixes of `diagnostics`, each with the diagnostic it fixes; the first fix of
/// a diagnostic is the preferred one. Diagnostics without fixes (or with `data` that is
/// not labc's) give none.
pub fn quick_fixes(diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(data) = d.data.clone() else {
            continue;
        };
        let Ok(data) = serde_json::from_value::<Data>(data) else {
            continue;
        };
        for (i, fix) in data.fixes.into_iter().enumerate() {
            // `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types' choice); no URI is
            // changed while it is a key. The keys are an object's, so their order is not
            // part of the answer's meaning.
            #[allow(clippy::mutable_key_type)]
            let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
            for e in fix.edits {
                changes.entry(e.uri).or_default().push(e.edit);
            }
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(lsp_types::WorkspaceEdit {
                    changes: Some(changes),
                    ..lsp_types::WorkspaceEdit::default()
                }),
                is_preferred: Some(i == 0),
                ..CodeAction::default()
            }));
        }
    }
    out
}
