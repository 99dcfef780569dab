//! Go to definition and hover: what the name under the cursor is, found on the syntax tree
//! of its declaration and resolved with the item index (the queries the checker runs, so
//! nothing here is computed twice). The same walker gives every name of a file with what
//! it resolves to (`resolved_names`), which references and rename read.

use crate::db::{module_name, Db, Lab, SourceFile};
use crate::sema::index::{self, item_index, parse, ItemRef};
use crate::syntax::ast::*;
use crate::syntax::trivia::Trivia;

/// A place in a file of the program: a byte range, absolute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: SourceFile,
    pub start: usize,
    pub end: usize,
}

/// What a name under the cursor is.
#[derive(Clone, Debug)]
pub(super) enum Role {
    /// `use std.cilium`
    Module,
    /// The name a declaration declares (`cluster home`).
    DeclName,
    /// A definition named by `install`, `instance`, `include`, a type or a typed record.
    Definition,
    /// A cluster after `on`.
    Cluster,
    /// A key of a component's body or an `include`'s arguments: a setting or parameter of
    /// the definition `of`.
    Setting { of: String },
    /// A name in an expression: a component, cluster or pool, or in a definition's body
    /// one of its own settings or parameters.
    Name,
    /// The name a setting, parameter or record field declares (`replicas: int`).
    FieldDecl,
    /// `x` of `cluster.x` in a declaration placed on `on` (every cluster when empty), or
    /// of `lab.x` (`on` is `None`).
    RecordField { on: Option<Vec<String>> },
}

pub(super) struct Found {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub role: Role,
    /// The index of the declaration it is in (`None` for a `use` line).
    pub decl: Option<usize>,
}

/// Collects every name of a declaration with its role, spans made absolute.
struct Names<'a> {
    db: &'a dyn Db,
    file: SourceFile,
    out: Vec<Found>,
    /// The clusters the declaration being read is placed on.
    on: Vec<String>,
    /// The index of the declaration being read.
    decl: Option<usize>,
}

