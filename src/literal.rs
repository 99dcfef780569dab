//! Parsers and canonical printers for the typed literals of the .lab language.
//!
//! Each parser takes a literal as written in the source (without quotes) and
//! returns either a typed value or a [`LiteralError`]. The error message says
//! in plain words what is wrong; when an obvious fix exists, `help` offers it.
//! The `Display` impls print the canonical spelling, which parses back to the
//! same value, so generated output is stable no matter how the user wrote it.
//!
//! Nothing here panics: all arithmetic is checked, and odd input (empty,
//! non-ASCII, absurdly large numbers) turns into an error.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why a literal is invalid: a plain-words message and, when a fix is known, a help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralError {
    pub message: String,
    pub help: Option<String>,
}

impl LiteralError {
    fn new(message: impl Into<String>) -> Self {
        LiteralError {
            message: message.into(),
            help: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for LiteralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiteralError {}

/// Builds the common message shape: "`lit` is not a valid KIND: REASON".
/// An empty literal gets its own wording, since "`` is not ..." reads badly.
fn invalid(lit: &str, kind: &str, reason: &str) -> LiteralError {
    if lit.is_empty() {
        LiteralError::new(format!("an empty string is not a valid {kind}"))
    } else {
        LiteralError::new(format!("`{lit}` is not a valid {kind}: {reason}"))
    }
}

fn did_you_mean(fixed: impl fmt::Display) -> String {
    format!("did you mean `{fixed}`?")
}

/// Literals never contain whitespace. Reject it up front so the specific
/// parsers never have to think about it. When removing the whitespace yields a
/// valid literal, offer that (`squeeze`); otherwise only offer the trimmed text
/// (for URLs, silently gluing words together would be a bad suggestion).
fn reject_whitespace<T>(
    s: &str,
    kind: &str,
    squeeze: bool,
    parse: fn(&str) -> Result<T, LiteralError>,
) -> Result<(), LiteralError> {
    if !s.chars().any(char::is_whitespace) {
        return Ok(());
    }
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(invalid(s, kind, "it is blank"));
    }
    let only_outer = !trimmed.chars().any(char::is_whitespace);
    let reason = if only_outer {
        "it has spaces around it"
    } else {
        "it contains a space"
    };
    let err = invalid(s, kind, reason);
    let candidate: String = if only_outer {
        trimmed.to_string()
    } else if squeeze {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        return Err(err);
    };
    if parse(&candidate).is_ok() {
        Err(err.with_help(did_you_mean(candidate)))
    } else {
        Err(err)
    }
}

// ---------------------------------------------------------------------------
// Exact decimal numbers (shared by bytes, CPU, durations and percentages)
// ---------------------------------------------------------------------------

/// A non-negative decimal number as written, kept as integer parts so that
/// scaling it by a unit stays exact (no floating point anywhere).
#[derive(Clone, Copy, Debug)]
struct Decimal {
    whole: u128,
    /// The fraction digits as an integer, trailing zeros removed.
    frac: u128,
    /// How many digits `frac` stands for (`0.25` -> frac 25, 2 digits).
    frac_digits: u32,
}

/// More fraction digits than this are refused. It keeps `frac * unit` within
/// u128 for every unit used here, and no real literal needs more.
const MAX_FRAC_DIGITS: usize = 18;

enum ScaleError {
    /// The result does not fit.
    Overflow,
    /// The result is not a whole number; carries the value rounded down.
    Inexact(u128),
}

impl Decimal {
    /// `self * unit`, exactly.
    fn times(&self, unit: u128) -> Result<u128, ScaleError> {
        let whole = self.whole.checked_mul(unit).ok_or(ScaleError::Overflow)?;
        // frac < 10^18 and every unit here is < 2^64, so this cannot overflow;
        // it is checked anyway so that a future caller cannot make it panic.
        let frac = self.frac.checked_mul(unit).ok_or(ScaleError::Overflow)?;
        let denom = 10u128.pow(self.frac_digits);
        let value = whole
            .checked_add(frac / denom)
            .ok_or(ScaleError::Overflow)?;
        if frac.is_multiple_of(denom) {
            Ok(value)
        } else {
            Err(ScaleError::Inexact(value))
        }
    }
}

/// Splits `s` into its leading run of digits and dots, and the rest (the unit).
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s.split_at(end)
}

fn parse_digits(s: &str) -> Option<u128> {
    s.bytes().try_fold(0u128, |acc, b| {
        acc.checked_mul(10)?
            .checked_add(u128::from(b.wrapping_sub(b'0')))
    })
}

/// Parses digits with at most one `.`; `num` must come from [`split_number`].
/// The error is a reason to put after "is not a valid ...:".
fn parse_decimal(num: &str) -> Result<Decimal, String> {
    if num.is_empty() {
        return Err("it does not start with a number".into());
    }
    let (whole_s, frac_s) = match num.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (num, None),
    };
    if frac_s.is_some_and(|f| f.contains('.')) {
        return Err(format!("the number `{num}` has more than one `.`"));
    }
    if whole_s.is_empty() {
        return Err(format!("write a digit before the `.`, as in `0{num}`"));
    }
    if frac_s == Some("") {
        return Err(format!("write a digit after the `.` in `{num}`"));
    }
    let whole = parse_digits(whole_s).ok_or_else(|| "the number is too large".to_string())?;
    // Trailing zeros add nothing: `1.50` is `1.5`.
    let frac_s = frac_s.unwrap_or("").trim_end_matches('0');
    if frac_s.len() > MAX_FRAC_DIGITS {
        return Err(format!(
            "the number has more than {MAX_FRAC_DIGITS} decimal places"
        ));
    }
    Ok(Decimal {
        whole,
        frac: parse_digits(frac_s).unwrap_or(0),
        // At most 18, so the cast is lossless.
        frac_digits: frac_s.len() as u32,
    })
}

// ---------------------------------------------------------------------------
// Bytes (memory / storage quantities)
// ---------------------------------------------------------------------------

/// Kubernetes resource quantity for memory/storage, exact, in bytes (milli-bytes are rejected).
/// Accepts `512Mi`, `2Gi`, `1.5Gi`, `100M`, `1k`, `1000`, suffixes Ki Mi Gi Ti Pi Ei and k M G T P E.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub i128);

/// Binary suffixes with their power of two, smallest first.
const BINARY_UNITS: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];

/// Decimal suffixes with their power of ten, smallest first.
const DECIMAL_UNITS: [(&str, u32); 6] = [
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

const BYTES_KIND: &str = "memory/storage quantity";

fn bytes_unit(suffix: &str) -> Option<u128> {
    if suffix.is_empty() {
        return Some(1);
    }
    if let Some((_, shift)) = BINARY_UNITS.iter().find(|(u, _)| *u == suffix) {
        return Some(1u128 << shift);
    }
    DECIMAL_UNITS
        .iter()
        .find(|(u, _)| *u == suffix)
        .map(|(_, exp)| 10u128.pow(*exp))
}

/// Explains an unknown suffix, recognising the usual mix-ups (`MB`, `Gb`,
/// `gi`, `K`, the milli suffix `m`) so the help can name the right unit.
fn unknown_bytes_unit(s: &str, num: &str, suffix: &str) -> LiteralError {
    let any_unit =
        "use Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) or k, M, G, T, P, E (powers of 1000)";
    if suffix == "m" {
        return invalid(
            s,
            BYTES_KIND,
            "`m` means milli (1/1000), and a fraction of a byte makes no sense",
        )
        .with_help(format!(
            "did you mean `{num}Mi` (mebibytes) or `{num}M` (megabytes)?"
        ));
    }
    if suffix == "K" {
        return invalid(s, BYTES_KIND, "the kilo suffix is a lowercase `k`")
            .with_help(format!("did you mean `{num}Ki` or `{num}k`?"));
    }
    if suffix == "b" || suffix == "B" {
        return invalid(
            s,
            BYTES_KIND,
            "quantities are in bytes already, without a unit",
        )
        .with_help(did_you_mean(num));
    }
    if suffix.starts_with(['e', 'E'])
        && suffix.len() > 1
        && suffix[1..].bytes().all(|b| b.is_ascii_digit())
    {
        return invalid(s, BYTES_KIND, "exponent notation is not supported").with_help(any_unit);
    }
    // `GiB`, `gib`, `gi`, `GI`: a binary unit with the wrong case or a trailing B.
    let stem = suffix.strip_suffix(['B', 'b']).unwrap_or(suffix);
    if let Some((unit, _)) = BINARY_UNITS
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(stem))
    {
        return invalid(
            s,
            BYTES_KIND,
            &format!("`{suffix}` is not a Kubernetes unit"),
        )
        .with_help(format!("did you mean `{num}{unit}`?"));
    }
    // `MB`, `kB`, `GB`: decimal units written the SI-with-B way.
    if stem.len() == 1 && stem != suffix {
        if let Some((unit, _)) = DECIMAL_UNITS
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(stem))
        {
            let binary = BINARY_UNITS
                .iter()
                .find(|(u, _)| u[..1].eq_ignore_ascii_case(stem))
                .map_or("", |(u, _)| u);
            return invalid(
                s,
                BYTES_KIND,
                &format!("`{suffix}` is not a Kubernetes unit"),
            )
            .with_help(format!(
                "did you mean `{num}{unit}` (powers of 1000) or `{num}{binary}` (powers of 1024)?"
            ));
        }
    }
    invalid(s, BYTES_KIND, &format!("unknown unit `{suffix}`")).with_help(any_unit)
}

