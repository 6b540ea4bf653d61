//! The pyrsedis-core section: a real redis-server (from `PATH`, on a free loopback port), then
//! SET/GET, a pipeline with an error reply kept in place, and a hash.

use pyrsedis_core::{BlockingClient, Pipeline, cmd};

pub(crate) fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = match test_support::RedisServer::start_with(&[]) {
        Ok(server) => server,
        Err(test_support::Error::NotFound { .. }) => {
            println!(
                "redis-server is not on PATH (apt-get install redis-server); skipping this section"
            );
            return Ok(());
        }
        Err(err) => return Err(err.into()),
    };
    println!("started redis-server on {}", server.addr());
    let client = BlockingClient::open(&format!("{}?protocol=3", server.url()))?;

    client.set("greeting", "hello from pyrsedis-core")?;
    let greeting = client.get("greeting")?.unwrap_or_default();
    println!("GET greeting -> {:?}", String::from_utf8_lossy(&greeting));

    let mut pipe = Pipeline::new();
    pipe.incr("visits", 1)
        .incr("visits", 41)
        .add(cmd("LPUSH").arg("greeting").arg("oops"))
        .get("visits");
    let replies = client.pipeline(&pipe)?;
    println!("pipeline of {} commands in one write:", pipe.len());
    for reply in &replies {
        match reply {
            Ok(value) => println!("  ok    {value:?}"),
            Err(err) => println!("  error {err}"),
        }
    }
    if replies.len() != 4 || replies[2].is_ok() {
        return Err("the pipeline did not return one result per command".into());
    }

    client.hset_multiple("user:1", &[("name", "Ada"), ("lang", "Rust")])?;
    let mut fields: Vec<(String, String)> = client
        .hgetall("user:1")?
        .into_iter()
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&k).into(),
                String::from_utf8_lossy(&v).into(),
            )
        })
        .collect();
    fields.sort();
    println!("HGETALL user:1 -> {fields:?}");
    Ok(())
}
