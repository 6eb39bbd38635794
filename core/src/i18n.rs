//! The UI in English and Japanese: the language, every text the app shows, sentences with
//! numbers and names, and every error sentence the user can see, in both languages.
//!
//! A plain table instead of an i18n crate: the first-load size budget is tight, and two
//! languages need no plural rules beyond `format::count`. English texts are the app's
//! original wording, byte for byte; the error types' `Display` stays the English source.

use crate::commands::{TopUpArg, TopUpFlaw, TopUpProblem, PHRASES};
use crate::context::TooLong;
use crate::export::{ImportError, VERSION};
use crate::format::{self, count};
use crate::ledger::{InvariantViolation, LedgerError, MAX_TOP_UP};
use crate::models::ListError;
use crate::params::{Effort, ParamError};
use crate::persona::PersonaError;
use crate::provider::{as_sentence, CallError, SettingsError, AZURE_API_VERSION};
use crate::records::Missing;
use crate::thread_list::TitleError;

/// The settings key of the chosen language ("en", "ja"); absent: the browser's.
pub const LANGUAGE_KEY: &str = "ui_language";

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// Both languages, in the order the UI lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The language for a browser's language tag (`navigator.language`): Japanese for
    /// `ja` and its regional forms, English for everything else.
    pub fn from_browser(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// The BCP 47 code: `<html lang>`, and the value stored as the user's choice.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language a stored [`Lang::code`] names.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language's own name, as a switch offers it: "English", "日本語".
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    /// The other of the two languages.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ja,
            Lang::Ja => Lang::En,
        }
    }
}

/// Declares [`Key`], [`Key::ALL`] and the texts from one table, so no key can lack a
/// language.
macro_rules! catalog {
    ($($key:ident => $en:expr, $ja:expr;)*) => {
        /// A fixed text of the UI; [`t`] gives it in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $($key,)*
        }

        impl Key {
            /// Every key, for tests that check the whole catalog.
            pub const ALL: &'static [Key] = &[$(Key::$key,)*];
        }

        /// Each key's texts, in the order of [`Key`], then of [`Lang`]: a table costs
        /// the page less code than a `match`.
        const TEXTS: &[[&str; 2]] = &[$([$en, $ja],)*];
    };
}

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    TEXTS[key as usize][lang as usize]
}

