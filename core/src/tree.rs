//! A thread's version tree: which exchanges make the path on screen, the versions of each
//! exchange on it, and what switching, editing, regenerating, sending and deleting do to
//! the path.
//!
//! Exchanges sit on branches ([`Branch`]): a branch holds one exchange per depth, each
//! answering the one before, and begins with another version of the exchange at its
//! `depth` on branch `from`'s path. A path is a chain of [`Segment`]s, each a depth range of
//! one branch, so storage reads what is on screen by key range (`[thread, branch, depth]`),
//! whatever the length of the thread and however many versions it has. Only branches are
//! needed here, never the exchanges: a thread's tree is as small as its number of versions.

use std::cmp::min;
use std::collections::HashMap;

use thiserror::Error;

use crate::i18n::Lang;
use crate::records::{Branch, Millis};

/// Paths remembered per thread: switching back to a version shows the path last seen
/// through it.
pub const REMEMBERED: usize = 16;

/// Depths `from..to` of `branch` (to its end with `to: None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub branch: String,
    pub from: u32,
    pub to: Option<u32>,
}

impl Segment {
    fn holds(&self, depth: u32) -> bool {
        self.from <= depth && self.to.is_none_or(|to| depth < to)
    }
}

/// The versions of one exchange: the branch holding each (oldest first) and which is on
/// the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    pub members: Vec<String>,
    /// Index of the one on the path in `members`.
    pub position: usize,
}

impl Versions {
    pub fn count(&self) -> usize {
        self.members.len()
    }
}

/// Where the next exchange of a path goes: `branch` at `depth`, after `fork` is stored
/// when it starts a new branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub branch: String,
    pub depth: u32,
    pub fork: Option<Branch>,
}

/// What deleting a version does: each branch cut from a depth on (the rows from there up
/// to where it was cut before are erased), and the path shown next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// `(branch, new cut, old cut)`.
    pub cuts: Vec<(String, u32, Option<u32>)>,
    pub path: Vec<String>,
}

/// Why a version tree (of an import file) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TreeError {
    #[error("thread {thread_id} has no first branch")]
    NoRoot { thread_id: String },
    #[error("branch {branch_id} comes from branch {from}, which is not in its thread")]
    ForeignParent { branch_id: String, from: String },
    #[error("branch {branch_id} comes from itself through other branches")]
    Cycle { branch_id: String },
    #[error("branch {branch_id} starts before the branch it comes from")]
    BadDepth { branch_id: String },
    #[error("branch {branch_id} is cut before its first exchange")]
    BadCut { branch_id: String },
    #[error("the thread shows branch {branch_id}, which is not in it")]
    UnknownPath { branch_id: String },
    #[error("message {message_id} is on branch {branch}, which is not in its thread or does not reach its depth")]
    Misplaced { message_id: String, branch: String },
    #[error("messages {first} and {second} are both at depth {depth} of branch {branch}")]
    SamePlace {
        first: String,
        second: String,
        branch: String,
        depth: u32,
    },
}

/// The branches of one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    root: String,
    /// Oldest first (by time, then id), so versions are listed in the order they were made.
    branches: Vec<Branch>,
    /// Where each branch is in `branches`: every rule looks branches up by id, and a
    /// thread may have hundreds.
    index: HashMap<String, usize>,
}

