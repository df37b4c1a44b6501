//! The report page: one self-contained `index.html` that shows the scenario,
//! its settings, the objectives with pass or fail, the charts in reading
//! order and how to reproduce the results.
//!
//! The page works offline, opened from disk: its style is inline, it loads
//! no script, and it refers only to the chart files written beside it.

/// A cell of a table, optionally marked as a pass or a fail.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Text shown.
    pub text: String,
    /// `Some(true)` for a pass, `Some(false)` for a fail.
    pub verdict: Option<bool>,
}

impl Cell {
    /// A plain cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            verdict: None,
        }
    }

    /// A pass/fail cell.
    pub fn verdict(pass: bool, s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            verdict: Some(pass),
        }
    }
}

/// A table with a header row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

/// A chart on the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File name of the SVG, relative to the page.
    pub file: String,
    /// Alternative text: what the chart shows.
    pub alt: String,
    /// What to look for in it.
    pub caption: String,
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// Page title, e.g. `blackfriday: sweep report`.
    pub title: String,
    /// The scenario's story as plain text (see [`story_from_toml`]):
    /// blank lines separate paragraphs, lines starting with `- ` or `1. `
    /// are list items, and indented lines continue an item.
    pub story: String,
    /// Headline findings, one sentence each.
    pub findings: Vec<Cell>,
    /// Key settings as (key, value).
    pub settings: Vec<(String, String)>,
    /// Tables with their headings, in order (objectives, thresholds).
    pub tables: Vec<(String, String, Table)>,
    /// Charts, in reading order.
    pub figures: Vec<Figure>,
    /// How to reproduce: (label, value) pairs; values are shown as code.
    pub reproduce: Vec<(String, String)>,
    /// The scenario file, shown folded, if known.
    pub scenario_text: Option<String>,
}

