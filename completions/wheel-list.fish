complete -c wheel-list -l venv -d 'The virtualenv to list (default: $VIRTUAL_ENV)' -r -F
complete -c wheel-list -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-list -l freeze -d 'Write `name==version` (or `name @ URL`) lines instead of records'
complete -c wheel-list -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-list -s V -l version -d 'Print version'
