//! Which records of a pulled batch fit with what is here: the structural checks an import
//! applies (a branch of its own thread, an exchange on a branch of its thread, a path
//! through the thread's own branches, no negative payment), run over a batch whose
//! records may arrive in any order. A record that does not fit yet is held back, not
//! dropped: it waits on this device and is tried again with every later batch.

use std::collections::HashMap;

use crate::records::{Branch, Thread};

use super::Record;

/// This user's threads and branches already stored here that a batch refers to (by id).
#[derive(Debug, Clone, Default)]
pub struct Here {
    pub threads: HashMap<String, Thread>,
    pub branches: HashMap<String, Branch>,
}

/// Why a pulled record is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// It refers to a record this device does not have (yet): a later batch may bring it.
    Missing { id: String },
    /// It contradicts a record it refers to: no batch can make it fit.
    Broken { detail: String },
}

/// For each record of `batch`, `None` when it fits with `here` and the rest of the batch
/// that fits, else why it is held. Holding one can unsettle others (a thread held holds
/// its branches, and they their exchanges), so this runs until nothing more is held.
pub fn held(batch: &[Record], here: &Here) -> Vec<Option<Hold>> {
    let mut holds: Vec<Option<Hold>> = vec![None; batch.len()];
    loop {
        let mut threads: HashMap<&str, &Thread> =
            here.threads.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let mut branches: HashMap<&str, &Branch> =
            here.branches.iter().map(|(k, v)| (k.as_str(), v)).collect();
        for (record, hold) in batch.iter().zip(&holds) {
            match (record, hold) {
                (Record::Thread(t), None) => {
                    threads.insert(&t.thread_id, t);
                }
                (Record::Branch(b), None) => {
                    branches.insert(&b.branch_id, b);
                }
                _ => {}
            }
        }
        let mut changed = false;
        for (record, hold) in batch.iter().zip(holds.iter_mut()) {
            if hold.is_some() {
                continue;
            }
            if let Err(why) = fits(record, &threads, &branches) {
                *hold = Some(why);
                changed = true;
            }
        }
        if !changed {
            return holds;
        }
    }
}

