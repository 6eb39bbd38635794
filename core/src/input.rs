//! Rules of the input box that do not need a browser: when a key press sends.

/// The key code browsers report for a key press that an IME is processing.
pub const IME_PROCESS_KEY_CODE: u32 = 229;

/// Whether a key press in the input box sends the message.
///
/// Enter sends; Shift+Enter is a new line; the Enter that confirms a Japanese IME
/// conversion never sends. Browsers flag that Enter with `isComposing`, and some
/// (Safari, older Chromium) only with `keyCode` 229, so both are checked.
pub fn is_send_key(key: &str, shift: bool, is_composing: bool, key_code: u32) -> bool {
    key == "Enter" && !shift && !is_composing && key_code != IME_PROCESS_KEY_CODE
}

/// The text to send, or `None` when there is nothing but whitespace.
pub fn prompt_to_send(text: &str) -> Option<&str> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against sending on the Enter that confirms an IME conversion, or on Shift+Enter.
    #[test]
    fn send_key_table() {
        let cases = [
            ("Enter", false, false, 13, true),
            ("Enter", true, false, 13, false),
            ("Enter", false, true, 13, false),
            ("Enter", false, false, 229, false),
            ("Process", false, true, 229, false),
            ("a", false, false, 65, false),
            ("NumpadEnter", false, false, 13, false),
        ];
        for (key, shift, composing, code, want) in cases {
            assert_eq!(
                is_send_key(key, shift, composing, code),
                want,
                "{key} shift={shift} composing={composing} code={code}"
            );
        }
    }

    // Guards against sending empty or whitespace-only messages.
    #[test]
    fn prompt_table() {
        assert_eq!(prompt_to_send(""), None);
        assert_eq!(prompt_to_send(" \n\t　"), None);
        assert_eq!(prompt_to_send("  hello \n"), Some("hello"));
        assert_eq!(prompt_to_send("a\nb"), Some("a\nb"));
    }
}
