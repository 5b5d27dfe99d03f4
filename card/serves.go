package card

import "regexp"

// word is what a resource, its plural and its field may be: one lower-case
// word of letters, digits and underscores, starting with a letter. They
// become a route, a cache key, a table and a column, so nothing else is
// let through.
var word = regexp.MustCompile(`^[a-z][a-z0-9_]{0,29}$`)

// checkServes checks what the service serves, when the card says.
func checkServes(c *Card, src source) *Error {
	sv := c.Serves
	if sv == nil {
		return nil
	}
	fix := "write serves: {resource: message, field: reactions}"
	if src.text {
		fix = `write the lines "Resource: message" and "Field: reactions"`
	}
	switch {
	case sv.Resource == "":
		return src.errorf(field("serves", "resource"), "serves names no resource (the noun of the routes, keys and table): %s", fix)
	case !word.MatchString(sv.Resource):
		return src.errorf(field("serves", "resource"), "resource %q is not one lower-case word of letters, digits or _ (at most 30), like message or short_link", sv.Resource)
	case sv.Plural != "" && !word.MatchString(sv.Plural):
		return src.errorf(field("serves", "plural"), "plural %q is not one lower-case word of letters, digits or _ (at most 30), like messages", sv.Plural)
	case sv.Plural == sv.Resource:
		return src.errorf(field("serves", "plural"), "plural %q is the resource itself: the table and the routes need the plural", sv.Plural)
	case sv.Field == "":
		return src.errorf(field("serves", "field"), "serves names no field (the number of a row a write sets): %s", fix)
	case !word.MatchString(sv.Field):
		return src.errorf(field("serves", "field"), "field %q is not one lower-case word of letters, digits or _ (at most 30), like reactions or price_cents", sv.Field)
	case sv.Field == "id" || sv.Field == "name":
		return src.errorf(field("serves", "field"), "field %q is taken: every row has an id and a name; name the number a write sets, like reactions", sv.Field)
	}
	return nil
}
