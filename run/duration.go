package run

import (
	"fmt"
	"time"
)

// RoundDuration writes a time to the precision it needs: milliseconds
// under a second (microseconds under one), where tenths of a second wrote
// a run or a study's cell of 0.03 s as "in 0.0s"; tenths under a minute;
// then seconds, and minutes from an hour.
func RoundDuration(t time.Duration) string {
	switch {
	case t < time.Millisecond:
		return t.Round(time.Microsecond).String()
	case t.Round(time.Millisecond) < time.Second:
		return t.Round(time.Millisecond).String()
	case t < time.Minute:
		return fmt.Sprintf("%.1fs", t.Seconds())
	case t < time.Hour:
		return t.Round(time.Second).String()
	}
	return t.Round(time.Minute).String()
}

// roundSeconds is RoundDuration of a time in seconds.
func roundSeconds(s float64) string { return RoundDuration(time.Duration(s * float64(time.Second))) }
