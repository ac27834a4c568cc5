//! kb-sync (scheduled): push published Solutions articles to the Simpli KB, skipping any whose
//! `updated_at` matches what was last pushed, then summarise the KB's gaps. Stops cleanly
//! before the deadline and resumes from a cursor on the next run.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::freshdesk::{Article, Folder};
use shared::lambda::Scheduled;
use shared::simpli::models::KbArticle;
use shared::text::html_to_text;
use shared::{App, JobError};

pub struct KbSync {
    /// Time kept back before the deadline: the run stops when less than this is left.
    pub stop_margin: Duration,
}

impl Default for KbSync {
    fn default() -> Self {
        Self {
            stop_margin: Duration::from_secs(10),
        }
    }
}

/// Keeps one run from overlapping another.
pub const LOCK_KEY: &str = "kb-sync#lock";
/// The folder to resume from (empty: start at the beginning).
pub const CURSOR_KEY: &str = "kb-sync#cursor";

pub fn article_key(id: u64) -> String {
    format!("kb-article#{id}")
}

impl Scheduled for KbSync {
    const NAME: &'static str = "kb-sync";

    async fn run<'a>(&'a self, app: &'a App, deadline: Instant) -> Result<Value, JobError> {
        let lease = shared::retry::remaining(deadline) + shared::pipeline::LEASE_MARGIN;
        let claim = match app
            .dedup
            .claim(LOCK_KEY, shared::dedup::now_ms(), lease, app.config.dedup_ttl)
            .await?
        {
            shared::dedup::ClaimOutcome::Claimed(c) => c,
            _ => return Ok(json!({"status": "in_progress", "reason": "another kb-sync run holds the lock"})),
        };
        let result = sync(app, deadline, self.stop_margin).await;
        if let Err(e) = app.dedup.release(&claim).await {
            tracing::warn!(error = %e, "could not release the kb-sync lock; it expires with its lease");
        }
        result
    }
}

async fn sync(app: &App, deadline: Instant, stop_margin: Duration) -> Result<Value, JobError> {
    let folders = all_folders(app, deadline).await?;
    let cursor = app
        .dedup
        .get_marker(CURSOR_KEY)
        .await?
        .and_then(|c| c.parse::<u64>().ok());
    let start = cursor
        .and_then(|id| folders.iter().position(|f| f.id == id))
        .unwrap_or(0);
    let (mut pushed, mut unchanged, mut drafts) = (0u32, 0u32, 0u32);
    for folder in &folders[start..] {
        if shared::retry::remaining(deadline) < stop_margin {
            app.dedup.put_marker(CURSOR_KEY, &folder.id.to_string()).await?;
            tracing::info!(
                folder = folder.id,
                pushed,
                "kb-sync stopping before the deadline; will resume"
            );
            return Ok(
                json!({"status": "partial", "pushed": pushed, "unchanged": unchanged, "drafts": drafts, "resume_folder": folder.id}),
            );
        }
        for article in app.freshdesk.folder_articles(folder.id, deadline).await? {
            if article.status != Article::PUBLISHED {
                drafts += 1;
                continue;
            }
            let key = article_key(article.id);
            if app.dedup.get_marker(&key).await?.as_deref() == Some(article.updated_at.as_str()) {
                unchanged += 1;
                continue;
            }
            push(app, &article, deadline).await?;
            app.dedup.put_marker(&key, &article.updated_at).await?;
            pushed += 1;
        }
    }
    app.dedup.put_marker(CURSOR_KEY, "").await?;
    let gaps = app.simpli.gaps("kb-sync#gaps", deadline).await?;
    let summary = gaps_summary(&gaps);
    tracing::info!(pushed, unchanged, drafts, gaps = %summary, "kb-sync complete");
    Ok(
        json!({"status": "complete", "folders": folders.len(), "pushed": pushed, "unchanged": unchanged, "drafts": drafts, "gaps": summary}),
    )
}

async fn push(app: &App, article: &Article, deadline: Instant) -> Result<(), JobError> {
    let content = if article.description_text.trim().is_empty() {
        html_to_text(&article.description)
    } else {
        article.description_text.clone()
    };
    let body = KbArticle {
        title: &article.title,
        content: &content,
        tags: &article.tags,
        source: "freshdesk-solutions",
    };
    app.simpli
        .push_article(
            &body,
            &format!("kb-article#{}#{}", article.id, article.updated_at),
            deadline,
        )
        .await?;
    Ok(())
}

/// Every folder in walk order: categories → folders → subfolders (depth first).
async fn all_folders(app: &App, deadline: Instant) -> Result<Vec<Folder>, JobError> {
    let mut out = Vec::new();
    for category in app.freshdesk.solution_categories(deadline).await? {
        let mut stack: Vec<Folder> = app.freshdesk.category_folders(category.id, deadline).await?;
        stack.reverse();
        while let Some(folder) = stack.pop() {
            let mut subs = app.freshdesk.subfolders(folder.id, deadline).await?;
            subs.reverse();
            if out.iter().any(|f: &Folder| f.id == folder.id) {
                continue;
            }
            out.push(folder);
            stack.extend(subs);
        }
    }
    Ok(out)
}

/// The gaps report is unpublished JSON: count its entries and keep the topics if it has them.
pub fn gaps_summary(gaps: &Value) -> Value {
    let list = match gaps {
        Value::Array(items) => Some(items),
        Value::Object(map) => map.get("gaps").or_else(|| map.get("items")).and_then(Value::as_array),
        _ => None,
    };
    let topics: Vec<Value> = list
        .map(|items| items.iter().filter_map(|g| g.get("topic").cloned()).take(10).collect())
        .unwrap_or_default();
    json!({"count": list.map_or(0, Vec::len), "topics": topics, "bytes": gaps.to_string().len()})
}
