//! One thread as a Markdown file (the peers' "share"): its title, then each exchange of the
//! path on screen, the prompt as typed and the reply's Markdown source, with the model's
//! reasoning folded where it had some.

use crate::i18n::Lang;
use crate::records::Message;

/// The thread titled `title`, with the exchanges `path` (oldest first) shows, as Markdown.
/// `lang` names the speakers. Exchanges whose text was deleted are left out.
pub fn thread_markdown(title: &str, path: &[Message], lang: Lang) -> String {
    let (you, thinking) = match lang {
        Lang::En => ("You", "Thinking"),
        Lang::Ja => ("あなた", "思考"),
    };
    let mut out = format!("# {}\n", title.trim());
    for m in path.iter().filter(|m| m.deleted_at.is_none()) {
        out.push_str(&format!(
            "\n## {you}\n\n{}\n\n## {}\n\n",
            m.prompt.trim_end(),
            m.model
        ));
        if !m.reasoning.is_empty() {
            out.push_str(&format!(
                "<details><summary>{thinking}</summary>\n\n{}\n\n</details>\n\n",
                m.reasoning.trim_end()
            ));
        }
        out.push_str(m.completion.trim_end());
        out.push('\n');
    }
    out
}

/// A file name for the thread titled `title`: its letters and digits (any script), other
/// runs as one `-`, at most 60 characters, then `.md`; `thread.md` when nothing is left.
pub fn file_name(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
        if name.chars().count() >= 60 {
            break;
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "thread.md".to_owned()
    } else {
        format!("{name}.md")
    }
}

/// A thread was offered as a Markdown download.
pub fn thread_exported(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("The thread was saved as {name}."),
        Lang::Ja => format!("スレッドを {name} として保存しました。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::DebitKind;
    use crate::records::MessageStatus;

    fn exchange(prompt: &str, completion: &str, reasoning: &str) -> Message {
        Message {
            message_id: "m".into(),
            thread_id: "t".into(),
            user_id: "u".into(),
            branch: "t".into(),
            depth: 0,
            prompt: prompt.into(),
            completion: completion.into(),
            reasoning: reasoning.into(),
            html: String::new(),
            total: 1,
            prompt_tokens: 1,
            completion_tokens: 0,
            reasoning_tokens: 0,
            debit_kind: DebitKind::Exact,
            model: "gpt-4o-mini".into(),
            status: MessageStatus::Complete,
            created_at: 0,
            deleted_at: None,
        }
    }

    // Guards against an export that differs from the thread: a prompt, reply or model
    // missing, the Markdown of a reply changed, or deleted text brought back.
    #[test]
    fn a_thread_as_markdown() {
        let mut gone = exchange("", "", "");
        gone.deleted_at = Some(1);
        let path = [
            exchange(
                "What is Rust?",
                "A **language**.\n\n```rust\nfn main() {}\n```\n",
                "",
            ),
            gone,
            exchange("なぜ？", "安全だから。", "Think of memory safety."),
        ];
        assert_eq!(
            thread_markdown(" Rust ", &path, Lang::En),
            "# Rust\n\n## You\n\nWhat is Rust?\n\n## gpt-4o-mini\n\nA **language**.\n\n```rust\nfn main() {}\n```\n\
             \n## You\n\nなぜ？\n\n## gpt-4o-mini\n\n<details><summary>Thinking</summary>\n\nThink of memory safety.\n\n</details>\n\n安全だから。\n"
        );
        assert!(thread_markdown("t", &path, Lang::Ja).contains("## あなた\n\nなぜ？"));
    }

    // Guards against file names a system refuses (slashes, colons) or that say nothing.
    #[test]
    fn file_names() {
        assert_eq!(
            file_name("Rust: lifetimes / borrowing?"),
            "Rust-lifetimes-borrowing.md"
        );
        assert_eq!(file_name("京都の旅行プラン"), "京都の旅行プラン.md");
        assert_eq!(file_name("  ?? "), "thread.md");
        assert_eq!(file_name(&"a".repeat(100)).len(), 63);
    }
}
