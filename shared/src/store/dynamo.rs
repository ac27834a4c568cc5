//! DynamoDB adapter: every state change is one conditional `UpdateItem`, and a failed condition
//! is recognised by the SDK's typed `ConditionalCheckFailedException`, never by message text.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;

use super::*;

type Item = HashMap<String, AttributeValue>;

#[derive(Debug, Clone)]
pub struct DynamoDedupStore {
    client: Client,
    table: String,
}

impl DynamoDedupStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A strongly consistent read of one item.
    async fn get_item(&self, key: &str) -> Result<Option<Item>, DedupError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// An update that must run under the claim (fenced by `attempt`).
    async fn held_update(
        &self,
        claim: &Claim,
        expr: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<(), DedupError> {
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&claim.key))
            .update_expression(expr)
            .condition_expression("attempt = :attempt AND #st = :inp")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":attempt", n(claim.attempt))
            .expression_attribute_values(":inp", s(IN_PROGRESS));
        for (name, value) in values {
            req = req.expression_attribute_values(name, value);
        }
        if expr.contains("#err") {
            req = req.expression_attribute_names("#err", "error");
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Err(DedupError::LeaseLost { key: claim.key.clone() })
            }
            Err(e) => Err(backend(e)),
        }
    }
}

/// `expr` with `ADD steps :steps` when there are steps to add (a string set cannot be empty).
fn adding_steps<'a>(
    expr: &str,
    mut values: Vec<(&'a str, AttributeValue)>,
    steps: &BTreeSet<String>,
) -> (String, Vec<(&'a str, AttributeValue)>) {
    if steps.is_empty() {
        return (expr.to_string(), values);
    }
    values.push((":steps", AttributeValue::Ss(steps.iter().cloned().collect())));
    (format!("{expr} ADD steps :steps"), values)
}

#[async_trait::async_trait]
impl DedupStore for DynamoDedupStore {
    async fn claim(&self, key: &str, now_ms: u64, lease: Duration, ttl: Duration) -> Result<ClaimOutcome, DedupError> {
        let lease_until = now_ms + lease.as_millis() as u64;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .update_expression("SET #st = :inp, lease_until = :lease, expires_at = :exp, attempt = if_not_exists(attempt, :zero) + :one REMOVE #err")
            .condition_expression("attribute_not_exists(pk) OR (#st = :inp AND lease_until < :now) OR #st = :failed")
            .expression_attribute_names("#st", "status")
            .expression_attribute_names("#err", "error")
            .expression_attribute_values(":inp", s(IN_PROGRESS))
            .expression_attribute_values(":failed", s(FAILED))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":exp", n(now_ms / 1000 + ttl.as_secs()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                let record = record_from(&item);
                Ok(ClaimOutcome::Claimed(Claim {
                    key: key.to_string(),
                    attempt: record.attempt,
                    steps: record.steps,
                    lease_until_ms: record.lease_until_ms,
                }))
            }
            Err(SdkError::ServiceError(e)) => match e.err() {
                UpdateItemError::ConditionalCheckFailedException(ccf) => {
                    let old = ccf.item().map(record_from).unwrap_or_default();
                    Ok(if old.status == COMPLETED {
                        ClaimOutcome::Duplicate { outcome: old.outcome }
                    } else {
                        ClaimOutcome::InProgress {
                            lease_until_ms: old.lease_until_ms,
                        }
                    })
                }
                _ => Err(backend(SdkError::ServiceError(e))),
            },
            Err(e) => Err(backend(e)),
        }
    }

    async fn record_step(&self, claim: &Claim, step: &str) -> Result<(), DedupError> {
        self.held_update(
            claim,
            "ADD steps :step",
            vec![(":step", AttributeValue::Ss(vec![step.to_string()]))],
        )
        .await
    }

    async fn release_recording(&self, claim: &Claim, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        let values = vec![(":zero", n(0)), (":exp", n(replay_expiry(claim)))];
        let (expr, values) = adding_steps("SET lease_until = :zero, expires_at = :exp", values, steps);
        self.held_update(claim, &expr, values).await
    }

    async fn complete(&self, claim: &Claim, outcome: &str) -> Result<(), DedupError> {
        self.held_update(
            claim,
            "SET #st = :done, outcome = :outcome, lease_until = :zero",
            vec![(":done", s(COMPLETED)), (":outcome", s(outcome)), (":zero", n(0))],
        )
        .await
    }

    async fn fail_recording(&self, claim: &Claim, error: &str, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        let values = vec![
            (":failed", s(FAILED)),
            (":error", s(error)),
            (":zero", n(0)),
            (":exp", n(replay_expiry(claim))),
        ];
        let expr = "SET #st = :failed, #err = :error, lease_until = :zero, expires_at = :exp";
        let (expr, values) = adding_steps(expr, values, steps);
        self.held_update(claim, &expr, values).await
    }

    async fn get(&self, key: &str) -> Result<Option<DedupRecord>, DedupError> {
        Ok(self
            .get_item(key)
            .await?
            .as_ref()
            .map(record_from)
            .filter(|r| !r.status.is_empty()))
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn num(item: &Item, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn string(item: &Item, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn record_from(item: &Item) -> DedupRecord {
    DedupRecord {
        status: string(item, "status").unwrap_or_default(),
        attempt: num(item, "attempt").unwrap_or(0) as u32,
        lease_until_ms: num(item, "lease_until").unwrap_or(0),
        expires_at: num(item, "expires_at"),
        steps: item
            .get("steps")
            .and_then(|v| v.as_ss().ok())
            .map(|ss| ss.iter().cloned().collect())
            .unwrap_or_default(),
        outcome: string(item, "outcome"),
        error: string(item, "error"),
    }
}

fn backend<E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static>(e: E) -> DedupError {
    DedupError::Backend(crate::clients::aws::describe(&e))
}

#[async_trait::async_trait]
impl MarkerStore for DynamoDedupStore {
    async fn get_marker(&self, key: &str) -> Result<Option<String>, DedupError> {
        Ok(self.get_item(key).await?.and_then(|i| string(&i, "value")))
    }

    async fn put_marker(&self, key: &str, value: &str) -> Result<(), DedupError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("value", s(value))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
