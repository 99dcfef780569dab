//! Operators: `!` and `-`, `&&` and `||`, address ranges (`a..b`), and typed arithmetic
//! and comparison on values with units.

use super::{Evaluator, Ty, Value, ENTRY_SIZE};
use crate::diag::codes;
use crate::literal::{self, AddrRange, Millicores};
use crate::syntax::ast::{BinOp, Expr, Span, UnOp};

impl Evaluator<'_> {
    /// `!x` and `-n`.
    pub(super) fn unary(&mut self, op: UnOp, inner: &Expr) -> Option<Value> {
        let v = self.eval(inner, &Ty::Any)?;
        match (op, v) {
            (UnOp::Not, Value::Bool(b)) => Some(Value::Bool(!b)),
            (UnOp::Neg, Value::Int(n)) => Some(Value::Int(-n)),
            (op, v) => {
                let sym = if op == UnOp::Not { "!" } else { "-" };
                self.error(
                    codes::E0301,
                    inner.span,
                    format!("`{sym}` cannot be applied to a {}", v.type_name()),
                );
                None
            }
        }
    }

    /// `l op r`: logic and ranges have their own steps; the others evaluate both sides,
    /// interpret unit literals by each other and compute (`arith`).
    pub(super) fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Option<Value> {
        match op {
            BinOp::And | BinOp::Or => return self.logic(op, l, r),
            BinOp::Range => return self.address_range(l, r, span),
            _ => {}
        }
        let a = self.eval(l, &Ty::Any)?;
        let b = self.eval(r, &Ty::Any)?;
        // Refuse a concatenation over the budget before building it.
        if op == BinOp::Add {
            let size = match (&a, &b) {
                (Value::Str(x), Value::Str(y)) => x.len() + y.len(),
                (Value::List(x), Value::List(y)) => (x.len() + y.len()) * ENTRY_SIZE,
                _ => 0,
            };
            if size >= self.size_left {
                self.charge(size, span);
                return None;
            }
        }
        let (a, b) = self.unify_units(a, b);
        match arith(op, &a, &b) {
            Ok(v) => Some(v),
            Err(ArithError::Mismatch) => {
                self.report_operand_mismatch(op, (&a, l), (&b, r), span);
                None
            }
            Err(ArithError::Arith(msg)) => {
                self.error(codes::E0306, span, msg)
                    .lbl("cannot be computed");
                None
            }
        }
    }

    /// `l && r`, `l || r`: short-circuit, so `x != null && x.y` works.
    fn logic(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Option<Value> {
        let a = self.eval(l, &Ty::Bool)?;
        match (op, &a) {
            (BinOp::And, Value::Bool(false)) => return Some(a),
            (BinOp::Or, Value::Bool(true)) => return Some(a),
            _ => {}
        }
        self.eval(r, &Ty::Bool)
    }

    /// `a..b`: the addresses from `a` to `b`.
    fn address_range(&mut self, l: &Expr, r: &Expr, span: Span) -> Option<Value> {
        let a = self.eval(l, &Ty::Ip)?;
        let b = self.eval(r, &Ty::Ip)?;
        let (Value::Ip(a), Value::Ip(b)) = (a, b) else {
            return None;
        };
        match AddrRange::new(a, b) {
            Ok(range) => Some(Value::Range(range)),
            Err(err) => self.literal_error(span, "address range", err),
        }
    }

    /// E0303: `op` cannot combine the values `a` (of `l`) and `b` (of `r`).
    fn report_operand_mismatch(
        &mut self,
        op: BinOp,
        (a, l): (&Value, &Expr),
        (b, r): (&Value, &Expr),
        span: Span,
    ) {
        let file = self.file;
        let d = self
            .error(
                codes::E0303,
                span,
                format!(
                    "`{}` cannot combine {} and {}",
                    op.symbol(),
                    a.describe(),
                    b.describe()
                ),
            )
            .lbl("units do not match");
        d.secondary.push(crate::diag::Label {
            file,
            span: l.span,
            message: format!("this is {}", a.describe()),
        });
        d.secondary.push(crate::diag::Label {
            file,
            span: r.span,
            message: format!("this is {}", b.describe()),
        });
        if matches!(op, BinOp::Of) {
            d.help = Some("`of` takes a percentage on the left: `90% of limit`".into());
        } else if let Some(u) = [a, b].into_iter().find(|v| matches!(v, Value::Unit(_))) {
            d.help = Some(format!(
                "`{}` has no unit of its own here: use it where a `quantity`, `cpu` or `duration` is expected (a typed parameter or setting)",
                u.scalar_text().unwrap_or_default()
            ));
        }
    }

    /// Interpret untyped unit literals by the other operand's unit.
    fn unify_units(&mut self, a: Value, b: Value) -> (Value, Value) {
        fn interpret(v: Value, like: &Value) -> Value {
            let text = match &v {
                Value::Unit(s) | Value::Decimal(s) => s.clone(),
                _ => return v,
            };
            let parsed = match like {
                Value::Cpu(_) => literal::parse_cpu(&text).ok().map(Value::Cpu),
                Value::Duration(_) => literal::parse_duration(&text).ok().map(Value::Duration),
                Value::Bytes(_) => literal::parse_bytes(&text).ok().map(Value::Bytes),
                // No typed partner: only unambiguous units are interpreted. `250m` could
                // be CPU or minutes, so it stays uninterpreted (arithmetic on it then fails
                // with a hint) rather than silently meaning one of them.
                _ => literal::parse_bytes(&text)
                    .ok()
                    .map(Value::Bytes)
                    .or_else(|| {
                        if literal::parse_cpu(&text).is_ok() {
                            None
                        } else {
                            literal::parse_duration(&text).ok().map(Value::Duration)
                        }
                    }),
            };
            parsed.unwrap_or(v)
        }
        let a2 = interpret(a, &b);
        let b2 = interpret(b, &a2);
        (a2, b2)
    }
}

