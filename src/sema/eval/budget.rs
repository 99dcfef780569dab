//! The evaluation budgets: how many expressions a component may evaluate and how much it
//! may build, and each component's share of the lab's budgets (see `VALUE_BUDGET` and
//! `SIZE_BUDGET`).

use super::{
    Evaluator, Value, ENTRY_SIZE, LAB_SIZE_BUDGET, LAB_VALUE_BUDGET, MIN_SIZE_SHARE,
    MIN_VALUE_SHARE, SIZE_BUDGET, VALUE_BUDGET,
};
use crate::db::{Db, Lab};
use crate::diag::codes;
use crate::sema::index;
use crate::syntax::ast::{Expr, ExprKind, Span};

impl Evaluator<'_> {
    /// Limit what this evaluator may build to a component's share of the lab's budget.
    pub fn use_component_share(&mut self) {
        let (size, value) = component_shares(self.db, self.lab);
        self.size_left = size;
        self.size_limit = size;
        self.budget = value;
        self.budget_limit = value;
    }

    /// Whether the budget of this evaluation is spent (E0307 was reported).
    pub fn over_budget(&self) -> bool {
        self.budget == 0 || self.size_left == 0
    }

    /// Spend one evaluation of the budget for the expression at `span`; `false` when
    /// it is spent (E0307 once, then silently).
    pub(super) fn spend(&mut self, span: Span) -> bool {
        if self.over_budget() {
            return false;
        }
        self.budget -= 1;
        if self.budget == 0 {
            let limit = self.budget_limit;
            let d = self
                .error(
                    codes::E0307,
                    span,
                    format!("this component evaluates more than {limit} expressions"),
                )
                .lbl("evaluation stopped here");
            let share = if limit < VALUE_BUDGET {
                format!(" (each component of this lab may evaluate {limit}, its share of {LAB_VALUE_BUDGET} for the whole lab)")
            } else {
                String::new()
            };
            d.help = Some(format!("a `for` inside a `for` multiplies{share}: iterate over shorter lists, or split the component"));
            return false;
        }
        true
    }

    /// Charge `size` (see `SIZE_BUDGET`) for a value built at `span`. Over the budget is
    /// E0307 once; after it every evaluation fails silently, so nothing follows from the
    /// value that was cut.
    pub(super) fn charge(&mut self, size: usize, span: Span) -> bool {
        if self.over_budget() {
            return false;
        }
        if size < self.size_left {
            self.size_left -= size;
            return true;
        }
        self.size_left = 0;
        let limit = self.size_limit;
        let d = self
            .error(
                codes::E0307,
                span,
                format!(
                    "this component builds more than {} of values",
                    human_size(limit)
                ),
            )
            .lbl("this value is too big");
        let share = if limit < SIZE_BUDGET {
            format!(
                "each component of this lab may build {} (its share of {} for the whole lab)",
                human_size(limit),
                human_size(LAB_SIZE_BUDGET)
            )
        } else {
            format!("a component may build {}", human_size(limit))
        };
        d.help = Some(format!("{share}: string bytes, plus {ENTRY_SIZE} per list element or record entry, counting copies; a value that doubles at each step (`x + x`, `xs + xs`, `\"${{a}}${{a}}\"`) outgrows any limit: build it once"));
        false
    }

    /// Charge what evaluating `e` built: a copy of a variable, field or element costs its
    /// whole size; a value built from parts costs its own entries and bytes (the parts
    /// were charged when they were evaluated).
    pub(super) fn charge_result(&mut self, v: &Value, e: &Expr) -> bool {
        let (size, span) = match &e.kind {
            ExprKind::Var(_) | ExprKind::ViaMesh(_) | ExprKind::Field(..) | ExprKind::Index(..) => {
                let span = match self.building {
                    Some((file, span)) if file == self.file => span,
                    _ => e.span,
                };
                (deep_size(v, self.size_left), span)
            }
            ExprKind::If { .. } => (0, e.span),
            _ => (shallow_size(v), e.span),
        };
        self.charge(size, span)
    }
}

/// The size of `v` for the budget without its parts: a string's bytes, or `ENTRY_SIZE`
/// per element or entry (plus the keys' bytes).
fn shallow_size(v: &Value) -> usize {
    match v {
        Value::Str(s) | Value::Unit(s) | Value::Decimal(s) | Value::Url(s) | Value::Secret(s) => {
            s.len()
        }
        Value::List(items) => items.len() * ENTRY_SIZE,
        Value::Record(fields) => fields.keys().map(|k| k.len() + ENTRY_SIZE).sum(),
        _ => 0,
    }
}

/// The size of `v` with everything in it, or some number over `limit` (the walk stops
/// there, so measuring costs no more than what is charged).
fn deep_size(v: &Value, limit: usize) -> usize {
    let mut total = shallow_size(v);
    let children: Box<dyn Iterator<Item = &Value>> = match v {
        Value::List(items) => Box::new(items.iter()),
        Value::Record(fields) => Box::new(fields.values()),
        _ => return total,
    };
    for c in children {
        if total > limit {
            break;
        }
        total += deep_size(c, limit - total);
    }
    total
}

/// `32 MiB`, `1 MiB`, `512 KiB`.
fn human_size(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// The number of (component, cluster) evaluations of the lab, which share the lab's
/// budgets.
#[salsa::tracked]
pub fn component_evaluations(db: &dyn Db, lab: Lab) -> usize {
    index::item_index(db, lab)
        .components
        .iter()
        .map(|c| c.on.len())
        .sum()
}

/// A component evaluation's (size, value) shares of the lab's budgets. Every evaluation
/// reads this, not `component_evaluations`: the count changes with every tenant added or
/// removed, but from 400 evaluations on both shares are at their minimum, so this
/// compares equal and salsa backdates it (no other component is evaluated again).
#[salsa::tracked(returns(copy))]
pub fn component_shares(db: &dyn Db, lab: Lab) -> (usize, usize) {
    let evaluations = *component_evaluations(db, lab);
    (
        component_size_share(evaluations),
        component_value_share(evaluations),
    )
}

/// A component evaluation's share of `LAB_SIZE_BUDGET`, within
/// `MIN_SIZE_SHARE..=SIZE_BUDGET`.
pub fn component_size_share(evaluations: usize) -> usize {
    (LAB_SIZE_BUDGET / evaluations.max(1)).clamp(MIN_SIZE_SHARE, SIZE_BUDGET)
}

/// A component evaluation's share of `LAB_VALUE_BUDGET`, within
/// `MIN_VALUE_SHARE..=VALUE_BUDGET`.
pub fn component_value_share(evaluations: usize) -> usize {
    (LAB_VALUE_BUDGET / evaluations.max(1)).clamp(MIN_VALUE_SHARE, VALUE_BUDGET)
}
