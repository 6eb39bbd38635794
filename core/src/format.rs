//! How numbers are shown: token counts with thousands separators, counted nouns.

use crate::i18n::Lang;

/// `5100` → `"5,100"`, `-17` → `"-17"`.
pub fn tokens(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `count(1, "user")` → `"1 user"`, `count(3, "thread")` → `"3 threads"`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `5100` → "5,100 tokens" / "5,100 トークン".
pub fn token_count(lang: Lang, n: i64) -> String {
    match lang {
        Lang::En => format!("{} tokens", tokens(n)),
        Lang::Ja => format!("{} トークン", tokens(n)),
    }
}

/// [`token_count`] for a count that cannot be negative.
pub fn token_count_u(lang: Lang, n: u64) -> String {
    token_count(lang, i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    // Guards against "1 users" in sentences the user reads.
    #[test]
    fn count_table() {
        assert_eq!(super::count(0, "user"), "0 users");
        assert_eq!(super::count(1, "user"), "1 user");
        assert_eq!(super::count(2, "message"), "2 messages");
    }

    // Guards against balances shown without separators or with a misplaced sign.
    #[test]
    fn token_table() {
        for (n, want) in [
            (0, "0"),
            (100, "100"),
            (999, "999"),
            (1000, "1,000"),
            (5100, "5,100"),
            (-17, "-17"),
            (-1234567, "-1,234,567"),
            (i64::MIN, "-9,223,372,036,854,775,808"),
        ] {
            assert_eq!(super::tokens(n), want);
        }
    }
}