/// Why `arith` has no result: the operands do not combine, or the result cannot be
/// computed (overflow, division by zero).
enum ArithError {
    Mismatch,
    Arith(String),
}

/// An overflow as `ArithError::Arith`.
fn checked<T>(v: Option<T>) -> Result<T, ArithError> {
    v.ok_or_else(|| ArithError::Arith("arithmetic overflow".into()))
}

/// `ip + n`: the address `n` further on (`n` may be negative), in the same family.
fn offset_ip(ip: std::net::IpAddr, n: i64) -> Result<std::net::IpAddr, ArithError> {
    use std::net::IpAddr;
    let out_of_range = || ArithError::Arith(format!("{ip} + {n} is not an address"));
    Ok(match ip {
        IpAddr::V4(v4) => {
            let moved = i64::from(u32::from(v4)) + n;
            IpAddr::V4(u32::try_from(moved).map_err(|_| out_of_range())?.into())
        }
        IpAddr::V6(v6) => {
            let moved = i128::try_from(u128::from(v6))
                .ok()
                .and_then(|x| x.checked_add(i128::from(n)))
                .and_then(|x| u128::try_from(x).ok())
                .ok_or_else(out_of_range)?;
            IpAddr::V6(moved.into())
        }
    })
}

/// Typed arithmetic and comparison.
fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Value, ArithError> {
    // Comparisons first: equality works on any two values of one type.
    match op {
        BinOp::Eq => Ok(Value::Bool(a == b)),
        BinOp::Ne => Ok(Value::Bool(a != b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, a, b),
        _ => compute(op, a, b),
    }
}

/// `<`, `<=`, `>`, `>=` on two ordered values of one type.
fn compare(op: BinOp, a: &Value, b: &Value) -> Result<Value, ArithError> {
    use Value::*;
    let ord = match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Cpu(x), Cpu(y)) => x.cmp(y),
        (Duration(x), Duration(y)) => x.cmp(y),
        (Percent(x), Percent(y)) => x.cmp(y),
        (Ip(x), Ip(y)) => x.cmp(y),
        (Str(x), Str(y)) => x.cmp(y),
        (Version(x), Version(y)) => x.semver.cmp(&y.semver),
        _ => return Err(ArithError::Mismatch),
    };
    use std::cmp::Ordering::*;
    let r = match op {
        BinOp::Lt => ord == Less,
        BinOp::Le => ord != Greater,
        BinOp::Gt => ord == Greater,
        _ => ord != Less,
    };
    Ok(Bool(r))
}

