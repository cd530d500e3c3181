complete -c wheel-unpack -l venv -d 'The virtualenv to install into' -r -F
complete -c wheel-unpack -s j -l jobs -d 'Wheels unpacked at once [default: the number of cores]' -r
complete -c wheel-unpack -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-unpack -l link-mode -d 'How files come from the cache of unpacked wheels into the venv' -r -f -a "auto\t''
reflink\t''
hardlink\t''
copy\t''"
complete -c wheel-unpack -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-unpack -l compile -d 'Byte-compile the .py files as pip does (by the venv\'s python, in parallel)'
complete -c wheel-unpack -l allow-overwrite -d 'Let a wheel overwrite files of other distributions, with a warning'
complete -c wheel-unpack -l no-verify-record -d 'Do not check files against the wheel\'s RECORD hashes (for known-bad published wheels)'
complete -c wheel-unpack -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-unpack -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-unpack -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-unpack -s V -l version -d 'Print version'
