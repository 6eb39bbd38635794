//! Token estimates: what a text or a chat request will cost in tokens, without shipping a
//! tokenizer to the page.
//!
//! Exact tokenizers (o200k_base, cl100k_base) weigh 1–2 MB of ranks, too much for the
//! WASM page, so [`estimate_text`] prices text from character classes instead, walking
//! it once the way the tokenizers' pre-splitting does: ASCII words (split at camelCase),
//! digits in groups of three, punctuation runs, spaces and line breaks, CJK ideographs,
//! kana and hangul one by one, other scripts' letters, and emoji and symbols. Every
//! cost was fitted against the real tokenizers (tiktoken-rs, in the tests) so that the
//! estimate leans high: the app refuses a call the balance cannot cover based on it,
//! so under-estimating is the error to avoid, and over-estimating costs only a little
//! headroom.
//!
//! Calibration (test `calibration_against_tiktoken`, 40 samples of 50–2000
//! characters; `cargo test -p pocket-chat-core calibration -- --nocapture` prints the
//! table), estimate ÷ real count as measured:
//!
//! | family    | samples | worst (either) | mean ÷ o200k | mean ÷ cl100k |
//! |-----------|--------:|---------------:|-------------:|--------------:|
//! | English prose, technical, chat, legal, news | 5 | 1.125 | 1.218 | 1.201 |
//! | code: Rust, Python, JS, TS, Go, C, SQL, shell, HTML/CSS | 9 | 1.071 | 1.119 | 1.127 |
//! | JSON      | 3 | 1.071 | 1.117 | 1.113 |
//! | Markdown  | 2 | 1.081 | 1.106 | 1.106 |
//! | Japanese  | 4 | 1.068 | 1.599 | 1.137 |
//! | mixed Japanese/English, Japanese/code | 2 | 1.141 | 1.405 | 1.158 |
//! | Chinese   | 2 | 1.072 | 1.809 | 1.415 |
//! | Korean    | 2 | 1.066 | 2.090 | 1.205 |
//! | emoji     | 2 | 1.066 | 1.605 | 1.138 |
//! | numbers   | 2 | 1.008 | 1.024 | 1.030 |
//! | URLs      | 2 | 1.072 | 1.120 | 1.112 |
//! | French, German | 2 | 0.991 | 1.195 | 1.050 |
//! | Russian   | 1 | 1.092 | 1.926 | 1.092 |
//! | hex ids, base64 | 2 | 1.014 | 1.082 | 1.064 |
//! | **all**   | 40 | **0.991** (German prose vs cl100k) | **1.318** | **1.142** |
//!
//! Hindi, Arabic, Thai, Hebrew, Greek, Vietnamese, Turkish, Polish, fullwidth forms,
//! math symbols and long runs of blank lines are checked apart (no sample under 0.95;
//! worst 0.974), outside the means because o200k is 2–3× cheaper than cl100k on them.
//!
//! Known weak spots, where the estimate can fall below the real count: rare CJK
//! ideographs (names, classical Chinese: cl100k spends up to three tokens on each, the
//! estimate 1.45), long runs of non-words (`hahahahaha`), short camelCase parts in
//! cl100k (`fooBarBaz`: 3 estimated, 4 real) and Zalgo-style stacks of combining marks.
//! The other way, CJK, Cyrillic and emoji text is over-estimated 1.3–2.3× against o200k,
//! because cl100k spends far more on them and the estimate covers both.

/// Fixed tokens OpenAI's chat format adds around every message (`<|start|>`, a
/// separator and `<|end|>`), beyond the role name and the content, as OpenAI's cookbook
/// counts them for gpt-3.5/gpt-4/gpt-4o.
pub const TOKENS_PER_MESSAGE: u64 = 3;

/// Tokens that prime the assistant's reply (`<|start|>assistant<|message|>`), counted
/// once per request.
pub const TOKENS_REPLY_PRIMING: u64 = 3;

/// Estimated tokens of `text` under OpenAI's o200k_base and cl100k_base tokenizers,
/// leaning high (see the module docs for how close it is). One pass, no allocation;
/// appending text never lowers it.
pub fn estimate_text(text: &str) -> u64 {
    let mut milli: u64 = 0;
    // Class of the last character of the previous run.
    let mut prev: Option<Class> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let cls = class(c);
        let mut last_cls = cls;
        let len = match cls {
            Class::Lower | Class::Upper | Class::Digit => {
                let n = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
                milli += alnum_cost(&rest.as_bytes()[..n]);
                n
            }
            Class::Space => {
                let (n, count, last) = run(rest, |k| k == Class::Space);
                let next = rest[n..].chars().next().map(class);
                milli += space_cost(count, last.unwrap_or(c), next);
                n
            }
            Class::Newline => {
                // Line breaks and the blank lines between them are one token; spaces
                // after the last break are indentation, costed like other spaces.
                let (n, _, _) = run(rest, |k| matches!(k, Class::Space | Class::Newline));
                let block = &rest[..n];
                let breaks_end = block.rfind(['\n', '\r']).map_or(n, |i| i + 1);
                milli += breaks_cost(&block[..breaks_end], prev == Some(Class::Punct));
                let (_, indent, last) = run(&block[breaks_end..], |_| true);
                if let Some(last) = last {
                    last_cls = Class::Space;
                    let next = rest[n..].chars().next().map(class);
                    milli += space_cost(indent, last, next);
                }
                n
            }
            Class::Punct => {
                let (n, count, _) = run(rest, |k| k == Class::Punct);
                let next = rest[n..].chars().next().map(class);
                let glued = count == 1
                    && matches!(c, '.' | '_' | '(' | '-' | '/' | '<' | '[' | '\\' | '@')
                    && prev != Some(Class::Space)
                    && matches!(next, Some(Class::Lower | Class::Upper));
                milli += if glued {
                    GLUED_PREFIX
                } else {
                    PUNCT_FIRST + count.saturating_sub(2) * PUNCT_MORE
                };
                n
            }
            Class::Han => {
                milli += HAN;
                c.len_utf8()
            }
            Class::Kana => {
                milli += KANA;
                c.len_utf8()
            }
            Class::Hangul => {
                milli += HANGUL;
                c.len_utf8()
            }
            Class::CjkPunct => {
                milli += CJK_PUNCT;
                c.len_utf8()
            }
            Class::Fullwidth => {
                milli += FULLWIDTH;
                c.len_utf8()
            }
            Class::OtherLetter => {
                milli += other_letter_cost(c, prev == Some(Class::OtherLetter));
                c.len_utf8()
            }
            Class::Symbol => {
                milli += symbol_cost(c);
                c.len_utf8()
            }
        };
        prev = Some(last_cls);
        rest = &rest[len..];
    }
    milli.div_ceil(MILLI)
}

