package experiment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/archex/archex/quiz"
)

// count writes n with thousands separators: 1,840.
func count[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate writes a per-second figure: 31, 1,840.
func rate(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return count(int64(math.Round(x)))
}

// ms writes a latency: 3.4 ms, 51 ms.
func ms(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case x < 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + " ms"
	default:
		return strconv.FormatFloat(x, 'f', 0, 64) + " ms"
	}
}

// percent writes a ratio as a percentage: 81%, 0.4%.
func percent(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case x > 0 && x < 0.01:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(100*x, 'f', 0, 64) + "%"
	}
}

// secs writes a duration in seconds: 5.9 s.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

// failedCount writes "3 of 812 requests failed".
func failedCount(p Phase) string {
	if p.Answered() == 0 {
		return "no request was answered"
	}
	return fmt.Sprintf("%s of %s requests failed", count(p.Failed), count(p.Answered()))
}

// failedOf writes "3 of 812 requests failed (0.4%)".
func failedOf(p Phase) string {
	if p.Answered() == 0 {
		return "no request was answered"
	}
	return fmt.Sprintf("%s of %s requests failed (%s)", count(p.Failed), count(p.Answered()), percent(p.FailRatio()))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// num writes a figure for a sentence of arithmetic, as the quiz writes
// numbers: 177, 2.4, 0.13.
func num(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	if math.Abs(x) >= 1000 {
		return count(int64(math.Round(x)))
	}
	switch {
	case math.Abs(x) >= 20:
		return strconv.FormatFloat(math.Round(x), 'f', -1, 64)
	case math.Abs(x) >= 1:
		return quiz.Number(math.Round(10*x) / 10)
	}
	return quiz.Number(x)
}

// pct writes a ratio as the quiz writes a share: 87 %, 0.4 %.
func pct(x float64) string { return strings.Replace(percent(x), "%", " %", 1) }

// ratio writes a ratio as a decimal for arithmetic: 0.13.
func ratio(x float64) string { return strconv.FormatFloat(math.Round(100*x)/100, 'f', -1, 64) }

// gap says how far measured is from expected, in words: "14 % below",
// "6 % above", "as expected" (within 5 %).
func gap(measured, expected float64) string {
	if expected == 0 || math.IsNaN(expected) || math.IsNaN(measured) {
		return ""
	}
	d := (measured - expected) / expected
	switch {
	case math.Abs(d) <= 0.05:
		return "as expected"
	case d < 0:
		return fmt.Sprintf("%.0f %% below", -100*d)
	default:
		return fmt.Sprintf("%.0f %% above", 100*d)
	}
}
