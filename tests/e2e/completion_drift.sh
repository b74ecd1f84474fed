#!/usr/bin/env bash
# Every command `sipsync --help` lists and every flag `sipsync CMD --help`
# prints is in the man page (that command's section or COMMON OPTIONS) and
# offered by the bash, zsh and fish completions for that command; every
# flag of `sipsync-sim --help` is in sipsync-sim(1). So the help, the man
# pages and the completions cannot drift. A failure names each missing
# flag and the file to add it to.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
man1=$SRC_DIR/cmd/sipsync/sipsync.1.scd
simman=$SRC_DIR/cmd/sipsync-sim/sipsync-sim.1.scd
comp=$SRC_DIR/cmd/sipsync/completion
missing=()
miss() { missing+=("$*"); }

# The flags a --help text defines: those of the usage lines and of the
# option column of the option lines (the text up to a two-space gap, so a
# flag named in a description, "saved by 'plan --out'", is not one).
help_flags()
{
	awk '
	/^usage:/ || (u && /^ +\[/) { u = 1; line = $0 }
	!/^usage:/ && !/^ +\[/ { u = 0; line = "" }
	/^ +-/ { sub(/^ +/, ""); split($0, parts, /  +/); line = parts[1] }
	{ while (match(line, /(^|[^a-zA-Z0-9-])-(-[a-z][a-z0-9-]*|[a-zA-Z])([^a-zA-Z0-9-]|$)/)) {
		tok = substr(line, RSTART, RLENGTH)
		gsub(/^[^-]+|[^a-zA-Z0-9-]+$/, "", tok)
		print tok
		line = substr(line, RSTART + RLENGTH - 1) } }
	' | sort -u
}

# The scdoc text of section "## CMD" (to the next heading) and of COMMON OPTIONS.
man_section()
{
	awk -v cmd="$1" '
	/^#/ { in_s = ($0 ~ ("^## " cmd "( |$)")) || ($0 ~ /^# COMMON OPTIONS/) }
	in_s' "$man1"
}

# The option specs the zsh completion hands to _arguments for "sipsync
# $1 -" (compsys's _arguments and _describe stubbed to print them); without
# zsh, the text of its option lists for command $1 and the common ones.
zsh_block()
{
	if command -v zsh >/dev/null; then
		zsh -f -c '_describe() { :; }; _arguments() { print -l -- "$@"; }
			words=(sipsync "$1" -); CURRENT=3; source "$2"' zsh "$1" "$comp/_sipsync" |
			sed -E 's/^\([^)]*\)//; s/[=[].*//'
		return
	fi
	awk -v cmd="$1" '
	$0 ~ ("^local -a _sipsync_(" cmd "|common)_opts=\\(") { on = 1; next }
	on && /^\)/ { on = 0 }
	on' "$comp/_sipsync"
}

has_word() { grep -qE -- "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|$)" <<<"$1"; }

# bash: what _sipsync offers for "sipsync CMD FLAG"
source "$comp/sipsync.bash"
bash_offers()
{
	COMP_WORDS=(sipsync "$1" "$2")
	COMP_CWORD=2
	COMPREPLY=()
	_sipsync
	printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$2"
}

commands=$("$SIPSYNC" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }')
[ -n "$commands" ] || fail "no commands found in 'sipsync --help'"
have_fish=false
command -v fish >/dev/null && have_fish=true
checked=0
for cmd in $commands; do
	grep -qE "^## $cmd( |$)" "$man1" || miss "sipsync $cmd: no section '## $cmd' in $man1"
	bash_cmds=$(COMP_WORDS=(sipsync "$cmd"); COMP_CWORD=1; _sipsync; printf '%s\n' "${COMPREPLY[@]}")
	grep -qxF "$cmd" <<<"$bash_cmds" || miss "sipsync $cmd: command not completed by $comp/sipsync.bash"
	grep -qE "^  '$cmd:" "$comp/_sipsync" || miss "sipsync $cmd: command not in _sipsync_cmds of $comp/_sipsync"
	grep -qE -- "-a $cmd( |$)" "$comp/sipsync.fish" || miss "sipsync $cmd: command not completed by $comp/sipsync.fish"

	flags=$("$SIPSYNC" "$cmd" --help | help_flags)
	section=$(man_section "$cmd")
	zsh=$(zsh_block "$cmd")
	fish_out=""
	if $have_fish; then
		# "sipsync plan -v" completes to "-vh" ...: short flags from "-"
		fish_script="source '$comp/sipsync.fish'; complete -C 'sipsync $cmd -'"
		for f in $flags; do fish_script+="; complete -C 'sipsync $cmd $f'"; done
		fish_out=$(fish --no-config -c "$fish_script" 2>&1 | cut -f1)
	fi
	for f in $flags; do
		checked=$((checked + 1))
		grep -qF -- "*$f*" <<<"$section" ||
			miss "sipsync $cmd $f: missing in $man1 (section '## $cmd' or '# COMMON OPTIONS', as *$f*)"
		bash_offers "$cmd" "$f" ||
			miss "sipsync $cmd $f: not completed by $comp/sipsync.bash (_sipsync_flags $cmd)"
		has_word "$zsh" "$f" ||
			miss "sipsync $cmd $f: missing in $comp/_sipsync (_sipsync_${cmd}_opts or _sipsync_common_opts)"
		if $have_fish; then
			grep -qxF -- "$f" <<<"$fish_out" ||
				miss "sipsync $cmd $f: not completed by $comp/sipsync.fish"
		fi
	done
done

for f in $("$SIPSYNC_SIM" --help 2>&1 | help_flags); do
	checked=$((checked + 1))
	grep -qF -- "*$f*" "$simman" || miss "sipsync-sim $f: missing in $simman (as *$f*)"
done

[ "$checked" -gt 40 ] || fail "only $checked flags found in the --help texts: the parser is broken"
if [ ${#missing[@]} -gt 0 ]; then
	printf 'MISSING: %s\n' "${missing[@]}" >&2
	fail "${#missing[@]} of $checked help flags/commands are missing from a man page or completion (listed above)"
fi
$have_fish || echo "completion_drift: fish not installed: fish completion not checked"
echo "completion_drift: ok ($checked flags)"
