//! The thread list as the user arranges it: pinned threads first, each part most recently
//! active first; the filter over titles; and a title the user typed, checked.

use thiserror::Error;

use crate::i18n::{Lang, Localize};
use crate::records::Thread;

/// The longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

/// Puts pinned threads first, keeping the order within each part: given most recently
/// active first (as the store reads them), each part stays so. A partition, not a sort: a
/// sort's code costs the first load 1.7 KB.
pub fn arrange(threads: Vec<Thread>) -> Vec<Thread> {
    let (mut pinned, others): (Vec<Thread>, Vec<Thread>) =
        threads.into_iter().partition(|t| t.pinned);
    pinned.extend(others);
    pinned
}

/// Whether `title` has every word of `query` (typed in the thread filter), ignoring case
/// and the width of Latin letters and digits (`ＧＰＴ` finds "gpt"). An empty query
/// matches every title.
pub fn title_matches(title: &str, query: &str) -> bool {
    let title = fold(title);
    fold(query)
        .split_whitespace()
        .all(|word| title.contains(word))
}

/// Lower-case ASCII, full-width ASCII forms (U+FF01–U+FF5E) as ASCII, the ideographic space
/// as a space. Japanese has no case; a Unicode case table would cost the first load more
/// than the filter.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A title the user typed that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TitleError {
    #[error("A thread needs a title. Type one, or press Escape to keep “{kept}”.")]
    Empty { kept: String },
}

/// The title `typed` for a thread now called `kept`: one line, trimmed, at most
/// [`MAX_TITLE_CHARS`] characters.
pub fn clean_title(typed: &str, kept: &str) -> Result<String, TitleError> {
    let line = typed.split(['\n', '\r']).next().unwrap_or("").trim();
    if line.is_empty() {
        return Err(TitleError::Empty {
            kept: kept.to_owned(),
        });
    }
    Ok(line.chars().take(MAX_TITLE_CHARS).collect())
}

/// The label of a thread's delete button.
pub fn delete_thread(lang: Lang, title: &str) -> String {
    match lang {
        Lang::En => format!("Delete thread “{title}”"),
        Lang::Ja => format!("スレッド「{title}」を削除"),
    }
}

/// [`TitleError`] in `lang`.
impl Localize for TitleError {
    fn localize(&self, lang: Lang) -> String {
        let err = self;
        match (lang, err) {
            (Lang::En, _) => err.to_string(),
            (Lang::Ja, TitleError::Empty { kept }) => format!(
                "スレッドには名前が必要です。名前を入力するか、Escape キーで「{kept}」のままにしてください。"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(id: &str, pinned: bool, updated_at: i64) -> Thread {
        Thread {
            thread_id: id.into(),
            user_id: "u".into(),
            title: id.into(),
            created_at: 0,
            updated_at,
            deleted_at: None,
            path: Vec::new(),
            pinned,
            persona: None,
            edited_at: 0,
        }
    }

    // Guards against a pinned thread lost among the others, or the recency order broken.
    #[test]
    fn pinned_first_in_their_order() {
        // Most recently active first, as the store reads them.
        let recent = |pinned: [bool; 5]| {
            ["new", "b", "mid", "d", "old"]
                .iter()
                .zip(pinned)
                .zip((1..=5).rev())
                .map(|((id, p), at)| thread(id, p, at))
                .collect::<Vec<_>>()
        };
        let ids = |list: Vec<Thread>| list.into_iter().map(|t| t.thread_id).collect::<Vec<_>>();
        assert_eq!(
            ids(arrange(recent([false, true, false, true, false]))),
            ["b", "d", "new", "mid", "old"]
        );
        // Unpinned, a thread goes back among the others by when it was last active.
        assert_eq!(
            ids(arrange(recent([false, false, false, true, false]))),
            ["d", "new", "b", "mid", "old"]
        );
    }

    // Guards against a filter that misses by case or width, or needs the words in order.
    #[test]
    fn the_filter_finds_every_word_in_any_case_and_width() {
        let cases = [
            ("Rust のライフタイム", "rust", true),
            ("Rust のライフタイム", "ライフ", true),
            ("Rust のライフタイム", "ライフ　RUST", true),
            ("GPT-4o の料金", "ｇｐｔ－４ｏ", true),
            ("ＧＰＴの話", "gpt", true),
            ("Rust のライフタイム", "rust go", false),
            ("Trip to Kyoto", "kyoto trip", true),
            ("Trip to Kyoto", "osaka", false),
            ("anything", "   ", true),
        ];
        for (title, query, want) in cases {
            assert_eq!(title_matches(title, query), want, "{title} / {query}");
        }
    }

    // Guards against an empty or multi-line title, or one longer than the list can show.
    #[test]
    fn a_typed_title_is_one_trimmed_line() {
        assert_eq!(
            clean_title("  Trip plans \n more", "old"),
            Ok("Trip plans".into())
        );
        assert_eq!(
            clean_title(" \n ", "Old title").map_err(|e| e.to_string()),
            Err("A thread needs a title. Type one, or press Escape to keep “Old title”.".into())
        );
        let long = "あ".repeat(300);
        assert_eq!(
            clean_title(&long, "old").map(|t| t.chars().count()),
            Ok(MAX_TITLE_CHARS)
        );
    }
}
