//! Search over what a user said and was told: text folded so that case and width do not
//! matter, cut into the terms the index keeps (words; pairs of characters in Japanese and
//! Chinese, which have no spaces), queries read into terms and phrases, a hit checked
//! against the text itself, and the snippet shown for it.
//!
//! The fold is one character for one character, so a place in the folded text is the same
//! place in the original: a snippet and its highlight are cut from the original there.

use crate::format;
use crate::html::push_text;
use crate::i18n::{t, Key, Lang};

/// The longest word kept as a term, in characters: longer ones are cut (a hash, a URL).
pub const MAX_WORD: usize = 24;

/// The characters of an exchange's text the index keeps terms of, and at most how many
/// terms: a megabyte of distinct words must not cost a save a second of writes. A hit is
/// still checked against the whole text.
pub const MAX_INDEXED_CHARS: usize = 100_000;
pub const MAX_TERMS: usize = 5_000;

/// Characters of context a snippet shows before the first match.
pub const BEFORE: usize = 30;
/// The longest snippet, in characters.
pub const SNIPPET: usize = 120;

/// `c` as the index and queries see it: ASCII and the Latin-1, Greek and Cyrillic capitals
/// in lower case; full-width ASCII as ASCII; half-width katakana as full-width; the
/// ideographic space as a space. The compatibility forms people type, without a Unicode
/// table (which would cost the first load more than search itself).
pub fn fold_char(c: char) -> char {
    let n = c as u32;
    let folded = match n {
        0x41..=0x5A => n + 0x20,
        0xC0..=0xDE if n != 0xD7 => n + 0x20,
        0x391..=0x3A9 => n + 0x20,
        0x410..=0x42F => n + 0x20,
        0x400..=0x40F => n + 0x50,
        0xFF21..=0xFF3A => n - 0xFF21 + 0x61,
        0xFF01..=0xFF5E => n - 0xFF01 + 0x21,
        0x3000 => 0x20,
        0xFF61..=0xFF9F => return HALF_KANA[(n - 0xFF61) as usize],
        _ => n,
    };
    char::from_u32(folded).unwrap_or(c)
}

/// Full-width forms of U+FF61–U+FF9F (half-width punctuation, katakana and sound marks).
const HALF_KANA: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

/// `text` folded ([`fold_char`]), character for character.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// What a folded character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Part of a word: letters and digits of scripts that put spaces between words.
    Word,
    /// Japanese, Chinese or Korean: indexed in pairs of characters.
    Cjk,
    /// Spaces, punctuation, symbols: between terms.
    Other,
}

fn class(c: char) -> Class {
    match c as u32 {
        0x3041..=0x3096
        | 0x30A1..=0x30FA
        | 0x30FC..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xAC00..=0xD7A3
        | 0x3005
        | 0x3006 => Class::Cjk,
        // Digits were folded to ASCII; letters of any script that spaces its words.
        _ if c.is_alphabetic() || c.is_ascii_digit() || c == '_' => Class::Word,
        _ => Class::Other,
    }
}

/// The runs of `chars` of one class each, in order, each with whether it ends `chars`.
fn runs(chars: &[char]) -> impl Iterator<Item = (Class, &[char], bool)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at;
        let kind = class(*chars.get(at)?);
        while at < chars.len() && class(chars[at]) == kind {
            at += 1;
        }
        Some((kind, &chars[start..at], at == chars.len()))
    })
}

/// The terms the index keeps for folded `text`, each once, in the order first met:
/// every word (cut at [`MAX_WORD`] characters), every pair of neighbouring CJK characters,
/// and the last character of each CJK run (so a one-character query finds it).
pub fn terms(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |t: String| out.push(t);
    let chars: Vec<char> = folded.chars().collect();
    for (kind, run, _) in runs(&chars) {
        match kind {
            Class::Word => push(run.iter().take(MAX_WORD).collect()),
            Class::Cjk => {
                for pair in run.windows(2) {
                    push(pair.iter().collect());
                }
                push(run[run.len() - 1].to_string());
            }
            Class::Other => {}
        }
    }
    // A set, not a sort: a sort's code costs the first load 1 KB more.
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// The terms the index keeps for `text` (not folded yet): [`terms`] of its first
/// [`MAX_INDEXED_CHARS`] characters, at most [`MAX_TERMS`].
pub fn index_terms(text: &str) -> Vec<String> {
    let head: String = text
        .chars()
        .take(MAX_INDEXED_CHARS)
        .map(fold_char)
        .collect();
    let mut out = terms(&head);
    out.truncate(MAX_TERMS);
    out
}

/// One thing a query asks for: a word (or a run of CJK), or a `"quoted phrase"`, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What the text must contain, folded.
    pub text: String,
    /// Its terms, each the start of a term the index keeps (the last word may be half
    /// typed): what the index is asked for.
    pub terms: Vec<String>,
}

