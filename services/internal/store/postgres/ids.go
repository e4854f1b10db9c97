package postgres

// validID reports whether id looks like a UUID in its canonical text form.
// Lookups answer ErrNotFound for anything else rather than letting Postgres
// reject the cast, so a malformed id in a URL is simply not found.
func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
