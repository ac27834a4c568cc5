//! Every file in `events/` is accepted by the function that owns it (the name before the first
//! dot: `ticket-created.sqs.json` belongs to ticket-created), in both modes, the way
//! `sam local invoke -e events/<file>` would run it: the real binary under the Runtime API
//! stand-in. The list is read from the directory, so a new sample is covered without a change
//! here. `env.example.json` is the `--env-vars` file, checked against the template by
//! scripts/check_template.py and here for its shape.
//!
//! * inline mode (no `JOB_QUEUE_URL`, in-memory dedup): a webhook runs its job and answers 200
//!   `processed`; an SQS sample runs its job and hands nothing back; a schedule runs kb-sync.
//! * queue mode (a moto queue and dedup table): a webhook answers 202 `queued` and enqueues
//!   exactly the body the SQS samples carry; an SQS sample runs its job to `processed` (dedup in DynamoDB).
//!
//! Needs moto (`scripts/test.sh` starts it).

use std::path::PathBuf;
use std::time::Duration;

use e2e::runtime_api::{peek, workspace_root, BedOptions, FunctionProcess, QueueBed, RuntimeApi};
use serde_json::Value;
use shared::runtime::queue::JobMessage;
use shared::runtime::{classify, EventKind};
use sim::{FreshdeskSim, SimpliSim};

const TIMEOUT: Duration = Duration::from_secs(30);
/// The `--env-vars` file: configuration, not an event.
const ENV_VARS_FILE: &str = "env.example.json";

struct Sample {
    file: String,
    owner: String,
    event: Value,
}

/// Every `events/*.json` but the env-vars file, each with the function package that owns it.
fn samples() -> Vec<Sample> {
    let dir = workspace_root().join("events");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.ends_with(ENV_VARS_FILE))
        .collect();
    files.sort();
    let samples: Vec<Sample> = files
        .into_iter()
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let owner = file.split('.').next().unwrap().to_string();
            assert!(
                workspace_root().join("functions").join(&owner).is_dir(),
                "events/{file}: no function package functions/{owner} owns it"
            );
            Sample {
                event: e2e::event(&file),
                file,
                owner,
            }
        })
        .collect();
    assert!(samples.len() >= 8, "the samples went missing: {}", samples.len());
    samples
}

/// The job message of a webhook sample, or of an SQS sample's one record.
fn ticket_of(sample: &Sample) -> u64 {
    match classify(&sample.event) {
        EventKind::Sqs => job_message(&sample.event["Records"][0]["body"]).ticket_id,
        _ => {
            let body = sample.event["body"].as_str().expect("a webhook body");
            let text = if sample.event["isBase64Encoded"] == true {
                use base64::Engine;
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap()
            } else {
                body.to_string()
            };
            let id = &serde_json::from_str::<Value>(&text).unwrap()["ticket_id"];
            id.as_u64()
                .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                .expect("a ticket id")
        }
    }
}

/// A queue body, which must be exactly what the HTTP entry enqueues (JobMessage's serialization).
fn job_message(body: &Value) -> JobMessage {
    let body = body.as_str().expect("an SQS body is a string");
    let msg: JobMessage = serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
    assert_eq!(serde_json::to_string(&msg).unwrap(), body, "not the enqueued form");
    msg
}

/// The outcomes the function's `job` log lines report.
fn outcomes(worker: &FunctionProcess) -> Vec<String> {
    worker
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "job")
        .filter_map(|l| l["outcome"].as_str().map(str::to_string))
        .collect()
}

/// Invokes `sample` on a fresh instance of its function with `env`; panics with the log if
/// there is no answer.
async fn run(sample: &Sample, runtime: &RuntimeApi, env: &[(String, String)]) -> (Value, FunctionProcess) {
    let worker = FunctionProcess::spawn(&sample.owner, runtime, env).unwrap();
    let answer = runtime
        .invoke(sample.event.clone(), TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("events/{}: {e:?}\n{}", sample.file, worker.log_tail(30)));
    (answer, worker)
}

