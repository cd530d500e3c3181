//! PEP 503 HTML project pages (also `--find-links` pages): a small scanner
//! for `<a>` and `<base>` tags with case-insensitive names and single,
//! double or unquoted attribute values; `#sha256=` fragments,
//! `data-requires-python`, `data-yanked`, `data-core-metadata` (PEP 714, else
//! `data-dist-info-metadata`), and HTML character references.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use super::{resolve_file_url, DistFile};

/// The files linked from an HTML page; `base_url` is the page's URL (a
/// `<base href>` in the page overrides it).
pub fn parse_html(body: &str, base_url: &str) -> Result<Vec<DistFile>> {
    let page = url::Url::parse(base_url).with_context(|| format!("bad page URL {base_url:?}"))?;
    let tags = scan(body);
    let base = match tags.iter().find(|t| t.name == "base").and_then(|t| t.attr("href")) {
        Some(href) => page.join(href.trim()).with_context(|| format!("bad <base href={href:?}>"))?,
        None => page,
    };
    let mut out = Vec::new();
    for tag in tags.iter().filter(|t| t.name == "a") {
        let Some(href) = tag.attr("href") else { continue };
        let mut hashes = BTreeMap::new();
        let (mut filename, url) = resolve_file_url(&base, href, &mut hashes)?;
        if filename.is_empty() {
            filename = tag.text.trim().to_string();
        }
        if filename.is_empty() {
            continue;
        }
        let metadata = tag.attr("data-core-metadata").or_else(|| tag.attr("data-dist-info-metadata"));
        out.push(DistFile {
            filename,
            url,
            hashes,
            requires_python: tag.attr("data-requires-python").map(str::to_string).filter(|s| !s.is_empty()),
            yanked: tag.attr("data-yanked").map(str::to_string),
            core_metadata: metadata.and_then(metadata_hashes),
            size: None,
        });
    }
    Ok(out)
}

/// `"true"` (a metadata file without a hash) or `"sha256=..."`.
fn metadata_hashes(value: &str) -> Option<BTreeMap<String, String>> {
    let value = value.trim();
    match value.split_once('=') {
        Some((algo, digest)) => {
            Some([(algo.trim().to_ascii_lowercase(), digest.trim().to_ascii_lowercase())].into())
        }
        None if value.eq_ignore_ascii_case("false") => None,
        None => Some(BTreeMap::new()),
    }
}

/// An `<a>` or `<base>` start tag: lowercase name, attributes (names
/// lowercased, values unescaped, first one wins) and the text after it.
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn scan(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if matches!(b.get(i), Some(b'!' | b'?' | b'/')) {
            i = html[i..].find('>').map_or(b.len(), |e| i + e + 1);
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let (attrs, end) = attributes(html, i);
        i = end;
        match name.as_str() {
            "a" | "base" => {
                let text_end = html[i..].find('<').map_or(b.len(), |e| i + e);
                tags.push(Tag { name, attrs, text: unescape(&html[i..text_end]) });
            }
            "script" | "style" => {
                let close = format!("</{name}");
                i = html[i..].to_ascii_lowercase().find(&close).map_or(b.len(), |e| i + e);
            }
            _ => {}
        }
    }
    tags
}

/// The attributes from `i` to the tag's `>`, and the index after it.
fn attributes(html: &str, mut i: usize) -> (Vec<(String, String)>, usize) {
    let b = html.as_bytes();
    let mut attrs: Vec<(String, String)> = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (attrs, i);
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let (raw, end) = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let close = html[i + 1..].find(q as char).map_or(b.len(), |e| i + 1 + e);
                    (&html[i + 1..close], (close + 1).min(b.len()))
                }
                _ => {
                    let s = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    (&html[s..i], i)
                }
            };
            value = unescape(raw);
            i = end;
        }
        if !name.is_empty() && !attrs.iter().any(|(k, _)| *k == name) {
            attrs.push((name, value));
        }
    }
}

/// HTML character references: the named ones index pages use, and numeric ones.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&e| e <= 10).and_then(|e| {
            let c = match &rest[1..e] {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                n if n.starts_with("#x") || n.starts_with("#X") => {
                    char::from_u32(u32::from_str_radix(&n[2..], 16).ok()?)?
                }
                n if n.starts_with('#') => char::from_u32(n[1..].parse().ok()?)?,
                _ => return None,
            };
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.0"><title>Links for demo</title></head>
<body><h1>Links for demo</h1>
<!-- <a href="commented-1.0.tar.gz">no</a> -->
<A HREF="../../files/demo-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8,&lt;4"
   data-core-metadata="sha256=EF01" data-dist-info-metadata="sha256=9999">demo-1.0-py3-none-any.whl</A><br/>
<a href='demo-0.9.tar.gz#md5=00ff' data-yanked="bad &quot;release&quot; &amp; more &#39;x&#39;">demo-0.9.tar.gz</a>
<a href=https://files.example/p/demo-0.8-py3-none-any.whl data-yanked data-dist-info-metadata=true>w</a>
<a href="demo%2B1-0.7.zip#egg=demo">demo+1-0.7.zip</a>
<a name="no-href">x</a>
</body></html>"#;

    #[test]
    fn reads_anchors_with_fragments_entities_and_metadata() {
        let files = parse_html(PAGE, "http://127.0.0.1:9/simple/demo/").unwrap();
        assert_eq!(files.len(), 4, "{files:#?}");
        let f = &files[0];
        assert_eq!(f.filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(f.url, "http://127.0.0.1:9/files/demo-1.0-py3-none-any.whl");
        assert_eq!(f.hashes["sha256"], "abcd");
        assert_eq!(f.requires_python.as_deref(), Some(">=3.8,<4"));
        assert_eq!(f.yanked, None);
        assert_eq!(f.core_metadata, Some([("sha256".to_string(), "ef01".to_string())].into()));

        let f = &files[1];
        assert_eq!(f.url, "http://127.0.0.1:9/simple/demo/demo-0.9.tar.gz");
        assert_eq!(f.hashes["md5"], "00ff");
        assert_eq!(f.yanked.as_deref(), Some("bad \"release\" & more 'x'"));
        assert_eq!(f.core_metadata, None);

        let f = &files[2];
        assert_eq!(f.url, "https://files.example/p/demo-0.8-py3-none-any.whl");
        assert_eq!(f.yanked.as_deref(), Some(""));
        assert_eq!(f.core_metadata, Some(BTreeMap::new()));
        assert!(f.hashes.is_empty());

        let f = &files[3];
        assert_eq!(f.filename, "demo+1-0.7.zip");
        assert_eq!(f.url, "http://127.0.0.1:9/simple/demo/demo%2B1-0.7.zip");
        assert!(f.hashes.is_empty());
    }

    #[test]
    fn base_href_changes_where_links_point() {
        let page =
            r#"<html><head><BASE href="/mirror/"></head><a href="x-1.0-py3-none-any.whl">x</a></html>"#;
        let files = parse_html(page, "http://127.0.0.1:9/simple/x/").unwrap();
        assert_eq!(files[0].url, "http://127.0.0.1:9/mirror/x-1.0-py3-none-any.whl");
    }

    #[test]
    fn unescapes_character_references() {
        assert_eq!(unescape("&lt;&gt;&amp;&quot;&#39;&#x41;&#66; & &bogus; &amp"), "<>&\"'AB & &bogus; &amp");
    }
}
