package host

import (
	"sync"
	"time"

	"github.com/kesu-go/kesu/adapters"
)

// profileCache caches CRM profiles, and the absence of unknown ids, with a
// TTL measured on the Plugin's clock. It holds at most max entries; when full
// it first drops expired entries, then arbitrary ones. Safe for concurrent use.
type profileCache struct {
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	p       adapters.Profile
	found   bool
	expires time.Time
}

func newProfileCache(ttl time.Duration, max int) *profileCache {
	return &profileCache{ttl: ttl, max: max, m: make(map[string]cacheEntry)}
}

// get returns the cached entry for id if it has not expired at now.
func (c *profileCache) get(id string, now time.Time) (cacheEntry, bool) {
	if c.ttl <= 0 {
		return cacheEntry{}, false
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *profileCache) put(id string, p adapters.Profile, found bool, now time.Time) {
	if c.ttl <= 0 || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; !ok && len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[id] = cacheEntry{p: p, found: found, expires: now.Add(c.ttl)}
}

func (c *profileCache) invalidate(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