fn fits(
    record: &Record,
    threads: &HashMap<&str, &Thread>,
    branches: &HashMap<&str, &Branch>,
) -> Result<(), Hold> {
    let missing = |id: &str| Hold::Missing { id: id.to_owned() };
    let broken = |detail: String| Hold::Broken { detail };
    match record {
        Record::Profile(_) => Ok(()),
        Record::Payment(p) => {
            if p.charged_token < 0 || !(p.amount >= 0.0 && p.amount.is_finite()) {
                return Err(broken(format!("payment {} is negative", p.payment_id)));
            }
            Ok(())
        }
        Record::Thread(t) => {
            for leaf in &t.path {
                let b = branches.get(leaf.as_str()).ok_or_else(|| missing(leaf))?;
                if b.thread_id != t.thread_id {
                    return Err(broken(format!(
                        "thread {}'s path goes through branch {leaf} of thread {}",
                        t.thread_id, b.thread_id
                    )));
                }
            }
            Ok(())
        }
        Record::Branch(b) => {
            threads
                .get(b.thread_id.as_str())
                .ok_or_else(|| missing(&b.thread_id))?;
            if b.cut.is_some_and(|c| c < b.depth) {
                return Err(broken(format!(
                    "branch {} is cut before it starts",
                    b.branch_id
                )));
            }
            // Up its parents to the thread's first branch, whose id is the thread's.
            let mut cur = b;
            for _ in 0..=branches.len() {
                let Some(from) = &cur.from else {
                    return if cur.branch_id == b.thread_id && cur.depth == 0 {
                        Ok(())
                    } else {
                        Err(broken(format!(
                            "branch {} does not grow from thread {}'s first branch",
                            b.branch_id, b.thread_id
                        )))
                    };
                };
                let parent = branches.get(from.as_str()).ok_or_else(|| missing(from))?;
                if parent.thread_id != b.thread_id || parent.depth > cur.depth {
                    return Err(broken(format!(
                        "branch {} grows from branch {from} of thread {}",
                        cur.branch_id, parent.thread_id
                    )));
                }
                cur = parent;
            }
            Err(broken(format!("branch {} grows from itself", b.branch_id)))
        }
        Record::Message(m) => {
            threads
                .get(m.thread_id.as_str())
                .ok_or_else(|| missing(&m.thread_id))?;
            let b = branches
                .get(m.branch.as_str())
                .ok_or_else(|| missing(&m.branch))?;
            if b.thread_id != m.thread_id || b.depth > m.depth {
                return Err(broken(format!(
                    "exchange {} is placed on branch {} of thread {}",
                    m.message_id, m.branch, b.thread_id
                )));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::DebitKind;
    use crate::records::{Message, MessageStatus, Payment};

    fn thread(id: &str, path: &[&str]) -> Record {
        Record::Thread(Thread {
            thread_id: id.into(),
            user_id: "u".into(),
            title: "t".into(),
            created_at: 1,
            updated_at: 1,
            deleted_at: None,
            path: path.iter().map(|s| s.to_string()).collect(),
            pinned: false,
            persona: None,
            edited_at: 0,
        })
    }

    fn branch(id: &str, thread_id: &str, from: Option<&str>, depth: u32) -> Record {
        Record::Branch(Branch {
            branch_id: id.into(),
            thread_id: thread_id.into(),
            user_id: "u".into(),
            from: from.map(str::to_owned),
            depth,
            cut: None,
            created_at: 1,
        })
    }

    fn message(id: &str, thread_id: &str, branch: &str, depth: u32) -> Record {
        Record::Message(Message {
            message_id: id.into(),
            thread_id: thread_id.into(),
            user_id: "u".into(),
            branch: branch.into(),
            depth,
            prompt: "p".into(),
            completion: "c".into(),
            reasoning: String::new(),
            html: String::new(),
            total: 5,
            prompt_tokens: 2,
            completion_tokens: 3,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Exact,
            model: "m".into(),
            status: MessageStatus::Complete,
            created_at: 1,
            deleted_at: None,
        })
    }

    fn holds(batch: &[Record], here: &Here) -> Vec<Option<&'static str>> {
        held(batch, here)
            .into_iter()
            .map(|h| match h {
                None => None,
                Some(Hold::Missing { .. }) => Some("missing"),
                Some(Hold::Broken { .. }) => Some("broken"),
            })
            .collect()
    }

    // Guards against a batch refused for its order: a thread, its branches and exchanges
    // in any order all fit together.
    #[test]
    fn a_whole_thread_fits_in_any_order() {
        let records = vec![
            message("m1", "T", "T", 0),
            message("m2", "T", "b2", 1),
            branch("b2", "T", Some("T"), 1),
            thread("T", &["b2"]),
            branch("T", "T", None, 0),
        ];
        let mut order = records.clone();
        for _ in 0..records.len() {
            order.rotate_left(1);
            assert_eq!(holds(&order, &Here::default()), vec![None; 5]);
        }
    }

    // Guards against a thread applied before the branch its path goes through: it waits,
    // and everything of it with it, until that branch comes.
    #[test]
    fn a_path_through_a_missing_branch_holds_the_thread_and_what_hangs_on_it() {
        let batch = vec![
            thread("T", &["T", "b9"]),
            branch("T", "T", None, 0),
            message("m1", "T", "T", 0),
            Record::Payment(Payment {
                payment_id: "p".into(),
                user_id: "u".into(),
                amount: 0.0,
                charged_token: 10,
                created_at: 1,
                bonus: false,
            }),
        ];
        assert_eq!(
            holds(&batch, &Here::default()),
            [Some("missing"), Some("missing"), Some("missing"), None]
        );
        // Once the branch is here, the same records fit.
        let mut here = Here::default();
        if let Record::Branch(b) = branch("b9", "T", Some("T"), 1) {
            here.branches.insert("b9".into(), b);
        }
        assert_eq!(holds(&batch, &here), [None, None, None, None]);
    }

    // Guards against pulled records an import would refuse: a branch of another thread,
    // an exchange on another thread's branch, a path through another thread's branch, a
    // negative payment.
    #[test]
    fn records_that_contradict_what_they_refer_to_are_broken() {
        let mut here = Here::default();
        for t in [thread("T", &[]), thread("U", &[])] {
            if let Record::Thread(t) = t {
                here.threads.insert(t.thread_id.clone(), t);
            }
        }
        if let Record::Branch(b) = branch("U", "U", None, 0) {
            here.branches.insert("U".into(), b);
        }
        for (a, b) in [("x", "y"), ("y", "x")] {
            if let Record::Branch(b) = branch(a, "T", Some(b), 1) {
                here.branches.insert(a.into(), b);
            }
        }
        let batch = vec![
            branch("b2", "T", Some("U"), 1),
            message("m", "T", "U", 0),
            thread("T", &["U"]),
            branch("b0", "T", None, 0),
            branch("T", "T", None, 3),
            branch("z", "T", Some("x"), 1),
            Record::Payment(Payment {
                payment_id: "p".into(),
                user_id: "u".into(),
                amount: 0.0,
                charged_token: -5,
                created_at: 1,
                bonus: false,
            }),
        ];
        assert_eq!(holds(&batch, &here), vec![Some("broken"); 7]);
    }
}
