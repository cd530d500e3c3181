complete -c wheel-list -l venv -d 'The virtualenv to list' -r -F
complete -c wheel-list -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-list -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-list -l freeze -d 'Write `name==version` (or `name @ URL`) lines instead of records'
complete -c wheel-list -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-list -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-list -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-list -s V -l version -d 'Print version'
