package lesson

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/archex/archex/engine"
)

func TestParseTheExample(t *testing.T) {
	data, err := os.ReadFile("testdata/cache.lesson")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse("cache.lesson", data)
	if err != nil {
		t.Fatal(err)
	}
	if l.Title != "What a cache is for" || l.Card != "production" || l.CardLine != 4 {
		t.Errorf("title %q, card %q at line %d", l.Title, l.Card, l.CardLine)
	}
	var got []string
	for _, c := range l.Cues {
		s := c.At.String() + " " + c.Kind.String()
		switch c.Kind {
		case Fault:
			s += " " + c.Fault.Action + " " + c.Fault.Target + c.Fault.Value + " @" + c.Fault.At.String()
		case Pause:
			s += " " + c.For.String()
		}
		got = append(got, s)
	}
	want := []string{"0s caption", "3s step", "15s fault kill cache @15s", "15s caption", "30s pause 5s", "30s caption",
		"30s fault revive cache @30s", "50s fault rate 100 @50s", "50s caption", "1m0s end"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("cues\n got %s\nwant %s", strings.Join(got, "; "), strings.Join(want, "; "))
	}
	if l.Length() != time.Minute || len(l.Faults()) != 3 || l.WaitsForKey() != nil {
		t.Errorf("length %v, %d faults, waits for a key: %v", l.Length(), len(l.Faults()), l.WaitsForKey())
	}
	if c := l.Cues[2]; c.Line != 8 || c.Text != "kill cache" || c.Fault.Text != "kill cache" {
		t.Errorf("the kill's line %d, text %q, fault text %q", c.Line, c.Text, c.Fault.Text)
	}
	if c := l.Cues[0]; !strings.HasPrefix(c.Text, "Every read asks the cache first;") {
		t.Errorf("the first caption is %q", c.Text)
	}
}

func TestParseForms(t *testing.T) {
	for _, tc := range []struct{ name, in, check string }{
		{"comments, blanks and tabs", "# a comment\n\n\t  # indented comment\n0s\tcaption  Hello  there \n1m30s end\n", "caption:Hello  there"},
		{"a card name of several words", "card news-feed\n0s step\n1s end\n", "card:news-feed"},
		{"a quoted card component", "0s kill \"Feed Cache\"\n2s end\n", "fault:Feed Cache"},
		{"fractions of a second", "0.5s step\n1.5s end\n", "step"},
		{"a pause for the presenter", "0s pause\n10s end\n", "waits"},
		{"caption with # and @", "0s caption Issue #1 @ the cache\n1s end\n", "caption:Issue #1 @ the cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse("x.lesson", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			c := l.Cues[0]
			switch kind, want, _ := strings.Cut(tc.check, ":"); kind {
			case "caption":
				if c.Kind != Caption || c.Text != want {
					t.Errorf("cue %+v", c)
				}
			case "card":
				if l.Card != want {
					t.Errorf("card %q", l.Card)
				}
			case "fault":
				if c.Kind != Fault || c.Fault.Target != want {
					t.Errorf("cue %+v", c)
				}
			case "step":
				if c.Kind != Step || c.At != 500*time.Millisecond {
					t.Errorf("cue %+v", c)
				}
			case "waits":
				if w := l.WaitsForKey(); w == nil || w.Line != 1 {
					t.Errorf("WaitsForKey %v", w)
				}
			}
		})
	}
}

