# svg.awk -- what the bench's figures share: bars-svg.sh, lines-svg.sh and
# cdf-svg.sh put these functions before their own awk programs.

# The series' colours, col[1..6].
function svg_palette(col)
{
	split("#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02", col, " ")
}

# A round top for an axis whose largest value is max: the first multiple
# of a power of ten (or, with halve, of half of one) at or above max.
function svg_range(max, halve,    step, top)
{
	step = 1; while (step * 10 < max) step *= 10
	if (halve && max > 0 && step * 2 >= max) step /= 2
	top = step; while (top < max) top += step
	return top
}

# The document, its white ground, the title and the two axes of the plot
# area (left L, top T, pw wide, ph high).
function svg_open(W, H, L, T, pw, ph, title)
{
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" " \
	    "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
	printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H
	printf "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>\n", L, title
	printf "<path d=\"M%d %d V%d H%d\" stroke=\"black\" fill=\"none\"/>\n", \
	    L, T, T + ph, L + pw
}

function svg_xlabel(L, pw, H, label)
{
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", \
	    L + pw / 2, H - 10, label
}

function svg_ylabel(T, ph, label)
{
	printf "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" " \
	    "text-anchor=\"middle\">%s</text>\n", T + ph / 2, T + ph / 2, label
}

# "no data" across the middle of the plot area.
function svg_nodata(L, pw, T, ph)
{
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" " \
	    "font-size=\"20\">no data</text>\n", L + pw / 2, T + ph / 2
}
