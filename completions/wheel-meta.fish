complete -c wheel-meta -s j -l jobs -d 'Wheels read at the same time' -r
complete -c wheel-meta -l cache-dir -d 'The cache folder: a wheel found in its wheel store is read there, and metadata read over the network is kept by URL and wheel sha256, only when the sha256 is known since a URL alone may change content [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-meta -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-meta -l python -d 'The interpreter a source\'s metadata is prepared for (its build environments are made from it)' -r -F
complete -c wheel-meta -s C -l config-settings -d 'A PEP 517 config setting for the backend; a key given twice gets a list, as in pip' -r
complete -c wheel-meta -s i -l index-url -d 'The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]' -r
complete -c wheel-meta -l extra-index-url -d 'Another index to look in as well (may be repeated)' -r
complete -c wheel-meta -s f -l find-links -d 'A folder of wheels or an HTML page of links to look in as well (may be repeated)' -r
complete -c wheel-meta -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-meta -l no-pep658 -d 'Do not ask for `{url}.metadata` for plain URLs: for an index known to lack PEP 658 files, where each probe is a wasted request'
complete -c wheel-meta -l no-build-isolation -d 'Build in the target interpreter\'s environment, which must have the build requires'
complete -c wheel-meta -l no-index -d 'Use no index, only --find-links locations'
complete -c wheel-meta -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-meta -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-meta -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-meta -s V -l version -d 'Print version'
