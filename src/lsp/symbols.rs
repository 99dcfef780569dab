//! Document and workspace symbols: the declarations of a file (with their settings,
//! parameters, fields and the keys their bodies set as children), and the declarations of
//! every lab file matching a query, read from the parsed files.

use lsp_types::{DocumentSymbol, SymbolKind};

use super::text;
use crate::db::{Db, SourceFile};
use crate::sema::index::{self, parse};
use crate::syntax::ast::{Decl, DeclKind, FieldDecl, Span, Stmt};

/// The protocol's kind for a declaration.
pub fn kind_of(kind: DeclKind) -> SymbolKind {
    match kind {
        DeclKind::Lab => SymbolKind::MODULE,
        DeclKind::Cluster => SymbolKind::OBJECT,
        DeclKind::Pool => SymbolKind::ARRAY,
        DeclKind::Type => SymbolKind::STRUCT,
        DeclKind::Operator => SymbolKind::CLASS,
        DeclKind::Template => SymbolKind::FUNCTION,
        DeclKind::Install | DeclKind::Instance | DeclKind::Tenant => SymbolKind::PACKAGE,
        DeclKind::Namespace => SymbolKind::NAMESPACE,
        DeclKind::Pins => SymbolKind::KEY,
    }
}

/// A declaration's name as a symbol shows it (`pins` has none of its own).
pub fn decl_name(decl: &Decl) -> String {
    if decl.kind == DeclKind::Pins || decl.name.text.is_empty() {
        decl.kind.keyword().to_string()
    } else {
        decl.name.text.clone()
    }
}

fn symbol(
    db: &dyn Db,
    file: SourceFile,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    (whole, selection): (Span, Span),
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let source = file.text(db);
    let range = |span: Span| {
        let span = index::absolute(db, file, span);
        text::range(source, span.start as usize, span.end as usize)
    };
    let range_all = range(whole);
    let mut selection_range = range(selection);
    // The protocol asks the selection to be inside the range; a name the parser
    // recovered (empty span) gets the range's start.
    if selection_range.start < range_all.start || selection_range.end > range_all.end {
        selection_range = lsp_types::Range::new(range_all.start, range_all.start);
    }
    #[allow(deprecated)]
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: range_all,
        selection_range,
        children: (!children.is_empty()).then_some(children),
    }
}

fn field_symbol(db: &dyn Db, file: SourceFile, f: &FieldDecl, kind: SymbolKind) -> DocumentSymbol {
    let detail = Some(f.ty.to_string());
    let spans = (f.span, f.name.span);
    symbol(
        db,
        file,
        f.name.text.clone(),
        detail,
        kind,
        spans,
        Vec::new(),
    )
}

/// The children of a declaration: its parameters or record fields, its settings, and the
/// keys its body sets (a cluster's `api`, a component's settings), each once.
fn children(db: &dyn Db, file: SourceFile, decl: &Decl) -> Vec<DocumentSymbol> {
    let mut out: Vec<DocumentSymbol> = Vec::new();
    for f in &decl.params {
        let kind = if decl.kind == DeclKind::Type {
            SymbolKind::FIELD
        } else {
            SymbolKind::TYPE_PARAMETER
        };
        out.push(field_symbol(db, file, f, kind));
    }
    for f in decl.settings() {
        out.push(field_symbol(db, file, f, SymbolKind::PROPERTY));
    }
    for s in &decl.body {
        if let Stmt::Assign { path, span, .. } = s {
            let Some(first) = path.first() else { continue };
            if out.iter().any(|c| c.name == first.text) {
                continue;
            }
            let spans = (*span, first.span);
            let kind = SymbolKind::FIELD;
            out.push(symbol(
                db,
                file,
                first.text.clone(),
                None,
                kind,
                spans,
                Vec::new(),
            ));
        }
    }
    out
}

/// The symbols of `file`: one per declaration, in the order of the text.
pub fn document_symbols(db: &dyn Db, file: SourceFile) -> Vec<DocumentSymbol> {
    let ast = parse(db, file);
    ast.decls
        .iter()
        .map(|decl| {
            let detail = match &decl.definition {
                Some(d) => format!("{} {}", decl.kind.keyword(), d.text),
                None => decl.kind.keyword().to_string(),
            };
            let kind = kind_of(decl.kind);
            let spans = (decl.span, decl.name.span);
            let kids = children(db, file, decl);
            symbol(db, file, decl_name(decl), Some(detail), kind, spans, kids)
        })
        .collect()
}

/// Whether every character of `query` appears in `name` in order, ignoring case (an
/// empty query matches everything).
pub fn matches(query: &str, name: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|q| chars.any(|c| c == q))
}

/// The declarations of `file` whose names match `query`: (name, kind, whole range's
/// place as byte offsets).
pub fn matching_decls(
    db: &dyn Db,
    file: SourceFile,
    query: &str,
) -> Vec<(String, SymbolKind, usize, usize)> {
    parse(db, file)
        .decls
        .iter()
        .filter(|d| matches(query, &decl_name(d)))
        .map(|d| {
            let span = index::absolute(db, file, d.name.span);
            let (start, end) = (span.start as usize, span.end as usize);
            (decl_name(d), kind_of(d.kind), start, end)
        })
        .collect()
}
