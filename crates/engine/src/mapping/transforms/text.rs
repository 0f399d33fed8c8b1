//! Free text: HTML to plain text, truncation with a marker, regular expressions, and
//! putting several columns together (`template`, `join`).

use regex::Regex;

use super::{Note, Value, parts};

/// Empty text is missing.
pub fn optional(text: String) -> Value {
    if text.is_empty() {
        Value::Missing
    } else {
        Value::Text(text)
    }
}

/// Tags that start on a new line and end one (`br` just breaks one).
const BLOCK_TAGS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
    "dt",
    "dd",
];

/// HTML to plain text: tags removed, block ends as line breaks, list items as "- ",
/// entities decoded, script and style contents dropped, runs of blank lines collapsed.
/// Line breaks already in the text are kept (legacy notes mix plain text and tags).
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt..];
        if let Some(comment) = after.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(gt) = after.find('>') else {
            // A lone "<" is text ("a < b").
            out.push_str(&decode_entities(after));
            rest = "";
            break;
        };
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() && !tag.starts_with('!') && !closing {
            // "<" not followed by a tag name, e.g. "<5 mg": text.
            out.push('<');
            rest = &after[1..];
            continue;
        }
        if !closing && (name == "script" || name == "style") {
            rest = skip_past_closing(rest, &name);
            continue;
        }
        let block = BLOCK_TAGS.contains(&name.as_str());
        match (name.as_str(), closing) {
            ("br", _) => out.push('\n'),
            ("li", false) => {
                start_line(&mut out);
                out.push_str("- ");
            }
            ("td" | "th", false) => out.push(' '),
            (_, true) if block => out.push('\n'),
            (_, false) if block => start_line(&mut out),
            _ => {}
        }
    }
    out.push_str(&decode_entities(rest));
    tidy_lines(&out)
}

fn start_line(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// The text after `</name>`, or nothing when it is never closed.
fn skip_past_closing<'a>(rest: &'a str, name: &str) -> &'a str {
    let lower = rest.to_ascii_lowercase();
    match lower.find(&format!("</{name}")) {
        Some(at) => rest[at..].find('>').map_or("", |gt| &rest[at + gt + 1..]),
        None => "",
    }
}

/// Collapse spaces within lines, trim each line, keep at most one blank line in a row.
fn tidy_lines(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

const ENTITIES: &[(&str, &str)] = &[
    ("nbsp", " "),
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("deg", "°"),
    ("plusmn", "±"),
    ("micro", "µ"),
    ("middot", "·"),
    ("bull", "•"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("hellip", "…"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("times", "×"),
    ("divide", "÷"),
    ("frac12", "½"),
    ("frac14", "¼"),
    ("frac34", "¾"),
    ("sup2", "²"),
    ("sup3", "³"),
    ("le", "≤"),
    ("ge", "≥"),
    ("eacute", "é"),
    ("egrave", "è"),
    ("aacute", "á"),
    ("iacute", "í"),
    ("oacute", "ó"),
    ("uacute", "ú"),
    ("ntilde", "ñ"),
    ("uuml", "ü"),
    ("ouml", "ö"),
    ("auml", "ä"),
    ("ccedil", "ç"),
];

/// Decode `&name;`, `&#123;` and `&#x7B;`; an unknown entity stays as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        match end.and_then(|end| entity(&after[..end]).map(|s| (end, s))) {
            Some((end, decoded)) => {
                out.push_str(&decoded);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let c = match code {
            0xA0 => ' ',
            _ => char::from_u32(code).unwrap_or('\u{FFFD}'),
        };
        return Some(c.to_string());
    }
    ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.to_string())
}

/// Cut to `max` characters, the marker included; a note says by how much.
pub fn truncate(text: String, max: usize, marker: &str, notes: &mut Vec<Note>) -> String {
    let length = text.chars().count();
    if length <= max {
        return text;
    }
    let keep = max - marker.chars().count();
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(marker);
    notes.push(Note::new(
        "transform.truncate",
        format!("text of {length} characters was cut to {max}"),
    ));
    out
}

/// The first capture group of the first match (the whole match if the pattern has none).
pub fn regex_extract(pattern: &Regex, text: &str, or_missing: bool) -> Result<Value, String> {
    match pattern.captures(text) {
        Some(caps) => {
            let found = caps
                .get(1)
                .or_else(|| caps.get(0))
                .map_or("", |m| m.as_str());
            Ok(optional(found.to_string()))
        }
        None if or_missing => Ok(Value::Missing),
        None => Err("the pattern does not match".to_string()),
    }
}

/// `{1}, {2}`: literal text and 1-based column positions (`{{` and `}}` are braces).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Literal before the first position, then each position with the literal after it.
    lead: String,
    slots: Vec<(usize, String)>,
}

