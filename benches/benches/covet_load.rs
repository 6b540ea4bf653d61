//! covet-core against hyper 1.x and actix-web 4 under loopback load: plaintext and JSON with one
//! request at a time per connection, and plaintext pipelined 16 deep. covet runs twice: on its
//! default epoll backend (`covet`, the baseline of the ratios) and on io_uring (`covet-uring`,
//! feature `io-uring`), the same server otherwise.
//!
//! ```text
//! apt-get install -y wrk
//! cargo bench -p benches --bench covet_load
//! ```
//!
//! Each server runs in its own process (this binary re-run with `--serve NAME PORT`), on one
//! thread pinned to CPU 1; `wrk` runs on CPU 0 with one thread. Rounds are interleaved
//! ([`benches::Contest`]); each round runs every server once per scenario (1 s warm-up, then
//! `COVET_LOAD_SECS`, default 5 s). The gate on a shared machine is server CPU time per request
//! (from `/proc/<pid>/stat`), which is stable where requests per second are not; both are
//! reported. `COVET_LOAD_ROUNDS` (default 3) sets the rounds.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use benches::{Contest, process_cpu_time};

const BODY: &[u8] = b"Hello, World!";

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

fn json_body() -> Vec<u8> {
    serde_json::to_vec(&Message {
        message: "Hello, World!",
    })
    .unwrap_or_default()
}

fn serve_covet(port: u16, backend: covet_core::Backend) {
    use covet_core::{Response, Router, Server, handler};
    let router = Router::new();
    let ok = router
        .get(
            "/plaintext",
            handler::ready(|_| Response::text("Hello, World!")),
        )
        .is_ok()
        && router
            .get(
                "/json",
                handler::ready(|_| {
                    Response::json(&Message {
                        message: "Hello, World!",
                    })
                }),
            )
            .is_ok();
    assert!(ok);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match Server::builder(router)
        .bind(addr)
        .workers(1)
        .backend(backend)
        .start()
    {
        Ok(server) => server.wait(),
        Err(e) => panic!("covet: {e}"),
    }
}

fn serve_hyper(port: u16, pipeline_flush: bool) {
    use http_body_util::Full;
    use hyper::{Request, Response, body::Bytes, body::Incoming};

    async fn handle(
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
        let (ct, body) = match req.uri().path() {
            "/plaintext" => ("text/plain; charset=utf-8", Bytes::from_static(BODY)),
            "/json" => ("application/json", Bytes::from(json_body())),
            _ => ("text/plain", Bytes::new()),
        };
        let mut resp = Response::new(Full::new(body));
        resp.headers_mut()
            .insert("content-type", hyper::header::HeaderValue::from_static(ct));
        Ok(resp)
    }

    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
            return;
        };
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::task::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .pipeline_flush(pipeline_flush)
                    .serve_connection(io, hyper::service::service_fn(handle))
                    .await;
            });
        }
    });
}

fn serve_actix(port: u16) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let _ = actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route(
                    "/plaintext",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("text/plain; charset=utf-8")
                            .body(BODY)
                    }),
                )
                .route(
                    "/json",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(json_body())
                    }),
                )
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    });
}

/// A server process under test.
struct Contender {
    name: &'static str,
    port: u16,
    child: Child,
}

impl Drop for Contender {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

fn spawn(name: &'static str) -> Contender {
    let port = free_port();
    let exe = std::env::current_exe().unwrap_or_default();
    let child = Command::new("taskset")
        .args(["-c", "1"])
        .arg(exe)
        .args(["--serve", name, &port.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{name} did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    Contender { name, port, child }
}

/// One wrk run: (requests, requests per second).
fn wrk(
    port: u16,
    path: &str,
    conns: u32,
    secs: u64,
    script: Option<&std::path::Path>,
) -> (u64, f64) {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", "0", "wrk", "-t1"])
        .arg(format!("-c{conns}"))
        .arg(format!("-d{secs}s"));
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    cmd.arg(format!("http://127.0.0.1:{port}{path}"));
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run wrk: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "non-2xx responses:\n{text}");
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    (requests, rps)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let port = args.get(i + 2).and_then(|p| p.parse().ok()).unwrap_or(0);
        match args.get(i + 1).map(String::as_str) {
            Some("covet") => serve_covet(port, covet_core::Backend::Epoll),
            Some("covet-uring") => serve_covet(port, covet_core::Backend::IoUring),
            Some("hyper") => serve_hyper(port, false),
            Some("hyper_flush") => serve_hyper(port, true),
            Some("actix") => serve_actix(port),
            other => panic!("unknown server {other:?}"),
        }
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("covet_load needs wrk: apt-get install -y wrk");
        std::process::exit(1);
    }
    let rounds = std::env::var("COVET_LOAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let secs = std::env::var("COVET_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("covet_load_{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let lua = dir.join("pipeline.lua");
    let mut f = std::fs::File::create(&lua).unwrap_or_else(|e| panic!("{e}"));
    let _ = f.write_all(
        b"init = function(args)\n  local r = {}\n  for i = 1, 16 do r[i] = wrk.format(nil, \"/plaintext\") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n",
    );
    let servers: Vec<Contender> = ["covet", "covet-uring", "hyper", "hyper_flush", "actix"]
        .into_iter()
        .map(spawn)
        .collect();
    let scenarios: [(&str, &str, u32, Option<&std::path::Path>); 3] = [
        ("plaintext_c64", "/plaintext", 64, None),
        ("json_c64", "/json", 64, None),
        ("pipeline16_c16", "/plaintext", 16, Some(lua.as_path())),
    ];
    println!(
        "covet_load: {rounds} rounds x {secs} s per server and scenario; server on CPU 1, wrk on CPU 0\n"
    );
    for (scenario, path, conns, script) in scenarios {
        let rps: RefCell<BTreeMap<&str, Vec<f64>>> = RefCell::default();
        let mut contest = Contest::new(format!("{scenario}: server CPU time per request"), rounds);
        for s in &servers {
            let rps = &rps;
            contest.contender(s.name, move || {
                wrk(s.port, path, conns, 1, script);
                let pid = s.child.id();
                let before = process_cpu_time(pid).unwrap_or_default();
                let (requests, r) = wrk(s.port, path, conns, secs, script);
                let cpu = process_cpu_time(pid)
                    .unwrap_or_default()
                    .saturating_sub(before);
                rps.borrow_mut().entry(s.name).or_default().push(r);
                let per_req = cpu.as_nanos() / u128::from(requests.max(1));
                Duration::from_nanos(u64::try_from(per_req).unwrap_or(u64::MAX))
            });
        }
        let report = contest.run();
        println!("{}", report.to_markdown());
        println!("| contender | median requests/s | runs |\n|---|---|---|");
        for (name, mut v) in rps.into_inner() {
            v.sort_by(f64::total_cmp);
            let runs: Vec<String> = v.iter().map(|x| format!("{x:.0}")).collect();
            println!("| {name} | {:.0} | {} |", v[v.len() / 2], runs.join(", "));
        }
        println!();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
