//! The `format`s the validator checks, each a small parser that says why a text is not
//! of the format. Names are Kubernetes' (the API server's format registry) plus
//! `quantity`, which the core import gives to `resource.Quantity` strings.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The string formats checked; any other format is recorded but not checked (the
/// importer notes it).
pub const STRING_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "duration",
    "ipv4",
    "ipv6",
    "cidr",
    "uri",
    "byte",
    "uuid",
    "hostname",
    "quantity",
];

/// The number formats checked (a range); `float` and `double` need no check.
pub const NUMBER_FORMATS: &[&str] = &["int32", "int64", "uint64", "float", "double"];

/// Whether the validator checks `format` at all.
pub fn is_known(format: &str) -> bool {
    STRING_FORMATS.contains(&format) || NUMBER_FORMATS.contains(&format)
}

/// Why `text` is not of `format`, or `None` when it is (or the format is not checked).
pub fn check_string(format: &str, text: &str) -> Option<String> {
    let ok = |b: bool, why: &str| if b { None } else { Some(why.to_string()) };
    match format {
        "date-time" => date_time(text),
        "date" => date(text),
        "duration" => go_duration(text),
        "ipv4" => ok(text.parse::<Ipv4Addr>().is_ok(), "not an IPv4 address"),
        "ipv6" => ok(text.parse::<Ipv6Addr>().is_ok(), "not an IPv6 address"),
        "cidr" => ok(
            text.parse::<ipnet::IpNet>().is_ok(),
            "not a CIDR (an address, `/` and a prefix length)",
        ),
        "uri" => ok(url::Url::parse(text).is_ok(), "not an absolute URI"),
        "byte" => ok(is_base64(text), "not base64 (standard alphabet, padded)"),
        "uuid" => ok(is_uuid(text), "not a UUID (8-4-4-4-12 hex digits)"),
        "hostname" => ok(
            is_hostname(text),
            "not a DNS name (labels of a-z, 0-9 and `-`, at most 63 characters)",
        ),
        "quantity" => quantity(text),
        _ => None,
    }
}

/// Why `value` is out of an integer format's range.
pub fn check_integer(format: &str, value: i64) -> Option<String> {
    match format {
        "int32" if i32::try_from(value).is_err() => {
            Some("out of the 32-bit integer range".to_string())
        }
        "uint64" if value < 0 => Some("negative, where an unsigned integer is wanted".into()),
        _ => None,
    }
}

/// Why a number that is not an integer does not fit an integer format.
pub fn check_fraction(format: &str) -> Option<String> {
    matches!(format, "int32" | "int64" | "uint64").then(|| "not an integer".to_string())
}

fn digits(text: &str, n: usize) -> Option<u32> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// RFC 3339 `full-date`.
fn date(text: &str) -> Option<String> {
    let bad = || Some("not a date (YYYY-MM-DD)".to_string());
    let mut parts = text.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return bad();
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return bad();
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Some(format!("month {m} does not exist")),
    };
    if d == 0 || d > days {
        return Some(format!("day {d} does not exist in month {m}"));
    }
    None
}

/// RFC 3339 `date-time`: a date, `T`, a time with optional fraction, and `Z` or an offset.
fn date_time(text: &str) -> Option<String> {
    let bad = || Some("not a date-time (RFC 3339, like 2024-01-31T12:00:00Z)".to_string());
    let Some(t) = text.find(['T', 't']) else {
        return bad();
    };
    if let Some(why) = date(&text[..t]) {
        return Some(why);
    }
    let time = &text[t + 1..];
    let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(z) => time.split_at(z),
        None => return bad(),
    };
    let zone_ok = matches!(zone, "Z" | "z")
        || (zone.len() == 6
            && zone.as_bytes()[3] == b':'
            && digits(&zone[1..3], 2).is_some_and(|h| h < 24)
            && digits(&zone[4..6], 2).is_some_and(|m| m < 60));
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut parts = hms.splitn(3, ':');
    let (Some(h), Some(m), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return bad();
    };
    let fields_ok = digits(h, 2).is_some_and(|h| h < 24)
        && digits(m, 2).is_some_and(|m| m < 60)
        // 60: a leap second.
        && digits(s, 2).is_some_and(|s| s <= 60)
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if zone_ok && fields_ok {
        None
    } else {
        bad()
    }
}

/// A Go `time.Duration` as Kubernetes writes them: `1h30m`, `90s`, `1.5h`, `-5m`, `0`.
fn go_duration(text: &str) -> Option<String> {
    let bad = || {
        Some("not a duration (a number and a unit: ns, us, ms, s, m, h; like 1h30m)".to_string())
    };
    let rest = text.strip_prefix(['-', '+']).unwrap_or(text);
    if rest == "0" {
        return None;
    }
    if rest.is_empty() {
        return bad();
    }
    let mut rest = rest;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return bad();
        }
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit_end],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return bad();
        }
        rest = &rest[unit_end..];
    }
    None
}

/// A Kubernetes `resource.Quantity`: a signed decimal and a suffix (`Ki`...`Ei`, `m`,
/// `k`, `M`...`E`, or an exponent `e3`).
fn quantity(text: &str) -> Option<String> {
    let bad =
        || Some("not a quantity (a number and an optional unit, like 500m, 2Gi, 1.5)".to_string());
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number_end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|exp| exp.strip_prefix(['+', '-']).unwrap_or(exp))
        .is_some_and(|exp| !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit()));
    if number_ok && suffix_ok {
        None
    } else {
        bad()
    }
}

fn is_base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let body = text.trim_end_matches('=');
    bytes.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// RFC 1123 host name, as JSON Schema's `hostname` (letters in either case).
fn is_hostname(text: &str) -> bool {
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_accept_and_refuse_the_right_texts() {
        let cases = [
            ("date-time", "2024-02-29T12:00:00Z", true),
            ("date-time", "2024-02-29T12:00:00.5+01:00", true),
            ("date-time", "2023-02-29T12:00:00Z", false),
            ("date-time", "2024-01-01 12:00", false),
            ("date", "2024-12-31", true),
            ("date", "2024-13-01", false),
            ("duration", "1h30m", true),
            ("duration", "1.5s", true),
            ("duration", "0", true),
            ("duration", "30", false),
            ("duration", "5d", false),
            ("ipv4", "10.0.0.1", true),
            ("ipv4", "10.0.0.256", false),
            ("ipv6", "fd00::1", true),
            ("cidr", "10.0.0.0/8", true),
            ("cidr", "10.0.0.0", false),
            ("uri", "https://example.com/x", true),
            ("uri", "example.com", false),
            ("byte", "aGVsbG8=", true),
            ("byte", "aGVsbG8", false),
            ("uuid", "123e4567-e89b-12d3-a456-426614174000", true),
            ("uuid", "123e4567", false),
            ("hostname", "api.example.com", true),
            ("hostname", "-bad.example.com", false),
            ("quantity", "500m", true),
            ("quantity", "2Gi", true),
            ("quantity", "1e3", true),
            ("quantity", "2GB", false),
            ("quantity", "", false),
        ];
        for (format, text, good) in cases {
            assert_eq!(
                check_string(format, text).is_none(),
                good,
                "{format} {text:?}"
            );
        }
        assert!(check_integer("int32", 1 << 40).is_some());
        assert!(check_integer("int64", 1 << 40).is_none());
    }
}