impl Template {
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut lead = String::new();
        let mut slots: Vec<(usize, String)> = Vec::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            let literal = match slots.last_mut() {
                Some((_, after)) => after,
                None => &mut lead,
            };
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let digits: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let position: usize = digits.trim().parse().map_err(|_| {
                        format!(
                            "template position '{{{digits}}}' must be a column number such as {{1}}"
                        )
                    })?;
                    if position == 0 {
                        return Err("template positions start at {1}".to_string());
                    }
                    slots.push((position, String::new()));
                }
                '}' => {
                    return Err(
                        "template has a '}' without its '{' (write '}}' for a brace)".to_string(),
                    );
                }
                c => literal.push(c),
            }
        }
        if slots.is_empty() {
            return Err("template has no column position such as {1}".to_string());
        }
        Ok(Template { lead, slots })
    }

    /// Fill the positions. A missing part takes its separator with it: a literal between
    /// two positions is kept only when a filled part comes before it (the nearest one)
    /// and another after it; the text before the first position only when that position
    /// is filled, the text after the last likewise. All parts missing: missing.
    pub fn apply(&self, value: Value) -> Result<Value, String> {
        let columns = parts(&value)?;
        let mut filled = Vec::with_capacity(self.slots.len());
        for (position, _) in &self.slots {
            let part = columns.get(position - 1).ok_or_else(|| {
                format!(
                    "template refers to column {position} but the element has {}",
                    columns.len()
                )
            })?;
            filled.push(part.map(str::trim));
        }
        if filled.iter().all(Option::is_none) {
            return Ok(Value::Missing);
        }
        let mut out = String::new();
        if filled[0].is_some() {
            out.push_str(&self.lead);
        }
        let last = self.slots.len() - 1;
        let mut pending: Option<&str> = None;
        for (i, ((_, after), part)) in self.slots.iter().zip(&filled).enumerate() {
            if let Some(part) = part {
                if let Some(sep) = pending.take() {
                    out.push_str(sep);
                }
                out.push_str(part);
                if i == last {
                    out.push_str(after);
                } else {
                    pending = Some(after);
                }
            }
        }
        Ok(optional(out))
    }
}