impl Tree {
    /// The tree of thread `thread_id` from its stored branches; its first branch (with the
    /// thread's id) stands in when it is missing.
    pub fn new(thread_id: &str, mut branches: Vec<Branch>) -> Tree {
        if !branches.iter().any(|b| b.branch_id == thread_id) {
            branches.push(root(thread_id, "", 0));
        }
        branches.sort_by(|a, b| {
            let first = |b: &Branch| b.branch_id != thread_id;
            (first(a), a.created_at, &a.branch_id).cmp(&(first(b), b.created_at, &b.branch_id))
        });
        let index = branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.branch_id.clone(), i))
            .collect();
        Tree {
            root: thread_id.to_owned(),
            branches,
            index,
        }
    }

    /// Checks an imported thread's branches, without the stand-in root [`Tree::new`] adds.
    pub fn check(thread_id: &str, branches: &[Branch]) -> Result<Tree, TreeError> {
        let known = |id: &str| branches.iter().find(|b| b.branch_id == id);
        match known(thread_id) {
            Some(r) if r.from.is_none() && r.depth == 0 => {}
            _ => {
                return Err(TreeError::NoRoot {
                    thread_id: thread_id.to_owned(),
                })
            }
        }
        for b in branches {
            if b.cut.is_some_and(|c| c < b.depth) {
                return Err(TreeError::BadCut {
                    branch_id: b.branch_id.clone(),
                });
            }
            let mut cur = b;
            let mut steps = 0;
            while let Some(from) = &cur.from {
                let Some(parent) = known(from) else {
                    return Err(TreeError::ForeignParent {
                        branch_id: cur.branch_id.clone(),
                        from: from.clone(),
                    });
                };
                if parent.depth > cur.depth {
                    return Err(TreeError::BadDepth {
                        branch_id: cur.branch_id.clone(),
                    });
                }
                steps += 1;
                if steps > branches.len() {
                    return Err(TreeError::Cycle {
                        branch_id: b.branch_id.clone(),
                    });
                }
                cur = parent;
            }
            if cur.branch_id != thread_id {
                return Err(TreeError::NoRoot {
                    thread_id: thread_id.to_owned(),
                });
            }
        }
        Ok(Tree::new(thread_id, branches.to_vec()))
    }

    /// The thread's first branch.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The branches, oldest first.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }

    fn get(&self, id: &str) -> Option<&Branch> {
        self.branches.get(*self.index.get(id)?)
    }

    /// The branch whose path is on screen: the first of `path` in the tree, else the root.
    pub fn leaf<'a>(&'a self, path: &'a [String]) -> &'a str {
        path.iter()
            .find(|id| self.get(id).is_some())
            .map_or(self.root.as_str(), String::as_str)
    }

    /// The path that ends on branch `leaf`, first segment first; no segment is empty.
    pub fn segments(&self, leaf: &str) -> Vec<Segment> {
        let mut out = Vec::new();
        let Some(mut cur) = self.get(leaf).or_else(|| self.get(&self.root)) else {
            return out;
        };
        let mut to = cur.cut;
        // A walk of more steps than branches would be a cycle (refused on import).
        for _ in 0..=self.branches.len() {
            if to.is_none_or(|to| cur.depth < to) {
                out.push(Segment {
                    branch: cur.branch_id.clone(),
                    from: cur.depth,
                    to,
                });
            }
            let Some(parent) = cur.from.as_deref().and_then(|id| self.get(id)) else {
                break;
            };
            let upto = to.map_or(cur.depth, |t| min(t, cur.depth));
            to = Some(parent.cut.map_or(upto, |c| min(c, upto)));
            cur = parent;
        }
        out.reverse();
        out
    }

    /// The versions of the exchange at `depth` on the path `segments`.
    pub fn versions(&self, segments: &[Segment], depth: u32) -> Versions {
        let Some(on) = segments.iter().find(|s| s.holds(depth)) else {
            return Versions {
                members: Vec::new(),
                position: 0,
            };
        };
        let members = self.group(&on.branch, depth);
        let position = members.iter().position(|m| *m == on.branch).unwrap_or(0);
        Versions { members, position }
    }

    /// The branches holding the live versions of the exchange at `depth` that branch `on`
    /// has (or had) there, oldest first.
    fn group(&self, on: &str, depth: u32) -> Vec<String> {
        let owner = self.owner(on, depth);
        let live = |b: &Branch| b.depth <= depth && b.cut.is_none_or(|c| depth < c);
        self.branches
            .iter()
            .filter(|b| {
                let member = b.branch_id == owner
                    || (b.depth == depth
                        && b.from
                            .as_deref()
                            .is_some_and(|from| self.owner(from, depth) == owner));
                member && live(b)
            })
            .map(|b| b.branch_id.clone())
            .collect()
    }

    /// The path last seen through version `target` of the exchange at `depth`, from the
    /// remembered `path`, else `target` to its end.
    fn through<'a>(&self, path: &'a [String], target: &'a str, depth: u32) -> &'a str {
        path.iter()
            .find(|leaf| {
                self.segments(leaf)
                    .iter()
                    .any(|s| s.branch == target && s.holds(depth))
            })
            .map_or(target, String::as_str)
    }

    /// The branch holding the first version of the exchange at `depth` that branch `id`'s
    /// path has there.
    fn owner<'a>(&'a self, id: &'a str, depth: u32) -> &'a str {
        let mut cur = id;
        for _ in 0..=self.branches.len() {
            match self.get(cur) {
                Some(b) if b.depth == depth => match b.from.as_deref() {
                    Some(from) => cur = from,
                    None => break,
                },
                _ => break,
            }
        }
        cur
    }

    /// The paths remembered after showing version `member` (an index into
    /// [`Tree::versions`]) of the exchange at `depth` on the path `segments`: the path last
    /// seen through that version, else that version's own branch to its end.
    pub fn switched(
        &self,
        path: &[String],
        segments: &[Segment],
        depth: u32,
        member: usize,
    ) -> Option<Vec<String>> {
        let versions = self.versions(segments, depth);
        let target = versions.members.get(member)?;
        Some(with_front(path, self.through(path, target, depth)))
    }

    /// Where a turn's exchange goes on the path `path` remembers (its `segments`, `len`
    /// exchanges long): at its end (`version_of: None`, a send), or as a new version of the
    /// exchange at `version_of` (an edit or a regenerate; a new branch `branch_id` made at
    /// `now`). With it, the depth where the history the model sees before it ends. `None`
    /// when the path has no exchange at `version_of` (deleted meanwhile, in another tab).
    #[allow(clippy::too_many_arguments)]
    pub fn place_turn(
        &self,
        path: &[String],
        segments: &[Segment],
        len: u32,
        version_of: Option<u32>,
        branch_id: String,
        user_id: &str,
        now: Millis,
    ) -> Option<(u32, Place)> {
        match version_of {
            None => Some((
                len,
                self.append(self.leaf(path), len, branch_id, user_id, now),
            )),
            Some(depth) if depth < len => {
                Some((depth, self.fork(segments, depth, branch_id, user_id, now)))
            }
            Some(_) => None,
        }
    }

    /// A new version of the exchange at `depth` on the path `segments` (an edit or a
    /// regenerate): a branch `branch_id` made at `now`.
    pub fn fork(
        &self,
        segments: &[Segment],
        depth: u32,
        branch_id: String,
        user_id: &str,
        now: Millis,
    ) -> Place {
        let from = segments
            .iter()
            .find(|s| s.holds(depth))
            .map_or(self.root.clone(), |s| s.branch.clone());
        Place {
            branch: branch_id.clone(),
            depth,
            fork: Some(Branch {
                branch_id,
                thread_id: self.root.clone(),
                user_id: user_id.to_owned(),
                from: Some(from),
                depth,
                cut: None,
                created_at: now,
            }),
        }
    }

    /// Where an exchange sent at the end of path `leaf`, `len` exchanges long, goes: on
    /// the leaf; or, where the leaf was cut (its deleted rows keep their places), on a new
    /// branch `branch_id`.
    pub fn append(
        &self,
        leaf: &str,
        len: u32,
        branch_id: String,
        user_id: &str,
        now: Millis,
    ) -> Place {
        match self.get(leaf) {
            Some(b) if b.cut.is_none() => Place {
                branch: b.branch_id.clone(),
                depth: len,
                fork: None,
            },
            Some(b) => Place {
                branch: branch_id.clone(),
                depth: len,
                fork: Some(Branch {
                    branch_id,
                    thread_id: self.root.clone(),
                    user_id: user_id.to_owned(),
                    from: Some(b.branch_id.clone()),
                    depth: len,
                    cut: None,
                    created_at: now,
                }),
            },
            None => Place {
                branch: self.root.clone(),
                depth: len,
                fork: None,
            },
        }
    }

    /// Deletes the version of the exchange at `depth` on the path `segments` with every
    /// exchange that followed it, on any branch; the path then shows the next remaining
    /// version, or ends before `depth` when none remains.
    pub fn delete(&self, path: &[String], segments: &[Segment], depth: u32) -> Option<Deletion> {
        let on = segments.iter().find(|s| s.holds(depth))?.branch.clone();
        let before = self.versions(segments, depth);
        let mut after = self.clone();
        let mut cuts = Vec::new();
        for b in &self.branches {
            let through = self
                .segments(&b.branch_id)
                .iter()
                .any(|s| s.branch == on && s.holds(depth));
            let cut = if b.branch_id == on {
                depth
            } else if through {
                b.depth
            } else {
                continue;
            };
            if b.cut.is_some_and(|c| c <= cut) {
                continue;
            }
            cuts.push((b.branch_id.clone(), cut, b.cut));
            if let Some(i) = after.index.get(&b.branch_id) {
                after.branches[*i].cut = Some(cut);
            }
        }
        let gone = |id: &String| {
            after
                .get(id)
                .is_some_and(|b| b.cut.is_some_and(|c| c <= b.depth))
        };
        let kept: Vec<String> = path.iter().filter(|id| !gone(id)).cloned().collect();
        let still = after.group(&on, depth);
        let path = match still.get(before.position.min(still.len().saturating_sub(1))) {
            Some(next) => with_front(&kept, after.through(&kept, next, depth)),
            None => with_front(&kept, &on),
        };
        Some(Deletion { cuts, path })
    }

    /// Adds a branch just stored.
    pub fn add(&mut self, branch: Branch) {
        if self.get(&branch.branch_id).is_none() {
            self.index
                .insert(branch.branch_id.clone(), self.branches.len());
            self.branches.push(branch);
        }
    }
}

