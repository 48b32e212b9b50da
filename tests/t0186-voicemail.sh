#!/bin/sh
# t0186-voicemail: scripts/xmpp-voicemail, run the way app_voicemail runs
# externnotify (/bin/sh -c "COMMAND CONTEXT MAILBOX NEW OLD URGENT &", as
# the Asterisk user, here nobody, with a bare environment), against a
# voicemail spool laid out as Asterisk writes it: the mailbox's owner
# gets the caller, the duration and the date, then the recording as a
# link that fetches byte for byte; each message once, also when two
# calls overlap; mailboxes not in the map are left alone; a message that
# could not be sent (no daemon) goes at the next call.  Needs root.

. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/xmppd.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (runs the recipe as nobody)"

SPOOL=$TEST_DIR/spool/asterisk/voicemail
MAP=$TEST_DIR/voicemail.map
VM="$TOP/scripts/xmpp-voicemail -a alice -m $MAP -s $SPOOL"

# wav FILE SECONDS: what Asterisk's "wav" format writes: RIFF, 8 kHz,
# 16-bit mono PCM (noise here).
wav() {
	perl -e '
		my ($f, $s) = @ARGV;
		my $n = 8000 * 2 * $s;
		open(my $o, ">", $f) or die "$f: $!";
		binmode $o;
		print $o "RIFF", pack("V", 36 + $n), "WAVEfmt ",
			pack("VvvVVvv", 16, 1, 1, 8000, 16000, 2, 16),
			"data", pack("V", $n),
			pack("v*", map { int(rand(65536)) } 1 .. $n / 2);
	' "$1" "$2"
}
# message CONTEXT MAILBOX FOLDER N CALLERID SECONDS: msgNNNN.txt and its
# recordings in the three formats of format=wav49|gsm|wav, written as
# app_voicemail writes them, as the Asterisk user (nobody), umask 027.
message() {
	_dir=$SPOOL/$1/$2
	_n=$(printf %04d "$4")
	_t=$((1795000000 + $4 * 60))
	(
		umask 027
		mkdir -p "$_dir/INBOX" "$_dir/Old" "$_dir/Urgent" "$_dir/tmp" &&
		wav "$_dir/$3/msg$_n.wav" "$6" &&
		head -c 1650 /dev/urandom >"$_dir/$3/msg$_n.WAV" &&
		head -c 1650 /dev/urandom >"$_dir/$3/msg$_n.gsm" &&
		cat >"$_dir/$3/msg$_n.txt" <<-EOF
		;
		; Message Information file
		;
		[message]
		origmailbox=$2
		context=from-trunk
		exten=$2
		rdnis=unknown
		priority=2
		callerchan=PJSIP/trunk-0000000$4
		callerid=$5
		origdate=Thu Nov 19 04:0$4:20 PM UTC 2026
		origtime=$_t
		category=
		msg_id=$_t-0000000$4
		flag=$( [ "$3" = Urgent ] && echo Urgent )
		duration=$6
		EOF
	) && chown -R nobody:nogroup "$TEST_DIR/spool"
}
# externnotify ARGS...: as app_voicemail's run_externnotify() does, in
# the background; the environment is Asterisk's (a bare one, with where
# the daemon's socket and the build's xmpp-put are).
externnotify() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env -i PATH="$TOP/bin:/usr/bin:/bin" \
		XMPPD_SOCKET_DIR="$XMPPD_SOCKET_DIR" XMPP_PUT="$XMPP_PUT" \
		/bin/sh -c "$VM $* &"
}
# externnotify_wait ARGS...: the same, waiting for it; its status.
externnotify_wait() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env -i PATH="$TOP/bin:/usr/bin:/bin" \
		XMPPD_SOCKET_DIR="$XMPPD_SOCKET_DIR" XMPP_PUT="$XMPP_PUT" \
		/bin/sh -c "$VM $*"
}

nmsg=0
next_msg() {
	nmsg=$((nmsg + 1))
	wait_count "$TEST_DIR/bob.out" '^msg ' $nmsg 20 || return 1
	msg=$(grep '^msg ' "$TEST_DIR/bob.out" | sed -n "${nmsg}p")
	msg_id=$(printf '%s\n' "$msg" | cut -d' ' -f4)
	msg_body=$(printf '%s\n' "$msg" | cut -d' ' -f5-)
}
# got_voicemail TEXT FILE N: bob's next two messages: TEXT, then a link
# (also as out-of-band data) named after the mailbox and the time of
# message N, that fetches FILE byte for byte.
got_voicemail() {
	next_msg && [ "$msg_body" = "$1" ] ||
		{ diag "bob got: $msg"; diag "wanted:  $1"; return 1; }
	next_msg &&
	case $msg_body in
	https://*/voicemail-1234-$3.wav) ;;
	*) diag "bob got: $msg (wanted a link to voicemail-1234-$3.wav)"; return 1 ;;
	esac &&
	wait_line "$TEST_DIR/bob.out" "^oob alice@localhost/xmppd $msg_id " &&
	grep -q "^oob alice@localhost/xmppd $msg_id $msg_body\$" "$TEST_DIR/bob.out" &&
	rm -f "$TEST_DIR/fetched" &&
	curl -sS --fail --cacert "$SERVER_CAFILE" -o "$TEST_DIR/fetched" \
		"$msg_body" &&
	cmp "$2" "$TEST_DIR/fetched"
}
nmark=0
nothing_more() {
	nmark=$((nmark + 1))
	xmpp-send alice bob@localhost "marker $nmark" && next_msg &&
	[ "$msg_body" = "marker $nmark" ] && return 0
	diag "bob got: $msg (wanted marker $nmark)"
	return 1
}
# when N, stamp N: the time of message N, as the text and the name say.
when() {
	date -d "@$((1795000000 + $1 * 60))" '+%Y-%m-%d %H:%M'
}
stamp() {
	date -d "@$((1795000000 + $1 * 60))" '+%Y%m%d-%H%M%S'
}