/// The present parts joined by `sep`; all missing is missing.
pub fn join(value: Value, sep: &str) -> Value {
    match value {
        Value::List(items) => {
            let present: Vec<&str> = items
                .iter()
                .filter_map(|v| match v {
                    Value::Text(t) if !t.trim().is_empty() => Some(t.trim()),
                    _ => None,
                })
                .collect();
            optional(present.join(sep))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_html_table() {
        let cases = [
            ("<p>Hello</p><p>World</p>", "Hello\nWorld"),
            ("Intro<p>Body</p>", "Intro\nBody"),
            (
                "Line one<br>Line two<br/>three",
                "Line one\nLine two\nthree",
            ),
            ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
            ("<div>BP&nbsp;120/80 &amp; HR 60</div>", "BP 120/80 & HR 60"),
            ("&lt;b&gt; is bold", "<b> is bold"),
            (
                "&quot;hi&quot; &#39;x&#39; &#x27;y&#x27; &#65;&#x42;",
                "\"hi\" 'x' 'y' AB",
            ),
            ("<script>alert(1)</script>Safe", "Safe"),
            ("<STYLE type=\"text/css\">p{}</STYLE>Text", "Text"),
            ("<h1>Title</h1>Body", "Title\nBody"),
            (
                "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
                "a b\nc",
            ),
            ("<p>a</p>\n\n\n<p>b</p>", "a\n\nb"),
            ("x <!-- hidden --> y", "x y"),
            ("glucose <5 mg & rising", "glucose <5 mg & rising"),
            ("a < b", "a < b"),
            ("&unknown; &amp", "&unknown; &amp"),
            ("  <b>bold</b>  ", "bold"),
            ("<p></p>", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_html(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn truncate_counts_characters_and_the_marker() {
        let mut notes = Vec::new();
        assert_eq!(truncate("abcdef".into(), 6, "…", &mut notes), "abcdef");
        assert!(notes.is_empty(), "nothing cut, nothing noted");
        assert_eq!(truncate("abcdefg".into(), 6, "…", &mut notes), "abcde…");
        assert_eq!(truncate("ééééééé".into(), 4, "...", &mut notes), "é...");
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].rule, "transform.truncate");
        assert_eq!(notes[0].message, "text of 7 characters was cut to 6");
    }

    #[test]
    fn regex_extract_table() {
        let re = |p: &str| Regex::new(p).expect("a valid pattern");
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(
            regex_extract(&re(r"MRN(\d+)"), "MRN00123", false),
            Ok(t("00123"))
        );
        assert_eq!(regex_extract(&re(r"\d+"), "ab 42 cd", false), Ok(t("42")));
        assert_eq!(
            regex_extract(&re(r"\d+"), "none", false),
            Err("the pattern does not match".into())
        );
        assert_eq!(regex_extract(&re(r"\d+"), "none", true), Ok(Value::Missing));
    }

    #[test]
    fn templates_tidy_separators_of_missing_parts() {
        let t = |s: &str| Value::Text(s.into());
        let list = |items: &[Option<&str>]| {
            Value::List(items.iter().map(|i| i.map_or(Value::Missing, t)).collect())
        };
        let address = Template::parse("{1}, {2} {3}").expect("valid");
        let cases = [
            (
                list(&[Some("Boston"), Some("MA"), Some("02134")]),
                t("Boston, MA 02134"),
            ),
            (
                list(&[Some("Boston"), None, Some("02134")]),
                t("Boston, 02134"),
            ),
            (list(&[None, Some("MA"), Some("02134")]), t("MA 02134")),
            (list(&[Some("Boston"), None, None]), t("Boston")),
            (list(&[None, None, None]), Value::Missing),
            (
                list(&[Some(" Boston "), Some(""), Some("02134")]),
                t("Boston, 02134"),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                address.apply(input.clone()),
                Ok(expected),
                "input {input:?}"
            );
        }
        let framed = Template::parse("Dr. {2} ({1})").expect("valid");
        assert_eq!(
            framed.apply(list(&[Some("MD"), Some("Roe")])),
            Ok(t("Dr. Roe (MD)"))
        );
        assert_eq!(framed.apply(list(&[None, Some("Roe")])), Ok(t("Dr. Roe")));
        let braces = Template::parse("{{{1}}}").expect("valid");
        assert_eq!(braces.apply(t("x")), Ok(t("{x}")));
        assert_eq!(
            address.apply(list(&[Some("a")])),
            Err("template refers to column 2 but the element has 1".into())
        );
        for bad in ["no positions", "{0}", "{a}", "x }"] {
            assert!(Template::parse(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn join_skips_missing() {
        let t = |s: &str| Value::Text(s.into());
        let cases = [
            (Value::List(vec![t("a"), Value::Missing, t("b")]), t("a b")),
            (Value::List(vec![Value::Missing, t(" ")]), Value::Missing),
            (t("single"), t("single")),
        ];
        for (input, expected) in cases {
            assert_eq!(join(input.clone(), " "), expected, "input {input:?}");
        }
    }
}

/// Standard base64 with padding (RFC 4648), as FHIR's `base64Binary`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod base64_tests {
    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Zoë", "Wm/Dqw=="),
        ] {
            assert_eq!(super::base64(input.as_bytes()), expected, "{input:?}");
        }
    }
}
