#!/bin/sh
# bars-svg.sh -- grouped bars, as SVG, from "GROUP SERIES VALUE" lines on
# stdin, groups and series in the order they first appear.  VALUE "na"
# marks a group that is not available (the label says so), "-" a bar with
# no data.  With no line at all the figure says "no data".  TITLE and
# YLABEL are the arguments.
title=${1:-bars}
ylabel=${2:-value}
awk -v title="$title" -v ylabel="$ylabel" '
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
	split("#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02", col, " ")
	step = 1; while (step * 10 < max) step *= 10
	if (max > 0 && step * 2 >= max) step /= 2
	ymax = step; while (ymax < max) ymax += step
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" " \
	    "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
	printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H
	printf "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>\n", L, title
	printf "<path d=\"M%d %d V%d H%d\" stroke=\"black\" fill=\"none\"/>\n", \
	    L, T, T + ph, L + pw
	printf "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" " \
	    "text-anchor=\"middle\">%s</text>\n", T + ph / 2, T + ph / 2, ylabel
	if (ng == 0 || max == 0) {
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" " \
		    "font-size=\"20\">no data</text>\n</svg>\n", L + pw / 2, T + ph / 2
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
