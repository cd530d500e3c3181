complete -c wheel-remove -l venv -d 'The virtualenv to remove from' -r -F
complete -c wheel-remove -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-remove -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-remove -l dry-run -d 'Say what would be removed (records, and files on stderr); change nothing'
complete -c wheel-remove -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-remove -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-remove -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-remove -s V -l version -d 'Print version'
