//! The owned syntax tree of one `.lab` file, with byte spans, produced by the parser.
//!
//! The tree is plain data (`Clone + Eq + Hash`) so salsa can compare a re-parsed file
//! with the previous one and backdate every query whose input did not change.

use std::fmt;

pub use crate::diag::Span;

/// An identifier with the place it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Everything one file declares, in source order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileAst {
    pub uses: Vec<Use>,
    pub decls: Vec<Decl>,
    /// Where each declaration starts in the file: the base of its relative spans
    /// (`Span::absolute`). Kept apart from `decls`, so that a declaration moved by an
    /// edit above it is still equal to itself.
    pub decl_starts: Vec<u32>,
}

/// `use std.example`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Use {
    pub path: Ident,
}

/// The kind of a top-level declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    Lab,
    Cluster,
    Pool,
    Type,
    Operator,
    Template,
    Install,
    Instance,
    Tenant,
    /// `namespace media on apps { labels = { ... } }`: a namespace the lab creates.
    Namespace,
    /// `pins { definition = oci(...) }`: the lab's chart versions (no name of its own).
    Pins,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Lab => "lab",
            DeclKind::Cluster => "cluster",
            DeclKind::Pool => "pool",
            DeclKind::Type => "type",
            DeclKind::Operator => "operator",
            DeclKind::Template => "template",
            DeclKind::Install => "install",
            DeclKind::Instance => "instance",
            DeclKind::Tenant => "tenant",
            DeclKind::Namespace => "namespace",
            DeclKind::Pins => "pins",
        }
    }
    /// Definitions are module-scoped and need a `use` from other modules; the other
    /// declarations are the lab itself and are visible everywhere.
    pub fn is_definition(self) -> bool {
        matches!(
            self,
            DeclKind::Type | DeclKind::Operator | DeclKind::Template
        )
    }
    /// Declarations that become a component (a Flux Kustomization) on a cluster.
    pub fn is_component(self) -> bool {
        matches!(
            self,
            DeclKind::Install | DeclKind::Instance | DeclKind::Tenant
        )
    }
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decl {
    pub kind: DeclKind,
    /// The declared name (for `install`, the `as` name or the operator's name).
    pub name: Ident,
    /// `install X`, `instance n = X`: the definition that is instantiated.
    pub definition: Option<Ident>,
    /// `on infra, apps`
    pub on: Vec<Ident>,
    /// Template parameters (`template t(a: int = 1)`) and record-type fields.
    pub params: Vec<FieldDecl>,
    pub body: Vec<Stmt>,
    /// The whole declaration.
    pub span: Span,
}

impl Decl {
    /// The fields of an operator's `settings` blocks, in order.
    pub fn settings(&self) -> impl Iterator<Item = &FieldDecl> {
        self.body
            .iter()
            .filter_map(|s| match s {
                Stmt::Settings { fields, .. } => Some(fields.iter()),
                _ => None,
            })
            .flatten()
    }
}

/// `name: type = default`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// A written type: `int`, `list<Node>`, `storage_class?`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeExpr {
    Named(Ident),
    List(Box<TypeExpr>, Span),
    Map(Box<TypeExpr>, Span),
    Optional(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::List(_, s) | TypeExpr::Map(_, s) | TypeExpr::Optional(_, s) => *s,
        }
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Named(i) => write!(f, "{}", i.text),
            TypeExpr::List(t, _) => write!(f, "list<{t}>"),
            TypeExpr::Map(t, _) => write!(f, "map<{t}>"),
            TypeExpr::Optional(t, _) => write!(f, "{t}?"),
        }
    }
}

/// A key path on the left of `=`: `spec.storage.size`, `"example.io/lb-ips"`.
pub type KeyPath = Vec<Ident>;

