package serve

import (
	"strings"
	"testing"
	"time"
)

func TestJoinAndLeave(t *testing.T) {
	c := startClass(t, 5)
	p := c.mustJoin("teacher", presenterCode, 120, 40)
	p.mustSee(5*time.Second, "join: ssh -p", "class code "+classCode, "waiting for students")
	a := c.mustJoin("alice", classCode, 80, 24)
	a.mustSee(5*time.Second, "you are alice", "1 student")
	p.mustSee(2*time.Second, "1 student", "alice")
	a.press("q")
	if err := a.wait(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	if s := a.screen(); !strings.Contains(s, "you have left the class") {
		t.Errorf("goodbye: %s", s)
	}
	p.mustSee(2*time.Second, "0 students")
}
