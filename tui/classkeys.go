package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// ClassKeyMap is the keys of a class (archex serve): the presenter's polls
// and controls, a student's answers. They are upper case, apart from the
// dashboard's own keys.
type ClassKeyMap struct {
	Answer                                              key.Binding // a student: A-D
	Poll, Lock, Revote, Reveal, Peek, Controls, Summary key.Binding // the presenter
}

// DefaultClassKeyMap returns the class's keys.
func DefaultClassKeyMap() ClassKeyMap {
	b := func(k, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(k), key.WithHelp(help, desc))
	}
	return ClassKeyMap{
		Answer:   key.NewBinding(key.WithKeys("A", "B", "C", "D"), key.WithHelp("A-D", "answer the poll")),
		Poll:     b("P", "P", "poll: open the next question"),
		Lock:     b("L", "L", "lock/unlock the answers"),
		Revote:   b("V", "V", "second vote, after discussion"),
		Reveal:   b("R", "R", "reveal: answers, right answer, experiment"),
		Peek:     b("O", "O", "see the answers so far (only you)"),
		Controls: b("G", "G", "give the controls to a student/take them back"),
		Summary:  b("E", "E", "class summary"),
	}
}

// all is every binding, for the tests.
func (k ClassKeyMap) all() []key.Binding {
	return []key.Binding{k.Answer, k.Poll, k.Lock, k.Revote, k.Reveal, k.Peek, k.Controls, k.Summary}
}

// classHelp is the help of a dashboard in a class: the class's keys first,
// then the dashboard's (those this member may not use are disabled, so the
// help leaves them out).
type classHelp struct {
	dash  KeyMap
	class ClassKeyMap
}

func (h classHelp) ShortHelp() []key.Binding {
	d, c := h.dash, h.class
	return []key.Binding{c.Answer, c.Poll, c.Reveal, d.Step, d.Failure, d.Panel, d.Theme, d.Help, d.Quit}
}

func (h classHelp) FullHelp() [][]key.Binding {
	c := h.class
	return append([][]key.Binding{{c.Answer, c.Poll, c.Lock, c.Revote, c.Reveal, c.Peek, c.Controls, c.Summary}},
		h.dash.FullHelp()...)
}

// helpKeys is what the help shows: the front end's own keys (a
// challenge's), the dashboard's, and the class's in a class; while step
// mode tells a request, the footer offers its keys.
func (m *Model) helpKeys() help.KeyMap {
	if m.stepKeys && !m.showHelp {
		return stepHelp{m.keys} // a request is being told
	}
	var keys help.KeyMap = m.keys
	if m.cls != nil {
		keys = classHelp{dash: m.keys, class: m.cls.keys}
	}
	if len(m.opts.Keys) > 0 {
		keys = withKeys{keys, m.opts.Keys}
	}
	return keys
}

// withKeys is a key map with more keys: first in the line at the bottom,
// a column of their own in the help.
type withKeys struct {
	help.KeyMap
	extra []key.Binding
}

func (k withKeys) ShortHelp() []key.Binding {
	return append(slices.Clone(k.extra), k.KeyMap.ShortHelp()...)
}

func (k withKeys) FullHelp() [][]key.Binding {
	return append([][]key.Binding{k.extra}, k.KeyMap.FullHelp()...)
}
