//! Property test of the ledger: random sequences of sign-up, top-ups and exchanges.

use pocket_chat_core::ledger::{self, Debit, DebitKind, SIGNUP_BONUS};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    TopUp(i64),
    /// A chat call: the estimated prompt, the provider's real prompt tokens, the reply
    /// length the model wanted, and whether usage came back.
    Exchange {
        estimate: u64,
        real_prompt: u64,
        wanted_reply: u64,
        usage: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (-10i64..20_000).prop_map(Op::TopUp),
        4 => (0u64..400, 0u64..500, 0u64..2_000, any::<bool>()).prop_map(
            |(estimate, real_prompt, wanted_reply, usage)| Op::Exchange { estimate, real_prompt, wanted_reply, usage }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    // Guards against any sequence of operations that loses or doubles a token, or lets the
    // balance fall below zero other than by an estimate overrun.
    #[test]
    fn invariant_holds_for_every_sequence(ops in prop::collection::vec(op(), 1..60)) {
        let mut balance = SIGNUP_BONUS;
        let mut credits = vec![SIGNUP_BONUS];
        let mut debits: Vec<u64> = Vec::new();
        for op in ops {
            match op {
                Op::TopUp(n) => match ledger::credit(balance, n) {
                    Ok(b) => { balance = b; credits.push(n); }
                    Err(_) => prop_assert!(n < 1),
                },
                Op::Exchange { estimate, real_prompt, wanted_reply, usage } => {
                    let Ok(allow) = ledger::preflight(balance, estimate, 4_096) else {
                        // Refused: nothing is sent and nothing is debited.
                        prop_assert!(balance <= estimate as i64);
                        continue;
                    };
                    let reply = wanted_reply.min(allow.reply_cap);
                    // Without usage the app debits its own estimate of prompt + reply.
                    let (total, kind) = if usage {
                        (real_prompt + reply, DebitKind::Exact)
                    } else {
                        (estimate + reply, DebitKind::Estimated)
                    };
                    let before = balance;
                    balance = ledger::debit(balance, Debit { total, kind });
                    debits.push(total);
                    let overrun = usage && real_prompt > estimate;
                    if !overrun {
                        prop_assert!(balance >= 0, "balance {before} → {balance} without an overrun");
                    }
                }
            }
            prop_assert_eq!(ledger::check_invariant(balance, credits.iter().copied(), debits.iter().copied()), Ok(()));
        }
    }
}
