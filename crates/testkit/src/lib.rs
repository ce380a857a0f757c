//! Test support shared by every crate's tests: real Redis servers and killable child processes.
//!
//! - [`redis`]: an isolated Redis for one test. When `EGOV_TEST_REDIS_URL` is set (`make test`
//!   starts one server for the whole run) the test gets a fresh, flushed database of its own on
//!   that server; otherwise it gets a `redis-server` of its own on a free loopback port.
//! - [`RedisServer`]: a server the test owns, to kill and restart (durability tests).
//! - [`RedisCluster`]: a cluster of such servers, three masters and three replicas, whose
//!   masters a test can kill.
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
    /// The URL, database included (`redis+cluster://…` for a cluster).
    pub url: String,
    server: Option<RedisServer>,
    cluster: Option<RedisCluster>,
}

impl TestRedis {
    /// A client for this Redis (one server; for a cluster open [`Self::url`] with
    /// `egov_bus::Redis::open`).
    pub fn client(&self) -> redis::Client {
        assert!(
            self.cluster.is_none(),
            "a cluster: use egov_bus::Redis::open"
        );
        redis::Client::open(self.url.as_str()).expect("test redis url is valid")
    }

    /// The cluster, when this is one.
    pub fn cluster(&mut self) -> Option<&mut RedisCluster> {
        self.cluster.as_mut()
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
        return TestRedis {
            url,
            server: None,
            cluster: None,
        };
    }
    let server = RedisServer::start();
    TestRedis {
        url: server.url(),
        server: Some(server),
        cluster: None,
    }
}

/// A Redis Cluster of the test's own: three masters, three replicas (see [`RedisCluster`]).
pub fn redis_cluster() -> TestRedis {
    let cluster = RedisCluster::start(3);
    TestRedis {
        url: cluster.url(),
        server: None,
        cluster: Some(cluster),
    }
}

