//! User sites: which of the lab's lines a diagnostic raised inside a definition points at.
//!
//! A mistake found while the stdlib evaluates a template or operator for a component is
//! almost always in what the lab gave it, so the primary label goes to the lab's line:
//! the argument or setting whose value the failing expression read, else the
//! component's declaration (or the outermost `include`); the definition's line stays as
//! a secondary label. Values carry no spans; instead each bound name carries an
//! `Origin` (in `Scopes`), reading a name notes its origin in `Evaluator::reads`, and
//! `eval` keeps what each expression read on its own. All of it is `Copy` data in
//! fields that already exist per frame, so the hot path allocates nothing for it.

use super::{Evaluator, FrameOrigins, Move, Origin, WHILE_EVALUATING};
use crate::db::{Db, SourceFile};
use crate::diag::Label;
use crate::syntax::ast::Span;

/// Whether `file` is part of the embedded stdlib (`std/<module>.lab`).
fn is_stdlib(db: &dyn Db, file: SourceFile) -> bool {
    file.path(db).starts_with("std/")
}

impl From<Option<Origin>> for FrameOrigins {
    /// The origins of a frame whose every name comes from `origin` (a `for` variable).
    fn from(origin: Option<Origin>) -> Self {
        origin.map_or(FrameOrigins::None, FrameOrigins::All)
    }
}

impl Evaluator<'_> {
    /// Run `f`, returning what it read too; what it read also counts as read by the
    /// enclosing expression.
    pub fn reading<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Option<Origin>) {
        let outer = self.reads.take();
        let v = f(self);
        let inner = self.reads;
        self.reads = outer.or(inner);
        (v, inner)
    }

    /// Forget what was read: a new statement starts, and what earlier ones read is not
    /// what a mistake in it is about.
    pub fn clear_reads(&mut self) {
        self.reads = None;
    }

    /// Reading a name whose value came from `origin`: the first such read of an
    /// expression is what its errors point at.
    pub(super) fn note_read(&mut self, origin: Option<Origin>) {
        if self.reads.is_none() {
            self.reads = origin;
        }
    }

    /// The origin of an argument `key = value` (the whole item at `span`) evaluated in
    /// the current file: the item itself in a lab file, else what its value read
    /// (`reads`), as the stdlib only passes on what the lab gave.
    pub fn argument_origin(&self, span: Span, key: Span, reads: Option<Origin>) -> Option<Origin> {
        if is_stdlib(self.db, self.file) {
            reads
        } else {
            Some(Origin {
                file: self.file,
                span,
                key,
            })
        }
    }

    /// Where a diagnostic at the current file should point instead, with the key of the
    /// argument when it is one: the origin of what was read (inside the stdlib, or for a
    /// check on a value, `value_check`), else, inside the stdlib, the site that asked for
    /// the definition. `None`: the current line is the lab's own.
    fn target(
        &self,
        reads: Option<Origin>,
        value_check: bool,
    ) -> Option<(SourceFile, Span, Option<Span>)> {
        let in_std = is_stdlib(self.db, self.file);
        if let Some(o) = reads {
            if in_std || value_check {
                return Some((o.file, o.span, Some(o.key)));
            }
        }
        if !in_std {
            return None;
        }
        let (file, span) = self.site?;
        (!is_stdlib(self.db, file)).then_some((file, span, None))
    }

    /// The lab's line for a value checked later (a capability, an address), from what
    /// the expression being evaluated has read: `None` when the current line is it.
    pub fn user_site(&self) -> Option<(SourceFile, Span)> {
        self.target(self.reads, true).map(|(f, s, _)| (f, s))
    }

    /// The lab's line for what the current statement makes (a resource): the site that
    /// asked for the definition, when the statement is in the stdlib.
    pub fn declaration_site(&self) -> Option<(SourceFile, Span)> {
        self.target(None, false).map(|(f, s, _)| (f, s))
    }

    /// Note that the diagnostic just pushed moves to the lab's line (see `target`).
    pub(super) fn move_to_user_site(&mut self, reads: Option<Origin>, value_check: bool) {
        if let Some((file, span, key)) = self.target(reads, value_check) {
            self.moves.push(Move {
                diag: self.diags.len() - 1,
                file,
                span,
                key,
            });
        }
    }

    /// Move the diagnostics noted by `move_to_user_site` (once the evaluation ends, when
    /// their own labels are written): the primary label goes to the lab's line, the
    /// definition's line becomes the first secondary label, and the "while evaluating
    /// this" label in that file goes (the new primary label says it).
    pub fn place_at_user_sites(&mut self) {
        for m in std::mem::take(&mut self.moves) {
            let message = match m.key {
                Some(key) => {
                    let text = m.file.text(self.db);
                    let key = crate::sema::index::absolute(self.db, m.file, key);
                    let name = text.get(key.range()).unwrap_or_default();
                    format!("`{name}` is set here")
                }
                None => WHILE_EVALUATING.to_string(),
            };
            let Some(d) = self.diags.get_mut(m.diag) else {
                continue;
            };
            let primary = Label {
                file: m.file,
                span: m.span,
                message,
            };
            let mut own = std::mem::replace(&mut d.primary, primary);
            if own.message.is_empty() {
                own.message = "reported here".into();
            }
            d.secondary
                .retain(|l| !(l.message == WHILE_EVALUATING && l.file == m.file));
            d.secondary.insert(0, own);
        }
    }
}
