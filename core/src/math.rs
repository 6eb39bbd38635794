//! LaTeX math (`$…$`, `$$…$$` in a reply) → MathML, which browsers draw natively: no
//! script, no font download. A subset — fractions, roots, scripts, big operators with
//! limits, `\left…\right`, accents, styles, text, Greek letters and the common symbols —
//! and whatever else as plain text, so nothing is lost. As in [`crate::markdown`], every
//! tag and attribute is written here from a fixed list and every piece of input reaches
//! the output only through [`push_text`]: the result is as inert as the rest of a reply.

use crate::html::push_text;

/// Groups nested deeper than this are shown as text (a reply is untrusted: no deep
/// recursion on its say).
const MAX_DEPTH: usize = 40;

/// Appends `tex` as a `<math>` element; `display` for a block (`$$…$$`).
pub fn push_math(out: &mut String, tex: &str, display: bool) {
    out.push_str(if display {
        "<math display=\"block\">"
    } else {
        "<math>"
    });
    let mut parser = Parser {
        tokens: tokenize(tex),
        at: 0,
        display,
    };
    out.push_str("<mrow>");
    parser.row(out, 0, Stop::End);
    out.push_str("</mrow></math>");
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// `\name` (letters) or `\x` (one other character).
    Command(String),
    Open,
    Close,
    Sup,
    Sub,
    Number(String),
    Letter(char),
    /// Any other character: an operator, a fence, punctuation.
    Other(char),
}

fn tokenize(tex: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = tex.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&l) = chars.peek().filter(|l| l.is_ascii_alphabetic()) {
                    name.push(l);
                    chars.next();
                }
                if name.is_empty() {
                    match chars.next() {
                        Some(other) => name.push(other),
                        None => continue,
                    }
                }
                Token::Command(name)
            }
            '{' => Token::Open,
            '}' => Token::Close,
            '^' => Token::Sup,
            '_' => Token::Sub,
            '0'..='9' | '.' if c != '.' || chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = c.to_string();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit() || **d == '.') {
                    n.push(d);
                    chars.next();
                }
                Token::Number(n)
            }
            c if c.is_whitespace() || c == '&' || c == '~' => continue,
            c if c.is_alphabetic() => Token::Letter(c),
            c => Token::Other(c),
        };
        tokens.push(token);
    }
    tokens
}

/// Where a row of atoms ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    End,
    Close,
    Right,
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    display: bool,
}

/// Function names, drawn upright; `lim`, `max`, `min`, `sup`, `inf` take limits.
const FUNCTIONS: [&str; 25] = [
    "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "det", "arg", "sinh", "cosh",
    "tanh", "arcsin", "arccos", "arctan", "dim", "ker", "gcd", "lim", "max", "min", "sup", "inf",
];