/// `+`, `-`, `*`, `/` and `of` on ints, addresses, strings, lists and unit values.
fn compute(op: BinOp, a: &Value, b: &Value) -> Result<Value, ArithError> {
    use Value::*;
    let div_zero = || ArithError::Arith("division by zero".into());
    let scale = |n: i128, bp: u32| -> i128 { n * bp as i128 / 10_000 };
    Ok(match (op, a, b) {
        (BinOp::Add, Int(x), Int(y)) => Int(checked(x.checked_add(*y))?),
        (BinOp::Sub, Int(x), Int(y)) => Int(checked(x.checked_sub(*y))?),
        (BinOp::Mul, Int(x), Int(y)) => Int(checked(x.checked_mul(*y))?),
        (BinOp::Div, Int(_), Int(0)) => return Err(div_zero()),
        (BinOp::Div, Int(x), Int(y)) => Int(x / y),
        (BinOp::Add, Ip(x), Int(n)) | (BinOp::Add, Int(n), Ip(x)) => Ip(offset_ip(*x, *n)?),
        (BinOp::Sub, Ip(x), Int(n)) => Ip(offset_ip(*x, checked(n.checked_neg())?)?),
        (BinOp::Add, Str(x), Str(y)) => Str(format!("{x}{y}")),
        (BinOp::Add, List(x), List(y)) => List(x.iter().chain(y).cloned().collect()),
        (BinOp::Add, Bytes(x), Bytes(y)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_add(y.0))?))
        }
        (BinOp::Sub, Bytes(x), Bytes(y)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_sub(y.0))?))
        }
        (BinOp::Mul, Bytes(x), Int(n)) | (BinOp::Mul, Int(n), Bytes(x)) => {
            Bytes(crate::literal::Bytes(checked(x.0.checked_mul(*n as i128))?))
        }
        (BinOp::Div, Bytes(_), Int(0)) => return Err(div_zero()),
        (BinOp::Div, Bytes(x), Int(n)) => Bytes(crate::literal::Bytes(x.0 / *n as i128)),
        (BinOp::Mul | BinOp::Of, Percent(p), Bytes(x)) | (BinOp::Mul, Bytes(x), Percent(p)) => {
            Bytes(crate::literal::Bytes(scale(x.0, *p)))
        }
        (BinOp::Add, Cpu(x), Cpu(y)) => Cpu(Millicores(checked(x.0.checked_add(y.0))?)),
        (BinOp::Sub, Cpu(x), Cpu(y)) => Cpu(Millicores(checked(x.0.checked_sub(y.0))?)),
        (BinOp::Mul, Cpu(x), Int(n)) | (BinOp::Mul, Int(n), Cpu(x)) => {
            Cpu(Millicores(checked(x.0.checked_mul(*n))?))
        }
        (BinOp::Mul | BinOp::Of, Percent(p), Cpu(x)) | (BinOp::Mul, Cpu(x), Percent(p)) => {
            Cpu(Millicores(scale(x.0 as i128, *p) as i64))
        }
        (BinOp::Add, Duration(x), Duration(y)) => {
            Duration(crate::literal::Duration(checked(x.0.checked_add(y.0))?))
        }
        (BinOp::Sub, Duration(x), Duration(y)) => {
            Duration(crate::literal::Duration(checked(x.0.checked_sub(y.0))?))
        }
        (BinOp::Mul, Duration(x), Int(n)) | (BinOp::Mul, Int(n), Duration(x)) if *n >= 0 => {
            Duration(crate::literal::Duration(checked(
                x.0.checked_mul(*n as u64),
            )?))
        }
        (BinOp::Mul | BinOp::Of, Percent(p), Int(n)) | (BinOp::Mul, Int(n), Percent(p)) => {
            Int(scale(*n as i128, *p) as i64)
        }
        _ => return Err(ArithError::Mismatch),
    })
}
