complete -c wheel-unpack -l venv -d 'The virtualenv to install into' -r -F
complete -c wheel-unpack -s j -l jobs -d 'Wheels unpacked at once [default: the number of cores]' -r
complete -c wheel-unpack -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-unpack -l link-mode -d 'How files come from the cache of unpacked wheels into the venv' -r -f -a "auto\t''
reflink\t''
hardlink\t''
copy\t''"
complete -c wheel-unpack -l reinstall-package -d 'Install this distribution\'s wheel even if the venv has that version (repeatable)' -r
complete -c wheel-unpack -l src -d 'Where editable git requirements are cloned, one folder a project [default: VENV/src]' -r -F
complete -c wheel-unpack -s C -l config-settings -d 'A PEP 517 config setting for the backend; a key given twice gets a list, as in pip' -r
complete -c wheel-unpack -s i -l index-url -d 'The package index (PEP 503 / PEP 691 simple API) [default: as pip is configured]' -r
complete -c wheel-unpack -l extra-index-url -d 'Another index to look in as well (may be repeated)' -r
complete -c wheel-unpack -s f -l find-links -d 'A folder of wheels or an HTML page of links to look in as well (may be repeated)' -r
complete -c wheel-unpack -l progress -d 'When to draw progress on stderr [default: $WHEELPIPE_PROGRESS, else auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c wheel-unpack -l compile -d 'Byte-compile the .py files as pip does (by the venv\'s python, in parallel)'
complete -c wheel-unpack -l no-overwrite -d 'Refuse the set when two wheels, or a wheel and the venv, write one path differently'
complete -c wheel-unpack -l allow-overwrite -d 'What wheel-unpack now does by default (kept for scripts that pass it)'
complete -c wheel-unpack -l no-verify-record -d 'Install wheels whose files do not match their RECORD, with nothing to vouch for them'
complete -c wheel-unpack -l no-tag-check -d 'Install wheels whose tags the venv\'s python does not support'
complete -c wheel-unpack -l exact -d 'Also remove the distributions the venv holds that are not in the set (uv pip sync)'
complete -c wheel-unpack -l reinstall -d 'Install every wheel, even those whose version the venv already has'
complete -c wheel-unpack -l no-build-isolation -d 'Build in the target interpreter\'s environment, which must have the build requires'
complete -c wheel-unpack -l no-index -d 'Use no index, only --find-links locations'
complete -c wheel-unpack -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-unpack -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-unpack -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-unpack -s V -l version -d 'Print version'