test_expect_success "set up $SERVER_NAME with uploads, bob, the daemon (socketgroup nogroup), a map" '
	server_setup && server_upload 1048576 &&
	server_adduser alice alicepw && server_adduser bob bobpw &&
	server_start &&
	chmod 711 "$TEST_DIR" &&
	xmppd_config alice alice alicepw "buddy = bob@localhost" \
		"socketgroup = nogroup" &&
	xmppd_start alice &&
	buddy_start bob bob@localhost/desk bobpw &&
	printf "%s\n" "# mailbox to JID" "1234@default bob@localhost" \
		"1234@sales nobody@localhost  # another context" >"$MAP"
'

test_expect_success 'a new voicemail: who, how long, when, and the recording, intact' '
	message default 1234 INBOX 0 "\"John Doe\" <5551234>" 7 &&
	externnotify default 1234 1 0 0 &&
	got_voicemail "Voicemail for 1234 from John Doe <5551234>, 0:07, $(when 0)" \
		"$SPOOL/default/1234/INBOX/msg0000.wav" "$(stamp 0)"
'

test_expect_success 'called again (the mailbox checked): nothing sent twice' '
	externnotify_wait default 1234 0 1 0 && nothing_more
'

test_expect_success 'two voicemails and two calls at once: each sent once, in order; Urgent said' '
	message default 1234 INBOX 1 "Unknown" 62 &&
	message default 1234 Urgent 2 "5550000" 2 &&
	externnotify default 1234 2 0 1 && externnotify default 1234 2 0 1 &&
	got_voicemail "Voicemail for 1234 from an unknown caller, 1:02, $(when 1)" \
		"$SPOOL/default/1234/INBOX/msg0001.wav" "$(stamp 1)" &&
	got_voicemail "Urgent: Voicemail for 1234 from 5550000, 0:02, $(when 2)" \
		"$SPOOL/default/1234/Urgent/msg0002.wav" "$(stamp 2)" &&
	externnotify_wait default 1234 2 0 1 && nothing_more
'

test_expect_success 'the MWI poller form (no context, MAILBOX@CONTEXT) is understood' '
	message default 1234 INBOX 3 "\"Ann\" <200>" 3 &&
	externnotify "\"\"" 1234@default 3 0 1 &&
	got_voicemail "Voicemail for 1234 from Ann <200>, 0:03, $(when 3)" \
		"$SPOOL/default/1234/INBOX/msg0003.wav" "$(stamp 3)"
'

test_expect_success 'a mailbox not in the map is left alone' '
	message default 5678 INBOX 0 "\"Eve\" <666>" 4 &&
	externnotify_wait default 5678 1 0 0 && nothing_more &&
	test ! -e "$SPOOL/default/5678/.xmpp-voicemail"
'

test_expect_success 'no daemon: not sent, said, status 69; sent at the next call' '
	xmppd_stop && message default 1234 INBOX 4 "\"Bo\" <300>" 5 &&
	{ externnotify_wait default 1234 1 3 0 2>"$TEST_DIR/err"; rc=$?; } &&
	test $rc = 69 &&
	grep -q "^xmpp-voicemail: mailbox 1234@default: .*/msg0004.txt not sent (status 69)" "$TEST_DIR/err" &&
	xmppd_start alice &&
	externnotify default 1234 1 3 0 &&
	got_voicemail "Voicemail for 1234 from Bo <300>, 0:05, $(when 4)" \
		"$SPOOL/default/1234/INBOX/msg0004.wav" "$(stamp 4)"
'

test_expect_success 'messages heard (moved to Old) are forgotten, and a reused number is new' '
	mv "$SPOOL/default/1234/INBOX/msg0000.txt" "$SPOOL/default/1234/Old/" &&
	externnotify_wait default 1234 3 1 1 &&
	! grep -q "^1795000000-00000000\$" "$SPOOL/default/1234/.xmpp-voicemail" &&
	grep -q "^1795000060-00000001\$" "$SPOOL/default/1234/.xmpp-voicemail" &&
	message default 1234 INBOX 0 "\"Cy\" <400>" 6 &&
	sed -i "s/^msg_id=.*/msg_id=1795009999-00000009/" "$SPOOL/default/1234/INBOX/msg0000.txt" &&
	externnotify default 1234 4 1 1 &&
	got_voicemail "Voicemail for 1234 from Cy <400>, 0:06, $(when 0)" \
		"$SPOOL/default/1234/INBOX/msg0000.wav" "$(stamp 0)" &&
	nothing_more
'

test_expect_success 'a recording too large for the service: the text alone, saying so' '
	message default 1234 INBOX 5 "\"Di\" <500>" 70 &&
	externnotify default 1234 2 2 1 &&
	next_msg &&
	test "$msg_body" = "Voicemail for 1234 from Di <500>, 1:10, $(when 5) (the recording could not be attached: listen to it by phone)" &&
	externnotify_wait default 1234 2 2 1 && nothing_more
'

test_expect_success 'bad use: no account, a context with a slash: 64' '
	{ "$TOP/scripts/xmpp-voicemail" default 1234 2>"$TEST_DIR/err"; test $? = 64; } &&
	grep -q "usage:" "$TEST_DIR/err" &&
	{ $VM ../.. 1234 2>"$TEST_DIR/err"; test $? = 64; } &&
	grep -q "bad context or mailbox" "$TEST_DIR/err"
'

done_testing