/// A query as typed: every part must be found (in any order).
pub fn parse(query: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, piece) in query.split('"').enumerate() {
        let folded = fold(piece);
        // Odd pieces are inside quotes: one phrase; the others are words.
        let texts: Vec<&str> = if i % 2 == 1 {
            vec![folded.trim()]
        } else {
            folded.split_whitespace().collect()
        };
        for text in texts {
            let terms = terms(text);
            if !terms.is_empty() && !parts.iter().any(|p: &Part| p.text == text) {
                parts.push(Part {
                    text: text.to_owned(),
                    terms,
                });
            }
        }
    }
    parts
}

/// A key the index is asked for: a term, or (`prefix`) the start of terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub term: String,
    pub prefix: bool,
}

/// What to ask the index for `parts`: each word, each pair of a CJK run (a run of one
/// character: every pair it starts), and the last word typed as the start of a word (it
/// may be half typed). Only candidates: [`find`] decides.
pub fn lookups(parts: &[Part], typing: bool) -> Vec<Lookup> {
    let mut out: Vec<Lookup> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let last = typing && i + 1 == parts.len();
        let chars: Vec<char> = part.text.chars().collect();
        for (kind, run, end) in runs(&chars) {
            let mut push = |term: String, prefix| {
                if !out.iter().any(|l| l.term == term) {
                    out.push(Lookup { term, prefix });
                }
            };
            match kind {
                Class::Word => push(
                    run.iter().take(MAX_WORD).collect(),
                    last && end && run.len() < MAX_WORD,
                ),
                Class::Cjk if run.len() == 1 => push(run[0].to_string(), true),
                Class::Cjk => run.windows(2).for_each(|p| push(p.iter().collect(), false)),
                Class::Other => {}
            }
        }
    }
    out
}

/// How far back a lookup's ids were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// All of them.
    All,
    /// Every one from this id on (newer ones sort after older).
    Since(String),
    /// Some (a start of words with more keys than read): no sign which.
    Part,
}

/// The ids read of one lookup, newest first, and how far back that is all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub ids: Vec<String>,
    pub reach: Reach,
}

impl Read {
    /// Whether `id` may have this lookup's term: read with it, or older than what was read.
    fn allows(&self, id: &str) -> bool {
        let has = || self.ids.binary_search_by(|o| id.cmp(o)).is_ok();
        match &self.reach {
            Reach::All => has(),
            Reach::Since(from) => id < from.as_str() || has(),
            Reach::Part => true,
        }
    }
}

/// The ids to check (against their text: [`find`] decides), newest first, that may have
/// every lookup of `reads`; and which lookup to read further back for older ones (`None`:
/// there are none). Drawn from the smallest lookup read whole, which then are all of them
/// (a rare word finds its oldest exchange beside a common one); else, all lookups read in
/// part, from those known in each (newer than where the one read least far back stops:
/// that one is the one to read on). A start of words read in part narrows nothing, and is
/// what there is when it is alone.
pub fn candidates(reads: &[Read]) -> (Vec<String>, Option<usize>) {
    let allowed = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter(|id| reads.iter().all(|r| r.allows(id)))
            .cloned()
            .collect()
    };
    if let Some(whole) = reads
        .iter()
        .filter(|r| r.reach == Reach::All)
        .min_by_key(|r| r.ids.len())
    {
        return (allowed(&whole.ids), None);
    }
    let least = reads
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.reach {
            Reach::Since(from) => Some((i, from)),
            _ => None,
        })
        .max_by(|a, b| a.1.cmp(b.1));
    match least {
        Some((i, floor)) => {
            let known: Vec<String> = reads[i]
                .ids
                .iter()
                .filter(|id| id.as_str() >= floor.as_str())
                .cloned()
                .collect();
            (allowed(&known), Some(i))
        }
        None => (
            reads.first().map(|r| r.ids.clone()).unwrap_or_default(),
            None,
        ),
    }
}

