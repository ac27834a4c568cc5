//! Knowledge base (solutions) routes and storage: categories → top-level
//! folders → subfolders → articles, each list paginated like every other
//! Freshdesk list. Articles keep the full GET shape (hierarchy included).

use serde_json::{json, Map, Value};

use super::state::{into_map, State, BOT_AGENT_ID};
use super::wire::{paginate, Req, Resp};
use crate::util::html_to_text;

/// `GET /solutions/...`; `segs` is the path after `/solutions`.
pub(crate) fn get(st: &State, r: &Req, segs: &[&str]) -> Resp {
    let id = |s: &str| s.parse::<u64>().ok();
    let list =
        |items: Vec<&Map<String, Value>>| paginate(st, r, items.into_iter().cloned().map(Value::Object).collect());
    let one = |item: Option<&Map<String, Value>>| match item {
        Some(v) => Resp::json(200, Value::Object(v.clone())),
        None => Resp::not_found(),
    };
    match segs {
        ["categories"] => list(st.categories.values().collect()),
        ["categories", c] => one(id(c).and_then(|c| st.categories.get(&c))),
        ["categories", c, "folders"] => match id(c).filter(|c| st.categories.contains_key(c)) {
            Some(c) => list(
                st.folders
                    .values()
                    .filter(|f| num(f, "category_id") == Some(c) && num(f, "parent_folder_id").is_none())
                    .collect(),
            ),
            None => Resp::not_found(),
        },
        ["folders", f] => one(id(f).and_then(|f| st.folders.get(&f))),
        ["folders", f, "subfolders"] => match id(f).filter(|f| st.folders.contains_key(f)) {
            Some(f) => list(
                st.folders
                    .values()
                    .filter(|s| num(s, "parent_folder_id") == Some(f))
                    .collect(),
            ),
            None => Resp::not_found(),
        },
        ["folders", f, "articles"] => match id(f).filter(|f| st.folders.contains_key(f)) {
            Some(f) => list(
                st.articles
                    .values()
                    .filter(|a| num(a, "folder_id") == Some(f))
                    .collect(),
            ),
            None => Resp::not_found(),
        },
        ["articles", a] => one(id(a).and_then(|a| st.articles.get(&a))),
        _ => Resp::not_found(),
    }
}

fn num(obj: &Map<String, Value>, key: &str) -> Option<u64> {
    obj.get(key).and_then(Value::as_u64)
}

impl State {
    pub(crate) fn insert_category(&mut self, name: &str, description: &str) -> u64 {
        let id = self.next_category;
        self.next_category += 1;
        let now = self.clock.now();
        let c = json!({"id": id, "name": name, "description": description,
                       "visible_in_portals": [], "created_at": now, "updated_at": now});
        self.categories.insert(id, into_map(c));
        id
    }

    /// `None` when the category (or the parent folder) does not exist.
    pub(crate) fn insert_folder(&mut self, category_id: u64, parent: Option<u64>, name: &str) -> Option<u64> {
        if !self.categories.contains_key(&category_id) {
            return None;
        }
        if let Some(p) = parent {
            let parent_folder = self.folders.get_mut(&p)?;
            let n = num(parent_folder, "sub_folders_count").unwrap_or(0);
            parent_folder.insert("sub_folders_count".into(), json!(n + 1));
        }
        let id = self.next_folder;
        self.next_folder += 1;
        let now = self.clock.now();
        let f = json!({"id": id, "name": name, "description": null, "category_id": category_id,
                       "parent_folder_id": parent, "articles_count": 0, "sub_folders_count": 0,
                       "visibility": 1, "company_ids": [], "contact_segment_ids": [],
                       "company_segment_ids": [], "created_at": now, "updated_at": now});
        self.folders.insert(id, into_map(f));
        Some(id)
    }

    /// `None` when the folder does not exist. Missing fields get defaults
    /// (published, type 1); `description_text` is derived from `description`.
    pub(crate) fn insert_article(&mut self, folder_id: u64, given: Value) -> Option<u64> {
        let folder = self.folders.get_mut(&folder_id)?;
        let n = num(folder, "articles_count").unwrap_or(0);
        folder.insert("articles_count".into(), json!(n + 1));
        let category_id = num(folder, "category_id");
        let mut given = into_map(given);
        let id = given.remove("id").and_then(|v| v.as_u64()).unwrap_or(self.next_article);
        self.next_article = self.next_article.max(id + 1);
        let now = self.clock.now();
        let mut a = into_map(json!({
            "id": id, "type": 1, "status": 2, "title": format!("Article {id}"),
            "description": "", "description_text": "", "folder_id": folder_id,
            "category_id": category_id, "agent_id": BOT_AGENT_ID, "tags": [],
            "seo_data": {}, "hits": 0, "thumbs_up": 0, "thumbs_down": 0, "attachments": [],
            "cloud_files": [], "platforms": [], "created_at": now, "updated_at": now,
        }));
        let text_given = given.contains_key("description_text");
        a.extend(given);
        if !text_given {
            let text = html_to_text(a.get("description").and_then(Value::as_str).unwrap_or(""));
            a.insert("description_text".into(), Value::String(text));
        }
        a.insert("hierarchy".into(), self.hierarchy(folder_id));
        self.articles.insert(id, a);
        Some(id)
    }

    /// Merge `changes` into an article and bump `updated_at`; false if absent.
    pub(crate) fn update_article(&mut self, id: u64, changes: Value) -> bool {
        let now = self.clock.now();
        let Some(a) = self.articles.get_mut(&id) else {
            return false;
        };
        let changes = into_map(changes);
        let text_given = changes.contains_key("description_text");
        let desc_given = changes.contains_key("description");
        a.extend(changes);
        if desc_given && !text_given {
            let text = html_to_text(a.get("description").and_then(Value::as_str).unwrap_or(""));
            a.insert("description_text".into(), Value::String(text));
        }
        a.insert("updated_at".into(), json!(now));
        true
    }

    /// Category, then folders from the top down to `folder_id`.
    fn hierarchy(&self, folder_id: u64) -> Value {
        let mut chain = Vec::new();
        let mut cur = Some(folder_id);
        while let Some(f) = cur.and_then(|id| self.folders.get(&id)) {
            chain.push(f);
            cur = num(f, "parent_folder_id");
            if chain.len() > 16 {
                break;
            }
        }
        let mut out = Vec::new();
        let category = chain.last().and_then(|f| num(f, "category_id"));
        if let Some(c) = category.and_then(|c| self.categories.get(&c)) {
            out.push(json!({"level": 0, "type": "category",
                            "data": {"id": c.get("id"), "name": c.get("name"), "language": "en"}}));
        }
        for (level, f) in chain.iter().rev().enumerate() {
            out.push(json!({"level": level + 1, "type": "folder",
                            "data": {"id": f.get("id"), "name": f.get("name"), "language": "en"}}));
        }
        Value::Array(out)
    }
}
