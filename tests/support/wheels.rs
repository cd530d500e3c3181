//! Fixture wheels for the end-to-end tests: [`WheelBuilder`] writes a real
//! wheel (METADATA, WHEEL, entry_points.txt, RECORD with urlsafe base64
//! sha256 hashes, deflate, unix modes) as pip would accept it, plus the
//! broken variants the failure tests need (a `../` entry, a wrong RECORD hash).

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wheelpipe::hash::record_hash;
use wheelpipe::names::escape;
use wheelpipe::records::{Artifact, End, Record};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Builds one wheel file.
#[derive(Clone, Debug)]
pub struct WheelBuilder {
    name: String,
    version: String,
    tag: String,
    files: Vec<(String, Vec<u8>, u32)>,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    provides_extra: Vec<String>,
    console_scripts: Vec<(String, String)>,
    raw: Vec<(String, Vec<u8>)>,
    corrupt_record: bool,
    metadata_version: String,
    metadata_fields: Vec<String>,
    dist_info_first: bool,
}

impl WheelBuilder {
    pub fn new(name: &str, version: &str) -> WheelBuilder {
        WheelBuilder {
            name: name.to_string(),
            version: version.to_string(),
            tag: "py3-none-any".to_string(),
            files: Vec::new(),
            requires_dist: Vec::new(),
            requires_python: None,
            provides_extra: Vec::new(),
            console_scripts: Vec::new(),
            raw: Vec::new(),
            corrupt_record: false,
            metadata_version: "2.1".to_string(),
            metadata_fields: Vec::new(),
            dist_info_first: false,
        }
    }

    /// The compatibility tag, e.g. `py3-none-any` or `cp27-cp27mu-manylinux1_x86_64`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self
    }

    /// A file of the package (purelib), e.g. `alpha/__init__.py`.
    pub fn file(mut self, path: &str, bytes: impl AsRef<[u8]>) -> Self {
        self.files.push((path.to_string(), bytes.as_ref().to_vec(), 0o644));
        self
    }

    pub fn requires_dist(mut self, req: &str) -> Self {
        self.requires_dist.push(req.to_string());
        self
    }

    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    pub fn provides_extra(mut self, extra: &str) -> Self {
        self.provides_extra.push(extra.to_string());
        self
    }

    /// A `[console_scripts]` entry point: `name = module:function`.
    pub fn console_script(mut self, name: &str, target: &str) -> Self {
        self.console_scripts.push((name.to_string(), target.to_string()));
        self
    }

    /// A file under `{name}-{version}.data/`, e.g. `scripts/tool` (made executable).
    pub fn data_file(mut self, path: &str, bytes: impl AsRef<[u8]>) -> Self {
        let mode = if path.starts_with("scripts/") { 0o755 } else { 0o644 };
        let full = format!("{}/{path}", self.data_dir());
        self.files.push((full, bytes.as_ref().to_vec(), mode));
        self
    }

    /// An entry written as is, listed in RECORD like any other: for hostile
    /// names such as `../evil.py` or `/etc/evil`.
    pub fn raw_entry(mut self, name: &str, bytes: impl AsRef<[u8]>) -> Self {
        self.raw.push((name.to_string(), bytes.as_ref().to_vec()));
        self
    }

    /// Writes a wrong hash for the first file in RECORD.
    pub fn corrupt_record(mut self) -> Self {
        self.corrupt_record = true;
        self
    }

    /// The `Metadata-Version` METADATA declares (2.1 unless set).
    pub fn metadata_version(mut self, version: &str) -> Self {
        self.metadata_version = version.to_string();
        self
    }

    /// A header written into METADATA as is, after the others: e.g. a
    /// field folded over several lines, `"Summary: one\n  two"`.
    pub fn metadata_field(mut self, raw: &str) -> Self {
        self.metadata_fields.push(raw.to_string());
        self
    }

    /// Writes METADATA, WHEEL and entry_points.txt before the package's
    /// files rather than after them (RECORD stays last), as some wheel
    /// builders do.
    pub fn dist_info_first(mut self) -> Self {
        self.dist_info_first = true;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn filename(&self) -> String {
        format!("{}-{}-{}.whl", escape(&self.name), self.version, self.tag)
    }

    pub fn dist_info(&self) -> String {
        format!("{}-{}.dist-info", escape(&self.name), self.version)
    }

    pub fn data_dir(&self) -> String {
        format!("{}-{}.data", escape(&self.name), self.version)
    }

    /// The METADATA file's text.
    pub fn metadata(&self) -> String {
        let mut m = format!(
            "Metadata-Version: {}\nName: {}\nVersion: {}\n",
            self.metadata_version, self.name, self.version
        );
        if let Some(rp) = &self.requires_python {
            m.push_str(&format!("Requires-Python: {rp}\n"));
        }
        for e in &self.provides_extra {
            m.push_str(&format!("Provides-Extra: {e}\n"));
        }
        for r in &self.requires_dist {
            m.push_str(&format!("Requires-Dist: {r}\n"));
        }
        for field in &self.metadata_fields {
            m.push_str(&format!("{field}\n"));
        }
        m.push_str(&format!("\nThe {} fixture package.\n", self.name));
        m
    }

    fn wheel_file(&self) -> String {
        let tags: Vec<String> = expand_tag(&self.tag);
        let mut w = "Wheel-Version: 1.0\nGenerator: wheelpipe-tests\nRoot-Is-Purelib: true\n".to_string();
        for t in tags {
            w.push_str(&format!("Tag: {t}\n"));
        }
        w
    }

    fn entry_points(&self) -> Option<String> {
        if self.console_scripts.is_empty() {
            return None;
        }
        let mut e = "[console_scripts]\n".to_string();
        for (name, target) in &self.console_scripts {
            e.push_str(&format!("{name} = {target}\n"));
        }
        Some(e)
    }

    /// Writes the wheel into `dir` and returns its path.
    pub fn build(&self, dir: &Path) -> PathBuf {
        let di = self.dist_info();
        let mut entries: Vec<(String, Vec<u8>, u32)> = self.files.clone();
        for (name, bytes) in &self.raw {
            entries.push((name.clone(), bytes.clone(), 0o644));
        }
        let mut dist_info = vec![
            (format!("{di}/METADATA"), self.metadata().into_bytes(), 0o644),
            (format!("{di}/WHEEL"), self.wheel_file().into_bytes(), 0o644),
        ];
        if let Some(e) = self.entry_points() {
            dist_info.push((format!("{di}/entry_points.txt"), e.into_bytes(), 0o644));
        }
        if self.dist_info_first {
            dist_info.append(&mut entries);
            entries = dist_info;
        } else {
            entries.append(&mut dist_info);
        }
        let mut record = String::new();
        for (i, (name, bytes, _)) in entries.iter().enumerate() {
            let digest: [u8; 32] = if self.corrupt_record && i == 0 {
                Sha256::digest(b"not the content").into()
            } else {
                Sha256::digest(bytes).into()
            };
            record.push_str(&format!("{},{},{}\n", csv_field(name), record_hash(&digest), bytes.len()));
        }
        record.push_str(&format!("{di}/RECORD,,\n"));
        entries.push((format!("{di}/RECORD"), record.into_bytes(), 0o644));

        fs::create_dir_all(dir).expect("create the wheel folder");
        let path = dir.join(self.filename());
        let file = fs::File::create(&path).expect("create the wheel file");
        let mut zip = ZipWriter::new(file);
        for (name, bytes, mode) in &entries {
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .unix_permissions(*mode);
            zip.start_file(name.as_str(), options).expect("start a zip entry");
            zip.write_all(bytes).expect("write a zip entry");
        }
        zip.finish().expect("finish the wheel");
        path
    }
}

