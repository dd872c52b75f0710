//! Which responses count as expected: k6's `responseCallback` (spec §5.2). It decides a
//! request's `expected_response` tag, its `http_req_failed` sample and whether it feeds the
//! built-in `http_req_duration{expected_response:true}`.

use crate::http::Outcome;

/// A request's response callback. k6 passes the callback status 0 when the request failed
/// (lib/netext/httpext/transport.go), and so does [`Outcome::status`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ExpectedStatuses {
    /// k6's default callback, `http.expectedStatuses({min: 200, max: 399})`.
    #[default]
    Default,
    /// `http.setResponseCallback(null)` (or `responseCallback: null`): k6 then neither tags the
    /// request `expected_response` nor emits `http_req_failed` for it.
    Unjudged,
    /// `http.expectedStatuses(...)`: inclusive ranges (a single status is `n-n`).
    Ranges(Box<[(u32, u32)]>),
}

impl ExpectedStatuses {
    /// Whether the outcome was expected; None: not judged at all.
    pub fn judge(&self, outcome: &Outcome) -> Option<bool> {
        let status = u32::from(outcome.status);
        match self {
            ExpectedStatuses::Default => Some(is_expected_status(outcome.status)),
            ExpectedStatuses::Unjudged => None,
            ExpectedStatuses::Ranges(ranges) => Some(
                ranges
                    .iter()
                    .any(|&(min, max)| min <= status && status <= max),
            ),
        }
    }

    /// The wire form the script runtime sends: `none` (no callback) or comma-separated statuses
    /// and inclusive `min-max` ranges, as `200-399,418`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "none" {
            return Ok(ExpectedStatuses::Unjudged);
        }
        let bad = || {
            format!("invalid expected statuses {text:?}: want `none` or statuses and ranges like `200-399,418`")
        };
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        let ranges = text
            .split(',')
            .map(|part| match part.split_once('-') {
                Some((min, max)) => Ok((number(min)?, number(max)?)),
                None => number(part).map(|n| (n, n)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ExpectedStatuses::Ranges(ranges.into_boxed_slice()))
    }
}

/// k6's default expected statuses: 200-399 are not failures.
pub fn is_expected_status(status: u16) -> bool {
    (200..400).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: u16) -> Outcome {
        Outcome {
            status,
            ..Outcome::default()
        }
    }

    #[test]
    fn default_expects_200_to_399() {
        let d = ExpectedStatuses::Default;
        assert_eq!(d.judge(&outcome(200)), Some(true));
        assert_eq!(d.judge(&outcome(399)), Some(true));
        assert_eq!(d.judge(&outcome(404)), Some(false));
        assert_eq!(d.judge(&outcome(0)), Some(false));
    }

    #[test]
    fn ranges_and_single_statuses_match_inclusively() {
        let e = ExpectedStatuses::parse("200-204,404").unwrap();
        assert_eq!(e.judge(&outcome(204)), Some(true));
        assert_eq!(e.judge(&outcome(205)), Some(false));
        assert_eq!(e.judge(&outcome(404)), Some(true));
        // k6 hands a failed request's callback status 0: only a range with 0 expects it.
        assert_eq!(e.judge(&outcome(0)), Some(false));
        assert_eq!(
            ExpectedStatuses::parse("0").unwrap().judge(&outcome(0)),
            Some(true)
        );
    }

    #[test]
    fn none_judges_nothing() {
        let e = ExpectedStatuses::parse("none").unwrap();
        assert_eq!(e, ExpectedStatuses::Unjudged);
        assert_eq!(e.judge(&outcome(500)), None);
    }

    #[test]
    fn malformed_text_is_an_error() {
        for text in ["", "abc", "200-", "1,,2", "-5"] {
            assert!(ExpectedStatuses::parse(text).is_err(), "{text}");
        }
    }
}
