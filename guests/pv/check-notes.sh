#!/bin/sh
# Checks PV kernels without Java (make -C guests check-pv). For each ELF given:
#  - readelf -l shows a PT_NOTE segment, and the Xen notes in it (decoded here from the raw bytes,
#    since binutils' readelf does not name Xen's note types) include GUEST_OS, XEN_VERSION
#    "xen-3.0", LOADER "generic", VIRT_BASE, ENTRY and HYPERCALL_PAGE;
#  - ENTRY is the symbol _start, and HYPERCALL_PAGE is the symbol hypercall_page, which is
#    page-aligned and 4096 bytes long.
set -eu
status=0

# Prints one line per note of the PT_NOTE segment: "<name> <type> <desc as hex bytes, in order>".
dump_notes() {
	set -- $(readelf -lW "$1" | awk '$1 == "NOTE" { print $2, $5 }') "$1"
	[ $# -eq 3 ] || return 0
	od -An -v -tu1 -j $(($1)) -N $(($2)) "$3" | awk '
		{ for (i = 1; i <= NF; i++) b[n++] = $i + 0 }
		function u32(o) { return ((b[o+3] * 256 + b[o+2]) * 256 + b[o+1]) * 256 + b[o] }
		END {
			o = 0
			while (o + 12 <= n) {
				namesz = u32(o); descsz = u32(o + 4); type = u32(o + 8); o += 12
				name = ""
				for (i = 0; i < namesz - 1; i++) name = name sprintf("%c", b[o + i])
				o += int((namesz + 3) / 4) * 4
				desc = ""; str = ""; strend = 0
				for (i = 0; i < descsz; i++) {
					c = b[o + i]
					desc = desc sprintf("%02x", c)
					if (c == 0) strend = 1
					else if (!strend) str = str (c > 32 && c < 127 ? sprintf("%c", c) : "?")
				}
				o += int((descsz + 3) / 4) * 4
				print name, type, (desc == "" ? "-" : desc), (str == "" ? "-" : str)
			}
		}'
}

# A numeric note's descriptor (hex bytes in file order) as a little-endian number.
as_number() { echo "$1" | sed 's/\(..\)/\1 /g' | awk '{ s = ""; for (i = NF; i >= 1; i--) s = s $i; print "0x" s }'; }

for k in "$@"; do
	name=$(basename "$k")
	ok=1
	fail() { echo "check-pv: $name: $1" >&2; ok=0; status=1; }
	[ -f "$k" ] || { fail "missing"; continue; }
	readelf -lW "$k" | grep -q '^ *NOTE ' || fail "no PT_NOTE segment"
	notes=$(dump_notes "$k" | awk '$1 == "Xen"')
	note() { echo "$notes" | awk -v t="$1" '$2 == t { print $3; exit }'; }
	note_string() { echo "$notes" | awk -v t="$1" '$2 == t { print $4; exit }'; }

	# Type numbers from xen/elfnote.h.
	[ -n "$(note 6)" ] || fail "no GUEST_OS note"
	[ "$(note_string 5)" = "xen-3.0" ] || fail "XEN_VERSION note is not \"xen-3.0\""
	[ "$(note_string 8)" = "generic" ] || fail "LOADER note is not \"generic\""
	[ -n "$(note 3)" ] || fail "no VIRT_BASE note"

	sym() { readelf -sW "$k" | awk -v s="$1" '$8 == s { print "0x" $2, $3; exit }'; }
	entry=$(note 1); page=$(note 2)
	set -- $(sym _start) x x
	{ [ -n "$entry" ] && [ "$(as_number "$entry")" = "$1" ]; } ||
		fail "ENTRY note is not _start ($1)"
	set -- $(sym hypercall_page) x x
	{ [ -n "$page" ] && [ "$(as_number "$page")" = "$1" ]; } ||
		fail "HYPERCALL_PAGE note is not hypercall_page ($1)"
	case "$1" in *000) ;; *) fail "hypercall_page $1 is not page-aligned" ;; esac
	[ "$2" = 4096 ] || fail "hypercall_page is $2 bytes, not 4096"
	# Quiet on success (it runs in every build); CHECK_PV_VERBOSE=1 lists what was found.
	[ $ok -eq 1 ] && [ -n "${CHECK_PV_VERBOSE:-}" ] &&
		echo "check-pv: $name: ok (notes: $(echo "$notes" | awk '{ printf "%s%s", s, $2; s = "," }'))"
done
exit $status