/// Estimated prompt tokens of a chat request, from `(role, content)` pairs: every
/// message's role and content ([`estimate_text`]) plus the chat format's fixed overhead,
/// [`TOKENS_PER_MESSAGE`] per message and [`TOKENS_REPLY_PRIMING`] once. An empty
/// request costs [`TOKENS_REPLY_PRIMING`].
pub fn estimate_messages<'a>(messages: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    messages
        .into_iter()
        .fold(TOKENS_REPLY_PRIMING, |total, (role, content)| {
            total
                .saturating_add(TOKENS_PER_MESSAGE)
                .saturating_add(estimate_text(role))
                .saturating_add(estimate_text(content))
        })
}

/// Costs are kept in thousandths of a token and rounded up once at the end.
const MILLI: u64 = 1000;

/// What a character is, for costing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// `a`–`z`.
    Lower,
    /// `A`–`Z`.
    Upper,
    /// `0`–`9`.
    Digit,
    /// Whitespace other than line breaks.
    Space,
    /// `\n` or `\r`.
    Newline,
    /// Any other ASCII character (punctuation, symbols, controls).
    Punct,
    /// CJK ideographs (Chinese hanzi, Japanese kanji).
    Han,
    /// Hiragana and katakana.
    Kana,
    /// Hangul syllables and jamo.
    Hangul,
    /// CJK punctuation (`、。「」`), fullwidth punctuation and digits (`！？１`).
    CjkPunct,
    /// Fullwidth Latin letters (`Ａｂ`) and halfwidth katakana (`ｶﾀ`).
    Fullwidth,
    /// Letters of other scripts, accented Latin letters included.
    OtherLetter,
    /// Everything else: emoji, symbols, marks, joiners.
    Symbol,
}

fn class(c: char) -> Class {
    match c {
        'a'..='z' => Class::Lower,
        'A'..='Z' => Class::Upper,
        '0'..='9' => Class::Digit,
        '\n' | '\r' => Class::Newline,
        ' ' | '\t' | '\x0b' | '\x0c' => Class::Space,
        _ if c.is_ascii() => Class::Punct,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}'
        | '\u{3005}'..='\u{3007}' => Class::Han,
        '\u{3040}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' => Class::Kana,
        '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' => {
            Class::Hangul
        }
        _ if c.is_whitespace() => Class::Space,
        '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' | '\u{FF66}'..='\u{FF9F}' => {
            Class::Fullwidth
        }
        '\u{3000}'..='\u{303F}' | '\u{30FB}' | '\u{FF01}'..='\u{FF65}' => Class::CjkPunct,
        _ if c.is_alphabetic() => Class::OtherLetter,
        _ => Class::Symbol,
    }
}

// Costs, in thousandths of a token, fitted against tiktoken (see the module docs).

/// A word (or one camelCase part): one token up to four letters…
const WORD_BASE: u64 = 1000;
/// …plus this much for every further lowercase letter…
const WORD_EXTRA: u64 = 200;
/// …or every further capital of an all-caps run, which the vocabularies cover worse.
const WORD_EXTRA_UPPER: u64 = 500;
/// A run of 1–3 digits: both tokenizers split numbers into groups of three.
const DIGITS3: u64 = 1000;
/// A run of ASCII punctuation: one token for the first two characters…
const PUNCT_FIRST: u64 = 1000;
/// …and this much per further one (`-------` splits into a few tokens).
const PUNCT_MORE: u64 = 350;
/// A single `.`, `_`, `(`, `-`, `/`, `<`, `[`, `\` or `@` glued before a word
/// (`.com`, `_id`, `/docs`) mostly merges into the word's token.
const GLUED_PREFIX: u64 = 150;
/// A run of line breaks (blank lines included) is one token…
const NEWLINE: u64 = 1000;
/// …and nearly free right after punctuation (`{\n`, `;\n` are single tokens).
const NEWLINE_AFTER_PUNCT: u64 = 100;
/// Consecutive line breaks per token in a long run of them.
const BREAKS_PER_TOKEN: u64 = 8;
/// Spaces beyond the one glued to the next word: one token per this many.
const SPACES_PER_TOKEN: u64 = 16;
/// A CJK ideograph: one token for common ones, two or three for rarer ones in cl100k.
const HAN: u64 = 1450;
/// A hiragana or katakana character.
const KANA: u64 = 1050;
/// A hangul syllable: cl100k splits most of them into two tokens.
const HANGUL: u64 = 1600;
/// CJK punctuation (`、。「」！？`), fullwidth punctuation and digits.
const CJK_PUNCT: u64 = 1000;
/// Fullwidth Latin letters and halfwidth katakana: two tokens each in cl100k.
const FULLWIDTH: u64 = 2000;
/// An accented Latin letter: it also breaks its word's token in two.
const LATIN_ACCENTED: u64 = 1700;
/// The first Cyrillic letter of a word (at least a token, like any word)…
const CYRILLIC_FIRST: u64 = 1000;
/// …and every further one.
const CYRILLIC: u64 = 550;
/// A Greek letter.
const GREEK: u64 = 1100;
/// A letter of any other script (Arabic, Hebrew, Devanagari, Thai, …).
const OTHER_LETTER: u64 = 1200;
/// A letter outside the Basic Multilingual Plane (math alphanumerics `𝓗`, rare scripts).
const ASTRAL_LETTER: u64 = 3000;
/// A combining diacritic (`e` + U+0301).
const COMBINING: u64 = 1500;

