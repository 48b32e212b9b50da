#!/bin/sh
# layers.sh: checks that no circle of calls runs between the daemon's
# object files (issue 16, and the layer map at the top of
# src/xmppd/xmppd.h).  Each undefined symbol of an object is mapped to
# the object defining it; tsort(1) then finds any loop in that graph.
# Prints the objects bottom-up (the order they could be written in) and
# exits 0, or names the objects in a circle and the symbols that make it,
# and exits 1.
#
#     tests/layers.sh [build/xmppd]
set -eu
dir=${1:-build/xmppd}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
for o in "$dir"/*.o; do
	[ -e "$o" ] || { echo "layers.sh: no objects in $dir (make first)" >&2; exit 2; }
	f=$(basename "$o" .o)
	nm --defined-only -g "$o" | awk -v f="$f" 'NF == 3 { print $3, f }'
	nm -u "$o" | awk -v f="$f" '{ print $NF, f }' >>"$tmp/uses"
done | sort >"$tmp/defs"
sort -o "$tmp/uses" "$tmp/uses"
# user definer symbol, for every symbol used across files
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3, $1 }' |
	sort -u >"$tmp/edges"
# tsort wants "before after": the definer comes before its user.
if ! awk '{ print $2, $1 }' "$tmp/edges" | tsort >"$tmp/order" 2>"$tmp/loops"; then
	echo "layers.sh: a circle of calls between the daemon's files:" >&2
	grep -v '^tsort: -: input contains a loop:' "$tmp/loops" |
		sed 's/^tsort: //' >"$tmp/members"
	# show the edges among the members of the loop
	awk 'NR == FNR { m[$1] = 1; next } ($1 in m) && ($2 in m) {
		print "  " $1 " -> " $2 " (" $3 ")" }' "$tmp/members" \
		"$tmp/edges" >&2
	exit 1
fi
# A clean order: say it, bottom first, on one line.
tr '\n' ' ' <"$tmp/order" | sed 's/ $/\n/'
