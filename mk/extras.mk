# mk/extras.mk: installs what scripts/ holds for Asterisk and operations,
# besides the programs and man pages.  Included from the Makefile
# ("include mk/extras.mk"); PREFIX and DESTDIR as for "make install".
#
#   make install-extras     the files below
#   make uninstall-extras   removes exactly those files (folders stay)
#   make lint-extras        syntax checks of the scripts and the unit
#   make check-extras       their tests
#
# Where they go (each folder can be set on the command line):
#
#   AGIDIR       $(PREFIX)/lib/xmpp-toolkit/xmpp-agi
#                Asterisk looks for AGI scripts in its own agi-bin
#                (astagidir, /var/lib/asterisk/agi-bin on Debian), outside
#                PREFIX: link it there, or call AGI() with the full path.
#                $(PREFIX)/lib/xmpp-toolkit/xmpp-voicemail too, which
#                voicemail.conf's externnotify names with its full path.
#   NAGIOSDIR    $(PREFIX)/lib/nagios/plugins/check_xmppd
#   UNITDIR      $(PREFIX)/lib/systemd/system/xmppd@.service, its
#                ExecStart= pointing at $(SBINDIR)/xmppd
#   BASHCOMPDIR  $(PREFIX)/share/bash-completion/completions/xmppd, and a
#                symbolic link to it for each client, since bash-completion
#                loads a completion by the command's name
#   DOCDIR       $(PREFIX)/share/doc/xmpp-toolkit/SERVICES.md and
#                examples/{README.md,extensions.conf,extensions.ael,cron}

_extras_saved_goal := $(.DEFAULT_GOAL)

AGIDIR      ?= $(PREFIX)/lib/xmpp-toolkit
NAGIOSDIR   ?= $(PREFIX)/lib/nagios/plugins
UNITDIR     ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR      ?= $(PREFIX)/share/doc/xmpp-toolkit

EXTRAS_EXAMPLES = README.md extensions.conf extensions.ael cron
EXTRAS_COMPLETE = xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave \
                  xmpp-presence
EXTRAS_SH       = scripts/xmpp-agi scripts/check_xmppd scripts/xmpp-voicemail
EXTRAS_TESTS    = tests/t0100-golden.sh tests/t0110-agi.sh \
                  tests/t0115-examples.sh tests/t0120-monitoring.sh \
                  tests/t0130-completion.sh tests/t0140-install.sh \
                  tests/t0145-service.sh tests/t0185-voicemail.sh

.PHONY: install-extras uninstall-extras lint-extras check-extras

install-extras:
	install -d $(DESTDIR)$(AGIDIR) $(DESTDIR)$(NAGIOSDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 755 scripts/xmpp-agi $(DESTDIR)$(AGIDIR)/xmpp-agi
	install -m 755 scripts/xmpp-voicemail $(DESTDIR)$(AGIDIR)/xmpp-voicemail
	install -m 755 scripts/check_xmppd $(DESTDIR)$(NAGIOSDIR)/check_xmppd
	sed 's|/usr/local/sbin/xmppd|$(SBINDIR)/xmppd|' scripts/xmppd@.service \
	    >$(DESTDIR)$(UNITDIR)/xmppd@.service.tmp
	chmod 644 $(DESTDIR)$(UNITDIR)/xmppd@.service.tmp
	mv $(DESTDIR)$(UNITDIR)/xmppd@.service.tmp \
	    $(DESTDIR)$(UNITDIR)/xmppd@.service
	install -m 644 scripts/xmpp-completion.bash $(DESTDIR)$(BASHCOMPDIR)/xmppd
	for n in $(EXTRAS_COMPLETE); do \
	    ln -sf xmppd $(DESTDIR)$(BASHCOMPDIR)/$$n || exit 1; \
	done
	install -m 644 scripts/SERVICES.md $(DESTDIR)$(DOCDIR)/SERVICES.md
	install -m 644 $(EXTRAS_EXAMPLES:%=scripts/examples/%) \
	    $(DESTDIR)$(DOCDIR)/examples/

uninstall-extras:
	rm -f $(DESTDIR)$(AGIDIR)/xmpp-agi $(DESTDIR)$(NAGIOSDIR)/check_xmppd
	rm -f $(DESTDIR)$(AGIDIR)/xmpp-voicemail
	rm -f $(DESTDIR)$(UNITDIR)/xmppd@.service
	rm -f $(DESTDIR)$(BASHCOMPDIR)/xmppd \
	    $(EXTRAS_COMPLETE:%=$(DESTDIR)$(BASHCOMPDIR)/%)
	rm -f $(DESTDIR)$(DOCDIR)/SERVICES.md \
	    $(EXTRAS_EXAMPLES:%=$(DESTDIR)$(DOCDIR)/examples/%)

# systemd-analyze verify wants ExecStart= to exist: the unit is checked
# with bin/xmppd in its place.  Skipped where systemd-analyze is missing.
lint-extras: bin/xmppd
	for f in $(EXTRAS_SH) $(EXTRAS_TESTS); do sh -n $$f || exit 1; done
	bash -n scripts/xmpp-completion.bash
	perl -c tests/agi/fake-asterisk
	perl -c tests/agi/dialplan-commands
	if command -v systemd-analyze >/dev/null 2>&1; then \
	    d=$$(mktemp -d) && \
	    sed "s|/usr/local/sbin/xmppd|$$(pwd)/bin/xmppd|" \
	        scripts/xmppd@.service >"$$d/xmppd@.service" && \
	    systemd-analyze verify --man=no "$$d/xmppd@.service"; \
	    s=$$?; rm -rf "$$d"; exit $$s; \
	fi

check-extras: test-programs
	prove $(PROVE_FLAGS) $(EXTRAS_TESTS)

.DEFAULT_GOAL := $(_extras_saved_goal)
