# xmpp-completion.bash: bash completion for xmppd and its clients
# (xmpp-send, xmpp-status, xmpp-recv; xmpp-join, xmpp-leave and
# xmpp-presence too).
#
# Source it from ~/.bashrc, or install it as
# /usr/share/bash-completion/completions/xmppd with a symbolic link of
# that name for each client (make install-extras does), so that
# bash-completion loads it on first use.  It needs bash 4.2 or later and
# nothing from bash-completion.
#
# What it completes:
# - options, read from the program's own --help (so new options appear
#   by themselves), and their arguments: files for FILE, folders for DIR,
#   the formats for --format;
# - ACCOUNT: the sections of the configuration file xmppd would read,
#   [general] left out: the file given with -c on the line, else
#   $XMPPD_CONFIG, else $XDG_CONFIG_HOME/xmppd/xmppd.conf (or
#   ~/.config/xmppd/xmppd.conf) if it exists, else /etc/xmppd/xmppd.conf,
#   following #include; for the clients also the accounts whose daemon
#   runs (the sockets in -S DIR, $XMPPD_SOCKET_DIR, /tmp/xmppd-UID and
#   /run/xmppd);
# - JID: the account's contacts as its daemon knows them
#   (xmpp-status --list --format=tsv ACCOUNT; with a '/' typed, their
#   resources too), else the buddy lines of the account's section and of
#   [general];
# - xmpp-presence's state: available, chat, away, xa, dnd.
# - With XMPP_ACCOUNT set, the clients' first operand may be what follows
#   the account instead (a JID with an '@', or xmpp-presence's state), as
#   the clients themselves allow: both are offered, and a first operand of
#   that kind is taken as such.

# _xmpp_options CMD: sets _xmpp_opts (every spelling of every option) and
# _xmpp_argopts (" -c=FILE --config=FILE ... ", the options that take an
# argument, with the argument's name), from "CMD --help", cached per CMD.
declare -gA _xmpp_opts_cache _xmpp_argopts_cache 2>/dev/null
_xmpp_options() {
	local cmd=$1 line short long arg re
	if [[ -n ${_xmpp_opts_cache[$cmd]+set} ]]; then
		_xmpp_opts=${_xmpp_opts_cache[$cmd]}
		_xmpp_argopts=${_xmpp_argopts_cache[$cmd]}
		return
	fi
	_xmpp_opts='' _xmpp_argopts=' '
	re='^ +(-([^-[:space:],]), +)?--([A-Za-z0-9-]+)(=([A-Za-z_]+))?( |$)'
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		short=${BASH_REMATCH[2]} long=${BASH_REMATCH[3]} arg=${BASH_REMATCH[5]}
		# "-?" would be a glob: --help says the same.
		[[ -n $short && $short != '?' ]] && _xmpp_opts+=" -$short"
		if [[ -n $arg ]]; then
			_xmpp_opts+=" --$long="
			[[ -n $short ]] && _xmpp_argopts+="-$short=$arg "
			_xmpp_argopts+="--$long=$arg "
		else
			_xmpp_opts+=" --$long"
		fi
	done < <(LC_ALL=C "$cmd" --help 2>/dev/null)
	_xmpp_opts_cache[$cmd]=$_xmpp_opts
	_xmpp_argopts_cache[$cmd]=$_xmpp_argopts
}

