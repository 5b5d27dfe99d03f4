package serve

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// codeWords are short words that read and spell easily off a projector:
// no two alike, none that sounds like another.
var codeWords = strings.Fields(`
	acorn amber apple arrow aspen badge bagel basil beach berry birch bison
	blaze bloom brave breeze brook cabin cactus camel candle canoe cedar cherry
	cider cliff clover cobalt comet coral cotton crane daisy delta desert dove
	eagle ember falcon fern fig flame flint forest fox frost garnet ginger
	glade grape gravel harbor hazel heron honey iris ivory jade jasmine juniper
	kayak kettle kiwi koala lagoon lantern lemon lilac lime linen lotus lynx
	maple meadow melon mint moss nectar nutmeg oak oasis olive onyx orbit
	orchid otter owl panda peach pebble pepper pine plum pony quartz quill
	rabbit raven reef river robin saffron sage salmon satin spruce squid
	summit swan thistle tiger topaz tulip tundra valley velvet violet walnut
	willow wren yak zebra anchor bamboo beacon cocoa dune fable galaxy harp
	igloo mango nova pearl prairie ripple sequoia sparrow
`)

// newCode makes a random code of words words and two digits, such as
// "plum-otter-42", from the system's secure random source.
func newCode(words int) (string, error) {
	parts := make([]string, 0, words+1)
	for range words {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(codeWords))))
		if err != nil {
			return "", fmt.Errorf("no random code: %w", err)
		}
		parts = append(parts, codeWords[i.Int64()])
	}
	n, err := rand.Int(rand.Reader, big.NewInt(90))
	if err != nil {
		return "", fmt.Errorf("no random code: %w", err)
	}
	return strings.Join(append(parts, fmt.Sprint(10+n.Int64())), "-"), nil
}

// NewClassCode is a random class code: two words and two digits.
func NewClassCode() (string, error) { return newCode(2) }

// NewPresenterCode is a random presenter code: three words and two digits,
// so that guessing it is a great deal harder than guessing the class's.
func NewPresenterCode() (string, error) { return newCode(3) }
