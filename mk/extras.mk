# mk/extras.mk: installs what scripts/ holds for Asterisk and operations,
# besides the programs and man pages.  Included from the Makefile
# ("include mk/extras.mk"); PREFIX and DESTDIR as for "make install".
#
#   make install-extras     the files below
#   make uninstall-extras   removes exactly those files, and the folders
#                           of the toolkit's own that are left empty
#   make lint-extras        syntax checks of the scripts and the unit
#   make check-extras       their tests
#
# Where they go (each folder can be set on the command line; the Debian
# package sets AGIDIR=/usr/share/asterisk/agi-bin, Debian's astagidir,
# and UNITDIR=/lib/systemd/system):
#
#   AGIDIR       $(PREFIX)/lib/xmpp-toolkit/xmpp-agi
#                Asterisk looks for AGI scripts in its own agi-bin
#                (astagidir in asterisk.conf: /var/lib/asterisk/agi-bin
#                when built from source), outside PREFIX: link it there,
#                or call AGI() with the full path.
#   LIBEXECDIR   $(PREFIX)/lib/xmpp-toolkit/xmpp-voicemail (set in the
#                Makefile), which voicemail.conf's externnotify names with
#                its full path.
#   NAGIOSDIR    $(PREFIX)/lib/nagios/plugins/check_xmppd
#   UNITDIR      $(PREFIX)/lib/systemd/system/xmppd@.service, its
#                ExecStart= pointing at $(BINDIR)/xmppd
#   TMPFILESDIR  $(PREFIX)/lib/tmpfiles.d/xmppd.conf: /run/xmppd for the
#                unit (systemd-tmpfiles reads /usr/local/lib/tmpfiles.d)
#   BASHCOMPDIR  $(PREFIX)/share/bash-completion/completions/xmppd, and a
#                symbolic link to it for each client, since bash-completion
#                loads a completion by the command's name
#   DOCDIR       $(PREFIX)/share/doc/xmpp-toolkit/SERVICES.md and
#                examples/{README.md,extensions.conf,extensions.ael,cron,
#                xmppd.conf}
#
# The service user and groups the unit names (xmppd, xmppd-clients) are
# not made here: see scripts/SERVICES.md.

_extras_saved_goal := $(.DEFAULT_GOAL)

AGIDIR      ?= $(PREFIX)/lib/xmpp-toolkit
NAGIOSDIR   ?= $(PREFIX)/lib/nagios/plugins
UNITDIR     ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR      ?= $(PREFIX)/share/doc/xmpp-toolkit

EXTRAS_EXAMPLES = README.md extensions.conf extensions.ael cron
EXTRAS_COMPLETE = xmpp-send xmpp-status xmpp-recv xmpp-join xmpp-leave \
                  xmpp-presence
EXTRAS_SH       = scripts/xmpp-agi scripts/check_xmppd scripts/xmpp-voicemail
EXTRAS_TESTS    = tests/t0100-golden.sh tests/t0110-agi.sh \
                  tests/t0115-examples.sh tests/t0120-monitoring.sh \
                  tests/t0130-completion.sh tests/t0140-install.sh \
                  tests/t0145-service.sh tests/t0146-debian.sh \
                  tests/t0147-recipes.sh tests/t0186-voicemail.sh
# Folders that only the toolkit uses, removed by uninstall-extras when
# empty (innermost first).
EXTRAS_DIRS     = $(DOCDIR)/examples $(DOCDIR) $(AGIDIR) $(NAGIOSDIR) \
                  $(PREFIX)/lib/nagios $(UNITDIR) $(PREFIX)/lib/systemd \
                  $(TMPFILESDIR) $(BASHCOMPDIR) \
                  $(PREFIX)/share/bash-completion

# The unit as installed: ExecStart= names the installed xmppd, the
# comments the installed pages.
UNITSUBST = sed -e 's|/usr/local/bin/xmppd|$(BINDIR)/xmppd|'

.PHONY: install-extras uninstall-extras lint-extras check-extras

