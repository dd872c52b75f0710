//! Outputs end to end in the engine: a real run against a local server written to JSON and CSV,
//! the counts checked against the registry, and the drop accounting under a tiny queue.

use super::*;
use crate::exec::{ExecutorKind, ScenarioConfig};
use crate::http::{HttpError, RequestSpec};
use crate::{Engine, EngineConfig, Scenario, Work};
use std::io::{Read, Write as _};
use std::net::TcpListener;
use std::path::Path;

fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("volley-output-{}-{n}-{name}", std::process::id()))
}

/// A keep-alive HTTP server on plain threads that answers every request with 200 "hello".
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/")
}

fn engine(url: &str, scenario: ScenarioConfig) -> Arc<Engine> {
    let mut request = RequestSpec::get(url);
    request.timeout = Duration::from_secs(10);
    Engine::new(EngineConfig {
        scenarios: vec![Scenario {
            config: scenario,
            work: Work::Requests(vec![request]),
            tags: Default::default(),
        }],
        script_workers: 0,
        insecure_skip_tls_verify: false,
        start_paused: false,
        workers: Some(2),
        threshold_keys: Vec::new(),
        hosts: Default::default(),
    })
    .unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn points_of(lines: &[String], metric: &str) -> usize {
    let prefix = format!("{{\"metric\":\"{metric}\",\"type\":\"Point\"");
    lines.iter().filter(|l| l.starts_with(&prefix)).count()
}

#[test]
fn a_run_writes_one_point_per_sample_in_json_and_csv() {
    let url = start_server();
    let json = temp_path("run.json");
    let csv = temp_path("run.csv");
    let mut s = ScenarioConfig::new("smoke", ExecutorKind::SharedIterations);
    s.vus = 4;
    s.iterations = 300;
    let e = engine(&url, s);
    let mut config = OutputConfig::new(vec![
        OutputTarget {
            kind: OutputKind::Json,
            path: json.clone(),
        },
        OutputTarget {
            kind: OutputKind::Csv,
            path: csv.clone(),
        },
    ]);
    config.utc_offset_secs = 3600;
    e.enable_outputs(config).unwrap();
    e.start().unwrap();
    e.wait(Some(Duration::from_secs(30))).expect("the run ends");
    let stats = e.output_stats().expect("stats after the run");
    assert_eq!(stats.dropped, 0);
    assert!(stats.errors.is_empty(), "{:?}", stats.errors);

    let reqs = e.registry().http.reqs.total() as usize;
    assert_eq!(reqs, 300);
    let json_lines = lines(&json);
    for metric in [
        "http_reqs",
        "http_req_duration",
        "http_req_blocked",
        "http_req_failed",
        "data_sent",
        "data_received",
        "iterations",
        "iteration_duration",
    ] {
        assert_eq!(points_of(&json_lines, metric), reqs, "{metric}");
    }
    let declarations: Vec<&String> = json_lines
        .iter()
        .filter(|l| l.starts_with("{\"type\":\"Metric\""))
        .collect();
    let mut names: Vec<&str> = declarations
        .iter()
        .map(|l| {
            l.rsplit("\"metric\":\"")
                .next()
                .unwrap()
                .trim_end_matches("\"}")
        })
        .collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "one Metric line per metric");
    // Every line is either a declaration or a point: samples written == points in the file.
    assert_eq!(json_lines.len() - n, stats.samples as usize);

    let first = json_lines
        .iter()
        .find(|l| l.starts_with("{\"metric\":\"http_reqs\""))
        .unwrap();
    let expected_tags = format!(
        "\"value\":1,\"tags\":{{\"expected_response\":\"true\",\"group\":\"\",\"method\":\"GET\",\"name\":\"{url}\",\"proto\":\"HTTP/1.1\",\"scenario\":\"smoke\",\"status\":\"200\",\"url\":\"{url}\"}}}}}}"
    );
    assert!(first.ends_with(&expected_tags), "{first}");
    assert!(
        first.contains("+01:00\",\"value\""),
        "local offset: {first}"
    );

    let csv_lines = lines(&csv);
    assert_eq!(
        csv_lines[0],
        "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata"
    );
    assert_eq!(csv_lines.len() - 1, stats.samples as usize);
    let row = csv_lines
        .iter()
        .find(|l| l.starts_with("http_reqs,"))
        .unwrap();
    let cols: Vec<&str> = row.split(',').collect();
    assert_eq!(cols.len(), 19);
    assert_eq!(cols[2], "1.000000");
    assert_eq!(
        &cols[3..],
        [
            "", "", "", "true", "", "GET", &url, "HTTP/1.1", "smoke", "", "200", "", "", &url, "",
            ""
        ]
    );
    for p in [json, csv] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_full_queue_counts_what_it_drops() {
    let path = temp_path("drops.json");
    let mut config = OutputConfig::new(vec![OutputTarget {
        kind: OutputKind::Json,
        path: path.clone(),
    }]);
    config.queue_capacity = 2;
    let (stream, writer) = open(&config, "default", None).unwrap();
    // The writer is not draining yet: two entries fit, three do not.
    for _ in 0..5 {
        stream.emit_iteration(Duration::from_millis(3));
    }
    let stats = writer.start().unwrap().close();
    assert_eq!(
        stats,
        OutputStats {
            samples: 4,
            dropped: 6,
            errors: vec![]
        }
    );
    let written = lines(&path);
    assert_eq!(points_of(&written, "iterations"), 2);
    assert_eq!(points_of(&written, "iteration_duration"), 2);
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_tiny_queue_under_load_loses_nothing_silently() {
    let url = start_server();
    let path = temp_path("tiny.json");
    let mut s = ScenarioConfig::new("default", ExecutorKind::ConstantVus);
    s.vus = 8;
    s.duration = Some(Duration::from_millis(1500));
    let e = engine(&url, s);
    let mut config = OutputConfig::new(vec![OutputTarget {
        kind: OutputKind::Json,
        path: path.clone(),
    }]);
    config.queue_capacity = 1;
    e.enable_outputs(config).unwrap();
    e.start().unwrap();
    e.wait(Some(Duration::from_secs(30))).expect("the run ends");
    let stats = e.output_stats().unwrap();
    let reqs = e.registry().http.reqs.total() as u64;
    let iterations = e.registry().iterations.total() as u64;
    let written = lines(&path);
    let vus_points = (points_of(&written, "vus") + points_of(&written, "vus_max")) as u64;
    // Every sample the run made was either written or counted as dropped.
    assert_eq!(
        stats.samples + stats.dropped,
        11 * reqs + 2 * iterations + vus_points
    );
    assert!(stats.dropped > 0, "a one-entry queue cannot keep up");
    let _ = std::fs::remove_file(path);
}

#[test]
fn no_output_means_no_stream() {
    let registry = crate::metrics::Registry::new();
    assert!(registry.output.stream().is_none());
}

#[test]
fn a_bad_path_fails_before_the_run() {
    let url = start_server();
    let e = engine(
        &url,
        ScenarioConfig::new("default", ExecutorKind::PerVuIterations),
    );
    let err = e
        .enable_outputs(OutputConfig::new(vec![OutputTarget {
            kind: OutputKind::Csv,
            path: "/nonexistent-dir/x.csv".into(),
        }]))
        .unwrap_err();
    assert!(
        err.starts_with("cannot create the output file /nonexistent-dir/x.csv"),
        "{err}"
    );
}

#[test]
fn failed_requests_carry_error_tags() {
    let request = PreparedRequest::new(&RequestSpec::get("http://127.0.0.1:9/x")).unwrap();
    let outcome = Outcome {
        error: Some(HttpError::new(1212, "dial: connection refused")),
        ..Default::default()
    };
    let e = Emission::Http(HttpSample::new(
        &outcome,
        &request,
        "HTTP/1.1",
        Some("::g"),
        None,
        &crate::metrics::tags::TagSet::default(),
        Some(false),
    ));
    let mut seen = Vec::new();
    sample::for_each_sample(&e, "default", &mut |s| {
        seen.push((
            s.metric.to_string(),
            s.value,
            s.tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        ));
    });
    assert_eq!(seen.len(), 11);
    assert_eq!(
        seen[0].2,
        "error=dial: connection refused&error_code=1212&expected_response=false&group=::g&method=GET&name=http://127.0.0.1:9/x&scenario=default&status=0&url=http://127.0.0.1:9/x"
    );
    assert_eq!((seen[8].0.as_str(), seen[8].1), ("http_req_failed", 1.0));
    assert_eq!(seen[9].2, "group=::g&scenario=default");
}

fn tag_lines(e: &Emission) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    sample::for_each_sample(e, "default", &mut |s| {
        seen.push((
            s.metric.to_string(),
            s.tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        ));
    });
    seen
}

#[test]
fn user_tags_join_the_system_tags_and_name_the_request() {
    use crate::metrics::tags::TagSet;
    let request = PreparedRequest::new(&RequestSpec::get("http://127.0.0.1:9/x")).unwrap();
    let outcome = Outcome {
        status: 200,
        ..Default::default()
    };
    // A user tag cannot replace a system tag, but `name` is the user's to set.
    let user = TagSet::new([("name", "home"), ("zone", "eu"), ("method", "PUT")]);
    let e = Emission::Http(HttpSample::new(
        &outcome,
        &request,
        "HTTP/1.1",
        None,
        Some("s1"),
        &user,
        Some(true),
    ));
    let seen = tag_lines(&e);
    assert_eq!(
        seen[0].1,
        "expected_response=true&group=&method=GET&name=home&proto=HTTP/1.1&scenario=s1&status=200&url=home&zone=eu"
    );
    assert_eq!(seen[9].1, "group=&method=PUT&name=home&scenario=s1&zone=eu");
    let e = Emission::Iteration {
        time: std::time::SystemTime::now(),
        took: Duration::from_millis(3),
        scenario: None,
        user: TagSet::new([("vutag", "1")]),
    };
    let seen = tag_lines(&e);
    assert_eq!(
        seen[0],
        (
            "iteration_duration".into(),
            "group=&scenario=default&vutag=1".into()
        )
    );
}

#[test]
fn unjudged_requests_have_no_expected_response_tag_nor_failed_sample() {
    let request = PreparedRequest::new(&RequestSpec::get("http://127.0.0.1:9/x")).unwrap();
    let outcome = Outcome {
        status: 500,
        ..Default::default()
    };
    let e = Emission::Http(HttpSample::new(
        &outcome,
        &request,
        "HTTP/1.1",
        None,
        None,
        &crate::metrics::tags::TagSet::default(),
        None,
    ));
    let mut seen = Vec::new();
    sample::for_each_sample(&e, "default", &mut |s| {
        seen.push((
            s.metric.to_string(),
            s.tags.iter().any(|(k, _)| *k == "expected_response"),
        ));
    });
    assert_eq!(seen.len(), 10);
    assert!(seen
        .iter()
        .all(|(m, tagged)| m != "http_req_failed" && !tagged));
}
