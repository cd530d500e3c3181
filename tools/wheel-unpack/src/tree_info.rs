//! What a project folder's artifact says about where it came from, and the
//! `direct_url.json` pip writes for it (`dir_info`, editable, `vcs_info`).

use anyhow::Result;
use wheelpipe::records::{Artifact, VcsInfo};

/// What a folder's artifact says about where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeInfo {
    /// What `direct_url.json` records: `file:///folder`, or the repository.
    pub url: String,
    pub editable: bool,
    pub vcs: Option<VcsInfo>,
    pub subdirectory: Option<String>,
    pub name: String,
    pub version: String,
}

impl TreeInfo {
    pub fn of(artifact: &Artifact) -> TreeInfo {
        TreeInfo {
            url: artifact.url.clone(),
            editable: artifact.editable,
            vcs: artifact.vcs.as_deref().cloned(),
            subdirectory: artifact.subdirectory.clone(),
            name: artifact.name.clone(),
            version: artifact.version.clone(),
        }
    }

    /// PEP 610's `direct_url.json`, byte for byte as pip writes it
    /// (`json.dumps(..., sort_keys=True)`).
    pub fn direct_url_json(&self) -> Result<String> {
        let q = |s: &str| serde_json::to_string(s);
        let mut fields: Vec<(&str, String)> = vec![("url", q(&self.url)?)];
        if let Some(sub) = &self.subdirectory {
            fields.push(("subdirectory", q(sub)?));
        }
        match &self.vcs {
            Some(vcs) => {
                let mut info = vec![("commit_id", q(&vcs.commit_id)?), ("vcs", q(&vcs.vcs)?)];
                if let Some(rev) = &vcs.requested_revision {
                    info.push(("requested_revision", q(rev)?));
                }
                fields.push(("vcs_info", object(info)));
            }
            None if self.editable => fields.push(("dir_info", "{\"editable\": true}".to_string())),
            None => fields.push(("dir_info", "{}".to_string())),
        }
        Ok(object(fields))
    }
}

/// `{"a": 1, "b": 2}` with the keys sorted, as Python's json.dumps writes it.
fn object(mut fields: Vec<(&str, String)>) -> String {
    fields.sort();
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(editable: bool, vcs: Option<VcsInfo>, sub: Option<&str>) -> TreeInfo {
        TreeInfo {
            url: "file:///src/proj".into(),
            editable,
            vcs,
            subdirectory: sub.map(String::from),
            name: "proj".into(),
            version: "1.0".into(),
        }
    }

    #[test]
    fn direct_url_json_is_what_pip_writes() {
        let got = info(true, None, None).direct_url_json().unwrap();
        assert_eq!(got, r#"{"dir_info": {"editable": true}, "url": "file:///src/proj"}"#);
        let got = info(false, None, Some("py")).direct_url_json().unwrap();
        assert_eq!(got, r#"{"dir_info": {}, "subdirectory": "py", "url": "file:///src/proj"}"#);
        let vcs =
            VcsInfo { vcs: "git".into(), commit_id: "ab12".into(), requested_revision: Some("v1".into()) };
        let got = info(false, Some(vcs), None).direct_url_json().unwrap();
        assert_eq!(
            got,
            r#"{"url": "file:///src/proj", "vcs_info": {"commit_id": "ab12", "requested_revision": "v1", "vcs": "git"}}"#
        );
    }
}
