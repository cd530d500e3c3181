//! The requirements parser on in-memory files: includes, cycles, hashes,
//! options and the errors a user sees.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use super::format_control::Binary;
use super::*;

fn parse_files(files: &[(&str, &str)], top: &str) -> Result<Requirements, ParseError> {
    let map: BTreeMap<String, String> = files.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut read = |path: &Path| {
        map.get(&normalize_path(path).display().to_string())
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "No such file or directory"))
    };
    let var = |name: &str| (name == "WHEELS").then(|| "/srv/wheels".to_string());
    let mut out = Requirements::default();
    parse_file(Path::new(top), &mut Source { read: &mut read, var: &var }, &mut out)?;
    Ok(out)
}

fn names(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| e.requirement.name.to_string()).collect()
}

#[test]
fn includes_are_relative_to_the_including_file() {
    let files = [
        ("locks/main.txt", "-r sub/base.txt\nsix==1.16.0\n-c ../constraints.txt\n"),
        ("locks/sub/base.txt", "idna==3.7 \\\n    --hash=sha256:{H}\n"),
        ("constraints.txt", "six<2\n"),
    ];
    let files = files.map(|(k, v)| (k, v.replace("{H}", &"a".repeat(64))));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let parsed = parse_files(&borrowed, "locks/main.txt").unwrap();
    assert_eq!(names(&parsed.requirements), ["idna", "six"]);
    assert_eq!(names(&parsed.constraints), ["six"]);
    let idna = &parsed.requirements[0];
    assert_eq!(idna.location, Location { file: "locks/sub/base.txt".into(), line: 1 });
    assert_eq!(idna.hashes, vec![Hash { algorithm: "sha256".into(), digest: "a".repeat(64) }]);
}

#[test]
fn circular_includes_name_the_chain() {
    let files = [("a.txt", "six==1.0\n-r b.txt\n"), ("b.txt", "-r ./a.txt\n")];
    let err = parse_files(&files, "a.txt").unwrap_err();
    assert_eq!(err.to_string(), "b.txt:1: circular include: a.txt -> b.txt -> a.txt");
}

#[test]
fn a_missing_include_names_the_line_that_asked_for_it() {
    let err = parse_files(&[("a.txt", "\n-r nope.txt\n")], "a.txt").unwrap_err();
    assert!(err.to_string().starts_with("a.txt:2: cannot read nope.txt: "), "{err}");
}

#[test]
fn options_are_collected_and_find_links_joined_to_the_file_folder() {
    let text = "--index-url http://127.0.0.1:1/simple\n--extra-index-url=http://127.0.0.1:2/s\n\
                -f wheels\n-f ${WHEELS}\n--no-index\n--pre\n--only-binary :all:\n--no-binary a,b\n\
                --prefer-binary\n--trusted-host 127.0.0.1\n--require-hashes\n";
    let parsed = parse_files(&[("dir/r.txt", text)], "dir/r.txt").unwrap();
    let o = parsed.options;
    assert_eq!(o.index_url.as_deref(), Some("http://127.0.0.1:1/simple"));
    assert_eq!(o.extra_index_urls, ["http://127.0.0.1:2/s"]);
    assert_eq!(o.find_links, ["dir/wheels", "/srv/wheels"]);
    assert!(o.no_index && o.pre && o.prefer_binary && o.require_hashes);
    assert_eq!(o.binary, [Binary::Only(":all:".into()), Binary::No("a,b".into())]);
    assert_eq!(o.trusted_hosts, ["127.0.0.1"]);
}

#[test]
fn markers_and_extras_are_kept() {
    let parsed =
        parse_files(&[("r.txt", "Foo.Bar[x]==1.0 ; python_version < \"3.8\"  # old\n")], "r.txt").unwrap();
    let req = &parsed.requirements[0].requirement;
    assert_eq!(req.name.to_string(), "foo-bar");
    assert_eq!(req.extras.len(), 1);
    assert!(req.marker.contents().is_some());
}

#[test]
fn folders_and_git_urls_are_trees_relative_to_the_file_and_other_urls_are_refused() {
    let reqs =
        parse_files(&[("sub/r.txt", "six==1.0\n-e ./pkg\ngit+http://127.0.0.1/r.git@v1\n")], "sub/r.txt")
            .unwrap();
    let trees: Vec<_> =
        reqs.trees.iter().map(|t| (t.tree.place.clone(), t.tree.editable, t.location.line)).collect();
    let pkg = std::path::absolute("sub/pkg").unwrap();
    let git = trees::Place::Git { url: "http://127.0.0.1/r.git".into(), rev: Some("v1".into()) };
    assert_eq!(trees, [(trees::Place::Dir(pkg), true, 2), (git, false, 3)], "relative to the file's folder");
    let err = parse_files(
        &[(
            "r.txt",
            "./pkg --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        )],
        "r.txt",
    )
    .unwrap_err();
    assert!(err.to_string().contains("takes no options"), "{err}");
    let err = parse_files(&[("r.txt", "-e six\n")], "r.txt").unwrap_err();
    assert!(err.to_string().starts_with("r.txt:1: -e six: an editable is a project folder"), "{err}");
    for line in ["pkg @ http://127.0.0.1/pkg-1.0.tar.bz2", "http://127.0.0.1/x/"] {
        let err = parse_files(&[("r.txt", line)], "r.txt").unwrap_err();
        assert!(err.to_string().starts_with("r.txt:1: `"), "{err}");
        assert!(err.to_string().ends_with("are not supported yet"), "{err}");
    }
    let ok = "pkg @ http://127.0.0.1/files/pkg-1.0-py3-none-any.whl#sha256=00\n";
    let reqs = parse_files(&[("r.txt", ok)], "r.txt").unwrap();
    assert_eq!(reqs.requirements[0].requirement.name.as_ref(), "pkg", "a wheel's URL is a requirement");
    let reqs = parse_files(&[("r.txt", "pkg @ http://127.0.0.1/files/pkg-1.0.tar.gz\n")], "r.txt").unwrap();
    assert_eq!(reqs.requirements[0].requirement.name.as_ref(), "pkg", "so is an sdist's");
}

#[test]
fn bad_lines_name_the_file_line_and_text() {
    let err = parse_files(&[("r.txt", "six==1.0\n\nsix===\n")], "r.txt").unwrap_err();
    assert!(err.to_string().starts_with("r.txt:3: invalid requirement `six===`"), "{err}");
    let err = parse_files(&[("r.txt", "six==1.0 --index-url http://127.0.0.1/\n")], "r.txt").unwrap_err();
    assert!(err.to_string().contains("--index-url cannot follow a requirement"), "{err}");
    let err = parse_files(&[("r.txt", "--hash=sha256:00\n")], "r.txt").unwrap_err();
    assert!(err.to_string().starts_with("r.txt:1: bad --hash"), "{err}");
}

#[test]
fn stdin_is_named_in_messages_and_includes_are_relative_to_the_working_folder() {
    let files = [("-", "-r base.txt\n"), ("base.txt", "nope!\n")];
    let err = parse_files(&files, "-").unwrap_err();
    assert!(err.to_string().starts_with("base.txt:1: invalid requirement"), "{err}");
    let reqs = parse_files(&[("-", "-e .\n")], "-").unwrap();
    assert_eq!(
        reqs.trees[0].tree.place,
        trees::Place::Dir(std::path::absolute(".").unwrap()),
        "from the working folder"
    );
}
