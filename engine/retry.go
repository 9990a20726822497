package engine

import "time"

// retryTransient runs op until it succeeds, fails with an error transient
// does not accept, or budget has passed since the first try, waiting a
// little longer each time (1 ms doubling, at most 100 ms); it returns op's
// last error.
func retryTransient(op func() error, transient func(error) bool, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	wait := time.Millisecond
	for {
		err := op()
		if err == nil || !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 100*time.Millisecond)
	}
}
