//! wheel-resolve reads requirement files as pip does: from stdin with `-`,
//! with `-r` includes, with `--hash` checking (a wrong hash stops the install,
//! naming the package), and with index options inside the file.

mod support;

use std::ffi::OsStr;

use support::*;
use wheelpipe::records::Record;

fn names(run: &Run) -> Vec<String> {
    run.records()
        .into_iter()
        .filter_map(|r| match r {
            Record::Artifact(a) => Some(format!("{}=={}", a.name, a.version)),
            _ => None,
        })
        .collect()
}

fn sha(sb: &Sandbox, filename: &str) -> String {
    wheelpipe::hash::sha256_hex(&std::fs::read(sb.path().join("wheels").join(filename)).unwrap())
}

#[test]
fn requirements_from_stdin_and_includes() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let dash = std::path::Path::new("-");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[dash])], Some(b"beta==2.0\n".to_vec()));
    run.assert_success();
    assert_eq!(names(&run), ["beta==2.0"]);

    sb.write("reqs/base.txt", "beta==2.0\n");
    let top = sb.write("reqs/top.txt", "-r base.txt\nalpha==1.0\n");
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&top])], None);
    run.assert_success();
    assert_eq!(names(&run), ["alpha==1.0", "beta==2.0"], "sorted by name, includes followed");
}

#[test]
fn hashes_in_the_file_are_checked() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let (a, b) = (sha(&sb, &alpha().filename()), sha(&sb, &beta().filename()));
    let venv = sb.venv("venv");
    let good =
        sb.write("good.txt", &format!("alpha==1.0 --hash=sha256:{a}\nbeta==2.0 \\\n    --hash=sha256:{b}\n"));
    let run = pipeline(vec![sb.resolve(&server.url(), &venv, &[&good]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert_eq!(venv.dists(&sb).len(), 2);

    let other = sb.venv("other");
    let before = snapshot(&other.root);
    let wrong = "0".repeat(64);
    let bad =
        sb.write("bad.txt", &format!("alpha==1.0 --hash=sha256:{a}\nbeta==2.0 --hash=sha256:{wrong}\n"));
    let run = pipeline(vec![sb.resolve(&server.url(), &other, &[&bad]), sb.fetch(), sb.unpack(&other)], None);
    assert_ne!(run.codes()[2], Some(0), "{run}");
    let said = format!("{}{}", run.stderr(0), run.stderr(1));
    assert!(said.contains("beta==2.0") && said.contains("hash"), "names the package and the hash: {run}");
    assert_same_tree(&before, &snapshot(&other.root), "the venv");
}

#[test]
fn an_index_url_inside_the_file_is_used() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let reqs =
        sb.write("requirements.txt", &format!("--index-url {}\nalpha==1.0\nbeta==2.0\n", server.url()));
    let run = pipeline(vec![sb.resolve_with(&venv, &[reqs.as_os_str()]), sb.fetch(), sb.unpack(&venv)], None);
    run.assert_success();
    assert_eq!(venv.dists(&sb).len(), 2);
}

#[test]
fn pip_index_url_and_pip_conf_are_read_like_pip() {
    let sb = Sandbox::new();
    let server = Server::start(&alpha_beta(&sb.path().join("wheels")));
    let venv = sb.venv("venv");
    let reqs = sb.write("requirements.txt", "alpha==1.0\n");
    let arg = [reqs.as_os_str()];

    let mut by_env = sb.resolve_with(&venv, &arg);
    by_env.env("PIP_INDEX_URL", server.url());
    let run = pipeline(vec![by_env], None);
    run.assert_success();
    assert_eq!(names(&run), ["alpha==1.0", "beta==2.0"], "alpha's dependency comes along");

    sb.write("home/.config/pip/pip.conf", &format!("[global]\nindex-url = {}\n", server.url()));
    let mut by_conf = sb.resolve_with(&venv, &arg);
    by_conf.env_remove("PIP_CONFIG_FILE");
    let run = pipeline(vec![by_conf], None);
    run.assert_success();
    assert_eq!(names(&run), ["alpha==1.0", "beta==2.0"], "alpha's dependency comes along");

    // The flag wins over the environment, which wins over the file.
    let dead = "http://127.0.0.1:9/simple";
    let mut flag = sb.resolve_with(&venv, &[OsStr::new("--index-url"), OsStr::new(&server.url()), arg[0]]);
    flag.env("PIP_INDEX_URL", dead).env_remove("PIP_CONFIG_FILE");
    pipeline(vec![flag], None).assert_success();
    let mut env_over_conf = sb.resolve_with(&venv, &arg);
    env_over_conf.env("PIP_INDEX_URL", dead).env("PIP_RETRIES", "0").env_remove("PIP_CONFIG_FILE");
    let run = pipeline(vec![env_over_conf], None);
    assert_ne!(run.codes(), [Some(0)], "PIP_INDEX_URL beats pip.conf: {run}");
    assert!(run.stderr(0).contains("127.0.0.1:9"), "{run}");
}