pub fn parse_bytes(s: &str) -> Result<Bytes, LiteralError> {
    reject_whitespace(s, BYTES_KIND, true, parse_bytes)?;
    if s.starts_with('-') {
        return Err(invalid(s, BYTES_KIND, "it is negative"));
    }
    let (num, suffix) = split_number(s);
    let dec = parse_decimal(num).map_err(|r| invalid(s, BYTES_KIND, &r))?;
    let unit = bytes_unit(suffix).ok_or_else(|| unknown_bytes_unit(s, num, suffix))?;
    let value = match dec.times(unit) {
        Ok(v) => v,
        Err(ScaleError::Inexact(floor)) => {
            let floor = i128::try_from(floor).unwrap_or(i128::MAX);
            return Err(invalid(s, BYTES_KIND, "it is not a whole number of bytes")
                .with_help(did_you_mean(Bytes(floor))));
        }
        Err(ScaleError::Overflow) => return Err(invalid(s, BYTES_KIND, "it is too large")),
    };
    i128::try_from(value)
        .map(Bytes)
        .map_err(|_| invalid(s, BYTES_KIND, "it is too large"))
}

/// Canonical: the largest binary suffix that divides exactly (`2Gi`, `1536Mi`), else the largest decimal suffix that divides exactly (`100M`), else the plain number.
impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        if v == 0 {
            return f.write_str("0");
        }
        // Binary first: memory sizes are almost always powers of two, and
        // `1536Mi` reads better than `1610612736`.
        for (unit, shift) in BINARY_UNITS.iter().rev() {
            let m = 1u128 << shift;
            if v.is_multiple_of(m) {
                return write!(f, "{sign}{}{unit}", v / m);
            }
        }
        for (unit, exp) in DECIMAL_UNITS.iter().rev() {
            let m = 10u128.pow(*exp);
            if v.is_multiple_of(m) {
                return write!(f, "{sign}{}{unit}", v / m);
            }
        }
        write!(f, "{sign}{v}")
    }
}

// ---------------------------------------------------------------------------
// CPU
// ---------------------------------------------------------------------------

/// CPU quantity in millicores: `500m`, `2`, `1.5`, `0.25`. More than 3 decimals -> error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Millicores(pub i64);

const CPU_KIND: &str = "CPU quantity";

pub fn parse_cpu(s: &str) -> Result<Millicores, LiteralError> {
    reject_whitespace(s, CPU_KIND, true, parse_cpu)?;
    if s.starts_with('-') {
        return Err(invalid(s, CPU_KIND, "it is negative"));
    }
    let (num, suffix) = split_number(s);
    let dec = parse_decimal(num).map_err(|r| invalid(s, CPU_KIND, &r))?;
    let unit = match suffix {
        "" => 1000,
        "m" => 1,
        other => {
            let err = invalid(
                s,
                CPU_KIND,
                &format!(
                    "unknown unit `{other}`; CPU is given in cores (`2`, `0.5`) or millicores (`500m`)"
                ),
            );
            return Err(match other {
                "M" => err.with_help(did_you_mean(format!("{num}m"))),
                "core" | "cores" | "cpu" | "cpus" => err.with_help(did_you_mean(num)),
                _ => err,
            });
        }
    };
    if unit == 1 && dec.frac_digits > 0 {
        return Err(invalid(
            s,
            CPU_KIND,
            "a millicore is the smallest unit and cannot be split",
        ));
    }
    if dec.frac_digits > 3 {
        return Err(invalid(
            s,
            CPU_KIND,
            "it has more than 3 decimal places (the smallest unit is 1m = 0.001 cores)",
        ));
    }
    let too_large = || invalid(s, CPU_KIND, "it is too large");
    // With at most 3 decimals and a unit of 1000 (or none with `m`), the
    // product is always whole; only overflow can go wrong.
    let value = dec.times(unit).map_err(|_| too_large())?;
    i64::try_from(value)
        .map(Millicores)
        .map_err(|_| too_large())
}

/// Canonical: whole cores as `2`, otherwise `500m` / `1500m`.
impl fmt::Display for Millicores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 1000 == 0 {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}m", self.0)
        }
    }
}

// ---------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------

/// Duration in milliseconds: `10m`, `1h`, `1h30m`, `90s`, `500ms`, `30d` (d = 24h). Units must be in decreasing order, no repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration(pub u64);

const DURATION_KIND: &str = "duration";

/// Every unit suffix a number may carry, with what it measures (for an editor's
/// completion after a number): the quantity suffixes, the CPU's `m`, the durations'.
pub fn unit_suffixes() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (unit, shift) in BINARY_UNITS {
        out.push((unit, format!("{BYTES_KIND}, 2^{shift}")));
    }
    for (unit, power) in DECIMAL_UNITS {
        out.push((unit, format!("{BYTES_KIND}, 10^{power}")));
    }
    for (unit, ms) in DURATION_UNITS {
        let what = format!("{DURATION_KIND}, {ms} ms");
        match out.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, known)) => *known = format!("{known}; {what}"),
            None => out.push((unit, what)),
        }
    }
    // `m` is both: minutes, and millicores of a CPU quantity.
    if let Some((_, known)) = out.iter_mut().find(|(u, _)| *u == "m") {
        *known = format!("{known}; {CPU_KIND}, millicores");
    }
    out
}

/// Duration units from largest to smallest, in milliseconds.
const DURATION_UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Common spellings that are not units here, mapped to the unit meant.
fn duration_unit_alias(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "D" | "day" | "days" => "d",
        "H" | "hr" | "hrs" | "hour" | "hours" => "h",
        "M" | "min" | "mins" | "minute" | "minutes" => "m",
        "S" | "sec" | "secs" | "second" | "seconds" => "s",
        "MS" | "msec" | "msecs" => "ms",
        _ => return None,
    })
}

pub fn parse_duration(s: &str) -> Result<Duration, LiteralError> {
    reject_whitespace(s, DURATION_KIND, true, parse_duration)?;
    if s.starts_with('-') {
        return Err(invalid(s, DURATION_KIND, "it is negative"));
    }
    if s.is_empty() {
        return Err(invalid(s, DURATION_KIND, ""));
    }
    // Go accepts a bare `0`, so we do too; any other number needs a unit.
    if s == "0" {
        return Ok(Duration(0));
    }
    let too_long = || invalid(s, DURATION_KIND, "it is too long");
    let mut rest = s;
    let mut total: u128 = 0;
    let mut last_unit: Option<usize> = None;
    let mut out_of_order = false;
    while !rest.is_empty() {
        let done = &s[..s.len() - rest.len()];
        let (num, after) = split_number(rest);
        let dec = parse_decimal(num).map_err(|r| {
            if done.is_empty() {
                invalid(s, DURATION_KIND, &r)
            } else {
                invalid(
                    s,
                    DURATION_KIND,
                    &format!("expected a number after `{done}`"),
                )
            }
        })?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        if unit.is_empty() {
            let err = invalid(s, DURATION_KIND, &format!("`{num}` has no unit"));
            return Err(if done.is_empty() {
                err.with_help(format!("did you mean `{num}s` or `{num}m`?"))
            } else {
                err.with_help("add a unit: d, h, m, s or ms")
            });
        }
        let Some(index) = DURATION_UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(unknown_duration_unit(s, done, num, unit, next));
        };
        // Each unit must be smaller than the one before: this rules out both
        // `30m1h` and `1h1h`, which are almost certainly typos.
        if last_unit.is_some_and(|prev| index <= prev) {
            out_of_order = true;
        }
        last_unit = Some(index);
        let part = match dec.times(u128::from(DURATION_UNITS[index].1)) {
            Ok(v) => v,
            Err(ScaleError::Inexact(_)) => {
                return Err(invalid(
                    s,
                    DURATION_KIND,
                    &format!("`{num}{unit}` is not a whole number of milliseconds"),
                ))
            }
            Err(ScaleError::Overflow) => return Err(too_long()),
        };
        total = total.checked_add(part).ok_or_else(too_long)?;
        rest = next;
    }
    let total = u64::try_from(total).map_err(|_| too_long())?;
    if out_of_order {
        return Err(invalid(
            s,
            DURATION_KIND,
            "units must go from largest to smallest (d, h, m, s, ms), each at most once",
        )
        .with_help(did_you_mean(Duration(total))));
    }
    Ok(Duration(total))
}

fn unknown_duration_unit(s: &str, done: &str, num: &str, unit: &str, next: &str) -> LiteralError {
    if matches!(unit, "us" | "µs" | "μs" | "ns") {
        return invalid(
            s,
            DURATION_KIND,
            &format!("`{unit}` is finer than the smallest supported unit, `ms`"),
        );
    }
    let err = invalid(s, DURATION_KIND, &format!("unknown unit `{unit}`"));
    match duration_unit_alias(unit) {
        Some(fixed) => err.with_help(did_you_mean(format!("{done}{num}{fixed}{next}"))),
        None => err.with_help("use d, h, m, s or ms, as in `1h30m`"),
    }
}

