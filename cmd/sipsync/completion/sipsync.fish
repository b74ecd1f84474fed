# fish completion for sipsync(1). Keep in step with `sipsync CMD --help`:
# tests/e2e/completion_drift.sh fails naming any flag missing here.

set -l cmds validate plan apply export history test route run probe version accounts
complete -c sipsync -f
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a validate -d 'check the desired state'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a plan -d 'show what apply would change'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a apply -d 'make the live account match'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a export -d 'write the live account as YAML'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a history -d 'the audit log of applies'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a test -d 'run the route tests (offline)'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a route -d 'where would a call to TO land'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a run -d 'the long-running agent'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a probe -d 'signed test calls to the fallback handler'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a version -d 'print the versions'
complete -c sipsync -n "not __fish_seen_subcommand_from $cmds" -a accounts -d 'the accounts of an accounts file'

# SOURCE: files and directories
complete -c sipsync -n '__fish_seen_subcommand_from validate plan apply test route probe accounts export' -F

# common options (every command but version)
set -l common validate plan apply export history test route run probe accounts
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l api-url -x -d 'Ultravox API base URL'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l api-key-file -r -F -d 'read the API key from FILE'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l ca-cert -r -F -d 'CA bundle for the API'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l repo -x -d 'git repository of the desired state'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l ref -x -d 'branch, tag or commit'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l path -x -d 'file or directory in the repository'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l secrets-dir -x -a '(__fish_complete_directories)' -d '{file:} secrets of a git source'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l state-dir -x -a '(__fish_complete_directories)' -d 'state directory'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l git-token-file -r -F -d 'https token for --repo'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l ssh-key -r -F -d 'private key for an ssh --repo'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l known-hosts -r -F -d 'ssh host keys'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l policy -r -F -d 'organisation rules the desired state must keep'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l verify-commits -d 'refuse a --repo commit not signed by a trusted key'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l allowed-signers -r -F -d 'ssh-keygen allowed signers file for --verify-commits'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l trusted-keys -r -F -d 'OpenPGP keyring for --verify-commits'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l timeout -x -d 'give up on the API after DURATION in all'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l allow-insecure-http -d 'send the API key over http:// to a non-loopback host'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l color -x -a 'auto always never' -d 'colour'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -l log-format -x -a 'text json' -d 'log line format'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -s v -l verbose -d 'more output'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -s q -l quiet -d 'less output'
complete -c sipsync -n "__fish_seen_subcommand_from $common" -s h -l help -d 'show the options'

