//! Fixture sources for the build tests: project folders written file by
//! file, packed into sdists (`.tar.gz`, `.zip`) as the tests need them; an
//! in-tree PEP 517 backend (`backend-path`, no network) that can be told to
//! fail, hang or log its calls; and the setuptools (and wheel) wheels found
//! on this machine for builds with the real setuptools; `git` to make the
//! repositories of the git tests.

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A project folder being written.
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    /// An empty folder `dir/name-version`.
    pub fn new(dir: &Path, name: &str, version: &str) -> Project {
        let root = dir.join(format!("{name}-{version}"));
        fs::create_dir_all(&root).unwrap();
        Project { root }
    }

    pub fn file(self, path: &str, text: &str) -> Project {
        let p = self.root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
        self
    }

    /// A project built by [`TINY_BACKEND`] from `_backend/`, with the
    /// given build requires; its package `{name}` holds `VALUE = "{version}"`.
    pub fn tiny(dir: &Path, name: &str, version: &str, requires: &[&str]) -> Project {
        let requires: Vec<String> = requires.iter().map(|r| format!("{r:?}")).collect();
        Project::new(dir, name, version)
            .file(
                "pyproject.toml",
                &format!(
                    "[build-system]\nrequires = [{}]\nbuild-backend = \"tinybackend\"\nbackend-path = [\"_backend\"]\n\n\
                     [tool.tiny]\nname = \"{name}\"\nversion = \"{version}\"\n",
                    requires.join(", ")
                ),
            )
            .file("_backend/tinybackend.py", TINY_BACKEND)
            .file(&format!("{name}/__init__.py"), &format!("VALUE = \"{version}\"\n"))
    }

    /// Packs the folder as the sdist `name-version.tar.gz` in `dir`, its
    /// entries under one top folder, as sdists are.
    pub fn sdist(&self, dir: &Path) -> PathBuf {
        let top = self.root.file_name().unwrap().to_str().unwrap().to_string();
        let path = dir.join(format!("{top}.tar.gz"));
        let gz = flate2::write::GzEncoder::new(fs::File::create(&path).unwrap(), Default::default());
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all(&top, &self.root).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        path
    }

    /// The same as a `.zip` sdist.
    pub fn sdist_zip(&self, dir: &Path) -> PathBuf {
        let top = self.root.file_name().unwrap().to_str().unwrap().to_string();
        let path = dir.join(format!("{top}.zip"));
        let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        for entry in walkdir::WalkDir::new(&self.root).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(&self.root).unwrap().to_str().unwrap();
                zip.start_file(format!("{top}/{rel}"), zip::write::SimpleFileOptions::default()).unwrap();
                zip.write_all(&fs::read(entry.path()).unwrap()).unwrap();
            }
        }
        zip.finish().unwrap();
        path
    }
}

/// A PEP 517 backend in one file, loaded through `backend-path`: reads name
/// and version from `[tool.tiny]`, writes a wheel with the package folder,
/// the config settings it got (`{name}/config.json`) and the RECORD. The
/// environment steers it: `TINY_LOG` (a file: one line a build_wheel call),
/// `TINY_FAIL` (a name: print lines, then raise for it), `TINY_EXIT` (a
/// name: exit with a message, as setuptools does), `TINY_HANG` (a file: write the
/// pid there, then sleep), `TINY_IMPORT` (a module to import, from the
/// build requires).
pub const TINY_BACKEND: &str = r#"
import base64, hashlib, importlib, json, os, sys, time, zipfile

def _project():
    fields = {}
    section = None
    for line in open("pyproject.toml"):
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[tool.tiny]" and "=" in line:
            key, value = line.split("=", 1)
            fields[key.strip()] = value.strip().strip('"')
    return fields["name"], fields["version"]

