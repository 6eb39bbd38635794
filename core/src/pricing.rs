//! What exchanges cost in money where the model's list price is known (USD per million
//! tokens, OpenAI's published prices); the balance itself is always in tokens.

/// A model's price in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

/// Known prices by model family, longest prefix first wins.
const PRICES: [(&str, Price); 10] = [
    (
        "gpt-4o-mini",
        Price {
            input: 0.15,
            output: 0.60,
        },
    ),
    (
        "gpt-4o",
        Price {
            input: 2.50,
            output: 10.00,
        },
    ),
    (
        "gpt-4.1-nano",
        Price {
            input: 0.10,
            output: 0.40,
        },
    ),
    (
        "gpt-4.1-mini",
        Price {
            input: 0.40,
            output: 1.60,
        },
    ),
    (
        "gpt-4.1",
        Price {
            input: 2.00,
            output: 8.00,
        },
    ),
    (
        "gpt-4-turbo",
        Price {
            input: 10.00,
            output: 30.00,
        },
    ),
    (
        "gpt-4",
        Price {
            input: 30.00,
            output: 60.00,
        },
    ),
    (
        "gpt-3.5-turbo",
        Price {
            input: 0.50,
            output: 1.50,
        },
    ),
    (
        "gpt-35-turbo",
        Price {
            input: 0.50,
            output: 1.50,
        },
    ),
    (
        "o3-mini",
        Price {
            input: 1.10,
            output: 4.40,
        },
    ),
];

/// The list price of `model`, if known.
pub fn price(model: &str) -> Option<Price> {
    let model = model.to_ascii_lowercase();
    PRICES
        .iter()
        .filter(|(prefix, _)| model.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, p)| *p)
}

/// The cost in USD of one exchange, if the model's price is known.
pub fn cost(model: &str, prompt_tokens: u64, completion_tokens: u64) -> Option<f64> {
    let p = price(model)?;
    Some((prompt_tokens as f64 * p.input + completion_tokens as f64 * p.output) / 1_000_000.0)
}

/// `$0.0012`, `$1.25`: four decimals below a dollar, two above; a cost too small for
/// four decimals reads `<$0.0001` rather than a misleading `$0.0000`.
pub fn usd(amount: f64) -> String {
    if amount > 0.0 && amount < 0.000_05 {
        "<$0.0001".to_owned()
    } else if amount < 1.0 {
        format!("${amount:.4}")
    } else {
        format!("${amount:.2}")
    }
}

/// What a run of exchanges used: tokens debited and, while every model's price is known,
/// their cost. Summed as records stream past, so a long thread needs no list in memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    pub tokens: u64,
    /// `None` once any exchange's model has no known price.
    pub cost: Option<f64>,
    pub exchanges: usize,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            tokens: 0,
            cost: Some(0.0),
            exchanges: 0,
        }
    }
}

impl Tally {
    /// Counts one exchange of `model` that debited `total`.
    pub fn add(&mut self, model: &str, prompt_tokens: u64, completion_tokens: u64, total: u64) {
        self.tokens = self.tokens.saturating_add(total);
        self.cost = match (self.cost, cost(model, prompt_tokens, completion_tokens)) {
            (Some(sum), Some(c)) => Some(sum + c),
            _ => None,
        };
        self.exchanges += 1;
    }

    /// The cost to show: none for an empty run or an unknown price.
    pub fn shown_cost(&self) -> Option<f64> {
        self.cost.filter(|_| self.exchanges > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a tally that forgets an unknown price after a known one, or shows
    // a cost of $0 for a thread with nothing in it.
    #[test]
    fn tally_sums_tokens_and_drops_cost_on_unknown_price() {
        let mut t = Tally::default();
        assert_eq!(t.shown_cost(), None);
        t.add("gpt-4o", 1_000_000, 0, 1_000_000);
        t.add("gpt-4o", 0, 100_000, 100_000);
        assert_eq!(t.tokens, 1_100_000);
        assert_eq!(t.shown_cost(), Some(3.5));
        t.add("llama3", 10, 10, 20);
        t.add("gpt-4o", 10, 10, 20);
        assert_eq!(
            (t.tokens, t.exchanges, t.shown_cost()),
            (1_100_040, 4, None)
        );
    }

    // Guards against gpt-4o-mini priced as gpt-4o, or unknown models given a price.
    #[test]
    fn prices_by_family() {
        assert_eq!(
            price("gpt-4o-mini-2024-07-18"),
            Some(Price {
                input: 0.15,
                output: 0.60
            })
        );
        assert_eq!(
            price("GPT-4o"),
            Some(Price {
                input: 2.50,
                output: 10.00
            })
        );
        assert_eq!(price("llama3"), None);
    }

    // Guards against costs off by a factor (per token vs per million).
    #[test]
    fn cost_table() {
        assert_eq!(cost("gpt-4o", 1_000_000, 0), Some(2.5));
        assert_eq!(
            cost("gpt-4o-mini", 1000, 1000).map(usd).as_deref(),
            Some("$0.0008")
        );
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(
            cost("gpt-4o-mini", 50, 21).map(usd).as_deref(),
            Some("<$0.0001")
        );
        assert_eq!(usd(0.0), "$0.0000");
        assert_eq!(cost("mistral", 10, 10), None);
    }
}
