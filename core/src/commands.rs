//! Chat commands: the typed phrases (ported from the LINE chatbot) that run a function in the app instead of going to the model.
//!
//! A phrase is a command only when it is the whole message, after trimming, NFKC folding and
//! dropping trailing `。！!?？．.`; a sentence that merely contains one goes to the model.

use crate::format::{token_count, token_count_u};
use crate::i18n::{Lang, Localize};

/// The most tokens one top-up may add.
pub const MAX_TOP_UP: i64 = 1_000_000_000_000;

/// What to type for a top-up, shown after every problem with its argument and usable when
/// the app asks for a missing one.
pub const TOP_UP_HINT: &str =
    "Type a whole number from 1 to 1,000,000,000,000, like 残高を加える 5000.";

/// A command typed in the chat input box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start a new thread (`会話を始める`, `新しい会話`, `/new`).
    NewThread,
    /// Show the token balance (`残高を見る`, `残高をみたい`, `残高`, `/balance`).
    ShowBalance,
    /// Add tokens to the balance (`残高を加える [N]`, `/topup [N]`).
    TopUp(TopUpArg),
    /// Switch the model (`モデルを切り替える [name]`, `/model [name]`); the name as typed
    /// after NFKC and trimming, `None` when none was given.
    SwitchModel(Option<String>),
}

/// The token count typed after `残高を加える` or `/topup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopUpArg {
    /// No count was typed: the app asks for one.
    Missing,
    /// A valid count, from 1 to [`MAX_TOP_UP`].
    Tokens(i64),
    /// Anything else, carrying the argument as typed (after NFKC and trimming).
    Invalid(String),
}

impl TopUpArg {
    /// What is wrong with an [`TopUpArg::Invalid`] argument, as facts each language
    /// words; `None` for [`TopUpArg::Missing`] and [`TopUpArg::Tokens`].
    pub fn fault(&self) -> Option<TopUpProblem> {
        let TopUpArg::Invalid(raw) = self else {
            return None;
        };
        Some(TopUpProblem {
            quoted: quote(raw),
            // Only a hand-built `Invalid` holds a valid count.
            flaw: top_up_count(raw).err(),
        })
    }

    /// The sentence telling the user what is wrong with an [`TopUpArg::Invalid`] argument and
    /// what to type instead; `None` for [`TopUpArg::Missing`] and [`TopUpArg::Tokens`].
    pub fn problem(&self) -> Option<String> {
        self.fault().map(|p| p.to_string())
    }
}

/// Why a typed top-up count cannot be added: the argument as typed (cut to 30
/// characters) and its flaw; `Display` is the English sentence with what to type instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpProblem {
    /// The argument, ready to quote.
    pub quoted: String,
    /// What is wrong with it; `None` for a valid count that was refused anyway.
    pub flaw: Option<TopUpFlaw>,
}

impl std::fmt::Display for TopUpProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.flaw {
            Some(TopUpFlaw::NotWhole) => "is not a whole number of tokens.",
            Some(TopUpFlaw::Grouping) => "has its commas in the wrong places.",
            Some(TopUpFlaw::NotPositive) => "is less than 1 token.",
            Some(TopUpFlaw::TooLarge) => "is more than 1,000,000,000,000 tokens.",
            None => "can't be added.",
        };
        write!(f, "“{}” {what} {TOP_UP_HINT}", self.quoted)
    }
}

/// One command's phrases, for the help text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phrase {
    /// The phrase the help text leads with.
    pub canonical: &'static str,
    /// The other phrases that run the same command; slash commands start with `/`.
    pub aliases: &'static [&'static str],
    /// The name of the optional argument (`N`, `name`), `None` when it takes none.
    pub argument: Option<&'static str>,
    /// What the command does, in English.
    pub summary: &'static str,
}

const NEW_THREAD: Phrase = Phrase {
    canonical: "会話を始める",
    aliases: &["新しい会話", "/new"],
    argument: None,
    summary: "start a new thread",
};

