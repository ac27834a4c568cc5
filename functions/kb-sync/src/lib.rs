//! kb-sync (scheduled): push published Solutions articles to the Simpli KB, skipping any whose
//! `updated_at` matches what was last pushed, then summarise the KB's gaps. It checks the clock
//! before every article and stops cleanly (`partial`, never an error) while the smaller of 10 s
//! and a fifth of the run's time is left, so even a run of a few seconds makes progress; the
//! next run resumes from a cursor.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::clients::freshdesk::{Article, Folder, FreshdeskError};
use shared::clients::simpli::models::KbArticle;
use shared::job::text::html_to_text;
use shared::runtime::Scheduled;
use shared::{App, JobError};

pub struct KbSync {
    /// The most time kept back before the deadline: the run stops when less than the margin is
    /// left. A short run keeps back a fifth of its time instead (see [`stop_margin`]).
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

/// The time a run keeps back: the smaller of `cap` and a fifth of the run's time, so a run
/// with only a few seconds still spends most of them on articles.
pub fn stop_margin(cap: Duration, run_time: Duration) -> Duration {
    cap.min(run_time / 5)
}

impl Scheduled for KbSync {
    const NAME: &'static str = "kb-sync";

    async fn run<'a>(&'a self, app: &'a App, deadline: Instant) -> Result<Value, JobError> {
        let margin = stop_margin(self.stop_margin, shared::job::retry::remaining(deadline));
        let lease = shared::job::lease::lease_until(deadline);
        let claim = match app
            .dedup
            .claim(LOCK_KEY, shared::setup::clock::now_ms(), lease, app.config.dedup_ttl)
            .await?
        {
            shared::store::ClaimOutcome::Claimed(c) => c,
            _ => return Ok(json!({"status": "in_progress", "reason": "another kb-sync run holds the lock"})),
        };
        let result = sync(app, Budget::new(deadline, margin)).await;
        if let Err(e) = app.dedup.release(&claim).await {
            tracing::warn!(error = %e, "could not release the kb-sync lock; it expires with its lease");
        }
        result
    }
}

/// The run's clock: calls are bounded by `work_until` (the deadline less the margin), so the
/// cursor write and the lock release always fit after them.
#[derive(Clone, Copy)]
struct Budget {
    work_until: Instant,
}

impl Budget {
    fn new(deadline: Instant, margin: Duration) -> Self {
        Self {
            work_until: deadline.checked_sub(margin).unwrap_or(deadline),
        }
    }

    fn spent(&self) -> bool {
        Instant::now() >= self.work_until
    }
}

#[derive(Default)]
struct Counts {
    pushed: u32,
    unchanged: u32,
    drafts: u32,
}

async fn sync(app: &App, budget: Budget) -> Result<Value, JobError> {
    let folders = match all_folders(app, budget.work_until).await {
        Ok(folders) => folders,
        Err(e) if budget.spent() => {
            tracing::warn!(error = %e, "kb-sync ran out of time listing folders; will resume");
            return Ok(json!({"status": "partial", "pushed": 0, "unchanged": 0, "drafts": 0}));
        }
        Err(e) => return Err(e),
    };
    let cursor = app
        .dedup
        .get_marker(CURSOR_KEY)
        .await?
        .and_then(|c| c.parse::<u64>().ok());
    let start = cursor
        .and_then(|id| folders.iter().position(|f| f.id == id))
        .unwrap_or(0);
    let mut counts = Counts::default();
    for folder in &folders[start..] {
        match sync_folder(app, folder, budget, &mut counts).await {
            Ok(true) => {}
            // Out of time (or a call cut short by it): stop cleanly and resume here next run.
            Ok(false) => return stop(app, folder, &counts).await,
            Err(_) if budget.spent() => return stop(app, folder, &counts).await,
            Err(e) => return Err(e),
        }
    }
    app.markers.put_marker(CURSOR_KEY, "").await?;
    let Counts {
        pushed,
        unchanged,
        drafts,
    } = counts;
    let gaps = match app.simpli.gaps("kb-sync#gaps", budget.work_until).await {
        Ok(gaps) => gaps_summary(&gaps),
        Err(e) if budget.spent() => {
            tracing::warn!(error = %e, "no time left for the gaps report");
            Value::Null
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(pushed, unchanged, drafts, gaps = %gaps, "kb-sync complete");
    Ok(
        json!({"status": "complete", "folders": folders.len(), "pushed": pushed, "unchanged": unchanged, "drafts": drafts, "gaps": gaps}),
    )
}

/// Pushes a folder's new and edited published articles, checking the clock before each.
/// `Ok(false)`: the time ran out before the folder was done.
async fn sync_folder(app: &App, folder: &Folder, budget: Budget, counts: &mut Counts) -> Result<bool, JobError> {
    if budget.spent() {
        return Ok(false);
    }
    let articles = match app.freshdesk.folder_articles(folder.id, budget.work_until).await {
        Err(FreshdeskError::NotFound { .. }) => {
            tracing::info!(folder = folder.id, "folder deleted since the walk; skipped");
            return Ok(true);
        }
        other => other?,
    };
    for article in articles {
        if article.status != Article::PUBLISHED {
            counts.drafts += 1;
            continue;
        }
        if budget.spent() {
            return Ok(false);
        }
        let key = article_key(article.id);
        if app.markers.get_marker(&key).await?.as_deref() == Some(article.updated_at.as_str()) {
            counts.unchanged += 1;
            continue;
        }
        push(app, &article, budget.work_until).await?;
        app.markers.put_marker(&key, &article.updated_at).await?;
        counts.pushed += 1;
    }
    Ok(true)
}

/// Ends a run that ran out of time: the cursor keeps the folder to resume from (its articles
/// already pushed are skipped next time by their markers).
async fn stop(app: &App, folder: &Folder, counts: &Counts) -> Result<Value, JobError> {
    app.markers.put_marker(CURSOR_KEY, &folder.id.to_string()).await?;
    tracing::info!(
        folder = folder.id,
        pushed = counts.pushed,
        "kb-sync stopping before the deadline; will resume"
    );
    Ok(
        json!({"status": "partial", "pushed": counts.pushed, "unchanged": counts.unchanged, "drafts": counts.drafts, "resume_folder": folder.id}),
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