/// A statement in a declaration body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stmt {
    /// `key.path = expr` (also `key { ... }`, which is `key = { ... }`).
    Assign {
        path: KeyPath,
        value: Expr,
        span: Span,
    },
    /// `settings { replicas: int = 2 }`
    Settings { fields: Vec<FieldDecl>, span: Span },
    /// `crds "group/version" { Kind, cluster Kind } schema "crds/x.yaml"`
    Crds {
        api_version: Expr,
        kinds: Vec<CrdKind>,
        /// Where the kinds' schemas come from: a lab file (`.json`, `.yaml`, `.yml`) or a
        /// name of the embedded schema library.
        schema: Option<Expr>,
        span: Span,
    },
    /// `provides storage_class "local-nvme"`
    Provides {
        capability: Ident,
        value: Expr,
        span: Span,
    },
    /// `capacity connections = 200`
    Capacity {
        kind: Ident,
        amount: Expr,
        span: Span,
    },
    /// `consumes connections of server = 60`
    Consumes {
        kind: Ident,
        provider: Expr,
        amount: Expr,
        span: Span,
    },
    /// `require cond, "message"`: a check written in the language.
    Require {
        cond: Expr,
        message: Expr,
        span: Span,
    },
    /// `resource "api/version" Kind name [in namespace] { body }`
    Resource(Box<ResourceStmt>),
    /// `manifest "files/dashboard.yaml"`: a hand-written YAML file's documents.
    Manifest { path: Expr, span: Span },
    /// `patch ["api/version"] Kind name { body }`: merged into an emitted object.
    Patch(Box<PatchStmt>),
    /// `once`: the operator or template is placed at most once in the whole lab.
    Once { span: Span },
    /// `include template { args }`
    Include {
        template: Ident,
        args: Vec<RecordItem>,
        span: Span,
    },
    /// `for x in list { stmts }`
    For {
        var: Ident,
        iter: Expr,
        body: Vec<Stmt>,
        span: Span,
    },
    /// `if cond { stmts } else { stmts }`
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
        span: Span,
    },
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Assign { span, .. }
            | Stmt::Settings { span, .. }
            | Stmt::Crds { span, .. }
            | Stmt::Provides { span, .. }
            | Stmt::Capacity { span, .. }
            | Stmt::Consumes { span, .. }
            | Stmt::Require { span, .. }
            | Stmt::Manifest { span, .. }
            | Stmt::Once { span }
            | Stmt::Include { span, .. }
            | Stmt::For { span, .. }
            | Stmt::If { span, .. } => *span,
            Stmt::Resource(r) => r.span,
            Stmt::Patch(p) => p.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrdKind {
    pub kind: Ident,
    pub cluster_scoped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceStmt {
    pub api_version: Expr,
    pub kind: Ident,
    pub name: Expr,
    pub namespace: Option<Expr>,
    pub body: Vec<RecordItem>,
    pub span: Span,
}

/// `patch ["api/version"] Kind name { body }`: a change to one object the component's
/// definition emits, found by kind and name (and API version when given).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PatchStmt {
    pub api_version: Option<Expr>,
    pub kind: Ident,
    pub name: Expr,
    pub body: Vec<RecordItem>,
    pub span: Span,
}

/// One entry of a record literal or an open value tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RecordItem {
    Field {
        path: KeyPath,
        value: Expr,
        span: Span,
    },
    For {
        var: Ident,
        iter: Expr,
        body: Vec<RecordItem>,
        span: Span,
    },
    If {
        cond: Expr,
        then: Vec<RecordItem>,
        otherwise: Vec<RecordItem>,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Range,
    Or,
    And,
    Eq,
    Ne,
    Le,
    Ge,
    Lt,
    Gt,
    Add,
    Sub,
    Mul,
    Div,
    Of,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Range => "..",
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Of => "of",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    Neg,
}

/// A piece of a string literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StrPart {
    Text(String),
    Interp(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Bool(bool),
    Null,
    Int(i64),
    /// A decimal as written (`1.5`); its meaning depends on the expected type.
    Decimal(String),
    /// A number with a unit as written (`2Gi`, `500m`, `10m`).
    Unit(String),
    /// `90%`, in basis points.
    Percent(String),
    Ip(String),
    Cidr(String),
    Str(Vec<StrPart>),
    Var(Ident),
    Field(Box<Expr>, Ident),
    /// `base[index]`: a list element (negative counts from the end) or a record field.
    Index(Box<Expr>, Box<Expr>),
    Call {
        func: Ident,
        args: Vec<Arg>,
    },
    List(Vec<Expr>),
    ListComp {
        var: Ident,
        iter: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    Record {
        type_name: Option<Ident>,
        items: Vec<RecordItem>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    /// `shared-postgres via mesh`
    ViaMesh(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

impl Expr {
    /// The record `{ rest = value }` that `key.rest = value` sets (`rest` a path of one or
    /// more names), so that a dotted assignment is checked as the record it stands for.
    pub fn record_of_path(rest: &[Ident], value: &Expr, span: Span) -> Expr {
        Expr {
            span,
            kind: ExprKind::Record {
                type_name: None,
                items: vec![RecordItem::Field {
                    path: rest.to_vec(),
                    value: value.clone(),
                    span,
                }],
            },
        }
    }

    /// The string's text when it is a literal without interpolation.
    pub fn as_plain_str(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => out.push_str(t),
                        StrPart::Interp(_) => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}
