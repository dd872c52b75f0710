//! Tags: the user tags a sample carries ([`TagSet`]), the tag selectors of sub-metrics
//! ([`Selector`], spec §5.3) and how a selector reads a sample's tags without building a map
//! ([`TagLookup`]).
//!
//! A sample's tags are its system tags (k6's `method`, `status`, `url`, `name`, `group`,
//! `scenario`, `check`...), which the engine knows from the request, the outcome or the call,
//! and its user tags (`options.tags`, scenario `tags`, `exec.vu.tags`, `params.tags`, a check's or
//! a custom metric's tags), which come as one [`TagSet`]. Matching a selector looks each of its
//! tags up in both: nothing is allocated per sample.

use std::sync::Arc;

/// One tag: name and value.
type Tag = (Box<str>, Box<str>);

/// User tags, sorted by name, names unique. Cloning shares them; the empty set holds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagSet(Option<Arc<[Tag]>>);

impl TagSet {
    /// From pairs in any order; a later pair wins over an earlier one of the same name (as a
    /// JS object's last property does).
    pub fn new<K: Into<Box<str>>, V: Into<Box<str>>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> TagSet {
        let mut all: Vec<Tag> = Vec::new();
        for (k, v) in pairs {
            let (k, v) = (k.into(), v.into());
            match all.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => all.push((k, v)),
            }
        }
        if all.is_empty() {
            return TagSet(None);
        }
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        TagSet(Some(all.into()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let all = self.0.as_deref()?;
        all.binary_search_by(|(k, _)| (**k).cmp(name))
            .ok()
            .map(|i| &*all[i].1)
    }

    /// In name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|(k, v)| (&**k, &**v))
    }
}

/// Where a selector reads a sample's tags. `has` answers without allocating: numbers (status,
/// error_code) are compared as decimal text made on the stack.
pub trait TagLookup {
    fn has(&self, name: &str, value: &str) -> bool;
}

/// A sub-metric's tag selector: `tag:value,tag2:value2`, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    tags: Box<[Tag]>,
}

impl Selector {
    /// k6's reading of the text between the braces (`Metric.AddSubmetric`): trimmed; pairs split
    /// on `,` (empty parts skipped), then on the first `:`; name and value trimmed of spaces and
    /// then of `"` and `'`; a part without `:` selects the empty value; a repeated name keeps its
    /// last value.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("a sub-metric selector cannot be empty".into());
        }
        let trim = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        let pairs =
            text.split(',')
                .filter(|kv| !kv.is_empty())
                .map(|kv| match kv.split_once(':') {
                    Some((k, v)) => (trim(k), trim(v)),
                    None => (trim(kv), String::new()),
                });
        let set = TagSet::new(pairs);
        Ok(Selector {
            tags: set
                .iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect::<Vec<_>>()
                .into(),
        })
    }

    /// The selected tags, sorted by name.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Whether a sample with these tags belongs to the sub-metric: it has every selected tag.
    #[inline]
    pub fn matches(&self, sample: &impl TagLookup) -> bool {
        self.tags.iter().all(|(k, v)| sample.has(k, v))
    }
}

/// A threshold key split as k6 does (`metrics/engine`, getThresholdMetricOrSubmetric): the parent
/// metric before the first `{`, and the selector text between it and a closing `}` at the end.
/// None for a plain metric key.
pub fn split_key(key: &str) -> Result<Option<(&str, &str)>, String> {
    let key = key.trim();
    let Some(open) = key.find('{') else {
        return Ok(None);
    };
    let Some(inner) = key[open + 1..].strip_suffix('}') else {
        return Err(format!(
            "invalid threshold key {key:?}: missing the closing bracket, a sub-metric is written 'metric{{tag:value}}'"
        ));
    };
    Ok(Some((key[..open].trim(), inner)))
}

/// Small decimal numbers as text, on the stack (the status and error_code tags).
pub struct Digits {
    buf: [u8; 10],
    start: usize,
}

impl Digits {
    pub fn new(mut n: u32) -> Self {
        let mut buf = [0u8; 10];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Digits { buf, start }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("0")
    }
}

/// The tags of a request's samples: system tags from the request and its outcome, user tags
/// from the call. k6's system tags win over user tags of the same name, except `name`, which a
/// user tag sets (else it is the URL); k6 v0.49 then gives `url` that name as well.
pub struct HttpTags<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// `HTTP/1.1`; empty when no response came (no `proto` tag then).
    pub proto: &'a str,
    pub status: u16,
    /// The response callback's verdict; None: no callback, no `expected_response` tag.
    pub expected: Option<bool>,
    pub error: Option<&'a str>,
    pub error_code: u32,
    /// `""` for the root group.
    pub group: &'a str,
    /// None: no scenario (setup and teardown).
    pub scenario: Option<&'a str>,
    pub user: &'a TagSet,
}