def _line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name, version = _project()
    dist_info = "%s-%s.dist-info" % (name, version)
    os.makedirs(os.path.join(metadata_directory, dist_info))
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
    return dist_info

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version = _project()
    print("tinybackend: building %s %s" % (name, version))
    if os.environ.get("TINY_LOG"):
        with open(os.environ["TINY_LOG"], "a") as f:
            f.write("%s %s\n" % (name, version))
    if os.environ.get("TINY_IMPORT"):
        importlib.import_module(os.environ["TINY_IMPORT"])
    if os.environ.get("TINY_HANG"):
        with open(os.environ["TINY_HANG"] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(os.environ["TINY_HANG"] + ".tmp", os.environ["TINY_HANG"])
        time.sleep(600)
    if os.environ.get("TINY_EXIT") == name:
        raise SystemExit("error: cannot find libfoo for " + name)
    if os.environ.get("TINY_FAIL") == name:
        for i in range(50):
            print("tinybackend: step %d" % i)
        print("error: the compiler exploded at step 49", file=sys.stderr)
        raise RuntimeError("build failed")
    dist_info = "%s-%s.dist-info" % (name, version)
    files = {}
    for folder, _, names in os.walk(name):
        for n in sorted(names):
            if not n.endswith(".pyc"):
                path = os.path.join(folder, n)
                files[path.replace(os.sep, "/")] = open(path, "rb").read()
    files[name + "/config.json"] = json.dumps(config_settings or {}, sort_keys=True).encode()
    files[dist_info + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode()
    files[dist_info + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    wheel = "%s-%s-py3-none-any.whl" % (name, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        record = []
        for path, data in files.items():
            z.writestr(path, data)
            record.append(_line(path, data))
        record.append(dist_info + "/RECORD,,")
        z.writestr(dist_info + "/RECORD", "\n".join(record) + "\n")
    return wheel
"#;

/// The setuptools wheel (and, for a setuptools older than 70.1, which
/// builds through it, the wheel package's wheel) to serve for builds with
/// the real setuptools: the newest found in `$WHEELPIPE_TEST_WHEELHOUSE`,
/// `target/test-wheelhouse` (which `.ci/run` fills) and python3's own
/// bundled wheels (ensurepip, test/wheeldata). None when there is no
/// usable set.
pub fn setuptools_wheels(python: &Path) -> Option<Vec<PathBuf>> {
    let out = std::process::Command::new(python)
        .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
        .output()
        .ok()?;
    let stdlib = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("WHEELPIPE_TEST_WHEELHOUSE").map(PathBuf::from).into_iter().collect();
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-wheelhouse"));
    dirs.extend([stdlib.join("ensurepip/_bundled"), stdlib.join("test/wheeldata"), stdlib.join("test")]);
    let newest = |project: &str| -> Option<(Vec<u64>, PathBuf)> {
        let prefix = format!("{project}-");
        dirs.iter()
            .filter_map(|d| fs::read_dir(d).ok())
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?.to_string();
                let version = name.strip_prefix(&prefix)?.split('-').next()?.to_string();
                name.ends_with(".whl")
                    .then(|| (version.split('.').map(|n| n.parse().unwrap_or(0)).collect(), p))
            })
            .max()
    };
    let (version, setuptools) = newest("setuptools")?;
    if version >= vec![70, 1] {
        return Some(vec![setuptools]);
    }
    Some(vec![setuptools, newest("wheel")?.1])
}

/// Every wheel of `$WHEELPIPE_TEST_WHEELHOUSE` and `target/test-wheelhouse`
/// (which `.ci/run` fills with setuptools, wheel, flit_core, hatchling and
/// its requirements, pdm-backend and poetry-core), one file per name.
pub fn wheelhouse() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("WHEELPIPE_TEST_WHEELHOUSE").map(PathBuf::from).into_iter().collect();
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-wheelhouse"));
    let mut seen = std::collections::BTreeMap::new();
    for path in dirs.iter().filter_map(|d| fs::read_dir(d).ok()).flatten().flatten().map(|e| e.path()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".whl") {
            seen.entry(name).or_insert(path);
        }
    }
    seen.into_values().collect()
}

pub use wheelpipe::test_git::git;
