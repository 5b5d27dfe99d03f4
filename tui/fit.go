package tui

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/archex/archex/tui/diagram"
)

// piece is a part of a box's line: its text, a shorter form (alt, may be
// empty) and how much it matters (prio 0 most: never dropped).
type piece struct {
	text, alt string
	ink       diagram.Ink
	prio      int
}

// fitPieces lays pieces out in w cells, sep between them, in their order.
// Short of room, pieces take their shorter forms (the least important
// first), then the least important is left out, and so on: a line loses its details,
// never the word that says what is wrong ("slowed +…" cannot happen: the
// note comes first and the figures after it give way). What is left of
// prio 0 is cut by the canvas, with an ellipsis. Empty pieces are skipped.
func fitPieces(pieces []piece, w int, sep string) []diagram.Span {
	kept := make([]piece, 0, len(pieces))
	for _, p := range pieces {
		if p.text != "" {
			kept = append(kept, p)
		}
	}
	width := func() int {
		n := 0
		for i, p := range kept {
			if i > 0 {
				n += len(sep)
			}
			n += ansi.StringWidth(p.text)
		}
		return n
	}
	for width() > w {
		// Shorter forms first, the least important's first; then the
		// least important piece goes.
		if i := leastImportant(kept, func(p piece) bool { return p.alt != "" }); i >= 0 {
			kept[i].text, kept[i].alt = kept[i].alt, ""
			continue
		}
		i := leastImportant(kept, func(p piece) bool { return p.prio > 0 })
		switch {
		case i < 0:
			return spansOf(kept, sep)
		case i == len(kept)-1 && w-(width()-ansi.StringWidth(kept[i].text)) >= minCut+len(sep):
			// The last piece, with room for its first words: cut rather
			// than lost.
			room := w - (width() - ansi.StringWidth(kept[i].text))
			kept[i].text = ansi.Truncate(kept[i].text, room, "…")
			return spansOf(kept, sep)
		default:
			kept = append(kept[:i], kept[i+1:]...)
		}
	}
	return spansOf(kept, sep)
}

func spansOf(kept []piece, sep string) []diagram.Span {
	out := make([]diagram.Span, 0, len(kept))
	for i, p := range kept {
		text := p.text
		if i > 0 {
			text = sep + text
		}
		out = append(out, diagram.Span{Text: text, Ink: p.ink})
	}
	return out
}

// minCut is the fewest cells a cut piece keeps.
const minCut = 8

// leastImportant is the index of the piece with the highest prio among
// those ok takes, the last of them on a tie; -1 when none.
func leastImportant(pieces []piece, ok func(piece) bool) int {
	best := -1
	for i, p := range pieces {
		if ok(p) && (best < 0 || p.prio >= pieces[best].prio) {
			best = i
		}
	}
	return best
}
