package challenge

import (
	_ "embed"
	"fmt"
)

//go:embed path.yaml
var shipped []byte

// ShippedFile is the name errors give the embedded path.
const ShippedFile = "challenge/path.yaml"

// Shipped is the path of challenges archex ships.
func Shipped() *Path {
	p, err := Parse(ShippedFile, shipped)
	if err != nil {
		// Embedded and tested: failing here means the build is broken.
		panic(fmt.Sprintf("embedded challenges: %v", err))
	}
	return p
}
