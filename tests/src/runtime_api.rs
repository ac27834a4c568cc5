//! Running the built function binaries as real Lambdas, against real queues.
//!
//! * [`RuntimeApi`] — a stand-in for the Lambda Runtime API (`GET /2018-06-01/runtime/invocation/next`
//!   long-poll, `POST .../invocation/{id}/response`, `.../{id}/error`, `/runtime/init/error`)
//!   on 127.0.0.1. [`RuntimeApi::invoke`] queues an event and awaits the function's answer, its
//!   error, or its deadline (a crashed or hung function ends as [`InvokeError::TimedOut`]).
//! * [`FunctionProcess`] — a function binary (`cargo build --workspace --bin <name>` on first use, in the
//!   target directory the tests were built in) running as a child process with
//!   `AWS_LAMBDA_RUNTIME_API` pointing at the stand-in, so a crash is a real `kill -9`.
//! * [`EventSourceMapping`] — what Lambda's SQS poller does: receive a batch (with
//!   `ApproximateReceiveCount`), invoke the function with an SQS event, delete the records
//!   not listed in `batchItemFailures` (none when the invocation failed or timed out).
//! * [`QueueBed`] — the whole set-up of one test: simulators, a DynamoDB dedup table, a queue
//!   with its DLQ and redrive policy (moto), a runtime stand-in and the function's environment.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use shared::setup::clock::now_ms;
use shared::store::{DedupRecord, DedupStore, DynamoDedupStore};
use sim::{FreshdeskSim, SimpliSim};
use tokio::sync::{mpsc, oneshot};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
/// Extra time an invoker waits past the deadline for a late answer.
const INVOKE_GRACE: Duration = Duration::from_millis(1500);
/// How long an invocation may wait for a free function instance before it counts as throttled.
const MAX_QUEUE_WAIT: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------- Runtime API stand-in

/// Why an invocation has no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// The function reported an error (`POST /invocation/{id}/error`).
    Function { error_type: String, body: Value },
    /// No answer by the deadline (plus a little grace): a crash, a hang or a timeout.
    TimedOut,
    /// No function instance took the invocation in time (none running).
    NotStarted,
}

struct Pending {
    id: String,
    event: Value,
    timeout: Duration,
}

struct Waiter {
    started: Option<oneshot::Sender<()>>,
    done: oneshot::Sender<Result<Value, InvokeError>>,
}

struct Inner {
    tx: mpsc::UnboundedSender<Pending>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    waiting: Mutex<HashMap<String, Waiter>>,
    init_errors: Mutex<Vec<Value>>,
    function_arn: String,
    polls: AtomicUsize,
    next_id: AtomicU64,
}