const SHOW_BALANCE: Phrase = Phrase {
    canonical: "残高を見る",
    aliases: &["残高をみたい", "残高", "/balance"],
    argument: None,
    summary: "show the token balance",
};

const TOP_UP: Phrase = Phrase {
    canonical: "残高を加える",
    aliases: &["/topup"],
    argument: Some("N"),
    summary: "add N tokens to the balance",
};

const SWITCH_MODEL: Phrase = Phrase {
    canonical: "モデルを切り替える",
    aliases: &["/model"],
    argument: Some("name"),
    summary: "switch to another model",
};

/// Every command's phrases, in the order the help text lists them.
pub const PHRASES: &[Phrase] = &[NEW_THREAD, SHOW_BALANCE, TOP_UP, SWITCH_MODEL];

/// Which command a [`Phrase`] runs; the parser's side of [`PHRASES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NewThread,
    ShowBalance,
    TopUp,
    SwitchModel,
}

const TABLE: [(Kind, Phrase); 4] = [
    (Kind::NewThread, NEW_THREAD),
    (Kind::ShowBalance, SHOW_BALANCE),
    (Kind::TopUp, TOP_UP),
    (Kind::SwitchModel, SWITCH_MODEL),
];

impl Kind {
    /// The command for this kind with `arg`, or `None` when it takes no argument but got one.
    fn build(self, arg: Option<&str>) -> Option<Command> {
        match (self, arg) {
            (Kind::NewThread, None) => Some(Command::NewThread),
            (Kind::ShowBalance, None) => Some(Command::ShowBalance),
            (Kind::NewThread | Kind::ShowBalance, Some(_)) => None,
            (Kind::TopUp, None) => Some(Command::TopUp(TopUpArg::Missing)),
            (Kind::TopUp, Some(raw)) => Some(Command::TopUp(top_up_arg(raw))),
            (Kind::SwitchModel, name) => Some(Command::SwitchModel(name.map(str::to_owned))),
        }
    }

    /// Whether an argument starting with `c` may follow the Japanese phrase with no space.
    ///
    /// LINE users typed `残高を加える5000` and `モデルを切り替えるgpt-4o`, so a count or a
    /// model name glued to the phrase is accepted; anything else glued on (`残高を加えるには`)
    /// is a sentence for the model.
    fn glues(self, c: char) -> bool {
        match self {
            Kind::NewThread | Kind::ShowBalance => false,
            Kind::TopUp => c.is_ascii_digit() || c == '-',
            Kind::SwitchModel => c.is_ascii_alphanumeric(),
        }
    }
}

/// Punctuation dropped from the end of a message before matching (with and without NFKC).
const TRAILING: &[char] = &['。', '｡', '！', '!', '?', '？', '．', '.'];

/// The command `text` runs, or `None` when it is a message for the model.
///
/// `nfkc` folds a string to Unicode NFKC (the browser passes
/// `String.prototype.normalize('NFKC')`), so full-width `／ｎｅｗ` and `１０００` match.
pub fn parse(text: &str, nfkc: impl Fn(&str) -> String) -> Option<Command> {
    let folded = nfkc(text);
    let body = folded
        .trim()
        .trim_end_matches(|c: char| c.is_whitespace() || TRAILING.contains(&c));
    if body.is_empty() {
        return None;
    }
    match body.strip_prefix('/') {
        Some(slash) => parse_slash(slash),
        None => parse_phrase(body),
    }
}

/// A slash command, `rest` being the text after the `/`: a case-insensitive word, then
/// optionally whitespace and an argument.
fn parse_slash(rest: &str) -> Option<Command> {
    let (word, arg) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    let arg = (!arg.is_empty()).then_some(arg);
    TABLE.iter().find_map(|(kind, phrase)| {
        phrase
            .aliases
            .iter()
            .filter_map(|alias| alias.strip_prefix('/'))
            .any(|name| name.eq_ignore_ascii_case(word))
            .then(|| kind.build(arg))
            .flatten()
    })
}

