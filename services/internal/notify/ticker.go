package notify

import "time"

// newTicker is time.NewTicker; a variable so that nothing else in the
// package reaches for the clock directly.
var newTicker = time.NewTicker
