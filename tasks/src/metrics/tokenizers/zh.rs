//! The `zh` tokenizer: sacrebleu's `TokenizerZh` strips the line, puts spaces around every
//! Chinese character and applies the regexp tokenizer without padding, which
//! [`super::regexp::tokens_zh`] does in one scan. This file says which characters are Chinese.

/// The characters sacrebleu's `TokenizerZh` treats as Chinese, as inclusive code point ranges.
///
/// sacrebleu lists its ranges as Python strings and tests `start <= char <= end`. Two entries
/// are written `'\u20000'..'\u2a6d6'` and `'\u2f800'..'\u2fa1d'`; Python reads `\u` with four
/// hex digits, so these are two-character strings and the comparisons select U+2001..=U+2A6D
/// and U+2F81..=U+2FA1 instead of the CJK Extension B and Compatibility Supplement planes. We
/// reproduce what sacrebleu computes: the first range spans general punctuation (dashes,
/// curly quotes, `…`), currency, arrows, math and dingbats, which therefore become tokens.
const CHINESE_RANGES: [(u32, u32); 22] = [
    (0x3400, 0x4DB5),
    (0x4E00, 0x9FA5),
    (0x9FA6, 0x9FBB),
    (0xF900, 0xFA2D),
    (0xFA30, 0xFA6A),
    (0xFA70, 0xFAD9),
    (0x2001, 0x2A6D),
    (0x2F81, 0x2FA1),
    (0xFF00, 0xFFEF),
    (0x2E80, 0x2EFF),
    (0x3000, 0x303F),
    (0x31C0, 0x31EF),
    (0x2F00, 0x2FDF),
    (0x2FF0, 0x2FFF),
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),
    (0xFE10, 0xFE1F),
    (0xFE30, 0xFE4F),
    (0x2600, 0x26FF),
    (0x2700, 0x27BF),
    (0x3200, 0x32FF),
    (0x3300, 0x33FF),
];

/// Whether sacrebleu's `TokenizerZh` makes `c` a token of its own.
pub(super) fn is_chinese(c: char) -> bool {
    let code = u32::from(c);
    // Most characters of Chinese text lie in the first test, most others below the second.
    (0x4E00..=0x9FBB).contains(&code)
        || (code >= 0x2001
            && CHINESE_RANGES
                .iter()
                .any(|&(start, end)| (start..=end).contains(&code)))
}

#[cfg(test)]
mod tests {
    use super::super::BleuTokenizer;
    use super::*;

    /// The ranges sacrebleu 2.6.0's `TokenizerZh._is_chinese_char` accepts, merged, computed by
    /// testing every code point.
    const SACREBLEU_MERGED: [(u32, u32); 13] = [
        (0x2001, 0x2A6D),
        (0x2E80, 0x2FDF),
        (0x2FF0, 0x303F),
        (0x3100, 0x312F),
        (0x31A0, 0x31EF),
        (0x3200, 0x4DB5),
        (0x4E00, 0x9FBB),
        (0xF900, 0xFA2D),
        (0xFA30, 0xFA6A),
        (0xFA70, 0xFAD9),
        (0xFE10, 0xFE1F),
        (0xFE30, 0xFE4F),
        (0xFF00, 0xFFEF),
    ];

    #[test]
    fn chinese_characters_equal_sacrebleus() {
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for code in 0..=0x10FFFFu32 {
            if char::from_u32(code).is_some_and(is_chinese) {
                match merged.last_mut() {
                    Some(last) if last.1 + 1 == code => last.1 = code,
                    _ => merged.push((code, code)),
                }
            }
        }
        assert_eq!(merged, SACREBLEU_MERGED);
    }

    // Expected strings from sacrebleu 2.6.0: `TokenizerZh()(line)`.
    #[test]
    fn matches_sacrebleu() {
        let cases = [
            (
                " 我们在2019年去了北京，好吗？ ",
                "我 们 在 2019 年 去 了 北 京 ， 好 吗 ？",
            ),
            (
                "他说“OK.”—然后…走了 ABC,def.",
                "他 说 “ OK . ” — 然 后 … 走 了 ABC , def .",
            ),
            ("𠀀x", "𠀀x"),
        ];
        for (line, expected) in cases {
            assert_eq!(BleuTokenizer::Zh.tokenize(line), expected, "{line:?}");
        }
    }
}
