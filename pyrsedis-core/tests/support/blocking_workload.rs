//! One workload for both modes of the blocking client's shared runtime: threads that make
//! calls while another thread's call is blocked in `BLPOP`.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use pyrsedis_core::blocking::set_runtime_threads;
use pyrsedis_core::{BlockingClient, Pipeline, cmd};
use test_support::RedisServer;

const THREADS: usize = 8;
const CALLS: usize = 200;

/// Runs the workload; `threads` is passed to [`set_runtime_threads`] first when given.
pub(crate) fn run(threads: Option<usize>) {
    if let Some(n) = threads {
        assert!(
            set_runtime_threads(n),
            "the runtime started before the test set its threads"
        );
    }
    let server = RedisServer::start();
    let client = BlockingClient::open(&server.url()).unwrap();
    client.del(&["counter", "queue"][..]).unwrap();

    // One thread blocks in BLPOP on an empty list for up to 30 s. Every other call below
    // must make progress meanwhile: the element it waits for is pushed only after they all
    // finished, so if they had waited behind it, BLPOP would time out and return None.
    let blocked = {
        let client = client.clone();
        thread::spawn(move || client.blpop("queue", Duration::from_secs(30)))
    };
    // Wait until the server sees the blocked client before the others start.
    for _ in 0..200 {
        let info: String = client.query(&cmd("INFO").arg("clients")).unwrap();
        if info.contains("blocked_clients:1") {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for i in 0..CALLS {
                    client.incr("counter", 1).unwrap();
                    let key = format!("k:{t}:{i}");
                    client.set(&key, i).unwrap();
                    let got: Option<i64> = client.query(&cmd("GET").arg(&key)).unwrap();
                    assert_eq!(got, Some(i as i64), "thread {t} read another call's reply");
                }
                let mut pipe = Pipeline::new();
                pipe.incr("counter", 1).incr("counter", 1);
                let replies = client.pipeline(&pipe).unwrap();
                assert_eq!(replies.len(), 2);
                let tx = client.transaction(&pipe).unwrap().unwrap();
                assert_eq!(tx.len(), 2);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let total: i64 = client.query(&cmd("GET").arg("counter")).unwrap();
    assert_eq!(total, (THREADS * (CALLS + 4)) as i64);
    assert!(
        !blocked.is_finished(),
        "BLPOP returned before anything was pushed"
    );
    client.rpush("queue", "done").unwrap();
    let popped = blocked.join().unwrap().unwrap();
    assert_eq!(
        popped.map(|(k, v)| (k.to_vec(), v.to_vec())),
        Some((b"queue".to_vec(), b"done".to_vec()))
    );
}
