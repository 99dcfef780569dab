//! Cron expressions (E0310): the types `cron` (five fields, minute first, as a
//! Kubernetes CronJob reads it) and `cron6` (six, seconds first, as some operators read
//! theirs), and the check of each field's count and ranges. A cron value is the string
//! as written.

use super::{Evaluator, Ty, Value};
use crate::diag::codes;
use crate::syntax::ast::Span;

/// The descriptors both forms accept instead of fields.
const DESCRIPTORS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field: its name, its range and the names it accepts for values (from `low`).
struct Field {
    name: &'static str,
    low: u32,
    high: u32,
    names: &'static [&'static str],
}

const SECOND: Field = Field {
    name: "second",
    low: 0,
    high: 59,
    names: &[],
};
const FIVE: [Field; 5] = [
    Field {
        name: "minute",
        low: 0,
        high: 59,
        names: &[],
    },
    Field {
        name: "hour",
        low: 0,
        high: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        low: 1,
        high: 31,
        names: &[],
    },
    Field {
        name: "month",
        low: 1,
        high: 12,
        names: MONTHS,
    },
    Field {
        name: "day of week",
        low: 0,
        high: 6,
        names: DAYS,
    },
];

/// What is wrong with a cron expression, and perhaps the help: `None` when it is valid.
/// `seconds`: the consumer reads six fields, seconds first.
pub fn cron_problem(expr: &str, seconds: bool) -> Option<(String, Option<String>)> {
    let text = expr.trim();
    if text.starts_with('@') {
        return (!DESCRIPTORS.contains(&text.to_ascii_lowercase().as_str())).then(|| {
            (
                format!("`{text}` is not a cron descriptor"),
                Some(format!("the descriptors are {}", DESCRIPTORS.join(", "))),
            )
        });
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    if words
        .first()
        .is_some_and(|w| w.starts_with("TZ=") || w.starts_with("CRON_TZ="))
    {
        return Some((
            format!("`{text}` starts with a time zone"),
            Some("write the time zone in its own field (a CronJob's `spec.timeZone`) and only the fields here".into()),
        ));
    }
    let want = if seconds { 6 } else { 5 };
    if words.len() != want {
        return Some(count_problem(text, &words, seconds));
    }
    let fields = std::iter::once(&SECOND)
        .filter(|_| seconds)
        .chain(FIVE.iter());
    for (word, field) in words.iter().zip(fields) {
        if let Some(why) = field_problem(word, field) {
            return Some((
                format!("the {} field `{word}` of `{text}` {why}", field.name),
                Some(format!(
                    "the {} is {} to {}{}",
                    field.name,
                    field.low,
                    field.high,
                    if field.names.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (or {}-{})",
                            field.names[0],
                            field.names[field.names.len() - 1]
                        )
                    }
                )),
            ));
        }
    }
    None
}

/// The message and help for a cron with the wrong number of fields.
fn count_problem(text: &str, words: &[&str], seconds: bool) -> (String, Option<String>) {
    let layout = if seconds {
        "six fields: second minute hour day-of-month month day-of-week"
    } else {
        "five fields: minute hour day-of-month month day-of-week"
    };
    let message = format!(
        "`{text}` has {} fields, this schedule takes {layout}",
        words.len()
    );
    let help = match (words.len(), seconds) {
        (6, false) => Some(format!(
            "this schedule has no seconds: drop the first field, `{}`",
            words[1..].join(" ")
        )),
        (5, true) => Some(format!(
            "this schedule starts with seconds: write `0 {}` for the same times",
            words.join(" ")
        )),
        _ => None,
    };
    (message, help)
}

/// Why one field is wrong: its items are `*`, `?` (the days), `a`, `a-b`, each with an
/// optional `/step`, separated by commas.
fn field_problem(word: &str, field: &Field) -> Option<String> {
    for item in word.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step {
            if !step.parse::<u32>().is_ok_and(|n| n > 0) {
                return Some(format!("has the step `{step}`, not a positive number"));
            }
        }
        let days = field.name.starts_with("day");
        if base == "*" || (base == "?" && days) {
            continue;
        }
        let (low, high) = match base.split_once('-') {
            Some((a, b)) => (a, b),
            None => (base, base),
        };
        let (Some(a), Some(b)) = (value_of(low, field), value_of(high, field)) else {
            return Some(format!("has `{base}`, which is not a {} value", field.name));
        };
        for v in [a, b] {
            if v < field.low || v > field.high {
                return Some(format!("has {v}, outside {} to {}", field.low, field.high));
            }
        }
        if a > b {
            return Some(format!("has the range `{base}`, which runs backwards"));
        }
    }
    None
}

/// A field value: a number, or a month or day name.
fn value_of(text: &str, field: &Field) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return Some(n);
    }
    let upper = text.to_ascii_uppercase();
    field
        .names
        .iter()
        .position(|n| *n == upper)
        .map(|i| field.low + i as u32)
}

impl Evaluator<'_> {
    /// `cron`, `cron6`: a string whose fields `cron_problem` accepts (E0310).
    pub(super) fn coerce_cron(&mut self, v: Value, seconds: bool, span: Span) -> Option<Value> {
        let Value::Str(text) = &v else {
            let found = v.type_name();
            let ty = Ty::Cron { seconds };
            self.error(codes::E0301, span, format!("expected {ty}, found {found}"))
                .lbl(format!("this is {}", super::value::with_article(found)))
                .help = Some("a cron expression is a string: \"0 3 * * *\"".into());
            return None;
        };
        self.check_cron(text, seconds, span).then_some(v)
    }

    /// E0310 at `span` when `text` is no cron expression of the form the consumer reads;
    /// `false` when it was reported.
    pub(crate) fn check_cron(&mut self, text: &str, seconds: bool, span: Span) -> bool {
        let Some((message, help)) = cron_problem(text, seconds) else {
            return true;
        };
        let d = self.error(codes::E0310, span, message).lbl(if seconds {
            "a six-field cron (seconds first)"
        } else {
            "a five-field cron (minute first)"
        });
        d.help = help;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::cron_problem;

    #[test]
    fn counts_and_ranges() {
        for ok in [
            "0 3 * * *",
            "*/15 0-6,22-23 1 JAN-jun mon-fri",
            "@daily",
            "0 0 ? * SUN",
        ] {
            assert_eq!(cron_problem(ok, false), None, "{ok}");
        }
        assert_eq!(cron_problem("0 0 2 * * *", true), None);
        for bad in [
            "0 0 2 * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "5-1 * * * *",
            "*/0 * * * *",
            "x * * * *",
            "@often",
            "* * * *",
        ] {
            assert!(cron_problem(bad, false).is_some(), "{bad}");
        }
        assert!(cron_problem("0 2 * * *", true).is_some());
    }
}