# _xmpp_argname OPTION: prints the argument name of OPTION (-c or
# --config), or fails if it takes none.
_xmpp_argname() {
	local a=${_xmpp_argopts#* "$1"=}
	[[ $a != "$_xmpp_argopts" ]] || return 1
	printf '%s\n' "${a%% *}"
}

# _xmpp_config_file: prints the configuration file xmppd would read.
_xmpp_config_file() {
	local f
	if [[ -n $_xmpp_conf_opt ]]; then
		printf '%s\n' "$_xmpp_conf_opt"
		return
	fi
	if [[ -n ${XMPPD_CONFIG:-} ]]; then
		printf '%s\n' "$XMPPD_CONFIG"
		return
	fi
	if [[ ${XDG_CONFIG_HOME:-} == /* ]]; then
		f=$XDG_CONFIG_HOME/xmppd/xmppd.conf
	else
		f=~/.config/xmppd/xmppd.conf
	fi
	[[ -e $f ]] || f=/etc/xmppd/xmppd.conf
	printf '%s\n' "$f"
}

# _xmpp_conf_read FILE DEPTH: adds FILE's sections to _xmpp_sections and
# its buddy lines to _xmpp_buddy_lines ("SECTION JID"); follows #include
# as xmppd does (relative to the including file, 8 deep, the current
# section going on into the included file and out of it).
_xmpp_conf_read() {
	local file=$1 depth=$2 line inc key value
	[[ -r $file && $depth -le 8 ]] || return
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line#"${line%%[![:space:]]*}"}
		if [[ $line == '#include'* ]]; then
			inc=${line#'#include'}
			inc=${inc#"${inc%%[![:space:]]*}"}
			inc=${inc%"${inc##*[![:space:]]}"}
			inc=${inc#[\"<]}
			inc=${inc%%[\">]*}
			[[ $inc == /* || $file != */* ]] || inc=${file%/*}/$inc
			_xmpp_conf_read "$inc" $((depth + 1))
			continue
		fi
		line=${line//\\;/$'\1'}
		line=${line%%;*}
		line=${line//$'\1'/;}
		line=${line%"${line##*[![:space:]]}"}
		if [[ $line == \[*\] ]]; then
			_xmpp_cur=${line:1:${#line}-2}
			_xmpp_cur=${_xmpp_cur#"${_xmpp_cur%%[![:space:]]*}"}
			_xmpp_cur=${_xmpp_cur%"${_xmpp_cur##*[![:space:]]}"}
			_xmpp_sections+=("$_xmpp_cur")
		elif [[ $line == \[* ]]; then
			_xmpp_cur=	# a template: xmppd refuses it
		elif [[ $line == *=* ]]; then
			key=${line%%=*}
			key=${key%"${key##*[![:space:]]}"}
			value=${line#*=}
			value=${value#>}
			value=${value#"${value%%[![:space:]]*}"}
			if [[ ${key,,} == buddy && -n $_xmpp_cur && -n $value ]]; then
				_xmpp_buddy_lines+=("$_xmpp_cur $value")
			fi
		fi
	done <"$file"
}

# _xmpp_conf_load: reads the configuration into _xmpp_sections and
# _xmpp_buddy_lines.
_xmpp_conf_load() {
	_xmpp_sections=() _xmpp_buddy_lines=() _xmpp_cur=
	_xmpp_conf_read "$(_xmpp_config_file)" 0
}

# _xmpp_sockdirs: prints the folders where the clients look for sockets.
_xmpp_sockdirs() {
	if [[ -n $_xmpp_sockdir_opt ]]; then
		printf '%s\n' "$_xmpp_sockdir_opt"
		return
	fi
	if [[ -n ${XMPPD_SOCKET_DIR:-} ]]; then
		printf '%s\n' "$XMPPD_SOCKET_DIR"
		return
	fi
	printf '%s\n' "/tmp/xmppd-$EUID" /run/xmppd
}

# _xmpp_accounts WITH_SOCKETS: prints the account names, those of the
# configuration first, then (with WITH_SOCKETS=1) those of running
# daemons not spelt there already.
_xmpp_accounts() {
	local s d f name
	local -A seen=()
	_xmpp_conf_load
	for s in "${_xmpp_sections[@]}"; do
		[[ ${s,,} == general || -n ${seen[${s,,}]+x} ]] && continue
		[[ $s =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ && ${#s} -le 64 ]] || continue
		seen[${s,,}]=1
		printf '%s\n' "$s"
	done
	[[ $1 == 1 ]] || return
	while IFS= read -r d; do
		for f in "$d"/*.sock; do
			[[ -S $f ]] || continue
			name=${f##*/}
			name=${name%.sock}
			[[ -n ${seen[$name]+x} ]] && continue
			seen[$name]=1
			printf '%s\n' "$name"
		done
	done < <(_xmpp_sockdirs)
}

# _xmpp_jids ACCOUNT WITH_RESOURCES: prints ACCOUNT's contacts, from its
# daemon if it answers, else the buddies of the configuration.
_xmpp_jids() {
	local acct=$1 kind a b c rest s j found=
	local -a argv=(xmpp-status)
	# The xmpp-status next to the program being completed, if any.
	[[ -n $_xmpp_bindir && -x $_xmpp_bindir/xmpp-status ]] &&
		argv=("$_xmpp_bindir/xmpp-status")
	[[ -n $_xmpp_sockdir_opt ]] && argv+=(-S "$_xmpp_sockdir_opt")
	argv+=(--list --format=tsv -- "$acct")
	type -P timeout >/dev/null && argv=(timeout 2 "${argv[@]}")
	while IFS=$'\t' read -r kind a b c rest; do
		case $kind in
		contact) printf '%s\n' "$a"; found=1 ;;
		resource) [[ $2 == 1 ]] && printf '%s/%s\n' "$a" "$b" ;;
		esac
	done < <("${argv[@]}" 2>/dev/null)
	[[ -n $found ]] && return
	_xmpp_conf_load
	for s in "${_xmpp_buddy_lines[@]}"; do
		j=${s##* }
		s=${s% *}
		[[ ${s,,} == general || ${s,,} == "${acct,,}" ]] && printf '%s\n' "${j,,}"
	done
}