/// Where each part of `parts` is found in folded `text`, as character ranges, all of
/// them, sorted, each marked when it is of the first part (what the snippet centres on);
/// `None` when any part is missing.
pub fn find(parts: &[Part], folded: &str) -> Option<Vec<(usize, usize, bool)>> {
    let mut found = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let len = part.text.chars().count();
        let before = found.len();
        // Characters counted on from the previous match, not from the start each time: a
        // common word in a long reply is hundreds of matches.
        let (mut at, mut counted) = (0, 0);
        for (byte, _) in folded.match_indices(part.text.as_str()) {
            at += folded[counted..byte].chars().count();
            counted = byte;
            found.push((at, at + len, i == 0));
        }
        if found.len() == before {
            return None;
        }
    }
    found.sort_unstable();
    Some(found)
}

/// The snippet of `text` around the first of `found` (its [`find`] ranges), as inert HTML:
/// at most [`SNIPPET`] characters, cut at character boundaries, `…` where cut, each match
/// in `<mark>`.
pub fn snippet_html(text: &str, found: &[(usize, usize, bool)]) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Around the first match of what was typed first (the query's own order), not of
    // whichever part happens to come first in the text.
    let first = found
        .iter()
        .find(|f| f.2)
        .or(found.first())
        .map_or(0, |f| f.0);
    let start = first.saturating_sub(BEFORE);
    let end = (start + SNIPPET).min(chars.len());
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    let piece = |html: &mut String, from: usize, to: usize| {
        let s: String = chars[from..to]
            .iter()
            .map(|&c| if c == '\n' { ' ' } else { c })
            .collect();
        crate::html::push_text(html, &s);
    };
    for &(from, to, _) in found {
        let (from, to) = (from.max(at), to.min(end));
        if from >= to {
            continue;
        }
        piece(&mut html, at, from);
        html.push_str("<mark>");
        piece(&mut html, from, to);
        html.push_str("</mark>");
        at = to;
    }
    piece(&mut html, at, end);
    if end < chars.len() {
        html.push('…');
    }
    html
}

/// A result: an exchange whose text has every part (or, with no `message_id`, a thread
/// whose title has), with its snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub thread_id: String,
    /// The thread's title.
    pub title: String,
    /// Empty for a title.
    pub message_id: String,
    /// The exchange's place: its branch and depth.
    pub branch: String,
    pub depth: u32,
    /// When: the exchange's (or, for a title, the thread's last activity).
    pub at: i64,
    pub snippet: String,
}

/// `hits` grouped by thread for the results list: the thread with the newest hit first,
/// a thread's title before its exchanges, then its exchanges newest first.
pub fn group(mut hits: Vec<Hit>) -> Vec<Vec<Hit>> {
    // Newest first; a title (no message id) first among equals.
    hits.sort_unstable_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| {
                a.message_id
                    .is_empty()
                    .cmp(&b.message_id.is_empty())
                    .reverse()
            })
            .then_with(|| b.message_id.cmp(&a.message_id))
    });
    let mut groups: Vec<Vec<Hit>> = Vec::new();
    for hit in hits {
        match groups.iter_mut().find(|g| g[0].thread_id == hit.thread_id) {
            Some(g) => {
                let title = hit.message_id.is_empty();
                if title {
                    g.insert(0, hit);
                } else {
                    g.push(hit);
                }
            }
            None => groups.push(vec![hit]),
        }
    }
    groups
}