/// The first branch of thread `thread_id`.
pub fn root(thread_id: &str, user_id: &str, now: Millis) -> Branch {
    Branch {
        branch_id: thread_id.to_owned(),
        thread_id: thread_id.to_owned(),
        user_id: user_id.to_owned(),
        from: None,
        depth: 0,
        cut: None,
        created_at: now,
    }
}

/// `path` with `leaf` first, the others after it in their order, at most [`REMEMBERED`].
pub fn with_front(path: &[String], leaf: &str) -> Vec<String> {
    std::iter::once(leaf.to_owned())
        .chain(path.iter().filter(|p| *p != leaf).cloned())
        .take(REMEMBERED)
        .collect()
}

/// The depths of path `segments` from `from` to `to`, split by branch: what storage reads,
/// one key range each.
pub fn ranges(segments: &[Segment], from: u32, to: Option<u32>) -> Vec<Segment> {
    segments
        .iter()
        .filter_map(|s| {
            let lo = s.from.max(from);
            let hi = match (s.to, to) {
                (Some(a), Some(b)) => Some(min(a, b)),
                (a, b) => a.or(b),
            };
            hi.is_none_or(|hi| lo < hi).then(|| Segment {
                branch: s.branch.clone(),
                from: lo,
                to: hi,
            })
        })
        .collect()
}

