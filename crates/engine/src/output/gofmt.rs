//! Go's text forms of numbers, times and strings, as k6's outputs write them: a file written here
//! must read the same as k6's, byte for byte, for tools that parse k6 results.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// A float as easyjson writes it (k6's JSON output): Go's `strconv.AppendFloat(b, v, 'g', -1, 64)`.
/// Shortest round-trip digits; exponent form when the exponent is below -4 or at least 6
/// (`1.234567e+06`, `1e-05`), at least two exponent digits.
pub fn float_g(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // Rust's `{:e}` gives the same shortest digits Go picks: `d.ddde<exp>`.
    let mut sci = [0u8; 40];
    let len = {
        let mut cursor = std::io::Cursor::new(&mut sci[..]);
        let _ = write!(cursor, "{v:e}");
        cursor.position() as usize
    };
    let sci = &sci[..len];
    let e_at = sci.iter().position(|&c| c == b'e').unwrap_or(len);
    let exp: i32 = std::str::from_utf8(&sci[e_at + 1..])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if !(-4..6).contains(&exp) {
        out.extend_from_slice(&sci[..e_at]);
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push(b'0');
        }
        let _ = write!(out, "{a}");
    } else {
        // Inside that range Rust's Display prints the same digits without an exponent.
        let _ = write!(out, "{v}");
    }
}

/// A float as Go's `fmt.Sprintf("%f", v)` (k6's CSV `metric_value`).
pub fn float_f6(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else {
        let _ = write!(out, "{v:.6}");
    }
}

/// Seconds and nanoseconds since the Unix epoch (negative times are clamped to the epoch).
pub fn unix(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(_) => (0, 0),
    }
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Go's `time.Time.MarshalJSON` of a local time (k6 stamps samples with `time.Now()`): RFC 3339
/// with nanoseconds, trailing zeros of the fraction dropped, `Z` for a zero offset, otherwise
/// `+hh:mm`. `offset_secs` is the local offset east of UTC.
pub fn rfc3339_nano(t: SystemTime, offset_secs: i32, out: &mut Vec<u8>) {
    let (secs, nanos) = unix(t);
    let local = secs + i64::from(offset_secs);
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let _ = write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if nanos != 0 {
        let mut frac = [0u8; 9];
        let mut n = nanos;
        for slot in frac.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let mut end = 9;
        while frac[end - 1] == b'0' {
            end -= 1;
        }
        out.push(b'.');
        out.extend_from_slice(&frac[..end]);
    }
    if offset_secs == 0 {
        out.push(b'Z');
    } else {
        let sign = if offset_secs < 0 { '-' } else { '+' };
        let a = offset_secs.unsigned_abs() / 60;
        let _ = write!(out, "{sign}{:02}:{:02}", a / 60, a % 60);
    }
}

/// Go's `time.Time.Format(time.RFC3339)`: like [`rfc3339_nano`] without the fraction.
pub fn rfc3339(t: SystemTime, offset_secs: i32, out: &mut Vec<u8>) {
    let (secs, _) = unix(t);
    rfc3339_nano(
        UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64),
        offset_secs,
        out,
    );
}