/// Cost of an all-letter part of a word: one token up to four letters, then a little
/// per letter (more for capitals).
fn word_cost(len: u64, upper: bool) -> u64 {
    let extra = if upper { WORD_EXTRA_UPPER } else { WORD_EXTRA };
    WORD_BASE + len.saturating_sub(4) * extra
}

/// Cost of a maximal run of ASCII letters and digits (a word, a number, an identifier,
/// a hash or a key).
///
/// Digits cost one token per group of three. Letters split at camelCase boundaries
/// (`fooBar` → `foo` `Bar`, `HTTPServer` → `HTTP` `Server`), as o200k does. A long run
/// that mixes letters and digits is taken for random text (hashes, base64, ids), where
/// the vocabularies hold no words: there every change of case starts a new token and
/// letters cost one token per two.
fn alnum_cost(run: &[u8]) -> u64 {
    let has_digit = run.iter().any(u8::is_ascii_digit);
    let random = has_digit && run.len() >= 8 && run.iter().any(u8::is_ascii_alphabetic);
    let mut milli = 0;
    let mut i = 0;
    while i < run.len() {
        let rest = &run[i..];
        if rest[0].is_ascii_digit() {
            let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            milli += (n as u64).div_ceil(3) * DIGITS3;
            i += n;
            continue;
        }
        let n = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let letters = &rest[..n];
        i += n;
        if random {
            let mut j = 0;
            while j < letters.len() {
                let upper = letters[j].is_ascii_uppercase();
                let m = letters[j..]
                    .iter()
                    .take_while(|b| b.is_ascii_uppercase() == upper)
                    .count();
                milli += (m as u64).div_ceil(2) * MILLI;
                j += m;
            }
            continue;
        }
        // Split into camelCase parts.
        let mut start = 0;
        for j in 1..letters.len() {
            let (a, b) = (letters[j - 1], letters[j]);
            let camel = a.is_ascii_lowercase() && b.is_ascii_uppercase();
            // The last capital of `HTTPS` in `HTTPServer` starts `Server`.
            let acronym_end = a.is_ascii_uppercase()
                && b.is_ascii_lowercase()
                && j >= 2
                && letters[j - 2].is_ascii_uppercase()
                && j - 1 > start;
            if camel {
                milli += part_cost(&letters[start..j]);
                start = j;
            } else if acronym_end {
                milli += part_cost(&letters[start..j - 1]);
                start = j - 1;
            }
        }
        milli += part_cost(&letters[start..]);
    }
    milli
}

/// Cost of one camelCase part of a word.
fn part_cost(part: &[u8]) -> u64 {
    let upper = part.iter().all(u8::is_ascii_uppercase);
    word_cost(part.len() as u64, upper)
}

/// Cost of one character outside the ASCII, CJK and letter classes.
fn symbol_cost(c: char) -> u64 {
    match c {
        // Zero-width joiner in emoji sequences (👨‍👩‍👧).
        '\u{200D}' => 2000,
        '\u{300}'..='\u{36F}' => COMBINING,
        // Variation selectors (❤️).
        '\u{FE00}'..='\u{FE0F}' => 1000,
        // Typographic punctuation (’“…—•) and arrows: one token.
        '\u{2000}'..='\u{206F}' | '\u{2190}'..='\u{21FF}' => 1000,
        // Latin-1 and other two-byte symbols (° × ½ ©): one or two tokens.
        _ if c.len_utf8() <= 2 => 1300,
        // Any other symbol: emoji, dingbats (☀ ✨ ⏰), enclosed forms (① ㈱). A token never
        // holds less than a byte, so three tokens is the most a three-byte character costs,
        // and cl100k spends up to three on a four-byte emoji.
        _ => 3000,
    }
}

/// Cost of a non-ASCII letter outside CJK; `continues` when it follows another such
/// letter in the same word.
fn other_letter_cost(c: char, continues: bool) -> u64 {
    match c {
        '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' => LATIN_ACCENTED,
        '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}' => GREEK,
        '\u{400}'..='\u{52F}' if continues => CYRILLIC,
        '\u{400}'..='\u{52F}' => CYRILLIC_FIRST,
        _ if c.len_utf8() == 4 => ASTRAL_LETTER,
        _ => OTHER_LETTER,
    }
}

/// True for what the tokenizers glue a single leading space onto (words, punctuation,
/// symbols), so that space costs nothing.
fn takes_leading_space(next: Option<Class>) -> bool {
    !matches!(
        next,
        None | Some(Class::Digit | Class::Space | Class::Newline)
    )
}

/// Cost of a run of `n` spaces or tabs ending with `last`, followed by a character of
/// class `next` (`None` at the end of the text).
fn space_cost(n: u64, last: char, next: Option<Class>) -> u64 {
    if next == Some(Class::Newline) {
        // Spaces before a line break join the line break's token.
        return 0;
    }
    let glued = last == ' ' && takes_leading_space(next);
    let rest = if glued { n - 1 } else { n };
    rest.div_ceil(SPACES_PER_TOKEN) * MILLI
}

