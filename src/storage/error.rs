//! What can go wrong in storage, as facts, and the sentence each makes in both languages.
//! Its own module so that the opening guard and every repository name it without
//! importing the database they serve.

use pocket_chat_core::export::store_ja;
use pocket_chat_core::i18n::{Key, Lang, Localize};
use pocket_chat_core::records::Missing;
use thiserror::Error;

/// What went wrong in storage, as a sentence the user can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StorageError {
    /// IndexedDB is missing or refused (some private windows).
    #[error(
        "This browser does not let pocket-chat store data (IndexedDB is unavailable, as in \
         some private windows). Open pocket-chat in a normal window to keep your chats."
    )]
    Unavailable,
    /// The browser's storage quota is full.
    #[error(
        "The browser's storage for pocket-chat is full. Export and delete old threads, or \
         free disk space, then try again. Nothing was changed."
    )]
    QuotaExceeded,
    /// A stored record could not be read back as the type it should be.
    #[error(
        "A stored {store} record could not be read ({detail}). Export your data and report this."
    )]
    Corrupt { store: &'static str, detail: String },
    /// A record the operation needs is not there (deleted in another tab, say).
    #[error("{0} Reload the page to see the current data.")]
    NotFound(Missing),
    /// The ledger refused (a top-up of a nonsense amount, say).
    #[error(transparent)]
    Ledger(#[from] pocket_chat_core::ledger::LedgerError),
    /// The stored balance does not match the ledger history.
    #[error(transparent)]
    Invariant(#[from] pocket_chat_core::ledger::InvariantViolation),
    /// An amount paid that is negative or not a number.
    #[error("The amount paid must be zero or a positive number.")]
    InvalidAmount,
    /// Another tab opened a newer version of the database, so this tab let go of it.
    #[error(
        "pocket-chat was updated in another tab. Reload this page to keep working; nothing \
         you saved is lost."
    )]
    Closed,
    /// Data an earlier version stored could not be brought up to date (the data worker,
    /// which does it, did not load or failed), so this tab stores nothing.
    #[error(
        "pocket-chat could not update the data an earlier version kept in this browser, so \
         it saves nothing for now. Check the connection and reload the page; nothing is lost."
    )]
    NotUpgraded,
    /// Any other IndexedDB failure; the transaction was rolled back.
    #[error("Saving or reading your data failed ({0}). Nothing was changed; try again.")]
    Backend(String),
}

impl Localize for StorageError {
    fn localize(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            StorageError::Ledger(e) => e.localize(lang),
            StorageError::Invariant(e) => e.localize(lang),
            StorageError::Closed => Key::UpdatedElsewhere.localize(lang),
            StorageError::NotUpgraded => Key::NotUpgraded.localize(lang),
            StorageError::Unavailable => {
                "このブラウザーでは pocket-chat がデータを保存できません（一部のプライベートウィンドウのように、IndexedDB が使えません）。チャットを残すには、通常のウィンドウで pocket-chat を開いてください。"
                    .to_owned()
            }
            StorageError::QuotaExceeded => {
                "ブラウザーの pocket-chat 用の保存領域がいっぱいです。古いスレッドをエクスポートして削除するか、ディスクの空きを増やしてから、もう一度試してください。何も変更していません。"
                    .to_owned()
            }
            StorageError::Corrupt { store, detail } => format!(
                "保存されている{}レコードを読めませんでした（{detail}）。データをエクスポートして、この問題を報告してください。",
                store_ja(store)
            ),
            StorageError::NotFound(what) => format!(
                "{}ページを再読み込みして、最新のデータを表示してください。",
                what.localize(lang)
            ),
            StorageError::InvalidAmount => "支払った金額は 0 以上の数にしてください。".to_owned(),
            StorageError::Backend(detail) => format!(
                "データの保存または読み込みに失敗しました（{detail}）。何も変更していません。もう一度試してください。"
            ),
        }
    }
}

impl From<rexie::Error> for StorageError {
    fn from(err: rexie::Error) -> Self {
        let detail = format!("{err:?}");
        if detail.contains("QuotaExceededError") {
            StorageError::QuotaExceeded
        } else {
            StorageError::Backend(detail)
        }
    }
}
