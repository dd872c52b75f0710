//! k6's file formats: JSON lines (`--out json=FILE`) and CSV (`--out csv=FILE`). Each format
//! renders samples into its own buffer, written to the file in large blocks by the writer thread.

use super::gofmt;
use super::sample::SampleView;
use super::{ThresholdDecl, ThresholdSource};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Buffered bytes written out at once.
const WRITE_AT: usize = 256 * 1024;

/// A file being written; the first I/O error is kept and the file is given up.
pub(crate) struct FileSink {
    path: PathBuf,
    file: Option<File>,
    buf: Vec<u8>,
    error: Option<String>,
}

impl FileSink {
    pub fn create(path: &Path) -> Result<Self, String> {
        let file = File::create(path)
            .map_err(|e| format!("cannot create the output file {}: {e}", path.display()))?;
        Ok(FileSink {
            path: path.to_path_buf(),
            file: Some(file),
            buf: Vec::with_capacity(WRITE_AT + 4096),
            error: None,
        })
    }

    fn maybe_write(&mut self) {
        if self.buf.len() >= WRITE_AT {
            self.write_out();
        }
    }

    /// Writes what is buffered (the writer calls it every 200 ms, as k6's JSON output flushes).
    pub fn write_out(&mut self) {
        if let Some(file) = &mut self.file {
            if let Err(e) = file.write_all(&self.buf) {
                self.error = Some(format!("cannot write {}: {e}", self.path.display()));
                self.file = None;
            }
        }
        self.buf.clear();
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// What the JSON output's `Metric` lines say besides name, type and contains: each metric's
/// thresholds and sub-metrics (k6 builds both from the test's thresholds).
#[derive(Default)]
pub(crate) struct Declarations {
    /// Metric -> the rendered JSON array of its thresholds.
    thresholds: HashMap<String, Vec<u8>>,
    /// Metric -> its sub-metrics, in order of creation.
    submetrics: HashMap<String, Vec<Submetric>>,
}

struct Submetric {
    name: String,
    suffix: String,
    /// Sorted by key.
    tags: Vec<(String, String)>,
}

/// k6's `Metric.AddSubmetric` reading of `tag:value,tag2:'v2'`: pairs split on `,` then on the
/// first `:`, both sides trimmed of spaces and of `"` and `'`.
fn selector_tags(suffix: &str) -> Vec<(String, String)> {
    let trim = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    let mut tags: Vec<(String, String)> = Vec::new();
    for kv in suffix.split(',').filter(|kv| !kv.is_empty()) {
        let (k, v) = match kv.split_once(':') {
            Some((k, v)) => (trim(k), trim(v)),
            None => (trim(kv), String::new()),
        };
        tags.retain(|(key, _)| *key != k);
        tags.push((k, v));
    }
    tags.sort();
    tags
}

/// k6's `thresholdConfig` JSON: the expression alone, or an object when it aborts the test.
fn render_thresholds(list: &[ThresholdSource]) -> Vec<u8> {
    let mut out = b"[".to_vec();
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if t.abort_on_fail {
            out.extend_from_slice(b"{\"threshold\":");
            gofmt::json_string_no_html(&t.source, &mut out);
            out.extend_from_slice(b",\"abortOnFail\":true,\"delayAbortEval\":");
            match t.delay_abort_eval_ms {
                Some(ms) => gofmt::json_string_no_html(&gofmt::go_duration_ms(ms), &mut out),
                None => out.extend_from_slice(b"null"),
            }
            out.push(b'}');
        } else {
            gofmt::json_string_no_html(&t.source, &mut out);
        }
    }
    out.push(b']');
    out
}

impl Declarations {
    pub fn new(thresholds: &[ThresholdDecl]) -> Self {
        let mut d = Declarations::default();
        let mut add_submetric = |metric: &str, suffix: &str| {
            let list = d.submetrics.entry(metric.to_string()).or_default();
            let name = format!("{metric}{{{suffix}}}");
            if !list.iter().any(|s| s.name == name) {
                list.push(Submetric {
                    name,
                    suffix: suffix.to_string(),
                    tags: selector_tags(suffix),
                });
            }
        };
        for decl in thresholds {
            let key = decl.key.trim();
            match (key.find('{'), key.ends_with('}')) {
                (Some(open), true) => {
                    add_submetric(key[..open].trim(), &key[open + 1..key.len() - 1]);
                }
                _ => {
                    d.thresholds
                        .insert(key.to_string(), render_thresholds(&decl.thresholds));
                }
            }
        }
        // k6 always makes this one (metrics engine, while the expected_response tag is on).
        add_submetric("http_req_duration", "expected_response:true");
        d
    }

