//! `name @ URL` requirements whose URL is a wheel: the project's only file
//! is that wheel (its hash from the URL's `#sha256=` fragment, when given),
//! so the solver sees one version, the one in the wheel's file name.

use percent_encoding::percent_decode_str;
use wheelpipe::index::DistFile;
use wheelpipe::names::normalize;
use wheelpipe::wheel_name::WheelFilename;

/// The file a direct wheel URL stands for, or why it cannot be one of `name`.
pub fn dist_file(name: &str, url: &str) -> Result<DistFile, String> {
    let shown = wheelpipe::http::redact(url);
    let (clean, fragment) = url.split_once('#').unwrap_or((url, ""));
    let last = clean.rsplit('/').next().unwrap_or(clean);
    let filename = percent_decode_str(last).decode_utf8_lossy().into_owned();
    let wheel = WheelFilename::parse(&filename).map_err(|e| format!("{name} @ {shown}: {e:#}"))?;
    if normalize(&wheel.name) != name {
        return Err(format!("{name} @ {shown}: the wheel is of {}, not {name}", wheel.name));
    }
    let hashes = fragment
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(algorithm, _)| matches!(*algorithm, "sha256" | "sha384" | "sha512"))
        .map(|(algorithm, digest)| (algorithm.to_string(), digest.to_ascii_lowercase()))
        .collect();
    Ok(DistFile {
        filename,
        url: clean.to_string(),
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
    }
}