/// A Japanese phrase, alone or followed by its argument.
fn parse_phrase(body: &str) -> Option<Command> {
    for (kind, phrase) in TABLE {
        let names = std::iter::once(phrase.canonical)
            .chain(phrase.aliases.iter().copied())
            .filter(|name| !name.starts_with('/'));
        for name in names {
            let Some(rest) = body.strip_prefix(name) else {
                continue;
            };
            let arg = match rest.chars().next() {
                None => None,
                Some(c) if c.is_whitespace() => Some(rest.trim()),
                Some(c) if kind.glues(c) => Some(rest),
                Some(_) => continue,
            };
            if let Some(command) = kind.build(arg) {
                return Some(command);
            }
        }
    }
    None
}

/// What is wrong with a top-up argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopUpFlaw {
    /// Not digits (with optional thousands commas).
    NotWhole,
    /// Commas not in groups of three.
    Grouping,
    /// Zero or negative.
    NotPositive,
    /// More than [`MAX_TOP_UP`].
    TooLarge,
}

fn top_up_arg(raw: &str) -> TopUpArg {
    match top_up_count(raw) {
        Ok(tokens) => TopUpArg::Tokens(tokens),
        Err(_) => TopUpArg::Invalid(raw.to_owned()),
    }
}

/// The count in a top-up argument: digits, optionally grouped by commas in threes.
fn top_up_count(raw: &str) -> Result<i64, TopUpFlaw> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, raw),
    };
    match (negative, whole_number(digits)?) {
        (true, _) | (false, Some(0)) => Err(TopUpFlaw::NotPositive),
        (false, None) => Err(TopUpFlaw::TooLarge),
        (false, Some(n)) if n > MAX_TOP_UP => Err(TopUpFlaw::TooLarge),
        (false, Some(n)) => Ok(n),
    }
}

/// The value of ASCII digits with optional thousands commas; `Ok(None)` when it overflows.
fn whole_number(s: &str) -> Result<Option<i64>, TopUpFlaw> {
    let well_formed =
        s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().all(|b| b.is_ascii_digit() || b == b',');
    if !well_formed {
        return Err(TopUpFlaw::NotWhole);
    }
    if s.contains(',') {
        let mut groups = s.split(',');
        let first = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first || !groups.all(|g| g.len() == 3) {
            return Err(TopUpFlaw::Grouping);
        }
    }
    Ok(s.bytes()
        .filter(u8::is_ascii_digit)
        .try_fold(0i64, |value, b| {
            value.checked_mul(10)?.checked_add(i64::from(b - b'0'))
        }))
}

/// `raw` for quoting in a sentence, cut to 30 characters.
fn quote(raw: &str) -> String {
    const LIMIT: usize = 30;
    match raw.char_indices().nth(LIMIT) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_owned(),
    }
}

/// The model button's title: what a click does.
pub fn switch_to_model(lang: Lang, model: &str) -> String {
    match lang {
        Lang::En => format!("Switch to {model}"),
        Lang::Ja => format!("{model} に切り替える"),
    }
}

/// After モデルを切り替える.
pub fn now_using(lang: Lang, model: &str, models: &[String; 2]) -> String {
    let [a, b] = models;
    match lang {
        Lang::En => format!("Now using {model}. Your two models: {a} and {b}."),
        Lang::Ja => format!("{model} を使います。あなたの 2 つのモデル：{a} と {b}。"),
    }
}

/// The answer to 残高を見る.
pub fn balance_report(lang: Lang, balance: i64, in_thread: u64, in_total: u64) -> String {
    let mut report = match lang {
        Lang::En => format!(
            "Balance: {}. Used in this thread: {}; in all threads: {}.",
            token_count(lang, balance),
            token_count_u(lang, in_thread),
            token_count_u(lang, in_total)
        ),
        Lang::Ja => format!(
            "残高：{}。このスレッドで使った分：{}、全スレッドで：{}。",
            token_count(lang, balance),
            token_count_u(lang, in_thread),
            token_count_u(lang, in_total)
        ),
    };
    if balance <= 0 {
        report.push_str(match lang {
            Lang::En => " Add tokens with 残高を加える (or /topup) to chat again.",
            Lang::Ja => {
                "チャットを続けるには、残高を加える（または /topup）でトークンを追加してください。"
            }
        });
    }
    report
}