/// `py2.py3-none-any` → `py2-none-any`, `py3-none-any`.
fn expand_tag(tag: &str) -> Vec<String> {
    let parts: Vec<&str> = tag.splitn(3, '-').collect();
    let mut out = Vec::new();
    for py in parts[0].split('.') {
        for abi in parts[1].split('.') {
            for plat in parts[2].split('.') {
                out.push(format!("{py}-{abi}-{plat}"));
            }
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The two wheels most tests install: `alpha 1.0` (requires `beta==2.0`,
/// console script `alpha-cli` printing [`ALPHA_CLI_OUTPUT`]) and `beta 2.0`.
pub fn alpha() -> WheelBuilder {
    WheelBuilder::new("alpha", "1.0")
        .file("alpha/__init__.py", "VALUE = 'alpha'\n")
        .data_file("scripts/alpha-tool", format!("#!python\nprint({ALPHA_TOOL_OUTPUT:?})\n"))
        .file("alpha/cli.py", format!("def main():\n    print({ALPHA_CLI_OUTPUT:?})\n    return 0\n"))
        .requires_dist("beta==2.0")
        .requires_python(">=3.8")
        .console_script("alpha-cli", "alpha.cli:main")
}

pub fn beta() -> WheelBuilder {
    WheelBuilder::new("beta", "2.0").file("beta/__init__.py", "VALUE = 'beta'\n")
}

pub const ALPHA_CLI_OUTPUT: &str = "alpha-cli ran";
/// What alpha's `.data/scripts/alpha-tool` prints.
pub const ALPHA_TOOL_OUTPUT: &str = "alpha-tool ran";

/// Builds alpha and beta into `dir`.
pub fn alpha_beta(dir: &Path) -> Vec<PathBuf> {
    vec![alpha().build(dir), beta().build(dir)]
}

/// The `artifact` record `wheel-fetch` would write for a local wheel file.
pub fn artifact_for(path: &Path) -> Artifact {
    let filename = path.file_name().unwrap().to_str().unwrap().to_string();
    let mut parts = filename.split('-');
    let (name, version) = (parts.next().unwrap().to_string(), parts.next().unwrap().to_string());
    let bytes = fs::read(path).unwrap();
    let url = format!("http://127.0.0.1:9/files/{filename}");
    Artifact {
        hashes: [("sha256".to_string(), wheelpipe::hash::sha256_hex(&bytes))].into(),
        size: Some(bytes.len() as u64),
        path: Some(path.to_path_buf()),
        ..Artifact::new(name, version, filename, url)
    }
}

/// `wheel-fetch`'s whole output for local wheels: their artifacts and an `end`.
pub fn fetched_stream(paths: &[PathBuf]) -> String {
    let mut s = String::new();
    for p in paths {
        s.push_str(&Record::Artifact(artifact_for(p)).to_line());
        s.push('\n');
    }
    s.push_str(&Record::End(End::new("wheel-fetch", true, paths.len() as u64)).to_line());
    s.push('\n');
    s
}

pub use wheelpipe::test_bytes::noise;

/// Builds into `dir` the wheel `name 1.0` of about `kib` KiB that does not
/// compress: a download that takes a while.
pub fn big_wheel(dir: &Path, name: &str, kib: usize) -> PathBuf {
    let noise = noise(kib * 1024, 0x2545_f491_4f6c_dd1d ^ kib as u64);
    WheelBuilder::new(name, "1.0").file(&format!("{name}/data.bin"), noise).build(dir)
}
