//! What the target environment already has, and what may move: pip's
//! default upgrade strategy. An installed distribution whose version still
//! fits is kept (a `satisfied` record, nothing downloaded), even when the
//! index no longer has that version, unless an upgrade or a reinstall is
//! asked for it. `-U` makes the named requirements eligible for an upgrade
//! (`--upgrade-strategy eager`: every distribution), `-P NAME` that one;
//! an eligible distribution still keeps its version when that is the newest
//! that fits. `--reinstall` / `--reinstall-package NAME` keep preferring the
//! installed version, but install it again (an artifact with `reinstall`).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep440_rs::Version;
use wheelpipe::interpreter::InstalledDist;
use wheelpipe::names::normalize;

/// Which names may move to a newer version than the installed one.
#[derive(Clone, Debug, Default)]
pub enum Upgrade {
    /// None: every installed version that fits is kept (no `-U`).
    #[default]
    None,
    /// `-U`: the requirements named (pip's `only-if-needed`).
    Requested,
    /// `-U --upgrade-strategy eager`: all.
    All,
}

/// The installed distributions and what the command line lets move.
#[derive(Debug, Default)]
pub struct Installed {
    /// By normalized name, with their parsed versions.
    dists: BTreeMap<String, (InstalledDist, Version)>,
    upgrade: Upgrade,
    /// `-P` names, normalized.
    upgrade_packages: BTreeSet<String>,
    /// `--reinstall`.
    reinstall_all: bool,
    /// `--reinstall-package` names, normalized.
    reinstall_packages: BTreeSet<String>,
    /// The root requirements' names (what `-U` upgrades).
    requested: BTreeSet<String>,
}

impl Installed {
    /// `dists` (from [`wheelpipe::interpreter::Interpreter::installed`], or
    /// none when the environment is not looked at), with a version that
    /// parses.
    pub fn new(dists: BTreeMap<String, InstalledDist>, upgrade: Upgrade) -> Installed {
        let dists = dists
            .into_iter()
            .filter_map(|(name, d)| Version::from_str(&d.version).ok().map(|v| (name, (d, v))))
            .collect();
        Installed { dists, upgrade, ..Installed::default() }
    }

    pub fn upgrade_packages(mut self, names: impl IntoIterator<Item = String>) -> Installed {
        self.upgrade_packages.extend(names.into_iter().map(|n| normalize(&n)));
        self
    }

    pub fn reinstall(mut self, all: bool, names: impl IntoIterator<Item = String>) -> Installed {
        self.reinstall_all = all;
        self.reinstall_packages.extend(names.into_iter().map(|n| normalize(&n)));
        self
    }

    /// The root requirements' names (normalized), and the `name @ URL` ones,
    /// which are never kept (the URL names the wheel to install).
    pub fn roots<'n>(
        mut self,
        requested: impl IntoIterator<Item = &'n String>,
        direct: impl IntoIterator<Item = &'n String>,
    ) -> Installed {
        self.requested.extend(requested.into_iter().cloned());
        for name in direct {
            self.dists.remove(name);
        }
        self
    }

    /// True when `name` is to be installed again at any version.
    pub fn reinstalls(&self, name: &str) -> bool {
        self.reinstall_all || self.reinstall_packages.contains(name)
    }

    /// The installed distribution of `name` when it may be kept as it is
    /// (a candidate version of its own, read from the disk, not the index).
    pub fn keepable(&self, name: &str) -> Option<(&InstalledDist, &Version)> {
        if self.reinstalls(name) {
            return None;
        }
        self.dists.get(name).map(|(d, v)| (d, v))
    }

    /// The version to try first for `name`: the installed one, unless an
    /// upgrade is asked for it.
    pub fn preferred(&self, name: &str) -> Option<&Version> {
        let eligible = self.upgrade_packages.contains(name)
            || match self.upgrade {
                Upgrade::None => false,
                Upgrade::Requested => self.requested.contains(name),
                Upgrade::All => true,
            };
        (!eligible).then(|| self.dists.get(name).map(|(_, v)| v)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(upgrade: Upgrade) -> Installed {
        let dist = |name: &str, version: &str| {
            let d = InstalledDist {
                name: name.into(),
                version: version.into(),
                location: "/site".into(),
                requires_dist: Vec::new(),
                provides_extra: Vec::new(),
            };
            (normalize(name), d)
        };
        let dists = [dist("Top", "1.0"), dist("dep", "1.0"), dist("other", "2.0"), dist("direct", "1.0")];
        let requested = ["top".to_string()];
        let direct = ["direct".to_string()];
        Installed::new(dists.into_iter().collect(), upgrade).roots(&requested, &direct)
    }

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn without_upgrades_every_installed_version_is_preferred_and_keepable() {
        let i = installed(Upgrade::None);
        assert_eq!(i.preferred("top"), Some(&v("1.0")));
        assert_eq!(i.preferred("dep"), Some(&v("1.0")));
        assert!(i.keepable("dep").is_some());
        assert!(i.keepable("direct").is_none(), "a name @ URL requirement installs its URL");
        assert!(i.preferred("missing").is_none());
    }

    #[test]
    fn upgrades_make_names_eligible_and_reinstalls_make_them_not_keepable() {
        let i = installed(Upgrade::Requested);
        assert_eq!(i.preferred("top"), None, "-U upgrades what is asked for");
        assert_eq!(i.preferred("dep"), Some(&v("1.0")), "and its dependencies only if needed");
        assert!(i.keepable("top").is_some(), "the newest may still be the installed one");
        let i = installed(Upgrade::All);
        assert_eq!(i.preferred("dep"), None);
        let i = installed(Upgrade::None).upgrade_packages(["DEP".to_string()]);
        assert_eq!((i.preferred("dep"), i.preferred("top")), (None, Some(&v("1.0"))));
        let i = installed(Upgrade::None).reinstall(false, ["other".to_string()]);
        assert!(i.keepable("other").is_none() && i.reinstalls("other") && !i.reinstalls("top"));
        assert_eq!(i.preferred("other"), Some(&v("2.0")), "a reinstall does not upgrade");
        assert!(installed(Upgrade::None).reinstall(true, []).keepable("top").is_none());
    }
}
