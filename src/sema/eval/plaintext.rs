//! The evaluator's side of the plaintext-secret check (E0304): reporting the leaks
//! `secrets` finds at the record item that wrote them, and secrets in literals and URLs.

use super::secrets::{
    attribute, is_config_word, is_credential, is_plaintext_str, leaks, url_password, words, Leak,
    Rule, Writer,
};
use super::{Evaluator, Value};
use crate::db::SourceFile;
use crate::diag::codes;
use crate::diag::Diag;
use crate::syntax::ast::{Expr, ExprKind, Ident, RecordItem, Span};

/// Most plaintext secrets reported per value tree: enough to fix a tree, and a bound on
/// the attribution work when a hostile lab writes thousands.
const MAX_REPORTS: usize = 64;

impl Evaluator<'_> {
    /// Report the plaintext secrets of a finished resource body, which `items` wrote;
    /// `fallback` is what to point at when no item can be singled out.
    pub fn report_leaks(
        &mut self,
        object: Option<(&str, &str)>,
        tree: &Value,
        items: &[RecordItem],
        fallback: Span,
    ) {
        for leak in leaks(object, tree).into_iter().take(MAX_REPORTS) {
            let expr = attribute(items, &leak.path);
            self.report_leak(&leak, expr, fallback);
        }
    }

    /// Remember a `values` statement (`items`, written at `span`) for `report_values_leaks`.
    pub fn values_written(&mut self, items: &[RecordItem], span: Span) {
        self.value_writers.push(Writer {
            file: self.file,
            site: self.site,
            items: items.to_vec(),
            fallback: span,
        });
    }

    /// Report the plaintext secrets of the component's finished Helm values, each at the
    /// last `values` statement that wrote it.
    pub fn report_values_leaks(&mut self, values: &Value) {
        let writers = std::mem::take(&mut self.value_writers);
        for leak in leaks(None, values).into_iter().take(MAX_REPORTS) {
            let found = writers
                .iter()
                .rev()
                .find_map(|w| attribute(&w.items, &leak.path).map(|e| (w, Some(e))));
            let Some((w, expr)) = found.or_else(|| writers.last().map(|w| (w, None))) else {
                continue;
            };
            let saved = (self.file, self.site);
            (self.file, self.site) = (w.file, w.site);
            self.report_leak(&leak, expr, w.fallback);
            (self.file, self.site) = saved;
        }
    }

    fn report_leak(&mut self, leak: &Leak, expr: Option<&Expr>, fallback: Span) {
        let literal = expr.is_some_and(|e| {
            e.as_plain_str().is_some() || matches!(e.kind, ExprKind::Int(_) | ExprKind::Decimal(_))
        });
        let span = expr.map_or(fallback, |e| e.span);
        let std = |f: SourceFile| f.path(self.db).starts_with("std/");
        // Inside the stdlib, the value came from the lab's arguments: point at the
        // instance or include that gave them, and show where the stdlib writes it.
        let mut d = match self.site {
            Some((site_file, site)) if std(self.file) && !std(site_file) => {
                Diag::error(codes::E0304, site_file, site, leak.message())
                    .label("a plaintext value given here reaches a secret position")
                    .secondary(self.file, span, "written into the manifest here")
            }
            _ => {
                let d =
                    Diag::error(codes::E0304, self.file, span, leak.message()).label(if literal {
                        "secret value written in the lab"
                    } else {
                        "this computes a plaintext secret"
                    });
                match self.site {
                    // As `Evaluator::error` does: where the lab asked for this file's code.
                    Some((f, site)) if f != self.file => {
                        d.secondary(f, site, "while evaluating this")
                    }
                    _ => d,
                }
            }
        };
        d.help = Some(leak.help().into());
        d.notes.extend(leak.note());
        self.diags.push(d);
    }
}

impl Evaluator<'_> {
    /// A typed URL (`git`, `oci(...)`, `helm(...)`, a `url` parameter) with a password in
    /// its userinfo: E0304 at the expression.
    pub(crate) fn url_with_password(&mut self, span: Span, url: &str) -> Option<Value> {
        let leak = Leak {
            path: Vec::new(),
            rule: Rule::Url,
            what: url_password(url).unwrap_or_default(),
        };
        let d = self
            .error(codes::E0304, span, leak.message())
            .lbl("password in the URL");
        d.help = Some(leak.help().into());
        None
    }
}

impl Evaluator<'_> {
    /// A literal under a credential-named key of an open record (`items` are its
    /// siblings): a secret written in the lab, which is committed, wherever it goes. The
    /// values that reach a manifest are checked again, computed or not, by `report_leaks`.
    pub(crate) fn check_literal_secret(
        &mut self,
        items: &[RecordItem],
        path: &[Ident],
        value: &Expr,
    ) {
        let Some(last) = path.last() else { return };
        let has_ref = items.iter().any(|it| match it {
            RecordItem::Field { path, .. } => path.first().is_some_and(|k| {
                matches!(
                    words(&k.text).last().map(String::as_str),
                    Some("ref" | "reference")
                )
            }),
            _ => false,
        });
        let literal = match &value.kind {
            ExprKind::Int(_) => true,
            _ => value
                .as_plain_str()
                .is_some_and(|s| is_plaintext_str(&s) && !is_config_word(&s)),
        };
        if literal && is_credential(&last.text, has_ref) {
            let leak = Leak {
                path: Vec::new(),
                rule: Rule::Key,
                what: last.text.clone(),
            };
            let d = self
                .error(codes::E0304, value.span, leak.message())
                .lbl("secret value written in the lab");
            d.help = Some(leak.help().into());
            if let Some(n) = leak.note() {
                d.notes.push(n);
            }
        }
    }
}