/// Canonical Go/Flux style without zero parts: `10m`, `1h30m`, `90s` prints `1m30s`, `500ms`, `48h` stays `48h` (never print days: Flux/Go do not accept `d`).
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            // Go prints a zero duration as `0s`.
            return f.write_str("0s");
        }
        let parts = [
            (ms / 3_600_000, "h"),
            (ms / 60_000 % 60, "m"),
            (ms / 1_000 % 60, "s"),
            (ms % 1_000, "ms"),
        ];
        for (n, unit) in parts {
            if n != 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// IP addresses, networks and ranges
// ---------------------------------------------------------------------------

const IP_KIND: &str = "IP address";

pub fn parse_ip(s: &str) -> Result<IpAddr, LiteralError> {
    reject_whitespace(s, IP_KIND, true, parse_ip)?;
    if let Ok(ip) = IpAddr::from_str(s) {
        return Ok(ip);
    }
    let (reason, help) = ip_problem(s);
    let err = invalid(s, IP_KIND, &reason);
    Err(match help {
        Some(h) => err.with_help(h),
        None => err,
    })
}

/// Says what is wrong with a string that std refused as an IP address.
fn ip_problem(s: &str) -> (String, Option<String>) {
    if let Some((addr, _)) = s.split_once('/') {
        let help = IpAddr::from_str(addr).ok().map(did_you_mean);
        return (
            "it has a prefix length; write a single address without `/`".into(),
            help,
        );
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let help = IpAddr::from_str(inner).ok().map(did_you_mean);
        return ("write the address without brackets".into(), help);
    }
    if s.contains(':') {
        // `10.25.11.3:9000` is an address with a port, not IPv6.
        if let Some((host, port)) = s.rsplit_once(':') {
            if Ipv4Addr::from_str(host).is_ok() && port.bytes().all(|b| b.is_ascii_digit()) {
                return (
                    format!("it has a port (`:{port}`); write the address alone"),
                    Some(did_you_mean(host)),
                );
            }
        }
        return (ipv6_problem(s), None);
    }
    (ipv4_problem(s), None)
}

fn ipv6_problem(s: &str) -> String {
    if s.contains('%') {
        return "zone indexes (`%...`) are not supported".into();
    }
    if s.matches("::").count() > 1 {
        return "`::` may appear only once in an IPv6 address".into();
    }
    let groups: Vec<&str> = s.split(':').collect();
    for g in &groups {
        // The last group may be an embedded IPv4 address (`::ffff:1.2.3.4`).
        if g.contains('.') {
            continue;
        }
        if !g.chars().all(|c| c.is_ascii_hexdigit()) {
            return format!("`{g}` is not a group of hexadecimal digits");
        }
        if g.len() > 4 {
            return format!("the group `{g}` has more than 4 hexadecimal digits");
        }
    }
    if groups.len() > 8 {
        return "it has more than 8 groups".into();
    }
    if groups.len() < 8 && !s.contains("::") {
        return format!(
            "it has {} groups; an IPv6 address has 8 unless `::` shortens it",
            groups.len()
        );
    }
    "it is not a valid IPv6 address".into()
}

fn ipv4_problem(s: &str) -> String {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 && s.chars().any(|c| c.is_alphabetic()) {
        return "it looks like a host name; an IPv4 address is four numbers such as `10.0.0.1`"
            .into();
    }
    for p in &parts {
        if p.is_empty() {
            return "it has an empty octet (two dots in a row, or a dot at either end)".into();
        }
        if !p.bytes().all(|b| b.is_ascii_digit()) {
            return format!("octet `{p}` is not a number");
        }
        // Compare as text first so a 40-digit octet cannot overflow anything.
        let trimmed = p.trim_start_matches('0');
        if trimmed.len() > 3 || parse_digits(trimmed).unwrap_or(0) > 255 {
            return format!("octet {p} is larger than 255");
        }
        if p.len() > 1 && p.starts_with('0') {
            return format!("octet `{p}` has a leading zero, which some tools read as octal");
        }
    }
    if parts.len() != 4 {
        return format!("it has {} octets; an IPv4 address has 4", parts.len());
    }
    "it is not a valid IPv4 address".into()
}

const CIDR_KIND: &str = "CIDR network";

pub fn parse_cidr(s: &str) -> Result<ipnet::IpNet, LiteralError> {
    reject_whitespace(s, CIDR_KIND, true, parse_cidr)?;
    let Some((addr_s, len_s)) = s.split_once('/') else {
        let err = invalid(s, CIDR_KIND, "it has no prefix length (such as `/24`)");
        return Err(match IpAddr::from_str(s) {
            Ok(IpAddr::V4(_)) => err.with_help(format!(
                "add the prefix length, e.g. `{s}/24`, or `{s}/32` for a single address"
            )),
            Ok(IpAddr::V6(_)) => err.with_help(format!(
                "add the prefix length, e.g. `{s}/64`, or `{s}/128` for a single address"
            )),
            Err(_) => err,
        });
    };
    if len_s.contains('/') {
        return Err(invalid(s, CIDR_KIND, "it has more than one `/`"));
    }
    let addr = IpAddr::from_str(addr_s).map_err(|_| {
        let (reason, _) = ip_problem(addr_s);
        invalid(s, CIDR_KIND, &reason)
    })?;
    let (max, family) = match addr {
        IpAddr::V4(_) => (32u8, "IPv4"),
        IpAddr::V6(_) => (128u8, "IPv6"),
    };
    if len_s.is_empty() {
        return Err(invalid(
            s,
            CIDR_KIND,
            "the prefix length after `/` is missing",
        ));
    }
    if !len_s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            s,
            CIDR_KIND,
            &format!("prefix length `{len_s}` is not a number"),
        ));
    }
    let prefix = parse_digits(len_s)
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            invalid(
                s,
                CIDR_KIND,
                &format!("prefix length {len_s} is larger than {max}, the maximum for {family}"),
            )
        })?;
    let net = ipnet::IpNet::new(addr, prefix)
        .map_err(|_| invalid(s, CIDR_KIND, "the prefix length is out of range"))?;
    // A network written with host bits set is usually a typo for its network
    // address; tools disagree on whether to silently mask it, so we refuse.
    let truncated = net.trunc();
    if truncated != net {
        return Err(invalid(
            s,
            CIDR_KIND,
            &format!("the address has bits set beyond the /{prefix} prefix"),
        )
        .with_help(did_you_mean(truncated)));
    }
    Ok(net)
}

/// An inclusive address range `start .. end` given as two parsed addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddrRange {
    pub start: IpAddr,
    pub end: IpAddr,
}

/// Maps an address onto a number so ranges can be compared and measured.
fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

impl AddrRange {
    /// Same family, start <= end.
    pub fn new(start: IpAddr, end: IpAddr) -> Result<AddrRange, LiteralError> {
        let text = format!("{start}-{end}");
        if !same_family(start, end) {
            return Err(invalid(&text, "address range", "it mixes IPv4 and IPv6"));
        }
        if start > end {
            return Err(
                invalid(&text, "address range", "the start comes after the end")
                    .with_help(did_you_mean(format!("{end}-{start}"))),
            );
        }
        Ok(AddrRange { start, end })
    }

    /// Whether `ip` lies in the range; an address of the other family never does.
    pub fn contains(&self, ip: IpAddr) -> bool {
        same_family(self.start, ip) && self.start <= ip && ip <= self.end
    }

    /// Whether the two ranges share at least one address.
    pub fn overlaps(&self, other: &AddrRange) -> bool {
        // `IpAddr` orders every IPv4 before every IPv6 address, so comparing
        // across families would give nonsense; check the family first.
        same_family(self.start, other.start) && self.start <= other.end && other.start <= self.end
    }

    /// Whether the range shares at least one address with the network.
    pub fn overlaps_net(&self, net: &ipnet::IpNet) -> bool {
        let whole = AddrRange {
            start: net.network(),
            end: net.broadcast(),
        };
        self.overlaps(&whole)
    }

    /// Number of addresses. Zero for a malformed range (mixed families or
    /// start after end, possible only by building the struct directly); the
    /// whole IPv6 space (2^128 addresses) saturates at `u128::MAX`.
    pub fn len(&self) -> u128 {
        if !same_family(self.start, self.end) || self.start > self.end {
            return 0;
        }
        (ip_to_u128(self.end) - ip_to_u128(self.start)).saturating_add(1)
    }

