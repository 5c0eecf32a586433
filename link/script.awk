# link/script.awk -v order=FILE - ld's default script (what `ld --verbose` prints between its
# "=====" lines, for the very flags of the link) with the objects of FILE placed first: a
# PATTERN line in .text, a "rodata PATTERN" line in .rodata (a pattern that names its section,
# "*libnng.a:aio.c.o(.text.nni_aio_init)", is taken as it is). The code and constants a
# controller uses from start to idle then sit on a few contiguous pages instead of scattered
# over the whole binary (link/README). A missing or empty FILE leaves the script as it is; a
# pattern that matches no object of a link matches nothing.
BEGIN {
	while (order != "" && (getline line < order) > 0) {
		if (line ~ /^#/ || line == "")
			continue
		n++
		hot[n] = line
		text[n] = (sub(/^rodata /, "", hot[n]) == 0)   # "rodata PATTERN": constants, else code
		ntext += text[n]
	}
}
/^=====/ { inscript = !inscript; next }
!inscript { next }
# .text: the first statement of its braces is *(.text.unlikely ...)
/^  \.text +:/ { print; intext = 1; next }
intext && /^  \{/ {
	print
	for (i = 1; i <= n; i++)
		if (text[i])
			printf "    %s%s\n", hot[i], index(hot[i], "(") ? "" : "(.text .text.* .stub)"
	intext = 0
	placed_text = 1
	next
}
# .rodata: one line, "  .rodata : { *(.rodata .rodata.* .gnu.linkonce.r.*) }"
/^  \.rodata +: \{ \*\(\.rodata / {
	sub(/\{ /, "{\n")
	printf "%s", substr($0, 1, index($0, "{\n") + 1)
	for (i = 1; i <= n; i++)
		if (!text[i])
			printf "    %s%s\n", hot[i], index(hot[i], "(") ? "" : "(.rodata .rodata.*)"
	print "    " substr($0, index($0, "{\n") + 2)
	placed_rodata = 1
	next
}
{ print }
# a script whose .text or .rodata reads otherwise (another binutils) would drop the layout
# without a word: fail, naming what was not found
END {
	if (ntext > 0 && !placed_text) {
		print "script.awk: no \".text :\" statement followed by \"{\" in ld's script: " order " not applied" > "/dev/stderr"
		exit 1
	}
	if (n > ntext && !placed_rodata) {
		print "script.awk: no \".rodata : { *(.rodata ...\" line in ld's script: " order " not applied" > "/dev/stderr"
		exit 1
	}
}