/// The Lambda Runtime API of one function (any number of instances may poll it).
#[derive(Clone)]
pub struct RuntimeApi {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl RuntimeApi {
    /// Serves on 127.0.0.1 (ephemeral port) for the rest of the tokio runtime's life.
    pub async fn start(function_name: &str) -> io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            tx,
            rx: tokio::sync::Mutex::new(rx),
            waiting: Mutex::new(HashMap::new()),
            init_errors: Mutex::new(Vec::new()),
            function_arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"),
            polls: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("runtime API stand-in stopped: {e}");
            }
        });
        Ok(Self { addr, inner })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET /next` requests received so far (each running instance keeps one open while idle).
    pub fn polls(&self) -> usize {
        self.inner.polls.load(Ordering::SeqCst)
    }

    /// What functions reported through `/runtime/init/error`.
    pub fn init_errors(&self) -> Vec<Value> {
        lock(&self.inner.init_errors).clone()
    }

    /// Invokes the function with `event`; the deadline is `timeout` after an instance takes it.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Result<Value, InvokeError> {
        let n = self.inner.next_id.fetch_add(1, Ordering::SeqCst);
        let id = format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            fastrand::u32(..),
            n & 0xffff,
            fastrand::u64(..) & 0xffff_ffff_ffff
        );
        let (started_tx, started_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        lock(&self.inner.waiting).insert(
            id.clone(),
            Waiter {
                started: Some(started_tx),
                done: done_tx,
            },
        );
        let _ = self.inner.tx.send(Pending {
            id: id.clone(),
            event,
            timeout,
        });
        let result = async {
            if tokio::time::timeout(MAX_QUEUE_WAIT, started_rx).await.is_err() {
                return Err(InvokeError::NotStarted);
            }
            match tokio::time::timeout(timeout + INVOKE_GRACE, done_rx).await {
                Ok(Ok(answer)) => answer,
                _ => Err(InvokeError::TimedOut),
            }
        }
        .await;
        lock(&self.inner.waiting).remove(&id);
        result
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    inner.polls.fetch_add(1, Ordering::SeqCst);
    loop {
        let pending = inner.rx.lock().await.recv().await;
        let Some(p) = pending else {
            return (StatusCode::INTERNAL_SERVER_ERROR, "runtime API closed").into_response();
        };
        // An invocation whose caller gave up is not handed out any more.
        let started = match lock(&inner.waiting).get_mut(&p.id) {
            Some(w) => w.started.take(),
            None => continue,
        };
        if let Some(s) = started {
            let _ = s.send(());
        }
        let deadline = now_ms() + p.timeout.as_millis() as u64;
        let trace = format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
            now_ms() / 1000,
            fastrand::u128(..) >> 32,
            fastrand::u64(..)
        );
        let mut response = (StatusCode::OK, p.event.to_string()).into_response();
        let headers = response.headers_mut();
        for (name, value) in [
            ("content-type", "application/json".to_string()),
            ("lambda-runtime-aws-request-id", p.id.clone()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            ("lambda-runtime-invoked-function-arn", inner.function_arn.clone()),
            ("lambda-runtime-trace-id", trace),
        ] {
            if let Ok(v) = value.parse() {
                headers.insert(name, v);
            }
        }
        return response;
    }
}

fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn settle(inner: &Inner, id: &str, result: Result<Value, InvokeError>) -> Response {
    match lock(&inner.waiting).remove(id) {
        Some(w) => {
            let _ = w.done.send(result);
            (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errorType": "InvalidRequestID", "errorMessage": "unknown or expired request id"})),
        )
            .into_response(),
    }
}

async fn respond(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> Response {
    settle(&inner, &id, Ok(json_or_text(&body)))
}

async fn fail(
    State(inner): State<Arc<Inner>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = json_or_text(&body);
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| body.get("errorType").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "Unhandled".into());
    settle(&inner, &id, Err(InvokeError::Function { error_type, body }))
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    lock(&inner.init_errors).push(json_or_text(&body));
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

// ---------------------------------------------------------------- function processes

/// The workspace root (where `events/` and `Cargo.toml` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The binary of a workspace package (a function, `ops`), built in the target directory and
/// profile this test executable was built in, once per test process.
///
/// `cargo build --workspace --bin <name>`: features unified over the whole workspace, as
/// `cargo test --workspace` (scripts/test.sh) and `cargo lambda build` in the workspace root
/// resolve them, so after the test build this only compiles and links the binary itself
/// (`-p <name>` alone would resolve fewer features and rebuild most of the dependency tree).
pub fn function_binary(package: &str) -> io::Result<PathBuf> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = lock(BUILT.get_or_init(|| Mutex::new(HashMap::new())));
    if let Some(path) = built.get(package) {
        return Ok(path.clone());
    }
    // <target>/<profile>/deps/<test>-<hash>
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| io::Error::other(format!("unexpected test executable path {}", exe.display())))?
        .to_path_buf();
    let target_dir = profile_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace_root().join("target"));
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_string();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--quiet", "--workspace", "--bin", package])
        .env("CARGO_TARGET_DIR", &target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let status = cmd.status()?;
    if !status.success() {
        return Err(io::Error::other(format!("cargo build -p {package} failed: {status}")));
    }
    let path = profile_dir.join(package);
    if !path.is_file() {
        return Err(io::Error::other(format!("{} missing after the build", path.display())));
    }
    built.insert(package.to_string(), path.clone());
    Ok(path)
}

/// One function instance: the real binary as a child process polling a [`RuntimeApi`].
/// Dropping it kills it.
pub struct FunctionProcess {
    package: String,
    child: Child,
    log: PathBuf,
}

impl FunctionProcess {
    /// Starts `package`'s binary with the Lambda environment plus `env` (and nothing else from
    /// this process's environment except `PATH`, `RUST_LOG` and `RUST_BACKTRACE`).
    pub fn spawn(package: &str, runtime: &RuntimeApi, env: &[(String, String)]) -> io::Result<Self> {
        Self::spawn_binary(&function_binary(package)?, &runtime.endpoint(), env)
    }

    /// Starts a given binary (e.g. a release build) against the runtime API at `runtime_api`
    /// (`host:port`); the package name is the binary's file name.
    pub fn spawn_binary(binary: &Path, runtime_api: &str, env: &[(String, String)]) -> io::Result<Self> {
        let package = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function");
        let log = std::env::temp_dir().join(format!(
            "e2e-{package}-{}-{:08x}.log",
            std::process::id(),
            fastrand::u32(..)
        ));
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", package)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{package}"))
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("2026/11/29/[$LATEST]{:032x}", fastrand::u128(..)),
            )
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()));
        for name in ["PATH", "RUST_BACKTRACE"] {
            if let Ok(v) = std::env::var(name) {
                cmd.env(name, v);
            }
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = cmd.spawn()?;
        Ok(Self {
            package: package.to_string(),
            child,
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9` (SIGKILL on unix), then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `n` lines of its log (for failure messages).
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "--- {} (pid {}) ---\n{}",
            self.package,
            self.child.id(),
            lines[lines.len().saturating_sub(n)..].join("\n")
        )
    }
}

