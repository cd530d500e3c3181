complete -c wheel-meta -s j -l jobs -d 'Wheels read at the same time' -r
complete -c wheel-meta -l cache-dir -d 'A wheelpipe cache: an `artifact` whose sha256 is already in its wheel store is read there instead of over the network' -r -F
complete -c wheel-meta -l cert -d 'Extra CA certificates (PEM) to trust [default: $PIP_CERT, else pip\'s cert option]' -r -F
complete -c wheel-meta -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-meta -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-meta -s V -l version -d 'Print version'
