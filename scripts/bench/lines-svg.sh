#!/bin/sh
# lines-svg.sh -- one line per series, as SVG, from "SERIES X Y" lines on
# stdin; X values are placed evenly in numeric order (1 2 4 8 ...), Y "-"
# is a missing point.  With no point at all the figure says "no data".
# TITLE, XLABEL and YLABEL are the arguments.
title=${1:-lines}
xlabel=${2:-x}
ylabel=${3:-y}
sort -k2,2n | awk -v title="$title" -v xlabel="$xlabel" -v ylabel="$ylabel" \
    "$(cat "$(dirname "$0")/svg.awk")"'
NF < 3 { next }
{

	if (!($2 in xi)) { xi[$2] = ++nx; xname[nx] = $2 }
	if (!($1 in si)) { si[$1] = ++ns; sname[ns] = $1 }
	if ($3 == "-") next
	val[$1, $2] = $3
	if ($3 + 0 > max) max = $3 + 0
}
END {
	W = 640; H = 400; L = 70; R = 20; T = 40; B = 50
	pw = W - L - R; ph = H - T - B
	svg_palette(col)
	ymax = svg_range(max, 1)
	svg_open(W, H, L, T, pw, ph, title)
	svg_xlabel(L, pw, H, xlabel)
	svg_ylabel(T, ph, ylabel)
	if (max == 0) {
		svg_nodata(L, pw, T, ph)
		print "</svg>"
		exit
	}
	for (i = 0; i <= 4; i++) {
		y = T + ph - ph * i / 4
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>\n", \
		    L - 6, y + 4, ymax * i / 4
		printf "<path d=\"M%d %.1f H%d\" stroke=\"#ddd\"/>\n", L, y, L + pw
	}
	for (i = 1; i <= nx; i++)
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", \
		    L + pw * (i - 0.5) / nx, T + ph + 16, xname[i]
	for (s = 1; s <= ns; s++) {
		c = col[(s - 1) % 6 + 1]; d = ""; k = sname[s]; pen = "M"
		for (i = 1; i <= nx; i++) {
			if (!((k, xname[i]) in val)) { pen = "M"; continue }
			x = L + pw * (i - 0.5) / nx; y = T + ph - ph * val[k, xname[i]] / ymax
			d = d sprintf("%s%.1f %.1f ", d == "" || pen == "M" ? "M" : "L", x, y)
			pen = "L"
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">" \
			    "<title>%s %s: %s</title></circle>\n", x, y, c, k, xname[i], \
			    val[k, xname[i]]
		}
		if (d != "")
			printf "<path d=\"%s\" stroke=\"%s\" stroke-width=\"2\" " \
			    "fill=\"none\"/>\n", d, c
		printf "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", \
		    L + 10, T + 16 * s, c, k
	}
	print "</svg>"
}'