# _xmpp_reply: COMPREPLY gets the lines of the input that start with
# $cur (JIDs, accounts and states hold no spaces).
_xmpp_reply() {
	local w
	COMPREPLY=()
	while IFS= read -r w; do
		[[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _xmpp_complete_arg NAME: completes an option's argument named NAME in
# the --help text.
_xmpp_complete_arg() {
	case $1 in
	FILE) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null ;;
	DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); compopt -o filenames 2>/dev/null ;;
	FORMAT) _xmpp_reply < <(printf '%s\n' table tsv json) ;;
	*) COMPREPLY=() ;;
	esac
}

# _xmpp_option_value OPTION VALUE: remembers what -c and -S say.
_xmpp_option_value() {
	case $1 in
	-c|--config) _xmpp_conf_opt=${2/#\~/$HOME} ;;
	-S|--socket-dir) _xmpp_sockdir_opt=${2/#\~/$HOME} ;;
	esac
}

# The completion function of all the programs.
_xmpp_complete() {
	local cmd=${COMP_WORDS[0]} prog=${COMP_WORDS[0]##*/}
	local cur=${COMP_WORDS[COMP_CWORD]} i j w c opts_done='' pending=''
	local -a operands=()
	local _xmpp_opts _xmpp_argopts _xmpp_conf_opt='' _xmpp_sockdir_opt=''
	local _xmpp_bindir=''
	local -a _xmpp_sections _xmpp_buddy_lines
	local _xmpp_cur
	[[ $cmd == */* ]] && _xmpp_bindir=${cmd%/*}
	_xmpp_options "$cmd"
	if [[ -z $_xmpp_opts ]]; then
		# Not installed, or no --help: the options they all share.
		_xmpp_opts=' -S --socket-dir= -V --version -h --help --usage'
		_xmpp_argopts=' -S=DIR --socket-dir=DIR '
		if [[ $prog == xmppd ]]; then
			_xmpp_opts+=' -c --config= -f --foreground -d --debug -n --check'
			_xmpp_argopts+='-c=FILE --config=FILE '
		fi
	fi

	# The words before the current one: options, their arguments (bash
	# may have split "--config=FILE" into three words), operands.  popt
	# stops reading options at the first operand, or after "--".
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $pending ]]; then
			[[ $w == = ]] && continue
			_xmpp_option_value "$pending" "$w"
			pending=
			continue
		fi
		if [[ -n $opts_done || $w != -?* ]]; then
			operands+=("$w")
			opts_done=1
		elif [[ $w == -- ]]; then
			opts_done=1
		elif [[ $w == --* ]]; then
			_xmpp_argname "${w%%=*}" >/dev/null || continue
			if [[ $w == *=* ]]; then
				_xmpp_option_value "${w%%=*}" "${w#*=}"
			else
				pending=$w
			fi
		else
			# A cluster of short options, the last may take an argument:
			# -fd, -S DIR, -SDIR.
			for ((j = 1; j < ${#w}; j++)); do
				c=-${w:j:1}
				_xmpp_argname "$c" >/dev/null || continue
				if ((j + 1 < ${#w})); then
					_xmpp_option_value "$c" "${w:j+1}"
				else
					pending=$c
				fi
				break
			done
		fi
	done

	if [[ -n $pending ]]; then
		[[ $cur == = ]] && cur=
		_xmpp_complete_arg "$(_xmpp_argname "$pending")"
		return 0
	fi
	if [[ -z $opts_done && $cur == --*=* ]]; then
		# --option=value in one word, where '=' does not break words.
		local opt=${cur%%=*}
		cur=${cur#*=}
		COMPREPLY=()
		_xmpp_argname "$opt" >/dev/null &&
			_xmpp_complete_arg "$(_xmpp_argname "$opt")"
		COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		return 0
	fi
	if [[ -z $opts_done && $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$_xmpp_opts" -- "$cur")
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]] &&
			compopt -o nospace 2>/dev/null
		return 0
	fi

	# The account: the first operand, or $XMPP_ACCOUNT when that operand
	# cannot be an account (a JID holds an '@'; for xmpp-presence, an
	# availability); n counts the operands after it.
	local acct='' n=${#operands[@]} env=${XMPP_ACCOUNT:-}
	if ((n > 0)); then
		if [[ -n $env ]] && _xmpp_not_account "$prog" "${operands[0]}"; then
			acct=$env
		else
			acct=${operands[0]}
			((n--))
		fi
	fi

	case $prog:${#operands[@]}:$n in
	xmppd:0:*)
		_xmpp_reply < <(_xmpp_accounts 0) ;;
	xmppd:*)
		COMPREPLY=() ;;
	xmpp-send:0:*|xmpp-status:0:*|xmpp-recv:0:*)
		# An account, or with XMPP_ACCOUNT set a JID of that account.
		local res=0
		[[ $cur == */* ]] && res=1
		_xmpp_reply < <(
			_xmpp_accounts 1
			[[ -n $env ]] && _xmpp_jids "$env" "$res" | sort -u
		) ;;
	xmpp-presence:0:*)
		_xmpp_reply < <(
			_xmpp_accounts 1
			[[ -n $env ]] && printf '%s\n' available chat away xa dnd
		) ;;
	*:0:*)
		_xmpp_reply < <(_xmpp_accounts 1) ;;
	xmpp-send:*:0|xmpp-status:*:0|xmpp-recv:*:0)
		local res=0
		[[ $cur == */* ]] && res=1
		_xmpp_reply < <(_xmpp_jids "$acct" "$res" | sort -u) ;;
	xmpp-presence:*:0)
		_xmpp_reply < <(printf '%s\n' available chat away xa dnd) ;;
	*)
		COMPREPLY=() ;;
	esac
	return 0
}

# _xmpp_not_account PROG WORD: WORD, first operand of PROG, cannot be an
# account, so the account is $XMPP_ACCOUNT (the clients' rule).
_xmpp_not_account() {
	case $1 in
	xmpp-presence)
		[[ ${2,,} == @(available|chat|away|xa|dnd) ]] ;;
	*)
		[[ $2 == *@* ]] ;;
	esac
}

complete -F _xmpp_complete xmppd xmpp-send xmpp-status xmpp-recv \
	xmpp-join xmpp-leave xmpp-presence
