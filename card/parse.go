package card

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Parse reads a card in YAML form. name is used in error messages.
func Parse(name string, data []byte) (*Card, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Card
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}