/// How an identifier is drawn: `mathvariant`, or none.
type Variant = Option<&'static str>;

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// Atoms with their scripts until `stop`.
    fn row(&mut self, out: &mut String, depth: usize, stop: Stop) {
        self.row_in(out, depth, stop, None);
    }

    fn row_in(&mut self, out: &mut String, depth: usize, stop: Stop, variant: Variant) {
        while let Some(t) = self.peek() {
            match (t, stop) {
                (Token::Close, Stop::Close) => {
                    self.at += 1;
                    return;
                }
                (Token::Command(c), Stop::Right) if c == "right" => return,
                // A stray closing brace is shown as one.
                (Token::Close, _) => {
                    self.at += 1;
                    out.push_str("<mo>}</mo>");
                }
                _ => self.scripted(out, depth, variant),
            }
        }
    }

    /// One atom and its `^` / `_` scripts.
    fn scripted(&mut self, out: &mut String, depth: usize, variant: Variant) {
        let mut base = String::new();
        let limits = self.atom(&mut base, depth, variant);
        let (mut sub, mut sup) = (None, None);
        loop {
            let slot = match self.peek() {
                Some(Token::Sub) => &mut sub,
                Some(Token::Sup) => &mut sup,
                Some(Token::Other('\'')) => {
                    // x' is x^′.
                    self.at += 1;
                    sup.get_or_insert_with(String::new).push_str("<mo>′</mo>");
                    continue;
                }
                _ => break,
            };
            self.at += 1;
            let mut script = String::new();
            self.atom(&mut script, depth + 1, variant);
            slot.get_or_insert_with(String::new).push_str(&script);
        }
        let under = limits && self.display;
        let tag = match (&sub, &sup, under) {
            (None, None, _) => return out.push_str(&base),
            (Some(_), None, false) => "msub",
            (None, Some(_), false) => "msup",
            (Some(_), Some(_), false) => "msubsup",
            (Some(_), None, true) => "munder",
            (None, Some(_), true) => "mover",
            (Some(_), Some(_), true) => "munderover",
        };
        out.push_str(&format!("<{tag}>{base}"));
        for script in [sub, sup].into_iter().flatten() {
            out.push_str(&format!("<mrow>{script}</mrow>"));
        }
        out.push_str(&format!("</{tag}>"));
    }

    /// One atom; true when it takes its scripts as limits in display (∑, lim).
    fn atom(&mut self, out: &mut String, depth: usize, variant: Variant) -> bool {
        let Some(token) = self.next() else {
            return false;
        };
        if depth > MAX_DEPTH {
            out.push_str("<mtext>…</mtext>");
            self.at = self.tokens.len();
            return false;
        }
        match token {
            Token::Open => {
                out.push_str("<mrow>");
                self.row_in(out, depth + 1, Stop::Close, variant);
                out.push_str("</mrow>");
            }
            Token::Number(n) => tag(out, "mn", &n),
            Token::Letter(c) => ident(out, &c.to_string(), variant),
            Token::Other(c) => tag(out, "mo", &c.to_string()),
            Token::Close => out.push_str("<mo>}</mo>"),
            Token::Sup | Token::Sub => {}
            Token::Command(name) => return self.command(out, &name, depth, variant),
        }
        false
    }

    /// A group's text as typed: `\text{…}`'s argument.
    fn raw_group(&mut self) -> String {
        let mut text = String::new();
        if self.peek() != Some(&Token::Open) {
            return text;
        }
        self.at += 1;
        let mut depth = 0;
        while let Some(t) = self.next() {
            match t {
                Token::Open => depth += 1,
                Token::Close if depth == 0 => break,
                Token::Close => depth -= 1,
                Token::Number(n) => text.push_str(&n),
                Token::Letter(c) | Token::Other(c) => text.push(c),
                Token::Command(c) => text.push_str(&c),
                Token::Sup => text.push('^'),
                Token::Sub => text.push('_'),
            }
        }
        text
    }

    fn command(&mut self, out: &mut String, name: &str, depth: usize, variant: Variant) -> bool {
        let limits = matches!(
            name,
            "sum" | "prod" | "coprod" | "bigcup" | "bigcap" | "lim" | "max" | "min" | "sup" | "inf"
        );
        if FUNCTIONS.contains(&name) {
            // Several letters: drawn upright, as a function name.
            ident(out, name, None);
            return limits;
        }
        if let Some((element, text)) = symbol(name) {
            match element {
                "mi" => ident(out, text, variant),
                "upright" => ident(out, text, Some("normal")),
                _ => tag(out, element, text),
            }
            return limits;
        }
        match name {
            "frac" | "dfrac" | "tfrac" | "binom" => {
                let binom = name == "binom";
                if binom {
                    out.push_str("<mrow><mo>(</mo>");
                }
                out.push_str(if binom {
                    "<mfrac linethickness=\"0\">"
                } else {
                    "<mfrac>"
                });
                // Each argument is one element: a group is its own <mrow>.
                for _ in 0..2 {
                    self.atom(out, depth + 1, variant);
                }
                out.push_str("</mfrac>");
                if binom {
                    out.push_str("<mo>)</mo></mrow>");
                }
            }
            "sqrt" => {
                // \sqrt[n]{x}: the index in brackets.
                if self.peek() == Some(&Token::Other('[')) {
                    self.at += 1;
                    let mut index = String::new();
                    while let Some(t) = self.peek() {
                        if *t == Token::Other(']') {
                            self.at += 1;
                            break;
                        }
                        self.scripted(&mut index, depth + 1, variant);
                    }
                    out.push_str("<mroot>");
                    self.atom(out, depth + 1, variant);
                    out.push_str(&format!("<mrow>{index}</mrow></mroot>"));
                } else {
                    out.push_str("<msqrt>");
                    self.atom(out, depth + 1, variant);
                    out.push_str("</msqrt>");
                }
            }
            "text" | "textrm" | "textit" | "textbf" | "mbox" => {
                tag(out, "mtext", &self.raw_group())
            }
            "operatorname" => {
                let text = self.raw_group();
                ident(out, &text, None);
            }
            "mathbf" | "boldsymbol" | "mathrm" | "mathit" | "mathbb" | "mathcal" | "mathsf"
            | "mathtt" => {
                let style = match name {
                    "mathbf" | "boldsymbol" => "bold",
                    "mathrm" => "normal",
                    "mathit" => "italic",
                    "mathbb" => "double-struck",
                    "mathcal" => "script",
                    "mathsf" => "sans-serif",
                    _ => "monospace",
                };
                self.atom(out, depth + 1, Some(style));
            }
            "hat" | "widehat" | "bar" | "overline" | "vec" | "dot" | "ddot" | "tilde"
            | "widetilde" => {
                let accent = match name {
                    "hat" | "widehat" => "^",
                    "bar" | "overline" => "‾",
                    "vec" => "→",
                    "dot" => "˙",
                    "ddot" => "¨",
                    _ => "~",
                };
                out.push_str("<mover accent=\"true\">");
                self.atom(out, depth + 1, variant);
                out.push_str(&format!("<mo>{accent}</mo></mover>"));
            }
            "left" => {
                out.push_str("<mrow>");
                self.fence(out);
                self.row_in(out, depth + 1, Stop::Right, variant);
                if self.peek() == Some(&Token::Command("right".into())) {
                    self.at += 1;
                    self.fence(out);
                }
                out.push_str("</mrow>");
            }
            "," | ":" | ";" | "quad" | "qquad" | " " => {
                let width = match name {
                    "," => "0.17em",
                    ":" => "0.22em",
                    ";" => "0.28em",
                    "quad" => "1em",
                    "qquad" => "2em",
                    _ => "0.33em",
                };
                out.push_str(&format!("<mspace width=\"{width}\"></mspace>"));
            }
            "!" | "\\" | "displaystyle" | "textstyle" | "limits" | "nolimits" | "big" | "Big"
            | "bigg" | "Bigg" => {}
            // A command this subset does not draw: shown as typed.
            other => tag(out, "mtext", &format!("\\{other}")),
        }
        false
    }

    /// The fence after `\left` or `\right` (`.` for none).
    fn fence(&mut self, out: &mut String) {
        match self.next() {
            Some(Token::Other('.')) | None => {}
            Some(Token::Other(c)) => tag(out, "mo", &c.to_string()),
            Some(Token::Command(c)) => match c.as_str() {
                "{" | "lbrace" => tag(out, "mo", "{"),
                "}" | "rbrace" => tag(out, "mo", "}"),
                "|" | "Vert" => tag(out, "mo", "‖"),
                "langle" => tag(out, "mo", "⟨"),
                "rangle" => tag(out, "mo", "⟩"),
                _ => {}
            },
            Some(_) => {}
        }
    }
}