catalog! {
    // The header.
    ThreadsToggle => "Threads", "スレッド一覧";
    SwitchUser => "Switch user", "ユーザーを切り替える";
    BalanceTitle => "Your token balance", "トークン残高";
    Data => "Data", "データ";
    Settings => "Settings", "設定";
    SwitchLanguage => "Show the app in Japanese", "英語で表示する";
    ThemeSystem => "Theme: as the system (click for light)", "テーマ：システムに合わせる（クリックでライト）";
    ThemeLight => "Theme: light (click for dark)", "テーマ：ライト（クリックでダーク）";
    ThemeDark => "Theme: dark (click to follow the system)", "テーマ：ダーク（クリックでシステムに合わせる）";
    // The thread list.
    NewThreadButton => "+ New thread", "＋ 新しいスレッド";
    Untitled => "Untitled", "無題";
    CloseThreads => "Close the thread list", "スレッド一覧を閉じる";
    // Above the thread.
    NewThread => "New thread", "新しいスレッド";
    UsedInThread => "Used in this thread", "このスレッドで使ったトークン";
    Conversation => "Conversation", "会話";
    // The empty thread.
    EmptyTitle => "Start a conversation", "会話を始めましょう";
    EmptyHint => "Type a message below. Enter sends, Shift+Enter starts a new line.",
        "下の欄にメッセージを入力してください。Enter で送信、Shift+Enter で改行します。";
    ContextStart => "Exchanges above this line no longer fit in the model's context and were not sent.",
        "この線より上のやりとりはモデルの文脈に収まらないため、送っていません。";
    Copy => "Copy", "コピー";
    Copied => "Copied", "コピーしました";
    WorkerUnavailable => "The export and import part of pocket-chat could not be loaded. Check the connection, reload the page and try again. Nothing was changed.", "pocket-chat のエクスポートとインポートの部分を読み込めませんでした。接続を確かめ、ページを再読み込みしてもう一度お試しください。何も変更していません。";
    NotUpgraded => "pocket-chat could not update the data an earlier version kept in this browser, so it saves nothing for now. Check the connection and reload the page; nothing is lost.", "以前のバージョンがこのブラウザーに保存したデータを更新できなかったため、今は何も保存しません。接続を確かめてページを再読み込みしてください。何も失われていません。";
    RendererUnavailable => "Some replies show as plain text: the part of pocket-chat that formats them could not be loaded. Check the connection and reload the page; nothing is lost.",
        "一部の返信を書式なしで表示しています。返信を整形する部分を読み込めませんでした。接続を確かめてページを再読み込みしてください。何も失われていません。";
    // The controls of an exchange and its versions.
    CopyPrompt => "Copy the prompt", "プロンプトをコピー";
    CopyReply => "Copy the reply (Markdown)", "返答をコピー（Markdown）";
    EditPrompt => "Edit", "編集";
    EditLabel => "Edit the prompt, then send it as a new version", "プロンプトを編集して、新しいバージョンとして送信";
    Regenerate => "Regenerate", "再生成";
    PreviousVersion => "Previous version", "前のバージョン";
    NextVersion => "Next version", "次のバージョン";
    DeleteVersion => "Delete this version and what followed it", "このバージョンと、それに続くやり取りを削除";
    VersionDeleted => "The version was deleted. The tokens it used stay in your usage.", "バージョンを削除しました。使ったトークンは使用量に残ります。";
    // The composer.
    MessageLabel => "Message", "メッセージ";
    ComposerPlaceholder => "Message pocket-chat", "pocket-chat にメッセージを送る";
    Send => "Send", "送信";
    Stop => "Stop", "停止";
    // The notice line.
    Dismiss => "Dismiss", "閉じる";
    // Settings.
    Provider => "Provider", "プロバイダー";
    ProviderOpenAi => "OpenAI", "OpenAI";
    ProviderAzure => "Azure OpenAI", "Azure OpenAI";
    ProviderCompatible => "OpenAI-compatible (Ollama, LM Studio, vLLM, …)",
        "OpenAI 互換（Ollama、LM Studio、vLLM など）";
    ApiKey => "API key", "API キー";
    Optional => "optional", "任意";
    Clear => "Clear", "消去";
    BaseUrl => "Base URL", "ベース URL";
    Endpoint => "Endpoint", "エンドポイント";
    Model => "Model", "モデル";
    ListModels => "List the endpoint's models", "エンドポイントのモデルを一覧にする";
    Model1 => "Model 1", "モデル 1";
    Model2 => "Model 2", "モデル 2";
    Deployment1 => "Deployment of model 1", "モデル 1 のデプロイ名";
    Deployment2 => "Deployment of model 2", "モデル 2 のデプロイ名";
    DeploymentPlaceholder => "deployment", "デプロイ名";
    Parameters => "Parameters", "パラメーター";
    Temperature => "Temperature", "温度 (temperature)";
    TopP => "Top-p", "トップ P (top-p)";
    ReplyCap => "Reply cap (tokens)", "返信の上限（トークン）";
    ReasoningEffort => "Reasoning effort", "推論の深さ";
    ProviderDefault => "Provider's default", "プロバイダーの既定";
    ParamsHint => "Empty fields use the provider's default. OpenAI's reasoning models (o-series, gpt-5) take no temperature or top-p, and only they take an effort; those fields are left out for them.",
        "空欄はプロバイダーの既定値になります。OpenAI の推論モデル（o シリーズ、gpt-5）には温度と top-p を送らず、推論の深さはそれらのモデルにだけ送ります。";
    Thinking => "Thinking", "思考";
    // The thread bar and the thread list.
    RenameThread => "Rename", "名前を変更";
    RenameLabel => "The thread's name (Enter saves, Escape keeps the old one)", "スレッドの名前（Enter で保存、Escape で元のまま）";
    PinThread => "Pin", "ピン留め";
    UnpinThread => "Unpin", "ピン留めを外す";
    Pinned => "Pinned", "ピン留め中";
    ExportThread => "Export .md", ".md で書き出す";
    ExportThreadLabel => "Download this thread as a Markdown file", "このスレッドを Markdown ファイルとしてダウンロード";
    FilterThreads => "Filter threads", "スレッドを絞り込む";
    NoThreadMatches => "No thread title has those words.", "その言葉を含む名前のスレッドはありません。";
    SearchLabel => "Search everything you said or were told (Ctrl+K)", "これまでのメッセージをすべて検索（Ctrl+K）";
    SearchPlaceholder => "Search messages (Ctrl+K)", "メッセージを検索（Ctrl+K）";
    SearchResults => "Search results", "検索結果";
    NoSearchResults => "Nothing you said or were told has all of those words. Check the spelling, or use fewer words.", "その言葉をすべて含むメッセージはありません。綴りを確かめるか、言葉を減らしてください。";
    TitleMatch => "In the thread's name", "スレッド名に一致";
    Personas => "Personas", "ペルソナ";
    PersonasHint => "A persona is a system prompt: what the model is told before every message of a thread. Each thread has one; a new thread starts with the default.", "ペルソナはシステムプロンプト、つまりスレッドのすべてのメッセージの前にモデルへ伝える内容です。スレッドごとに一つ選べ、新しいスレッドは既定のペルソナで始まります。";
    PersonaName => "Name", "名前";
    PersonaText => "What the model is told", "モデルに伝える内容";
    DefaultPersona => "Default for new threads", "新しいスレッドの既定";
    AddPersona => "Add a persona", "ペルソナを追加";
    RemovePersona => "Remove", "削除";
    NoPersona => "No persona", "ペルソナなし";
    PersonaLabel => "Persona of this thread", "このスレッドのペルソナ";
    AdoptedPersona => "Default", "既定";
    TopUpPin => "Top-up PIN", "追加用 PIN";
    PinHint => "When set, adding tokens and deleting users ask for it. A soft guard for a shared family or classroom browser, not a lock: anyone with the browser's developer tools can get around it.",
        "設定すると、トークンの追加とユーザーの削除のときに入力を求めます。家族や教室で共有するブラウザー向けの簡単な歯止めで、鍵ではありません。ブラウザーの開発者ツールを使えば回避できます。";
    StreamReplies => "Stream replies as they are written", "返信を書かれるそばから表示する";
    KeyHint => "The key is kept in this browser and sent only to the address above.",
        "キーはこのブラウザーに保存され、上のアドレスにだけ送られます。";
    Save => "Save", "保存";
    TestConnection => "Test connection", "接続をテスト";
    // Settings' sync.
    SyncTitle => "Sync between devices", "端末間の同期";
    SyncUrl => "CouchDB database URL", "CouchDB データベースの URL";
    SyncUser => "User name", "ユーザー名";
    SyncPassword => "Password", "パスワード";
    SyncNow => "Sync now", "今すぐ同期";
    Syncing => "Syncing…", "同期中…";
    SyncNever => "Not synced yet on this device.", "この端末ではまだ同期していません。";
    SyncHint => "This user's threads, payments, personas and models sync with this CouchDB database; API keys, the PIN and provider settings stay here. Empty: no sync.",
        "このユーザーのスレッド、支払い、ペルソナ、モデルをこの CouchDB データベースと同期します。API キー、PIN、プロバイダーの設定はこの端末に残ります。空欄なら同期しません。";
    Close => "Close", "閉じる";
    SettingsSaved => "Settings saved.", "設定を保存しました。";
    Testing => "Testing…", "テスト中…";
    BothModels => "Enter a name for both models.", "両方のモデルの名前を入力してください。";
    // The data panel.
    YourData => "Your data", "データ";
    DataHint => "Everything stays in this browser. Export a file to keep a copy or to move to another browser.",
        "データはすべてこのブラウザーの中にあります。控えを残したり別のブラウザーへ移したりするには、ファイルにエクスポートしてください。";
    ExportEverything => "Export everything", "すべてエクスポート";
    ExportThisUser => "Export this user", "このユーザーをエクスポート";
    IncludeKeys => "Include API keys", "API キーも含める";
    ImportFile => "Import a file…", "ファイルをインポート…";
    ImportHintMerge => "Merge adds its users next to yours and keeps your settings. ",
        "「統合」はファイルのユーザーを今のユーザーに加え、設定はそのままにします。";
    ImportHintReplace => "Replace deletes what is here first (for a one-user file, only that user).",
        "「置き換え」は先にここのデータを削除します（1 人分のファイルなら、そのユーザーだけ）。";
    Merge => "Merge", "統合";
    Replace => "Replace", "置き換え";
    Cancel => "Cancel", "キャンセル";
    DownloadBlocked => "The browser did not allow the download. Allow downloads for this site and try again.",
        "ブラウザーがダウンロードを許可しませんでした。このサイトのダウンロードを許可してから、もう一度試してください。";
    FileUnreadable => "This file could not be read. Choose the file again.",
        "このファイルを読めませんでした。もう一度ファイルを選んでください。";
    // The users panel.
    WhoIsChatting => "Who is chatting?", "だれが使いますか？";
    UsersHint => "Each person has their own threads, models and token balance in this browser.",
        "このブラウザーでは、人ごとにスレッド、モデル、トークン残高が分かれています。";
    NewName => "New name", "新しい名前";
    Switch => "Switch", "切り替え";
    Rename => "Rename", "名前を変更";
    Delete => "Delete", "削除";
    NewUser => "New user", "新しいユーザー";
    NamePlaceholder => "Name", "名前";
    AddUser => "Add user", "ユーザーを追加";
    Pin => "PIN", "PIN";
    EnterNewUserName => "Enter a name for the new user.", "新しいユーザーの名前を入力してください。";
    EmptyName => "A name cannot be empty.", "名前は空にできません。";
    WrongPin => "That PIN is not right. Ask whoever set it, then try again.",
        "PIN が違います。設定した人に確かめてから、もう一度試してください。";
    TheUser => "the user", "ユーザー";
    DefaultUserName => "You", "あなた";
    // The top-up form and commands.
    TokensToAdd => "Tokens to add", "追加するトークン数";
    AmountPaid => "Amount paid (optional)", "支払った金額（任意）";
    AddTokens => "Add tokens", "トークンを追加";
    TypeTokenCount => "Type the number of tokens to add.", "追加するトークン数を入力してください。";
    BadAmount => "The amount paid must be a number of 0 or more, or left empty.",
        "支払った金額は 0 以上の数にするか、空のままにしてください。";
    StartedThread => "Started a new thread. The next message begins a fresh context.",
        "新しいスレッドを始めました。次のメッセージから新しい文脈になります。";
    EnterPinToAdd => "Enter the top-up PIN to add the tokens.", "トークンを追加するには、追加用 PIN を入力してください。";
    AskTopUp => "How many tokens, and what was paid? Fill in the form below.",
        "何トークン追加し、いくら支払いましたか？ 下のフォームに入力してください。";
    // Chat.
    StillOpeningSend => "pocket-chat is still opening its storage. Send again in a moment.",
        "pocket-chat は保存領域を開いているところです。少ししてからもう一度送ってください。";
    StillOpeningTry => "pocket-chat is still opening its storage. Try again in a moment.",
        "pocket-chat は保存領域を開いているところです。少ししてからもう一度試してください。";
    UserGone => "This user no longer exists. Reload the page.",
        "このユーザーはもう存在しません。ページを再読み込みしてください。";
    StoppedBeforeReply => "Stopped before the reply began. Your message is back in the box.",
        "返信が始まる前に停止しました。メッセージは入力欄に戻してあります。";
    OfflineNotice => "You are offline. Your chats are all here, and a model on this computer still answers; others answer once the connection is back.",
        "オフラインです。チャットはすべて残っています。このコンピューター上のモデルには送れます。ほかのモデルには接続が戻れば送れます。";
    UpdateReady => "A new version of pocket-chat is ready. Reload to use it; what you typed stays in the box.",
        "pocket-chat の新しいバージョンの準備ができました。再読み込みすると切り替わります。入力中の文章はそのまま残ります。";
    UpdateAfterReply => "Reload once the reply has finished.", "返信が終わってから再読み込みできます。";
    ReloadNow => "Reload", "再読み込み";
    UpgradeBlocked => "pocket-chat is open in another tab that keeps it from updating its storage. Close the other pocket-chat tabs (or reload them); this page then continues by itself.",
        "別のタブで開いている pocket-chat が、保存領域の更新を妨げています。ほかの pocket-chat のタブを閉じる（または再読み込みする）と、このページは自動で続きます。";
    UpdatedElsewhere => "pocket-chat was updated in another tab. Reload this page to keep working; nothing you saved is lost.",
        "別のタブで pocket-chat が更新されました。続けるには、このページを再読み込みしてください。保存したものは失われていません。";
    // The first-run card.
    WelcomeTitle => "Welcome to pocket-chat", "pocket-chat へようこそ";
    WelcomeIntro => "Chat with OpenAI, Azure OpenAI or a compatible server using your own API key. Everything stays in this browser; you start with 100 free tokens.",
        "自分の API キーで OpenAI、Azure OpenAI、または互換サーバーとチャットできます。データはすべてこのブラウザーの中に残ります。最初に 100 トークンが無料で付きます。";
    YourName => "Your name", "あなたの名前";
    WelcomeMore => "Models, deployments and more are in Settings, any time.",
        "モデルやデプロイ名などは、いつでも設定で変えられます。";
    StartChatting => "Start chatting", "チャットを始める";
    EnterBaseUrl => "Enter the server's address, such as http://localhost:11434/v1.",
        "サーバーのアドレス（http://localhost:11434/v1 など）を入力してください。";
    Later => "Later", "あとで";
}

