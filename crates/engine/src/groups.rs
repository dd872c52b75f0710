//! The group tree and its checks (spec §6). A group's id is the lowercase hex MD5 of its path:
//! `""` for the root, `::a` below it, `::a::b` below that; a check's path is its group's path,
//! `::` and its name. Groups are created rarely (first use) and read by the REST API; check
//! counters are atomics, so recording a check takes no lock once it exists.

use md5::{Digest, Md5};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub const ROOT_PATH: &str = "";
pub const SEPARATOR: &str = "::";

pub fn md5_id(path: &str) -> String {
    let digest = Md5::digest(path.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub path: String,
    pub name: String,
    passes: AtomicU64,
    fails: AtomicU64,
}

impl Check {
    pub fn record(&self, passed: bool) {
        let counter = if passed { &self.passes } else { &self.fails };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }

    pub fn fails(&self) -> u64 {
        self.fails.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
struct GroupNode {
    id: String,
    path: String,
    name: String,
    parent: Option<usize>,
    children: Vec<usize>,
    checks: Vec<Arc<Check>>,
}

/// A group as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSnapshot {
    pub id: String,
    pub path: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub child_ids: Vec<String>,
    /// (id, path, name, passes, fails), in order of first appearance.
    pub checks: Vec<CheckSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSnapshot {
    pub id: String,
    pub path: String,
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

#[derive(Debug)]
pub struct GroupTree {
    nodes: RwLock<Vec<GroupNode>>,
}

impl Default for GroupTree {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupTree {
    pub fn new() -> Self {
        GroupTree {
            nodes: RwLock::new(vec![GroupNode {
                id: md5_id(ROOT_PATH),
                path: ROOT_PATH.to_string(),
                name: String::new(),
                parent: None,
                children: Vec::new(),
                checks: Vec::new(),
            }]),
        }
    }

    /// The group at `path` (`""`, `::a`, `::a::b`), created with any missing ancestors.
    /// Names may not contain `::` (k6 refuses them too), so the path splits unambiguously.
    pub fn ensure(&self, path: &str) -> Result<String, String> {
        let names = split_path(path)?;
        if let Some(i) = self.find(path) {
            return Ok(self.read()[i].id.clone());
        }
        let mut nodes = self.nodes.write().unwrap_or_else(|e| e.into_inner());
        let mut current = 0usize;
        let mut current_path = String::new();
        for name in names {
            current_path.push_str(SEPARATOR);
            current_path.push_str(name);
            let existing = nodes[current]
                .children
                .iter()
                .copied()
                .find(|&c| nodes[c].name == name);
            current = match existing {
                Some(c) => c,
                None => {
                    let index = nodes.len();
                    nodes.push(GroupNode {
                        id: md5_id(&current_path),
                        path: current_path.clone(),
                        name: name.to_string(),
                        parent: Some(current),
                        children: Vec::new(),
                        checks: Vec::new(),
                    });
                    nodes[current].children.push(index);
                    index
                }
            };
        }
        Ok(nodes[current].id.clone())
    }

    /// The check `name` in the group at `group_path`, created on first use. Hold on to the
    /// returned handle to record without any lookup.
    pub fn check(&self, group_path: &str, name: &str) -> Result<Arc<Check>, String> {
        if name.contains(SEPARATOR) {
            return Err(format!(
                "check names may not contain '{SEPARATOR}': {name:?}"
            ));
        }
        // Every check after a group's first: one read lock, no allocation.
        if let Some(c) = self
            .read()
            .iter()
            .find(|g| g.path == group_path)
            .and_then(|g| g.checks.iter().find(|c| c.name == name))
        {
            return Ok(c.clone());
        }
        self.ensure(group_path)?;
        let index = self.find(group_path).expect("ensured above");
        if let Some(c) = self.read()[index].checks.iter().find(|c| c.name == name) {
            return Ok(c.clone());
        }
        let mut nodes = self.nodes.write().unwrap_or_else(|e| e.into_inner());
        let group = &mut nodes[index];
        if let Some(c) = group.checks.iter().find(|c| c.name == name) {
            return Ok(c.clone());
        }
        let path = format!("{}{SEPARATOR}{name}", group.path);
        let check = Arc::new(Check {
            id: md5_id(&path),
            path,
            name: name.to_string(),
            passes: AtomicU64::new(0),
            fails: AtomicU64::new(0),
        });
        group.checks.push(check.clone());
        Ok(check)
    }

    /// Every group in pre-order: the root first, each child followed by its subtree, children
    /// in order of creation (k6's order is random; ours is stable: spec README item 5).
    pub fn snapshot(&self) -> Vec<GroupSnapshot> {
        let nodes = self.read();
        let mut out = Vec::with_capacity(nodes.len());
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            let n = &nodes[i];
            out.push(GroupSnapshot {
                id: n.id.clone(),
                path: n.path.clone(),
                name: n.name.clone(),
                parent_id: n.parent.map(|p| nodes[p].id.clone()),
                child_ids: n.children.iter().map(|&c| nodes[c].id.clone()).collect(),
                checks: n
                    .checks
                    .iter()
                    .map(|c| CheckSnapshot {
                        id: c.id.clone(),
                        path: c.path.clone(),
                        name: c.name.clone(),
                        passes: c.passes(),
                        fails: c.fails(),
                    })
                    .collect(),
            });
            stack.extend(n.children.iter().rev());
        }
        out
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<GroupNode>> {
        self.nodes.read().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, path: &str) -> Option<usize> {
        self.read().iter().position(|n| n.path == path)
    }
}

fn split_path(path: &str) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix(SEPARATOR) else {
        return Err(format!("a group path starts with '{SEPARATOR}': {path:?}"));
    };
    let names: Vec<&str> = rest.split(SEPARATOR).collect();
    if names.iter().any(|n| n.is_empty()) {
        return Err(format!("a group path has an empty name: {path:?}"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_md5_of_paths_as_k6() {
        assert_eq!(md5_id(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            md5_id("::visit homepage"),
            "b0470a9324a4ae563b04e9ac49fbc9cf"
        );
        assert_eq!(
            md5_id("::group 1::group 2"),
            "7fd87bd21bec55fc512b7dcb6db285f7"
        );
        assert_eq!(
            md5_id("::child::check1"),
            "6289a7a06253a1c3f6137dfb25695563"
        );
    }

    #[test]
    fn ensure_creates_missing_ancestors_once() {
        let t = GroupTree::new();
        assert_eq!(
            t.ensure("::group 1::group 2").unwrap(),
            "7fd87bd21bec55fc512b7dcb6db285f7"
        );
        t.ensure("::group 1").unwrap();
        t.ensure("::other").unwrap();
        let snap = t.snapshot();
        let paths: Vec<&str> = snap.iter().map(|g| g.path.as_str()).collect();
        assert_eq!(paths, ["", "::group 1", "::group 1::group 2", "::other"]);
        assert_eq!(snap[0].parent_id, None);
        assert_eq!(
            snap[2].parent_id.as_deref(),
            Some(md5_id("::group 1").as_str())
        );
        assert_eq!(snap[0].child_ids, [md5_id("::group 1"), md5_id("::other")]);
    }

    #[test]
    fn checks_count_passes_and_fails_on_their_group() {
        let t = GroupTree::new();
        let c = t.check("::child", "check1").unwrap();
        c.record(true);
        c.record(true);
        t.check("::child", "check1").unwrap().record(false);
        let snap = t.snapshot();
        let child = snap.iter().find(|g| g.path == "::child").unwrap();
        assert_eq!(
            child.checks,
            [CheckSnapshot {
                id: "6289a7a06253a1c3f6137dfb25695563".into(),
                path: "::child::check1".into(),
                name: "check1".into(),
                passes: 2,
                fails: 1,
            }]
        );
        assert!(snap[0].checks.is_empty());
    }

    #[test]
    fn bad_paths_and_names_are_refused() {
        let t = GroupTree::new();
        assert!(t.ensure("no separator").is_err());
        assert!(t.ensure("::a::::b").is_err());
        assert!(t.check("", "a::b").is_err());
    }
}
