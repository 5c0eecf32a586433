# link/order.awk MAP CALLGRIND... [PAGES] - from a controller's link map (ld -Map), callgrind
# profiles of it (--dump-instr=yes --compress-pos=no --compress-strings=no) and PAGES (a file
# whose name ends in .pages: the link addresses of the binary's pages resident in a run that
# read each page alone, tests/bench/idle.sh), the ld input-file patterns of
#   PATTERN         the objects (or functions, where they have their own section) whose code
#                   ran (callgrind's instructions, and the code pages touched natively), for
#                   link/script.awk to place first in .text;
#   rodata PATTERN  the objects (or their constants' own sections) on a touched page
#                   (callgrind sees no data), first in .rodata;
# each in address order. On stderr: what ran, in bytes, in 4 KiB pages and in the 64 KiB
# windows the kernel maps around each page fault (fault-around), as the binary is laid out now.
function hex(s,    i, c, v) {
	v = 0
	sub(/^0x/, "", s)
	s = tolower(s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (c == 0)
			return -1
		v = v * 16 + c - 1
	}
	return v
}
# an input file of the map as an ld pattern: "/usr/lib/.../libc.a(memcpy.o)" -> "*libc.a:memcpy.o",
# "build/release/common/x.o" -> "*common/x.o" (the build directory left out), a system object
# ("/usr/lib/.../rcrt1.o") by its name
#   libc's CPU variants of a function ("memmove-avx-unaligned-erms.o", "strlen-avx2.o") as the
#   family ("*libc.a:memmove-*.o"): the variant an ifunc picks depends on the CPU (callgrind's
#   is not an AVX-512 one), and the family is a few KiB
function pattern(f,    a, m) {
	if (match(f, /\(.*\)$/)) {
		m = substr(f, RSTART + 1, RLENGTH - 2)
		a = substr(f, 1, RSTART - 1)
		sub(/.*\//, "", a)
		if (a == "libc.a" && match(m, /-(sse2|ssse3|sse4|avx|evex)/))
			m = substr(m, 1, RSTART) "*.o"
		return "*" a ":" m
	}
	if (f ~ /^\//)
		sub(/.*\//, "", f)
	sub(/^build\/[^\/]*\//, "", f)
	return "*" f
}
FNR == 1 { file++ }
# the map: input sections of the output sections .text and .rodata (name and address on one
# line, or the name alone and the address on the next)
file == 1 && /^Linker script and memory map/ { inmap = 1; next }
file == 1 && inmap && /^[^ ]/ { out = $1; pending = ""; next }
file == 1 && inmap && (out == ".text" || out == ".rodata") {
	if ($0 ~ /^ \.[^ ]+$/) { pending = $1; next }
	if ($0 ~ /^ \.[^ ]+ +0x/ && NF >= 4) { sect = $1; start = $2; size = $3; f = $4 }
	else if (pending != "" && $0 ~ /^ +0x/ && NF >= 3 && $3 !~ /^[a-zA-Z_]/) { sect = pending; start = $1; size = $2; f = $3 }
	else { pending = ""; next }
	pending = ""
	if (hex(size) <= 0)
		next
	if (out == ".text") { n++; lo[n] = hex(start); hi[n] = lo[n] + hex(size); obj[n] = f; tsect[n] = sect }
	# merged strings and constants (.rodata.str1.1, .rodata.cst16) of every object are one
	# pool, where the first of them is (in the hot objects): only the others tell
	else if (sect !~ /^\.rodata\.(str|cst)/) { nr++; rlo[nr] = hex(start); rhi[nr] = rlo[nr] + hex(size); robj[nr] = f; rsect[nr] = sect }
	next
}
file == 1 { next }
FILENAME ~ /\.pages$/ { resident[$1 + 0] = 1; next }
# a profile: the instructions run in the binary itself (ob= the binary; "???" is the loader's
# mapping of .init, a few bytes)
/^ob=/ { inbin = ($0 !~ /\?\?\?/); next }
inbin && /^0x/ { a = hex($1); if (!(a in ran)) { ran[a] = 1; nran++ } }
END {
	# code: the sections of the instructions callgrind saw (sorted by address, as in the map),
	# and those of the code pages the native run touched where callgrind saw nothing (a variant
	# picked for this CPU, a path callgrind did not take); a page with code callgrind saw is
	# left out, or whatever shares it would stay in the list for good
	for (k in ran) {
		a = k + 0   # a subscript is a string: compared with numbers, it must be one
		m = find(a)
		if (m) { hot[m] = 1; page[int(a / 4096)] = 1; win[int(a / 65536)] = 1 }
	}
	for (k in resident)
		if (!(int(k / 4096) in page))
			for (a = k + 0; a < k + 4096; a += 16)
				if ((m = find(a)))
					hot[m] = 1
	for (m = 1; m <= n; m++)
		if (m in hot) {
			p = pattern(obj[m]) own(tsect[m])
			if (!(p in seen)) { seen[p] = 1; print p; nobj++; bytes += hi[m] - lo[m] }
		}
	# constants: the .rodata input sections on a touched page (merged strings overlap, so a
	# scan rather than a search)
	for (pg in resident)
		for (r = 1; r <= nr; r++)
			if (rlo[r] < pg + 4096 && rhi[r] > pg + 0)
				data[r] = 1
	for (r = 1; r <= nr; r++)
		if (r in data) {
			p = pattern(robj[r]) own(rsect[r])
			if (!(("rodata " p) in seen)) { seen["rodata " p] = 1; print "rodata " p; ndata++; dbytes += rhi[r] - rlo[r] }
		}
	for (p in page) npage++
	for (w in win) nwin++
	printf "order.awk: %d instructions run, in %d objects (%.0f KiB of code); %d pages (%d KiB) run, in %d 64 KiB windows (%d KiB) as laid out now; constants read in %d objects (%.0f KiB)\n",
		nran, nobj, bytes / 1024, npage, npage * 4, nwin, nwin * 64, ndata, dbytes / 1024 > "/dev/stderr"
}
# own(sect): "(sect)" for a function's or an object's own section (-ffunction-sections,
# -fdata-sections: ours, curl's and nng's), so that only what ran moves; "" for an object's
# whole .text or .rodata, and for the sections every object has
function own(sect) {
	if (sect ~ /^\.(text|rodata)\./ && sect !~ /^\.text\.(unlikely|startup|hot|exit|sorted)$/)
		return "(" sect ")"
	return ""
}
# find(a): the .text input section holding address a, 0 if none
function find(a,    l, h, m) {
	l = 1; h = n
	while (l <= h) {
		m = int((l + h) / 2)
		if (a < lo[m]) h = m - 1
		else if (a >= hi[m]) l = m + 1
		else return m
	}
	return 0
}
