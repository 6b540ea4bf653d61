//! Lua scripts run by digest (`EVALSHA`), loaded on first use and reloaded after `NOSCRIPT`.

use std::sync::Mutex;

use bytes::Bytes;

use crate::cmd::{Cmd, ToArgs, cmd};
use crate::resp::ServerErrorKind;
use crate::{Client, Error, ErrorKind, Result, Value};

/// A Lua script: sent once with `SCRIPT LOAD`, then invoked by its SHA1 digest with
/// `EVALSHA`. When the server has forgotten it (restart, `SCRIPT FLUSH`), the `NOSCRIPT` error
/// is handled by loading it again; the script itself never runs twice for one call.
///
/// ```
/// use pyrsedis_core::{Client, Value, script::Script};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = test_support::RedisServer::start();
/// # let client = Client::open(&server.url())?;
/// let add = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// assert_eq!(add.invoke(&client, ["counter"], [5]).await?, Value::Int(5));
/// assert_eq!(add.invoke(&client, ["counter"], [2]).await?, Value::Int(7));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Script {
    code: Bytes,
    sha: Mutex<Option<Bytes>>,
}

impl Script {
    /// A script with the given Lua source.
    pub fn new(code: impl Into<Bytes>) -> Script {
        Script {
            code: code.into(),
            sha: Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<Bytes> {
        self.sha.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn remember(&self, sha: Option<Bytes>) {
        *self.sha.lock().unwrap_or_else(|e| e.into_inner()) = sha;
    }

    /// Runs the script with `KEYS` and `ARGV`, returning its reply.
    pub async fn invoke(
        &self,
        client: &Client,
        keys: impl ToArgs,
        args: impl ToArgs,
    ) -> Result<Value> {
        let keys = Cmd::new().arg(keys);
        let args = Cmd::new().arg(args);
        let mut conn = client.connection().await?;
        for _ in 0..2 {
            let sha = match self.cached() {
                Some(sha) => sha,
                None => {
                    let loaded = conn
                        .send(&cmd("SCRIPT").arg("LOAD").arg(&self.code))
                        .await?;
                    let sha = loaded
                        .as_bytes()
                        .map(Bytes::copy_from_slice)
                        .ok_or_else(|| {
                            Error::type_mismatch("a digest from SCRIPT LOAD", &loaded)
                        })?;
                    self.remember(Some(sha.clone()));
                    sha
                }
            };
            let mut evalsha = cmd("EVALSHA").arg(&sha).arg(keys.arg_count());
            evalsha.extend(&keys).extend(&args);
            match conn.send(&evalsha).await {
                Err(err)
                    if err.server_error().map(|e| e.kind()) == Some(ServerErrorKind::NoScript) =>
                {
                    self.remember(None);
                }
                other => return other,
            }
        }
        Err(Error::new(
            ErrorKind::Server,
            "the server forgot the script again right after loading it",
        ))
    }
}