impl Names<'_> {
    fn add(&mut self, ident: &Ident, role: Role) {
        let span = index::absolute(self.db, self.file, ident.span);
        self.out.push(Found {
            text: ident.text.clone(),
            start: span.start as usize,
            end: span.end as usize,
            role,
            decl: self.decl,
        });
    }

    fn ty(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(i) => self.add(i, Role::Definition),
            TypeExpr::List(t, _) | TypeExpr::Map(t, _) | TypeExpr::Optional(t, _) => self.ty(t),
        }
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        for f in fields {
            self.add(&f.name, Role::FieldDecl);
            self.ty(&f.ty);
            if let Some(d) = &f.default {
                self.expr(d);
            }
        }
    }

    /// Statements; `of` is the definition whose settings the body's keys are (components).
    fn stmts(&mut self, stmts: &[Stmt], of: Option<&str>) {
        for s in stmts {
            match s {
                Stmt::Assign { path, value, .. } => {
                    if let (Some(of), Some(key)) = (of, path.first()) {
                        self.add(key, Role::Setting { of: of.to_string() });
                    }
                    self.expr(value);
                }
                Stmt::Settings { fields, .. } => self.fields(fields),
                Stmt::Crds {
                    api_version,
                    schema,
                    ..
                } => {
                    self.expr(api_version);
                    if let Some(schema) = schema {
                        self.expr(schema);
                    }
                }
                Stmt::Provides { value, .. } => self.expr(value),
                Stmt::Capacity { amount, .. } => self.expr(amount),
                Stmt::Consumes {
                    provider, amount, ..
                } => {
                    self.expr(provider);
                    self.expr(amount);
                }
                Stmt::Require { cond, message, .. } => {
                    self.expr(cond);
                    self.expr(message);
                }
                Stmt::Resource(r) => {
                    self.expr(&r.api_version);
                    self.expr(&r.name);
                    if let Some(n) = &r.namespace {
                        self.expr(n);
                    }
                    self.items(&r.body);
                }
                Stmt::Manifest { path, .. } => self.expr(path),
                Stmt::Patch(p) => {
                    if let Some(a) = &p.api_version {
                        self.expr(a);
                    }
                    self.expr(&p.name);
                    self.items(&p.body);
                }
                Stmt::Once { .. } => {}
                Stmt::Include { template, args, .. } => {
                    self.add(template, Role::Definition);
                    for a in args {
                        if let RecordItem::Field { path, .. } = a {
                            if let Some(key) = path.first() {
                                let of = template.text.clone();
                                self.add(key, Role::Setting { of });
                            }
                        }
                    }
                    self.items(args);
                }
                Stmt::For { iter, body, .. } => {
                    self.expr(iter);
                    self.stmts(body, of);
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cond);
                    self.stmts(then, of);
                    self.stmts(otherwise, of);
                }
            }
        }
    }

    fn items(&mut self, items: &[RecordItem]) {
        for item in items {
            match item {
                RecordItem::Field { value, .. } => self.expr(value),
                RecordItem::For { iter, body, .. } => {
                    self.expr(iter);
                    self.items(body);
                }
                RecordItem::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cond);
                    self.items(then);
                    self.items(otherwise);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Var(i) => self.add(i, Role::Name),
            ExprKind::Field(base, field) => {
                if let ExprKind::Var(v) = &base.kind {
                    let on = match v.text.as_str() {
                        "cluster" => Some(Some(self.on.clone())),
                        "lab" => Some(None),
                        _ => None,
                    };
                    if let Some(on) = on {
                        self.add(field, Role::RecordField { on });
                    }
                }
                self.expr(base)
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Call { args, .. } => {
                for a in args {
                    self.expr(&a.value);
                }
            }
            ExprKind::List(xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::ListComp {
                iter, filter, body, ..
            } => {
                self.expr(iter);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.expr(body);
            }
            ExprKind::Record { type_name, items } => {
                if let Some(t) = type_name {
                    self.add(t, Role::Definition);
                    // `Node { name = ... }`: its keys are the fields of the type.
                    for item in items {
                        if let RecordItem::Field { path, .. } = item {
                            if let Some(key) = path.first() {
                                let of = t.text.clone();
                                self.add(key, Role::Setting { of });
                            }
                        }
                    }
                }
                self.items(items);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
            }
            ExprKind::Unary(_, x) | ExprKind::ViaMesh(x) => self.expr(x),
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Interp(x) = p {
                        self.expr(x);
                    }
                }
            }
            ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Unit(_)
            | ExprKind::Percent(_)
            | ExprKind::Ip(_)
            | ExprKind::Cidr(_) => {}
        }
    }
}

/// Every name of `file` with its role, in the order of the text's declarations; with
/// `near`, only those of the declarations whose range holds that byte.
fn names(db: &dyn Db, file: SourceFile, near: Option<usize>) -> Vec<Found> {
    let ast = parse(db, file);
    let mut names = Names {
        db,
        file,
        out: Vec::new(),
        on: Vec::new(),
        decl: None,
    };
    for u in &ast.uses {
        names.add(&u.path, Role::Module);
    }
    for (i, decl) in ast.decls.iter().enumerate() {
        let span = index::absolute(db, file, decl.span);
        let start = ast.decl_starts.get(i).copied().unwrap_or(span.start) as usize;
        if let Some(at) = near {
            if at < start.min(span.start as usize) || at > span.end as usize {
                continue;
            }
        }
        names.decl = Some(i);
        // The definition first: `install cilium` names both with one identifier, and
        // of two names with one range the first is taken.
        if let Some(d) = &decl.definition {
            names.add(d, Role::Definition);
        }
        names.add(&decl.name, Role::DeclName);
        for c in &decl.on {
            names.add(c, Role::Cluster);
        }
        names.on = decl.on.iter().map(|o| o.text.clone()).collect();
        names.fields(&decl.params);
        let of = match (&decl.definition, decl.kind) {
            (Some(d), DeclKind::Install | DeclKind::Instance) => Some(d.text.clone()),
            _ => None,
        };
        names.stmts(&decl.body, of.as_deref());
    }
    names.out.retain(|f| f.start < f.end);
    names.out
}

