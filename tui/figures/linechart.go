package figures

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	tslc "github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"
)

// Line charts: a chart given at least lineRows rows is drawn as a braille
// line with its Y axis (its bottom and top values) by ntcharts; the charts
// share one time axis under the last, one column a second, so a spike in
// requests and the latency it causes line up.
const (
	lineRows = 3
	// yLabelWidth is the room of the Y axis' labels, the same for every
	// chart so that their time axes line up.
	yLabelWidth = 5
	// lineMinWidth is the narrowest panel that gets line charts.
	lineMinWidth = 30
)

// graphWidth is the columns of a line chart's plot: one a second.
func graphWidth(w int) int { return w - yLabelWidth - 1 }

// lineChart draws c as rows rows of braille, w cells wide, with its Y axis
// labelled at the bottom and the top; the labels and the axis in the muted
// style, the line in the chart's.
func (m *Model) lineChart(c chart, rows int) []string {
	gw := graphWidth(m.w)
	hi := niceTop(c)
	values := c.values
	if len(values) > gw {
		values = values[len(values)-gw:]
	}
	// One column a second, the newest at the right edge: second i of n is
	// at time i - n + 1, the right edge at 0.
	n := len(values)
	first, last := time.Unix(int64(-gw+1), 0), time.Unix(0, 0)
	unit := c.m.unit
	blank := strings.Repeat(" ", yLabelWidth)
	// ntcharts plots on the rows above its top one (which holds its top
	// label): one row more, dropped, and the labels written here.
	lc := tslc.New(m.w, rows+1,
		tslc.WithXYSteps(0, 1),
		tslc.WithYRange(0, hi),
		tslc.WithTimeRange(first, last),
		tslc.WithYLabelFormatter(func(int, float64) string { return blank }),
	)
	pushed := 0
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		lc.Push(tslc.TimePoint{Time: time.Unix(int64(i-n+1), 0), Value: min(v, hi)})
		pushed++
	}
	if pushed == 0 {
		lc.DrawXYAxisAndLabel() // DrawBraille draws nothing without data, not even the axis
	}
	lc.DrawBraille()
	lines := cells(&lc.Canvas)[1:]
	label := func(i int, v float64) {
		if r := []rune(lines[i]); len(r) >= yLabelWidth {
			lines[i] = padLeft(axisValue(v, unit), yLabelWidth) + string(r[yLabelWidth:])
		}
	}
	label(0, hi)
	label(len(lines)-1, 0)
	style := c.m.style(m.st)
	for i, l := range lines {
		r := []rune(l)
		cut := min(yLabelWidth+1, len(r))
		lines[i] = m.st.Muted.Render(string(r[:cut])) + style.Render(strings.TrimRight(string(r[cut:]), " "))
	}
	return lines
}

// timeAxis is the shared time axis under line charts: the axis line, and
// how long ago its ends and middle are.
//
//	└──────────────────────────────
//	 -60s         -30s          now
func (m *Model) timeAxis() []string {
	gw := graphWidth(m.w)
	axis := strings.Repeat(" ", yLabelWidth) + "└" + strings.Repeat("─", gw)
	left, mid, right := "-"+strconv.Itoa(gw)+"s", "-"+strconv.Itoa(gw/2)+"s", "now"
	labels := []rune(strings.Repeat(" ", yLabelWidth+1+gw))
	put := func(at int, s string) {
		for i, r := range s {
			if at+i >= 0 && at+i < len(labels) {
				labels[at+i] = r
			}
		}
	}
	put(yLabelWidth+1, left)
	put(yLabelWidth+1+gw/2-len(mid)/2, mid)
	put(len(labels)-len(right), right)
	return []string{m.st.Muted.Render(axis), m.st.Muted.Render(strings.TrimRight(string(labels), " "))}
}

// niceTop is the top of a chart's scale: its fixed one, or a round number
// at or above its largest value (1, 2, 2.5 or 5 times a power of ten).
func niceTop(c chart) float64 {
	if c.m.hi > 0 {
		return c.m.hi
	}
	if c.hi <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(c.hi)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= c.hi {
			return f * p
		}
	}
	return 10 * p
}

// axisValue writes a value of the Y axis short: "100%", "15ms", "2.5k".
func axisValue(v float64, unit string) string {
	switch {
	case unit == "%":
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	case unit == " ms" && v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + "s"
	case unit == " ms" && v < 10 && v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	case unit == " ms":
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	case v >= 10000:
		return strconv.FormatFloat(v/1000, 'f', 0, 64) + "k"
	case v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// cells reads a canvas's runes as lines: what its View would show without
// styling every cell (the styles are put on here, a run at a time).
func cells(c *canvas.Model) []string {
	out := make([]string, c.Height())
	row := make([]rune, c.Width())
	for y := range out {
		for x := range row {
			row[x] = c.Cell(canvas.Point{X: x, Y: y}).Rune
			if row[x] == 0 {
				row[x] = ' '
			}
		}
		out[y] = string(row)
	}
	return out
}