    fn write(&self, name: &str, kind: &str, contains: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"type\":\"Metric\",\"data\":{\"name\":");
        gofmt::json_string(name, out);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",\"contains\":\"");
        out.extend_from_slice(contains.as_bytes());
        out.extend_from_slice(b"\",\"thresholds\":");
        match self.thresholds.get(name) {
            Some(t) => out.extend_from_slice(t),
            None => out.extend_from_slice(b"[]"),
        }
        out.extend_from_slice(b",\"submetrics\":");
        match self.submetrics.get(name) {
            None => out.extend_from_slice(b"null"),
            Some(list) => {
                out.push(b'[');
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"name\":");
                    gofmt::json_string(&s.name, out);
                    out.extend_from_slice(b",\"suffix\":");
                    gofmt::json_string(&s.suffix, out);
                    out.extend_from_slice(b",\"tags\":");
                    write_tags(s.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), out);
                    out.push(b'}');
                }
                out.push(b']');
            }
        }
        out.extend_from_slice(b"},\"metric\":");
        gofmt::json_string(name, out);
        out.extend_from_slice(b"}\n");
    }
}

fn write_tags<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>, out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (k, v)) in tags.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        gofmt::json_string(k, out);
        out.push(b':');
        gofmt::json_string(v, out);
    }
    out.push(b'}');
}

/// One output file in one of k6's formats.
pub(crate) trait Format: Send {
    fn sample(&mut self, s: &SampleView<'_>);
    fn sink(&mut self) -> &mut FileSink;
}

/// k6's `--out json`: a `Metric` line the first time a metric is seen, then one `Point` line
/// per sample (k6 v0.49 field order: `metric`, `type`, `data`).
pub(crate) struct JsonLines {
    sink: FileSink,
    seen: HashSet<Box<str>>,
    decls: std::sync::Arc<Declarations>,
    utc_offset_secs: i32,
}

impl JsonLines {
    pub fn new(sink: FileSink, decls: std::sync::Arc<Declarations>, utc_offset_secs: i32) -> Self {
        JsonLines {
            sink,
            seen: HashSet::new(),
            decls,
            utc_offset_secs,
        }
    }
}

impl Format for JsonLines {
    fn sample(&mut self, s: &SampleView<'_>) {
        let out = &mut self.sink.buf;
        if !self.seen.contains(s.metric) {
            self.seen.insert(s.metric.into());
            self.decls
                .write(s.metric, s.kind.as_str(), s.contains.as_str(), out);
        }
        out.extend_from_slice(b"{\"metric\":");
        gofmt::json_string(s.metric, out);
        out.extend_from_slice(b",\"type\":\"Point\",\"data\":{\"time\":\"");
        gofmt::rfc3339_nano(s.time, self.utc_offset_secs, out);
        out.extend_from_slice(b"\",\"value\":");
        gofmt::float_g(s.value, out);
        out.extend_from_slice(b",\"tags\":");
        write_tags(s.tags.iter().copied(), out);
        out.extend_from_slice(b"}}\n");
        self.sink.maybe_write();
    }

