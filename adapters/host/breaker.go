package host

import "time"

// breaker is a consecutive-failure circuit breaker. After threshold failures
// in a row it opens for cooldown; then it lets one trial call through
// (half-open): a success closes it, a failure opens it again. Time is passed
// in. It is not safe for concurrent use; Plugin guards it.
type breaker struct {
	threshold int
	cooldown  time.Duration

	failures  int
	openUntil time.Time
	trial     bool // a half-open trial call is under way
}

// allow reports whether a call may go ahead at now, and if not, until when
// the breaker stays open.
func (b *breaker) allow(now time.Time) (bool, time.Time) {
	if b.failures < b.threshold {
		return true, time.Time{}
	}
	if now.Before(b.openUntil) || b.trial {
		return false, b.openUntil
	}
	b.trial = true
	return true, time.Time{}
}

func (b *breaker) success() {
	b.failures = 0
	b.trial = false
}

// failure records a failed call and reports whether the breaker (re)opened.
func (b *breaker) failure(now time.Time) bool {
	b.failures++
	b.trial = false
	if b.failures >= b.threshold {
		b.openUntil = now.Add(b.cooldown)
		return true
	}
	return false
}