install-extras:
	install -d $(DESTDIR)$(AGIDIR) $(DESTDIR)$(NAGIOSDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 755 scripts/xmpp-agi $(DESTDIR)$(AGIDIR)/xmpp-agi
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 scripts/xmpp-voicemail $(DESTDIR)$(LIBEXECDIR)/xmpp-voicemail
	sed 's/^VERSION=.*/VERSION=$(VERSION)/' scripts/check_xmppd \
	    >$(DESTDIR)$(NAGIOSDIR)/check_xmppd.tmp
	chmod 755 $(DESTDIR)$(NAGIOSDIR)/check_xmppd.tmp
	mv $(DESTDIR)$(NAGIOSDIR)/check_xmppd.tmp \
	    $(DESTDIR)$(NAGIOSDIR)/check_xmppd
	$(UNITSUBST) scripts/xmppd@.service \
	    >$(DESTDIR)$(UNITDIR)/xmppd@.service.tmp
	chmod 644 $(DESTDIR)$(UNITDIR)/xmppd@.service.tmp
	mv $(DESTDIR)$(UNITDIR)/xmppd@.service.tmp \
	    $(DESTDIR)$(UNITDIR)/xmppd@.service
	install -m 644 scripts/xmppd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/xmppd.conf
	install -m 644 scripts/xmpp-completion.bash $(DESTDIR)$(BASHCOMPDIR)/xmppd
	for n in $(EXTRAS_COMPLETE); do \
	    ln -sf xmppd $(DESTDIR)$(BASHCOMPDIR)/$$n || exit 1; \
	done
	install -m 644 scripts/SERVICES.md $(DESTDIR)$(DOCDIR)/SERVICES.md
	install -m 644 $(EXTRAS_EXAMPLES:%=scripts/examples/%) \
	    $(DESTDIR)$(DOCDIR)/examples/
	sed 's|/usr/local/lib/nagios/plugins|$(NAGIOSDIR)|g' \
	    scripts/examples/cron >$(DESTDIR)$(DOCDIR)/examples/cron
	install -m 644 scripts/xmppd.conf $(DESTDIR)$(DOCDIR)/examples/xmppd.conf

uninstall-extras:
	rm -f $(DESTDIR)$(AGIDIR)/xmpp-agi $(DESTDIR)$(NAGIOSDIR)/check_xmppd
	rm -f $(DESTDIR)$(LIBEXECDIR)/xmpp-voicemail
	rm -f $(DESTDIR)$(UNITDIR)/xmppd@.service \
	    $(DESTDIR)$(TMPFILESDIR)/xmppd.conf
	rm -f $(DESTDIR)$(BASHCOMPDIR)/xmppd \
	    $(EXTRAS_COMPLETE:%=$(DESTDIR)$(BASHCOMPDIR)/%)
	rm -f $(DESTDIR)$(DOCDIR)/SERVICES.md \
	    $(EXTRAS_EXAMPLES:%=$(DESTDIR)$(DOCDIR)/examples/%) \
	    $(DESTDIR)$(DOCDIR)/examples/xmppd.conf
	for d in $(EXTRAS_DIRS:%=$(DESTDIR)%); do \
	    if [ -d "$$d" ]; then rmdir --ignore-fail-on-non-empty "$$d"; fi; \
	done

# systemd-analyze verify wants ExecStart= to exist: the unit is checked
# with bin/xmppd in its place.  Skipped where systemd-analyze is missing.
lint-extras: bin/xmppd
	for f in $(EXTRAS_SH) $(EXTRAS_TESTS); do sh -n $$f || exit 1; done
	bash -n scripts/xmpp-completion.bash
	perl -c tests/agi/fake-asterisk
	perl -c tests/agi/dialplan-commands
	if command -v systemd-analyze >/dev/null 2>&1; then \
	    d=$$(mktemp -d) && \
	    sed "s|/usr/local/bin/xmppd|$$(pwd)/bin/xmppd|" \
	        scripts/xmppd@.service >"$$d/xmppd@.service" && \
	    systemd-analyze verify --man=no "$$d/xmppd@.service"; \
	    s=$$?; rm -rf "$$d"; exit $$s; \
	fi

check-extras: test-programs
	prove $(PROVE_FLAGS) $(EXTRAS_TESTS)

.DEFAULT_GOAL := $(_extras_saved_goal)
