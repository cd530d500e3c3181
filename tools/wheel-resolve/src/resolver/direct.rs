//! `name @ URL` requirements whose URL is a wheel or an sdist: the
//! project's only file is that file (its hash from the URL's `#sha256=`
//! fragment, when given), so the solver sees one version, the one in the
//! file's name.

use std::collections::BTreeMap;

use wheelpipe::index::{split_file_url, DistFile};
use wheelpipe::names::normalize;
use wheelpipe::wheel_name::WheelFilename;

/// The file a direct wheel (or sdist) URL stands for, or why it cannot be one of `name`.
pub fn dist_file(name: &str, url: &str) -> Result<DistFile, String> {
    let shown = wheelpipe::http::redact(url);
    let parsed = url::Url::parse(url).map_err(|e| format!("{name} @ {shown}: {e}"))?;
    let mut hashes = BTreeMap::new();
    let (filename, clean) = split_file_url(parsed, &mut hashes);
    if crate::select::sdist_version(&filename, name).is_none() {
        let wheel = WheelFilename::parse(&filename).map_err(|e| format!("{name} @ {shown}: {e:#}"))?;
        if normalize(&wheel.name) != name {
            return Err(format!("{name} @ {shown}: the wheel is of {}, not {name}", wheel.name));
        }
    }
    Ok(DistFile {
        filename,
        url: clean,
        hashes,
        requires_python: None,
        yanked: None,
        core_metadata: None,
        size: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_and_hash_come_from_the_url() {
        let url = "http://127.0.0.1:9/files/My_Pkg-1.0-py3-none-any.whl#sha256=ABCD";
        let file = dist_file("my-pkg", url).unwrap();
        assert_eq!(file.filename, "My_Pkg-1.0-py3-none-any.whl");
        assert_eq!(file.url, "http://127.0.0.1:9/files/My_Pkg-1.0-py3-none-any.whl");
        assert_eq!(file.hashes.get("sha256").map(String::as_str), Some("abcd"));
        let err = dist_file("other", url).unwrap_err();
        assert!(err.contains("the wheel is of My_Pkg, not other"), "{err}");
        assert!(dist_file("x", "http://127.0.0.1:9/files/x.whl").is_err(), "not a wheel file name");
        let sdist = dist_file("my-pkg", "http://127.0.0.1:9/files/my_pkg-2.0.tar.gz").unwrap();
        assert_eq!(sdist.filename, "my_pkg-2.0.tar.gz", "an sdist of the project");
        assert!(dist_file("other", "http://127.0.0.1:9/files/my_pkg-2.0.tar.gz").is_err());
    }
}
