// Package complaint is kesu's shared vocabulary: the complaint ticket, its
// events and lifecycle, customers, the category and region taxonomies, the
// customer-facing timeline and the Store interface with an in-memory
// implementation. Every other kesu package speaks in its types.
//
// # Tickets are folds of events
//
// Everything that happens to a ticket is an Event (received, accepted,
// dispatched, assigned, transferred, urged, information added, internal note,
// replied, waiting on the customer, resumed, escalated, resolved, return visit,
// reopened, closed, merged into a problem…). Apply folds one event into a
// ticket and is the whole lifecycle: it refuses a step the lifecycle does not
// allow with a *TransitionError naming the status, the event and what would
// have been allowed (errors.Is(err, ErrInvalidTransition)). Fold rebuilds a
// ticket from its events; a stored ticket always equals the fold of its
// stored events.
//
// # Lifecycle
//
//	received ─accepted→ accepted ─dispatched→ dispatched ─assigned→ handling
//	handling ─waiting→ waiting ─resumed / info-added→ handling
//	handling ─replied→ replied ─resolved→ resolved ─visited→ visited ─closed→ closed
//	resolved / visited / closed ─reopened→ handling (or dispatched when unassigned)
//	dispatched / handling / waiting ─transferred→ dispatched
//
// Tagging, notes and merging into a problem are allowed in every status;
// urging, adding information, approvals, deadlines and escalation in every
// open status. Allowed lists what a status allows.
//
// # Codes
//
// Categories and regions are hierarchical dot-separated codes ("vas.unaware",
// "gd.gz.th.s01"), so ancestor tests (Under) and roll-ups (Truncate) need no
// lookup. Taxonomy gives them Chinese and English labels; CarrierCategories,
// UtilityCategories and SampleRegions are presets.
//
// # Errors
//
// Sentinels callers branch on: ErrNotFound, ErrConflict (optimistic
// concurrency), ErrDuplicate (idempotent intake), ErrInvalidTransition and
// ErrInvalid. Bad input gets a *ValidationError listing every problem at once,
// each with its field path.
package complaint
