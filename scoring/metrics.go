package scoring

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes a Book's counts to Prometheus: events observed, facts
// counted by fact name, and units kept by dimension. Labels are
// low-cardinality (fact and dimension names, never units or tickets). It
// reads the Book when scraped and is safe for concurrent use.
type Collector struct {
	b      *Book
	events *prometheus.Desc
	facts  *prometheus.Desc
	units  *prometheus.Desc
}

// NewCollector registers a collector for b on reg and returns it. It fails
// when reg refuses it (e.g. already registered).
func NewCollector(b *Book, reg prometheus.Registerer) (*Collector, error) {
	c := &Collector{
		b:      b,
		events: prometheus.NewDesc("kesu_scoring_events_total", "Events observed by the scoring book.", nil, nil),
		facts:  prometheus.NewDesc("kesu_scoring_facts_total", "Facts counted by the scoring book, by fact.", []string{"fact"}, nil),
		units:  prometheus.NewDesc("kesu_scoring_units", "Units kept by the scoring book, by dimension.", []string{"dimension"}, nil),
	}
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.events
	ch <- c.facts
	ch <- c.units
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.b.Stats()
	ch <- prometheus.MustNewConstMetric(c.events, prometheus.CounterValue, float64(st.Events))
	for f := Fact(1); f < nFacts; f++ {
		ch <- prometheus.MustNewConstMetric(c.facts, prometheus.CounterValue, float64(st.Facts[f.String()]), f.String())
	}
	for _, d := range c.b.Dimensions() {
		ch <- prometheus.MustNewConstMetric(c.units, prometheus.GaugeValue, float64(st.Units[d]), d)
	}
}
