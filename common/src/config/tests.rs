//! Tests of pip-style configuration: file order, section and source
//! precedence, list options, and errors, all without touching the process
//! environment (tests run in parallel threads).

use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn text(path: &str, text: &str) -> ConfigText {
    ConfigText { path: PathBuf::from(path), text: text.to_string() }
}

const A: &str = "http://127.0.0.1:1/simple";
const B: &str = "http://127.0.0.1:2/simple";
const C: &str = "http://127.0.0.1:3/simple";

#[test]
fn later_files_override_earlier_ones_and_install_overrides_global() {
    let files = [
        text("/etc/pip.conf", &format!("[global]\nindex-url = {A}\ntimeout = 5\n")),
        text("/home/u/.config/pip/pip.conf", &format!("[global]\nindex_url = {B}\n")),
        text("/venv/pip.conf", "[global]\nretries = 2\n"),
    ];
    let r = resolve(&IndexFlags::default(), &env(&[]), &files).unwrap();
    assert_eq!(r.settings.urls.index_url.as_deref(), Some(B));
    assert_eq!((r.settings.timeout, r.settings.retries), (Some(Duration::from_secs(5)), Some(2)));

    // [install] wins over [global], even from a file of lower priority, as in pip.
    let files = [
        text("/etc/pip.conf", &format!("[install]\nindex-url = {C}\n")),
        text("/home/u/.pip/pip.conf", &format!("[global]\nindex-url = {B}\n[download]\nindex-url = {A}\n")),
    ];
    let r = resolve(&IndexFlags::default(), &env(&[]), &files).unwrap();
    assert_eq!(r.settings.urls.index_url.as_deref(), Some(C));
}

#[test]
fn environment_overrides_files_and_flags_override_environment() {
    let files = [text("/etc/pip.conf", &format!("[install]\nindex-url = {A}\ncert = /file.pem\n"))];
    let vars = env(&[("PIP_INDEX_URL", B), ("PIP_CERT", "/env.pem"), ("PIP_TIMEOUT", "2.5")]);
    let r = resolve(&IndexFlags::default(), &vars, &files).unwrap();
    assert_eq!(r.settings.urls.index_url.as_deref(), Some(B));
    assert_eq!(r.settings.cert, Some(PathBuf::from("/env.pem")));
    assert_eq!(r.settings.timeout, Some(Duration::from_millis(2500)));

    let flags =
        IndexFlags { index_url: Some(C.into()), cert: Some("/flag.pem".into()), ..Default::default() };
    let r = resolve(&flags, &vars, &files).unwrap();
    assert_eq!(r.settings.urls.index_url.as_deref(), Some(C));
    assert_eq!(r.settings.cert, Some(PathBuf::from("/flag.pem")));
}

#[test]
fn lists_split_on_whitespace_and_the_command_line_adds_to_them() {
    let files =
        [text("/etc/pip.conf", &format!("[global]\nextra-index-url =\n  {A}\n  {B}\nfind-links = /w1\n"))];
    let flags = IndexFlags { extra_index_urls: vec![C.into()], ..Default::default() };
    let r = resolve(&flags, &env(&[]), &files).unwrap();
    assert_eq!(r.settings.urls.extra_index_urls, vec![A, B, C]);
    assert_eq!(r.settings.urls.find_links, vec!["/w1"]);

    // The variable replaces the files' list; flags still add.
    let vars = env(&[("PIP_EXTRA_INDEX_URL", &format!("{B}  {A}")), ("PIP_FIND_LINKS", "/w2 /w3")]);
    let r = resolve(&flags, &vars, &files).unwrap();
    assert_eq!(r.settings.urls.extra_index_urls, vec![B, A, C]);
    assert_eq!(r.settings.urls.find_links, vec!["/w2", "/w3"]);
}

#[test]
fn no_index_drops_every_index_but_keeps_find_links() {
    let files = [text("/etc/pip.conf", &format!("[global]\nindex-url = {A}\nextra-index-url = {B}\n"))];
    let vars = env(&[("PIP_NO_INDEX", "yes"), ("PIP_FIND_LINKS", "/w")]);
    let r = resolve(&IndexFlags::default(), &vars, &files).unwrap();
    assert!(r.no_index && !r.needs_default_index());
    assert_eq!(
        r.settings.urls,
        IndexUrls { index_url: None, extra_index_urls: vec![], find_links: vec!["/w".into()] }
    );

    let r = resolve(&IndexFlags::default(), &env(&[("PIP_NO_INDEX", "0")]), &[]).unwrap();
    assert!(!r.no_index && r.needs_default_index());
}