    /// True only for a malformed range; see [`AddrRange::len`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// Parses the printed form `start-end` (e.g. `10.25.11.100-10.25.11.119`).
pub fn parse_addr_range(s: &str) -> Result<AddrRange, LiteralError> {
    const KIND: &str = "address range";
    reject_whitespace(s, KIND, true, parse_addr_range)?;
    // IPv6 addresses never contain `-`, so the first `-` is the separator.
    let Some((a, b)) = s.split_once('-') else {
        return Err(invalid(s, KIND, "expected two addresses joined by `-`"));
    };
    let start = IpAddr::from_str(a)
        .map_err(|_| invalid(s, KIND, &format!("the start: {}", ip_problem(a).0)))?;
    let end = IpAddr::from_str(b)
        .map_err(|_| invalid(s, KIND, &format!("the end: {}", ip_problem(b).0)))?;
    AddrRange::new(start, end)
}

// ---------------------------------------------------------------------------
// Plain numbers with a valid range
// ---------------------------------------------------------------------------

/// 1..=65535.
pub fn parse_port(n: i64) -> Result<u16, LiteralError> {
    match u16::try_from(n) {
        Ok(0) => Err(LiteralError::new(
            "port 0 is not allowed: ports run from 1 to 65535",
        )),
        Ok(p) => Ok(p),
        Err(_) if n < 0 => Err(LiteralError::new(format!(
            "port {n} is negative: ports run from 1 to 65535"
        ))),
        Err(_) => Err(LiteralError::new(format!(
            "port {n} is too large: ports run from 1 to 65535"
        ))),
    }
}

/// 1..=4294967295.
pub fn parse_asn(n: i64) -> Result<u32, LiteralError> {
    match u32::try_from(n) {
        Ok(0) => Err(LiteralError::new(
            "AS number 0 is reserved: AS numbers run from 1 to 4294967295",
        )
        .with_help("private AS numbers are 64512-65534 and 4200000000-4294967294")),
        Ok(a) => Ok(a),
        Err(_) if n < 0 => Err(LiteralError::new(format!(
            "AS number {n} is negative: AS numbers run from 1 to 4294967295"
        ))),
        Err(_) => Err(LiteralError::new(format!(
            "AS number {n} is too large: AS numbers run from 1 to 4294967295"
        ))),
    }
}

/// Whether `asn` is in a private-use range (RFC 6996): 64512..=65534 or 4200000000..=4294967294.
pub fn is_private_asn(asn: u32) -> bool {
    (64512..=65534).contains(&asn) || (4_200_000_000..=4_294_967_294).contains(&asn)
}

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

/// A version as written (keeps a leading `v` for output) plus its parsed semver. Accepts `1.18.3`, `v1.18.6`, `0.26.1`, `1.2` (treated as 1.2.0), pre-release/build metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    pub text: String,
    pub semver: semver::Version,
}

/// Prints the version exactly as written, since tags like `v1.18.6` must
/// keep their `v` to match the upstream release.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

pub fn parse_version(s: &str) -> Result<Version, LiteralError> {
    const KIND: &str = "version";
    reject_whitespace(s, KIND, true, parse_version)?;
    let body = s.strip_prefix('v').unwrap_or(s);
    if body.is_empty() {
        return Err(invalid(s, KIND, "it has no version number"));
    }
    let core_end = body.find(['-', '+']).unwrap_or(body.len());
    let (core, tail) = body.split_at(core_end);
    if core.is_empty() {
        return Err(invalid(s, KIND, "it does not start with a version number"));
    }
    // Check the numeric core ourselves: the messages are clearer than semver's.
    for part in core.split('.') {
        if part.is_empty() {
            return Err(invalid(
                s,
                KIND,
                "it has an empty number (two dots in a row, or a dot at either end)",
            ));
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            let err = invalid(s, KIND, &format!("`{part}` is not a number"));
            // `V1.2.3`: only a lowercase `v` prefix is understood.
            return Err(match s.strip_prefix('V') {
                Some(rest) if parse_version(&format!("v{rest}")).is_ok() => {
                    err.with_help(did_you_mean(format!("v{rest}")))
                }
                _ => err,
            });
        }
        if part.len() > 1 && part.starts_with('0') {
            return Err(invalid(s, KIND, &format!("`{part}` has a leading zero")));
        }
    }
    let normalized = match core.matches('.').count() {
        0 => {
            return Err(invalid(
                s,
                KIND,
                "it needs at least a major and a minor number, as in `1.2`",
            )
            .with_help(did_you_mean(format!("{s}.0"))))
        }
        // `1.2` means `1.2.0`, which is how Helm and most tools read it.
        1 => format!("{core}.0{tail}"),
        2 => body.to_string(),
        _ => {
            return Err(invalid(
                s,
                KIND,
                "it has more than three numbers (major.minor.patch)",
            ))
        }
    };
    let semver =
        semver::Version::parse(&normalized).map_err(|e| invalid(s, KIND, &e.to_string()))?;
    Ok(Version {
        text: s.to_string(),
        semver,
    })
}

// ---------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------

const URL_KIND: &str = "URL";

/// A URL with a scheme: `https://charts.example.com/release`, `oci://registry.example.com/x/charts/y`, `http://10.25.11.3:9000`. Reject missing scheme (help: did you mean `https://...`?), spaces, empty host.
///
/// Note that the returned `Url` is normalised (e.g. `https://a.io` gains a
/// trailing `/`); callers that must echo the user's spelling should keep it.
pub fn parse_url(s: &str) -> Result<url::Url, LiteralError> {
    if s.trim().chars().any(char::is_whitespace) {
        // Inner whitespace: gluing the words together would be a guess, so
        // say how a space is written in a URL instead.
        return Err(invalid(s, URL_KIND, "it contains a space")
            .with_help("write a space inside a URL as `%20`"));
    }
    reject_whitespace(s, URL_KIND, false, parse_url)?;
    let Some((scheme, rest)) = s.split_once("://") else {
        let err = invalid(s, URL_KIND, "it has no scheme (such as `https://`)");
        // `https:/host` or `//host`: drop the mangled prefix before suggesting.
        let bare = s
            .strip_prefix("https:")
            .or_else(|| s.strip_prefix("http:"))
            .unwrap_or(s)
            .trim_start_matches('/');
        let fixed = format!("https://{bare}");
        // Only suggest it when the text looks like a host (`a.io/x`, `10.0.0.1:80`,
        // `localhost`); the URL standard accepts almost anything as a host.
        let looks_like_host = url::Url::parse(&fixed).is_ok_and(|u| {
            u.host_str().is_some_and(|h| {
                h == "localhost"
                    || (h.contains('.') && h.starts_with(|c: char| c.is_ascii_alphanumeric()))
            })
        });
        return Err(if looks_like_host {
            err.with_help(did_you_mean(fixed))
        } else {
            err
        });
    };
    if scheme.is_empty() {
        let err = invalid(s, URL_KIND, "the scheme before `://` is missing");
        let fixed = format!("https://{rest}");
        return Err(if url::Url::parse(&fixed).is_ok() {
            err.with_help(did_you_mean(fixed))
        } else {
            err
        });
    }
    if rest.is_empty() {
        return Err(invalid(s, URL_KIND, "it has nothing after `://`"));
    }
    // The URL standard quietly reads `https:///x` as `https://x/`; a third
    // slash is far more likely a forgotten host, so refuse it.
    if rest.starts_with('/') {
        return Err(invalid(s, URL_KIND, "its host is empty"));
    }
    let url = url::Url::parse(s).map_err(|e| invalid(s, URL_KIND, &url_problem(e)))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(s, URL_KIND, "its host is empty"));
    }
    Ok(url)
}