/// Cost of a block of line breaks and the spaces between them (`\n\n`, `\n  \n`):
/// every group of consecutive breaks is a token (one per [`BREAKS_PER_TOKEN`] in long
/// groups); the first is nearly free right after punctuation.
fn breaks_cost(block: &str, after_punct: bool) -> u64 {
    let mut milli = 0;
    let mut first = true;
    for group in block.split(|c| c != '\n' && c != '\r') {
        let n = group.len() as u64; // `\n` and `\r` are one byte each
        if n == 0 {
            continue;
        }
        milli += if first && after_punct && n <= 2 {
            NEWLINE_AFTER_PUNCT
        } else {
            n.div_ceil(BREAKS_PER_TOKEN) * NEWLINE
        };
        first = false;
    }
    milli
}

/// The length in bytes of the run of characters at the start of `s` whose class passes
/// `keep`, with the number of characters and the last one.
fn run(s: &str, keep: impl Fn(Class) -> bool) -> (usize, u64, Option<char>) {
    let mut bytes = 0;
    let mut count = 0;
    let mut last = None;
    for c in s.chars() {
        if !keep(class(c)) {
            break;
        }
        bytes += c.len_utf8();
        count += 1;
        last = Some(c);
    }
    (bytes, count, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Calibration corpus: (kind, text). Every sample is 50–2000 characters.
    const CORPUS: &[(&str, &str)] = &[
        (
            "english prose",
            "The lighthouse keeper had not spoken to anyone in three weeks when the supply boat finally rounded the point. \
    She watched it from the gallery, one hand on the cold iron rail, counting the seconds between the waves that broke \
    over its bow. The sea had been restless since Tuesday, and the radio had given up somewhere around Thursday night, \
    leaving her with nothing but the hiss of static and the slow sweep of the lamp above her head. When the boat tied up \
    at the jetty, a young man she had never seen before climbed onto the stones and waved, as if they were old friends.",
        ),
        (
            "english technical",
            "To configure the cache, set the `max_entries` option in your configuration file. When the cache reaches this limit, \
    the least recently used entries are evicted first. Entries that have expired according to their time-to-live are removed \
    lazily, on the next lookup, rather than by a background thread. This keeps the implementation simple and avoids \
    synchronization overhead, but it means that memory usage may temporarily exceed the configured limit if many entries \
    expire at once. For latency-sensitive workloads, consider calling `purge_expired()` periodically from your own scheduler.",
        ),
        (
            "english chat",
            "hey! can you help me rewrite this email so it sounds less angry? i want to tell my landlord the heating has been \
    broken for two weeks and i've already called twice. thanks so much, you're a lifesaver :)",
        ),
        (
            "english legal",
            "Notwithstanding any provision of this Agreement to the contrary, the Licensee shall indemnify, defend and hold harmless \
    the Licensor, its affiliates, officers, directors, employees and agents from and against any and all claims, liabilities, \
    damages, losses, costs and expenses (including reasonable attorneys' fees) arising out of or in connection with (a) any \
    breach by the Licensee of its representations, warranties or obligations hereunder; or (b) the Licensee's negligence or \
    wilful misconduct. This Section 12.3 shall survive the termination or expiration of this Agreement.",
        ),
        (
            "english news",
            "WELLINGTON, March 14 (Staff) - New Zealand's central bank held its official cash rate at 5.50% on Wednesday, as \
    expected, but signalled that cuts could come sooner than previously forecast after inflation slowed to 4.7% in the \
    fourth quarter. Governor Adrian Orr said the committee was \"comfortable\" with the current stance. The New Zealand \
    dollar fell 0.6% to $0.6112 after the announcement, its lowest level since mid-November.",
        ),
        (
            "code rust",
            "use std::collections::HashMap;\n\n/// Counts how often each word occurs.\npub fn word_counts(text: &str) -> HashMap<String, usize> {\n    let mut counts = HashMap::new();\n    for word in text.split_whitespace() {\n        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();\n        if word.is_empty() {\n            continue;\n        }\n        *counts.entry(word).or_insert(0) += 1;\n    }\n    counts\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn counts_words() {\n        let c = word_counts(\"a b, a!\");\n        assert_eq!(c[\"a\"], 2);\n        assert_eq!(c[\"b\"], 1);\n    }\n}\n",
        ),
        (
            "code python",
            "import json\nfrom dataclasses import dataclass, field\nfrom typing import Optional\n\n\n@dataclass\nclass Order:\n    order_id: str\n    items: list[str] = field(default_factory=list)\n    discount: Optional[float] = None\n\n    def total(self, prices: dict[str, float]) -> float:\n        subtotal = sum(prices[item] for item in self.items)\n        if self.discount is not None:\n            subtotal *= 1 - self.discount\n        return round(subtotal, 2)\n\n\ndef load_orders(path: str) -> list[Order]:\n    with open(path, encoding=\"utf-8\") as f:\n        raw = json.load(f)\n    return [Order(**o) for o in raw[\"orders\"]]\n\n\nif __name__ == \"__main__\":\n    for order in load_orders(\"orders.json\"):\n        print(order.order_id, order.total({\"apple\": 0.5, \"pear\": 0.75}))\n",
        ),
        (
            "code javascript",
            "export async function fetchWithRetry(url, options = {}, retries = 3) {\n  let lastError;\n  for (let attempt = 0; attempt <= retries; attempt++) {\n    try {\n      const res = await fetch(url, options);\n      if (!res.ok) throw new Error(`HTTP ${res.status}: ${res.statusText}`);\n      return await res.json();\n    } catch (err) {\n      lastError = err;\n      const delay = Math.min(1000 * 2 ** attempt, 8000);\n      console.warn(`attempt ${attempt + 1} failed, retrying in ${delay}ms`);\n      await new Promise((r) => setTimeout(r, delay));\n    }\n  }\n  throw lastError;\n}\n",
        ),
        (
            "code typescript",
            "interface User {\n  id: number;\n  name: string;\n  email?: string;\n  roles: Array<'admin' | 'editor' | 'viewer'>;\n}\n\ntype Partialize<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;\n\nexport class UserStore {\n  private readonly users = new Map<number, User>();\n\n  upsert(user: Partialize<User, 'roles'>): User {\n    const existing = this.users.get(user.id);\n    const merged: User = { roles: ['viewer'], ...existing, ...user };\n    this.users.set(merged.id, merged);\n    return merged;\n  }\n\n  byRole(role: User['roles'][number]): User[] {\n    return [...this.users.values()].filter((u) => u.roles.includes(role));\n  }\n}\n",
        ),
        (
            "code go",
            "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"sync\"\n\t\"time\"\n)\n\ntype counter struct {\n\tmu sync.Mutex\n\tn  map[string]int\n}\n\nfunc (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n\tc.mu.Lock()\n\tc.n[r.URL.Path]++\n\tn := c.n[r.URL.Path]\n\tc.mu.Unlock()\n\tfmt.Fprintf(w, \"%s has been visited %d times\\n\", r.URL.Path, n)\n}\n\nfunc main() {\n\tsrv := &http.Server{\n\t\tAddr:         \":8080\",\n\t\tHandler:      &counter{n: map[string]int{}},\n\t\tReadTimeout:  5 * time.Second,\n\t\tWriteTimeout: 10 * time.Second,\n\t}\n\tif err := srv.ListenAndServe(); err != nil {\n\t\tpanic(err)\n\t}\n}\n",
        ),
        (
            "code c",
            "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\ntypedef struct node {\n    int value;\n    struct node *next;\n} node_t;\n\nstatic node_t *push(node_t *head, int value) {\n    node_t *n = malloc(sizeof *n);\n    if (!n) { perror(\"malloc\"); exit(EXIT_FAILURE); }\n    n->value = value;\n    n->next = head;\n    return n;\n}\n\nint main(int argc, char **argv) {\n    node_t *list = NULL;\n    for (int i = 1; i < argc; i++) list = push(list, atoi(argv[i]));\n    for (node_t *p = list; p; p = p->next) printf(\"%d%s\", p->value, p->next ? \", \" : \"\\n\");\n    while (list) { node_t *next = list->next; free(list); list = next; }\n    return 0;\n}\n",
        ),
        (
            "code sql",
            "SELECT c.customer_id,\n       c.full_name,\n       COUNT(o.order_id)          AS order_count,\n       SUM(o.total_cents) / 100.0 AS revenue,\n       MAX(o.created_at)          AS last_order\nFROM customers c\nLEFT JOIN orders o ON o.customer_id = c.customer_id\n    AND o.status IN ('paid', 'shipped')\nWHERE c.created_at >= DATE '2023-01-01'\nGROUP BY c.customer_id, c.full_name\nHAVING COUNT(o.order_id) > 2\nORDER BY revenue DESC\nLIMIT 50;\n",
        ),
        (
            "code shell",
            "#!/usr/bin/env bash\nset -euo pipefail\n\nBACKUP_DIR=\"${BACKUP_DIR:-/var/backups/db}\"\nSTAMP=$(date +%Y%m%d-%H%M%S)\nmkdir -p \"$BACKUP_DIR\"\n\npg_dump --format=custom --no-owner \"$DATABASE_URL\" > \"$BACKUP_DIR/db-$STAMP.dump\"\nfind \"$BACKUP_DIR\" -name 'db-*.dump' -mtime +14 -print -delete | wc -l | xargs echo \"removed old dumps:\"\necho \"backup written to $BACKUP_DIR/db-$STAMP.dump ($(du -h \"$BACKUP_DIR/db-$STAMP.dump\" | cut -f1))\"\n",
        ),
        (
            "code html css",
            "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  <title>Pocket Chat</title>\n  <style>\n    body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: #f7f7f8; }\n    .thread { max-width: 48rem; margin: 0 auto; padding: 1rem; }\n    .msg.user { background: #dbeafe; border-radius: 12px 12px 0 12px; }\n  </style>\n</head>\n<body>\n  <main class=\"thread\" aria-live=\"polite\">\n    <p class=\"msg user\">Hello there!</p>\n  </main>\n</body>\n</html>\n",
        ),
        (
            "json request",
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"Summarize the plot of Hamlet in two sentences.\"}],\"temperature\":0.7,\"max_tokens\":256}",
        ),
        (
            "json pretty",
            "{\n  \"id\": \"chatcmpl-9xQf3kZ2\",\n  \"object\": \"chat.completion\",\n  \"created\": 1718041234,\n  \"model\": \"gpt-4o-2024-05-13\",\n  \"choices\": [\n    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"Sure! Here is a short summary.\"\n      },\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n    \"prompt_tokens\": 27,\n    \"completion_tokens\": 9,\n    \"total_tokens\": 36\n  }\n}\n",
        ),
        (
            "json data",
            "[{\"sku\":\"A-1043\",\"name\":\"Stainless kettle 1.7L\",\"price\":39.99,\"stock\":120,\"tags\":[\"kitchen\",\"electric\"]},{\"sku\":\"B-2210\",\"name\":\"Oak cutting board\",\"price\":24.5,\"stock\":0,\"tags\":[\"kitchen\",\"wood\"]},{\"sku\":\"C-0007\",\"name\":\"Cast iron pan 28cm\",\"price\":54,\"stock\":33,\"tags\":[]}]",
        ),
        (
            "markdown readme",
            "# pocket-chat\n\nA small chat client for OpenAI-compatible APIs that runs **entirely in your browser**.\n\n## Features\n\n- Streams replies as they are generated\n- Keeps threads in IndexedDB; nothing leaves your machine except the API call\n- Shows the cost of each reply before you send it\n\n## Quick start\n\n```sh\ntrunk serve --release\n```\n\nThen open <http://localhost:8080> and paste your API key in **Settings → Keys**.\n\n> **Note:** the key is stored in your browser only. See [SECURITY.md](SECURITY.md).\n",
        ),
        (
            "markdown table",
            "| Model | Context | Input ($/1M) | Output ($/1M) |\n|-------|--------:|-------------:|--------------:|\n| gpt-4o | 128k | 2.50 | 10.00 |\n| gpt-4o-mini | 128k | 0.15 | 0.60 |\n| o3-mini | 200k | 1.10 | 4.40 |\n\n*Prices as of the last update; check the provider's page before relying on them.*\n",
        ),
        (
            "japanese prose",
            "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。この書生というのは時々我々を捕えて煮て食うという話である。しかしその当時は何という考もなかったから別段恐しいとも思わなかった。",
        ),
        (
            "japanese business",
            "いつもお世話になっております。株式会社サンプルの田中でございます。先日ご依頼いただいた見積書につきまして、内容を確認のうえ修正版を添付いたしました。納期は来月十五日を予定しておりますが、ご都合が悪い場合はお知らせください。引き続きどうぞよろしくお願い申し上げます。",
        ),
        (
            "japanese chat",
            "ねえ、明日の天気どうなるか知ってる？雨だったら映画にしようかなって思ってるんだけど、晴れたら公園でピクニックしたいな。おすすめのお弁当のおかずがあったら教えてね！",
        ),
        (
            "japanese technical",
            "このライブラリは、ブラウザ上で動作するチャットクライアントです。APIキーはローカルストレージではなくIndexedDBに保存され、外部サーバーには送信されません。ストリーミング応答はServer-Sent Events形式で受信し、受信したチャンクを順次画面に表示します。",
        ),
        (
            "mixed japanese/english",
            "明日のmeetingでは、Q3のroadmapについて話し合います。特にauthenticationのrefactorとCI pipelineの高速化がpriorityです。資料はGoogle Driveの「2024_planning」フォルダにuploadしておきました。質問があればSlackの#dev-teamチャンネルでどうぞ。",
        ),
        (
            "mixed japanese/code",
            "次のコードは、配列の合計を計算します。\n\n```python\ndef total(xs):\n    return sum(xs)  # 合計を返す\n```\n\n`total([1, 2, 3])` を実行すると `6` が返ります。空のリストの場合は `0` になります。",
        ),
        (
            "chinese prose",
            "春天来了，公园里的花都开了。孩子们在草地上奔跑，老人们坐在长椅上晒太阳，聊着家常。湖面上有几只小船慢慢地划过，远处传来阵阵笑声。我喜欢在这样的午后散步，看看周围的风景，想一想最近发生的事情，心情也会变得平静起来。",
        ),
        (
            "chinese technical",
            "本项目使用 Rust 编写，并编译为 WebAssembly 在浏览器中运行。所有对话记录都保存在本地数据库中，不会上传到任何服务器。如需导出数据，请在设置页面点击“导出”按钮，系统将生成一个 JSON 文件供您下载。",
        ),
        (
            "korean prose",
            "오늘은 하루 종일 비가 내렸다. 창밖을 바라보며 따뜻한 차 한 잔을 마시니 마음이 조금 편안해졌다. 오랜만에 책장을 정리하다가 학생 시절에 읽었던 소설책을 발견했다. 책장을 넘기자 그때의 기억들이 하나둘씩 떠올랐다.",
        ),
        (
            "korean technical",
            "이 애플리케이션은 브라우저에서 완전히 실행되는 채팅 클라이언트입니다. API 키는 사용자의 기기에만 저장되며, 서버로 전송되지 않습니다. 응답은 스트리밍 방식으로 실시간 표시됩니다.",
        ),
        (
            "emoji chat",
            "Happy birthday!!! 🎉🎂🥳 Hope your day is amazing 😍✨ Can't wait to see you tonight 🍕🍻 Don't be late 😜⏰ ❤️❤️❤️ 👍🏽👍🏽",
        ),
        (
            "emoji dense",
            "🚀🔥💯🙏😂🤣😭🥺😡👀🐶🐱🦊🐼🌈🌊⚡️🌸🍎🍓🍩☕️🎧🎮📱💻🧠🫶👨‍👩‍👧‍👦🏳️‍🌈🇯🇵🇺🇸 good morning ☀️🌻 see you at 8 🚲💨",
        ),
        (
            "numbers table",
            "2019 1234567 0.0031 -42 3.14159265358979 1e-9 987654321 65535 4294967296 18446744073709551615 0x7fffffff 2024-06-10 13:45:07 +81-3-1234-5678 $1,299.00 €49,95 98.6% 1/3 7:30pm",
        ),
        (
            "numbers csv",
            "date,open,high,low,close,volume\n2024-01-02,187.15,188.44,183.89,185.64,82488700\n2024-01-03,184.22,185.88,183.43,184.25,58414500\n2024-01-04,182.15,183.09,180.88,181.91,71983600\n2024-01-05,181.99,182.76,180.17,181.18,62303300\n",
        ),
        (
            "urls",
            "See https://developer.mozilla.org/en-US/docs/Web/API/EventSource and https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb, or mirror https://example.com/a/b/c?query=token%20count&lang=ja#section-2 for details.",
        ),
        (
            "urls list",
            "https://api.openai.com/v1/chat/completions\nhttps://openrouter.ai/api/v1/models?supported_parameters=tools\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s\nhttps://docs.rs/serde_json/1.0.117/serde_json/value/enum.Value.html\nhttps://stackoverflow.com/questions/11227809/why-is-processing-a-sorted-array-faster-than-processing-an-unsorted-array\n",
        ),
        (
            "european french",
            "Il était une fois, dans un petit village au bord de la mer, une vieille femme qui vendait des crêpes sur la place du marché. Chaque matin, elle arrivait avant l'aube, installait son réchaud et préparait la pâte avec un soin infini. Les enfants du village venaient la voir après l'école, les poches pleines de pièces, et repartaient le sourire aux lèvres.",
        ),
        (
            "european german",
            "Die Straßenbahn hielt mit einem Ruck, und die Fahrgäste drängten sich zur Tür. Draußen regnete es in Strömen; über den Dächern der Altstadt hing ein grauer, schwerer Himmel. Frau Müller öffnete ihren Regenschirm, überquerte die Kreuzung und verschwand in der Bäckerei an der Ecke, wo es nach frischen Brötchen und Zimtschnecken duftete.",
        ),
        (
            "russian prose",
            "Поезд медленно отошёл от перрона, и город за окном начал растворяться в вечернем тумане. Анна сидела у окна, держа в руках старое письмо, которое она перечитывала уже в десятый раз. Завтра утром она будет дома, впервые за пять долгих лет.",
        ),
        (
            "ids hex",
            "commit 3f9c2a1e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39\nrequest-id: req_7Hq2LmZ9xK4pVb8NcR1tYw\nuuid: 550e8400-e29b-41d4-a716-446655440000\nsha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
        ),
        (
            "ids base64",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        ),
    ];

    /// Real token counts of `text` as (o200k_base, cl100k_base).
    fn real_counts(text: &str) -> (usize, usize) {
        use std::sync::OnceLock;
        static BPE: OnceLock<(tiktoken_rs::CoreBPE, tiktoken_rs::CoreBPE)> = OnceLock::new();
        let (o, c) = BPE.get_or_init(|| {
            (
                tiktoken_rs::o200k_base().expect("o200k_base ranks are bundled"),
                tiktoken_rs::cl100k_base().expect("cl100k_base ranks are bundled"),
            )
        });
        (o.encode_ordinary(text).len(), c.encode_ordinary(text).len())
    }

    // Guards against the estimate drifting below the real o200k/cl100k counts (calls the
    // balance cannot cover) or far above them (calls refused for no reason).
    #[test]
    fn calibration_against_tiktoken() {
        println!(
            "{:<26} {:>5} {:>6} {:>6} {:>8} {:>6} {:>6}",
            "kind", "chars", "o200k", "cl100k", "estimate", "est/o", "est/c"
        );
        // Per family (first word of the kind): samples, worst ratio, sums of ratios.
        let mut families: Vec<(&str, usize, f64, f64, f64)> = Vec::new();
        let (mut sum_o, mut sum_c) = (0.0, 0.0);
        let (mut worst, mut worst_kind) = (f64::INFINITY, "");
        for &(kind, text) in CORPUS {
            let chars = text.chars().count();
            assert!((50..=2000).contains(&chars), "{kind}: {chars} chars");
            let (o, c) = real_counts(text);
            let e = estimate_text(text);
            let (ro, rc) = (e as f64 / o as f64, e as f64 / c as f64);
            println!("{kind:<26} {chars:>5} {o:>6} {c:>6} {e:>8} {ro:>6.3} {rc:>6.3}");
            sum_o += ro;
            sum_c += rc;
            if ro.min(rc) < worst {
                worst = ro.min(rc);
                worst_kind = kind;
            }
            let family = kind.split(' ').next().unwrap_or(kind);
            match families.iter_mut().find(|f| f.0 == family) {
                Some(f) => {
                    f.1 += 1;
                    f.2 = f.2.min(ro.min(rc));
                    f.3 += ro;
                    f.4 += rc;
                }
                None => families.push((family, 1, ro.min(rc), ro, rc)),
            }
        }
        println!(
            "\n{:<10} {:>3} {:>6} {:>11} {:>12}",
            "family", "n", "worst", "mean est/o", "mean est/c"
        );
        for (family, n, low, so, sc) in &families {
            let n_f = *n as f64;
            println!(
                "{family:<10} {n:>3} {low:>6.3} {:>11.3} {:>12.3}",
                so / n_f,
                sc / n_f
            );
        }
        let n = CORPUS.len() as f64;
        let (mean_o, mean_c) = (sum_o / n, sum_c / n);
        println!(
            "\n{} samples: worst ratio {worst:.3} ({worst_kind}), mean ratio o200k {mean_o:.3}, cl100k {mean_c:.3}",
            CORPUS.len()
        );
        assert!(CORPUS.len() >= 30);
        assert!(
            worst >= 0.95,
            "{worst_kind} under-estimated: ratio {worst:.3}"
        );
        assert!(mean_o <= 1.35, "mean ratio vs o200k {mean_o:.3}");
        assert!(mean_c <= 1.35, "mean ratio vs cl100k {mean_c:.3}");
    }

    // Guards against scripts outside the calibration corpus (kept out of it because
    // o200k is far cheaper on them, which would skew its mean) being under-estimated.
    #[test]
    fn other_scripts_not_under_estimated() {
        let samples = [
            "नमस्ते, आप कैसे हैं? मैं आज बाज़ार जा रहा हूँ और शाम को वापस आऊँगा। क्या आपको कुछ चाहिए?",
            "مرحبا، كيف حالك؟ أنا ذاهب إلى السوق اليوم وسأعود في المساء. هل تحتاج إلى شيء؟",
            "สวัสดีครับ วันนี้อากาศดีมาก ผมจะไปตลาดตอนเช้าและกลับบ้านตอนเย็น คุณต้องการอะไรไหมครับ",
            "שלום, מה שלומך? אני הולך היום לשוק ואחזור בערב. אתה צריך משהו?",
            "Καλημέρα σας! Σήμερα ο καιρός είναι πολύ ωραίος και θα πάω στην αγορά το πρωί.",
            "Tiếng Việt là ngôn ngữ chính thức của Việt Nam, được hơn chín mươi triệu người sử dụng.",
            "Türkiye'nin başkenti Ankara'dır, ancak en kalabalık şehri İstanbul'dur.",
            "Zażółć gęślą jaźń. Chrząszcz brzmi w trzcinie w Szczebrzeszynie.",
            "Ｈｅｌｌｏ　Ｗｏｒｌｄ１２３ ｶﾀｶﾅﾃﾞｽ",
            "½ ¼ ¾ × ÷ ± § ¶ © ® ∀x∈ℝ: x² ≥ 0 ∧ √4 = 2 ∑ ∫ ∞ ≈ ≠ 𝓗𝓮𝓵𝓵𝓸",
            "line one\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nline two\n \n \n \nend",
        ];
        for text in samples {
            let (o, c) = real_counts(text);
            let e = estimate_text(text) as f64;
            let ratio = (e / o as f64).min(e / c as f64);
            println!("{o:>4} {c:>4} {e:>4} {ratio:.3} {text}");
            assert!(
                ratio >= 0.95,
                "{text:?}: estimate {e}, o200k {o}, cl100k {c}"
            );
        }
    }

    // Guards against a cost rule changing unnoticed: exact estimates for inputs that each
    // exercise one rule, every one at or above both real counts.
    #[test]
    fn rule_table() {
        let table = [
            ("", 0),
            // Digits split in groups of three.
            ("1234567", 3),
            // camelCase and acronym boundaries.
            ("getElementById", 5),
            ("HTTPServer", 3),
            // A single `.` glues onto the next word; a space before a word is free.
            ("see example.com", 4),
            // Letters mixed with digits in a long run are priced as random text.
            ("3f9c2a1e8b7d6c5f", 16),
            // Spaces before a line break and blank lines join the break's token.
            ("a  \n\n\nb", 3),
            // A line break right after punctuation is nearly free.
            ("x = 1;\ny = 2;\n", 11),
            ("    indented", 3),
            ("日本語", 5),
            ("ひらがな", 5),
            ("한국어", 5),
            ("Привет", 4),
            ("👍🏽", 6),
            ("❤️", 4),
            ("“quoted” — yes…", 7),
        ];
        for (text, want) in table {
            let (o, c) = real_counts(text);
            assert_eq!(
                estimate_text(text),
                want,
                "{text:?} (o200k {o}, cl100k {c})"
            );
            assert!(
                want as usize >= o.max(c),
                "{text:?}: {want} < o200k {o} / cl100k {c}"
            );
        }
    }

    // Guards against an empty text or request costing something.
    #[test]
    fn empty_is_zero() {
        assert_eq!(estimate_text(""), 0);
        assert_eq!(estimate_messages([]), TOKENS_REPLY_PRIMING);
    }

    // Guards against a known English sentence drifting out of its bounds.
    #[test]
    fn known_english_sentence() {
        let text = "The quick brown fox jumps over the lazy dog.";
        assert_eq!(real_counts(text), (10, 10));
        assert_eq!(estimate_text(text), 11);
    }

    // Guards against a known Japanese sentence drifting out of its bounds.
    #[test]
    fn known_japanese_sentence() {
        let text = "今日はいい天気ですね。散歩に行きましょう。";
        assert_eq!(real_counts(text), (14, 24));
        assert_eq!(estimate_text(text), 25);
    }

    // Guards against the chat overhead being dropped or counted per request instead of
    // per message, checked against tiktoken-rs's own count of a chat request.
    #[test]
    fn messages_add_format_overhead() {
        let messages = [
            ("system", "You are a helpful assistant."),
            ("user", "Hello!"),
        ];
        let request: Vec<_> = messages
            .iter()
            .map(
                |(role, content)| tiktoken_rs::ChatCompletionRequestMessage {
                    role: (*role).to_owned(),
                    content: Some((*content).to_owned()),
                    ..Default::default()
                },
            )
            .collect();
        let real_o = tiktoken_rs::num_tokens_from_messages("gpt-4o", &request);
        let real_c = tiktoken_rs::num_tokens_from_messages("gpt-4", &request);
        assert_eq!((real_o.ok(), real_c.ok()), (Some(19), Some(19)));
        let role_and_content: u64 = messages
            .iter()
            .map(|(role, content)| estimate_text(role) + estimate_text(content))
            .sum();
        assert_eq!(role_and_content, 14);
        assert_eq!(estimate_messages(messages), 3 + 2 * 3 + 14);
    }

    // Guards against appending text lowering the estimate (a longer draft must never
    // look cheaper), on every prefix of the corpus.
    #[test]
    fn corpus_prefixes_never_decrease() {
        for &(kind, text) in CORPUS {
            let mut last = 0;
            for (i, _) in text.char_indices().skip(1) {
                let e = estimate_text(&text[..i]);
                assert!(e >= last, "{kind}: estimate fell at byte {i}");
                last = e;
            }
            assert!(
                estimate_text(text) >= last,
                "{kind}: estimate fell at the end"
            );
        }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(vec![
                    'a', 'Z', 'q', '7', '0', ' ', ' ', '\t', '\n', '\r', '.', '_', ';', '{',
                    '-', '(', '"', '日', 'の', 'ー', '한', '、', 'Ａ', 'ｶ', 'é', 'ß', 'п', 'λ',
                    'ب', '\u{301}', '\u{200D}', '\u{FE0F}', '😀', '→', '°', '\u{3000}', '𝓗',
                ]),
                1 => any::<char>(),
            ],
            0..40,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        // Guards against appending text lowering the estimate, for any text.
        #[test]
        fn appending_never_lowers(a in text(), b in text()) {
            let joined = format!("{a}{b}");
            prop_assert!(estimate_text(&joined) >= estimate_text(&a), "{:?} + {:?}", a, b);
        }
    }
}