impl Key {
    /// This key's text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        t(lang, self)
    }
}

/// `5100` → "5,100 tokens" / "5,100 トークン".
pub fn tokens(lang: Lang, n: i64) -> String {
    match lang {
        Lang::En => format!("{} tokens", format::tokens(n)),
        Lang::Ja => format!("{} トークン", format::tokens(n)),
    }
}

/// [`tokens`] for a count that cannot be negative.
pub fn tokens_u(lang: Lang, n: u64) -> String {
    tokens(lang, i64::try_from(n).unwrap_or(i64::MAX))
}

/// The model button's title: what a click does.
pub fn switch_to_model(lang: Lang, model: &str) -> String {
    match lang {
        Lang::En => format!("Switch to {model}"),
        Lang::Ja => format!("{model} に切り替える"),
    }
}

/// The label of a thread's delete button.
pub fn delete_thread(lang: Lang, title: &str) -> String {
    match lang {
        Lang::En => format!("Delete thread “{title}”"),
        Lang::Ja => format!("スレッド「{title}」を削除"),
    }
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

/// Above an exchange being sent, when older ones were left out of the context.
pub fn omitted_note(lang: Lang, omitted: usize) -> String {
    match lang {
        Lang::En => format!(
            "{omitted} older exchanges were left out: they do not fit in the model's context."
        ),
        Lang::Ja => {
            format!("古いやりとり {omitted} 件は、モデルの文脈に収まらないため送っていません。")
        }
    }
}

/// The button that asks the user's other model again.
pub fn regenerate_with(lang: Lang, model: &str) -> String {
    match lang {
        Lang::En => format!("Ask {model}"),
        Lang::Ja => format!("{model} で再生成"),
    }
}

/// What the version switcher says to a screen reader: which version of how many.
pub fn version_of(lang: Lang, position: usize, count: usize) -> String {
    match lang {
        Lang::En => format!("Version {position} of {count}"),
        Lang::Ja => format!("{count} 件中 {position} 番目のバージョン"),
    }
}

/// The button above the exchanges on screen, when older ones of a long thread are not;
/// with how many.
pub fn earlier_exchanges(lang: Lang, n: usize) -> String {
    let n = format::tokens(i64::try_from(n).unwrap_or(i64::MAX));
    match lang {
        Lang::En => format!("Show earlier messages ({n} more)"),
        Lang::Ja => format!("前のメッセージを表示（あと {n} 件）"),
    }
}

/// The button below the exchanges on screen, when newer ones are not (scrolled back).
pub fn later_exchanges(lang: Lang, n: usize) -> String {
    let n = format::tokens(i64::try_from(n).unwrap_or(i64::MAX));
    match lang {
        Lang::En => format!("Show newer messages ({n} more)"),
        Lang::Ja => format!("新しいメッセージを表示（あと {n} 件）"),
    }
}

/// Under a reply that was stopped or cut off.
pub fn stopped_note(lang: Lang, total: u64) -> String {
    match lang {
        Lang::En => format!("Stopped early · about {total} tokens (estimated)"),
        Lang::Ja => format!("途中で停止 · 約 {total} トークン（推定）"),
    }
}

/// Under a reply the provider sent no usage for.
pub fn estimated_note(lang: Lang, total: u64) -> String {
    match lang {
        Lang::En => format!("About {total} tokens (estimated: the provider sent no usage)"),
        Lang::Ja => format!("約 {total} トークン（推定：プロバイダーが使用量を返しませんでした）"),
    }
}

/// A new build's install was refused: the site sent something else for its file `file`
/// (the path on the site); `kept`: a version installed before stays, offline too.
pub fn update_refused(lang: Lang, file: &str, kept: bool) -> String {
    match (lang, kept) {
        (Lang::En, true) => format!("pocket-chat could not install its new version: the site sent something other than the file {file}. The version you have stays, and works offline as before."),
        (Lang::En, false) => format!("pocket-chat could not save itself for use offline: the site sent something other than the file {file}. It works while you are online."),
        (Lang::Ja, true) => format!("pocket-chat の新しいバージョンをインストールできませんでした。サイトがファイル {file} の代わりに別のものを送ってきました。今のバージョンがそのまま残り、これまでどおりオフラインでも使えます。"),
        (Lang::Ja, false) => format!("pocket-chat をオフライン用に保存できませんでした。サイトがファイル {file} の代わりに別のものを送ってきました。オンラインのあいだは使えます。"),
    }
}

/// A thread was offered as a Markdown download.
pub fn thread_exported(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("The thread was saved as {name}."),
        Lang::Ja => format!("スレッドを {name} として保存しました。"),
    }
}

