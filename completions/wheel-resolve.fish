complete -c wheel-resolve -s i -l index-url -d 'The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]' -r
complete -c wheel-resolve -l extra-index-url -d 'Another index to look in as well (may be repeated)' -r
complete -c wheel-resolve -s f -l find-links -d 'A folder of wheels or an HTML page of links to look in as well (may be repeated)' -r
complete -c wheel-resolve -l lock -d 'Also write the resolution as a PEP 751 lock file (pylock.toml)' -r -F
complete -c wheel-resolve -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-resolve -l python -d 'The target interpreter, usually a virtualenv\'s bin/python: its markers and tags decide' -r -F
complete -c wheel-resolve -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-resolve -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-resolve -l no-index -d 'Use no index, only --find-links locations'
complete -c wheel-resolve -l pre -d 'Consider pre-releases and development versions as well (pip --pre)'
complete -c wheel-resolve -l no-deps -d 'Install the requirements only, not their dependencies (pip --no-deps): no metadata is read'
complete -c wheel-resolve -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-resolve -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-resolve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-resolve -s V -l version -d 'Print version'
