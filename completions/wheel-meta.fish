complete -c wheel-meta -s j -l jobs -d 'Wheels read at the same time' -r
complete -c wheel-meta -l cache-dir -d 'The cache folder: a wheel found in its wheel store is read there, and metadata read over the network is kept by URL and wheel sha256, only when the sha256 is known since a URL alone may change content [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-meta -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-meta -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-meta -l no-pep658 -d 'Do not ask for `{url}.metadata` for plain URLs: for an index known to lack PEP 658 files, where each probe is a wasted request'
complete -c wheel-meta -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-meta -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-meta -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-meta -s V -l version -d 'Print version'