/// Under a reply whose usage counted reasoning tokens.
pub fn reasoning_note(lang: Lang, total: u64, reasoning: u64) -> String {
    match lang {
        Lang::En => format!("{total} tokens, {reasoning} of them reasoning"),
        Lang::Ja => format!("{total} トークン（うち推論 {reasoning}）"),
    }
}

/// An effort's name in the effort list.
pub fn effort_name(lang: Lang, effort: Effort) -> &'static str {
    match (lang, effort) {
        (Lang::En, e) => e.name(),
        (Lang::Ja, Effort::Minimal) => "最小 (minimal)",
        (Lang::Ja, Effort::Low) => "低 (low)",
        (Lang::Ja, Effort::Medium) => "中 (medium)",
        (Lang::Ja, Effort::High) => "高 (high)",
    }
}

/// "Test connection" worked.
pub fn connection_works(lang: Lang, model: &str, provider: &str) -> String {
    match lang {
        Lang::En => format!("Connection works: {model} answered through {provider}."),
        Lang::Ja => format!("接続できました。{provider} 経由で {model} が応答しました。"),
    }
}

/// A model list that arrived: "The endpoint lists 3 models; pick one or type its name."
pub fn models_listed(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!(
            "The endpoint lists {}; pick one or type its name.",
            count(n, "model")
        ),
        Lang::Ja => {
            format!("エンドポイントには {n} 個のモデルがあります。選ぶか、名前を入力してください。")
        }
    }
}

/// The counts of an export file or an import, in a language: "1 user, 2 threads".
fn counted(lang: Lang, n: usize, noun: Noun) -> String {
    match lang {
        Lang::En => count(n, noun.en()),
        Lang::Ja => format!("{} {n} {}", noun.ja(), noun.counter()),
    }
}

/// The records an export holds.
#[derive(Debug, Clone, Copy)]
enum Noun {
    User,
    Thread,
    Message,
    Payment,
}

impl Noun {
    fn en(self) -> &'static str {
        match self {
            Noun::User => "user",
            Noun::Thread => "thread",
            Noun::Message => "message",
            Noun::Payment => "payment",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Noun::User => "ユーザー",
            Noun::Thread => "スレッド",
            Noun::Message => "メッセージ",
            Noun::Payment => "支払い",
        }
    }

    fn counter(self) -> &'static str {
        match self {
            Noun::User => "人",
            _ => "件",
        }
    }

    /// A record type as export and storage errors name it ("user", "messages").
    fn from_store(store: &str) -> Option<Noun> {
        match store.trim_end_matches('s') {
            "user" => Some(Noun::User),
            "thread" => Some(Noun::Thread),
            "message" => Some(Noun::Message),
            "payment" => Some(Noun::Payment),
            _ => None,
        }
    }
}

/// A store's name in Japanese, or as given when it is not a record type.
fn store_ja(store: &str) -> String {
    match Noun::from_store(store) {
        Some(noun) => noun.ja().to_owned(),
        None if store == "settings" => "設定".to_owned(),
        None if store == "branch" => "ブランチ".to_owned(),
        None => store.to_owned(),
    }
}

/// The import confirmation: what a chosen file holds.
pub fn file_holds(
    lang: Lang,
    users: usize,
    threads: usize,
    messages: usize,
    payments: usize,
) -> String {
    let [u, t, m, p] = [
        counted(lang, users, Noun::User),
        counted(lang, threads, Noun::Thread),
        counted(lang, messages, Noun::Message),
        counted(lang, payments, Noun::Payment),
    ];
    match lang {
        Lang::En => format!("This file holds {u}, {t}, {m} and {p}."),
        Lang::Ja => format!("このファイルには{u}、{t}、{m}、{p}が入っています。"),
    }
}

/// After an export: what went into which file.
pub fn exported(lang: Lang, users: usize, threads: usize, messages: usize, file: &str) -> String {
    let [u, t, m] = [
        counted(lang, users, Noun::User),
        counted(lang, threads, Noun::Thread),
        counted(lang, messages, Noun::Message),
    ];
    match lang {
        Lang::En => format!("Exported {u}, {t} and {m} to {file}."),
        Lang::Ja => format!("{u}、{t}、{m}を {file} にエクスポートしました。"),
    }
}

/// After an import: what it wrote.
pub fn imported(
    lang: Lang,
    users: usize,
    threads: usize,
    messages: usize,
    payments: usize,
) -> String {
    let [u, t, m, p] = [
        counted(lang, users, Noun::User),
        counted(lang, threads, Noun::Thread),
        counted(lang, messages, Noun::Message),
        counted(lang, payments, Noun::Payment),
    ];
    match lang {
        Lang::En => format!("Imported {u}, {t}, {m} and {p}."),
        Lang::Ja => format!("{u}、{t}、{m}、{p}をインポートしました。"),
    }
}

/// After creating a user.
pub fn welcome_user(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Welcome, {name}: you start with 100 tokens."),
        Lang::Ja => format!("ようこそ、{name} さん。100 トークンから始められます。"),
    }
}

/// The question before deleting a user.
pub fn delete_user_question(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Delete {name} and all their threads, messages and payments?"),
        Lang::Ja => format!("{name} と、そのスレッド・メッセージ・支払いをすべて削除しますか？"),
    }
}

