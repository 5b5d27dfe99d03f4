package challenge

import (
	"testing"

	"go.uber.org/goleak"
)

// A dead cache leaves go-redis a dial retry that sleeps out its second
// after the client is closed, then ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
