//! The whole set-up of one queue-mode test: simulators, a DynamoDB dedup table, a queue with
//! its DLQ and redrive policy (moto), a runtime stand-in and the function's environment. It
//! exists so each test states only what differs ([`BedOptions`]).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use shared::store::{DedupRecord, DedupStore, DynamoDedupStore};
use sim::{FreshdeskSim, SimpliSim};

use super::{
    create_queue_pair, queue_total, sqs_client, sqs_endpoint, EventSourceMapping, FunctionProcess, InvokeError,
    QueuePair, RuntimeApi, REGION,
};

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
        let mut env = crate::sim_env(fd_addr, simpli_addr);
        env.extend([
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
        ]);
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
