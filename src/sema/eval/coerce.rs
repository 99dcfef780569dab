//! Types: written types resolved to `Ty`, and values checked against them (`coerce`),
//! which also interprets untyped literals (`2Gi`, `"10.0.0.1"`) by the type expected.

use indexmap::IndexMap;

use super::{secrets, value, CapabilityUse, Evaluator, Ty, Value};
use crate::diag::codes;
use crate::diag::unknown_name_help;
use crate::literal::{self, Millicores, NameRule};
use crate::sema::index::{self, ItemRef};
use crate::syntax::ast::*;

impl Evaluator<'_> {
    /// Resolve a written type in the current module.
    pub fn resolve_type(&mut self, t: &TypeExpr) -> Ty {
        match t {
            TypeExpr::List(inner, _) => Ty::List(Box::new(self.resolve_type(inner))),
            TypeExpr::Map(inner, _) => Ty::Map(Box::new(self.resolve_type(inner))),
            TypeExpr::Optional(inner, _) => Ty::Optional(Box::new(self.resolve_type(inner))),
            TypeExpr::Named(id) => self.named_type(id),
        }
    }

    /// A type written by name: a builtin, a record type, an operator or template (a
    /// component of it), or a capability kind. `Any` after an error.
    fn named_type(&mut self, id: &Ident) -> Ty {
        if let Some(b) = Ty::builtin(&id.text) {
            return b;
        }
        if let Some(def) = self.definition(&self.module, &id.text) {
            if def.kind != DeclKind::Type && self.index.capability_kinds.contains(&id.text) {
                let def = def.clone();
                self.report_ambiguous_type(id, &def);
                return Ty::Any;
            }
            return match def.kind {
                DeclKind::Type => Ty::Record(id.text.clone()),
                _ => Ty::Component(id.text.clone()),
            };
        }
        if self.index.capability_kinds.contains(&id.text) {
            return Ty::Capability(id.text.clone());
        }
        self.report_unknown_type(id);
        Ty::Any
    }

    /// E0210: a type name that is both a declaration `def` and a capability kind.
    fn report_ambiguous_type(&mut self, id: &Ident, def: &ItemRef) {
        // `gateway: gateway` could mean "a component of the template
        // `gateway`" or "a value some component `provides gateway`".
        let (def_file, def_span, kind) = (def.file, def.name_span, def.kind.keyword());
        let d = self
            .error(
                codes::E0210,
                id.span,
                format!(
                    "`{}` is both {} {kind} and a capability kind",
                    id.text,
                    if kind == "operator" { "an" } else { "a" },
                ),
            )
            .lbl("ambiguous type");
        d.secondary.push(crate::diag::Label {
            file: def_file,
            span: def_span,
            message: format!("the {kind} `{}`", id.text),
        });
        d.help = Some(format!(
            "rename the {kind}: capability kinds are named by `provides` statements anywhere in the lab"
        ));
    }

    /// E0201 for a type name that is not known in the current module.
    fn report_unknown_type(&mut self, id: &Ident) {
        let mut candidates: Vec<String> = Ty::BUILTIN_NAMES.iter().map(|s| s.to_string()).collect();
        candidates.extend(self.index.capability_kinds.iter().cloned());
        candidates.extend(self.visible_definitions(&self.module));
        let help = unknown_name_help(&id.text, candidates.iter().map(String::as_str), |_| {
            Some("types are builtins (int, quantity, ip, ...), record types, operator or template names, or capability kinds named by a `provides`".into())
        });
        let d = self
            .error(codes::E0201, id.span, format!("unknown type `{}`", id.text))
            .lbl("not a type");
        d.help = help;
        d.add_suggested_fix();
    }

    /// Find a record type's declaration from the current module.
    pub(super) fn record_type(&self, name: &str) -> Option<ItemRef> {
        self.definition(&self.module, name)
            .filter(|d| d.kind == DeclKind::Type)
            .cloned()
    }

    /// E0302 for a literal that does not parse as `what`.
    pub(super) fn literal_error(
        &mut self,
        span: Span,
        what: &str,
        err: literal::LiteralError,
    ) -> Option<Value> {
        let d = self
            .error(codes::E0302, span, err.message)
            .lbl(format!("not a valid {what}"));
        d.help = err.help;
        None
    }

    /// A parsed literal's value, or E0302 (see `literal_error`).
    pub(super) fn parsed(
        &mut self,
        parsed: Result<Value, literal::LiteralError>,
        span: Span,
        what: &str,
    ) -> Option<Value> {
        match parsed {
            Ok(v) => Some(v),
            Err(err) => self.literal_error(span, what, err),
        }
    }

    /// Check `v` against `ty`, interpreting untyped literals. `e` is the expression, for
    /// spans. One step per group of types.
    pub fn coerce(&mut self, v: Value, ty: &Ty, e: &Expr) -> Option<Value> {
        let span = e.span;
        match ty {
            Ty::Any => Some(v),
            Ty::Optional(inner) => match v {
                Value::Null => Some(Value::Null),
                v => self.coerce(v, inner, e),
            },
            Ty::Bool | Ty::Int | Ty::Percent | Ty::Range => self.coerce_exact(v, ty, span),
            Ty::Str => self.coerce_str(v, span),
            Ty::Quantity | Ty::Cpu | Ty::Duration => self.coerce_unit(v, ty, span),
            Ty::Ip | Ty::Cidr | Ty::Version | Ty::Url => self.coerce_text(v, ty, span),
            Ty::Port | Ty::Asn => self.coerce_number(v, ty, span),
            Ty::Name => self.coerce_name(v, e),
            Ty::Secret => self.coerce_secret(v, span),
            Ty::Cron { seconds } => self.coerce_cron(v, *seconds, span),
            Ty::List(_) | Ty::Map(_) | Ty::Record(_) => self.coerce_container(v, ty, e),
            Ty::Capability(kind) => self.coerce_capability(v, ty, kind, span),
            Ty::Component(def) => self.coerce_component(v, ty, def, span),
        }
    }

    /// E0301: `v` is not a `ty`.
    fn mismatch(&mut self, ty: &Ty, v: &Value, span: Span) -> Option<Value> {
        let found = v.type_name();
        let d = self
            .error(codes::E0301, span, format!("expected {ty}, found {found}"))
            .lbl(format!("this is {}", value::with_article(found)));
        d.help = match (ty, v) {
            (Ty::Version, _) => Some("versions are strings: \"1.18.3\"".into()),
            (Ty::Quantity, Value::Int(n)) => Some(format!("give it a unit: `{n}Gi` or `{n}Mi`")),
            (Ty::Secret, _) => Some("secrets are references: secret(\"path/in/store\")".into()),
            _ => None,
        };
        None
    }

    /// `bool`, `int`, `percent`, `range`: only a value of the type itself.
    fn coerce_exact(&mut self, v: Value, ty: &Ty, span: Span) -> Option<Value> {
        match (ty, &v) {
            (Ty::Bool, Value::Bool(_))
            | (Ty::Int, Value::Int(_))
            | (Ty::Percent, Value::Percent(_))
            | (Ty::Range, Value::Range(_)) => Some(v),
            _ => self.mismatch(ty, &v, span),
        }
    }

    /// `string`: a string, or a scalar with a natural text form.
    fn coerce_str(&mut self, v: Value, span: Span) -> Option<Value> {
        match v {
            Value::Str(_) => Some(v),
            Value::Int(_)
            | Value::Ip(_)
            | Value::Cidr(_)
            | Value::Bytes(_)
            | Value::Cpu(_)
            | Value::Duration(_)
            | Value::Version(_)
            | Value::Url(_)
            | Value::Unit(_) => Some(Value::Str(v.scalar_text().unwrap_or_default())),
            v => self.mismatch(&Ty::Str, &v, span),
        }
    }

    /// `quantity`, `cpu`, `duration`: unit literals (`2Gi`, `500m`, `30s`) read by the type.
    fn coerce_unit(&mut self, v: Value, ty: &Ty, span: Span) -> Option<Value> {
        match (ty, v) {
            (Ty::Quantity, v @ Value::Bytes(_))
            | (Ty::Cpu, v @ Value::Cpu(_))
            | (Ty::Duration, v @ Value::Duration(_)) => Some(v),
            (Ty::Quantity, Value::Unit(s) | Value::Decimal(s)) => {
                self.parsed(literal::parse_bytes(&s).map(Value::Bytes), span, "quantity")
            }
            (Ty::Cpu, Value::Int(n)) => Some(Value::Cpu(Millicores(n.saturating_mul(1000)))),
            (Ty::Cpu, Value::Unit(s) | Value::Decimal(s)) => {
                self.parsed(literal::parse_cpu(&s).map(Value::Cpu), span, "CPU quantity")
            }
            (Ty::Duration, Value::Unit(s)) => {
                let parsed = literal::parse_duration(&s).map(Value::Duration);
                self.parsed(parsed, span, "duration")
            }
            (_, v) => self.mismatch(ty, &v, span),
        }
    }

    /// `ip`, `cidr`, `version`, `url`: the value itself, or a string parsed as one.
    fn coerce_text(&mut self, v: Value, ty: &Ty, span: Span) -> Option<Value> {
        match (ty, v) {
            (Ty::Url, Value::Url(ref s) | Value::Str(ref s))
                if secrets::url_password(s).is_some() =>
            {
                self.url_with_password(span, s)
            }
            (Ty::Ip, v @ Value::Ip(_))
            | (Ty::Cidr, v @ Value::Cidr(_))
            | (Ty::Version, v @ Value::Version(_))
            | (Ty::Url, v @ Value::Url(_)) => Some(v),
            (Ty::Ip, Value::Str(s)) => {
                self.parsed(literal::parse_ip(&s).map(Value::Ip), span, "IP address")
            }
            (Ty::Cidr, Value::Str(s)) => {
                self.parsed(literal::parse_cidr(&s).map(Value::Cidr), span, "CIDR")
            }
            (Ty::Version, Value::Str(s)) => {
                let parsed = literal::parse_version(&s).map(Value::Version);
                self.parsed(parsed, span, "version")
            }
            // Keep the text as written: `Url` normalises (adds a trailing `/`).
            (Ty::Url, Value::Str(s)) => {
                let parsed = literal::parse_url(&s).map(|_| Value::Url(s));
                self.parsed(parsed, span, "URL")
            }
            (_, v) => self.mismatch(ty, &v, span),
        }
    }

    /// `port`, `asn`: an int in the type's range.
    fn coerce_number(&mut self, v: Value, ty: &Ty, span: Span) -> Option<Value> {
        match (ty, v) {
            (Ty::Port, Value::Int(n)) => {
                self.parsed(literal::parse_port(n).map(|_| Value::Int(n)), span, "port")
            }
            (Ty::Asn, Value::Int(n)) => {
                self.parsed(literal::parse_asn(n).map(|_| Value::Int(n)), span, "ASN")
            }
            (_, v) => self.mismatch(ty, &v, span),
        }
    }

    /// `name`: a string that is a valid Kubernetes name (E0305).
    fn coerce_name(&mut self, v: Value, e: &Expr) -> Option<Value> {
        let span = e.span;
        let Value::Str(s) = v else {
            return self.mismatch(&Ty::Name, &v, span);
        };
        match literal::check_k8s_name(&s, NameRule::Label) {
            Ok(()) => Some(Value::Str(s)),
            Err(err) => {
                let d = self
                    .error(codes::E0305, span, err.message)
                    .lbl("not a valid Kubernetes name");
                // A fixed spelling helps for a literal; for a computed name the fix
                // is in its parts, so say that instead.
                d.help = if e.as_plain_str().is_some() {
                    err.help
                } else {
                    Some("this name is computed; shorten or fix the values it is made of".into())
                };
                None
            }
        }
    }

    /// `secret`: a reference into a secret store; a string is a plaintext secret (E0304).
    fn coerce_secret(&mut self, v: Value, span: Span) -> Option<Value> {
        match v {
            Value::Secret(_) => Some(v),
            Value::Str(_) => {
                let d = self
                    .error(
                        codes::E0304,
                        span,
                        "a secret must be a reference into a secret store, not a value",
                    )
                    .lbl("plaintext secret");
                d.help = Some(
                    "store the value in the secret store and write secret(\"path/in/store\")"
                        .into(),
                );
                None
            }
            v => self.mismatch(&Ty::Secret, &v, span),
        }
    }

    /// `list<T>`, `map<T>` and record types: every element, entry or field checked.
    fn coerce_container(&mut self, v: Value, ty: &Ty, e: &Expr) -> Option<Value> {
        match (ty, v) {
            (Ty::List(inner), Value::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.coerce(it, inner, e)?);
                }
                Some(Value::List(out))
            }
            (Ty::Map(inner), Value::Record(items)) => {
                let mut out = IndexMap::new();
                for (k, it) in items {
                    out.insert(k, self.coerce(it, inner, e)?);
                }
                Some(Value::Record(out))
            }
            (Ty::Record(name), Value::Record(fields)) => self.check_record(name, fields, e),
            (_, v) => self.mismatch(ty, &v, e.span),
        }
    }

    /// A capability kind: a string, recorded as a use to match against providers.
    fn coerce_capability(&mut self, v: Value, ty: &Ty, kind: &str, span: Span) -> Option<Value> {
        match v {
            Value::Str(s) => {
                self.capability_uses.push(CapabilityUse {
                    kind: kind.to_string(),
                    value: s.clone(),
                    file: self.file,
                    span,
                    user: self.user_site(),
                });
                Some(Value::Str(s))
            }
            v => self.mismatch(ty, &v, span),
        }
    }

    /// An operator or template name `def`: a component instantiating it.
    fn coerce_component(&mut self, v: Value, ty: &Ty, def: &str, span: Span) -> Option<Value> {
        let Value::Component(c) = v else {
            return self.mismatch(ty, &v, span);
        };
        if c.definition.as_deref() != Some(def) {
            // A component whose definition is unknown is reported where it is declared;
            // what it would have been cannot be checked here, so this fails silently.
            if c.broken
                && c.definition
                    .as_deref()
                    .is_some_and(|d| self.index.definition_elsewhere(d).is_none())
            {
                self.cut = true;
                return None;
            }
            let what = match &c.definition {
                Some(d) => format!("a `{d}`"),
                None => "a tenant".to_string(),
            };
            self.error(
                codes::E0301,
                span,
                format!("expected a `{def}` component, `{}` is {what}", c.name),
            )
            .lbl("wrong kind of component");
            return None;
        }
        Some(Value::Component(c))
    }

    /// Check a record literal against a record type: unknown fields, missing fields,
    /// field types, defaults.
    fn check_record(
        &mut self,
        type_name: &str,
        fields: IndexMap<String, Value>,
        e: &Expr,
    ) -> Option<Value> {
        let Some(def) = self.record_type(type_name) else {
            return Some(Value::Record(fields));
        };
        let decl = index::decl(self.db, &def);
        let mut ok = self.report_unknown_fields(type_name, &def, &decl.params, &fields, e);
        let mut out = IndexMap::new();
        let mut fields = fields;
        for f in &decl.params {
            let ty = self.in_file(def.file, |ev| ev.resolve_type(&f.ty));
            match fields.shift_remove(&f.name.text) {
                Some(v) => out.insert(f.name.text.clone(), self.coerce(v, &ty, e)?),
                None => match &f.default {
                    Some(d) => {
                        let v = self.in_file(def.file, |ev| ev.eval(d, &ty))?;
                        out.insert(f.name.text.clone(), v)
                    }
                    None if matches!(ty, Ty::Optional(_)) => {
                        out.insert(f.name.text.clone(), Value::Null)
                    }
                    None => {
                        self.report_missing_field(type_name, &def, f, e);
                        ok = false;
                        None
                    }
                },
            };
        }
        ok.then_some(Value::Record(out))
    }

    /// E0205 for each field of `fields` that the record type `type_name` (declared at
    /// `def` with `params`) does not have; `true` when there is none.
    fn report_unknown_fields(
        &mut self,
        type_name: &str,
        def: &ItemRef,
        params: &[FieldDecl],
        fields: &IndexMap<String, Value>,
        e: &Expr,
    ) -> bool {
        let mut ok = true;
        for (k, _) in fields.iter() {
            if !params.iter().any(|f| &f.name.text == k) {
                let names = params.iter().map(|f| f.name.text.as_str());
                let help = unknown_name_help(k, names, |names| {
                    Some(format!("`{type_name}` has: {}", names.join(", ")))
                });
                let d = self
                    .error(
                        codes::E0205,
                        e.span,
                        format!("`{type_name}` has no field `{k}`"),
                    )
                    .lbl("in this record");
                d.secondary.push(crate::diag::Label {
                    file: def.file,
                    span: def.name_span,
                    message: format!("`{type_name}` is declared here"),
                });
                d.help = help;
                ok = false;
            }
        }
        ok
    }

    /// E0206: the record literal `e` has no value for the field `f` without a default.
    fn report_missing_field(&mut self, type_name: &str, def: &ItemRef, f: &FieldDecl, e: &Expr) {
        let d = self
            .error(
                codes::E0206,
                e.span,
                format!("`{type_name}` needs a value for `{}`", f.name.text),
            )
            .lbl(format!("`{}` is missing", f.name.text));
        d.secondary.push(crate::diag::Label {
            file: def.file,
            span: f.span,
            message: "declared here without a default".into(),
        });
    }
}
