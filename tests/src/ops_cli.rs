//! A bed for the `ops` CLI: a Freshdesk simulator, the Simpli stand-ins, a dedup table and a
//! job queue with its DLQ on moto, and the environment a deployed stack gives the functions.
//! Tests run the real `ops` binary against it.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use shared::store::DynamoDedupStore;
use shared::App;

use sim::{FreshdeskSim, SimpliSim};

use crate::runtime_api::{create_queue_pair, sqs_client, QueuePair};

pub use crate::API_KEY;
pub const WEBHOOK_SECRET: &str = "hook-secret-value-7f3a";
pub const WEBHOOK_BASE: &str = "https://bridge.example.com";

pub struct OpsBed {
    pub fd: FreshdeskSim,
    pub simpli: SimpliSim,
    pub fd_addr: SocketAddr,
    pub simpli_addr: SocketAddr,
    pub table: String,
    pub queue: QueuePair,
    pub env: Vec<(String, String)>,
}

/// What one `ops` run gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl OpsBed {
    /// The bed around `fd` (whose key must be [`API_KEY`]).
    pub async fn start(fd: FreshdeskSim) -> Self {
        let fd_addr = fd.start(0).await.expect("freshdesk sim");
        let simpli = SimpliSim::new();
        let simpli_addr = simpli.start(0).await.expect("simpli sim");
        let table = crate::create_table(&crate::dynamo_client()).await;
        let queue = create_queue_pair(&sqs_client().await, "ops", Duration::from_secs(30), 3).await;
        let mut env = sim::bridge_env_one_simpli(fd_addr, API_KEY, simpli_addr);
        env.extend([
            ("WEBHOOK_SECRET".to_string(), WEBHOOK_SECRET.to_string()),
            ("IDEMPOTENCY_TABLE".to_string(), table.clone()),
            ("TICKET_CREATED_QUEUE_URL".to_string(), queue.url.clone()),
        ]);
        env.extend(std::env::vars().filter(|(k, _)| k.starts_with("AWS_")));
        Self {
            fd,
            simpli,
            fd_addr,
            simpli_addr,
            table,
            queue,
            env,
        }
    }

    /// A function container on the bed's account, Simpli and dedup table (inline mode).
    pub fn app(&self, env: &[(&str, &str)]) -> Arc<App> {
        let store = Arc::new(DynamoDedupStore::new(crate::dynamo_client(), self.table.clone()));
        Arc::new(crate::build_app(self.fd_addr, self.simpli_addr, store, env))
    }

    /// Set (or replace) one variable of the environment `ops` runs with.
    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Runs `ops args…` with the bed's environment only.
    pub fn ops(&self, args: &[&str]) -> Run {
        let bin = crate::runtime_api::function_binary("ops").expect("build ops");
        let out = Command::new(bin)
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run ops");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        println!("$ ops {}\n{}{}", args.join(" "), run.stdout, run.stderr);
        assert!(
            !run.stdout.contains(WEBHOOK_SECRET) && !run.stderr.contains(WEBHOOK_SECRET),
            "the secret was printed"
        );
        assert!(
            !run.stdout.contains(API_KEY) && !run.stderr.contains(API_KEY),
            "the key was printed"
        );
        run
    }

    /// Writes requests the simulator received (POST/PUT/DELETE), as `METHOD path`.
    pub fn writes(&self) -> Vec<String> {
        self.fd
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}
