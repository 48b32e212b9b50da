#!/bin/sh
# fake-tls-stall.sh CAPTURE MODE: plays a server that accepts the
# connection and never answers the TLS handshake (a stuck or overloaded
# server, a middlebox).  MODE direct: silent from the first byte (direct
# TLS); MODE starttls: offers STARTTLS, answers <proceed/>, then is
# silent.  Records what the client sends.  Run by socat for each
# connection (stdin/stdout are the client).
exec perl -e '
	$| = 1;
	my ($capture, $mode) = @ARGV;
	my $ns = "urn:ietf:params:xml:ns:xmpp-tls";
	open(my $cap, ">>", $capture) or die; select((select($cap), $| = 1)[0]);
	print "<?xml version=\x271.0\x27?><stream:stream xmlns=\x27jabber:client\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27 id=\x27fake\x27 from=\x27localhost\x27 version=\x271.0\x27><stream:features><starttls xmlns=\x27$ns\x27><required/></starttls></stream:features>"
		if $mode eq "starttls";
	my $seen = "";
	while (sysread(STDIN, my $c, 1)) {
		print $cap $c;
		$seen .= $c;
		if ($mode eq "starttls" && $seen =~ /<starttls[^>]*>/) {
			print "<proceed xmlns=\x27$ns\x27/>";
			$seen = "";
			$mode = "silent";
		}
	}
' "$1" "$2"
