//! Markdown → inert HTML for the model's (untrusted) replies, ready for `innerHTML`.
//!
//! The renderer is its own HTML writer over pulldown-cmark's events: every tag and
//! attribute in the output is written by this file from a fixed list, and every piece
//! of input text reaches the output only through `push_text` (HTML-escaped) or, for a
//! link destination that passed [`is_safe_url`], through `push_href`. Raw HTML in the
//! input is shown as text, links keep only `http:`, `https:`, `mailto:` and relative
//! URLs, and images become plain links, so nothing loads or runs by itself.

use crate::html::{is_safe_url, push_href, push_text};
use crate::math::push_math;
use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Longest code-block language name kept, in characters.
const MAX_LANG_LEN: usize = 32;

/// The `rel` and `target` every kept link carries.
const LINK_ATTRS: &str = r#" rel="noopener noreferrer nofollow" target="_blank""#;

/// Renders a Markdown reply to an HTML fragment that is inert whatever the input.
///
/// Tables, strikethrough, task lists and math (`$…$`, `$$…$$` as MathML, see
/// [`crate::math`]) are on; footnotes and heading attributes are off. Raw HTML is shown escaped, unsafe links become their text, images become
/// `🖼 alt` links, and fenced code gets a header with the language and a `data-copy`
/// button labelled "Copy". Never panics.
pub fn render(markdown: &str) -> String {
    render_labelled(markdown, "Copy")
}

/// [`render`] as an exchange keeps it: the code blocks' copy buttons without a label, which
/// the page gives them in its language when it shows the reply.
pub fn render_stored(markdown: &str) -> String {
    render_labelled(markdown, "")
}

/// [`render`] with the code blocks' copy buttons labelled `copy_label` (the UI's word for
/// Copy in its language; escaped like any text).
pub fn render_labelled(markdown: &str, copy_label: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options.insert(Options::ENABLE_MATH);
    let mut writer = Writer {
        out: String::with_capacity(markdown.len() + markdown.len() / 2 + 16),
        copy_label: copy_label.to_owned(),
        ..Writer::default()
    };
    for event in Parser::new_ext(markdown, options) {
        writer.event(event);
    }
    writer.out
}

/// Reduces a fenced code block's info string to a language name: its first word, only
/// `[A-Za-z0-9_+-.#]`, at most [`MAX_LANG_LEN`] characters; may be empty.
pub fn code_language(info: &str) -> String {
    info.split(|c: char| c.is_whitespace() || c == ',')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '.' | '#'))
        .take(MAX_LANG_LEN)
        .collect()
}

/// Appends `<a href="…" [title="…"] rel=… target=…>` for a URL already judged safe.
fn push_anchor_open(out: &mut String, url: &str, title: &str) {
    out.push_str("<a href=\"");
    push_href(out, url);
    out.push('"');
    if !title.is_empty() {
        out.push_str(" title=\"");
        push_text(out, title);
        out.push('"');
    }
    out.push_str(LINK_ATTRS);
    out.push('>');
}

/// An image being read: its alt text is gathered as plain text until its end.
#[derive(Debug, Default)]
struct PendingImage {
    /// The destination, `None` when it failed [`is_safe_url`].
    url: Option<String>,
    title: String,
    alt: String,
    /// Images nested inside this one's alt text that are still open.
    depth: usize,
}

/// The HTML writer's state between events.
#[derive(Debug, Default)]
struct Writer {
    out: String,
    /// The text of each code block's copy button.
    copy_label: String,
    /// One entry per open link: whether its `<a>` was written.
    links: Vec<bool>,
    /// How many written `<a>` are open (an image inside one gets no `<a>` of its own).
    open_anchors: usize,
    /// Set between an image's start and end.
    image: Option<PendingImage>,
    /// The current table's column alignments.
    alignments: Vec<Alignment>,
    /// Index of the current table cell in its row.
    cell: usize,
    /// Inside the table's header row.
    in_table_head: bool,
    /// `<tbody>` has been written for the current table.
    table_body_open: bool,
    /// Inside an HTML block: its raw text, shown escaped at the block's end.
    html_block: Option<String>,
}