/// After deleting a user; `None` when their name was not known.
pub fn deleted_user(lang: Lang, name: Option<&str>) -> String {
    let name = name.unwrap_or(t(lang, Key::TheUser));
    match lang {
        Lang::En => format!("Deleted {name} with all their threads, messages and payments."),
        Lang::Ja => format!("{name} を、そのスレッド・メッセージ・支払いとともに削除しました。"),
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
            tokens(lang, balance),
            tokens_u(lang, in_thread),
            tokens_u(lang, in_total)
        ),
        Lang::Ja => format!(
            "残高：{}。このスレッドで使った分：{}、全スレッドで：{}。",
            tokens(lang, balance),
            tokens_u(lang, in_thread),
            tokens_u(lang, in_total)
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
            tokens(lang, added),
            tokens(lang, balance)
        ),
        Lang::Ja => format!(
            "{}を追加しました。残高：{}。",
            tokens(lang, added),
            tokens(lang, balance)
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

/// A sentence the user may see, in either language.
pub trait Localize {
    /// The sentence in `lang`.
    fn localize(&self, lang: Lang) -> String;
}

impl Localize for Key {
    fn localize(&self, lang: Lang) -> String {
        t(lang, *self).to_owned()
    }
}

/// [`LedgerError`] in `lang`.
pub fn localize_ledger(lang: Lang, err: &LedgerError) -> String {
    if lang == Lang::En {
        return err.to_string();
    }
    match err {
        LedgerError::InsufficientBalance { balance, needed } => format!(
            "残高 {} では、このメッセージ（文脈を含めて約 {}）を送れません。残高を加える（または /topup）でトークンを追加してから、もう一度送ってください。",
            tokens(lang, *balance),
            tokens_u(lang, *needed)
        ),
        LedgerError::InvalidTopUp { given } => format!(
            "追加できるのは 1 から {} までの整数のトークン数です。{given} は追加できません。",
            format::tokens(MAX_TOP_UP)
        ),
        LedgerError::Overflow => {
            "この追加では、残高が pocket-chat で数えられる上限を超えます。もっと少ない数にしてください。"
                .to_owned()
        }
    }
}

/// [`InvariantViolation`] in `lang`.
pub fn localize_invariant(lang: Lang, err: &InvariantViolation) -> String {
    match lang {
        Lang::En => err.to_string(),
        Lang::Ja => format!(
            "保存されている残高 {} が、履歴から計算した {} と一致しません。データをエクスポートして、この問題を報告してください。",
            tokens(lang, err.stored),
            tokens(lang, err.expected)
        ),
    }
}

/// [`ImportError`] in `lang`.
pub fn localize_import(lang: Lang, err: &ImportError) -> String {
    if lang == Lang::En {
        return err.to_string();
    }
    const NOTHING: &str = "何もインポートしていません。";
    const DAMAGED: &str = "このエクスポートは壊れています：";
    // The import confirmation counts no branches, so `store_ja` does not name them.
    let store_name = |store: &str| match store {
        "branch" => "ブランチ".to_owned(),
        _ => store_ja(store),
    };
    match err {
        ImportError::NotJson { line, column } => format!(
            "このファイルは正しい JSON ではありません（{line} 行 {column} 列）。途中で切れている可能性があります。{NOTHING}"
        ),
        ImportError::NotAnExport => {
            format!("このファイルは pocket-chat のエクスポートではありません。{NOTHING}")
        }
        ImportError::TooNew { found } => format!(
            "このエクスポートは新しい pocket-chat で書き出されています（ファイルのバージョン {found}、このアプリが読めるのは {VERSION} まで）。pocket-chat を更新してから、もう一度インポートしてください。{NOTHING}"
        ),
        ImportError::BadVersion => {
            format!("{DAMAGED}バージョンがないか、正の数ではありません。{NOTHING}")
        }
        // The JSON reader's own wording: a technical detail, quoted as it is.
        ImportError::Malformed { detail } => {
            format!("{DAMAGED}読めない項目があります（{detail}）。{NOTHING}")
        }
        ImportError::MissingId { store } => {
            format!("{DAMAGED}id のない{}レコードがあります。{NOTHING}", store_name(store))
        }
        ImportError::DuplicateId { store, id } => format!(
            "{DAMAGED}2 件の{}レコードが同じ id {id} を使っています。{NOTHING}",
            store_name(store)
        ),
        ImportError::UnknownUser { store, user_id } => format!(
            "{DAMAGED}{}レコードが、ファイルにないユーザー {user_id} のものになっています。{NOTHING}",
            store_name(store)
        ),
        ImportError::UnknownThread {
            message_id,
            thread_id,
        } => format!(
            "{DAMAGED}メッセージ {message_id} が、ファイルにないか別のユーザーのスレッド {thread_id} のものになっています。{NOTHING}"
        ),
        ImportError::BranchThread {
            branch_id,
            thread_id,
        } => format!(
            "{DAMAGED}ブランチ {branch_id} が、ファイルにないか別のユーザーのスレッド {thread_id} のものになっています。{NOTHING}"
        ),
        ImportError::Tree { thread_id, problem } => format!(
            "{DAMAGED}スレッド {thread_id} で、{}。{NOTHING}",
            tree_ja(problem)
        ),
        ImportError::NegativePayment { payment_id } => format!(
            "{DAMAGED}支払い {payment_id} の金額またはトークン数が負の値です。{NOTHING}"
        ),
        ImportError::BalanceMismatch {
            user_id,
            stored,
            expected,
        } => format!(
            "{DAMAGED}ユーザー {user_id} の残高は {} ですが、履歴からは {} になります。{NOTHING}",
            tokens(lang, *stored),
            tokens(lang, *expected)
        ),
        ImportError::OutsideScope { user_id } => format!(
            "このエクスポートはユーザー {user_id} だけのものですが、ほかのユーザーのレコードが入っています。{NOTHING}"
        ),
        ImportError::UserExists { user_id } => format!(
            "id が {user_id} のユーザーがすでにここにいます。上書きするなら「置き換え」を選ぶか、先にそのユーザーを削除してください。{NOTHING}"
        ),
        ImportError::Taken { store, id } => format!(
            "id が {id} の{}はすでにここにあります。このファイル（またはその一部）は前にインポートされています。上書きするなら「置き換え」を選んでください。{NOTHING}",
            store_ja(store)
        ),
    }
}

/// What is wrong with an imported version tree, in Japanese (`TreeError`'s `Display` is
/// English), without a final 。: [`localize_import`] ends the sentence.
fn tree_ja(problem: &crate::tree::TreeError) -> String {
    use crate::tree::TreeError;
    match problem {
        TreeError::NoRoot { thread_id } => {
            format!("スレッド {thread_id} に最初のブランチがありません")
        }
        TreeError::ForeignParent { branch_id, from } => format!(
            "ブランチ {branch_id} の分かれ元のブランチ {from} が、このスレッドにありません"
        ),
        TreeError::Cycle { branch_id } => format!(
            "ブランチ {branch_id} が、ほかのブランチを経て自分自身から分かれています"
        ),
        TreeError::BadDepth { branch_id } => {
            format!("ブランチ {branch_id} が、分かれ元のブランチより前から始まっています")
        }
        TreeError::BadCut { branch_id } => {
            format!("ブランチ {branch_id} が、最初のやり取りより前で削除されています")
        }
        TreeError::UnknownPath { branch_id } => {
            format!("スレッドが表示するブランチ {branch_id} が、このスレッドにありません")
        }
        TreeError::Misplaced { message_id, branch } => format!(
            "メッセージ {message_id} のブランチ {branch} が、このスレッドにないか、その深さまで届いていません"
        ),
        TreeError::SamePlace {
            first,
            second,
            branch,
            depth,
        } => format!(
            "メッセージ {first} と {second} が、どちらもブランチ {branch} の深さ {depth} にあります"
        ),
    }
}

/// [`SettingsError`] in `lang`.
pub fn localize_settings(lang: Lang, err: &SettingsError) -> String {
    if lang == Lang::En {
        return err.to_string();
    }
    match err {
        SettingsError::MissingKey => {
            "設定で API キーを入力すると、チャットを始められます。".to_owned()
        }
        SettingsError::BadUrl(url) => format!(
            "「{url}」はウェブアドレスではありません。https://（このコンピューター上のサーバーなら http://）で始まるアドレスを入力してください。"
        ),
        SettingsError::MissingEndpoint => {
            "設定で Azure OpenAI のエンドポイント（https://NAME.openai.azure.com など）を入力してください。"
                .to_owned()
        }
        SettingsError::MissingApiVersion => format!(
            "設定で Azure の api-version（{AZURE_API_VERSION} など）を入力してください。"
        ),
        SettingsError::MissingModel => "設定でモデルを選んでください。".to_owned(),
    }
}

/// [`CallError`] in `lang`. Details the provider sent are quoted as they are.
pub fn localize_call(lang: Lang, err: &CallError) -> String {
    if lang == Lang::En {
        return err.to_string();
    }
    match err {
        CallError::KeyRejected { status } => format!(
            "プロバイダーが API キーを拒否しました（HTTP {status}）。設定でキーを確認してください。"
        ),
        CallError::NotFound { model, deployment } => format!(
            "プロバイダーに「{model}」というモデルまたはデプロイがありません（HTTP 404）。設定でモデル名{}を確認してください。",
            if *deployment { "とそのデプロイ名" } else { "" }
        ),
        CallError::RateLimited { retry_after } => {
            let wait = match retry_after {
                Some(seconds) => format!("{seconds} 秒待ってください。"),
                None => "しばらく待ってください。".to_owned(),
            };
            format!(
                "プロバイダーのレート制限に達しました（HTTP 429）。{wait}メッセージは残してあるので、そのあとでもう一度送ってください。"
            )
        }
        CallError::QuotaExhausted => {
            "プロバイダーのアカウントにクォータが残っていません（HTTP 429）。プロバイダーでプランと支払い状況を確認してください。"
                .to_owned()
        }
        CallError::BadRequest { detail } => format!(
            "プロバイダーがリクエストを拒否しました（HTTP 400）：{} モデルと設定を確認して、もう一度送ってください。",
            detail
                .as_deref()
                .map_or_else(|| "理由は示されていません。".to_owned(), as_sentence)
        ),
        CallError::Timeout => {
            "プロバイダーの応答に時間がかかりすぎました（HTTP 408）。もう一度送ってください。"
                .to_owned()
        }
        CallError::ProviderDown { status } => format!(
            "プロバイダー側でエラーが起きました（HTTP {status}）。しばらくしてから、もう一度試してください。"
        ),
        CallError::Unexpected { status, detail } => match detail {
            Some(said) => format!("プロバイダーが HTTP {status} で応答しました：{said}"),
            None => format!("プロバイダーが HTTP {status} で応答しました。"),
        },
        CallError::Unreachable => {
            "エンドポイントに接続できませんでした。ネットワーク接続と、設定のアドレスを確認してください。別のサイトのサーバーは、このページからのアクセスを許可（CORS）している必要があります。"
                .to_owned()
        }
        CallError::Malformed => {
            "プロバイダーから、pocket-chat が読めない応答が届きました。もう一度試してください。繰り返し起きる場合は、設定のエンドポイントを確認してください。"
                .to_owned()
        }
        CallError::StreamCut => {
            "返信が途中で切れました。届いた部分は残してあります。もう一度送ると再試行できます。"
                .to_owned()
        }
        CallError::InStream { detail } => format!(
            "返信の途中でプロバイダーがエラーを報告しました：{}",
            detail.as_deref().unwrap_or("理由は示されていません")
        ),
        CallError::Stalled { seconds } => format!(
            "プロバイダーから {seconds} 秒間何も届かなかったため、待つのをやめました。届いた部分は残してあります。もう一度送ると再試行できます。"
        ),
        CallError::Offline => {
            "このブラウザーはオフラインのため、メッセージを送りませんでした。入力欄に残してあるので、接続が戻ったらもう一度送ってください。"
                .to_owned()
        }
    }
}

/// [`TooLong`] in `lang`.
pub fn localize_too_long(lang: Lang, err: &TooLong) -> String {
    match lang {
        Lang::En => err.to_string(),
        Lang::Ja => format!(
            "このメッセージは {} には長すぎます（約 {}。このモデルが返信のほかに受け取れるのは {} です）。短くするか、分けて送ってください。",
            err.model,
            tokens_u(lang, err.estimate),
            tokens_u(lang, err.room)
        ),
    }
}

/// [`TopUpArg::problem`] in `lang`: what is wrong with the typed count and what to type.
pub fn localize_top_up_problem(lang: Lang, arg: &TopUpArg) -> Option<String> {
    arg.fault().map(|problem| problem.localize(lang))
}

/// [`TopUpProblem`] in `lang`.
pub fn localize_top_up(lang: Lang, problem: &TopUpProblem) -> String {
    if lang == Lang::En {
        return problem.to_string();
    }
    let what = match problem.flaw {
        Some(TopUpFlaw::NotWhole) => "はトークン数として整数ではありません。",
        Some(TopUpFlaw::Grouping) => "はカンマの位置が正しくありません。",
        Some(TopUpFlaw::NotPositive) => "は 1 トークン未満です。",
        Some(TopUpFlaw::TooLarge) => "は 1,000,000,000,000 トークンを超えています。",
        None => "は追加できません。",
    };
    format!(
        "「{}」{what}1 から 1,000,000,000,000 までの整数を、「残高を加える 5000」のように入力してください。",
        problem.quoted
    )
}

/// A browser-side storage failure, as facts: the storage error type lives in the browser
/// crate, so it hands its facts here to be put in Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageProblem<'a> {
    Unavailable,
    QuotaExceeded,
    Corrupt {
        store: &'a str,
        detail: &'a str,
    },
    /// What is gone.
    NotFound(Missing),
    InvalidAmount,
    Backend(&'a str),
}

/// A storage failure in Japanese (the English is the storage error's `Display`).
pub fn storage_ja(problem: StorageProblem<'_>) -> String {
    match problem {
        StorageProblem::Unavailable => {
            "このブラウザーでは pocket-chat がデータを保存できません（一部のプライベートウィンドウのように、IndexedDB が使えません）。チャットを残すには、通常のウィンドウで pocket-chat を開いてください。"
                .to_owned()
        }
        StorageProblem::QuotaExceeded => {
            "ブラウザーの pocket-chat 用の保存領域がいっぱいです。古いスレッドをエクスポートして削除するか、ディスクの空きを増やしてから、もう一度試してください。何も変更していません。"
                .to_owned()
        }
        StorageProblem::Corrupt { store, detail } => format!(
            "保存されている{}レコードを読めませんでした（{detail}）。データをエクスポートして、この問題を報告してください。",
            store_ja(store)
        ),
        StorageProblem::NotFound(what) => {
            let what = match what {
                Missing::User => "このユーザーはもう存在しません。",
                Missing::Thread => "このスレッドはもう存在しません。",
                Missing::ForeignThread => "このスレッドは別のユーザーのものです。",
                Missing::NoUser => "まだユーザーがいません。",
                Missing::UnsavedExchange | Missing::Exchange | Missing::ForeignExchange => {
                    "必要なデータが見つかりません。"
                }
            };
            format!("{what}ページを再読み込みして、最新のデータを表示してください。")
        }
        StorageProblem::InvalidAmount => "支払った金額は 0 以上の数にしてください。".to_owned(),
        StorageProblem::Backend(detail) => format!(
            "データの保存または読み込みに失敗しました（{detail}）。何も変更していません。もう一度試してください。"
        ),
    }
}

/// [`ListError`] in `lang`.
pub fn localize_list(lang: Lang, err: &ListError) -> String {
    match err {
        ListError::Settings(e) => return localize_settings(lang, e),
        ListError::Call(e) => return localize_call(lang, e),
        _ if lang == Lang::En => return err.to_string(),
        _ => {}
    }
    match err {
        ListError::Azure => {
            "Azure OpenAI はここでデプロイを一覧にしません。各デプロイ名を入力してください。".to_owned()
        }
        ListError::NotListed { status } => format!(
            "エンドポイントがモデルの一覧を返しませんでした（HTTP {status}）。モデル名を入力してください。"
        ),
        ListError::Unreadable => {
            "エンドポイントのモデル一覧を読み取れませんでした。モデル名を入力してください。".to_owned()
        }
        ListError::Empty => {
            "エンドポイントにモデルがありません。サーバーでモデルを読み込むか、モデル名を入力してください。".to_owned()
        }
        ListError::Settings(_) | ListError::Call(_) => String::new(),
    }
}

/// [`TitleError`] in `lang`.
pub fn localize_title(lang: Lang, err: &TitleError) -> String {
    match (lang, err) {
        (Lang::En, _) => err.to_string(),
        (Lang::Ja, TitleError::Empty { kept }) => format!(
            "スレッドには名前が必要です。名前を入力するか、Escape キーで「{kept}」のままにしてください。"
        ),
    }
}

/// [`PersonaError`] in `lang`.
pub fn localize_persona(lang: Lang, err: &PersonaError) -> String {
    match (lang, err) {
        (Lang::En, _) => err.to_string(),
        (Lang::Ja, PersonaError::NoName(n)) => {
            format!("{n} 番目のペルソナに名前がありません。名前を付けるか、削除してください。")
        }
        (Lang::Ja, PersonaError::NoText(name)) => format!(
            "ペルソナ「{name}」に内容がありません。モデルに伝える内容を書くか、削除してください。"
        ),
        (Lang::Ja, PersonaError::SameName(name)) => format!(
            "「{name}」という名前のペルソナが二つあります。それぞれ別の名前にしてください。"
        ),
    }
}

/// [`ParamError`] in `lang`.
pub fn localize_param(lang: Lang, err: &ParamError) -> String {
    match (lang, err) {
        (Lang::En, _) => err.to_string(),
        (Lang::Ja, ParamError::Temperature { model, typed }) => format!(
            "{model} の温度は 0 から 2 までの数（0.7 など）にしてください（「{typed}」は使えません）。空欄にするとプロバイダーの既定値になります。"
        ),
        (Lang::Ja, ParamError::TopP { model, typed }) => format!(
            "{model} の top-p は 0 から 1 までの数（0.9 など）にしてください（「{typed}」は使えません）。空欄にするとプロバイダーの既定値になります。"
        ),
        (Lang::Ja, ParamError::ReplyCap { model, typed }) => format!(
            "{model} の返信の上限は 1 以上の整数のトークン数にしてください（「{typed}」は使えません）。空欄にすると独自の上限はなくなります。"
        ),
    }
}

/// `impl Localize for Error` by its `localize_*` function, for each error type.
macro_rules! localize_with {
    ($($error:ty => $localize:ident),* $(,)?) => {$(
        impl Localize for $error {
            fn localize(&self, lang: Lang) -> String {
                $localize(lang, self)
            }
        }
    )*};
}

localize_with! {
    LedgerError => localize_ledger,
    InvariantViolation => localize_invariant,
    ImportError => localize_import,
    SettingsError => localize_settings,
    CallError => localize_call,
    TooLong => localize_too_long,
    TopUpProblem => localize_top_up,
    ListError => localize_list,
    ParamError => localize_param,
    TitleError => localize_title,
    PersonaError => localize_persona,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{classify, ProviderKind};

    /// True when `text` holds kana or kanji: a Japanese sentence, not an English leftover.
    fn is_japanese(text: &str) -> bool {
        text.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    }

    // Guards against a key added to the UI without a text in one of the languages.
    #[test]
    fn every_key_has_text_in_both_languages() {
        assert_eq!(Key::ALL.len(), TEXTS.len());
        assert_eq!(
            [t(Lang::En, Key::Send), t(Lang::Ja, Key::Send)],
            ["Send", "送信"]
        );
        assert_eq!(t(Lang::Ja, Key::Later), "あとで");
        for &key in Key::ALL {
            for lang in Lang::ALL {
                assert!(!t(lang, key).trim().is_empty(), "{key:?} in {lang:?}");
            }
        }
    }

    // Guards against English left on screen when Japanese is chosen: every Japanese text
    // is Japanese, except names that are the same in both (product names, "PIN").
    #[test]
    fn japanese_texts_are_japanese() {
        let same = [Key::ProviderOpenAi, Key::ProviderAzure, Key::Pin];
        for &key in Key::ALL.iter().filter(|k| !same.contains(k)) {
            assert!(
                is_japanese(t(Lang::Ja, key)),
                "{key:?}: {}",
                t(Lang::Ja, key)
            );
            assert_ne!(t(Lang::Ja, key), t(Lang::En, key), "{key:?}");
        }
    }

    // Guards against a Japanese browser getting English, or a language code misread.
    #[test]
    fn language_from_browser_table() {
        for (tag, want) in [
            ("ja", Lang::Ja),
            ("ja-JP", Lang::Ja),
            ("JA-jp", Lang::Ja),
            ("ja_JP", Lang::Ja),
            (" ja ", Lang::Ja),
            ("en", Lang::En),
            ("en-US", Lang::En),
            ("jav", Lang::En),
            ("de-DE", Lang::En),
            ("zh-Hans-CN", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::from_browser(tag), want, "{tag:?}");
        }
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
            assert_eq!(lang.other().other(), lang);
        }
        assert_eq!(Lang::from_code("fr"), None);
    }

    // Guards against the English wording drifting from what the app and its tests say.
    #[test]
    fn english_sentences_are_unchanged() {
        assert_eq!(tokens(Lang::En, 5100), "5,100 tokens");
        assert_eq!(
            added_tokens(Lang::En, 5000, 5100),
            "Added 5,000 tokens. Balance: 5,100 tokens."
        );
        assert_eq!(
            balance_report(Lang::En, 5100, 0, 0),
            "Balance: 5,100 tokens. Used in this thread: 0 tokens; in all threads: 0 tokens."
        );
        assert_eq!(
            balance_report(Lang::En, 0, 20, 100),
            "Balance: 0 tokens. Used in this thread: 20 tokens; in all threads: 100 tokens. Add tokens with 残高を加える (or /topup) to chat again."
        );
        assert_eq!(
            exported(Lang::En, 1, 1, 4, "f.json"),
            "Exported 1 user, 1 thread and 4 messages to f.json."
        );
        assert_eq!(
            imported(Lang::En, 1, 1, 4, 2),
            "Imported 1 user, 1 thread, 4 messages and 2 payments."
        );
        assert_eq!(
            file_holds(Lang::En, 1, 1, 4, 2),
            "This file holds 1 user, 1 thread, 4 messages and 2 payments."
        );
        assert_eq!(help_lines(Lang::En), crate::commands::help_lines());
        let err = CallError::KeyRejected { status: 401 };
        assert_eq!(localize_call(Lang::En, &err), err.to_string());
        let arg = TopUpArg::Invalid("-5".into());
        assert_eq!(localize_top_up_problem(Lang::En, &arg), arg.problem());
    }

    // Guards against sentences with numbers losing their facts in Japanese.
    #[test]
    fn japanese_sentences_keep_their_numbers() {
        assert_eq!(tokens(Lang::Ja, 5100), "5,100 トークン");
        assert_eq!(
            added_tokens(Lang::Ja, 5000, 5100),
            "5,000 トークンを追加しました。残高：5,100 トークン。"
        );
        assert_eq!(
            exported(Lang::Ja, 1, 1, 4, "f.json"),
            "ユーザー 1 人、スレッド 1 件、メッセージ 4 件を f.json にエクスポートしました。"
        );
        let report = balance_report(Lang::Ja, -3, 20, 100);
        assert!(
            report.contains("-3 トークン") && report.contains("残高を加える"),
            "{report}"
        );
        assert_eq!(help_lines(Lang::Ja).len(), help_lines(Lang::En).len());
        assert!(help_lines(Lang::Ja)[0].starts_with("会話を始める（新しい会話、/new）— "));
    }

    // Guards against provider failures shown in English to a Japanese user, or losing the
    // status, the wait or the provider's own words.
    #[test]
    fn call_errors_in_japanese() {
        let cases = [
            (classify(ProviderKind::OpenAi, 401, None, "", "m"), "HTTP 401"),
            (
                classify(ProviderKind::Azure, 404, None, "", "gpt-4o"),
                "「gpt-4o」というモデルまたはデプロイがありません（HTTP 404）。設定でモデル名とそのデプロイ名を確認",
            ),
            (classify(ProviderKind::OpenAi, 429, Some("7"), "", "m"), "7 秒待って"),
            (classify(ProviderKind::OpenAi, 429, None, "", "m"), "しばらく待って"),
            (
                classify(
                    ProviderKind::OpenAi,
                    400,
                    None,
                    r#"{"error":{"message":"context too long"}}"#,
                    "m",
                ),
                "（HTTP 400）：context too long",
            ),
            (classify(ProviderKind::OpenAi, 503, None, "", "m"), "HTTP 503"),
            (
                classify(ProviderKind::OpenAi, 418, None, r#"{"error":{"message":"teapot"}}"#, "m"),
                "HTTP 418 で応答しました：teapot",
            ),
            (CallError::Unreachable, "CORS"),
            (CallError::StreamCut, "届いた部分は残してあります"),
            (CallError::Stalled { seconds: 60 }, "60 秒間何も届かなかった"),
            (CallError::Offline, "オフライン"),
            (
                CallError::InStream { detail: None },
                "理由は示されていません",
            ),
            (
                CallError::BadRequest { detail: None },
                "（HTTP 400）：理由は示されていません。 モデルと設定",
            ),
            (
                CallError::RateLimited {
                    retry_after: Some(1),
                },
                "1 秒待って",
            ),
        ];
        for (err, want) in cases {
            let ja = localize_call(Lang::Ja, &err);
            assert!(ja.contains(want), "{ja} lacks {want}");
            assert!(is_japanese(&ja), "{ja}");
        }
    }

    // Guards against settings, ledger, context and import errors left in English.
    #[test]
    fn other_errors_in_japanese() {
        let sentences = [
            localize_settings(Lang::Ja, &SettingsError::MissingKey),
            localize_settings(Lang::Ja, &SettingsError::BadUrl("ftp://x".into())),
            localize_settings(Lang::Ja, &SettingsError::MissingApiVersion),
            localize_ledger(
                Lang::Ja,
                &LedgerError::InsufficientBalance {
                    balance: 12,
                    needed: 340,
                },
            ),
            localize_ledger(Lang::Ja, &LedgerError::InvalidTopUp { given: 0 }),
            localize_ledger(Lang::Ja, &LedgerError::Overflow),
            localize_invariant(
                Lang::Ja,
                &InvariantViolation {
                    stored: 5,
                    expected: 7,
                },
            ),
            localize_too_long(
                Lang::Ja,
                &TooLong {
                    model: "gpt-4o".into(),
                    estimate: 200_000,
                    room: 111_616,
                },
            ),
            localize_import(
                Lang::Ja,
                &ImportError::NotJson {
                    line: 1,
                    column: 64,
                },
            ),
            localize_import(Lang::Ja, &ImportError::TooNew { found: 9 }),
            localize_import(
                Lang::Ja,
                &ImportError::DuplicateId {
                    store: "message",
                    id: "3".into(),
                },
            ),
            localize_import(
                Lang::Ja,
                &ImportError::Malformed {
                    detail: "its version is missing or not a positive number".into(),
                },
            ),
            storage_ja(StorageProblem::QuotaExceeded),
            storage_ja(StorageProblem::NotFound(Missing::User)),
        ];
        for ja in &sentences {
            assert!(is_japanese(ja), "{ja}");
            assert!(!ja.contains("Nothing was"), "{ja}");
        }
        assert!(sentences[3].contains("12 トークン") && sentences[3].contains("340 トークン"));
        assert!(sentences[7].contains("200,000 トークン") && sentences[7].contains("gpt-4o"));
        assert!(
            sentences[8].contains("1 行 64 列")
                && sentences[8].contains("何もインポートしていません")
        );
        assert!(sentences[10].contains("メッセージレコード") && sentences[10].contains("id 3"));
        assert!(sentences[13].contains("このユーザーはもう存在しません"));
    }

    // Guards against a top-up problem that loses what was typed or what to type instead.
    #[test]
    fn top_up_problems_in_japanese() {
        for (raw, want) in [
            ("abc", "「abc」はトークン数として整数ではありません。"),
            ("1,00", "「1,00」はカンマの位置が正しくありません。"),
            ("-5", "「-5」は 1 トークン未満です。"),
            (
                "1000000000001",
                "「1000000000001」は 1,000,000,000,000 トークンを超えています。",
            ),
            ("5000", "「5000」は追加できません。"),
        ] {
            let ja = localize_top_up_problem(Lang::Ja, &TopUpArg::Invalid(raw.into()))
                .unwrap_or_default();
            assert!(ja.starts_with(want), "{raw}: {ja}");
            assert!(
                ja.ends_with("「残高を加える 5000」のように入力してください。"),
                "{ja}"
            );
        }
        assert_eq!(localize_top_up_problem(Lang::Ja, &TopUpArg::Missing), None);
    }
}