/// The name at byte `at` of `file`: the innermost one whose range holds it (its end
/// included, so the cursor just after a name is on it).
pub(super) fn name_at(db: &dyn Db, file: SourceFile, at: usize) -> Option<Found> {
    names(db, file, Some(at))
        .into_iter()
        .filter(|f| f.start <= at && at <= f.end)
        .min_by_key(|f| f.end - f.start)
}

/// Every name of `file` that resolves, with its target.
pub(super) fn resolved_names(db: &dyn Db, lab: Lab, file: SourceFile) -> Vec<(Found, Target)> {
    names(db, file, None)
        .into_iter()
        .filter_map(|f| {
            let target = resolve(db, lab, file, &f)?;
            Some((f, target))
        })
        .collect()
}

pub(super) fn item_place(db: &dyn Db, item: &ItemRef) -> Place {
    let span = index::absolute(db, item.file, item.name_span);
    Place {
        file: item.file,
        start: span.start as usize,
        end: span.end as usize,
    }
}

/// What a found name refers to.
pub(super) enum Target {
    /// The fields `name` of `lab` or of clusters: each declaration with the statement
    /// that sets it.
    RecordField(Vec<(ItemRef, Stmt)>),
    Module(String, SourceFile),
    Item(ItemRef),
    /// A setting or parameter `field` of the definition `of`.
    Field(ItemRef, FieldDecl),
}

pub(super) fn resolve(db: &dyn Db, lab: Lab, file: SourceFile, found: &Found) -> Option<Target> {
    let index = item_index(db, lab);
    let module = module_name(file.path(db));
    let name = found.text.as_str();
    match &found.role {
        Role::Module => lab
            .files(db)
            .iter()
            .find(|f| module_name(f.path(db)) == name)
            .map(|&f| Target::Module(name.to_string(), f)),
        Role::Definition => index.definition(&module, name).cloned().map(Target::Item),
        Role::Cluster => index.clusters.get(name).cloned().map(Target::Item),
        Role::Setting { of } => {
            let def = index.definition(&module, of)?.clone();
            let decl = index::decl(db, &def);
            let field = decl
                .settings()
                .chain(decl.params.iter())
                .find(|f| f.name.text == name)?
                .clone();
            Some(Target::Field(def, field))
        }
        Role::DeclName => {
            let ast = parse(db, file);
            let i = ast.decls.iter().position(|d| {
                index::absolute(db, file, d.name.span).start as usize == found.start
            })?;
            let d = &ast.decls[i];
            Some(Target::Item(ItemRef {
                file,
                index: i as u32,
                kind: d.kind,
                name: d.name.text.clone(),
                name_span: d.name.span,
                module,
                on: d.on.iter().map(|o| o.text.clone()).collect(),
            }))
        }
        Role::RecordField { on } => {
            let records: Vec<&ItemRef> = match on {
                None => index.labs.iter().take(1).collect(),
                Some(on) if on.is_empty() => index.clusters.values().collect(),
                Some(on) => on.iter().filter_map(|c| index.clusters.get(c)).collect(),
            };
            let set: Vec<(ItemRef, Stmt)> = records
                .into_iter()
                .filter_map(|item| {
                    let stmt = index::decl(db, item).body.iter().find(|s| {
                        matches!(s, Stmt::Assign { path, .. }
                            if path.first().is_some_and(|k| k.text == name))
                    })?;
                    Some((item.clone(), stmt.clone()))
                })
                .collect();
            (!set.is_empty()).then_some(Target::RecordField(set))
        }
        Role::FieldDecl => own_field(db, lab, file, found),
        Role::Name => own_field(db, lab, file, found).or_else(|| {
            index
                .components_named(name)
                .next()
                .or_else(|| index.clusters.get(name))
                .or_else(|| index.pools.get(name))
                .cloned()
                .map(Target::Item)
        }),
    }
}