impl Drop for FunctionProcess {
    /// Kills the process, then fails the test if its log holds a secret or a ticket body.
    fn drop(&mut self) {
        self.kill();
        crate::log_scan::assert_no_leaks(&self.package, &self.log());
        if std::env::var_os("E2E_KEEP_LOGS").is_none() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

// ---------------------------------------------------------------- AWS (moto)

/// The SQS endpoint of the tests (moto, started by `scripts/test.sh`).
pub fn sqs_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("no SQS endpoint: run the tests with scripts/test.sh (it starts moto) or set AWS_ENDPOINT_URL")
}

/// An SDK config for moto: region us-east-1, dummy credentials, the SQS endpoint.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(sqs_endpoint())
        .load()
        .await
}

pub async fn sqs_client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&aws_config().await)
}

/// A job queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct QueuePair {
    pub url: String,
    pub arn: String,
    pub dlq_url: String,
    pub dlq_arn: String,
}

async fn queue_arn(client: &aws_sdk_sqs::Client, url: &str) -> String {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes");
    out.attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .expect("QueueArn")
}

/// A fresh queue (`visibility` timeout) whose redrive policy moves a message to a fresh DLQ
/// after `max_receive_count` receives.
pub async fn create_queue_pair(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    visibility: Duration,
    max_receive_count: u32,
) -> QueuePair {
    let name = format!("{prefix}-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff);
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("CreateQueue (DLQ)")
        .queue_url
        .expect("DLQ url");
    let dlq_arn = queue_arn(client, &dlq_url).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count.to_string()}).to_string();
    let url = client
        .create_queue()
        .queue_name(&name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility.as_secs().max(1).to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("queue url");
    let arn = queue_arn(client, &url).await;
    QueuePair {
        url,
        arn,
        dlq_url,
        dlq_arn,
    }
}

