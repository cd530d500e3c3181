//! PEP 691 JSON project pages: `files` with filename, url, hashes,
//! requires-python, yanked (bool or reason), core-metadata (PEP 714, else
//! the older dist-info-metadata; bool or hashes) and size.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::{resolve_file_url, DistFile};

/// The files of a PEP 691 project page; `base_url` is the page's URL, for
/// relative file URLs.
pub fn parse_json(body: &str, base_url: &str) -> Result<Vec<DistFile>> {
    let base = url::Url::parse(base_url).with_context(|| format!("bad page URL {base_url:?}"))?;
    let page: Value = serde_json::from_str(body).context("not a JSON document")?;
    let Some(files) = page.get("files").and_then(Value::as_array) else {
        bail!("no \"files\" list in the JSON project page");
    };
    let mut out = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let text = |key: &str| file.get(key).and_then(Value::as_str);
        let (Some(filename), Some(href)) = (text("filename"), text("url")) else {
            bail!("file {} of the JSON project page has no filename or url", i + 1);
        };
        let mut hashes = hash_map(file.get("hashes"));
        let (_, url) = resolve_file_url(&base, href, &mut hashes)
            .with_context(|| format!("file {filename} of the JSON project page"))?;
        let yanked = match file.get("yanked") {
            Some(Value::Bool(true)) => Some(String::new()),
            Some(Value::String(reason)) => Some(reason.clone()),
            _ => None,
        };
        // PEP 714: core-metadata wins when present, whatever its value.
        let metadata = file.get("core-metadata").or_else(|| file.get("dist-info-metadata"));
        let core_metadata = match metadata {
            Some(Value::Bool(true)) => Some(BTreeMap::new()),
            Some(v @ Value::Object(_)) => Some(hash_map(Some(v))),
            _ => None,
        };
        out.push(DistFile {
            filename: filename.to_string(),
            url,
            hashes,
            requires_python: text("requires-python").map(str::to_string).filter(|s| !s.trim().is_empty()),
            yanked,
            core_metadata,
            size: file.get("size").and_then(Value::as_u64),
        });
    }
    Ok(out)
}

/// `{"sha256": "AB.."}` to lowercase algorithm and digest.
fn hash_map(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(map)) = value else { return BTreeMap::new() };
    map.iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_ascii_lowercase()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{
      "meta": {"api-version": "1.1"},
      "name": "demo",
      "files": [
        {"filename": "demo-1.0-py3-none-any.whl", "url": "../../files/demo-1.0-py3-none-any.whl",
         "hashes": {"sha256": "ABCDEF"}, "requires-python": ">=3.8", "yanked": false,
         "core-metadata": {"sha256": "0123"}, "dist-info-metadata": true, "size": 1234},
        {"filename": "demo-0.9.tar.gz", "url": "https://files.example/demo-0.9.tar.gz#sha256=ff00",
         "hashes": {}, "yanked": "broken build", "dist-info-metadata": true},
        {"filename": "demo-0.8-py3-none-any.whl", "url": "/x/demo-0.8-py3-none-any.whl",
         "hashes": {"sha256": "aa"}, "yanked": true, "requires-python": "", "core-metadata": false,
         "dist-info-metadata": {"sha256": "bb"}}
      ]
    }"#;

    #[test]
    fn reads_files_with_relative_urls_yanked_and_metadata() {
        let files = parse_json(PAGE, "http://127.0.0.1:8000/simple/demo/").unwrap();
        assert_eq!(files.len(), 3);
        let f = &files[0];
        assert_eq!(f.filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(f.url, "http://127.0.0.1:8000/files/demo-1.0-py3-none-any.whl");
        assert_eq!(f.hashes["sha256"], "abcdef");
        assert_eq!(f.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(f.yanked, None);
        assert_eq!(f.core_metadata, Some([("sha256".to_string(), "0123".to_string())].into()));
        assert_eq!(f.size, Some(1234));
        assert_eq!(
            f.metadata_url().unwrap(),
            "http://127.0.0.1:8000/files/demo-1.0-py3-none-any.whl.metadata"
        );

        let f = &files[1];
        assert_eq!(f.url, "https://files.example/demo-0.9.tar.gz");
        assert_eq!(f.hashes["sha256"], "ff00");
        assert_eq!(f.yanked.as_deref(), Some("broken build"));
        assert_eq!(f.core_metadata, Some(BTreeMap::new()));
        assert_eq!(f.size, None);

        let f = &files[2];
        assert_eq!(f.url, "http://127.0.0.1:8000/x/demo-0.8-py3-none-any.whl");
        assert_eq!(f.yanked.as_deref(), Some(""));
        assert_eq!(f.requires_python, None);
        // core-metadata: false wins over the older key.
        assert_eq!(f.core_metadata, None);
    }

    #[test]
    fn rejects_a_page_without_files() {
        let err = parse_json(r#"{"name": "demo"}"#, "http://127.0.0.1/simple/demo/").unwrap_err();
        assert!(err.to_string().contains("files"), "{err}");
        assert!(parse_json("<html>", "http://127.0.0.1/simple/demo/").is_err());
    }
}