/// A name in a definition's body that is one of its own parameters or settings (`replicas`
/// in `template web(replicas: int)`): the field it reads.
fn own_field(db: &dyn Db, lab: Lab, file: SourceFile, found: &Found) -> Option<Target> {
    let decl = parse(db, file).decls.get(found.decl?)?;
    if !decl.kind.is_definition() {
        return None;
    }
    let field = decl
        .settings()
        .chain(decl.params.iter())
        .find(|f| f.name.text == found.text)?
        .clone();
    let def = item_index(db, lab)
        .definition(&module_name(file.path(db)), &decl.name.text)
        .filter(|d| d.file == file && Some(d.index as usize) == found.decl)?
        .clone();
    Some(Target::Field(def, field))
}

/// Where the name at byte `at` of `file` is defined.
pub fn definition(db: &dyn Db, lab: Lab, file: SourceFile, at: usize) -> Option<Place> {
    let found = name_at(db, file, at)?;
    Some(match resolve(db, lab, file, &found)? {
        Target::Module(_, f) => Place {
            file: f,
            start: 0,
            end: 0,
        },
        Target::Item(item) => item_place(db, &item),
        Target::RecordField(set) => {
            let (item, stmt) = set.first()?;
            let Stmt::Assign { path, .. } = stmt else {
                return None;
            };
            let span = index::absolute(db, item.file, path.first()?.span);
            Place {
                file: item.file,
                start: span.start as usize,
                end: span.end as usize,
            }
        }
        Target::Field(def, field) => {
            let span = index::absolute(db, def.file, field.name.span);
            Place {
                file: def.file,
                start: span.start as usize,
                end: span.end as usize,
            }
        }
    })
}

