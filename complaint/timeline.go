package complaint

import (
	"time"
	"unicode/utf8"
)

// Stage is one public stage of a ticket's progress as the customer sees it.
type Stage struct {
	Name string    `json:"name"` // English id: received, accepted, handling, replied, resolved, visited, closed
	ZH   string    `json:"zh"`   // Chinese label
	Done bool      `json:"done"`
	At   time.Time `json:"at,omitzero"` // when the stage was first reached
}

// Entry is one public line of the timeline.
type Entry struct {
	At    time.Time `json:"at"`
	Type  EventType `json:"type"`
	Title string    `json:"title"` // Chinese, customer-facing
	Text  string    `json:"text,omitempty"`
}

// Timeline is the customer-facing view of a ticket (DOMAIN.md R8): its public
// stages and entries. Internal notes, routing details, handler names, tags,
// deadlines and approvals are never in it; the subscriber number is masked.
type Timeline struct {
	Ticket     string  `json:"ticket"`
	Subscriber string  `json:"subscriber,omitempty"`
	Status     string  `json:"status"` // Chinese label of the current stage
	Stages     []Stage `json:"stages"`
	Entries    []Entry `json:"entries"`
	// Urges is how many times the customer urged (自助催单).
	Urges int `json:"urges"`
}

var stageDefs = []struct {
	name, zh string
	on       EventType
}{
	{"received", "已受理", EventReceived},
	{"handling", "处理中", EventDispatched},
	{"replied", "已答复", EventReplied},
	{"resolved", "已解决", EventResolved},
	{"visited", "已回访", EventVisited},
	{"closed", "已办结", EventClosed},
}

var publicTitles = map[EventType]string{
	EventReceived:    "您的诉求已受理",
	EventAccepted:    "工单已受理",
	EventDispatched:  "已派发至处理部门",
	EventTransferred: "已转派至相关部门",
	EventAssigned:    "专人处理中",
	EventContacted:   "工作人员已与您联系",
	EventUrged:       "您已催办",
	EventInfoAdded:   "您补充了信息",
	EventWaiting:     "等待您的回复",
	EventResumed:     "继续处理",
	EventReplied:     "已答复",
	EventEscalated:   "已提级处理",
	EventResolved:    "已解决",
	EventVisited:     "已回访",
	EventReopened:    "重新处理",
	EventClosed:      "已办结",
}

// PublicTimeline builds the customer-facing view of t from its events.
func PublicTimeline(t *Ticket, events []Event) Timeline {
	tl := Timeline{Ticket: t.ID, Subscriber: MaskSubscriber(t.Subscriber), Urges: t.UrgeCount}
	reached := map[EventType]time.Time{}
	for i := range events {
		e := &events[i]
		if _, seen := reached[e.Type]; !seen {
			reached[e.Type] = e.At
		}
		if e.Type == EventReopened {
			// A reopen starts the later stages again.
			for _, k := range []EventType{EventReplied, EventResolved, EventVisited, EventClosed} {
				delete(reached, k)
			}
		}
		if !e.Public() {
			continue
		}
		title, ok := publicTitles[e.Type]
		if !ok {
			continue
		}
		en := Entry{At: e.At, Type: e.Type, Title: title}
		switch e.Type {
		case EventReplied, EventInfoAdded, EventReopened:
			en.Text = e.Text
		case EventResolved:
			en.Text = e.Resolution.Outcome
		}
		tl.Entries = append(tl.Entries, en)
	}
	if at, ok := reached[EventTransferred]; ok {
		if _, d := reached[EventDispatched]; !d {
			reached[EventDispatched] = at
		}
	}
	tl.Status = "已受理"
	for _, sd := range stageDefs {
		at, ok := reached[sd.on]
		tl.Stages = append(tl.Stages, Stage{Name: sd.name, ZH: sd.zh, Done: ok, At: at})
		if ok {
			tl.Status = sd.zh
		}
	}
	if t.Status == StatusWaiting {
		tl.Status = "等待您的回复"
	}
	return tl
}

// MaskSubscriber hides the middle of a subscriber number for display:
// "13812345678" becomes "138****5678". Short numbers keep only their last
// character.
func MaskSubscriber(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	r := []rune(s)
	if n < 7 {
		out := make([]rune, n)
		for i := range out {
			out[i] = '*'
		}
		out[n-1] = r[n-1]
		return string(out)
	}
	keepHead, keepTail := 3, 4
	for i := keepHead; i < n-keepTail; i++ {
		r[i] = '*'
	}
	return string(r)
}