/// The story a page tells: the one recorded in the results when it says
/// something, else the leading comment of the scenario file beside them
/// (see [`story_from_toml`]).
pub(crate) fn story(recorded: &Option<String>, scenario_text: Option<&str>) -> String {
    recorded
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| scenario_text.map(story_from_toml))
        .unwrap_or_default()
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  margin: 0 auto; max-width: 1000px; padding: 24px 32px 64px; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 8px; font-size: 0.95em; }
th, td { border: 1px solid #d4d4d4; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #e3f1fb; color: #00466e; font-weight: 600; }
td.fail { background: #fbe6d9; color: #7a2e00; font-weight: 600; }
ul.findings { border-top: 1px solid #e2e2e2; padding-top: 10px; }
ul.findings li.pass::marker { content: '✓  '; color: #0072b2; }
ul.findings li.fail::marker { content: '✗  '; color: #d55e00; }
figure { margin: 24px 0; }
figure img { width: 100%; height: auto; border: 1px solid #e2e2e2; }
figcaption { color: #444; font-size: 0.95em; margin-top: 4px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
pre { background: #f6f6f6; padding: 10px 12px; overflow-x: auto; }
.settings table { min-width: 60%; }
nav a { margin-right: 14px; }
";

/// Renders the page as HTML.
pub fn html(p: &Page) -> String {
    let mut o = String::new();
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    o += &format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&p.title)
    );
    o += &format!("<h1>{}</h1>\n", escape(&p.title));
    o += "<nav class=\"sub\"><a href=\"#summary\">Summary</a><a href=\"#settings\">Settings</a>";
    if !p.figures.is_empty() {
        o += "<a href=\"#charts\">Charts</a>";
    }
    o += "<a href=\"#reproduce\">Reproduce</a></nav>\n";
    o += "<h2 id=\"summary\">Summary</h2>\n";
    o += &story_html(&p.story);
    if !p.findings.is_empty() {
        o += "<ul class=\"findings\">\n";
        for f in &p.findings {
            let class = match f.verdict {
                Some(true) => " class=\"pass\"",
                Some(false) => " class=\"fail\"",
                None => "",
            };
            o += &format!("<li{class}>{}</li>\n", escape(&f.text));
        }
        o += "</ul>\n";
    }
    for (heading, intro, table) in &p.tables {
        o += &format!("<h3>{}</h3>\n", escape(heading));
        if !intro.is_empty() {
            o += &format!("<p class=\"sub\">{}</p>\n", escape(intro));
        }
        o += &table_html(table);
    }
    o += "<h2 id=\"settings\">Key settings</h2>\n<div class=\"settings\"><table>\n<tr><th>setting</th><th>value</th></tr>\n";
    for (k, v) in &p.settings {
        o += &format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
            escape(k),
            escape(v)
        );
    }
    o += "</table></div>\n";
    if !p.figures.is_empty() {
        o += "<h2 id=\"charts\">Charts</h2>\n";
        for f in &p.figures {
            o += &format!(
                "<figure id=\"{id}\"><a href=\"{file}\"><img src=\"{file}\" alt=\"{alt}\" width=\"960\" height=\"540\"></a>\n<figcaption>{cap}</figcaption></figure>\n",
                id = escape(f.file.trim_end_matches(".svg")),
                file = escape(&f.file),
                alt = escape(&f.alt),
                cap = escape(&f.caption)
            );
        }
    }
    o += "<h2 id=\"reproduce\">Reproduce</h2>\n<table>\n";
    for (k, v) in &p.reproduce {
        o += &format!(
            "<tr><th>{}</th><td><code>{}</code></td></tr>\n",
            escape(k),
            escape(v)
        );
    }
    o += "</table>\n";
    if let Some(text) = &p.scenario_text {
        o += "<details><summary>Scenario file</summary>\n<pre>";
        o += &escape(text);
        o += "</pre></details>\n";
    }
    o += "</body>\n</html>\n";
    o
}

fn table_html(t: &Table) -> String {
    let mut o = String::from("<table>\n<tr>");
    for h in &t.header {
        o += &format!("<th>{}</th>", escape(h));
    }
    o += "</tr>\n";
    for row in &t.rows {
        o += "<tr>";
        for c in row {
            let class = match c.verdict {
                Some(true) => " class=\"pass\"",
                Some(false) => " class=\"fail\"",
                None if looks_numeric(&c.text) => " class=\"num\"",
                None => "",
            };
            o += &format!("<td{class}>{}</td>", escape(&c.text));
        }
        o += "</tr>\n";
    }
    o += "</table>\n";
    o
}

fn looks_numeric(s: &str) -> bool {
    let s = s.trim_start_matches(['>', '<', '≥', '≤', ' ', '-']);
    s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// A block of the story.
#[derive(Clone, Debug, PartialEq)]
enum Block {
    /// A paragraph, its lines joined by spaces.
    Paragraph(String),
    /// A list: `Some(first number)` when numbered, `None` for bullets.
    List(Option<u32>, Vec<String>),
    /// Indented lines outside a list (commands, output), as written.
    Code(Vec<String>),
}

/// The list marker that starts `line` (already trimmed): `- ` for a bullet,
/// `N. ` (up to 9 digits) for a numbered item; with the item's text.
fn list_marker(line: &str) -> Option<(Option<u32>, &str)> {
    if let Some(item) = line.strip_prefix("- ") {
        return Some((None, item));
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let item = line[digits..].strip_prefix(". ")?;
    match digits {
        1..=9 => Some((Some(line[..digits].parse().ok()?), item)),
        _ => None,
    }
}

/// Splits a story into paragraphs, lists and code. A blank line ends a
/// block. A line with a list marker starts an item (and a list, unless one
/// of the same kind is open); an indented line continues the open item, or
/// outside a list belongs to a code block (a command to run, with its
/// indented notes below it); any other line continues the open paragraph or
/// starts one. As in Markdown, a numbered line interrupts a paragraph only
/// when its number is 1, so a line that happens to start with "2024. " stays
/// in its sentence.
fn story_blocks(story: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    for line in story.lines() {
        let text = line.trim();
        if text.is_empty() {
            open = false;
            continue;
        }
        let indented = line.starts_with(char::is_whitespace);
        let last = blocks.last_mut().filter(|_| open);
        let marker = list_marker(text).filter(|(number, _)| {
            !matches!((number, &last), (Some(n), Some(Block::Paragraph(_))) if *n != 1)
        });
        match (last, marker) {
            (Some(Block::List(_, items)), _) if indented => join(items.last_mut(), text),
            (Some(Block::Code(lines)), _) if indented => lines.push(line.to_string()),
            (_, _) if indented => blocks.push(Block::Code(vec![line.to_string()])),
            (Some(Block::List(kind, items)), Some((number, item)))
                if kind.is_some() == number.is_some() =>
            {
                items.push(item.trim().to_string())
            }
            (_, Some((number, item))) => {
                blocks.push(Block::List(number, vec![item.trim().to_string()]))
            }
            (Some(Block::Paragraph(p)), None) => join(Some(p), text),
            (_, None) => blocks.push(Block::Paragraph(text.to_string())),
        }
        open = true;
    }
    blocks
}

/// Appends `text` to `to` with a space between.
fn join(to: Option<&mut String>, text: &str) {
    if let Some(to) = to {
        to.push(' ');
        to.push_str(text);
    }
}

/// The story as HTML: `<p>` paragraphs, `<ul>` and `<ol>` lists, `<pre>`
/// code blocks (their common indentation removed), and in text `` `code` ``
/// and `*emphasis*` (see [`inline_html`]).
fn story_html(story: &str) -> String {
    let mut o = String::new();
    for block in story_blocks(story) {
        match block {
            Block::Paragraph(p) => o += &format!("<p>{}</p>\n", inline_html(&p)),
            Block::Code(lines) => {
                let indent = lines
                    .iter()
                    .map(|l| l.len() - l.trim_start().len())
                    .min()
                    .unwrap_or(0);
                // Cut at a character boundary: the indentation may hold
                // wide whitespace (a no-break space is two bytes).
                let dedent = |l: &str| {
                    let cut = l
                        .char_indices()
                        .find(|&(i, c)| i >= indent || !c.is_whitespace())
                        .map_or(l.len(), |(i, _)| i);
                    escape(&l[cut..])
                };
                let body: Vec<String> = lines.iter().map(|l| dedent(l)).collect();
                o += &format!("<pre><code>{}</code></pre>\n", body.join("\n"));
            }
            Block::List(number, items) => {
                let tag = if number.is_some() { "ol" } else { "ul" };
                match number {
                    Some(n) if n != 1 => o += &format!("<ol start=\"{n}\">\n"),
                    _ => o += &format!("<{tag}>\n"),
                }
                for item in items {
                    o += &format!("<li>{}</li>\n", inline_html(&item));
                }
                o += &format!("</{tag}>\n");
            }
        }
    }
    o
}

/// A line of story text as HTML: escaped, with `` `code` `` spans and
/// `*emphasis*` as in Markdown. A backtick without a partner stays a
/// backtick; an asterisk opens emphasis only before a non-space and closes
/// it only after one, so `2 * 3` and `x*` stay as written.
fn inline_html(text: &str) -> String {
    let mut o = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find(['`', '*']) {
        o += &escape(&rest[..i]);
        let (mark, after) = (&rest[i..i + 1], &rest[i + 1..]);
        let end = if mark == "`" {
            after.find('`').filter(|&e| e > 0)
        } else {
            emphasis_end(&rest[..i], after)
        };
        match end {
            Some(e) => {
                let (tag, inner) = if mark == "`" {
                    ("code", escape(&after[..e]))
                } else {
                    ("em", inline_html(&after[..e]))
                };
                o += &format!("<{tag}>{inner}</{tag}>");
                rest = &after[e + 1..];
            }
            None => {
                o += mark;
                rest = after;
            }
        }
    }
    o + &escape(rest)
}

/// Where the emphasis that an asterisk after `before` opens ends in `after`:
/// the asterisk must start a word (nothing alphanumeric just before it, a
/// non-space just after) and the closing one end a word (a non-space just
/// before it, nothing alphanumeric just after).
fn emphasis_end(before: &str, after: &str) -> Option<usize> {
    let opens = !before.ends_with(|c: char| c.is_alphanumeric())
        && after.starts_with(|c: char| !c.is_whitespace() && c != '*');
    if !opens {
        return None;
    }
    after.match_indices('*').map(|(e, _)| e).find(|&e| {
        e > 0
            && !after[..e].ends_with(char::is_whitespace)
            && !after[e + 1..].starts_with(|c: char| c.is_alphanumeric())
    })
}

/// The leading comment block of a scenario file, without `#` marks, as its
/// story: the comment's lines as written (indentation after `# ` kept), blank
/// comment lines between paragraphs and lists. The page renders it with
/// [`html`].
pub fn story_from_toml(text: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix('#') {
            lines.push(c.strip_prefix(' ').unwrap_or(c).trim_end());
        } else if t.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[first..last.max(first)].join("\n")
}

/// `table.key = value` settings as written in a scenario file, for display:
/// comments dropped, `[sweep]` and `[slo]` skipped (they are shown
/// elsewhere). Not a TOML parser: multi-line values are shown as their
/// first line.
pub fn settings_from_toml(text: &str) -> Vec<(String, String)> {
    const ORDER: [&str; 9] = [
        "simulation",
        "workload",
        "pods",
        "pool",
        "network",
        "redis",
        "l1",
        "database",
        "client",
    ];
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let tables = ORDER.iter().copied().chain(
        doc.keys()
            .map(String::as_str)
            .filter(|k| !ORDER.contains(k)),
    );
    for name in tables {
        if name == "sweep" || name == "slo" {
            continue;
        }
        let Some(toml::Value::Table(table)) = doc.get(name) else {
            continue;
        };
        for (key, value) in table {
            let shown = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push((format!("{name}.{key}"), shown));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Black Friday: a spike to 5x.\n# Pool of 50.\n#\n# Second paragraph.\n\n[pool]\nmax_total = 50 # per pod\n[sweep]\nx = \"workload.rate\"\n[network]\nrtt = { dist = \"exponential\", mean = \"1ms\" }\n";

    #[test]
    fn story_is_the_leading_comment() {
        assert_eq!(
            story_from_toml(FILE),
            "Black Friday: a spike to 5x.\nPool of 50.\n\nSecond paragraph."
        );
        assert_eq!(
            story_html(&story_from_toml(FILE)),
            "<p>Black Friday: a spike to 5x. Pool of 50.</p>\n<p>Second paragraph.</p>\n"
        );
    }

    const LISTS: &str = "\n# Title line.\n#\n# What to look at (`capsim run`):\n# - the first burst: no failures;\n# - the quiet half hour: the second request gets a\n#   connection idle past 240 s;\n# - compare <fix> & \"trap\".\n# The fix is elsewhere.\n#\n# 1. one\n# 2. two\n#    more\n#\n#\n# 3. three\n[pool]\nmax_total = 5\n";

    #[test]
    fn story_keeps_lines_and_indentation() {
        let story = story_from_toml(LISTS);
        assert!(
            story.starts_with("Title line.\n\nWhat to look at"),
            "{story}"
        );
        assert!(story.contains("\n- the quiet half hour: the second request gets a\n  connection"));
        assert!(story.ends_with("\n\n3. three"), "{story}");
        assert_eq!(story_from_toml("[pool]\n# not a story\n"), "");
        assert_eq!(story_from_toml("#\n#\n"), "");
    }

    #[test]
    fn story_lists_become_html_lists() {
        assert_eq!(
            story_html(&story_from_toml(LISTS)),
            "<p>Title line.</p>\n\
             <p>What to look at (<code>capsim run</code>):</p>\n\
             <ul>\n\
             <li>the first burst: no failures;</li>\n\
             <li>the quiet half hour: the second request gets a connection idle past 240 s;</li>\n\
             <li>compare &lt;fix&gt; &amp; &quot;trap&quot;.</li>\n\
             </ul>\n\
             <p>The fix is elsewhere.</p>\n\
             <ol>\n<li>one</li>\n<li>two more</li>\n</ol>\n\
             <ol start=\"3\">\n<li>three</li>\n</ol>\n"
        );
    }

    #[test]
    fn story_blocks_follow_the_markers() {
        use Block::{Code, List, Paragraph};
        let p = |s: &str| Paragraph(s.to_string());
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // A bullet list switches to a numbered one and back.
        assert_eq!(
            story_blocks("- a\n1. b\n- c"),
            vec![
                List(None, items(&["a"])),
                List(Some(1), items(&["b"])),
                List(None, items(&["c"]))
            ]
        );
        // A number other than 1 does not interrupt a paragraph; 1 does.
        assert_eq!(
            story_blocks("Sales peaked in\n2024. Then they fell.\n1. first"),
            vec![
                p("Sales peaked in 2024. Then they fell."),
                List(Some(1), items(&["first"]))
            ]
        );
        // Not markers: no space after the dash or the dot, or no digits.
        assert_eq!(
            story_blocks("-5 ms\n1.5 s\n. x"),
            vec![p("-5 ms 1.5 s . x")]
        );
        // Indented lines outside a list are code, as written; a blank line
        // or an unindented line ends them.
        let code = |v: &[&str]| Code(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            story_blocks(
                "Run it:\n  capsim sweep x.toml\n      the sweep.\n  capsim run x.toml\nThen read."
            ),
            vec![
                p("Run it:"),
                code(&[
                    "  capsim sweep x.toml",
                    "      the sweep.",
                    "  capsim run x.toml"
                ]),
                p("Then read.")
            ]
        );
        // Inside a list an indented line continues the item.
        assert_eq!(
            story_blocks("- a\n  b\n\n  c"),
            vec![List(None, items(&["a b"])), code(&["  c"])]
        );
    }

    #[test]
    fn story_code_blocks_and_inline_spans() {
        assert_eq!(
            story_html("Run:\n\n  capsim sweep a.toml\n      both <pools>.\n\nThe `--refine` flag, *while holding* it."),
            "<p>Run:</p>\n\
             <pre><code>capsim sweep a.toml\n    both &lt;pools&gt;.</code></pre>\n\
             <p>The <code>--refine</code> flag, <em>while holding</em> it.</p>\n"
        );
        // Indentation of mixed width (a no-break space is two bytes).
        assert_eq!(
            story_html("Run:\n\u{a0}a\n b"),
            "<p>Run:</p>\n<pre><code>a\nb</code></pre>\n"
        );
        // Not emphasis or code: a lone backtick, a product, a trailing star,
        // stars inside words; markup inside code is left alone.
        assert_eq!(inline_html("a ` b"), "a ` b");
        assert_eq!(inline_html("2 * 3 * 4"), "2 * 3 * 4");
        assert_eq!(inline_html("x* and a*b*c"), "x* and a*b*c");
        assert_eq!(inline_html("``"), "``");
        assert_eq!(inline_html("`*a* <b>`"), "<code>*a* &lt;b&gt;</code>");
        assert_eq!(inline_html("*`k` & v*"), "<em><code>k</code> &amp; v</em>");
    }

    proptest::proptest! {
        /// Any comment renders without a panic, and everything it says is
        /// escaped: with the renderer's own tags taken out, no markup is left.
        #[test]
        fn any_story_renders_escaped(
            lines in proptest::collection::vec(
                ("[ \u{a0}\u{3000}\t]{0,3}", "(- |1\\. |2\\. )?", "(\\PC|[`*<>& ]){0,12}"),
                0..12,
            ),
        ) {
            let story: Vec<String> = lines.iter().map(|(i, m, t)| format!("{i}{m}{t}")).collect();
            let html = story_html(&story.join("\n"));
            let mut text = html.clone();
            for tag in ["p", "ul", "ol", "li", "pre", "code", "em"] {
                text = text.replace(&format!("<{tag}>"), "").replace(&format!("</{tag}>"), "");
            }
            let text = strip_ol_start_tags(&text);
            proptest::prop_assert!(!text.contains('<') && !text.contains('>'), "{html}");
        }
    }

    /// Removes `<ol start="N">` tags.
    fn strip_ol_start_tags(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("<ol start=\"") {
            out += &rest[..i];
            let after = &rest[i..];
            let end = after.find('>').expect("tag closes");
            rest = &after[end + 1..];
        }
        out + rest
    }

    #[test]
    fn stories_written_on_one_line_are_paragraphs() {
        // run.json files written before lists were rendered hold each
        // paragraph on one line.
        let old = "What to look at: - the first burst; - the second.\n\nMore.";
        assert_eq!(
            story_html(old),
            "<p>What to look at: - the first burst; - the second.</p>\n<p>More.</p>\n"
        );
    }

    #[test]
    fn settings_skip_sweep_and_comments() {
        let s = settings_from_toml(FILE);
        assert_eq!(s[0], ("pool.max_total".to_string(), "50".to_string()));
        assert_eq!(s[1].0, "network.rtt");
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn html_escapes() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