/// The source text of `span` of `file`, on one line and cut to a readable length.
fn source(db: &dyn Db, file: SourceFile, span: Span) -> String {
    let span = index::absolute(db, file, span);
    let text = file
        .text(db)
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(80).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

fn field_line(db: &dyn Db, file: SourceFile, f: &FieldDecl) -> String {
    match &f.default {
        Some(d) => format!("{}: {} = {}", f.name.text, f.ty, source(db, file, d.span)),
        None => format!("{}: {}", f.name.text, f.ty),
    }
}

/// The doc comment of a field: the comment lines right above it, without their markers.
pub fn doc_comment(db: &dyn Db, file: SourceFile, f: &FieldDecl) -> Option<String> {
    let text = file.text(db);
    let start = index::absolute(db, file, f.span).start as usize;
    let trivia = Trivia::of(text);
    let lines: Vec<&str> = trivia
        .leading(text, start)
        .iter()
        .filter_map(|c| text.get(c.span.range()))
        .map(|c| {
            let c = c.strip_prefix("//").or_else(|| c.strip_prefix('#'));
            c.unwrap_or_default().trim()
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn code_block(lines: &[String]) -> String {
    format!("```lab\n{}\n```", lines.join("\n"))
}

/// A declaration described: its header, what it instantiates and where, and the settings
/// or parameters of a definition, the fields a cluster or pool sets.
fn describe(db: &dyn Db, item: &ItemRef) -> String {
    let decl = index::decl(db, item);
    let mut header = format!("{} {}", decl.kind.keyword(), decl.name.text);
    if let Some(d) = &decl.definition {
        header.push_str(&format!(" = {}", d.text));
    }
    if !decl.on.is_empty() {
        let on: Vec<&str> = decl.on.iter().map(|o| o.text.as_str()).collect();
        header.push_str(&format!(" on {}", on.join(", ")));
    }
    let mut lines = vec![header];
    let fields: Vec<&FieldDecl> = decl.settings().chain(decl.params.iter()).collect();
    for f in fields.iter().take(40) {
        lines.push(format!("  {}", field_line(db, item.file, f)));
    }
    if matches!(
        decl.kind,
        DeclKind::Cluster | DeclKind::Pool | DeclKind::Lab
    ) {
        for s in decl.body.iter().take(40) {
            if let Stmt::Assign { path, value, .. } = s {
                let key: Vec<&str> = path.iter().map(|k| k.text.as_str()).collect();
                let value = source(db, item.file, value.span);
                lines.push(format!("  {} = {value}", key.join(".")));
            }
        }
    }
    format!(
        "{}\n\n{} in `{}` (module `{}`)",
        code_block(&lines),
        what(decl.kind),
        item.file.path(db),
        item.module
    )
}

fn what(kind: DeclKind) -> &'static str {
    match kind {
        DeclKind::Lab => "The lab",
        DeclKind::Cluster => "A cluster",
        DeclKind::Pool => "A pool",
        DeclKind::Type => "A record type",
        DeclKind::Operator => "An operator",
        DeclKind::Template => "A template",
        DeclKind::Install => "A component (an operator installed)",
        DeclKind::Instance => "A component (a template instantiated)",
        DeclKind::Tenant => "A component (a tenant)",
        DeclKind::Namespace => "A namespace declaration",
        DeclKind::Pins => "The lab's chart pins",
    }
}

/// The component an `install` without `as` declares with the identifier `found`, which
/// also names its operator.
fn shared_install(db: &dyn Db, lab: Lab, file: SourceFile, found: &Found) -> Option<ItemRef> {
    let decl = parse(db, file).decls.get(found.decl?)?;
    let def = decl.definition.as_ref()?;
    let shared = decl.kind == DeclKind::Install && def.span == decl.name.span;
    if !(shared && matches!(found.role, Role::Definition)) {
        return None;
    }
    let own = Found {
        role: Role::DeclName,
        text: found.text.clone(),
        ..*found
    };
    match resolve(db, lab, file, &own)? {
        Target::Item(item) => Some(item),
        _ => None,
    }
}

/// What the name at byte `at` of `file` is, as Markdown, and the range of the name.
pub fn hover(db: &dyn Db, lab: Lab, file: SourceFile, at: usize) -> Option<(String, Place)> {
    let found = name_at(db, file, at)?;
    let place = Place {
        file,
        start: found.start,
        end: found.end,
    };
    let text = match resolve(db, lab, file, &found)? {
        Target::Module(name, f) => {
            let ast = parse(db, f);
            let mut lines = vec![format!("use {name}")];
            for d in ast.decls.iter().filter(|d| d.kind.is_definition()).take(40) {
                lines.push(format!("  {} {}", d.kind.keyword(), d.name.text));
            }
            format!("{}\n\nThe module in `{}`", code_block(&lines), f.path(db))
        }
        Target::Item(item) if item.kind.is_component() => {
            describe(db, &item) + &super::emitted::section(db, lab, &item)
        }
        // `install cilium on ...` names the operator and the component at once: both.
        Target::Item(item) => match shared_install(db, lab, file, &found) {
            Some(component) => format!(
                "{}\n\n---\n\n{}{}",
                describe(db, &item),
                describe(db, &component),
                super::emitted::section(db, lab, &component)
            ),
            None => describe(db, &item),
        },
        Target::RecordField(set) => {
            let mut lines = Vec::new();
            for (item, stmt) in set.iter().take(40) {
                if let Stmt::Assign { path, value, .. } = stmt {
                    let key: Vec<&str> = path.iter().map(|k| k.text.as_str()).collect();
                    let value = source(db, item.file, value.span);
                    let what = item.kind.keyword();
                    lines.push(format!("{what} {}: {} = {value}", item.name, key.join(".")));
                }
            }
            code_block(&lines)
        }
        Target::Field(def, field) => {
            let kind = if def.kind == DeclKind::Operator {
                "A setting of the operator"
            } else {
                "A parameter of the"
            };
            let of = if def.kind == DeclKind::Operator {
                String::new()
            } else {
                format!(" {}", def.kind.keyword())
            };
            let doc = doc_comment(db, def.file, &field)
                .map(|d| format!("\n\n{d}"))
                .unwrap_or_default();
            format!(
                "{}\n\n{kind}{of} `{}` (module `{}`){doc}",
                code_block(&[field_line(db, def.file, &field)]),
                def.name,
                def.module
            )
        }
    };
    Some((text, place))
}