/// After a top-up.
pub fn added_tokens(lang: Lang, added: i64, balance: i64) -> String {
    match lang {
        Lang::En => format!(
            "Added {}. Balance: {}.",
            token_count(lang, added),
            token_count(lang, balance)
        ),
        Lang::Ja => format!(
            "{}を追加しました。残高：{}。",
            token_count(lang, added),
            token_count(lang, balance)
        ),
    }
}

/// The help text of the empty thread: one line per command, like
/// `会話を始める (新しい会話, /new) — start a new thread`.
pub fn help_lines(lang: Lang) -> Vec<String> {
    PHRASES
        .iter()
        .map(|phrase| {
            let arg = match (lang, phrase.argument) {
                (Lang::Ja, Some("name")) => Some("モデル名"),
                (_, arg) => arg,
            };
            let with_arg = |name: &str| match arg {
                Some(arg) => format!("{name} [{arg}]"),
                None => name.to_owned(),
            };
            let aliases: Vec<String> = phrase.aliases.iter().map(|a| with_arg(a)).collect();
            let summary = match (lang, phrase.canonical) {
                (Lang::En, _) => phrase.summary,
                (Lang::Ja, "会話を始める") => "新しいスレッドを始める",
                (Lang::Ja, "残高を見る") => "トークン残高を見る",
                (Lang::Ja, "残高を加える") => "残高に N トークンを加える",
                (Lang::Ja, "モデルを切り替える") => "別のモデルに切り替える",
                (Lang::Ja, _) => phrase.summary,
            };
            let aliases = aliases.join(match lang {
                Lang::En => ", ",
                Lang::Ja => "、",
            });
            match lang {
                Lang::En => format!("{} ({aliases}) — {summary}", with_arg(phrase.canonical)),
                Lang::Ja => format!("{}（{aliases}）— {summary}", with_arg(phrase.canonical)),
            }
        })
        .collect()
}

/// [`TopUpArg::problem`] in `lang`: what is wrong with the typed count and what to type.
pub fn localize_top_up_problem(lang: Lang, arg: &TopUpArg) -> Option<String> {
    arg.fault().map(|problem| problem.localize(lang))
}

