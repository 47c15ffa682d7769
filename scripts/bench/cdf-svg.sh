#!/bin/sh
# cdf-svg.sh -- a cumulative distribution plot, as SVG, from "SERIES VALUE"
# lines on stdin (one sample each); TITLE and XLABEL are the arguments.
# No plotting package: the figure is simple enough to draw by hand.  No
# sample at all draws the axes and "no data".
title=${1:-distribution}
xlabel=${2:-value}
sort -k1,1 -k2,2n | awk -v title="$title" -v xlabel="$xlabel" \
    "$(cat "$(dirname "$0")/svg.awk")"'
NF < 2 { next }
{

	if (!($1 in n)) { order[++ns] = $1; n[$1] = 0 }
	v[$1, ++n[$1]] = $2
	if ($2 > max) max = $2
}
END {
	W = 640; H = 400; L = 60; R = 20; T = 40; B = 50
	pw = W - L - R; ph = H - T - B
	svg_palette(col)
	xmax = svg_range(max, 0)
	svg_open(W, H, L, T, pw, ph, title)
	for (i = 0; i <= 4; i++) {
		x = L + pw * i / 4; y = T + ph - ph * i / 4
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%g" \
		    "</text>\n", x, T + ph + 16, xmax * i / 4
		printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>\n", \
		    L - 6, y + 4, i / 4
	}
	svg_xlabel(L, pw, H, xlabel)
	svg_ylabel(T, ph, "fraction of runs")
	if (ns == 0)
		svg_nodata(L, pw, T, ph)
	for (s = 1; s <= ns; s++) {
		k = order[s]; c = col[(s - 1) % 6 + 1]
		d = sprintf("M%.1f %.1f", L, T + ph)
		for (i = 1; i <= n[k]; i++) {
			x = L + pw * v[k, i] / xmax
			d = d sprintf(" H%.1f V%.1f", x, T + ph - ph * i / n[k])
		}
		printf "<path d=\"%s\" stroke=\"%s\" stroke-width=\"2\" " \
		    "fill=\"none\"/>\n", d, c
		printf "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s (n=%d)</text>\n", \
		    L + pw - 150, T + 16 * s, c, k, n[k]
	}
	print "</svg>"
}'
