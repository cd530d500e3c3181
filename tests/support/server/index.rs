//! The package index the test server serves, built from wheel files: the
//! PEP 503 HTML and PEP 691 JSON pages, with the PEP 658 metadata
//! attributes when that is on and the faults that change what is advertised.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use wheelpipe::hash::sha256_hex;
use wheelpipe::names::normalize;

use super::Faults;

/// One wheel the server holds.
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
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("a wheel is a zip");
        let meta_name = zip
            .file_names()
            .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)
            .map(str::to_string);
        let mut metadata = Vec::new();
        if let Some(n) = meta_name {
            zip.by_name(&n).unwrap().read_to_end(&mut metadata).unwrap();
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

    pub fn file(&self, filename: &str) -> Option<&Dist> {
        self.projects.values().flatten().find(|d| d.filename == filename)
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
                serde_json::json!({
                    "filename": d.filename,
                    "url": format!("{base}/files/{}", d.filename),
                    "hashes": { "sha256": advertised_hash(d, faults) },
                    "requires-python": d.requires_python,
                    "core-metadata": meta,
                    "dist-info-metadata": meta,
                    "size": d.bytes.len(),
                })
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

/// The sha256 the index claims: the real one unless `wrong_hash_for` names the file.
pub fn advertised_hash(d: &Dist, faults: &Faults) -> String {
    if faults.wrong_hash_for.contains(&d.filename) {
        sha256_hex(b"this is not the wheel")
    } else {
        d.sha256.clone()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