/// Messages in a queue: (visible, in flight, delayed).
pub async fn queue_depth(client: &aws_sdk_sqs::Client, url: &str) -> (u64, u64, u64) {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("GetQueueAttributes");
    let get = |name: QueueAttributeName| {
        out.attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        get(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
    )
}

/// Total messages in a queue, visible or not.
pub async fn queue_total(client: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let (a, b, c) = queue_depth(client, url).await;
    a + b + c
}

/// Receives what is visible (up to `max`), hides it for `hold`, and returns it (for inspection;
/// the messages stay in the queue).
pub async fn peek(client: &aws_sdk_sqs::Client, url: &str, max: usize, hold: Duration) -> Vec<Message> {
    let mut all = Vec::new();
    while all.len() < max {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(hold.as_secs() as i32)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .expect("ReceiveMessage");
        let batch = out.messages.unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    all
}

// ---------------------------------------------------------------- event source mapping

/// What an [`EventSourceMapping`] did so far.
#[derive(Debug, Default)]
pub struct MappingStats {
    pub invocations: AtomicUsize,
    pub records: AtomicUsize,
    pub deleted: AtomicUsize,
    pub item_failures: AtomicUsize,
    pub function_errors: AtomicUsize,
    pub timeouts: AtomicUsize,
}

/// A copy of [`MappingStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MappingCounts {
    pub invocations: usize,
    pub records: usize,
    pub deleted: usize,
    pub item_failures: usize,
    pub function_errors: usize,
    pub timeouts: usize,
}

impl MappingStats {
    pub fn counts(&self) -> MappingCounts {
        MappingCounts {
            invocations: self.invocations.load(Ordering::SeqCst),
            records: self.records.load(Ordering::SeqCst),
            deleted: self.deleted.load(Ordering::SeqCst),
            item_failures: self.item_failures.load(Ordering::SeqCst),
            function_errors: self.function_errors.load(Ordering::SeqCst),
            timeouts: self.timeouts.load(Ordering::SeqCst),
        }
    }
}

/// Lambda's SQS poller for one queue and one function.
#[derive(Clone)]
pub struct EventSourceMapping {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    runtime: RuntimeApi,
    batch_size: i32,
    function_timeout: Duration,
    stats: Arc<MappingStats>,
}

/// The SQS event Lambda builds from received messages.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            let message_attributes: serde_json::Map<String, Value> = m
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| {
                            let value = json!({
                                "stringValue": v.string_value(),
                                "stringListValues": v.string_list_values(),
                                "binaryListValues": [],
                                "dataType": v.data_type(),
                            });
                            (k.clone(), value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            })
        })
        .collect();
    json!({"Records": records})
}

/// The message ids a batch response asks to keep; `None` when the response is not a valid
/// partial-batch answer (then Lambda treats the whole batch as failed).
pub fn batch_failures(response: &Value, batch: &HashSet<String>) -> Option<HashSet<String>> {
    let failures = match response.get("batchItemFailures") {
        None | Some(Value::Null) => return Some(HashSet::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return None,
    };
    let mut ids = HashSet::new();
    for f in failures {
        let id = f
            .get("itemIdentifier")
            .and_then(Value::as_str)
            .filter(|id| batch.contains(*id))?;
        ids.insert(id.to_string());
    }
    Some(ids)
}

impl EventSourceMapping {
    pub fn new(
        client: aws_sdk_sqs::Client,
        queues: &QueuePair,
        runtime: RuntimeApi,
        function_timeout: Duration,
    ) -> Self {
        Self {
            client,
            queue_url: queues.url.clone(),
            queue_arn: queues.arn.clone(),
            runtime,
            batch_size: 10,
            function_timeout,
            stats: Arc::new(MappingStats::default()),
        }
    }

    pub fn batch_size(mut self, n: i32) -> Self {
        self.batch_size = n.clamp(1, 10);
        self
    }

    pub fn stats(&self) -> MappingCounts {
        self.stats.counts()
    }

    /// One receive (long-poll up to 1 s), one invocation, the deletes. Returns the records delivered.
    pub async fn poll_once(&self) -> Result<usize, String> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("ReceiveMessage: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(0);
        }
        let event = sqs_event(&messages, &self.queue_arn);
        self.stats.invocations.fetch_add(1, Ordering::SeqCst);
        self.stats.records.fetch_add(messages.len(), Ordering::SeqCst);
        let ids: HashSet<String> = messages
            .iter()
            .filter_map(|m| m.message_id().map(str::to_string))
            .collect();
        let keep = match self.runtime.invoke(event, self.function_timeout).await {
            Ok(response) => match batch_failures(&response, &ids) {
                Some(keep) => keep,
                None => {
                    eprintln!("invalid batch response, the whole batch returns: {response}");
                    ids.clone()
                }
            },
            Err(InvokeError::Function { error_type, body }) => {
                eprintln!("function error {error_type}: {body}");
                self.stats.function_errors.fetch_add(1, Ordering::SeqCst);
                ids.clone()
            }
            Err(_) => {
                self.stats.timeouts.fetch_add(1, Ordering::SeqCst);
                ids.clone()
            }
        };
        self.stats.item_failures.fetch_add(keep.len(), Ordering::SeqCst);
        let done: Vec<&Message> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !keep.contains(id)))
            .collect();
        if !done.is_empty() {
            let mut req = self.client.delete_message_batch().queue_url(&self.queue_url);
            for (i, m) in done.iter().enumerate() {
                let entry = DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .map_err(|e| e.to_string())?;
                req = req.entries(entry);
            }
            let out = req
                .send()
                .await
                .map_err(|e| format!("DeleteMessageBatch: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
            self.stats.deleted.fetch_add(out.successful.len(), Ordering::SeqCst);
            if !out.failed.is_empty() {
                eprintln!("DeleteMessageBatch: {} failed: {:?}", out.failed.len(), out.failed);
            }
        }
        Ok(messages.len())
    }

    /// Runs `pollers` concurrent pollers (Lambda scales its pollers with the queue) until the
    /// handle is stopped or dropped.
    pub fn start(&self, pollers: usize) -> MappingHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..pollers.max(1))
            .map(|_| {
                let (mapping, stop) = (self.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        if let Err(e) = mapping.poll_once().await {
                            eprintln!("event source mapping: {e}");
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                })
            })
            .collect();
        MappingHandle {
            stop,
            tasks,
            stats: self.stats.clone(),
        }
    }
}