fn answer_body(answer: &Value) -> Value {
    answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_event_is_accepted_inline() {
    for sample in samples() {
        let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
        let simpli = SimpliSim::new();
        let env = e2e::sim_env(fd.start(0).await.unwrap(), simpli.start(0).await.unwrap());
        let runtime = RuntimeApi::start(&sample.owner).await.unwrap();
        let (answer, worker) = run(&sample, &runtime, &env).await;
        let file = &sample.file;
        match classify(&sample.event) {
            EventKind::Http => {
                assert_eq!(answer["statusCode"], 200, "events/{file}: {answer}");
                assert_eq!(answer_body(&answer)["status"], "processed", "events/{file}: {answer}");
            }
            EventKind::Sqs => {
                assert_eq!(
                    answer["batchItemFailures"],
                    serde_json::json!([]),
                    "events/{file}: {answer}"
                )
            }
            EventKind::Schedule => assert!(answer.is_object(), "events/{file}: {answer}"),
        }
        assert_eq!(
            outcomes(&worker),
            ["processed"],
            "events/{file}:\n{}",
            worker.log_tail(30)
        );
        // A job reads and writes; a scheduled run at least reads (reconcile's first run lists
        // the tickets updated since its start: none of the demo account's).
        let least = if matches!(classify(&sample.event), EventKind::Schedule) {
            1
        } else {
            2
        };
        assert!(fd.requests().len() >= least, "events/{file}: the job reached Freshdesk");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_event_is_accepted_in_queue_mode() {
    for sample in samples() {
        let bed = QueueBed::start(BedOptions::new(&sample.owner)).await;
        let file = &sample.file;
        let kind = classify(&sample.event);
        let mut env = bed.env.clone();
        if matches!(kind, EventKind::Schedule) {
            // A scheduled function has no queue (the template gives it none).
            env.retain(|(k, _)| !k.starts_with("JOB_"));
        }
        let (answer, worker) = run(&sample, &bed.runtime, &env).await;
        match kind {
            EventKind::Http => {
                assert_eq!(answer["statusCode"], 202, "events/{file}: {answer}");
                assert_eq!(answer_body(&answer)["status"], "queued", "events/{file}: {answer}");
                let queued = peek(&bed.sqs, &bed.queues.url, 1, Duration::from_secs(30)).await;
                let msg = job_message(&Value::from(queued[0].body().unwrap_or_default()));
                assert_eq!(
                    (msg.event.as_str(), msg.ticket_id),
                    (sample.owner.as_str(), ticket_of(&sample))
                );
            }
            EventKind::Sqs => {
                assert_eq!(
                    answer["batchItemFailures"],
                    serde_json::json!([]),
                    "events/{file}: {answer}"
                );
                let writes = bed.fd.requests().iter().filter(|r| r.method != "GET").count();
                assert!(writes > 0, "events/{file}: the job wrote to Freshdesk");
                assert_eq!(outcomes(&worker), ["processed"], "events/{file}");
            }
            EventKind::Schedule => {
                assert!(answer.is_object(), "events/{file}: {answer}");
                assert_eq!(outcomes(&worker), ["processed"], "events/{file}");
            }
        }
    }
}

/// Each SQS sample carries one record for its own function, with the exact body the HTTP entry
/// enqueues, and each webhook function has one.
#[test]
fn every_webhook_function_has_an_sqs_sample_with_the_enqueued_body() {
    let all = samples();
    let webhook_owners: std::collections::BTreeSet<&str> = all
        .iter()
        .filter(|s| matches!(classify(&s.event), EventKind::Http))
        .map(|s| s.owner.as_str())
        .collect();
    for owner in &webhook_owners {
        let sqs: Vec<&Sample> = all
            .iter()
            .filter(|s| s.owner == *owner && matches!(classify(&s.event), EventKind::Sqs))
            .collect();
        assert_eq!(sqs.len(), 1, "{owner}: one events/{owner}.sqs.json");
        let records = sqs[0].event["Records"].as_array().unwrap();
        assert_eq!(records.len(), 1, "{owner}");
        assert_eq!(records[0]["eventSource"], "aws:sqs");
        assert_eq!(job_message(&records[0]["body"]).event, *owner);
    }
    assert_eq!(webhook_owners.len(), 3, "{webhook_owners:?}");
}

/// The `--env-vars` file: `Parameters` for every function, and one section per function of
/// the template, pointing at the sandbox's simulators through Docker's host address.
#[test]
fn the_env_vars_file_points_every_function_at_the_sandbox() {
    let env = e2e::event(ENV_VARS_FILE);
    let template = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    for (name, section) in env.as_object().unwrap() {
        assert!(section.is_object(), "{name}");
        assert!(
            name == "Parameters" || template.contains(&format!("\n  {name}:\n    Type: AWS::Serverless::Function")),
            "{name} is not a function of template.yaml"
        );
        for (var, value) in section.as_object().unwrap() {
            assert!(value.is_string(), "{name}.{var}: sam wants strings");
        }
    }
    let params = &env["Parameters"];
    assert!(params["FRESHDESK_BASE_URL"]
        .as_str()
        .unwrap()
        .starts_with("http://host.docker.internal:"));
    for var in sim::SIMPLI_URL_VARS {
        assert!(
            params[var]
                .as_str()
                .unwrap()
                .starts_with("http://host.docker.internal:"),
            "{var}"
        );
    }
    for function in [
        "TicketCreatedFunction",
        "CustomerRepliedFunction",
        "TicketResolvedFunction",
    ] {
        assert_eq!(
            env[function]["WEBHOOK_SECRET"],
            e2e::SECRET,
            "{function}: the sample events' secret"
        );
    }
}
