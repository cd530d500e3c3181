complete -c wheel-build -s w -l dest -l wheel-dir -d 'Copy the wheels built (and wheel paths given) into DIR; records name the copies' -r -F
complete -c wheel-build -l python -d 'The target interpreter: wheels are built for it, by it or by build environments made from it' -r -F
complete -c wheel-build -s C -l config-settings -d 'A PEP 517 config setting for the backend; a key given twice gets a list, as in pip' -r
complete -c wheel-build -s j -l jobs -d 'Builds run at the same time [default: the number of cores]' -r
complete -c wheel-build -s i -l index-url -d 'The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]' -r
complete -c wheel-build -l extra-index-url -d 'Another index to look in as well (may be repeated)' -r
complete -c wheel-build -s f -l find-links -d 'A folder of wheels or an HTML page of links to look in as well (may be repeated)' -r
complete -c wheel-build -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-build -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-build -l no-build-isolation -d 'Build in the target interpreter\'s environment, which must have the build requires'
complete -c wheel-build -s e -l editable -d 'Build PEP 660 editable wheels of project folders (build_editable)'
complete -c wheel-build -l no-index -d 'Use no index, only --find-links locations'
complete -c wheel-build -s v -l verbose -d 'Show the backends\' and the environment tools\' output as it comes'
complete -c wheel-build -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-build -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-build -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-build -s V -l version -d 'Print version'
