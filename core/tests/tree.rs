//! The path rules of `pocket_chat_core::tree` against a thread kept in memory the way
//! storage keeps it: rows at `(branch, depth)`, read only by the ranges the tree names.

use std::collections::BTreeMap;

use pocket_chat_core::records::Branch;
use pocket_chat_core::tree::{ranges, root, with_front, Place, Tree, TreeError};
use proptest::prelude::*;

/// A thread as storage holds it.
struct Thread {
    tree: Tree,
    path: Vec<String>,
    /// `(branch, depth) → (text, deleted)`.
    rows: BTreeMap<(String, u32), (String, bool)>,
    next: u32,
}

impl Thread {
    fn new() -> Thread {
        Thread {
            tree: Tree::new("T", vec![root("T", "u", 0)]),
            path: Vec::new(),
            rows: BTreeMap::new(),
            next: 0,
        }
    }

    fn id(&mut self) -> String {
        self.next += 1;
        format!("B{:03}", self.next)
    }

    fn leaf(&self) -> String {
        self.tree.leaf(&self.path).to_owned()
    }

    /// The texts on the path, read by the ranges the tree names, as storage does.
    fn shown(&self) -> Vec<String> {
        let segments = self.tree.segments(&self.leaf());
        let mut out = Vec::new();
        for r in ranges(&segments, 0, None) {
            for ((branch, depth), (text, deleted)) in &self.rows {
                if *branch == r.branch && *depth >= r.from && r.to.is_none_or(|to| *depth < to) {
                    assert!(!deleted, "a deleted row on the path: {text}");
                    assert_eq!(
                        *depth as usize,
                        out.len(),
                        "a hole in the path before {text}"
                    );
                    out.push(text.clone());
                }
            }
        }
        out
    }

    fn store(&mut self, place: Place, text: &str) {
        if let Some(fork) = place.fork {
            self.path = with_front(&self.path, &fork.branch_id);
            self.tree.add(fork);
        }
        let old = self
            .rows
            .insert((place.branch, place.depth), (text.to_owned(), false));
        assert!(old.is_none(), "{text} took a stored row's place");
    }

    fn send(&mut self, text: &str) {
        let len = self.shown().len() as u32;
        let id = self.id();
        let place = self
            .tree
            .append(&self.leaf(), len, id, "u", i64::from(self.next));
        self.store(place, text);
    }

    /// A new version of the exchange at `depth` (an edit or a regenerate).
    fn version(&mut self, depth: u32, text: &str) {
        let segments = self.tree.segments(&self.leaf());
        let id = self.id();
        let place = self
            .tree
            .fork(&segments, depth, id, "u", i64::from(self.next));
        self.store(place, text);
    }

    fn position(&self, depth: u32) -> (usize, usize) {
        let v = self.tree.versions(&self.tree.segments(&self.leaf()), depth);
        (v.position + 1, v.count())
    }

    fn switch(&mut self, depth: u32, member: usize) {
        let segments = self.tree.segments(&self.leaf());
        self.path = self
            .tree
            .switched(&self.path, &segments, depth, member)
            .expect("a version to switch to");
    }

    fn delete(&mut self, depth: u32) {
        let segments = self.tree.segments(&self.leaf());
        let deletion = self
            .tree
            .delete(&self.path, &segments, depth)
            .expect("a version to delete");
        let mut branches = self.tree.branches().to_vec();
        for (branch, cut, _) in &deletion.cuts {
            for ((b, d), row) in self.rows.iter_mut() {
                if b == branch && d >= cut {
                    row.1 = true;
                }
            }
            if let Some(b) = branches.iter_mut().find(|b| b.branch_id == *branch) {
                b.cut = Some(*cut);
            }
        }
        self.tree = Tree::new("T", branches);
        self.path = deletion.path;
    }
}

fn three() -> Thread {
    let mut t = Thread::new();
    for text in ["1", "2", "3"] {
        t.send(text);
    }
    t
}

// Guards against an edit that loses what followed the old version, or a path that mixes
// the two branches.
#[test]
fn editing_the_second_of_three_keeps_the_old_branch_one_switch_away() {
    let mut t = three();
    t.version(1, "2'");
    assert_eq!(t.shown(), ["1", "2'"]);
    assert_eq!(t.position(1), (2, 2));
    assert_eq!(t.position(0), (1, 1));
    t.switch(1, 0);
    assert_eq!(t.shown(), ["1", "2", "3"]);
    assert_eq!(t.position(1), (1, 2));
    t.switch(1, 1);
    t.send("3'");
    assert_eq!(t.shown(), ["1", "2'", "3'"]);
}

// Guards against a regenerate of the first exchange (no exchange before it) or of a
// version that is itself a regenerate losing count of the versions.
#[test]
fn versions_of_versions_are_one_list() {
    let mut t = three();
    t.version(2, "3b");
    t.version(2, "3c");
    assert_eq!(t.position(2), (3, 3));
    t.switch(2, 0);
    t.version(2, "3d");
    assert_eq!(t.position(2), (4, 4));
    assert_eq!(t.shown(), ["1", "2", "3d"]);
    t.version(0, "1b");
    assert_eq!((t.shown(), t.position(0)), (vec!["1b".to_owned()], (2, 2)));
}

// Guards against switching back to a version and finding the path through it other than
// the one last seen there.
#[test]
fn switching_back_shows_the_path_last_seen_through_that_version() {
    let mut t = three();
    t.send("4");
    t.version(3, "4b");
    t.version(1, "2b");
    t.switch(1, 0);
    assert_eq!(t.shown(), ["1", "2", "3", "4b"]);
    assert_eq!(t.position(3), (2, 2));
}