/// The results list of `groups` (see [`group`]) as inert HTML, in `lang`: a thread's
/// name over its results, each a button that says what it opens in `data-` attributes
/// (its thread, exchange, branch and depth; no exchange for a title), its snippet inside;
/// a sentence when there are none. Written by the data worker: the page only shows it.
pub fn results_html(groups: &[Vec<Hit>], lang: Lang) -> String {
    let mut html = String::new();
    if groups.is_empty() {
        html.push_str("<p class=\"hint\" data-testid=\"no-search-results\">");
        html.push_str(t(lang, Key::NoSearchResults));
        html.push_str("</p>");
        return html;
    }
    html.push_str("<ul>");
    for group in groups {
        let title = group.first().map_or("", |h| h.title.as_str());
        html.push_str(
            "<li class=\"search-group\" data-testid=\"search-group\"><p class=\"search-thread\">",
        );
        push_text(
            &mut html,
            if title.is_empty() {
                t(lang, Key::Untitled)
            } else {
                title
            },
        );
        html.push_str("</p><ul>");
        for hit in group {
            html.push_str(
                "<li><button type=\"button\" class=\"search-result\" data-testid=\"search-result\"",
            );
            for (name, value) in [
                ("thread", hit.thread_id.as_str()),
                ("message", &hit.message_id),
                ("branch", &hit.branch),
                ("depth", &hit.depth.to_string()),
            ] {
                html.push_str(" data-");
                html.push_str(name);
                html.push_str("=\"");
                push_text(&mut html, value);
                html.push('"');
            }
            html.push('>');
            if hit.message_id.is_empty() {
                html.push_str("<span class=\"search-where\">");
                html.push_str(t(lang, Key::TitleMatch));
                html.push_str("</span>");
            }
            html.push_str("<span class=\"search-snippet\" data-testid=\"search-snippet\">");
            html.push_str(&hit.snippet);
            html.push_str("</span></button></li>");
        }
        html.push_str("</ul></li>");
    }
    html.push_str("</ul>");
    html
}

