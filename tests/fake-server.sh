#!/bin/sh
# fake-server.sh CAPTURE: plays an XMPP server that offers no STARTTLS,
# only PLAIN authentication, and records everything the client sends.
# Run by socat for each connection (stdin/stdout are the client).
printf '%s' "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='fake' from='localhost' version='1.0'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
exec cat >>"$1"
