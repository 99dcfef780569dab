//! A byte range in one source file: what syntax nodes carry and diagnostic labels point at.
//!
//! A span inside a declaration is relative to the declaration's start (its `anchor` is the
//! declaration's index in its file, plus one), so that an edit which shifts the text after
//! it leaves every later declaration's syntax tree equal, and salsa backdates their
//! queries instead of re-running them (issue: position-independent incrementality). Other
//! spans (syntax errors, `use` lines, comments, YAML files) are absolute: anchor 0. A
//! relative span becomes absolute with [`Span::absolute`], given the file's declaration
//! starts; the driver does this once for every diagnostic it returns.

/// A byte range in one source file, absolute or relative to a declaration.
///
/// Ordered by anchor first: within one file, spans of an earlier declaration sort before
/// those of a later one, as absolute offsets would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// 0: absolute in the file; k > 0: relative to the start of the file's declaration
    /// k - 1.
    pub anchor: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// An absolute span.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            anchor: 0,
            start: start as u32,
            end: end as u32,
        }
    }
    /// A span relative to the start of the file's declaration `decl` (its index).
    pub fn in_decl(decl: usize, start: usize, end: usize) -> Span {
        Span {
            anchor: decl as u32 + 1,
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn is_absolute(self) -> bool {
        self.anchor == 0
    }
    /// The byte range in the file of an absolute span. Only absolute spans index text; a
    /// relative one is made absolute first ([`Span::absolute`]).
    pub fn range(self) -> std::ops::Range<usize> {
        debug_assert!(self.is_absolute(), "range() of a relative span {self:?}");
        self.start as usize..self.end as usize
    }
    /// The absolute span, given the start of each declaration of the file. A relative span
    /// whose declaration is unknown (a stale index) stays where its offsets put it.
    pub fn absolute(self, decl_starts: &[u32]) -> Span {
        if self.is_absolute() {
            return self;
        }
        let base = decl_starts
            .get(self.anchor as usize - 1)
            .copied()
            .unwrap_or(0);
        Span {
            anchor: 0,
            start: base.saturating_add(self.start),
            end: base.saturating_add(self.end),
        }
    }
    /// The smallest span covering both (spans of one declaration, or both absolute).
    pub fn to(self, other: Span) -> Span {
        debug_assert_eq!(self.anchor, other.anchor, "spans of two places joined");
        Span {
            anchor: self.anchor,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}
