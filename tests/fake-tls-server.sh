#!/bin/sh
# fake-tls-server.sh CAPTURE MODE: plays an XMPP server that never lets
# TLS come up, and records what the client sends in CAPTURE.  Run by
# socat for each connection (stdin/stdout are the client).  MODE:
#   refuse  offers STARTTLS (required) and answers <starttls/> with
#           <failure/>, then keeps the connection open (a server may take
#           its time to close): the client must not wait for it;
#   stall   offers STARTTLS, answers <proceed/>, then never answers the
#           handshake (a stuck or overloaded server, a middlebox);
#   direct  silent from the first byte (direct TLS, never answered).
exec perl -e '
	$| = 1;
	my ($capture, $mode) = @ARGV;
	my $ns = "urn:ietf:params:xml:ns:xmpp-tls";
	open(my $cap, ">>", $capture) or die; select((select($cap), $| = 1)[0]);
	print "<?xml version=\x271.0\x27?><stream:stream xmlns=\x27jabber:client\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27 id=\x27fake\x27 from=\x27localhost\x27 version=\x271.0\x27><stream:features><starttls xmlns=\x27$ns\x27><required/></starttls></stream:features>"
		unless $mode eq "direct";
	my $seen = "";
	while (sysread(STDIN, my $c, 1)) {
		print $cap $c;
		$seen .= $c;
		next unless $mode ne "direct" && $seen =~ /<starttls[^>]*>/;
		$seen = "";
		if ($mode eq "refuse") {
			print "<failure xmlns=\x27$ns\x27/>";
		} else {
			print "<proceed xmlns=\x27$ns\x27/>";
			$mode = "direct";	# silent from now on
		}
	}
	sleep 60 if $mode eq "refuse";
' "$1" "$2"
