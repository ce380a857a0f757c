//! Test support shared by every crate's tests: real Redis servers and killable child processes.
//!
//! - [`redis`]: an isolated Redis for one test. When `EGOV_TEST_REDIS_URL` is set (`make test`
//!   starts one server for the whole run) the test gets a fresh, flushed database of its own on
//!   that server; otherwise it gets a `redis-server` of its own on a free loopback port.
//! - [`RedisServer`]: a server the test owns, to kill and restart (durability tests).
//! - [`child`]: runs one test function of the current test binary as a separate process, so a
//!   test can kill a consumer in the middle of its work.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How many databases `make test` gives its server (see the Makefile).
pub const SUITE_DATABASES: u32 = 4096;

/// An isolated Redis for one test. Keeps its server (if any) alive while it lives.
pub struct TestRedis {
    /// The URL, database included.
    pub url: String,
    server: Option<RedisServer>,
}

impl TestRedis {
    /// A client for this Redis.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url.as_str()).expect("test redis url is valid")
    }

    /// The server, when this test owns one.
    pub fn server(&mut self) -> Option<&mut RedisServer> {
        self.server.as_mut()
    }
}

/// An isolated Redis for one test (see the crate docs).
pub async fn redis() -> TestRedis {
    if let Ok(base) = std::env::var("EGOV_TEST_REDIS_URL") {
        let client =
            redis::Client::open(base.as_str()).expect("EGOV_TEST_REDIS_URL is a redis URL");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("the suite's redis server (EGOV_TEST_REDIS_URL) is reachable");
        let n: u32 = redis::cmd("INCR")
            .arg("egov:testkit:next-db")
            .query_async(&mut conn)
            .await
            .unwrap();
        let db = 1 + n % (SUITE_DATABASES - 1);
        let url = format!("{}/{db}", base.trim_end_matches('/'));
        let db_client = redis::Client::open(url.as_str()).unwrap();
        let mut c = db_client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("FLUSHDB").query_async(&mut c).await.unwrap();
        return TestRedis { url, server: None };
    }
    let server = RedisServer::start();
    TestRedis {
        url: server.url(),
        server: Some(server),
    }
}

/// A Redis server of the test's own, always (for tests that kill or restart it).
pub fn redis_own() -> TestRedis {
    let server = RedisServer::start();
    TestRedis {
        url: server.url(),
        server: Some(server),
    }
}

/// A `redis-server` process owned by a test, with AOF on, in a temporary directory.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra `redis-server` arguments (later ones override the defaults,
    /// e.g. `["--appendfsync", "everysec"]`).
    pub fn start_with(extra: &[&str]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("egov-redis-{}-{}", std::process::id(), ulid_like()));
        std::fs::create_dir_all(&dir).expect("create redis temp dir");
        let extra = extra.iter().map(|s| (*s).to_owned()).collect();
        let mut s = Self {
            child: None,
            port: free_port(),
            dir,
            extra,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let bin = redis_server_binary();
        let child = Command::new(&bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--dir", self.dir.to_str().unwrap()])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--maxmemory-policy", "noeviction", "--protected-mode", "no"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); `make test` installs redis-server",
                    bin.display()
                )
            });
        self.child = Some(child);
        wait_until_up(self.port);
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no chance to flush anything more).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and data directory (AOF replayed).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn redis_server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("REDIS_SERVER") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/redis-server", "/usr/local/bin/redis-server"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("redis-server")
}

/// Where `make plugins` put the built components (`EGOV_PLUGINS_BUILD`, else
/// `target/plugins` of this workspace): `variants/`, `demo/`, `hostile/`.
pub fn plugins_dir() -> PathBuf {
    let dir = std::env::var("EGOV_PLUGINS_BUILD")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/plugins"));
    assert!(
        dir.join("variants").is_dir(),
        "no plugins in {}: run `make plugins`",
        dir.display()
    );
    dir
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            if s.write_all(b"PING\r\n").is_ok() {
                let mut buf = [0u8; 7];
                if s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server on port {port} did not come up within 10s");
}

fn ulid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Running one test function of the current test binary as a child process.
pub mod child {
    use std::process::{Child, Command, Stdio};

    /// The variable that tells a test it runs as a child; its value is the role.
    pub const ROLE_VAR: &str = "EGOV_TEST_CHILD";

    /// The role this process plays, when it was started by [`spawn`].
    pub fn role() -> Option<String> {
        std::env::var(ROLE_VAR).ok()
    }

    /// Starts the test `test_name` (an `#[ignore]`d test that checks [`role`]) of the current
    /// binary in a new process, with `env` set.
    pub fn spawn(test_name: &str, role: &str, env: &[(&str, &str)]) -> Child {
        let exe = std::env::current_exe().expect("current test binary");
        let mut cmd = Command::new(exe);
        cmd.args([
            test_name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(ROLE_VAR, role)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn child test process")
    }
}

/// The same component with a custom section appended: the same behaviour under another digest,
/// as a rebuild of the same version would be.
pub fn rebuilt(bytes: &[u8], tag: &str) -> Vec<u8> {
    let name = b"egov-revision";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.extend_from_slice(tag.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    out.push(payload.len() as u8);
    out.extend(payload);
    out
}
