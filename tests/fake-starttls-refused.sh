#!/bin/sh
# fake-starttls-refused.sh CAPTURE: plays an XMPP server that offers
# STARTTLS and answers <starttls/> with <failure/>, then keeps the
# connection open (a server may take its time to close): the client must
# not wait for it.  Records what the client sends.  Run by socat for each
# connection (stdin/stdout are the client).
exec perl -e '
	$| = 1;
	my $ns = "urn:ietf:params:xml:ns:xmpp-tls";
	open(my $cap, ">>", $ARGV[0]) or die; select((select($cap), $| = 1)[0]);
	print "<?xml version=\x271.0\x27?><stream:stream xmlns=\x27jabber:client\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27 id=\x27fake\x27 from=\x27localhost\x27 version=\x271.0\x27><stream:features><starttls xmlns=\x27$ns\x27><required/></starttls></stream:features>";
	my $seen = "";
	while (sysread(STDIN, my $c, 1)) {
		print $cap $c;
		$seen .= $c;
		if ($seen =~ /<starttls[^>]*>/) {
			print "<failure xmlns=\x27$ns\x27/>";
			$seen = "";
		}
	}
	sleep 60;
' "$1"