// Every mistake is one line naming the file and the line, and saying what
// to write instead.
func TestParseErrors(t *testing.T) {
	long := strings.Repeat("x", MaxCaption+1)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "x.lesson: no timed lines: write at least one"},
		{"only comments", "# nothing\n", "x.lesson: no timed lines"},
		{"no end", "0s step\n12s kill cache\n", "x.lesson:2: the lesson has no end: finish it with a line like 20s end"},
		{"a line after the end", "0s step\n5s end\n6s step\n", "x.lesson:3: a line after the end (line 2): end is the last line"},
		{"an end at 0s", "0s end\n", "x.lesson:1: the end is at 0s"},
		{"no time", "kill cache\n5s end\n", `x.lesson:1: "kill": a line starts with a time (0s, 1m30s), then caption TEXT, step, pause`},
		{"a time with no unit", "5 kill cache\n6s end\n", `x.lesson:1: "5": a line starts with a time`},
		{"a negative time", "-1s step\n5s end\n", "x.lesson:1: time -1s is before the start"},
		{"time going back", "10s step\n5s step\n20s end\n", "x.lesson:2: time 5s comes before the line above's 10s: times never go back"},
		{"too long", "3h end\n", "x.lesson:1: time 3h is past 2h0m0s"},
		{"nothing after the time", "5s\n6s end\n", "x.lesson:1: nothing after the time: write caption TEXT"},
		{"unknown action", "5s kil cache\n6s end\n", `x.lesson:1: unknown action "kil": write caption TEXT, step, pause, pause 10s, end, or a fault as archex run --fault takes it without its @`},
		{"a fault without its target", "5s kill\n6s end\n", `x.lesson:1: "kill": kill takes a component`},
		{"a bad slow", "5s slow database fast\n6s end\n", `x.lesson:1: "slow database fast": "fast" is not a duration like 20ms`},
		{"a bad fail rate", "5s fail cache 2\n6s end\n", `x.lesson:1: "fail cache 2": fail rate "2": give a fraction from 0 to 1`},
		{"a bad rate", "5s rate lots\n6s end\n", `x.lesson:1: "rate lots": rate "lots" is not a number`},
		{"a time inside a fault", "5s kill cache @3s\n6s end\n", `x.lesson:1: "kill cache @3s": in a lesson the time comes first, at the start of the line: write 3s kill cache`},
		{"an empty caption", "5s caption\n6s end\n", "x.lesson:1: a caption needs its text"},
		{"a long caption", "5s caption " + long + "\n6s end\n", "x.lesson:1: a caption of 161 characters: keep it to 160"},
		{"step with words", "5s step twice\n6s end\n", `x.lesson:1: step takes nothing after it (it sends one request and narrates it): "twice"`},
		{"a bad pause", "5s pause a bit\n6s end\n", `x.lesson:1: pause "a bit": give a duration such as 10s`},
		{"a zero pause", "5s pause 0s\n6s end\n", `x.lesson:1: pause "0s": give a duration`},
		{"end with words", "5s end now\n", `x.lesson:1: end takes nothing after it: "now"`},
		{"a title after a cue", "0s step\ntitle Late\n5s end\n", "x.lesson:2: title comes before the first timed line"},
		{"two titles", "title A\ntitle B\n5s end\n", "x.lesson:2: a second title"},
		{"two cards", "card chat\ncard production\n5s end\n", "x.lesson:2: a second card (first at line 1)"},
		{"a card without a name", "card\n5s end\n", "x.lesson:1: card needs a value"},
		{"a control character", "0s caption bell\a\n5s end\n", "x.lesson:1: a control character (U+0007)"},
		{"not UTF-8", "0s caption \xff\n5s end\n", "x.lesson: not UTF-8 text"},
		{"too large", strings.Repeat("# padding\n", MaxFileSize/10+1), "x.lesson: 65540 bytes: a lesson is at most 64 KiB"},
		{"a long line", "0s caption " + strings.Repeat("y", maxLineLength) + "\n5s end\n", "x.lesson:1: a line of 1011 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.lesson", []byte(tc.in))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.in)
			}
			if got := err.Error(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("error\n got %s\nwant %s...", got, tc.want)
			}
			if strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
				t.Errorf("not one short line: %q", err.Error())
			}
		})
	}
}

// --fault's faults become a lesson with no end, in time order, those at
// one time in the order given.
func TestFromFaults(t *testing.T) {
	var faults []engine.Fault
	for _, s := range []string{"revive cache @12s", "kill cache @5s", "slow database 20ms @5s"} {
		f, err := engine.ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		faults = append(faults, f)
	}
	l := FromFaults(faults)
	var got []string
	for _, c := range l.Cues {
		got = append(got, c.At.String()+" "+c.Text)
	}
	if want := "5s kill cache @5s; 5s slow database 20ms @5s; 12s revive cache @12s"; strings.Join(got, "; ") != want {
		t.Errorf("cues %s, want %s", strings.Join(got, "; "), want)
	}
	if l.Length() != 12*time.Second {
		t.Errorf("length %v", l.Length())
	}
}
