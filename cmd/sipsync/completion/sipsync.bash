# bash completion for sipsync(1): commands, each command's flags, the
# values of --format, --mode, --color and --log-format, and file names.
# Keep in step with `sipsync CMD --help`: tests/e2e/completion_drift.sh
# fails naming any flag missing here.

_sipsync_commands="validate plan apply export history test route run probe version accounts"
_sipsync_common="--api-url --api-key-file --ca-cert --repo --ref --path
	--secrets-dir --state-dir --git-token-file --ssh-key --known-hosts
	--policy --timeout --allow-insecure-http --color --log-format --verbose --quiet
	--verify-commits --allowed-signers --trusted-keys
	--help -v -q -h"
# plan, apply and run
_sipsync_notify="--notify --notify-file --notify-secret-file --notify-format --notify-ca-cert"

# COMPREPLY from compgen, one entry per line (file names may hold spaces).
_sipsync_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@")
}

# The flags of one command, common ones included.
_sipsync_flags()
{
	local own=""
	case $1 in
	validate) own="--offline --strict --format --account --all" ;;
	plan) own="--format --out --detailed-exitcode --sync-secrets --force
		--account --all --parallel-accounts --fail-fast $_sipsync_notify" ;;
	apply) own="--plan --auto-approve --max-deletes --force --sync-secrets
		--parallelism --lock-timeout --audit-log --wait-registrations --max-rps
		--account --all --parallel-accounts --fail-fast $_sipsync_notify" ;;
	export) own="--out --agent-names --account --force" ;;
	history) own="--account --audit-log --format" ;;
	test) own="--format --account --all --live" ;;
	probe) own="--url --format --repeat --offline --account --all" ;;
	route) own="--account --all" ;;
	run) own="--interval --mode --listen --webhook-secret-file
		--git-timeout --git-ca-cert --once --max-cycles --account-timeout --parallelism --max-rps --sync-secrets
		$_sipsync_notify --notify-repeat --account --all" ;;
	accounts) own="--format" ;;
	version) echo "--help"; return ;;
	esac
	echo "$own $_sipsync_common"
}

# Completes the value of flag $2 of command $1 into COMPREPLY; returns 1
# when the flag takes no value.
_sipsync_value()
{
	local cmd=$1 flag=$2 cur=$3
	case $flag in
	--format)
		case $cmd in
		validate) _sipsync_reply -W "text json github" -- "$cur" ;;
		plan) _sipsync_reply -W "text json markdown" -- "$cur" ;;
		test | probe) _sipsync_reply -W "text json junit" -- "$cur" ;;
		history | accounts) _sipsync_reply -W "text json" -- "$cur" ;;
		esac ;;
	--mode) _sipsync_reply -W "detect apply" -- "$cur" ;;
	--notify-format) _sipsync_reply -W "json slack teams" -- "$cur" ;;
	--color) _sipsync_reply -W "auto always never" -- "$cur" ;;
	--log-format) _sipsync_reply -W "text json" -- "$cur" ;;
	--out | --plan | --audit-log | --api-key-file | --ca-cert | --webhook-secret-file | \
		--git-token-file | --ssh-key | --known-hosts | --git-ca-cert | \
		--policy | --notify-file | --notify-secret-file | --notify-ca-cert | --allowed-signers | --trusted-keys)
		compopt -o filenames 2>/dev/null
		_sipsync_reply -f -- "$cur" ;;
	--state-dir | --secrets-dir)
		compopt -o filenames 2>/dev/null
		_sipsync_reply -d -- "$cur" ;;
	--api-url | --repo | --ref | --path | --max-deletes | --parallelism | \
		--lock-timeout | --account | --parallel-accounts | \
		--interval | --listen | --git-timeout | --max-cycles | --account-timeout | --timeout | \
		--url | --repeat | --notify | --notify-repeat | --max-rps)
		COMPREPLY=() ;;
	*) return 1 ;;
	esac
	return 0
}

_sipsync()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]:-}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		_sipsync_reply -W "$_sipsync_commands --help --version" -- "$cur"
		return 0
	fi
	# "--format=j" arrives as "--format" "=" "j" (= is a word break)
	if [ "$cur" = "=" ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	_sipsync_value "$cmd" "$prev" "$cur" && return 0
	case $cur in
	-*)
		_sipsync_reply -W "$(_sipsync_flags "$cmd")" -- "$cur" ;;
	*)
		# SOURCE: a file or a directory
		[ "$cmd" = version ] && return 0
		compopt -o filenames 2>/dev/null
		_sipsync_reply -f -- "$cur" ;;
	esac
	return 0
}
complete -F _sipsync sipsync
