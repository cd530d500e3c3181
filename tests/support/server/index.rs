//! The package index the test server serves, built from wheel files: the
//! PEP 503 HTML and PEP 691 JSON pages, with the PEP 658 metadata
//! attributes when that is on, PEP 592 yanked files a test marks with
//! [`Index::yank`], the faults that change what is advertised, and the
//! `ETag` / `If-None-Match` revalidation of project pages ([`revalidate`]).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

use wheelpipe::hash::sha256_hex;
use wheelpipe::names::normalize;

use super::http::{Request, Response};
use super::Faults;

/// One wheel (or sdist) the server holds.
#[derive(Clone, Debug)]
pub struct Dist {
    pub filename: String,
    pub project: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// The `.dist-info/METADATA` inside the wheel.
    pub metadata: Vec<u8>,
    pub requires_python: Option<String>,
}

impl Dist {
    pub fn from_file(path: &Path) -> Dist {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let filename = path.file_name().unwrap().to_str().unwrap().to_string();
        let project = normalize(filename.split('-').next().unwrap());
        let mut metadata = Vec::new();
        // An sdist (served as it is) has no wheel METADATA.
        if filename.ends_with(".whl") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("a wheel is a zip");
            let meta_name = zip
                .file_names()
                .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)
                .map(str::to_string);
            if let Some(n) = meta_name {
                zip.by_name(&n).unwrap().read_to_end(&mut metadata).unwrap();
            }
        }
        let requires_python = String::from_utf8_lossy(&metadata)
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix("Requires-Python:").map(|v| v.trim().to_string()));
        Dist { sha256: sha256_hex(&bytes), filename, project, bytes, metadata, requires_python }
    }
}

/// Every wheel, by normalized project name.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub projects: BTreeMap<String, Vec<Dist>>,
    /// Yanked files (PEP 592): filename to the reason, possibly empty. Shared
    /// so a test can yank a file of a running server.
    yanked: Arc<Mutex<BTreeMap<String, String>>>,
}

impl Index {
    pub fn new(wheels: &[impl AsRef<Path>]) -> Index {
        let mut index = Index::default();
        for w in wheels {
            let d = Dist::from_file(w.as_ref());
            index.projects.entry(d.project.clone()).or_default().push(d);
        }
        index
    }

    /// The file named `filename`, percent-encoded or not (a client may ask
    /// for `a-1.0%2Bcpu-py3-none-any.whl`).
    pub fn file(&self, filename: &str) -> Option<&Dist> {
        let decoded = percent_decode(filename);
        self.projects.values().flatten().find(|d| d.filename == filename || d.filename == decoded)
    }

    /// Marks a served file as yanked (PEP 592), with a reason that may be
    /// empty: the pages say so from the next request on. The file itself is
    /// still served.
    pub fn yank(&self, filename: &str, reason: &str) {
        assert!(self.file(filename).is_some(), "cannot yank {filename}: the index does not hold it");
        self.yanked.lock().unwrap().insert(filename.to_string(), reason.to_string());
    }

    /// The reason a file is yanked for, `None` when it is not yanked.
    pub fn yanked(&self, filename: &str) -> Option<String> {
        self.yanked.lock().unwrap().get(filename).cloned()
    }

    pub fn root_html(&self) -> String {
        let mut s = "<!DOCTYPE html>\n<html><body>\n".to_string();
        for p in self.projects.keys() {
            s.push_str(&format!("<a href=\"{p}/\">{p}</a>\n"));
        }
        s.push_str("</body></html>\n");
        s
    }

    pub fn root_json(&self) -> String {
        let projects: Vec<_> = self.projects.keys().map(|p| serde_json::json!({ "name": p })).collect();
        serde_json::json!({ "meta": { "api-version": "1.0" }, "projects": projects }).to_string()
    }