#[test]
fn bad_values_are_errors_naming_their_source() {
    let err = resolve(&IndexFlags::default(), &env(&[("PIP_NO_INDEX", "maybe")]), &[]).unwrap_err();
    assert!(err.to_string().contains("PIP_NO_INDEX"), "{err}");
    let files = [text("/etc/pip.conf", "[global]\nretries = many\n")];
    let err = resolve(&IndexFlags::default(), &env(&[]), &files).unwrap_err();
    assert!(err.to_string().starts_with("/etc/pip.conf: retries"), "{err}");
}

#[test]
fn default_timeout_is_another_name_for_timeout() {
    let r = resolve(&IndexFlags::default(), &env(&[("PIP_DEFAULT_TIMEOUT", "60")]), &[]).unwrap();
    assert_eq!(r.settings.timeout, Some(Duration::from_secs(60)));
}

fn all_exist(_: &Path) -> bool {
    true
}

#[test]
fn files_come_in_pips_order() {
    let vars = env(&[("HOME", "/h"), ("XDG_CONFIG_DIRS", "/x1:/x2"), ("PIP_CONFIG_FILE", "/e.conf")]);
    // PIP_CONFIG_FILE exists: the user files are skipped.
    let got = config_files(&vars, Some(Path::new("/venv")), &all_exist);
    let want = ["/x1/pip/pip.conf", "/x2/pip/pip.conf", "/etc/pip.conf", "/venv/pip.conf", "/e.conf"];
    assert_eq!(got, want.map(PathBuf::from));

    let missing_env_file = |p: &Path| p != Path::new("/e.conf");
    let vars = env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "/cfg"), ("PIP_CONFIG_FILE", "/e.conf")]);
    let got = config_files(&vars, None, &missing_env_file);
    let want = ["/etc/xdg/pip/pip.conf", "/etc/pip.conf", "/h/.pip/pip.conf", "/cfg/pip/pip.conf"];
    assert_eq!(got, want.map(PathBuf::from));

    let got = config_files(&env(&[("HOME", "/h")]), None, &all_exist);
    assert_eq!(got[3], PathBuf::from("/h/.config/pip/pip.conf"));
    assert!(config_files(&env(&[("PIP_CONFIG_FILE", "/dev/null")]), None, &all_exist).is_empty());
}

#[test]
fn real_files_in_a_temporary_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let venv = tmp.path().join("venv");
    for dir in [home.join(".pip"), home.join(".config/pip"), venv.clone()] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(home.join(".pip/pip.conf"), format!("[global]\nindex-url = {A}\nretries = 1\n")).unwrap();
    std::fs::write(home.join(".config/pip/pip.conf"), format!("[global]\nindex-url = {B}\n")).unwrap();
    std::fs::write(venv.join("pip.conf"), format!("[global]\nextra-index-url = {C}\n")).unwrap();
    let vars = env(&[
        ("HOME", home.to_str().unwrap()),
        ("XDG_CONFIG_DIRS", tmp.path().join("none").to_str().unwrap()),
        ("PIP_CONFIG_FILE", tmp.path().join("absent.conf").to_str().unwrap()),
    ]);
    let paths: Vec<_> = config_files(&vars, Some(&venv), &|p| p.exists())
        .into_iter()
        .filter(|p| p.starts_with(tmp.path()))
        .collect();
    let r = resolve(&IndexFlags::default(), &vars, &read_files(&paths).unwrap()).unwrap();
    assert_eq!(r.settings.urls.index_url.as_deref(), Some(B));
    assert_eq!(r.settings.urls.extra_index_urls, vec![C]);
    assert_eq!(r.settings.retries, Some(1));
}

