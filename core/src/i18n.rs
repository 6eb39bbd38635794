//! The UI's two languages: [`Lang`], the catalog of fixed texts ([`Key`], [`t`]) and the
//! [`Localize`] trait that each sentence type implements beside its own definition.
//!
//! A leaf: it imports nothing from the crate, so any module can word its sentences
//! without a circle. A plain table instead of an i18n crate: the first-load size budget is
//! tight, and two languages need no plural rules beyond `format::count`. English texts are
//! the app's original wording, byte for byte; an error type's `Display` stays its English.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