/// Running pollers; dropping the handle stops them.
pub struct MappingHandle {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stats: Arc<MappingStats>,
}

impl MappingHandle {
    pub fn stats(&self) -> MappingCounts {
        self.stats.counts()
    }

    /// Stops polling after the current batches (waits for them).
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for MappingHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in &self.tasks {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------- a whole test bed

/// The queue's own visibility timeout in a test bed: far longer than any test waits, so a
/// message that comes back in time was brought back by the function's own
/// `ChangeMessageVisibility` (backoff, `Retry-After`, lease + 1 s), never by the queue.
pub const LONG_VISIBILITY: Duration = Duration::from_secs(600);

/// Shape of a [`QueueBed`].
#[derive(Debug, Clone)]
pub struct BedOptions {
    /// The function package (`ticket-created`, ...).
    pub package: String,
    /// The queue's visibility timeout ([`LONG_VISIBILITY`] unless a test needs the queue
    /// itself to return a message, e.g. after a crash).
    pub visibility: Duration,
    /// Receives before the redrive policy moves a message to the DLQ.
    pub max_receive_count: u32,
    /// The function timeout (each invocation's deadline).
    pub function_timeout: Duration,
    /// Whether the function gets `JOB_DLQ_URL` (else it reads the queue's `RedrivePolicy`).
    pub dlq_url_in_env: bool,
    /// More environment for the function (overrides the defaults).
    pub env: Vec<(String, String)>,
}

impl BedOptions {
    pub fn new(package: &str) -> Self {
        Self {
            package: package.to_string(),
            visibility: LONG_VISIBILITY,
            max_receive_count: 10,
            function_timeout: Duration::from_secs(4),
            dlq_url_in_env: true,
            env: Vec::new(),
        }
    }
}

/// Simulators, a dedup table, a queue and DLQ, a runtime API and the function's environment.
pub struct QueueBed {
    pub opts: BedOptions,
    pub fd: FreshdeskSim,
    pub simpli: SimpliSim,
    pub fd_addr: SocketAddr,
    pub simpli_addr: SocketAddr,
    pub sqs: aws_sdk_sqs::Client,
    pub queues: QueuePair,
    pub table: String,
    pub store: DynamoDedupStore,
    pub runtime: RuntimeApi,
    pub env: Vec<(String, String)>,
}

impl QueueBed {
    /// The demo account and the Simpli stand-ins.
    pub async fn start(opts: BedOptions) -> Self {
        Self::with(FreshdeskSim::seeded_demo(crate::API_KEY), SimpliSim::new(), opts).await
    }

    pub async fn with(fd: FreshdeskSim, simpli: SimpliSim, opts: BedOptions) -> Self {
        let fd_addr = fd.start(0).await.expect("start freshdesk sim");
        let simpli_addr = simpli.start(0).await.expect("start simpli sim");
        let sqs = sqs_client().await;
        let queues = create_queue_pair(&sqs, &opts.package, opts.visibility, opts.max_receive_count).await;
        let dynamo = crate::dynamo_client();
        let table = crate::create_table(&dynamo).await;
        let store = DynamoDedupStore::new(dynamo, table.clone());
        let runtime = RuntimeApi::start(&opts.package).await.expect("runtime API");
        let simpli_url = format!("http://{simpli_addr}");
        let mut env: Vec<(String, String)> = vec![
            ("FRESHDESK_BASE_URL".into(), FreshdeskSim::base_url(fd_addr)),
            ("FRESHDESK_API_KEY".into(), crate::API_KEY.into()),
            ("WEBHOOK_SECRET".into(), crate::SECRET.into()),
            ("IDEMPOTENCY_TABLE".into(), table.clone()),
            ("JOB_QUEUE_URL".into(), queues.url.clone()),
            ("RETRY_BASE_SECONDS".into(), "1".into()),
            ("AWS_ENDPOINT_URL".into(), sqs_endpoint()),
            ("AWS_ENDPOINT_URL_DYNAMODB".into(), crate::dynamo_endpoint()),
            ("AWS_ENDPOINT_URL_SQS".into(), sqs_endpoint()),
            ("AWS_REGION".into(), REGION.into()),
            ("AWS_DEFAULT_REGION".into(), REGION.into()),
            ("AWS_ACCESS_KEY_ID".into(), "test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        for var in ["TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL"] {
            env.push((var.into(), simpli_url.clone()));
        }
        if opts.dlq_url_in_env {
            env.push(("JOB_DLQ_URL".into(), queues.dlq_url.clone()));
        }
        env.extend(opts.env.iter().cloned());
        QueueBed {
            opts,
            fd,
            simpli,
            fd_addr,
            simpli_addr,
            sqs,
            queues,
            table,
            store,
            runtime,
            env,
        }
    }

    /// Starts one more function instance.
    pub fn spawn_worker(&self) -> FunctionProcess {
        FunctionProcess::spawn(&self.opts.package, &self.runtime, &self.env).expect("spawn the function binary")
    }

    /// Lambda's poller for the bed's queue.
    pub fn mapping(&self) -> EventSourceMapping {
        EventSourceMapping::new(
            self.sqs.clone(),
            &self.queues,
            self.runtime.clone(),
            self.opts.function_timeout,
        )
    }

    /// Delivers the sample webhook of the bed's event for `ticket_id` through the function's
    /// HTTP entry; returns (status, body).
    pub async fn webhook(&self, ticket_id: u64) -> Result<(u16, Value), InvokeError> {
        let event = crate::with_body(
            crate::event(&format!("{}.json", self.opts.package)),
            &format!("{{\"ticket_id\": {ticket_id}}}"),
        );
        let out = self.runtime.invoke(event, self.opts.function_timeout).await?;
        let status = out["statusCode"].as_u64().unwrap_or(0) as u16;
        let body = out["body"]
            .as_str()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// The dedup record of a job key.
    pub async fn record(&self, key: &str) -> Option<DedupRecord> {
        self.store.get(key).await.expect("read the dedup record")
    }

    /// Messages in the queue and in the DLQ (visible or not).
    pub async fn depths(&self) -> (u64, u64) {
        (
            queue_total(&self.sqs, &self.queues.url).await,
            queue_total(&self.sqs, &self.queues.dlq_url).await,
        )
    }
}

/// Polls `check` every 100 ms until it holds; panics with `what` (and `context()`) after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    if !wait_until(timeout, &mut check).await {
        panic!("timed out after {timeout:?} waiting until {what}");
    }
}

/// Like [`eventually`], but returns whether it held instead of panicking.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