impl TagLookup for HttpTags<'_> {
    fn has(&self, name: &str, value: &str) -> bool {
        match name {
            "method" => self.method == value,
            "url" | "name" => self.user.get("name").unwrap_or(self.url) == value,
            "proto" => !self.proto.is_empty() && self.proto == value,
            "status" => Digits::new(u32::from(self.status)).as_str() == value,
            "expected_response" => match self.expected {
                Some(expected) => value == if expected { "true" } else { "false" },
                None => false,
            },
            "error" => self.error == Some(value),
            "error_code" => self.error_code != 0 && Digits::new(self.error_code).as_str() == value,
            "group" => self.group == value,
            "scenario" => self.scenario == Some(value),
            _ => self.user.get(name) == Some(value),
        }
    }
}

/// The tags of any other sample (checks, group durations, iterations, custom metrics): a few
/// system tags given by the caller, then the user tags.
pub struct PointTags<'a> {
    pub system: &'a [(&'a str, &'a str)],
    pub user: &'a TagSet,
}

impl TagLookup for PointTags<'_> {
    fn has(&self, name: &str, value: &str) -> bool {
        match self.system.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => *v == value,
            None => self.user.get(name) == Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(text: &str) -> Selector {
        Selector::parse(text).unwrap()
    }

    fn http<'a>(user: &'a TagSet, status: u16) -> HttpTags<'a> {
        HttpTags {
            method: "GET",
            url: "http://127.0.0.1:1/a",
            proto: "HTTP/1.1",
            status,
            expected: Some((200..400).contains(&status)),
            error: None,
            error_code: 0,
            group: "::g",
            scenario: Some("default"),
            user,
        }
    }

    #[test]
    fn selectors_parse_as_k6_reads_them() {
        let s = selector(" status: 200 , method:'GET',\"name\":\"x y\",,flag ");
        let tags: Vec<_> = s.tags().collect();
        assert_eq!(
            tags,
            [
                ("flag", ""),
                ("method", "GET"),
                ("name", "x y"),
                ("status", "200")
            ]
        );
        // The value is everything after the first colon: groups keep their `::`.
        assert_eq!(
            selector("group:::a::b").tags().collect::<Vec<_>>(),
            [("group", "::a::b")]
        );
        assert_eq!(selector("a:1,a:2").tags().collect::<Vec<_>>(), [("a", "2")]);
        assert!(Selector::parse("  ").is_err());
    }

    #[test]
    fn keys_split_into_parent_and_selector() {
        assert_eq!(split_key("http_reqs").unwrap(), None);
        assert_eq!(
            split_key(" http_reqs{status:404} ").unwrap(),
            Some(("http_reqs", "status:404"))
        );
        assert!(split_key("http_reqs{status:404").is_err());
    }

    #[test]
    fn http_selectors_match_system_and_user_tags() {
        let none = TagSet::default();
        assert!(selector("status:404").matches(&http(&none, 404)));
        assert!(!selector("status:404").matches(&http(&none, 200)));
        assert!(selector("expected_response:false").matches(&http(&none, 500)));
        assert!(selector("method:GET,group:::g,scenario:default").matches(&http(&none, 200)));
        assert!(!selector("method:POST").matches(&http(&none, 200)));
        // Without a name tag, the name is the URL.
        assert!(selector("name:http://127.0.0.1:1/a").matches(&http(&none, 200)));
        let user = TagSet::new([("name", "login"), ("kind", "api"), ("method", "POST")]);
        assert!(selector("name:login,kind:api").matches(&http(&user, 200)));
        // k6 replaces the url tag with the name too.
        assert!(selector("url:login").matches(&http(&user, 200)));
        assert!(!selector("kind:web").matches(&http(&user, 200)));
        // A system tag wins over a user tag of the same name.
        assert!(selector("method:GET").matches(&http(&user, 200)));
        assert!(!selector("missing:x").matches(&http(&user, 200)));
        assert!(!selector("error_code:0").matches(&http(&none, 200)));
    }

    #[test]
    fn point_selectors_read_system_tags_first() {
        let user = TagSet::new([("check", "user"), ("mytag", "x")]);
        let tags = PointTags {
            system: &[("check", "is 200"), ("group", "")],
            user: &user,
        };
        assert!(selector("check:is 200,mytag:x,group:").matches(&tags));
        assert!(!selector("check:user").matches(&tags));
    }

    #[test]
    fn tag_sets_sort_and_keep_the_last_value() {
        let t = TagSet::new([("b", "1"), ("a", "2"), ("b", "3")]);
        assert_eq!(t.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "3")]);
        assert_eq!(t.get("b"), Some("3"));
        assert_eq!(t.get("c"), None);
        assert!(TagSet::new(Vec::<(String, String)>::new()).is_empty());
    }
}