// Guards against a delete that leaves the turns that followed the version on screen, or
// that hides the other versions.
#[test]
fn deleting_a_version_takes_what_followed_it_and_shows_the_next() {
    let mut t = three();
    t.version(1, "2b");
    t.send("3b");
    t.switch(1, 0);
    t.version(2, "3c");
    t.switch(1, 0);
    // On 1, 2, 3c: deleting 2 takes 3 and 3c with it.
    t.delete(1);
    assert_eq!(t.shown(), ["1", "2b", "3b"]);
    assert_eq!(t.position(1), (1, 1));
    // The last version: the path ends before it, and the next send takes its place.
    t.delete(1);
    assert_eq!(t.shown(), ["1"]);
    t.send("2c");
    assert_eq!(t.shown(), ["1", "2c"]);
    assert_eq!(t.position(1), (1, 1));
}

// Guards against a send after deleting a reply at the end landing on the deleted row's
// place (both would be read back).
#[test]
fn a_send_after_deleting_the_last_exchange_starts_a_branch() {
    let mut t = three();
    t.delete(2);
    assert_eq!(t.shown(), ["1", "2"]);
    t.send("3'");
    assert_eq!(t.shown(), ["1", "2", "3'"]);
    t.version(2, "3''");
    assert_eq!(t.position(2), (2, 2));
}

// Guards against importing a tree storage could not read back.
#[test]
fn broken_trees_are_refused() {
    let b = |id: &str, from: Option<&str>, depth| Branch {
        from: from.map(str::to_owned),
        depth,
        ..root(id, "u", 0)
    };
    let root_t = || b("T", None, 0);
    assert!(Tree::check("T", &[root_t(), b("A", Some("T"), 2)]).is_ok());
    assert!(matches!(
        Tree::check("T", &[root_t(), b("A", Some("B"), 2), b("B", Some("A"), 2)]),
        Err(TreeError::Cycle { .. })
    ));
    assert!(matches!(
        Tree::check("T", &[root_t(), b("A", Some("X"), 1)]),
        Err(TreeError::ForeignParent { .. })
    ));
    assert!(matches!(
        Tree::check("T", &[root_t(), b("A", Some("T"), 3), b("C", Some("A"), 1)]),
        Err(TreeError::BadDepth { .. })
    ));
    assert!(matches!(
        Tree::check("T", &[b("A", Some("T"), 1)]),
        Err(TreeError::NoRoot { .. })
    ));
    let cut_early = Branch {
        cut: Some(1),
        ..b("A", Some("T"), 2)
    };
    assert!(matches!(
        Tree::check("T", &[root_t(), cut_early]),
        Err(TreeError::BadCut { .. })
    ));
}

proptest! {
    // Guards against any sequence of sends, versions, switches and deletes that leaves a
    // hole in the path, a deleted row on it, a version list without the one shown, or a
    // switch that does not show the version asked for under the same earlier turns.
    #[test]
    fn any_history_reads_back_as_one_whole_path(
        ops in proptest::collection::vec((0u8..4, 0u32..8, 0usize..4), 1..60),
    ) {
        let mut t = Thread::new();
        for (n, (op, at, member)) in ops.into_iter().enumerate() {
            let len = t.shown().len() as u32;
            match op {
                0 => t.send(&format!("s{n}")),
                1 if len > 0 => t.version(at % len, &format!("v{n}")),
                2 if len > 0 => {
                    let depth = at % len;
                    let (_, count) = t.position(depth);
                    let before = t.shown()[..depth as usize].to_vec();
                    t.switch(depth, member % count);
                    prop_assert_eq!(t.position(depth), (member % count + 1, count));
                    prop_assert_eq!(&t.shown()[..depth as usize], &before[..]);
                }
                3 if len > 0 => {
                    let depth = at % len;
                    let before = t.shown()[..depth as usize].to_vec();
                    t.delete(depth);
                    prop_assert_eq!(&t.shown()[..depth as usize], &before[..]);
                }
                _ => {}
            }
            let shown = t.shown();
            for depth in 0..shown.len() as u32 {
                let (position, count) = t.position(depth);
                prop_assert!(position >= 1 && position <= count);
            }
        }
    }
}

// Guards against a turn's exchange going anywhere but the path's end (a send) or a new
// version of the exchange asked for (an edit, a regenerate), or an edit of an exchange
// deleted meanwhile being placed at all.
#[test]
fn a_turn_is_placed_at_the_end_or_as_a_version() {
    let mut t = three();
    let segments = t.tree.segments(&t.leaf());
    let (end, place) = t
        .tree
        .place_turn(&t.path, &segments, 3, None, "B100".into(), "u", 9)
        .expect("a send has a place");
    assert_eq!((end, place.depth, place.fork.is_none()), (3, 3, true));
    let (end, place) = t
        .tree
        .place_turn(&t.path, &segments, 3, Some(1), "B101".into(), "u", 9)
        .expect("an edit of the second exchange");
    assert_eq!((end, place.depth, place.branch.as_str()), (1, 1, "B101"));
    assert_eq!(place.fork.as_ref().map(|f| f.depth), Some(1));
    assert!(t
        .tree
        .place_turn(&t.path, &segments, 3, Some(3), "B102".into(), "u", 9)
        .is_none());
    // Placed, stored and read back as storage would: the new version is on the path.
    t.store(place, "2, edited");
    assert_eq!(t.shown(), ["1", "2, edited"]);
}
