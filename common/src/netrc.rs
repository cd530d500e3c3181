//! `~/.netrc` (or `$NETRC`): login and password by machine, as pip (through
//! requests) reads them for index hosts.

use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Netrc {
    machines: Vec<(String, String, String)>,
    default: Option<(String, String)>,
}

impl Netrc {
    /// The user's netrc, if there is one that can be read.
    pub fn load() -> Option<Netrc> {
        let path = std::env::var_os("NETRC")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".netrc")))?;
        Some(Netrc::parse(&std::fs::read_to_string(path).ok()?))
    }

    pub fn parse(text: &str) -> Netrc {
        let mut netrc = Netrc::default();
        let mut words = text.split_whitespace();
        // (machine or None for `default`, login, password)
        let mut current: Option<(Option<String>, String, String)> = None;
        let flush = |entry: Option<(Option<String>, String, String)>, netrc: &mut Netrc| match entry {
            Some((Some(m), l, p)) => netrc.machines.push((m, l, p)),
            Some((None, l, p)) => netrc.default = Some((l, p)),
            None => {}
        };
        while let Some(word) = words.next() {
            match word {
                "machine" => {
                    flush(current.take(), &mut netrc);
                    current = words.next().map(|m| (Some(m.to_string()), String::new(), String::new()));
                }
                "default" => {
                    flush(current.take(), &mut netrc);
                    current = Some((None, String::new(), String::new()));
                }
                "login" => {
                    if let (Some(c), Some(v)) = (current.as_mut(), words.next()) {
                        c.1 = v.to_string();
                    }
                }
                "password" => {
                    if let (Some(c), Some(v)) = (current.as_mut(), words.next()) {
                        c.2 = v.to_string();
                    }
                }
                "account" => {
                    words.next();
                }
                "macdef" => break,
                _ => {}
            }
        }
        flush(current.take(), &mut netrc);
        netrc
    }

    /// Login and password for a host.
    pub fn lookup(&self, host: &str) -> Option<(String, String)> {
        self.machines
            .iter()
            .find(|(m, _, _)| m.eq_ignore_ascii_case(host))
            .map(|(_, l, p)| (l.clone(), p.clone()))
            .or_else(|| self.default.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_machine_then_default() {
        let n = Netrc::parse("machine a.example login u password p\ndefault login d password q\n");
        assert_eq!(n.lookup("A.example"), Some(("u".into(), "p".into())));
        assert_eq!(n.lookup("b.example"), Some(("d".into(), "q".into())));
    }
}
