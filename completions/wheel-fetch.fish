complete -c wheel-fetch -s j -l jobs -d 'Downloads at the same time (1 downloads one after the other)' -r
complete -c wheel-fetch -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-fetch -s d -l dest -d 'Also put each verified wheel in DIR under its filename (hard link, else copy)' -r -F
complete -c wheel-fetch -l split-size -d 'The smallest part, in megabytes, that a free connection takes over from a running download (size known, server serving ranges); 0: one connection a file' -r
complete -c wheel-fetch -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-fetch -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-fetch -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-fetch -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-fetch -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-fetch -s V -l version -d 'Print version'