fn url_problem(e: url::ParseError) -> String {
    use url::ParseError as E;
    match e {
        E::EmptyHost => "its host is empty".into(),
        E::InvalidPort => "its port is not a number from 0 to 65535".into(),
        E::InvalidIpv4Address => "its host is not a valid IPv4 address".into(),
        E::InvalidIpv6Address => "its host is not a valid IPv6 address".into(),
        E::InvalidDomainCharacter => {
            "its host contains a character that is not allowed in a host name".into()
        }
        E::RelativeUrlWithoutBase => "it has no scheme (such as `https://`)".into(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Kubernetes names
// ---------------------------------------------------------------------------

/// Kubernetes object name rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// DNS-1123 label: max 63, [a-z0-9-], starts and ends alnum
    Label,
    /// DNS-1123 subdomain: max 253, labels separated by dots
    Subdomain,
}

impl NameRule {
    fn limit(self) -> usize {
        match self {
            NameRule::Label => 63,
            NameRule::Subdomain => 253,
        }
    }
}

const NAME_KIND: &str = "Kubernetes name";

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// The first rule `s` breaks, as a reason; `None` when it is valid.
pub(crate) fn name_problem(s: &str, rule: NameRule) -> Option<String> {
    let len = s.chars().count();
    let limit = rule.limit();
    if len > limit {
        return Some(format!("it is {len} characters long, the limit is {limit}"));
    }
    if s.chars().any(char::is_uppercase) {
        return Some("it contains uppercase letters".into());
    }
    let allowed = match rule {
        NameRule::Label => "only lowercase letters, digits and `-` are allowed",
        NameRule::Subdomain => "only lowercase letters, digits, `-` and `.` are allowed",
    };
    if let Some(c) = s
        .chars()
        .find(|&c| !(is_name_char(c) || (c == '.' && rule == NameRule::Subdomain)))
    {
        return Some(match c {
            '.' => {
                "it contains `.`, which this kind of name (a DNS-1123 label) does not allow".into()
            }
            c if c.is_whitespace() => format!("it contains a space; {allowed}"),
            c => format!("it contains `{c}`; {allowed}"),
        });
    }
    // Each dot-separated part must start and end with a letter or digit (a
    // label has exactly one part).
    for part in s.split('.') {
        let (Some(first), Some(last)) = (part.chars().next(), part.chars().last()) else {
            return Some("it has an empty part between dots, or a dot at either end".into());
        };
        if !is_alnum(first) {
            return Some(if part.len() == s.len() {
                format!("it starts with `{first}`; it must start with a letter or digit")
            } else {
                format!("the part `{part}` starts with `{first}`; each part must start with a letter or digit")
            });
        }
        if !is_alnum(last) {
            return Some(if part.len() == s.len() {
                format!("it ends with `{last}`; it must end with a letter or digit")
            } else {
                format!("the part `{part}` ends with `{last}`; each part must end with a letter or digit")
            });
        }
    }
    None
}

/// The nearest valid name: lowercased, other characters turned into `-`,
/// parts trimmed of leading/trailing `-`, cut to the length limit.
fn fix_name(s: &str, rule: NameRule) -> Option<String> {
    // A non-ASCII letter or digit cannot be transliterated here, and turning
    // it into `-` gives nonsense (`ünïcødé` -> `n-c-d`): offer nothing.
    if s.chars().any(|c| !c.is_ascii() && c.is_alphanumeric()) {
        return None;
    }
    let mapped: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if is_name_char(c) || (c == '.' && rule == NameRule::Subdomain) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let tidy = |text: &str| -> String {
        text.split('.')
            .map(|p| p.trim_matches('-'))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut fixed = tidy(&mapped);
    if fixed.len() > rule.limit() {
        // All ASCII by now, so byte truncation is a char boundary.
        fixed.truncate(rule.limit());
        fixed = tidy(&fixed);
    }
    if fixed.is_empty() || name_problem(&fixed, rule).is_some() {
        None
    } else {
        Some(fixed)
    }
}

/// Messages like "`Foo` is not a valid Kubernetes name: it contains uppercase
/// letters", with help offering the fixed name when one exists.
pub fn check_k8s_name(s: &str, rule: NameRule) -> Result<(), LiteralError> {
    if s.is_empty() {
        return Err(LiteralError::new("a Kubernetes name cannot be empty"));
    }
    let Some(reason) = name_problem(s, rule) else {
        return Ok(());
    };
    let err = invalid(s, NAME_KIND, &reason);
    Err(match fix_name(s, rule) {
        Some(fixed) if fixed != s => err.with_help(did_you_mean(fixed)),
        _ => err,
    })
}

// ---------------------------------------------------------------------------
// Percentages
// ---------------------------------------------------------------------------

const PERCENT_KIND: &str = "percentage";

/// Percent literal in basis points: `90%` -> 9000, `12.5%` -> 1250, `0.01%` -> 1.
/// 0% to 100%, at most two decimals.
pub fn parse_percent(s: &str) -> Result<u32, LiteralError> {
    reject_whitespace(s, PERCENT_KIND, true, parse_percent)?;
    if s.starts_with('-') {
        return Err(invalid(s, PERCENT_KIND, "it is negative"));
    }
    let (num, rest) = split_number(s);
    let dec = parse_decimal(num).map_err(|r| invalid(s, PERCENT_KIND, &r))?;
    match rest {
        "%" => {}
        "" => {
            return Err(invalid(s, PERCENT_KIND, "it has no `%` sign")
                .with_help(did_you_mean(format!("{s}%"))))
        }
        other => {
            return Err(invalid(
                s,
                PERCENT_KIND,
                &format!(
                    "`{other}` is not allowed after the number; a percentage is written like `90%`"
                ),
            ))
        }
    }
    if dec.frac_digits > 2 {
        return Err(invalid(
            s,
            PERCENT_KIND,
            "it has more than 2 decimal places (the smallest step is 0.01%)",
        ));
    }
    let too_large = || invalid(s, PERCENT_KIND, "it is more than 100%");
    let bp = dec.times(100).map_err(|_| too_large())?;
    if bp > 10_000 {
        return Err(too_large());
    }
    u32::try_from(bp).map_err(|_| too_large())
}

/// Prints basis points as the canonical percent literal: 9000 -> `90%`, 1250 -> `12.5%`.
pub fn format_percent(basis_points: u32) -> String {
    let whole = basis_points / 100;
    let frac = basis_points % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn range(a: &str, b: &str) -> AddrRange {
        AddrRange::new(ip(a), ip(b)).unwrap()
    }

    /// Inputs that every string parser must survive without panicking.
    const ODD: &[&str] = &[
        "",
        " ",
        ".",
        "..",
        "-",
        "+1",
        "%",
        "/",
        "://",
        "ünïcødé",
        "日本語",
        "1.2.3.4.5",
        "1e3",
        "0x10",
        "NaN",
        "∞",
        "1\u{0}",
        "99999999999999999999999999999999999999999999999999Ei",
        "340282366920938463463374607431768211456",
        "0.0000000000000000000000000001",
        "1.5.5Gi",
        "٣",
        "1٣m",
        "10.0.0.0/999999999999999999999999",
        "::::::::",
        "[::1]",
        "a-b",
    ];

    #[test]
    fn odd_inputs_never_panic() {
        for s in ODD {
            let _ = parse_bytes(s);
            let _ = parse_cpu(s);
            let _ = parse_duration(s);
            let _ = parse_ip(s);
            let _ = parse_cidr(s);
            let _ = parse_addr_range(s);
            let _ = parse_version(s);
            let _ = parse_url(s);
            let _ = parse_percent(s);
            let _ = check_k8s_name(s, NameRule::Label);
            let _ = check_k8s_name(s, NameRule::Subdomain);
        }
        for n in [i64::MIN, -1, 0, 1, 65535, 65536, 4_294_967_295, i64::MAX] {
            let _ = parse_port(n);
            let _ = parse_asn(n);
        }
        for b in [i128::MIN, i128::MAX, -1, 0, 1] {
            let _ = Bytes(b).to_string();
        }
        for m in [i64::MIN, i64::MAX, -1500, 0] {
            let _ = Millicores(m).to_string();
        }
        for d in [u64::MAX, 0, 1] {
            let _ = Duration(d).to_string();
        }
        for bp in [0, 1, u32::MAX] {
            let _ = format_percent(bp);
        }
    }

    // ---- bytes ----

    #[test]
    fn bytes_good() {
        assert_eq!(parse_bytes("512Mi"), Ok(Bytes(512 << 20)));
        assert_eq!(parse_bytes("2Gi"), Ok(Bytes(2 << 30)));
        assert_eq!(parse_bytes("1.5Gi"), Ok(Bytes(3 << 29)));
        assert_eq!(parse_bytes("100M"), Ok(Bytes(100_000_000)));
        assert_eq!(parse_bytes("1k"), Ok(Bytes(1000)));
        assert_eq!(parse_bytes("1000"), Ok(Bytes(1000)));
        assert_eq!(parse_bytes("0"), Ok(Bytes(0)));
        assert_eq!(parse_bytes("1.50Ki"), Ok(Bytes(1536)));
        assert_eq!(parse_bytes("8Ei"), Ok(Bytes(8 << 60)));
        assert_eq!(parse_bytes("3Ti"), Ok(Bytes(3 << 40)));
        assert_eq!(parse_bytes("1P"), Ok(Bytes(10i128.pow(15))));
    }

    #[test]
    fn bytes_bad() {
        let e = parse_bytes("512m").unwrap_err();
        assert!(e.message.contains("milli"), "{e:?}");
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `512Mi` (mebibytes) or `512M` (megabytes)?")
        );
        let e = parse_bytes("2GB").unwrap_err();
        assert_eq!(
            e.message,
            "`2GB` is not a valid memory/storage quantity: `GB` is not a Kubernetes unit"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `2G` (powers of 1000) or `2Gi` (powers of 1024)?")
        );
        assert_eq!(
            parse_bytes("2GiB").unwrap_err().help.as_deref(),
            Some("did you mean `2Gi`?")
        );
        assert_eq!(
            parse_bytes("2gi").unwrap_err().help.as_deref(),
            Some("did you mean `2Gi`?")
        );
        assert_eq!(
            parse_bytes("1K").unwrap_err().help.as_deref(),
            Some("did you mean `1Ki` or `1k`?")
        );
        let e = parse_bytes("1.5").unwrap_err();
        assert_eq!(
            e.message,
            "`1.5` is not a valid memory/storage quantity: it is not a whole number of bytes"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `1`?"));
        assert_eq!(
            parse_bytes("").unwrap_err().message,
            "an empty string is not a valid memory/storage quantity"
        );
        let e = parse_bytes("512 Mi").unwrap_err();
        assert!(e.message.ends_with("it contains a space"));
        assert_eq!(e.help.as_deref(), Some("did you mean `512Mi`?"));
        assert!(parse_bytes("-1Gi")
            .unwrap_err()
            .message
            .contains("negative"));
        assert!(parse_bytes("Gi")
            .unwrap_err()
            .message
            .contains("does not start with a number"));
        assert!(parse_bytes(".5Gi")
            .unwrap_err()
            .message
            .contains("as in `0.5`"));
        assert!(parse_bytes("5.Gi").is_err());
        assert!(parse_bytes("1.2.3Gi").is_err());
        assert!(parse_bytes("1e3").unwrap_err().message.contains("exponent"));
        assert!(parse_bytes("12Xi")
            .unwrap_err()
            .message
            .contains("unknown unit `Xi`"));
        assert!(parse_bytes("99999999999999999999999999999999999999999")
            .unwrap_err()
            .message
            .contains("too large"));
        assert!(parse_bytes("999999999999999999999Ei")
            .unwrap_err()
            .message
            .contains("too large"));
        assert!(parse_bytes("1.0000000000000000001Ki")
            .unwrap_err()
            .message
            .contains("decimal places"));
        assert!(parse_bytes("１Gi").is_err(), "full-width digit");
    }

    #[test]
    fn bytes_canonical() {
        assert_eq!(Bytes(1_610_612_736).to_string(), "1536Mi");
        assert_eq!(Bytes(2 << 30).to_string(), "2Gi");
        assert_eq!(Bytes(100_000_000).to_string(), "100M");
        assert_eq!(Bytes(1000).to_string(), "1k");
        assert_eq!(Bytes(1024).to_string(), "1Ki");
        assert_eq!(Bytes(1023).to_string(), "1023");
        assert_eq!(Bytes(0).to_string(), "0");
        assert_eq!(Bytes(-(2 << 30)).to_string(), "-2Gi");
        // Binary wins whenever it divides: 2,048,000 = 2000 * 1024.
        assert_eq!(Bytes(2_048_000).to_string(), "2000Ki");
        for s in [
            "512Mi",
            "1.5Gi",
            "100M",
            "1k",
            "1000",
            "1023",
            "0",
            "7Ei",
            "123456789",
            "1.25M",
        ] {
            let b = parse_bytes(s).unwrap();
            assert_eq!(parse_bytes(&b.to_string()), Ok(b), "{s}");
        }
        // The largest value prints and parses back.
        let max = Bytes(i128::MAX);
        assert_eq!(parse_bytes(&max.to_string()), Ok(max));
    }

    #[test]
    fn ninety_percent_of_two_gi() {
        let total = parse_bytes("2Gi").unwrap();
        let bp = i128::from(parse_percent("90%").unwrap());
        // 0.9 * 2Gi = 1843.2Mi = 1932735283.2 bytes: not exact, so integer
        // division rounds down and no suffix divides the odd result.
        let ninety = Bytes(total.0 * bp / 10_000);
        assert_eq!(ninety, Bytes(1_932_735_283));
        assert_eq!(ninety.to_string(), "1932735283");
        assert_eq!(parse_bytes(&ninety.to_string()), Ok(ninety));
        // 50% divides exactly and keeps a binary suffix.
        assert_eq!(Bytes(total.0 * 5000 / 10_000).to_string(), "1Gi");
    }

    // ---- cpu ----

    #[test]
    fn cpu_good_and_canonical() {
        assert_eq!(parse_cpu("500m"), Ok(Millicores(500)));
        assert_eq!(parse_cpu("2"), Ok(Millicores(2000)));
        assert_eq!(parse_cpu("1.5"), Ok(Millicores(1500)));
        assert_eq!(parse_cpu("0.25"), Ok(Millicores(250)));
        assert_eq!(parse_cpu("0.001"), Ok(Millicores(1)));
        assert_eq!(parse_cpu("1.5000"), Ok(Millicores(1500)));
        assert_eq!(parse_cpu("0"), Ok(Millicores(0)));
        assert_eq!(Millicores(2000).to_string(), "2");
        assert_eq!(Millicores(500).to_string(), "500m");
        assert_eq!(Millicores(1500).to_string(), "1500m");
        assert_eq!(Millicores(0).to_string(), "0");
        for s in [
            "500m",
            "2",
            "1.5",
            "0.25",
            "0.001",
            "1000m",
            "9223372036854775807m",
        ] {
            let c = parse_cpu(s).unwrap();
            assert_eq!(parse_cpu(&c.to_string()), Ok(c), "{s}");
        }
    }

    #[test]
    fn cpu_bad() {
        let e = parse_cpu("0.0001").unwrap_err();
        assert_eq!(
            e.message,
            "`0.0001` is not a valid CPU quantity: it has more than 3 decimal places (the smallest unit is 1m = 0.001 cores)"
        );
        assert!(parse_cpu("1.5m")
            .unwrap_err()
            .message
            .contains("cannot be split"));
        assert_eq!(
            parse_cpu("500M").unwrap_err().help.as_deref(),
            Some("did you mean `500m`?")
        );
        assert_eq!(
            parse_cpu("2cores").unwrap_err().help.as_deref(),
            Some("did you mean `2`?")
        );
        assert!(parse_cpu("-1").is_err());
        assert!(parse_cpu("").is_err());
        assert!(parse_cpu("m").is_err());
        assert!(parse_cpu("9223372036854775808m")
            .unwrap_err()
            .message
            .contains("too large"));
        assert!(parse_cpu("9223372036854775808")
            .unwrap_err()
            .message
            .contains("too large"));
    }

    // ---- durations ----

    #[test]
    fn duration_good() {
        assert_eq!(parse_duration("10m"), Ok(Duration(600_000)));
        assert_eq!(parse_duration("1h"), Ok(Duration(3_600_000)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration(5_400_000)));
        assert_eq!(parse_duration("90s"), Ok(Duration(90_000)));
        assert_eq!(parse_duration("500ms"), Ok(Duration(500)));
        assert_eq!(parse_duration("30d"), Ok(Duration(30 * 86_400_000)));
        assert_eq!(parse_duration("1d2h3m4s5ms"), Ok(Duration(93_784_005)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration(5_400_000)));
        assert_eq!(parse_duration("0"), Ok(Duration(0)));
        assert_eq!(parse_duration("0s"), Ok(Duration(0)));
    }

    #[test]
    fn duration_canonical() {
        assert_eq!(Duration(600_000).to_string(), "10m");
        assert_eq!(Duration(5_400_000).to_string(), "1h30m");
        assert_eq!(Duration(90_000).to_string(), "1m30s");
        assert_eq!(Duration(500).to_string(), "500ms");
        assert_eq!(Duration(48 * 3_600_000).to_string(), "48h");
        assert_eq!(parse_duration("2d").unwrap().to_string(), "48h");
        assert_eq!(Duration(1_500).to_string(), "1s500ms");
        assert_eq!(Duration(3_600_001).to_string(), "1h1ms");
        assert_eq!(Duration(0).to_string(), "0s");
        for s in [
            "10m",
            "1h30m",
            "90s",
            "500ms",
            "30d",
            "1d2h3m4s5ms",
            "1.5s",
            "0",
        ] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&d.to_string()), Ok(d), "{s}");
        }
        let max = Duration(u64::MAX);
        assert_eq!(parse_duration(&max.to_string()), Ok(max));
    }

    #[test]
    fn duration_bad() {
        let e = parse_duration("30m1h").unwrap_err();
        assert_eq!(
            e.message,
            "`30m1h` is not a valid duration: units must go from largest to smallest (d, h, m, s, ms), each at most once"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `1h30m`?"));
        assert_eq!(
            parse_duration("1h1h").unwrap_err().help.as_deref(),
            Some("did you mean `2h`?")
        );
        let e = parse_duration("10").unwrap_err();
        assert_eq!(e.message, "`10` is not a valid duration: `10` has no unit");
        assert_eq!(e.help.as_deref(), Some("did you mean `10s` or `10m`?"));
        assert!(parse_duration("1h30")
            .unwrap_err()
            .message
            .contains("has no unit"));
        assert_eq!(
            parse_duration("1h5min").unwrap_err().help.as_deref(),
            Some("did you mean `1h5m`?")
        );
        assert!(parse_duration("5us").unwrap_err().message.contains("finer"));
        assert!(parse_duration("1.5ms")
            .unwrap_err()
            .message
            .contains("whole number of milliseconds"));
        assert!(parse_duration("2w")
            .unwrap_err()
            .message
            .contains("unknown unit `w`"));
        assert!(parse_duration("-5m")
            .unwrap_err()
            .message
            .contains("negative"));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1h.m")
            .unwrap_err()
            .message
            .contains("expected a number after `1h`"));
        assert!(parse_duration("1hm")
            .unwrap_err()
            .message
            .contains("unknown unit `hm`"));
        assert_eq!(
            parse_duration("1h 30m").unwrap_err().help.as_deref(),
            Some("did you mean `1h30m`?")
        );
        assert!(parse_duration("99999999999999999999d")
            .unwrap_err()
            .message
            .contains("too long"));
        assert!(parse_duration("").is_err());
    }

    // ---- IP addresses ----

    #[test]
    fn ip_good() {
        assert_eq!(parse_ip("10.25.11.3"), Ok(ip("10.25.11.3")));
        assert_eq!(parse_ip("::1"), Ok(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(parse_ip("fd00:10:244::1"), Ok(ip("fd00:10:244::1")));
        assert_eq!(parse_ip("::ffff:1.2.3.4"), Ok(ip("::ffff:1.2.3.4")));
    }

    #[test]
    fn ip_bad() {
        assert_eq!(
            parse_ip("10.300.0.1").unwrap_err().message,
            "`10.300.0.1` is not a valid IP address: octet 300 is larger than 255"
        );
        assert!(parse_ip("10.0.0")
            .unwrap_err()
            .message
            .ends_with("it has 3 octets; an IPv4 address has 4"));
        assert!(parse_ip("10..0.1")
            .unwrap_err()
            .message
            .contains("empty octet"));
        assert!(parse_ip("10.0.0.x1")
            .unwrap_err()
            .message
            .contains("octet `x1` is not a number"));
        assert!(parse_ip("010.0.0.1")
            .unwrap_err()
            .message
            .contains("leading zero"));
        assert!(parse_ip("1.2.3.99999999999999999999999999999")
            .unwrap_err()
            .message
            .contains("larger than 255"));
        assert!(parse_ip("example.com")
            .unwrap_err()
            .message
            .contains("host name"));
        let e = parse_ip("10.25.11.3:9000").unwrap_err();
        assert!(e.message.contains("port"));
        assert_eq!(e.help.as_deref(), Some("did you mean `10.25.11.3`?"));
        let e = parse_ip("10.0.0.1/24").unwrap_err();
        assert!(e.message.contains("prefix length"));
        assert_eq!(e.help.as_deref(), Some("did you mean `10.0.0.1`?"));
        assert_eq!(
            parse_ip("[::1]").unwrap_err().help.as_deref(),
            Some("did you mean `::1`?")
        );
        assert!(parse_ip("1::2::3")
            .unwrap_err()
            .message
            .contains("`::` may appear only once"));
        assert!(parse_ip("fe80::1%eth0")
            .unwrap_err()
            .message
            .contains("zone"));
        assert!(parse_ip("12345::1")
            .unwrap_err()
            .message
            .contains("more than 4"));
        assert!(parse_ip("1:2:3").unwrap_err().message.contains("3 groups"));
        assert_eq!(
            parse_ip(" 10.0.0.1").unwrap_err().help.as_deref(),
            Some("did you mean `10.0.0.1`?")
        );
        assert!(parse_ip("").is_err());
    }

    #[test]
    fn cidr() {
        let net = parse_cidr("10.244.0.0/16").unwrap();
        assert_eq!(net.to_string(), "10.244.0.0/16");
        assert_eq!(parse_cidr("fd00::/8").unwrap().to_string(), "fd00::/8");
        assert_eq!(parse_cidr("0.0.0.0/0").unwrap().prefix_len(), 0);
        assert_eq!(parse_cidr("10.0.0.1/32").unwrap().prefix_len(), 32);

        let e = parse_cidr("10.244.0.1/16").unwrap_err();
        assert_eq!(
            e.message,
            "`10.244.0.1/16` is not a valid CIDR network: the address has bits set beyond the /16 prefix"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `10.244.0.0/16`?"));
        assert_eq!(
            parse_cidr("fd00::1/8").unwrap_err().help.as_deref(),
            Some("did you mean `fd00::/8`?")
        );
        assert_eq!(
            parse_cidr("10.0.0.0/33").unwrap_err().message,
            "`10.0.0.0/33` is not a valid CIDR network: prefix length 33 is larger than 32, the maximum for IPv4"
        );
        assert!(parse_cidr("::/129")
            .unwrap_err()
            .message
            .contains("larger than 128"));
        assert!(parse_cidr("10.0.0.0/99999999999999999999999999999999999999999").is_err());
        assert!(parse_cidr("10.0.0.0/")
            .unwrap_err()
            .message
            .contains("missing"));
        assert!(parse_cidr("10.0.0.0/x")
            .unwrap_err()
            .message
            .contains("not a number"));
        assert!(parse_cidr("10.0.0.0/8/8").is_err());
        assert!(parse_cidr("10.300.0.0/16")
            .unwrap_err()
            .message
            .contains("octet 300 is larger than 255"));
        let e = parse_cidr("10.0.0.0").unwrap_err();
        assert!(e.message.contains("no prefix length"));
        assert!(e.help.unwrap().contains("`10.0.0.0/24`"));
    }

    #[test]
    fn ranges() {
        let r = range("10.25.11.100", "10.25.11.119");
        assert_eq!(r.to_string(), "10.25.11.100-10.25.11.119");
        assert_eq!(parse_addr_range(&r.to_string()), Ok(r));
        assert_eq!(r.len(), 20);
        assert!(!r.is_empty());
        assert!(r.contains(ip("10.25.11.100")));
        assert!(r.contains(ip("10.25.11.119")));
        assert!(!r.contains(ip("10.25.11.120")));
        assert!(!r.contains(ip("::1")));

        // Touching at one address counts as overlap; adjacent does not.
        assert!(r.overlaps(&range("10.25.11.119", "10.25.11.130")));
        assert!(r.overlaps(&range("10.25.11.0", "10.25.11.255")));
        assert!(range("10.25.11.0", "10.25.11.255").overlaps(&r));
        assert!(!r.overlaps(&range("10.25.11.120", "10.25.11.130")));
        assert!(!r.overlaps(&range("10.25.11.0", "10.25.11.99")));
        assert!(!r.overlaps(&range("::", "ffff::")));

        assert!(r.overlaps_net(&parse_cidr("10.25.11.0/24").unwrap()));
        assert!(r.overlaps_net(&parse_cidr("10.25.11.112/28").unwrap()));
        assert!(r.overlaps_net(&parse_cidr("10.0.0.0/8").unwrap()));
        assert!(!r.overlaps_net(&parse_cidr("10.25.11.0/26").unwrap())); // .0-.63
        assert!(!r.overlaps_net(&parse_cidr("10.25.11.120/29").unwrap())); // .120-.127
        assert!(!r.overlaps_net(&parse_cidr("10.244.0.0/16").unwrap()));
        assert!(!r.overlaps_net(&parse_cidr("::/0").unwrap()));

        let v6 = range("fd00::10", "fd00::1f");
        assert_eq!(v6.len(), 16);
        assert!(v6.overlaps_net(&parse_cidr("fd00::/64").unwrap()));
        assert_eq!(
            range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").len(),
            u128::MAX
        );
        assert_eq!(range("0.0.0.0", "255.255.255.255").len(), 1 << 32);

        let e = AddrRange::new(ip("10.0.0.9"), ip("10.0.0.1")).unwrap_err();
        assert_eq!(
            e.message,
            "`10.0.0.9-10.0.0.1` is not a valid address range: the start comes after the end"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `10.0.0.1-10.0.0.9`?"));
        assert!(AddrRange::new(ip("10.0.0.1"), ip("::1"))
            .unwrap_err()
            .message
            .contains("mixes"));
        // A malformed range built by hand is empty rather than a panic.
        let bad = AddrRange {
            start: ip("10.0.0.9"),
            end: ip("10.0.0.1"),
        };
        assert_eq!(bad.len(), 0);
        assert!(bad.is_empty());
        assert!(parse_addr_range("10.0.0.1").is_err());
        assert!(parse_addr_range("10.0.0.1-10.0.0.300")
            .unwrap_err()
            .message
            .contains("the end: octet 300"));
    }

    // ---- ports and AS numbers ----

    #[test]
    fn ports_and_asns() {
        assert_eq!(parse_port(1), Ok(1));
        assert_eq!(parse_port(65535), Ok(65535));
        assert_eq!(
            parse_port(0).unwrap_err().message,
            "port 0 is not allowed: ports run from 1 to 65535"
        );
        assert!(parse_port(65536).unwrap_err().message.contains("too large"));
        assert!(parse_port(-1).unwrap_err().message.contains("negative"));
        assert!(parse_port(i64::MIN).is_err());

        assert_eq!(parse_asn(1), Ok(1));
        assert_eq!(parse_asn(64512), Ok(64512));
        assert_eq!(parse_asn(4_294_967_295), Ok(u32::MAX));
        assert!(parse_asn(0).unwrap_err().message.contains("reserved"));
        assert!(parse_asn(4_294_967_296)
            .unwrap_err()
            .message
            .contains("too large"));
        assert!(parse_asn(-5).is_err());

        assert!(is_private_asn(64512));
        assert!(is_private_asn(65534));
        assert!(!is_private_asn(65535));
        assert!(!is_private_asn(64511));
        assert!(is_private_asn(4_200_000_000));
        assert!(is_private_asn(4_294_967_294));
        assert!(!is_private_asn(4_294_967_295));
        assert!(!is_private_asn(13335));
    }

    // ---- versions ----

    #[test]
    fn versions() {
        let v = parse_version("v1.18.6").unwrap();
        assert_eq!(v.text, "v1.18.6");
        assert_eq!(v.to_string(), "v1.18.6");
        assert_eq!(v.semver, semver::Version::new(1, 18, 6));
        assert_eq!(
            parse_version("1.18.3").unwrap().semver,
            semver::Version::new(1, 18, 3)
        );
        assert_eq!(
            parse_version("0.26.1").unwrap().semver,
            semver::Version::new(0, 26, 1)
        );
        let v = parse_version("1.2").unwrap();
        assert_eq!(v.text, "1.2");
        assert_eq!(v.semver, semver::Version::new(1, 2, 0));
        let v = parse_version("v1.2-rc.1+build.5").unwrap();
        assert_eq!(v.semver.to_string(), "1.2.0-rc.1+build.5");
        assert_eq!(
            parse_version("1.0.0-alpha").unwrap().semver.pre.as_str(),
            "alpha"
        );
        let v = parse_version("v1.18.6").unwrap();
        assert_eq!(parse_version(&v.to_string()), Ok(v));

        let e = parse_version("1").unwrap_err();
        assert!(e.message.contains("major and a minor"));
        assert_eq!(e.help.as_deref(), Some("did you mean `1.0`?"));
        assert!(parse_version("1.2.3.4")
            .unwrap_err()
            .message
            .contains("more than three"));
        assert!(parse_version("01.2.3")
            .unwrap_err()
            .message
            .contains("leading zero"));
        assert!(parse_version("1..3")
            .unwrap_err()
            .message
            .contains("empty number"));
        assert!(parse_version("latest")
            .unwrap_err()
            .message
            .contains("`latest` is not a number"));
        assert_eq!(
            parse_version("V1.2.3").unwrap_err().help.as_deref(),
            Some("did you mean `v1.2.3`?")
        );
        assert!(parse_version("v").is_err());
        assert!(parse_version("1.2.3-").is_err());
        assert!(parse_version("99999999999999999999.0.0").is_err());
        assert!(parse_version("1.2.3-ü").is_err());
    }

    // ---- URLs ----

    #[test]
    fn urls() {
        let u = parse_url("https://charts.example.com/release").unwrap();
        assert_eq!(u.host_str(), Some("charts.example.com"));
        let u = parse_url("oci://registry.example.com/x/charts/y").unwrap();
        assert_eq!(u.scheme(), "oci");
        assert_eq!(u.host_str(), Some("registry.example.com"));
        assert_eq!(u.path(), "/x/charts/y");
        let u = parse_url("http://10.25.11.3:9000").unwrap();
        assert_eq!(u.port(), Some(9000));

        let e = parse_url("charts.example.com/release").unwrap_err();
        assert_eq!(
            e.message,
            "`charts.example.com/release` is not a valid URL: it has no scheme (such as `https://`)"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `https://charts.example.com/release`?")
        );
        assert_eq!(
            parse_url("10.25.11.3:9000").unwrap_err().help.as_deref(),
            Some("did you mean `https://10.25.11.3:9000`?")
        );
        assert_eq!(
            parse_url("https:/a.io").unwrap_err().help.as_deref(),
            Some("did you mean `https://a.io`?")
        );
        let e = parse_url("https://a.io/my chart").unwrap_err();
        assert!(e.message.ends_with("it contains a space"));
        assert_eq!(
            e.help.as_deref(),
            Some("write a space inside a URL as `%20`")
        );
        assert_eq!(
            parse_url(" https://a.io").unwrap_err().help.as_deref(),
            Some("did you mean `https://a.io`?")
        );
        assert!(parse_url("https://")
            .unwrap_err()
            .message
            .contains("nothing after"));
        assert!(parse_url("https:///x")
            .unwrap_err()
            .message
            .contains("host is empty"));
        assert!(parse_url("https://:80/x")
            .unwrap_err()
            .message
            .contains("host is empty"));
        assert!(parse_url("oci:///x")
            .unwrap_err()
            .message
            .contains("host is empty"));
        assert!(parse_url("http://a.io:99999")
            .unwrap_err()
            .message
            .contains("port"));
        assert!(parse_url("://a.io")
            .unwrap_err()
            .message
            .contains("scheme before"));
        assert!(parse_url("").is_err());
        assert_eq!(parse_url("+1").unwrap_err().help, None);
        assert_eq!(
            parse_url("localhost:8080").unwrap_err().help.as_deref(),
            Some("did you mean `https://localhost:8080`?")
        );
    }

    // ---- Kubernetes names ----

    #[test]
    fn k8s_names_good() {
        for rule in [NameRule::Label, NameRule::Subdomain] {
            assert_eq!(check_k8s_name("node-pool", rule), Ok(()));
            assert_eq!(check_k8s_name("a", rule), Ok(()));
            assert_eq!(check_k8s_name("0abc9", rule), Ok(()));
            assert_eq!(check_k8s_name(&"a".repeat(63), rule), Ok(()));
        }
        assert_eq!(check_k8s_name("example.io", NameRule::Subdomain), Ok(()));
        assert_eq!(
            check_k8s_name(&"a".repeat(253), NameRule::Subdomain),
            Ok(())
        );
    }

    #[test]
    fn k8s_names_bad() {
        let e = check_k8s_name("Foo", NameRule::Label).unwrap_err();
        assert_eq!(
            e.message,
            "`Foo` is not a valid Kubernetes name: it contains uppercase letters"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `foo`?"));
        let e = check_k8s_name("my_app", NameRule::Label).unwrap_err();
        assert!(e.message.contains("`_`"));
        assert_eq!(e.help.as_deref(), Some("did you mean `my-app`?"));
        let e = check_k8s_name("a.b", NameRule::Label).unwrap_err();
        assert!(e.message.contains("DNS-1123 label"));
        assert_eq!(e.help.as_deref(), Some("did you mean `a-b`?"));
        let e = check_k8s_name("-web-", NameRule::Label).unwrap_err();
        assert!(e.message.contains("starts with `-`"));
        assert_eq!(e.help.as_deref(), Some("did you mean `web`?"));
        assert!(check_k8s_name("web-", NameRule::Label)
            .unwrap_err()
            .message
            .contains("ends with `-`"));
        let e = check_k8s_name("a..b", NameRule::Subdomain).unwrap_err();
        assert!(e.message.contains("empty part"));
        assert_eq!(e.help.as_deref(), Some("did you mean `a.b`?"));
        let e = check_k8s_name("a.-b", NameRule::Subdomain).unwrap_err();
        assert!(e.message.contains("the part `-b` starts with `-`"));
        assert_eq!(e.help.as_deref(), Some("did you mean `a.b`?"));
        let e = check_k8s_name("My App", NameRule::Label).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `my-app`?"));

        let long = "a".repeat(64);
        let e = check_k8s_name(&long, NameRule::Label).unwrap_err();
        assert!(e
            .message
            .ends_with("it is 64 characters long, the limit is 63"));
        assert_eq!(e.help, Some(format!("did you mean `{}`?", "a".repeat(63))));
        assert!(check_k8s_name(&"a".repeat(254), NameRule::Subdomain)
            .unwrap_err()
            .message
            .contains("254 characters long, the limit is 253"));

        assert_eq!(
            check_k8s_name("", NameRule::Label).unwrap_err().message,
            "a Kubernetes name cannot be empty"
        );
        // Nothing salvageable: no help rather than a bad one.
        assert_eq!(
            check_k8s_name("日本語", NameRule::Label).unwrap_err().help,
            None
        );
        assert_eq!(
            check_k8s_name("---", NameRule::Label).unwrap_err().help,
            None
        );
        assert_eq!(
            check_k8s_name("Café", NameRule::Label).unwrap_err().help,
            None
        );
        assert_eq!(
            check_k8s_name("Node/Pool", NameRule::Label)
                .unwrap_err()
                .help
                .as_deref(),
            Some("did you mean `node-pool`?")
        );
    }

    // ---- percentages ----

    #[test]
    fn percents() {
        assert_eq!(parse_percent("90%"), Ok(9000));
        assert_eq!(parse_percent("12.5%"), Ok(1250));
        assert_eq!(parse_percent("0%"), Ok(0));
        assert_eq!(parse_percent("100%"), Ok(10_000));
        assert_eq!(parse_percent("0.01%"), Ok(1));
        assert_eq!(parse_percent("100.00%"), Ok(10_000));
        for bp in [0, 1, 10, 1250, 9000, 9999, 10_000] {
            assert_eq!(parse_percent(&format_percent(bp)), Ok(bp), "{bp}");
        }
        assert_eq!(format_percent(1250), "12.5%");
        assert_eq!(format_percent(1), "0.01%");

        let e = parse_percent("90").unwrap_err();
        assert_eq!(
            e.message,
            "`90` is not a valid percentage: it has no `%` sign"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `90%`?"));
        assert!(parse_percent("100.01%")
            .unwrap_err()
            .message
            .contains("more than 100%"));
        assert!(parse_percent("99999999999999999999999999999999999999999%").is_err());
        assert!(parse_percent("12.345%")
            .unwrap_err()
            .message
            .contains("2 decimal places"));
        assert!(parse_percent("-5%").is_err());
        assert!(parse_percent("%").is_err());
        assert!(parse_percent("5%%").is_err());
        assert!(parse_percent("").is_err());
    }

    #[test]
    fn error_display_is_the_message() {
        let e = parse_port(0).unwrap_err();
        assert_eq!(e.to_string(), e.message);
    }
}
