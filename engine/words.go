package engine

import (
	"github.com/archex/archex/card"
	"github.com/archex/archex/components/resource"
)

// ResourceOf is what c's service serves, in the words every component and
// front end uses: the card's serves, or the production card's products.
func ResourceOf(c *card.Card) resource.Resource {
	if c == nil || c.Serves == nil {
		return resource.Default
	}
	return resource.New(c.Serves.Resource, c.Serves.Plural, c.Serves.Field)
}
