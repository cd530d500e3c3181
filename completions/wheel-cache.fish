# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wheel_cache_global_optspecs
    string join \n cache-dir= q/quiet json h/help V/version
end

function __fish_wheel_cache_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wheel_cache_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wheel_cache_using_subcommand
    set -l cmd (__fish_wheel_cache_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -s V -l version -d 'Print version'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -f -a "dir" -d 'Print the cache\'s folder'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -f -a "info" -d 'Count each bucket\'s entries and bytes'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -f -a "clean" -d 'Remove every entry, or those of the named projects'
complete -c wheel-cache -n "__fish_wheel_cache_needs_command" -f -a "prune" -d 'Remove what no run needs: temporary, abandoned, old entries'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand dir" -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand dir" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand dir" -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand dir" -s h -l help -d 'Print help'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand info" -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand info" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand info" -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand info" -s h -l help -d 'Print help'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand clean" -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand clean" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand clean" -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand clean" -s h -l help -d 'Print help'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand prune" -l older-than -d 'Also remove the entries no run has used for DAYS days' -r
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand prune" -l cache-dir -d 'The cache folder [default: $WHEELPIPE_CACHE_DIR, else $XDG_CACHE_HOME/wheelpipe]' -r -F
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand prune" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand prune" -l json -d 'Write records on stdout even when it is a terminal (else a summary for people)'
complete -c wheel-cache -n "__fish_wheel_cache_using_subcommand prune" -s h -l help -d 'Print help'
