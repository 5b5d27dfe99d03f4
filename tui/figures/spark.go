package figures

import (
	"math"
	"strings"
)

// blocks are the eighths of a cell, from empty to full.
var blocks = [9]rune{' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Spark draws values as a sparkline rows cells tall and width cells wide,
// the newest value at the right edge; rows are returned top first. Values
// are scaled from 0 to hi (hi <= 0: the largest value). NaN is a gap (no
// data that second); zero draws the baseline, so that "nothing happened"
// looks different from "nothing was measured". Older values than fit are
// dropped; when there are fewer, the left is blank.
func Spark(values []float64, hi float64, width, rows int) []string {
	width, rows = max(width, 0), max(rows, 1)
	if len(values) > width {
		values = values[len(values)-width:]
	}
	if hi <= 0 {
		for _, v := range values {
			if v > hi {
				hi = v
			}
		}
	}
	pad := width - len(values)
	total := float64(rows * 8)
	out := make([]string, rows)
	var b strings.Builder
	for r := range rows {
		b.Reset()
		b.Grow(width * 3)
		b.WriteString(strings.Repeat(" ", pad))
		floor := (rows - 1 - r) * 8 // eighths below this row
		for _, v := range values {
			b.WriteRune(blocks[cellLevel(v, hi, total, floor)])
		}
		out[r] = b.String()
	}
	return out
}

// cellLevel is how many eighths of the cell whose bottom is floor eighths
// up are filled by v.
func cellLevel(v, hi, total float64, floor int) int {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	level := 1 // the baseline, drawn for zero too
	if v > 0 && hi > 0 {
		level = max(int(math.Round(min(v/hi, 1)*total)), 1)
	}
	if floor > 0 && v == 0 {
		return 0
	}
	return min(max(level-floor, 0), 8)
}