fn interpreter(pip_default_index: Option<&str>) -> Interpreter {
    let python = Path::new("/nonexistent/bin/python");
    serde_json::from_value(serde_json::json!({
        "executable": python, "prefix": "/nonexistent", "base_prefix": "/nonexistent",
        "base_executable": python, "version": [3, 11, 0], "markers": {},
        "paths": {"purelib": "/p", "platlib": "/p", "scripts": "/s", "include": "/i", "data": "/d"},
        "soabi": null, "ext_suffix": null, "py_debug": false, "gil_disabled": false,
        "platform": "linux-x86_64", "glibc": null, "musl": null, "pointer_bits": 64,
        "pip_default_index": pip_default_index,
    }))
    .unwrap()
}

#[test]
fn the_interpreters_pip_default_is_used_when_known() {
    assert_eq!(default_index(Some(&interpreter(Some(A)))).unwrap(), A);
}

#[test]
fn without_pip_anywhere_the_error_says_how_to_give_an_index() {
    let err = default_index_with(Some(&interpreter(None)), Path::new("/nonexistent/python3")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no index URL: none was given (--index-url, PIP_INDEX_URL, pip.conf) and pip is not installed \
         for /nonexistent/bin/python to read its default from"
    );
}

#[test]
fn without_pip_in_the_venv_the_base_interpreters_pip_answers() {
    // What `python3`'s own pip says, whatever it is: the fallback must find the same.
    let Some(want) = ask_pip(Path::new("python3")) else { return };
    let mut venv = interpreter(None);
    venv.base_executable = Some(PathBuf::from("python3"));
    assert_eq!(default_index_with(Some(&venv), Path::new("/nonexistent/python3")).unwrap(), want);
}

#[test]
fn install_options_are_read_as_pip_reads_them() {
    let files = [text(
        "/etc/pip.conf",
        "[install]\npre = yes\nno-binary = :all:\ntrusted-host = a.test\n  b.test:8443\n",
    )];
    let vars = env(&[
        ("PIP_CONSTRAINT", "c1.txt  c2.txt"),
        ("PIP_ONLY_BINARY", "top, dep"),
        ("PIP_PROXY", "http://127.0.0.1:3128"),
    ]);
    let flags = IndexFlags { trusted_hosts: vec!["c.test".into()], ..Default::default() };
    let s = resolve(&flags, &vars, &files).unwrap().settings;
    assert!(s.install.pre);
    assert_eq!(s.install.constraints, ["c1.txt", "c2.txt"], "an append option splits on whitespace");
    assert_eq!(s.install.only_binary, ["top", "dep"], "a format control splits on commas");
    assert_eq!(s.install.no_binary, [":all:"]);
    assert_eq!(s.trusted_hosts, ["a.test", "b.test:8443", "c.test"], "the command line adds to them");
    assert_eq!(s.proxy.as_deref(), Some("http://127.0.0.1:3128"));
    let options = s.http_options();
    assert_eq!((options.trusted_hosts.len(), options.proxy.as_deref()), (3, Some("http://127.0.0.1:3128")));

    let s = resolve(&IndexFlags::default(), &env(&[("PIP_PRE", "0")]), &files).unwrap().settings;
    assert!(!s.install.pre, "the environment overrides the file");
    let err = resolve(&IndexFlags::default(), &env(&[("PIP_PRE", "maybe")]), &[]).unwrap_err();
    assert!(err.to_string().contains("PIP_PRE: pre must be true or false"), "{err}");
}

#[test]
fn http_settings_come_from_here_alone() {
    let vars = env(&[("PIP_TIMEOUT", "0.25"), ("PIP_RETRIES", "1"), ("WHEELPIPE_RETRY_BACKOFF_MS", "7")]);
    let options = resolve(&IndexFlags::default(), &vars, &[]).unwrap().settings.http_options();
    assert_eq!(options.timeout, Duration::from_millis(250));
    assert_eq!(options.retries, 1);
    assert_eq!(options.backoff, Duration::from_millis(7));
    let none = resolve(&IndexFlags::default(), &env(&[]), &[]).unwrap().settings.http_options();
    let default = crate::http::HttpOptions::default();
    assert_eq!(
        (none.timeout, none.retries, none.backoff),
        (default.timeout, default.retries, default.backoff)
    );
    let bad = resolve(&IndexFlags::default(), &env(&[("WHEELPIPE_RETRY_BACKOFF_MS", "soon")]), &[]);
    assert!(bad.unwrap_err().to_string().contains("WHEELPIPE_RETRY_BACKOFF_MS"));
}
