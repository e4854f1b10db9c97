package postgres

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/solsec/platform/services/internal/store"
)

// Cursors are the sort key of a page's last row, JSON in URL-safe base64.
// They are opaque to clients; a cursor that does not decode is
// ErrInvalidInput rather than a silent first page.

func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Cursor keys are plain structs of strings, numbers and times.
		panic(fmt.Sprintf("encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return fmt.Errorf("%w: malformed cursor", store.ErrInvalidInput)
	}
	return nil
}

// pageSize applies the default and the cap.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return store.DefaultPageSize
	case limit > store.MaxPageSize:
		return store.MaxPageSize
	}
	return limit
}