    /// A project page as HTML (PEP 503 with PEP 658 attributes).
    pub fn project_html(&self, project: &str, base: &str, faults: &Faults) -> Option<String> {
        let dists = self.projects.get(project)?;
        let mut s = format!("<!DOCTYPE html>\n<html><head><title>Links for {project}</title></head><body>\n");
        for d in dists {
            let mut attrs = String::new();
            if let Some(rp) = &d.requires_python {
                attrs.push_str(&format!(" data-requires-python=\"{}\"", html_escape(rp)));
            }
            if let Some(reason) = self.yanked(&d.filename) {
                attrs.push_str(&format!(" data-yanked=\"{}\"", html_escape(&reason)));
            }
            if !faults.no_pep658 {
                let h = sha256_hex(&d.metadata);
                attrs.push_str(&format!(
                    " data-core-metadata=\"sha256={h}\" data-dist-info-metadata=\"sha256={h}\""
                ));
            }
            s.push_str(&format!(
                "<a href=\"{base}/files/{}#sha256={}\"{attrs}>{}</a><br/>\n",
                d.filename,
                advertised_hash(d, faults),
                d.filename
            ));
        }
        s.push_str("</body></html>\n");
        Some(s)
    }

    /// A project page as PEP 691 JSON.
    pub fn project_json(&self, project: &str, base: &str, faults: &Faults) -> Option<String> {
        let dists = self.projects.get(project)?;
        let files: Vec<_> = dists
            .iter()
            .map(|d| {
                let meta = if faults.no_pep658 {
                    serde_json::Value::Bool(false)
                } else {
                    serde_json::json!({ "sha256": sha256_hex(&d.metadata) })
                };
                let mut file = serde_json::json!({
                    "filename": d.filename,
                    "url": format!("{base}/files/{}", d.filename),
                    "hashes": { "sha256": advertised_hash(d, faults) },
                    "requires-python": d.requires_python,
                    "core-metadata": meta,
                    "dist-info-metadata": meta,
                    "size": d.bytes.len(),
                });
                if let Some(reason) = self.yanked(&d.filename) {
                    let yanked =
                        if reason.is_empty() { serde_json::json!(true) } else { serde_json::json!(reason) };
                    file["yanked"] = yanked;
                }
                file
            })
            .collect();
        let versions: std::collections::BTreeSet<&str> =
            dists.iter().filter_map(|d| d.filename.split('-').nth(1)).collect();
        let page = serde_json::json!({
            "meta": { "api-version": "1.1" }, "name": project, "files": files, "versions": versions,
        });
        Some(page.to_string())
    }
}

/// A project page's answer with HTTP revalidation: a strong `ETag` made
/// from the body and `Cache-Control: max-age=0` (a client may keep the page
/// but must ask again), and `304 Not Modified` without a body when the
/// request's `If-None-Match` names the page's current tag (or is `*`). Any
/// other answer (a 404) passes unchanged.
pub fn revalidate(req: &Request, resp: Response) -> Response {
    if resp.status != 200 {
        return resp;
    }
    let etag = format!("\"{}\"", &sha256_hex(&resp.body)[..32]);
    let matches = req.header("if-none-match").is_some_and(|tags| {
        tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == etag)
    });
    let resp = if matches {
        let content_type = resp.headers.iter().find(|(k, _)| k == "Content-Type").map(|(_, v)| v.clone());
        Response::new(304, content_type.as_deref().unwrap_or("text/html"), Vec::new())
    } else {
        resp
    };
    resp.header("ETag", etag).header("Cache-Control", "max-age=0")
}

/// The sha256 the index claims: the real one unless `wrong_hash_for` names the file.
pub fn advertised_hash(d: &Dist, faults: &Faults) -> String {
    if faults.wrong_hash_for.contains(&d.filename) {
        sha256_hex(b"this is not the wheel")
    } else {
        d.sha256.clone()
    }
}

/// `%2B` to `+` and so on; a `%` not followed by two hex digits stays.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