/// Go's `time.Duration.String()` of a whole number of milliseconds: `10s`, `1m30s`, `1h0m0s`,
/// `500ms`, `1.5s`, `0s`.
pub fn go_duration_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let secs = if rest % 1000 == 0 {
        format!("{}s", rest / 1000)
    } else {
        let frac = format!("{:03}", rest % 1000);
        format!("{}.{}s", rest / 1000, frac.trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A JSON string as easyjson writes it: `"` and `\` escaped, `\n` `\r` `\t` short, other control
/// characters as `\u00XX`, and HTML-safe (`<`, `>`, `&`, U+2028, U+2029 as `\uXXXX`), which is
/// easyjson's default and Go's `encoding/json` too.
pub fn json_string(s: &str, out: &mut Vec<u8>) {
    json_string_with(s, true, out);
}

/// As [`json_string`] but leaving `<`, `>` and `&` alone: Go's encoder with `SetEscapeHTML(false)`,
/// which k6 uses for threshold expressions (`"p(95)<5000"` in the golden file).
pub fn json_string_no_html(s: &str, out: &mut Vec<u8>) {
    json_string_with(s, false, out);
}

fn json_string_with(s: &str, html: bool, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let escape: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            c if c < 0x20 || (html && matches!(c, b'<' | b'>' | b'&')) => None,
            // U+2028 and U+2029: E2 80 A8 / E2 80 A9.
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8) | Some(0xA9)) =>
            {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(if bytes[i + 2] == 0xA8 {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                });
                i += 3;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 0xF) as usize],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// One CSV field as Go's `encoding/csv` writes it: quoted when it holds a comma, a quote, CR or
/// LF, starts with a space, or is `\.`; quotes doubled inside.
pub fn csv_field(s: &str, out: &mut Vec<u8>) {
    let needs_quotes = !s.is_empty()
        && (s == r"\."
            || s.bytes().any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'))
            || s.chars().next().is_some_and(char::is_whitespace));
    if !needs_quotes {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for c in s.bytes() {
        if c == b'"' {
            out.extend_from_slice(b"\"\"");
        } else {
            out.push(c);
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn g(v: f64) -> String {
        let mut out = Vec::new();
        float_g(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_read_as_go_g_format() {
        assert_eq!(g(1.0), "1");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(504.582971), "504.582971");
        assert_eq!(g(0.710938), "0.710938");
        assert_eq!(g(271.0), "271");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.00001), "1e-05");
        assert_eq!(g(999_999.0), "999999");
        assert_eq!(g(1_000_000.0), "1e+06");
        assert_eq!(g(1_234_567.0), "1.234567e+06");
        assert_eq!(g(1.5e-10), "1.5e-10");
        assert_eq!(g(-2.5), "-2.5");
        assert_eq!(g(1e21), "1e+21");
    }

    fn t(v: SystemTime, offset: i32) -> String {
        let mut out = Vec::new();
        rfc3339_nano(v, offset, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn times_read_as_go_rfc3339_nano() {
        // The golden file's 2026-11-23T11:03:22.039410344Z.
        let at = UNIX_EPOCH + Duration::new(1_795_431_802, 39_410_344);
        assert_eq!(t(at, 0), "2026-11-23T11:03:22.039410344Z");
        assert_eq!(t(at, 3600), "2026-11-23T12:03:22.039410344+01:00");
        assert_eq!(
            t(at, -(5 * 3600 + 1800)),
            "2026-11-23T05:33:22.039410344-05:30"
        );
        // Trailing zeros go, and a whole second has no fraction at all.
        let at = UNIX_EPOCH + Duration::new(1_795_431_802, 43_275_430);
        assert_eq!(t(at, 0), "2026-11-23T11:03:22.04327543Z");
        assert_eq!(t(UNIX_EPOCH, 0), "1970-01-01T00:00:00Z");
        // A leap day, and a day change through the offset.
        let leap = UNIX_EPOCH + Duration::from_secs(951_825_600); // 2000-02-29T12:00:00Z
        assert_eq!(t(leap, 13 * 3600), "2000-03-01T01:00:00+13:00");
    }

    fn j(s: &str) -> String {
        let mut out = Vec::new();
        json_string(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_as_easyjson() {
        assert_eq!(j("::visit homepage"), "\"::visit homepage\"");
        assert_eq!(j("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(j("<&>"), r#""\u003c\u0026\u003e""#);
        assert_eq!(j("\n\t\u{1}"), r#""\n\t\u0001""#);
        assert_eq!(j("x\u{2028}y é"), "\"x\\u2028y é\"");
        let mut out = Vec::new();
        json_string_no_html("p(95)<5000 && x", &mut out);
        assert_eq!(out, b"\"p(95)<5000 && x\"");
    }

    fn c(s: &str) -> String {
        let mut out = Vec::new();
        csv_field(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_fields_quote_as_go() {
        assert_eq!(c("http://x/?a=1"), "http://x/?a=1");
        assert_eq!(c("a,b"), "\"a,b\"");
        assert_eq!(c("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(c(" lead"), "\" lead\"");
        assert_eq!(c(""), "");
    }

    #[test]
    fn durations_read_as_go() {
        assert_eq!(go_duration_ms(10_000), "10s");
        assert_eq!(go_duration_ms(90_000), "1m30s");
        assert_eq!(go_duration_ms(3_600_000), "1h0m0s");
        assert_eq!(go_duration_ms(1_500), "1.5s");
        assert_eq!(go_duration_ms(500), "500ms");
        assert_eq!(go_duration_ms(0), "0s");
    }

    #[test]
    fn csv_values_have_six_decimals() {
        let mut out = Vec::new();
        float_f6(221.899, &mut out);
        assert_eq!(out, b"221.899000");
    }
}