/// `<name>text</name>`, the text escaped.
fn tag(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_text(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An identifier, in `variant` when given.
fn ident(out: &mut String, text: &str, variant: Variant) {
    match variant {
        Some(v) => {
            out.push_str(&format!("<mi mathvariant=\"{v}\">"));
            push_text(out, text);
            out.push_str("</mi>");
        }
        None => tag(out, "mi", text),
    }
}

/// The element and text of a symbol command.
fn symbol(name: &str) -> Option<(&'static str, &'static str)> {
    let mi = |s| Some(("mi", s));
    let mo = |s| Some(("mo", s));
    // Capital Greek stands upright, as in TeX.
    let up = |s| Some(("upright", s));
    match name {
        "alpha" => mi("α"),
        "beta" => mi("β"),
        "gamma" => mi("γ"),
        "delta" => mi("δ"),
        "epsilon" => mi("ϵ"),
        "varepsilon" => mi("ε"),
        "zeta" => mi("ζ"),
        "eta" => mi("η"),
        "theta" => mi("θ"),
        "vartheta" => mi("ϑ"),
        "iota" => mi("ι"),
        "kappa" => mi("κ"),
        "lambda" => mi("λ"),
        "mu" => mi("μ"),
        "nu" => mi("ν"),
        "xi" => mi("ξ"),
        "pi" => mi("π"),
        "rho" => mi("ρ"),
        "sigma" => mi("σ"),
        "tau" => mi("τ"),
        "upsilon" => mi("υ"),
        "phi" => mi("ϕ"),
        "varphi" => mi("φ"),
        "chi" => mi("χ"),
        "psi" => mi("ψ"),
        "omega" => mi("ω"),
        "Gamma" => up("Γ"),
        "Delta" => up("Δ"),
        "Theta" => up("Θ"),
        "Lambda" => up("Λ"),
        "Xi" => up("Ξ"),
        "Pi" => up("Π"),
        "Sigma" => up("Σ"),
        "Phi" => up("Φ"),
        "Psi" => up("Ψ"),
        "Omega" => up("Ω"),
        "infty" => mi("∞"),
        "partial" => mi("∂"),
        "nabla" => mi("∇"),
        "ell" => mi("ℓ"),
        "hbar" => mi("ℏ"),
        "emptyset" | "varnothing" => mi("∅"),
        "sum" => mo("∑"),
        "prod" => mo("∏"),
        "coprod" => mo("∐"),
        "int" => mo("∫"),
        "iint" => mo("∬"),
        "oint" => mo("∮"),
        "bigcup" => mo("⋃"),
        "bigcap" => mo("⋂"),
        "cdot" => mo("⋅"),
        "times" => mo("×"),
        "div" => mo("÷"),
        "pm" => mo("±"),
        "mp" => mo("∓"),
        "leq" | "le" => mo("≤"),
        "geq" | "ge" => mo("≥"),
        "neq" | "ne" => mo("≠"),
        "approx" => mo("≈"),
        "equiv" => mo("≡"),
        "sim" => mo("∼"),
        "simeq" => mo("≃"),
        "propto" => mo("∝"),
        "ll" => mo("≪"),
        "gg" => mo("≫"),
        "to" | "rightarrow" => mo("→"),
        "leftarrow" | "gets" => mo("←"),
        "Rightarrow" => mo("⇒"),
        "Leftarrow" => mo("⇐"),
        "Leftrightarrow" | "iff" => mo("⇔"),
        "leftrightarrow" => mo("↔"),
        "mapsto" => mo("↦"),
        "implies" => mo("⟹"),
        "in" => mo("∈"),
        "notin" => mo("∉"),
        "ni" => mo("∋"),
        "subset" => mo("⊂"),
        "subseteq" => mo("⊆"),
        "supset" => mo("⊃"),
        "supseteq" => mo("⊇"),
        "cup" => mo("∪"),
        "cap" => mo("∩"),
        "setminus" => mo("∖"),
        "forall" => mo("∀"),
        "exists" => mo("∃"),
        "neg" | "lnot" => mo("¬"),
        "land" | "wedge" => mo("∧"),
        "lor" | "vee" => mo("∨"),
        "oplus" => mo("⊕"),
        "otimes" => mo("⊗"),
        "circ" => mo("∘"),
        "ast" => mo("∗"),
        "star" => mo("⋆"),
        "mid" => mo("∣"),
        "parallel" => mo("∥"),
        "perp" => mo("⊥"),
        "angle" => mo("∠"),
        "ldots" | "dots" => mo("…"),
        "cdots" => mo("⋯"),
        "vdots" => mo("⋮"),
        "ddots" => mo("⋱"),
        "prime" => mo("′"),
        "langle" => mo("⟨"),
        "rangle" => mo("⟩"),
        "lfloor" => mo("⌊"),
        "rfloor" => mo("⌋"),
        "lceil" => mo("⌈"),
        "rceil" => mo("⌉"),
        "{" | "lbrace" => mo("{"),
        "}" | "rbrace" => mo("}"),
        "|" | "Vert" => mo("‖"),
        "%" => mo("%"),
        "$" => mo("$"),
        "&" => mo("&"),
        "#" => mo("#"),
        "_" => mo("_"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn math(tex: &str) -> String {
        let mut out = String::new();
        push_math(&mut out, tex, false);
        out
    }

    /// The MathML of `tex` without the `<math><mrow>` wrapper.
    fn inner(tex: &str) -> String {
        let all = math(tex);
        all["<math><mrow>".len()..all.len() - "</mrow></math>".len()].to_owned()
    }

    // Guards against formulas drawn as something else: each construct's exact MathML.
    #[test]
    fn constructs() {
        let cases = [
            ("x^2", "<msup><mi>x</mi><mrow><mn>2</mn></mrow></msup>"),
            ("a_i^{n+1}", "<msubsup><mi>a</mi><mrow><mi>i</mi></mrow><mrow><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow></mrow></msubsup>"),
            ("\\frac{1}{2}", "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn></mrow></mfrac>"),
            ("\\sqrt{x}", "<msqrt><mrow><mi>x</mi></mrow></msqrt>"),
            ("\\frac ab", "<mfrac><mi>a</mi><mi>b</mi></mfrac>"),
            ("\\sqrt[3]{8}", "<mroot><mrow><mn>8</mn></mrow><mrow><mn>3</mn></mrow></mroot>"),
            ("\\alpha \\leq \\Omega", "<mi>α</mi><mo>≤</mo><mi mathvariant=\"normal\">Ω</mi>"),
            ("\\sin x", "<mi>sin</mi><mi>x</mi>"),
            ("3.14", "<mn>3.14</mn>"),
            ("f'(x)", "<msup><mi>f</mi><mrow><mo>′</mo></mrow></msup><mo>(</mo><mi>x</mi><mo>)</mo>"),
            ("\\left( x \\right)", "<mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow>"),
            ("\\text{if } x", "<mtext>if</mtext><mi>x</mi>"),
            ("\\mathbf{v}", "<mrow><mi mathvariant=\"bold\">v</mi></mrow>"),
            ("\\vec{v}", "<mover accent=\"true\"><mrow><mi>v</mi></mrow><mo>→</mo></mover>"),
            ("\\binom{n}{k}", "<mrow><mo>(</mo><mfrac linethickness=\"0\"><mrow><mi>n</mi></mrow><mrow><mi>k</mi></mrow></mfrac><mo>)</mo></mrow>"),
            ("a\\,b", "<mi>a</mi><mspace width=\"0.17em\"></mspace><mi>b</mi>"),
            ("\\unknown{x}", "<mtext>\\unknown</mtext><mrow><mi>x</mi></mrow>"),
        ];
        for (tex, want) in cases {
            assert_eq!(inner(tex), want, "{tex}");
        }
        // A sum takes its limits under and over in a block, beside it inline.
        let mut block = String::new();
        push_math(&mut block, "\\sum_{i=1}^n i", true);
        assert!(
            block.starts_with("<math display=\"block\"><mrow><munderover><mo>∑</mo>"),
            "{block}"
        );
        assert!(inner("\\sum_{i=1}^n i").starts_with("<msubsup><mo>∑</mo>"));
    }

    // Guards against input reaching the page as markup: every character of it is text.
    #[test]
    fn input_is_always_text() {
        for tex in [
            "<script>alert(1)</script>",
            "\\text{<img src=x onerror=alert(1)>}",
            "a\"b'c&d",
            "\\operatorname{<b>}",
        ] {
            let out = math(tex);
            assert!(
                !out.contains("<script") && !out.contains("<img") && !out.contains("<b>"),
                "{out}"
            );
            assert!(
                !out.contains('"') || out.matches('"').count() % 2 == 0,
                "{out}"
            );
        }
        assert!(math("\\text{a<b}").contains("<mtext>a&lt;b</mtext>"));
    }

    // Guards against a hostile reply crashing the renderer: deep nesting, lone scripts,
    // unbalanced braces, a trailing backslash.
    #[test]
    fn never_panics_on_odd_input() {
        let deep = format!("{}x{}", "{".repeat(5000), "}".repeat(5000));
        assert!(math(&deep).contains("<mtext>…</mtext>"));
        for tex in [
            "^", "_", "x^", "}}}", "{{{", "\\", "\\frac", "\\sqrt[", "\\left(", "\\right)", "", "$",
        ] {
            let out = math(tex);
            assert!(
                out.starts_with("<math>") && out.ends_with("</math>"),
                "{tex}: {out}"
            );
        }
    }
}