    fn sink(&mut self) -> &mut FileSink {
        &mut self.sink
    }
}

/// k6's CSV columns: the default system tags that are indexable, sorted (output/csv `resTags`).
pub const CSV_TAG_COLUMNS: [&str; 14] = [
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
];

/// k6's `--out csv`: a header, then `metric_name,timestamp,metric_value,<tag columns>,
/// extra_tags,metadata` per sample; timestamps in Unix seconds (k6's default `timeFormat`),
/// values as `%f`. Tags without a column go to `extra_tags` as `k=v&k=v`.
pub(crate) struct Csv {
    sink: FileSink,
}

impl Csv {
    pub fn new(mut sink: FileSink) -> Self {
        sink.buf
            .extend_from_slice(b"metric_name,timestamp,metric_value,");
        for c in CSV_TAG_COLUMNS {
            sink.buf.extend_from_slice(c.as_bytes());
            sink.buf.push(b',');
        }
        sink.buf.extend_from_slice(b"extra_tags,metadata\n");
        Csv { sink }
    }
}

impl Format for Csv {
    fn sample(&mut self, s: &SampleView<'_>) {
        let out = &mut self.sink.buf;
        gofmt::csv_field(s.metric, out);
        out.push(b',');
        let _ = write!(out, "{}", gofmt::unix(s.time).0);
        out.push(b',');
        gofmt::float_f6(s.value, out);
        // Both lists are sorted: one merge pass.
        let mut tags = s.tags.iter().peekable();
        let mut extra: Vec<(&str, &str)> = Vec::new();
        for column in CSV_TAG_COLUMNS {
            out.push(b',');
            while let Some(&&(k, v)) = tags.peek() {
                if k < column {
                    extra.push((k, v));
                    tags.next();
                } else {
                    break;
                }
            }
            if let Some(&&(k, v)) = tags.peek() {
                if k == column {
                    gofmt::csv_field(v, out);
                    tags.next();
                }
            }
        }
        extra.extend(tags.copied());
        out.push(b',');
        if !extra.is_empty() {
            let joined: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
            gofmt::csv_field(&joined.join("&"), out);
        }
        // metadata: k6 puts the non-indexable system tags (vu, iter) here, which are off by default.
        out.extend_from_slice(b",\n");
        self.sink.maybe_write();
    }

    fn sink(&mut self) -> &mut FileSink {
        &mut self.sink
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl_line(decls: &Declarations, name: &str, kind: &str, contains: &str) -> String {
        let mut out = Vec::new();
        decls.write(name, kind, contains, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn metric_lines_match_the_golden_file() {
        let decls = Declarations::new(&[
            ThresholdDecl {
                key: "http_req_duration".into(),
                thresholds: vec![ThresholdSource::plain("p(95)<5000")],
            },
            ThresholdDecl {
                key: "checks".into(),
                thresholds: vec![ThresholdSource::plain("rate>0.5")],
            },
        ]);
        assert_eq!(
            decl_line(&decls, "http_req_duration", "trend", "time"),
            concat!(
                r#"{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)<5000"],"#,
                r#""submetrics":[{"name":"http_req_duration{expected_response:true}","suffix":"expected_response:true","tags":{"expected_response":"true"}}]},"metric":"http_req_duration"}"#,
                "\n"
            )
        );
        assert_eq!(
            decl_line(&decls, "data_sent", "counter", "data"),
            "{\"type\":\"Metric\",\"data\":{\"name\":\"data_sent\",\"type\":\"counter\",\"contains\":\"data\",\"thresholds\":[],\"submetrics\":null},\"metric\":\"data_sent\"}\n"
        );
        assert_eq!(
            decl_line(&decls, "checks", "rate", "default"),
            "{\"type\":\"Metric\",\"data\":{\"name\":\"checks\",\"type\":\"rate\",\"contains\":\"default\",\"thresholds\":[\"rate>0.5\"],\"submetrics\":null},\"metric\":\"checks\"}\n"
        );
    }

    #[test]
    fn threshold_selectors_become_submetrics() {
        let decls = Declarations::new(&[
            ThresholdDecl {
                key: "http_req_duration{status:200, method:'GET'}".into(),
                thresholds: vec![ThresholdSource {
                    source: "p(99)<300".into(),
                    abort_on_fail: true,
                    delay_abort_eval_ms: Some(10_000),
                }],
            },
            ThresholdDecl {
                key: "http_reqs".into(),
                thresholds: vec![ThresholdSource {
                    source: "count>1".into(),
                    abort_on_fail: true,
                    delay_abort_eval_ms: None,
                }],
            },
        ]);
        let line = decl_line(&decls, "http_req_duration", "trend", "time");
        assert!(line.contains(r#""thresholds":[],"submetrics":[{"name":"http_req_duration{status:200, method:'GET'}","suffix":"status:200, method:'GET'","tags":{"method":"GET","status":"200"}},{"name":"http_req_duration{expected_response:true}""#), "{line}");
        let line = decl_line(&decls, "http_reqs", "counter", "default");
        assert!(
            line.contains(
                r#""thresholds":[{"threshold":"count>1","abortOnFail":true,"delayAbortEval":null}]"#
            ),
            "{line}"
        );
    }
}
