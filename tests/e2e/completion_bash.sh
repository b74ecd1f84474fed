#!/usr/bin/env bash
# The bash completion, driven as bash drives it (COMP_WORDS/COMP_CWORD,
# then the completion function, answers in COMPREPLY): commands, a
# command's flags, the --format values of that command, file names.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
# shellcheck source=/dev/null
source "$SRC_DIR/cmd/sipsync/completion/sipsync.bash"
[ "$(complete -p sipsync)" = "complete -F _sipsync sipsync" ] || fail "no 'complete -F _sipsync sipsync'"

# complete WORD... : the last word is the one being completed
complete_words()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_sipsync
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

assert_eq "$(complete_words sipsync pl)" "plan" "sipsync pl<TAB>"
assert_eq "$(complete_words sipsync v)" "validate version" "sipsync v<TAB>"
# plan has --format and --force: --fo offers both, --form is --format
assert_eq "$(complete_words sipsync plan --fo)" "--force --format" "sipsync plan --fo<TAB>"
assert_eq "$(complete_words sipsync plan --form)" "--format" "sipsync plan --form<TAB>"
assert_eq "$(complete_words sipsync plan --format '')" "json markdown text" "sipsync plan --format <TAB>"
assert_eq "$(complete_words sipsync validate --format '')" "github json text" "sipsync validate --format <TAB>"
assert_eq "$(complete_words sipsync test --format j)" "json junit" "sipsync test --format j<TAB>"
assert_eq "$(complete_words sipsync validate --format = '')" "github json text" "sipsync validate --format=<TAB>"
assert_eq "$(complete_words sipsync run --mode '')" "apply detect" "sipsync run --mode <TAB>"
assert_eq "$(complete_words sipsync apply --auto)" "--auto-approve" "sipsync apply --auto<TAB>"
assert_eq "$(complete_words sipsync validate --auto)" "" "validate has no --auto-approve"

mkdir -p prod && : >prod.yaml && : >plan.json
assert_eq "$(complete_words sipsync validate pro)" "prod prod.yaml" "SOURCE completes file names"
assert_eq "$(complete_words sipsync apply --plan pl)" "plan.json" "--plan FILE completes file names"
assert_eq "$(complete_words sipsync plan --state-dir pr)" "prod" "--state-dir completes directories"
: >"my plan.json"
COMP_WORDS=(sipsync apply --plan my); COMP_CWORD=3; _sipsync
assert_eq "${#COMPREPLY[@]}:${COMPREPLY[0]}" "1:my plan.json" "a file name with a space is one answer"
echo "completion_bash: ok"