/// A Redis server of the test's own, always (for tests that kill or restart it).
pub fn redis_own() -> TestRedis {
    let server = RedisServer::start();
    TestRedis {
        url: server.url(),
        server: Some(server),
        cluster: None,
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

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("a running server").id();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} {pid}");
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

/// A Redis Cluster of the test's own: `masters` masters with one replica each, every node a
/// [`RedisServer`] (AOF, `appendfsync always`) started with `cluster-enabled yes` and joined with
/// `redis-cli --cluster create`. A node can be killed (its replica takes over after the
/// cluster's node timeout, 1 s here) and started again (it comes back as a replica).
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts `2 × masters` nodes and waits until every slot is served.
    pub fn start(masters: usize) -> Self {
        let nodes: Vec<RedisServer> = (0..masters * 2)
            .map(|_| {
                RedisServer::start_with(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "1000",
                    // A replica may always take over, however long it was cut off.
                    "--cluster-replica-validity-factor",
                    "0",
                    // A master with no replica refuses writes at once (NOREPLICAS) rather
                    // than let each wait out its `WAIT` (see egov_bus::Conn).
                    "--min-replicas-to-write",
                    "1",
                    "--min-replicas-max-lag",
                    "10",
                ])
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        let out = Command::new(redis_cli_binary())
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli (installed with redis-server)");
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let c = Self { nodes };
        c.wait_healthy(Duration::from_secs(30));
        // Every replica in sync with its master before anything is written.
        let until = Instant::now() + Duration::from_secs(30);
        while c.nodes.iter().filter(|n| in_sync(&n.url())).count() < masters {
            assert!(Instant::now() < until, "the replicas did not sync");
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    /// `redis+cluster://` with every node.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port()))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// The nodes' URLs (`redis://127.0.0.1:PORT`), in the order they were started.
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The URLs of the nodes that are masters now (killed nodes are left out).
    pub fn master_urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .filter(|n| role(&n.url()).as_deref() == Some("master"))
            .map(RedisServer::url)
            .collect()
    }

    /// How many keys each master holds now (`DBSIZE`).
    pub fn keys_per_master(&self) -> Vec<u64> {
        self.master_urls()
            .iter()
            .map(|u| redis::cmd("DBSIZE").query(&mut sync_conn(u)).unwrap())
            .collect()
    }

    /// The index of the node that is the master of `slot` now.
    pub fn master_of(&self, slot: u16) -> usize {
        for (i, n) in self.nodes.iter().enumerate() {
            if n.child.is_none() || role(&n.url()).as_deref() != Some("master") {
                continue;
            }
            let slots: Vec<redis::Value> = redis::cmd("CLUSTER")
                .arg("SLOTS")
                .query(&mut sync_conn(&n.url()))
                .unwrap();
            for range in slots {
                let redis::Value::Array(r) = range else {
                    continue;
                };
                let (Some(redis::Value::Int(lo)), Some(redis::Value::Int(hi))) =
                    (r.first(), r.get(1))
                else {
                    continue;
                };
                let port = match r.get(2) {
                    Some(redis::Value::Array(m)) => match m.get(1) {
                        Some(redis::Value::Int(p)) => *p as u16,
                        _ => continue,
                    },
                    _ => continue,
                };
                if (*lo as u16..=*hi as u16).contains(&slot) && port == n.port() {
                    return i;
                }
            }
        }
        panic!("no master serves slot {slot}");
    }

    /// The index of the node that replicates node `i`.
    pub fn replica_of(&self, i: usize) -> usize {
        let id: String = redis::cmd("CLUSTER")
            .arg("MYID")
            .query(&mut sync_conn(&self.nodes[i].url()))
            .unwrap();
        let nodes: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut sync_conn(&self.nodes[i].url()))
            .unwrap();
        let line = nodes
            .lines()
            .find(|l| l.contains("slave") && l.split(' ').nth(3) == Some(id.as_str()))
            .unwrap_or_else(|| panic!("node {i} has no replica: {nodes}"));
        self.nodes
            .iter()
            .position(|n| line.contains(&format!(":{}@", n.port())))
            .unwrap()
    }

    /// Freezes node `i` (SIGSTOP): it takes nothing from its master until [`Self::resume`].
    pub fn freeze(&mut self, i: usize) {
        self.nodes[i].signal("STOP");
    }

    /// Lets a frozen node `i` go on (SIGCONT).
    pub fn resume(&mut self, i: usize) {
        self.nodes[i].signal("CONT");
    }

    /// Kills node `i` (SIGKILL).
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].kill();
    }

    /// Kills node `i` (SIGKILL) and starts it again on its data (AOF, `nodes.conf`).
    pub fn restart(&mut self, i: usize) {
        self.nodes[i].restart();
    }

    /// Kills node `i` (SIGKILL) and returns once its replica has taken over its slots.
    pub fn fail(&mut self, i: usize) {
        self.nodes[i].kill();
        self.wait_taken_over(i);
    }

    /// Returns once a replica has taken over from node `i`, killed.
    pub fn wait_taken_over(&self, i: usize) {
        let port = self.nodes[i].port();
        // Until the others agree it failed (after the node timeout), the cluster still says ok.
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let failed = self.nodes.iter().filter(|n| n.child.is_some()).all(|n| {
                let nodes: String = redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query(&mut sync_conn(&n.url()))
                    .unwrap_or_default();
                nodes
                    .lines()
                    .any(|l| l.contains(&format!(":{port}@")) && l.contains("master,fail"))
                    || !nodes.contains(&format!(":{port}@"))
            });
            let promoted = self
                .nodes
                .iter()
                .filter(|n| n.child.is_some())
                .filter(|n| role(&n.url()).as_deref() == Some("master"))
                .count()
                == self.nodes.len() / 2;
            if failed && promoted {
                break;
            }
            assert!(Instant::now() < until, "no replica took over from node {i}");
            std::thread::sleep(Duration::from_millis(100));
        }
        self.wait_healthy(Duration::from_secs(60));
    }

    /// Starts node `i` again (it rejoins as a replica) and returns once it is in sync.
    pub fn recover(&mut self, i: usize) {
        self.nodes[i].spawn();
        let url = self.nodes[i].url();
        let until = Instant::now() + Duration::from_secs(60);
        while !in_sync(&url) {
            assert!(
                Instant::now() < until,
                "node {i} did not rejoin as a replica"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.wait_healthy(Duration::from_secs(60));
    }

    /// Waits until every live node says `cluster_state:ok` and sees every slot served.
    fn wait_healthy(&self, within: Duration) {
        let until = Instant::now() + within;
        loop {
            let ok = self.nodes.iter().filter(|n| n.child.is_some()).all(|n| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut sync_conn(&n.url()))
                    .unwrap_or_default();
                info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
            });
            if ok {
                return;
            }
            assert!(Instant::now() < until, "the cluster did not become healthy");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn sync_conn(url: &str) -> redis::Connection {
    let client = redis::Client::open(url).unwrap();
    let c = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    c
}

/// Whether the node at `url` is a replica whose link to its master is up.
fn in_sync(url: &str) -> bool {
    let info: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut sync_conn(url))
        .unwrap_or_default();
    info.contains("role:slave") && info.contains("master_link_status:up")
}

/// `master` or `slave` (as `ROLE` says), `None` when the node does not answer.
fn role(url: &str) -> Option<String> {
    let client = redis::Client::open(url).ok()?;
    let mut c = client
        .get_connection_with_timeout(Duration::from_millis(500))
        .ok()?;
    c.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let v: Vec<redis::Value> = redis::cmd("ROLE").query(&mut c).ok()?;
    match v.first()? {
        redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn redis_cli_binary() -> PathBuf {
    redis_server_binary().with_file_name("redis-cli")
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