/// Under the search box while earlier messages are indexed.
pub fn indexing(lang: Lang, done: u32, total: u32) -> String {
    let (done, total) = (
        format::tokens(i64::from(done)),
        format::tokens(i64::from(total)),
    );
    match lang {
        Lang::En => format!(
            "Indexing earlier messages for search: {done} of {total}. Until it is done, results may be missing; chat goes on as usual."
        ),
        Lang::Ja => format!(
            "検索のために以前のメッセージを索引しています（{total} 件中 {done} 件）。終わるまでは結果が欠けることがあります。チャットはそのまま使えます。"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `want`, sorted (to compare with [`terms`] sorted).
    fn sorted(want: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn folding_ignores_case_and_width_one_character_for_one() {
        let cases = [
            ("Rust ＲＵＳＴ rust", "rust rust rust"),
            ("ＧＰＴ－４ｏ　ｍｉｎｉ", "gpt-4o mini"),
            ("ｶﾀｶﾅ ｰ", "カタカナ ー"),
            ("Ärger ΣΟΦΙΑ МОСКВА Ёж", "ärger σοφια москва ёж"),
            ("ライフタイム", "ライフタイム"),
            ("×÷", "×÷"),
        ];
        for (text, want) in cases {
            assert_eq!(fold(text), want, "{text}");
            assert_eq!(fold(text).chars().count(), text.chars().count(), "{text}");
        }
    }

    #[test]
    fn terms_are_words_and_pairs_of_cjk_characters() {
        let t = |s: &str| {
            let mut t = terms(&fold(s));
            t.sort_unstable();
            t
        };
        assert_eq!(terms("b a b c a"), ["b", "a", "c"], "each once, in order");
        // English: words, once each, any case.
        assert_eq!(
            t("Hello, HELLO world! it's"),
            sorted(&["hello", "world", "it", "s"])
        );
        // Japanese: no spaces; every neighbouring pair and each run's last character.
        assert_eq!(
            t("参照が有効"),
            sorted(&["参照", "照が", "が有", "有効", "効"])
        );
        // Mixed: a word between two runs; katakana with the long mark.
        assert_eq!(
            t("Rustのライフタイム。"),
            sorted(&["rust", "のラ", "ライ", "イフ", "フタ", "タイ", "イム", "ム"])
        );
        // Full width: the same terms as half width.
        assert_eq!(t("ＧＰＴ－４ｏ"), t("gpt-4o"));
        assert_eq!(t("gpt-4o"), sorted(&["gpt", "4o"]));
        // A long token is cut; punctuation and emoji are no terms.
        assert_eq!(t(&"a".repeat(40)), [("a".repeat(MAX_WORD))]);
        assert_eq!(t("🙂 — !!"), Vec::<String>::new());
        // A megabyte of distinct words: the index keeps a bounded share.
        let big: String = (0..170_000).map(|i| format!("w{i} ")).collect();
        let kept = index_terms(&big);
        assert_eq!(kept.len(), MAX_TERMS);
        assert_eq!(kept[..2], ["w0", "w1"]);
        assert_eq!(index_terms("Ｒｕｓｔ の"), ["rust", "の"]);
    }

    #[test]
    fn a_query_is_words_and_quoted_phrases_all_required() {
        let parts = parse("Rust  \"borrow checker\" ライフ rust");
        let texts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["rust", "borrow checker", "ライフ"],
            "a repeated word once"
        );
        assert_eq!(parts[1].terms, ["borrow", "checker"]);
        assert_eq!(parts[2].terms, ["ライ", "イフ", "フ"]);
        assert!(parse("  \"\" ！ ").is_empty(), "nothing to look for");

        let text = fold("The Borrow Checker checks borrows. Rust のライフタイム");
        let found = find(&parts, &text).expect("every part is there");
        // Each place, and whether it is the first part typed (the snippet's centre).
        assert_eq!(found, [(4, 18, false), (35, 39, true), (41, 44, false)]);
        // A phrase is found only as typed together; one missing part: no hit.
        assert_eq!(find(&parse("\"checker borrow\""), &text), None);
        assert_eq!(find(&parse("rust python"), &text), None);
        // Mid-sentence Japanese, no spaces around it.
        assert!(find(&parse("ライフタイム"), &fold("これはライフタイムの話です")).is_some());
        // Every match of a repeated word, at character (not byte) positions.
        assert_eq!(
            find(&parse("東京"), &fold("東京と東京、そして東京")),
            Some(vec![(0, 2, true), (3, 5, true), (9, 11, true)])
        );
    }

    #[test]
    fn the_index_is_asked_for_words_pairs_and_the_start_of_the_last_word() {
        let l = |q: &str, typing| -> Vec<(String, bool)> {
            lookups(&parse(q), typing)
                .into_iter()
                .map(|l| (l.term, l.prefix))
                .collect()
        };
        let own = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
            v.iter().map(|(t, p)| (t.to_string(), *p)).collect()
        };
        assert_eq!(
            l("rust lifet", true),
            own(&[("rust", false), ("lifet", true)])
        );
        assert_eq!(
            l("rust lifet", false),
            own(&[("rust", false), ("lifet", false)])
        );
        assert_eq!(
            l("\"borrow check\"", true),
            own(&[("borrow", false), ("check", true)])
        );
        assert_eq!(
            l("ライフタイム", true),
            own(&[
                ("ライ", false),
                ("イフ", false),
                ("フタ", false),
                ("タイ", false),
                ("イム", false)
            ])
        );
        assert_eq!(l("猫", true), own(&[("猫", true)]));
        assert_eq!(l("Rustの", false), own(&[("rust", false), ("の", true)]));
    }

    #[test]
    fn candidates_may_have_every_term_and_say_which_lookup_to_read_on() {
        let read = |ids: &[&str], reach: Reach| Read {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            reach,
        };
        let since = |id: &str| Reach::Since(id.to_owned());
        let own = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Whole reads: their intersection, newest first, and nothing more to read.
        assert_eq!(
            candidates(&[
                read(&["9", "7", "5", "2"], Reach::All),
                read(&["7", "3", "2"], Reach::All)
            ]),
            (own(&["7", "2"]), None)
        );
        // A rare word read whole beside a common one read from 5 on: its ids older than 5
        // may have the common word too, and are checked; those from 5 on must be in both.
        assert_eq!(
            candidates(&[
                read(&["9", "8", "6", "2"], since("5")),
                read(&["8", "7", "2", "1"], Reach::All)
            ]),
            (own(&["8", "2", "1"]), None)
        );
        // Only reads in part: what each has from the newest floor on, and that read (the
        // one that reached least far back) is the one to read further.
        assert_eq!(
            candidates(&[
                read(&["9", "8", "6", "4", "3"], since("3")),
                read(&["9", "6", "5"], since("5")),
                read(&["9", "8", "7", "6"], since("6"))
            ]),
            (own(&["9", "6"]), Some(2))
        );
        // A start of words read in part narrows nothing when other reads are known…
        assert_eq!(
            candidates(&[read(&["8", "4"], Reach::All), read(&["6"], Reach::Part)]),
            (own(&["8", "4"]), None)
        );
        // …and is what there is when it is alone.
        assert_eq!(
            candidates(&[read(&["6", "1"], Reach::Part)]),
            (own(&["6", "1"]), None)
        );
        assert_eq!(candidates(&[]), (Vec::new(), None));
    }

    #[test]
    fn a_snippet_is_cut_at_characters_around_the_first_match_with_matches_marked() {
        let text = format!(
            "{}ライフタイムとは参照が有効な範囲です。<b>{}",
            "前置き".repeat(20),
            "後".repeat(200)
        );
        let parts = parse("ライフタイム 参照");
        let found = find(&parts, &fold(&text)).expect("found");
        let html = snippet_html(&text, &found);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(
            html.contains("<mark>ライフタイム</mark>とは<mark>参照</mark>が"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;"), "the text is escaped: {html}");
        let shown: String = html.replace("<mark>", "").replace("</mark>", "");
        assert_eq!(
            shown.chars().filter(|&c| c != '…').count(),
            SNIPPET + 6,
            "{shown}"
        );
        // Centred on what was typed first, wherever the other parts are.
        let long = format!("Answer 1. {}南極の皇帝ペンギン。", "x ".repeat(100));
        let first = find(&parse("\"皇帝ペンギン\" answer"), &fold(&long)).expect("found");
        assert!(snippet_html(&long, &first).contains("<mark>皇帝ペンギン</mark>"));
        // A match at the start: no leading ellipsis; a short text: all of it.
        assert_eq!(
            snippet_html(
                "Rust\nrules",
                &find(&parse("rust"), "rust\nrules").expect("found")
            ),
            "<mark>Rust</mark> rules"
        );
    }

    #[test]
    fn results_are_grouped_by_thread_newest_first_with_the_title_first() {
        let hit = |t: &str, m: &str, at| Hit {
            thread_id: t.into(),
            title: String::new(),
            message_id: m.into(),
            branch: String::new(),
            depth: 0,
            at,
            snippet: String::new(),
        };
        let groups = group(vec![
            hit("a", "a1", 10),
            hit("b", "b1", 30),
            hit("a", "a2", 40),
            hit("b", "", 5),
            hit("c", "", 20),
        ]);
        let ids: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|h| {
                        if h.message_id.is_empty() {
                            "title"
                        } else {
                            h.message_id.as_str()
                        }
                    })
                    .collect()
            })
            .collect();
        assert_eq!(ids, [vec!["a2", "a1"], vec!["title", "b1"], vec!["title"]]);
        assert_eq!(groups[1][0].thread_id, "b");
    }

    #[test]
    fn the_results_list_is_inert_html_that_says_what_each_result_opens() {
        let hit = |m: &str, title: &str, snippet: &str| Hit {
            thread_id: "t\"1".into(),
            title: title.into(),
            message_id: m.into(),
            branch: "b<1>".into(),
            depth: 7,
            at: 0,
            snippet: snippet.into(),
        };
        let html = results_html(
            &[vec![
                hit("", "<b>Tea</b> & cake", "<mark>Tea</mark>"),
                hit("m1", "<b>Tea</b> & cake", "<mark>tea</mark> time"),
            ]],
            Lang::En,
        );
        assert_eq!(
            html,
            "<ul><li class=\"search-group\" data-testid=\"search-group\">\
             <p class=\"search-thread\">&lt;b&gt;Tea&lt;/b&gt; &amp; cake</p><ul>\
             <li><button type=\"button\" class=\"search-result\" data-testid=\"search-result\" \
             data-thread=\"t&quot;1\" data-message=\"\" data-branch=\"b&lt;1&gt;\" data-depth=\"7\">\
             <span class=\"search-where\">In the thread's name</span>\
             <span class=\"search-snippet\" data-testid=\"search-snippet\"><mark>Tea</mark></span></button></li>\
             <li><button type=\"button\" class=\"search-result\" data-testid=\"search-result\" \
             data-thread=\"t&quot;1\" data-message=\"m1\" data-branch=\"b&lt;1&gt;\" data-depth=\"7\">\
             <span class=\"search-snippet\" data-testid=\"search-snippet\"><mark>tea</mark> time</span></button></li>\
             </ul></li></ul>"
        );
        // An untitled thread, in Japanese; no results: the sentence.
        let html = results_html(&[vec![hit("m1", "", "x")]], Lang::Ja);
        assert!(
            html.contains("<p class=\"search-thread\">無題</p>"),
            "{html}"
        );
        assert_eq!(
            results_html(&[], Lang::Ja),
            format!(
                "<p class=\"hint\" data-testid=\"no-search-results\">{}</p>",
                t(Lang::Ja, Key::NoSearchResults)
            )
        );
    }
}