# validate
complete -c sipsync -n '__fish_seen_subcommand_from validate' -l offline -d 'do not resolve secret references'
complete -c sipsync -n '__fish_seen_subcommand_from validate' -l strict -d 'treat warnings as errors'
complete -c sipsync -n '__fish_seen_subcommand_from validate' -l format -x -a 'text json github' -d 'output format'
# plan
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l format -x -a 'text json markdown' -d 'output format'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l out -r -F -d 'also save the plan as JSON'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l detailed-exitcode -d 'exit 2 when there are changes'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l sync-secrets -d 'send write-only values with no record'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l force -d 'plan even when account.domain does not match'
# apply
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l plan -r -F -d 'apply a saved plan'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l auto-approve -d 'do not ask for confirmation'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l max-deletes -x -d 'refuse plans deleting more than N'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l force -d 'override the guards for this run'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l sync-secrets -d 'send write-only values with no record'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l parallelism -x -d 'API requests in flight at most'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l lock-timeout -x -d 'wait for another apply of the account'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l audit-log -r -F -d 'append the run to FILE'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l wait-registrations -x -d 'wait for the registrations to register'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l max-rps -x -d 'API requests started per second at most'
# history
complete -c sipsync -n '__fish_seen_subcommand_from history' -l account -x -d 'only the runs on this account'
complete -c sipsync -n '__fish_seen_subcommand_from history' -l audit-log -r -F -d 'the audit log to read'
complete -c sipsync -n '__fish_seen_subcommand_from history' -l format -x -a 'text json' -d 'output format'
# export
complete -c sipsync -n '__fish_seen_subcommand_from export' -l out -r -F -d 'write to FILE instead of stdout'
complete -c sipsync -n '__fish_seen_subcommand_from export' -l agent-names -d 'write agent: NAME instead of agentId'
complete -c sipsync -n '__fish_seen_subcommand_from export' -l account -x -d 'the account of the accounts file to export'
complete -c sipsync -n '__fish_seen_subcommand_from export' -l force -d 'export even when the account domain does not match'
# test
complete -c sipsync -n '__fish_seen_subcommand_from test' -l format -x -a 'text json junit' -d 'output format'
complete -c sipsync -n '__fish_seen_subcommand_from test' -l live -d 'also run the cases on the live account'
# probe
complete -c sipsync -n '__fish_seen_subcommand_from probe' -l url -x -d 'probe this handler instead'
complete -c sipsync -n '__fish_seen_subcommand_from probe' -l format -x -a 'text json junit' -d 'output format'
complete -c sipsync -n '__fish_seen_subcommand_from probe' -l repeat -x -d 'send each call N times'
complete -c sipsync -n '__fish_seen_subcommand_from probe' -l offline -d 'do not look agents up in the account'
# run
complete -c sipsync -n '__fish_seen_subcommand_from run' -l interval -x -d 'time between cycles'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l mode -x -a 'detect apply' -d 'detect only reports drift'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l listen -x -d 'HOST:PORT of the HTTP endpoints'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l webhook-secret-file -r -F -d 'secret of /hooks/git'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l git-timeout -x -d 'limit of one fetch'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l git-ca-cert -r -F -d 'CA bundle for an https repository'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l once -d 'run one cycle and exit'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l sync-secrets -d 'apply mode: send write-only values with no record, once'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l max-cycles -x -d 'stop after N cycles'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l account-timeout -x -d 'bound of each account reconcile in a cycle'
# accounts files
complete -c sipsync -n '__fish_seen_subcommand_from validate plan apply test route probe run' -l account -x -d 'an account of the accounts file'
complete -c sipsync -n '__fish_seen_subcommand_from validate plan apply test route probe run' -l all -d 'every account of the accounts file'
complete -c sipsync -n '__fish_seen_subcommand_from plan apply' -l parallel-accounts -x -d 'accounts at once'
complete -c sipsync -n '__fish_seen_subcommand_from plan apply' -l fail-fast -d 'stop at the first account that fails'
complete -c sipsync -n '__fish_seen_subcommand_from accounts' -l format -x -a 'text json' -d 'output format'
# version
complete -c sipsync -n '__fish_seen_subcommand_from version' -s h -l help -d 'show the usage'
# notifications (plan, apply, run)
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l notify -x -d 'post events to URL'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l notify-file -r -F -d 'notification URLs, one a line'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l notify-secret-file -r -F -d 'sign notifications with this key'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l notify-ca-cert -r -F -d 'CA bundle for the notification receivers'
complete -c sipsync -n '__fish_seen_subcommand_from plan' -l notify-format -x -a 'json slack teams' -d 'notification body format'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l notify -x -d 'post events to URL'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l notify-file -r -F -d 'notification URLs, one a line'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l notify-secret-file -r -F -d 'sign notifications with this key'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l notify-ca-cert -r -F -d 'CA bundle for the notification receivers'
complete -c sipsync -n '__fish_seen_subcommand_from apply' -l notify-format -x -a 'json slack teams' -d 'notification body format'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify -x -d 'post events to URL'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify-file -r -F -d 'notification URLs, one a line'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify-secret-file -r -F -d 'sign notifications with this key'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify-ca-cert -r -F -d 'CA bundle for the notification receivers'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify-format -x -a 'json slack teams' -d 'notification body format'
complete -c sipsync -n '__fish_seen_subcommand_from run' -l notify-repeat -x -d 'remind of a persisting state every D'
