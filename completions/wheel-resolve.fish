complete -c wheel-resolve -s i -l index-url -d 'The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]' -r
complete -c wheel-resolve -l extra-index-url -d 'Another index to look in as well (may be repeated)' -r
complete -c wheel-resolve -s f -l find-links -d 'A folder of wheels or an HTML page of links to look in as well (may be repeated)' -r
complete -c wheel-resolve -l lock -d 'Also write the resolution as a PEP 751 lock file (pylock.toml)' -r -F
complete -c wheel-resolve -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-resolve -l python -d 'The target interpreter, usually a virtualenv\'s bin/python: its markers and tags decide, and, when given, what it has installed is kept if it fits' -r -F
complete -c wheel-resolve -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-resolve -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-resolve -s C -l config-settings -d 'A PEP 517 config setting for the backend; a key given twice gets a list, as in pip' -r
complete -c wheel-resolve -s r -l requirement -d 'Install from this requirements file (may be repeated); - reads stdin' -r
complete -c wheel-resolve -s c -l constraint -d 'Constrain versions with this file (may be repeated) [env: PIP_CONSTRAINT]' -r
complete -c wheel-resolve -s e -l editable -d 'Install this project folder or git+ URL as an editable (PEP 660; may be repeated)' -r
complete -c wheel-resolve -l extra -d 'With a pyproject.toml, setup.cfg or setup.py as the input: its dependencies of this extra too (may be repeated)' -r
complete -c wheel-resolve -l group -d 'The requirements of this PEP 735 dependency group: NAME of the pyproject.toml given (else ./pyproject.toml), PATH:NAME of the pyproject.toml at PATH (may be repeated)' -r
complete -c wheel-resolve -l only-binary -d 'Never use source distributions of these (comma list, :all:, :none:) [env: PIP_ONLY_BINARY]' -r
complete -c wheel-resolve -l no-binary -d 'Use source distributions of these, built at install, even when a wheel fits (comma list, :all:, :none:) [env: PIP_NO_BINARY]' -r
complete -c wheel-resolve -l upgrade-strategy -d 'With -U: eager upgrades every dependency as well (uv\'s --upgrade)' -r -f -a "only-if-needed\t''
eager\t''"
complete -c wheel-resolve -s P -l upgrade-package -d 'Upgrade this package (may be repeated), keeping the other installed versions that fit' -r
complete -c wheel-resolve -l reinstall-package -d 'Install this package again (may be repeated)' -r
complete -c wheel-resolve -l trusted-host -d 'Do not check the TLS certificate of HOST or HOST:PORT (may be repeated) [env: PIP_TRUSTED_HOST]' -r
complete -c wheel-resolve -l proxy -d 'The proxy, scheme://[user:pass@]host:port [env: PIP_PROXY, else HTTPS_PROXY]' -r
complete -c wheel-resolve -l no-index -d 'Use no index, only --find-links locations'
complete -c wheel-resolve -l pre -d 'Consider pre-releases and development versions as well (pip --pre) [env: PIP_PRE]'
complete -c wheel-resolve -l no-deps -d 'Install the requirements only, not their dependencies (pip --no-deps): no metadata is read'
complete -c wheel-resolve -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-resolve -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-resolve -l no-build-isolation -d 'Build in the target interpreter\'s environment, which must have the build requires'
complete -c wheel-resolve -l require-hashes -d 'Require a --hash for every requirement, and every dependency pinned and hashed'
complete -c wheel-resolve -l all-extras -d 'With a pyproject.toml, setup.cfg or setup.py as the input: the dependencies of all its extras too'
complete -c wheel-resolve -l prefer-binary -d 'Prefer an older version with a wheel to a newer one with only a source distribution'
complete -c wheel-resolve -s U -l upgrade -d 'Upgrade the named requirements to the newest versions that fit; their dependencies only if needed (pip -U)'
complete -c wheel-resolve -l reinstall -l force-reinstall -d 'Install every distribution again, even at the version already installed'
complete -c wheel-resolve -s I -l ignore-installed -d 'Resolve as if --python\'s environment were empty: keep nothing installed'
complete -c wheel-resolve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-resolve -s V -l version -d 'Print version'