impl Localize for TopUpProblem {
    fn localize(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        let what = match self.flaw {
            Some(TopUpFlaw::NotWhole) => "はトークン数として整数ではありません。",
            Some(TopUpFlaw::Grouping) => "はカンマの位置が正しくありません。",
            Some(TopUpFlaw::NotPositive) => "は 1 トークン未満です。",
            Some(TopUpFlaw::TooLarge) => "は 1,000,000,000,000 トークンを超えています。",
            None => "は追加できません。",
        };
        format!(
            "「{}」{what}1 から 1,000,000,000,000 までの整数を、「残高を加える 5000」のように入力してください。",
            self.quoted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn run(text: &str) -> Option<Command> {
        parse(text, |s| s.nfkc().collect::<String>())
    }

    fn top(n: i64) -> Option<Command> {
        Some(Command::TopUp(TopUpArg::Tokens(n)))
    }

    fn bad(raw: &str) -> Option<Command> {
        Some(Command::TopUp(TopUpArg::Invalid(raw.to_owned())))
    }

    fn model(name: &str) -> Option<Command> {
        Some(Command::SwitchModel(Some(name.to_owned())))
    }

    const NEW: Option<Command> = Some(Command::NewThread);
    const BALANCE: Option<Command> = Some(Command::ShowBalance);
    const MISSING: Option<Command> = Some(Command::TopUp(TopUpArg::Missing));
    const NO_MODEL: Option<Command> = Some(Command::SwitchModel(None));

    fn table() -> Vec<(&'static str, Option<Command>)> {
        vec![
            // Every phrase and alias.
            ("会話を始める", NEW),
            ("新しい会話", NEW),
            ("/new", NEW),
            ("残高を見る", BALANCE),
            ("残高をみたい", BALANCE),
            ("残高", BALANCE),
            ("/balance", BALANCE),
            ("残高を加える", MISSING),
            ("/topup", MISSING),
            ("モデルを切り替える", NO_MODEL),
            ("/model", NO_MODEL),
            // Trailing punctuation.
            ("会話を始める。", NEW),
            ("会話を始める。。。", NEW),
            ("会話を始める．", NEW),
            ("新しい会話!", NEW),
            ("/new.", NEW),
            ("残高を見る！", BALANCE),
            ("残高を見る!?", BALANCE),
            ("残高を見る？", BALANCE),
            ("残高を見る ！", BALANCE),
            ("残高を見る｡", BALANCE),
            ("残高。", BALANCE),
            ("/balance?", BALANCE),
            ("残高を加える。", MISSING),
            ("モデルを切り替える。", NO_MODEL),
            // Full-width and half-width forms.
            ("／ｎｅｗ", NEW),
            ("／ｂａｌａｎｃｅ", BALANCE),
            ("／ｂａｌａｎｃｅ？", BALANCE),
            ("ﾓﾃﾞﾙを切り替える", NO_MODEL),
            ("ﾓﾃﾞﾙを切り替える gpt-4o", model("gpt-4o")),
            // Surrounding whitespace and newlines.
            ("  会話を始める  ", NEW),
            ("　会話を始める　", NEW),
            ("\n/new\n", NEW),
            ("\t残高\r\n", BALANCE),
            // Case of slash commands.
            ("/NEW", NEW),
            ("/New", NEW),
            ("/BALANCE", BALANCE),
            ("/TopUp 5", top(5)),
            ("/MODEL gpt-4o", model("gpt-4o")),
            // Valid top-up arguments.
            ("残高を加える 5000", top(5000)),
            ("残高を加える　５０００", top(5000)),
            ("残高を加える　１０００", top(1000)),
            ("残高を加える5000", top(5000)),
            ("残高を加える 5000。", top(5000)),
            ("残高を加える \n 7", top(7)),
            ("/topup 1,000", top(1000)),
            ("/topup 12,345,678", top(12_345_678)),
            ("/topup ５，０００", top(5000)),
            ("/topup　７", top(7)),
            ("/topup\t\t42\n", top(42)),
            ("/topup 1", top(1)),
            ("/topup 1000000000000", top(MAX_TOP_UP)),
            ("/topup 1,000,000,000,000", top(MAX_TOP_UP)),
            ("残高を加える   ", MISSING),
            ("/topup   ", MISSING),
            // Invalid top-up arguments.
            ("/topup 0", bad("0")),
            ("/topup -5", bad("-5")),
            ("残高を加える-5", bad("-5")),
            ("/topup -0", bad("-0")),
            ("/topup 1.5", bad("1.5")),
            ("/topup abc", bad("abc")),
            ("残高を加える 五千", bad("五千")),
            ("/topup 1,00", bad("1,00")),
            ("/topup 1000,000", bad("1000,000")),
            ("/topup ,100", bad(",100")),
            ("/topup 1,,000", bad("1,,000")),
            ("/topup 1000000000001", bad("1000000000001")),
            ("/topup 99999999999999999999", bad("99999999999999999999")),
            ("/topup 9223372036854775808", bad("9223372036854775808")),
            ("/topup 5000 tokens", bad("5000 tokens")),
            ("/topup 1 000", bad("1 000")),
            ("/topup -", bad("-")),
            // Model names.
            ("モデルを切り替える gpt-4o", model("gpt-4o")),
            (
                "モデルを切り替える　claude-3-5-sonnet",
                model("claude-3-5-sonnet"),
            ),
            ("モデルを切り替えるgpt-4o", model("gpt-4o")),
            ("/model  gpt-4o-mini ", model("gpt-4o-mini")),
            ("/model GPT-4o", model("GPT-4o")),
            ("/model ｇｐｔ－４ｏ", model("gpt-4o")),
            ("/model gpt-4o。", model("gpt-4o")),
            ("/model\nllama 3", model("llama 3")),
            // Sentences containing a phrase, and other non-commands.
            ("会話を始める方法を教えて", None),
            ("残高を見るにはどうすればいい？", None),
            ("新しい会話を始めたい", None),
            ("残高を加えるには？", None),
            ("残高を加える五千", None),
            ("モデルを切り替えるには？", None),
            ("please /new", None),
            ("残高 5000", None),
            ("会話", None),
            ("モデル", None),
            ("new", None),
            ("\\new", None),
            // Empty and whitespace-only.
            ("", None),
            ("   ", None),
            ("\n\t　", None),
            ("。", None),
            ("!?", None),
            // Unknown slash commands, and arguments where none is allowed.
            ("/newx", None),
            ("/new thread", None),
            ("/balance now", None),
            ("/new/balance", None),
            ("/topupx 5", None),
            ("/ new", None),
            ("/", None),
            ("/unknown", None),
        ]
    }

    // Guards against a phrase, alias, form or argument being misread, or a sentence being taken for a command.
    #[test]
    fn parse_table() {
        let cases = table();
        assert_eq!(cases.len(), 105);
        for (text, want) in cases {
            assert_eq!(run(text), want, "{text:?}");
        }
    }

    // Guards against the help table listing a phrase the parser does not run, or running two commands.
    #[test]
    fn every_listed_phrase_runs_its_command() {
        let want = [NEW, BALANCE, MISSING, NO_MODEL];
        assert_eq!(PHRASES.len(), want.len());
        for (phrase, want) in PHRASES.iter().zip(want) {
            assert_eq!(run(phrase.canonical), want, "{}", phrase.canonical);
            for alias in phrase.aliases {
                assert_eq!(run(alias), want, "{alias}");
            }
        }
    }

    // Guards against parse depending on the caller's NFKC for ASCII and half of the punctuation.
    #[test]
    fn identity_fold_still_matches_plain_text() {
        let same = |s: &str| s.to_owned();
        assert_eq!(parse("/new！", same), NEW);
        assert_eq!(parse("残高を見る？", same), BALANCE);
        assert_eq!(parse("/topup 5000", same), top(5000));
        assert_eq!(parse("／ｎｅｗ", same), None);
    }

    // Guards against an invalid top-up showing no sentence, a wrong one, or a whole pasted paragraph.
    #[test]
    fn problem_sentences() {
        let hint = "Type a whole number from 1 to 1,000,000,000,000, like 残高を加える 5000.";
        let cases = [
            ("abc", format!("“abc” is not a whole number of tokens. {hint}")),
            ("五千", format!("“五千” is not a whole number of tokens. {hint}")),
            ("1.5", format!("“1.5” is not a whole number of tokens. {hint}")),
            ("1,00", format!("“1,00” has its commas in the wrong places. {hint}")),
            ("0", format!("“0” is less than 1 token. {hint}")),
            ("-5", format!("“-5” is less than 1 token. {hint}")),
            (
                "1000000000001",
                format!("“1000000000001” is more than 1,000,000,000,000 tokens. {hint}"),
            ),
            (
                "99999999999999999999",
                format!("“99999999999999999999” is more than 1,000,000,000,000 tokens. {hint}"),
            ),
            (
                "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも",
                format!(
                    "“あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほ…” is not a whole number of tokens. {hint}"
                ),
            ),
            ("5000", format!("“5000” can't be added. {hint}")),
        ];
        for (raw, want) in cases {
            assert_eq!(
                TopUpArg::Invalid(raw.to_owned()).problem(),
                Some(want),
                "{raw:?}"
            );
        }
        assert_eq!(TopUpArg::Missing.problem(), None);
        assert_eq!(TopUpArg::Tokens(5000).problem(), None);
    }

    // Guards against the help text drifting from the phrase table or losing the argument names.
    #[test]
    fn help_text() {
        assert_eq!(
            help_lines(Lang::En),
            vec![
                "会話を始める (新しい会話, /new) — start a new thread",
                "残高を見る (残高をみたい, 残高, /balance) — show the token balance",
                "残高を加える [N] (/topup [N]) — add N tokens to the balance",
                "モデルを切り替える [name] (/model [name]) — switch to another model",
            ]
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Every phrase and alias, for building near misses and argument-bearing inputs.
        const WORDS: &[&str] = &[
            "会話を始める",
            "新しい会話",
            "/new",
            "残高を見る",
            "残高をみたい",
            "残高",
            "/balance",
            "残高を加える",
            "/topup",
            "モデルを切り替える",
            "/model",
            "／ｔｏｐｕｐ",
            "ﾓﾃﾞﾙを切り替える",
        ];

        /// Starts that are not `/` nor a Japanese phrase prefix, even after NFKC.
        const HEADS: &[&str] = &[
            "please ",
            "残り",
            "会う",
            "新た",
            "モード",
            "ﾓｰﾄﾞ",
            "\\",
            "new",
            "balance",
            "、",
            "「",
            "x",
            "0",
            "。",
            "!",
            "-",
            "会",
            "残",
            "モ",
            "新",
        ];

        const SPACES: &[&str] = &["", " ", "\n", "　", "\t", "  "];

        const TAILS: &[&str] = &[
            "",
            " 5000",
            "5000",
            "　１，０００",
            " -1",
            " 1.5",
            " 99999999999999999999",
            " gpt-4o",
            "。",
            "！？",
            "には？",
            " ",
            "\u{0}",
            "\u{300}",
        ];

        fn starts_like_a_command(text: &str) -> bool {
            let folded: String = text.nfkc().collect();
            let trimmed = folded.trim();
            ["/", "会話", "新しい", "残高", "モデル"]
                .iter()
                .any(|prefix| trimmed.starts_with(prefix))
        }

        fn near_miss() -> impl Strategy<Value = String> {
            (
                prop::sample::select(SPACES),
                prop::sample::select(HEADS),
                prop::sample::select(WORDS),
                prop::sample::select(TAILS),
                any::<String>(),
            )
                .prop_map(|(space, head, word, tail, rest)| {
                    format!("{space}{head}{word}{tail}{rest}")
                })
        }

        fn phrase_then_anything() -> impl Strategy<Value = String> {
            (
                prop::sample::select(SPACES),
                prop::sample::select(WORDS),
                prop::sample::select(SPACES),
                prop::sample::select(TAILS),
                any::<String>(),
            )
                .prop_map(|(lead, word, gap, tail, rest)| format!("{lead}{word}{gap}{rest}{tail}"))
        }

        /// `n` with commas every three digits.
        fn grouped(n: i64) -> String {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

            // Guards against a message that does not start like a command being swallowed instead of sent to the model.
            #[test]
            fn only_command_starts_parse(text in prop_oneof![any::<String>(), near_miss()]) {
                prop_assume!(!starts_like_a_command(&text));
                prop_assert_eq!(run(&text), None, "{:?}", text);
            }

            // Guards against a panic (bad slicing, overflow) on any input, and out-of-range counts slipping through.
            #[test]
            fn never_panics(text in prop_oneof![any::<String>(), phrase_then_anything()]) {
                match run(&text) {
                    Some(Command::TopUp(TopUpArg::Tokens(n))) => {
                        prop_assert!((1..=MAX_TOP_UP).contains(&n), "{:?} → {}", text, n);
                    }
                    Some(Command::TopUp(arg @ TopUpArg::Invalid(_))) => {
                        prop_assert!(arg.problem().is_some(), "{:?}", text);
                    }
                    Some(Command::SwitchModel(Some(name))) => {
                        prop_assert!(!name.is_empty() && name.trim() == name, "{:?} → {:?}", text, name);
                    }
                    _ => {}
                }
            }

            // Guards against a valid count, plain or comma-grouped, being rejected or misread.
            #[test]
            fn every_valid_count_round_trips(n in 1..=MAX_TOP_UP) {
                prop_assert_eq!(run(&format!("/topup {n}")), top(n));
                prop_assert_eq!(run(&format!("残高を加える {}", grouped(n))), top(n));
                prop_assert_eq!(run(&format!("残高を加える{n}")), top(n));
            }
        }
    }
}
