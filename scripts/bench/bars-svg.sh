#!/bin/sh
# bars-svg.sh -- grouped bars, as SVG, from "GROUP SERIES VALUE" lines on
# stdin, groups and series in the order they first appear.  VALUE "na"
# marks a group that is not available (the label says so), "-" a bar with
# no data.  With no line at all the figure says "no data".  TITLE and
# YLABEL are the arguments.
title=${1:-bars}
ylabel=${2:-value}
awk -v title="$title" -v ylabel="$ylabel" "$(cat "$(dirname "$0")/svg.awk")"'
NF < 3 { next }
{

	if (!($1 in gi)) { gi[$1] = ++ng; gname[ng] = $1 }
	if ($3 == "na") { na[$1] = 1; next }
	if (!($2 in si)) { si[$2] = ++nser; sname[nser] = $2 }
	val[$1, $2] = $3
	if ($3 != "-" && $3 + 0 > max) max = $3 + 0
}
END {
	W = 720; H = 420; L = 70; R = 20; T = 40; B = 80
	pw = W - L - R; ph = H - T - B
	svg_palette(col)
	ymax = svg_range(max, 1)
	svg_open(W, H, L, T, pw, ph, title)
	svg_ylabel(T, ph, ylabel)
	if (ng == 0 || max == 0) {
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
	gw = pw / ng; bw = (gw * 0.8) / (nser > 0 ? nser : 1)
	for (g = 1; g <= ng; g++) {
		x0 = L + gw * (g - 1) + gw * 0.1; k = gname[g]
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", \
		    L + gw * (g - 0.5), T + ph + 16, k
		if (na[k]) {
			printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" " \
			    "fill=\"#888\">not available</text>\n", L + gw * (g - 0.5), \
			    T + ph - 8
			continue
		}
		for (s = 1; s <= nser; s++) {
			x = x0 + bw * (s - 1); v = val[k, sname[s]]
			if (v == "" || v == "-") {
				printf "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" " \
				    "text-anchor=\"middle\">-</text>\n", x + bw / 2, T + ph - 4
				continue
			}
			h = ph * v / ymax
			printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" " \
			    "height=\"%.1f\" fill=\"%s\"><title>%s %s: %s</title></rect>\n", \
			    x, T + ph - h, bw * 0.9, h, col[(s - 1) % 6 + 1], k, sname[s], v
			printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" " \
			    "text-anchor=\"middle\">%s</text>\n", x + bw * 0.45, \
			    T + ph - h - 3, v
		}
	}
	for (s = 1; s <= nser; s++)
		printf "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" " \
		    "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n", \
		    L + 100 * (s - 1), H - 30, col[(s - 1) % 6 + 1], \
		    L + 100 * (s - 1) + 14, H - 21, sname[s]
	print "</svg>"
}'
