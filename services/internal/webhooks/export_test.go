package webhooks

import "time"

// SetFollowRetry shortens Follow's retry interval for a test and returns a
// function that restores it.
func SetFollowRetry(d time.Duration) func() {
	old := followRetry
	followRetry = d
	return func() { followRetry = old }
}