/// What the version switcher says to a screen reader: which version of how many.
pub fn version_of(lang: Lang, position: usize, count: usize) -> String {
    match lang {
        Lang::En => format!("Version {position} of {count}"),
        Lang::Ja => format!("{count} 件中 {position} 番目のバージョン"),
    }
}

/// What is wrong with an imported version tree, in Japanese (`TreeError`'s `Display` is
/// English), without a final 。: `ImportError`'s Japanese ends the sentence.
pub(crate) fn tree_ja(problem: &crate::tree::TreeError) -> String {
    use crate::tree::TreeError;
    match problem {
        TreeError::NoRoot { thread_id } => {
            format!("スレッド {thread_id} に最初のブランチがありません")
        }
        TreeError::ForeignParent { branch_id, from } => format!(
            "ブランチ {branch_id} の分かれ元のブランチ {from} が、このスレッドにありません"
        ),
        TreeError::Cycle { branch_id } => format!(
            "ブランチ {branch_id} が、ほかのブランチを経て自分自身から分かれています"
        ),
        TreeError::BadDepth { branch_id } => {
            format!("ブランチ {branch_id} が、分かれ元のブランチより前から始まっています")
        }
        TreeError::BadCut { branch_id } => {
            format!("ブランチ {branch_id} が、最初のやり取りより前で削除されています")
        }
        TreeError::UnknownPath { branch_id } => {
            format!("スレッドが表示するブランチ {branch_id} が、このスレッドにありません")
        }
        TreeError::Misplaced { message_id, branch } => format!(
            "メッセージ {message_id} のブランチ {branch} が、このスレッドにないか、その深さまで届いていません"
        ),
        TreeError::SamePlace {
            first,
            second,
            branch,
            depth,
        } => format!(
            "メッセージ {first} と {second} が、どちらもブランチ {branch} の深さ {depth} にあります"
        ),
    }
}