impl Writer {
    fn event(&mut self, event: Event<'_>) {
        if self.image.is_some() {
            self.image_event(event);
            return;
        }
        if let Some(raw) = self.html_block.as_mut() {
            match event {
                Event::End(TagEnd::HtmlBlock) => self.end_html_block(),
                Event::Html(text) | Event::InlineHtml(text) | Event::Text(text) => {
                    raw.push_str(&text)
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                push_text(&mut self.out, &text)
            }
            Event::InlineMath(tex) => push_math(&mut self.out, &tex, false),
            Event::DisplayMath(tex) => push_math(&mut self.out, &tex, true),
            Event::Code(text) => {
                self.out.push_str("<code>");
                push_text(&mut self.out, &text);
                self.out.push_str("</code>");
            }
            Event::FootnoteReference(label) => {
                self.out.push_str("[^");
                push_text(&mut self.out, &label);
                self.out.push(']');
            }
            // Chat replies mean their line breaks: a single newline is shown as one.
            Event::SoftBreak | Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(true) => self
                .out
                .push_str("<input type=\"checkbox\" checked disabled> "),
            Event::TaskListMarker(false) => {
                self.out.push_str("<input type=\"checkbox\" disabled> ")
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.out.push_str("<p>"),
            Tag::Heading { level, .. } => {
                // Heading ids, classes and attributes are never written.
                self.out.push_str(&format!("<h{}>", level as usize));
            }
            Tag::BlockQuote(_) => self.out.push_str("<blockquote>\n"),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => code_language(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                self.out.push_str(
                    "<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">",
                );
                push_text(&mut self.out, if lang.is_empty() { "text" } else { &lang });
                self.out
                    .push_str("</span><button type=\"button\" class=\"copy\" data-copy>");
                push_text(&mut self.out, &self.copy_label);
                self.out.push_str("</button></div><pre>");
                if lang.is_empty() {
                    self.out.push_str("<code>");
                } else {
                    self.out.push_str("<code class=\"language-");
                    push_text(&mut self.out, &lang);
                    self.out.push_str("\">");
                }
            }
            Tag::HtmlBlock => self.html_block = Some(String::new()),
            Tag::List(Some(1)) => self.out.push_str("<ol>\n"),
            Tag::List(Some(first)) => self.out.push_str(&format!("<ol start=\"{first}\">\n")),
            Tag::List(None) => self.out.push_str("<ul>\n"),
            Tag::Item => self.out.push_str("<li>"),
            Tag::DefinitionList => self.out.push_str("<dl>\n"),
            Tag::DefinitionListTitle => self.out.push_str("<dt>"),
            Tag::DefinitionListDefinition => self.out.push_str("<dd>"),
            Tag::Table(alignments) => {
                self.alignments = alignments;
                self.table_body_open = false;
                self.out.push_str("<table>\n");
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.cell = 0;
                self.out.push_str("<thead><tr>");
            }
            Tag::TableRow => {
                if !self.table_body_open {
                    self.table_body_open = true;
                    self.out.push_str("<tbody>\n");
                }
                self.cell = 0;
                self.out.push_str("<tr>");
            }
            Tag::TableCell => {
                self.out
                    .push_str(if self.in_table_head { "<th" } else { "<td" });
                match self.alignments.get(self.cell) {
                    Some(Alignment::Left) => self.out.push_str(" align=\"left\""),
                    Some(Alignment::Center) => self.out.push_str(" align=\"center\""),
                    Some(Alignment::Right) => self.out.push_str(" align=\"right\""),
                    Some(Alignment::None) | None => {}
                }
                self.out.push('>');
            }
            Tag::Emphasis => self.out.push_str("<em>"),
            Tag::Strong => self.out.push_str("<strong>"),
            Tag::Strikethrough => self.out.push_str("<del>"),
            Tag::Superscript => self.out.push_str("<sup>"),
            Tag::Subscript => self.out.push_str("<sub>"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let url = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                // A link inside a written `<a>` would nest anchors: keep its text only.
                let keep = self.open_anchors == 0 && is_safe_url(&url);
                if keep {
                    push_anchor_open(&mut self.out, &url, &title);
                    self.open_anchors += 1;
                }
                self.links.push(keep);
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let url = dest_url.to_string();
                self.image = Some(PendingImage {
                    url: is_safe_url(&url).then_some(url),
                    title: title.to_string(),
                    ..PendingImage::default()
                });
            }
            // Footnotes and metadata blocks are off; were they ever on, their
            // contents would still go through this writer, as text.
            Tag::FootnoteDefinition(_) | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.out.push_str("</p>\n"),
            TagEnd::Heading(level) => self.out.push_str(&format!("</h{}>\n", level as usize)),
            TagEnd::BlockQuote(_) => self.out.push_str("</blockquote>\n"),
            TagEnd::CodeBlock => self.out.push_str("</code></pre></div>\n"),
            TagEnd::HtmlBlock => self.end_html_block(),
            TagEnd::List(true) => self.out.push_str("</ol>\n"),
            TagEnd::List(false) => self.out.push_str("</ul>\n"),
            TagEnd::Item => self.out.push_str("</li>\n"),
            TagEnd::DefinitionList => self.out.push_str("</dl>\n"),
            TagEnd::DefinitionListTitle => self.out.push_str("</dt>\n"),
            TagEnd::DefinitionListDefinition => self.out.push_str("</dd>\n"),
            TagEnd::Table => {
                if self.table_body_open {
                    self.out.push_str("</tbody>\n");
                }
                self.table_body_open = false;
                self.out.push_str("</table>\n");
            }
            TagEnd::TableHead => {
                self.in_table_head = false;
                self.out.push_str("</tr></thead>\n");
            }
            TagEnd::TableRow => self.out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                self.out
                    .push_str(if self.in_table_head { "</th>" } else { "</td>" });
                self.cell += 1;
            }
            TagEnd::Emphasis => self.out.push_str("</em>"),
            TagEnd::Strong => self.out.push_str("</strong>"),
            TagEnd::Strikethrough => self.out.push_str("</del>"),
            TagEnd::Superscript => self.out.push_str("</sup>"),
            TagEnd::Subscript => self.out.push_str("</sub>"),
            TagEnd::Link => {
                if self.links.pop() == Some(true) {
                    self.out.push_str("</a>");
                    self.open_anchors = self.open_anchors.saturating_sub(1);
                }
            }
            // Image ends are consumed by `image_event`; a stray one writes nothing.
            TagEnd::Image | TagEnd::FootnoteDefinition | TagEnd::MetadataBlock(_) => {}
        }
    }

    /// Gathers an image's alt text as plain text (no tags), then writes the image as a
    /// `🖼 alt` link — or as text when its URL is unsafe or it sits inside a link.
    fn image_event(&mut self, event: Event<'_>) {
        let Some(image) = self.image.as_mut() else {
            return;
        };
        match event {
            Event::Start(Tag::Image { .. }) => image.depth += 1,
            Event::End(TagEnd::Image) if image.depth > 0 => image.depth -= 1,
            Event::End(TagEnd::Image) => {
                if let Some(image) = self.image.take() {
                    self.write_image(image);
                }
            }
            Event::Text(text)
            | Event::Code(text)
            | Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::FootnoteReference(text) => image.alt.push_str(&text),
            Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
            Event::Start(_) | Event::End(_) | Event::Rule | Event::TaskListMarker(_) => {}
        }
    }

    fn write_image(&mut self, image: PendingImage) {
        match image.url {
            Some(url) => {
                let label = if image.alt.is_empty() {
                    "🖼 image".to_string()
                } else {
                    format!("🖼 {}", image.alt)
                };
                if self.open_anchors == 0 {
                    push_anchor_open(&mut self.out, &url, &image.title);
                    push_text(&mut self.out, &label);
                    self.out.push_str("</a>");
                } else {
                    push_text(&mut self.out, &label);
                }
            }
            None => push_text(&mut self.out, &image.alt),
        }
    }

    /// Writes the gathered raw HTML block as escaped text, one `<br>` per line break.
    fn end_html_block(&mut self) {
        let Some(raw) = self.html_block.take() else {
            return;
        };
        self.out.push_str("<p>");
        for (i, line) in raw.trim_end_matches(['\n', '\r']).split('\n').enumerate() {
            if i > 0 {
                self.out.push_str("<br>\n");
            }
            push_text(&mut self.out, line.trim_end_matches('\r'));
        }
        self.out.push_str("</p>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tags the renderer may write; any other `<name` in the output is a failure.
    const ALLOWED_TAGS: &[&str] = &[
        "a",
        "blockquote",
        "br",
        "button",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "input",
        "li",
        "ol",
        "p",
        "pre",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
        // Math (`crate::math`).
        "math",
        "mfrac",
        "mi",
        "mn",
        "mo",
        "mover",
        "mroot",
        "mrow",
        "mspace",
        "msqrt",
        "msub",
        "msubsup",
        "msup",
        "mtext",
        "munder",
        "munderover",
    ];

    /// The attributes each tag may carry; everything else (`on…`, `style`, `src`, …) fails.
    fn attribute_allowed(tag: &str, name: &str) -> bool {
        matches!(
            (tag, name),
            ("a", "href" | "title" | "rel" | "target")
                | ("code" | "div" | "span", "class")
                | ("button", "type" | "class" | "data-copy")
                | ("input", "type" | "checked" | "disabled")
                | ("ol", "start")
                | ("td" | "th", "align")
                | ("math", "display")
                | ("mi", "mathvariant")
                | ("mfrac", "linethickness")
                | ("mover", "accent")
                | ("mspace", "width")
        )
    }

    /// Decodes the few character references the renderer writes into attributes; any
    /// other `&` sequence is reported, so the checker never guesses what a browser sees.
    fn decode_attribute(value: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = value;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let after = &rest[amp..];
            let Some(semi) = after.find(';') else {
                return Err(format!("bare & in attribute {value:?}"));
            };
            let name = &after[1..semi];
            let decoded = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "#39" => '\'',
                _ => return Err(format!("unexpected reference &{name}; in {value:?}")),
            };
            out.push(decoded);
            rest = &after[semi + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The scheme a browser would give `url` (WHATWG URL parsing: tabs and newlines
    /// removed, C0 controls and spaces trimmed), lower-cased; `None` for a relative URL.
    fn browser_scheme(url: &str) -> Option<String> {
        let cleaned: String = url
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let trimmed = cleaned.trim_matches(|c: char| c <= ' ');
        let first = trimmed.chars().next()?;
        if !first.is_ascii_alphabetic() {
            return None;
        }
        let end =
            trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))?;
        trimmed[end..]
            .starts_with(':')
            .then(|| trimmed[..end].to_ascii_lowercase())
    }

    /// Checks one tag's name and attributes; `tag` is the text between `<` and `>`.
    fn check_tag(tag: &str) -> Result<(), String> {
        let (closing, body) = match tag.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, tag),
        };
        let name_end = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len());
        let name = &body[..name_end];
        if !ALLOWED_TAGS.contains(&name) {
            return Err(format!("tag <{tag}> not allowed"));
        }
        let mut rest = &body[name_end..];
        if closing {
            return if rest.is_empty() {
                Ok(())
            } else {
                Err(format!("odd closing tag <{tag}>"))
            };
        }
        let mut attrs: Vec<(String, Option<String>)> = Vec::new();
        while !rest.is_empty() {
            rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| format!("attributes not space-separated in <{tag}>"))?;
            let attr_end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .unwrap_or(rest.len());
            let attr = &rest[..attr_end];
            if attr.is_empty() {
                return Err(format!("unparseable attribute in <{tag}>"));
            }
            if attr.starts_with("on") || attr == "style" || !attribute_allowed(name, attr) {
                return Err(format!("attribute {attr} not allowed in <{tag}>"));
            }
            if attrs.iter().any(|(a, _)| a == attr) {
                return Err(format!("duplicate attribute {attr} in <{tag}>"));
            }
            rest = &rest[attr_end..];
            let value = match rest.strip_prefix("=\"") {
                Some(quoted) => {
                    let close = quoted
                        .find('"')
                        .ok_or_else(|| format!("unterminated value in <{tag}>"))?;
                    rest = &quoted[close + 1..];
                    Some(decode_attribute(&quoted[..close])?)
                }
                None if rest.is_empty() || rest.starts_with(' ') => None,
                None => return Err(format!("unquoted or odd value in <{tag}>")),
            };
            attrs.push((attr.to_string(), value));
        }
        let get = |key: &str| {
            attrs
                .iter()
                .find(|(a, _)| a == key)
                .map(|(_, v)| v.as_deref())
        };
        match name {
            "a" => {
                let href = get("href")
                    .flatten()
                    .ok_or_else(|| format!("<a> without href: <{tag}>"))?;
                if href.chars().any(|c| c.is_control() || c == ' ') {
                    return Err(format!("raw whitespace/control in href: <{tag}>"));
                }
                if let Some(scheme) = browser_scheme(href) {
                    if !matches!(scheme.as_str(), "http" | "https" | "mailto") {
                        return Err(format!("href with scheme {scheme}: <{tag}>"));
                    }
                }
                if get("rel") != Some(Some("noopener noreferrer nofollow"))
                    || get("target") != Some(Some("_blank"))
                {
                    return Err(format!("<a> without rel/target: <{tag}>"));
                }
            }
            "input" => {
                if get("type") != Some(Some("checkbox")) || get("disabled") != Some(None) {
                    return Err(format!("input that is not a disabled checkbox: <{tag}>"));
                }
                if !matches!(get("checked"), None | Some(None)) {
                    return Err(format!("odd checked attribute: <{tag}>"));
                }
            }
            "button" if get("type") != Some(Some("button")) => {
                return Err(format!("button that is not type=button: <{tag}>"));
            }
            "ol" => {
                if let Some(start) = get("start") {
                    if !start
                        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    {
                        return Err(format!("non-numeric start: <{tag}>"));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The safety net: scans every tag and attribute of `html` and fails on anything
    /// that could run script, load a resource or navigate to a dangerous URL.
    fn check_inert(html: &str) -> Result<(), String> {
        let mut rest = html;
        while let Some(pos) = rest.find(['<', '>']) {
            if rest[pos..].starts_with('>') {
                return Err(format!("stray '>' in text near {:?}", &rest[..pos]));
            }
            let after = &rest[pos + 1..];
            let end = after
                .find(['>', '<'])
                .ok_or_else(|| "unterminated tag".to_string())?;
            if after[end..].starts_with('<') {
                return Err(format!("'<' inside a tag: {:?}", &after[..end]));
            }
            check_tag(&after[..end])?;
            rest = &after[end + 1..];
        }
        Ok(())
    }

    /// Renders `input` and fails the test, showing both, unless the output is inert.
    fn assert_inert(input: &str) -> String {
        let html = render(input);
        if let Err(why) = check_inert(&html) {
            panic!("unsafe output: {why}\ninput: {input:?}\noutput: {html:?}");
        }
        html
    }

    // Guards against a checker so lenient that the XSS tests below would pass anything.
    // Guards against a reply's line breaks collapsing into one line.
    #[test]
    fn single_newlines_are_line_breaks() {
        assert_eq!(
            render("first line\nsecond line"),
            "<p>first line<br>\nsecond line</p>\n"
        );
    }

    #[test]
    fn checker_rejects_dangerous_markup() {
        let a = r#" rel="noopener noreferrer nofollow" target="_blank""#;
        let bad = [
            "<script>alert(1)</script>".to_string(),
            "<SCRIPT>".to_string(),
            "<img src=\"x\">".to_string(),
            "<p onclick=\"x\">".to_string(),
            "<p style=\"x\">".to_string(),
            "<p class=\"x\">".to_string(),
            "<input type=\"text\">".to_string(),
            "<input type=\"checkbox\">".to_string(),
            "<!-- x -->".to_string(),
            "<a href=x>".to_string(),
            "x > y".to_string(),
            "<a <b>".to_string(),
            format!("<a href=\"javascript:alert(1)\"{a}>"),
            format!("<a href=\" JaVa&#39;script:x\"{a}>"),
            format!("<a href=\"java\tscript:x\"{a}>"),
            format!("<a href=\"data:text/html,x\"{a}>"),
            format!("<a href=\"&#106;avascript:x\"{a}>"),
            "<a href=\"https://ok\">".to_string(),
            "<ol start=\"1x\">".to_string(),
        ];
        for html in bad {
            assert!(check_inert(&html).is_err(), "checker accepted {html:?}");
        }
        let good = format!(
            "<p>a &lt;b&gt;</p>\n<a href=\"https://ok/?a=1&amp;b=2\"{a}>x</a><input type=\"checkbox\" checked disabled>"
        );
        assert_eq!(check_inert(&good), Ok(()));
    }

    // Guards against math left as raw LaTeX, and prices taken for math.
    #[test]
    fn dollar_math_becomes_mathml_and_prices_stay_text() {
        let html = render("Area: $\\pi r^2$.\n\n$$\\frac{a}{b}$$");
        assert!(
            html.contains("<math><mrow><mi>π</mi><msup><mi>r</mi>"),
            "{html}"
        );
        assert!(
            html.contains("<math display=\"block\"><mrow><mfrac>"),
            "{html}"
        );
        check_inert(&html).unwrap_or_else(|e| panic!("{e}: {html}"));
        assert_eq!(
            render("It costs $5 and $10."),
            "<p>It costs $5 and $10.</p>\n"
        );
        assert_eq!(render("`$x$`"), "<p><code>$x$</code></p>\n");
    }

    // Guards against plain Markdown (paragraphs, emphasis, lists, headings) losing its tags.
    #[test]
    fn renders_common_markdown() {
        let html = assert_inert("# Title\n\nHello *there* **you** ~~old~~ `x < y`.\n\n- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n---\nline  \nbreak");
        assert_eq!(
            html,
            "<h1>Title</h1>\n\
             <p>Hello <em>there</em> <strong>you</strong> <del>old</del> <code>x &lt; y</code>.</p>\n\
             <ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\
             <ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n\
             <blockquote>\n<p>quoted</p>\n</blockquote>\n\
             <hr>\n\
             <p>line<br>\nbreak</p>\n"
        );
    }

    // Guards against code blocks losing the markup the copy button's event delegation expects.
    #[test]
    fn renders_fenced_rust_code_block_exactly() {
        let html = assert_inert("```rust\nfn main() { println!(\"<hi> & 'bye'\"); }\n```\n");
        assert_eq!(
            html,
            "<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">rust</span>\
             <button type=\"button\" class=\"copy\" data-copy>Copy</button></div>\
             <pre><code class=\"language-rust\">fn main() { println!(&quot;&lt;hi&gt; &amp; &#39;bye&#39;&quot;); }\n\
             </code></pre></div>\n"
        );
    }

    // Guards against an unlabelled or indented code block getting an empty class or label.
    #[test]
    fn code_block_without_language_is_labelled_text() {
        let expected = "<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">text</span>\
             <button type=\"button\" class=\"copy\" data-copy>Copy</button></div>\
             <pre><code>a\n</code></pre></div>\n";
        assert_eq!(assert_inert("```\na\n```"), expected);
        assert_eq!(assert_inert("    a\n"), expected);
    }

    // Guards against a hostile info string breaking out of the class attribute or label.
    // Guards against a copy button left in English on a Japanese screen, or a label that
    // could carry markup.
    #[test]
    fn copy_button_speaks_the_label_given() {
        let html = render_labelled("```\nx\n```\n", "コピー");
        assert!(html.contains("data-copy>コピー</button>"), "{html}");
        let html = render_labelled("```\nx\n```\n", "<b>");
        assert!(html.contains("data-copy>&lt;b&gt;</button>"), "{html}");
        assert_eq!(
            render("```\nx\n```\n"),
            render_labelled("```\nx\n```\n", "Copy")
        );
    }

    #[test]
    fn code_language_is_sanitised() {
        assert_eq!(code_language("\"><script>"), "script");
        assert_eq!(code_language("c++ {.numberLines}"), "c++");
        assert_eq!(code_language("rust,ignore"), "rust");
        assert_eq!(code_language("x".repeat(100).as_str()).len(), MAX_LANG_LEN);
        assert_eq!(code_language(""), "");
        let html = assert_inert("```\"><script>alert(1)</script>\nx\n```");
        assert!(
            html.contains("<span class=\"code-lang\">scriptalert1script</span>"),
            "{html}"
        );
        assert!(
            html.contains("<code class=\"language-scriptalert1script\">"),
            "{html}"
        );
    }

    // Guards against tables being dropped or alignment coming back as a style attribute.
    #[test]
    fn renders_table() {
        let html = assert_inert("| a | b |\n|:--|--:|\n| 1 | *2* |\n");
        assert_eq!(
            html,
            "<table>\n<thead><tr><th align=\"left\">a</th><th align=\"right\">b</th></tr></thead>\n\
             <tbody>\n<tr><td align=\"left\">1</td><td align=\"right\"><em>2</em></td></tr>\n</tbody>\n</table>\n"
        );
    }

    // Guards against task-list checkboxes that are missing, enabled, or not checkboxes.
    #[test]
    fn renders_task_list() {
        let html = assert_inert("- [ ] todo\n- [x] done\n");
        assert_eq!(
            html,
            "<ul>\n<li><input type=\"checkbox\" disabled> todo</li>\n\
             <li><input type=\"checkbox\" checked disabled> done</li>\n</ul>\n"
        );
    }

    // Guards against safe links losing rel/target or their title, or being over-escaped.
    #[test]
    fn renders_safe_link_exactly() {
        assert_eq!(
            assert_inert("[docs](https://example.com/a?b=1&c=2 \"The \\\"docs\\\"\")"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" title=\"The &quot;docs&quot;\" \
             rel=\"noopener noreferrer nofollow\" target=\"_blank\">docs</a></p>\n"
        );
        for (input, href) in [
            ("[x](#frag)", "#frag"),
            ("[x](/path)", "/path"),
            ("[x](path/page)", "path/page"),
            ("[x](mailto:a@b.example)", "mailto:a@b.example"),
            ("[x](HTTP://A.EXAMPLE)", "HTTP://A.EXAMPLE"),
            ("<https://a.example/x>", "https://a.example/x"),
            ("<a@b.example>", "mailto:a@b.example"),
        ] {
            let html = assert_inert(input);
            assert!(
                html.contains(&format!("<a href=\"{href}\" rel=")),
                "{input}: {html}"
            );
        }
    }

    // Guards against images loading by themselves (tracking pixels) instead of becoming links.
    #[test]
    fn image_becomes_link() {
        assert_eq!(
            assert_inert("![a cat](https://img.example/cat.png)"),
            "<p><a href=\"https://img.example/cat.png\" rel=\"noopener noreferrer nofollow\" \
             target=\"_blank\">🖼 a cat</a></p>\n"
        );
        assert_eq!(
            assert_inert("![*bold* cat](javascript:alert(1))"),
            "<p>bold cat</p>\n"
        );
        // A linked image keeps the outer link and no nested anchor.
        assert_eq!(
            assert_inert("[![badge](https://img.example/b.svg)](https://ok.example)"),
            "<p><a href=\"https://ok.example\" rel=\"noopener noreferrer nofollow\" \
             target=\"_blank\">🖼 badge</a></p>\n"
        );
    }

    // Guards against raw HTML passing through instead of being shown as text.
    #[test]
    fn raw_html_is_shown_as_text() {
        assert_eq!(
            assert_inert("<div onclick=\"x\">\nhi\n</div>"),
            "<p>&lt;div onclick=&quot;x&quot;&gt;<br>\nhi<br>\n&lt;/div&gt;</p>\n"
        );
        assert_eq!(
            assert_inert("a <b>bold</b> c"),
            "<p>a &lt;b&gt;bold&lt;/b&gt; c</p>\n"
        );
    }

    // Guards against the URL rule missing a browser-equivalent spelling of javascript:.
    #[test]
    fn url_rule() {
        for safe in [
            "ht\ttps://a",
            " https://a",
            "https://a",
            "http://a",
            "MAILTO:x@y",
            "#x",
            "/p",
            "p",
            "//h/p",
            "",
            "a/b:c",
            "?q=javascript:x",
        ] {
            assert!(is_safe_url(safe), "{safe:?}");
        }
        for unsafe_url in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java\tscript:x",
            "java\nscript:x",
            "\u{0}javascript:x",
            "javascript\u{7f}:x",
            "vbscript:x",
            "data:text/html,x",
            "file:///etc/passwd",
            "jav\u{0430}script:x",
            "ｊavascript:x",
            "weird scheme:x",
        ] {
            assert!(!is_safe_url(unsafe_url), "{unsafe_url:?}");
        }
    }

    /// Payloads that must come out with no link at all.
    const NO_LINK_PAYLOADS: &[&str] = &[
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](<java\tscript:alert(1)>)",
        "[x](java&#9;script:alert(1))",
        "[x](java&Tab;script:alert(1))",
        "[x](java&NewLine;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](javascript\\:alert(1))",
        "[x](<\u{0}javascript:alert(1)>)",
        "[x](<\u{b}javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "<vbscript:msgbox(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "[x]\n\n[x]: <data:text/html,<script>alert(1)</script>>",
        "![x][r]\n\n[r]: vbscript:x",
        "[![x](javascript:alert(1))](javascript:alert(1))",
        "[x](ｊavascript:alert(1))",
        "[x](jav\u{0430}script:alert(1))",
    ];

    /// Raw-HTML and miscellaneous payloads; all must render inert.
    const OTHER_PAYLOADS: &[&str] = &[
        // HTML5-only entities are not decoded (vendor/README.md): this stays the relative
        // path `javascript&colon;alert(1)`, with `&` escaped again, never a scheme.
        "[x](javascript&colon;alert(1))",
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "![x](https://evil.example/track.png)",
        "<style>*{}</style>",
        "<object data=x>",
        "<embed src=x>",
        "<form action=x><input></form>",
        "<input type=text autofocus onfocus=alert(1)>",
        "<button formaction=javascript:alert(1)>x</button>",
        "<meta http-equiv=refresh content=0;url=x>",
        "<base href=x>",
        "<link rel=stylesheet href=x>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "<details open ontoggle=alert(1)>",
        "*<img src=x onerror=alert(1)>*",
        "**_<script>alert(1)</script>_**",
        "```\"><script>\nalert(1)\n```",
        "```<style>\ncss\n```",
        "[x](https://a \"\\\" onmouseover=alert(1) \\\"\")",
        "[x](https://a/\"onmouseover=\"alert(1))",
        "[x](<https://a/\" onmouseover=\"alert(1)>)",
        "![x\" onerror=\"alert(1)](https://a.example/p.png)",
        "![<script>](https://ok.example/a.png \"<script>\")",
        "[<img src=x onerror=alert(1)>](https://ok.example)",
        "`<script>alert(1)</script>`",
        "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:1) |",
        "- [x] <img src=x onerror=1>",
        "> <iframe src=x>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<!-- <script>alert(1)</script> -->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<?php echo 1; ?>",
        "<x onclick=alert(1)>click</x>",
        "# Title {#id onclick=alert(1)}",
        "[x](https://ok.example){onclick=alert(1)}",
        "[x](//evil.example)",
        "<scr\u{0131}pt>alert(1)</scr\u{0131}pt>",
        "<\u{FF53}cript>alert(1)</\u{FF53}cript>",
        "\u{202E}<script>alert(1)</script>",
        "<scr<script>ipt>alert(1)</script>",
        "[x](https://a.example/\u{0}<script>)",
        "<a href=x>[y](javascript:alert(1))</a>",
        "[^1]\n\n[^1]: <script>alert(1)</script>",
        "$<script>$ $$<svg>$$",
        "---\ntitle: <script>\n---\n",
        "Term\n: <script>alert(1)</script>",
        "<mailto:a@b.example>",
        "<a@b.example>",
        "<textarea><script>alert(1)</script></textarea>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<plaintext><script>",
    ];

    // Guards against any payload in the XSS corpus producing a live tag, handler or URL.
    #[test]
    fn xss_corpus_renders_inert() {
        assert!(NO_LINK_PAYLOADS.len() + OTHER_PAYLOADS.len() >= 40);
        for payload in NO_LINK_PAYLOADS {
            let html = assert_inert(payload);
            assert!(!html.contains("<a"), "link kept for {payload:?}: {html}");
        }
        for payload in OTHER_PAYLOADS {
            assert_inert(payload);
        }
    }

    // Guards against unsafe links disappearing entirely instead of showing their text.
    #[test]
    fn unsafe_link_keeps_its_text() {
        assert_eq!(
            assert_inert("[click *me*](javascript:alert(1))"),
            "<p>click <em>me</em></p>\n"
        );
        assert_eq!(
            assert_inert("<javascript:alert(1)>"),
            "<p>javascript:alert(1)</p>\n"
        );
    }

    // Guards against panics, blow-ups or unsafe output on very long and deeply nested input.
    #[test]
    fn very_long_inputs_render_inert() {
        let inputs = [
            "<".repeat(100_000),
            format!("{}](javascript:alert(1))", "[".repeat(20_000)),
            format!("{}<script>alert(1)</script>", "> ".repeat(2_000)),
            format!("{}x", "*".repeat(50_000)),
            "```".repeat(10_000),
            format!("{}x{}", "- ".repeat(2_000), "\n").repeat(3),
            "[x](javascript:alert(1))".repeat(5_000),
            format!("[x]({})", "a".repeat(200_000)),
            "|a|\n|-|\n".repeat(2_000),
            "<img src=x onerror=alert(1)>\n".repeat(5_000),
        ];
        for input in &inputs {
            assert_inert(input);
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Pieces of Markdown and HTML that, strung together, reach the risky paths.
        const FRAGMENTS: &[&str] = &[
            "<",
            ">",
            "</",
            "/>",
            "[",
            "]",
            "](",
            ")",
            "![",
            "]: ",
            "javascript:",
            "JaVaScRiPt:",
            "vbscript:",
            "data:",
            "http://",
            "mailto:",
            "on",
            "onerror",
            "=",
            "\"",
            "'",
            "`",
            "```",
            "!",
            "\n",
            "\n\n",
            " ",
            "\t",
            "&",
            "&#106;",
            "&#9;",
            "&Tab;",
            "&colon;",
            "&lt;",
            "&#x3C;",
            "&quot;",
            ";",
            ":",
            "a",
            "x",
            "script",
            "img",
            "svg",
            "style",
            "iframe",
            "src",
            "href",
            "<script>",
            "<img ",
            "*",
            "_",
            "~~",
            "|",
            "-",
            "# ",
            "> ",
            "- [ ] ",
            "1. ",
            "\\",
            "#",
            "/",
            "{",
            "}",
            "<!--",
            "-->",
            "\u{0}",
            "\u{202E}",
            "ｊ",
            "\r",
        ];

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

            // Guards against any combination of fragments yielding a live tag, handler or URL.
            #[test]
            fn random_markup_renders_inert(
                parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80)
            ) {
                let input = parts.concat();
                let html = render(&input);
                prop_assert_eq!(check_inert(&html), Ok(()), "input {:?} → {:?}", input, html);
            }
        }
    }
}
