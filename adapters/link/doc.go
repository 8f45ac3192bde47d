// Package link wires kesu's adapter plugins (package
// github.com/kesu-go/kesu/adapters) into the engine's parts: the billing
// system carries out sanctions and gives customer bases, the outage monitor
// feeds outage correlation, and professional complainants' bills are
// checked every month.
//
// Every value here takes an adapters contract, so it works the same with a
// plugin launched by github.com/kesu-go/kesu/adapters/host, with the
// in-memory Fake of github.com/kesu-go/kesu/adapters/adaptertest, or with any
// other implementation. None of them calls a plugin per ticket: sanctions are
// carried out on Tick, subscriber counts are read when a scorecard is read
// (and cached), outages are polled on Tick, and the proactive check runs once
// a month.
//
// # Wiring
//
//	billing, _ := h.Launch(ctx, host.Config{Path: "./billing-plugin"})
//	crm, _ := h.Launch(ctx, host.Config{Path: "./crm-plugin"})
//
//	sanctions, _ := scoring.NewSanctions(scoring.SanctionsConfig{Journal: store, Sanctioner: link.Sanctioner(billing)})
//	book, _ := scoring.NewBook(policy, scoring.BookConfig{Subscribers: link.Subscribers(billing, link.SubscribersConfig{})})
//	mon, _ := warning.NewMonitor(ctx, warning.Options{Journal: store, Outages: link.Outages(crm, "", link.OutagesConfig{})})
//	check, _ := link.NewProactiveCheck(link.ProactiveConfig{Billing: billing, Journal: store,
//		Complainants: link.FromStore(store, crm)})
//	eng := kesu.New(kesu.Config{Store: store, Customers: crm, ...,
//		Observers: []kesu.Observer{book, sanctions, mon}, Tickers: []kesu.Ticker{sanctions, mon, check}})
//
// The CRM plugin itself (a *host.Plugin) is the engine's complaint.Customers:
// a CRM that is down never loses a ticket (the engine takes it with the
// profile-pending mark and enriches it on Tick when the CRM is back).
//
// # Sanctions
//
// Sanctioner maps scoring.Sanctioner onto Billing.SuspendPartner and
// Billing.TakeCodeOffline, keeping the decision's reason (and its id as the
// reference). A sanction without an end goes out as Indefinitely. Errors wrap
// the adapter's, so adapters.IsRetryable still tells a billing system that is
// down from a refused request; scoring.Sanctions keeps failed decisions
// queued and retries them with backoff.
//
// # Subscriber counts
//
// Subscribers answers scoring's per-10,000-customers bases from
// Billing.SubscriberCounts: the count at the period's end (the snapshot
// dated at the start of the next period, else the latest before it), summed
// over the units SubscribersConfig.Units maps a dimension and unit to. It is
// not an average. Answers are cached per dimension, unit and period.
//
// # Outages
//
// Outages turns the contract's region and time-range query into the polling
// warning.OutageSource: each poll asks for the outages around now and hands
// the Monitor only those new or changed since its last poll, stamped with
// the poll's time.
//
// # The proactive check (R29)
//
// ProactiveCheck is a kesu.Ticker. On the first Tick of a calendar month (in
// the policy zone, Asia/Shanghai by default; from ProactiveConfig.Day) it
// checks the previous month for every professional complainant the
// ComplainantSource lists (FromStore derives them from the store's tickets
// and the customers' profiles; ByID takes a list of ids): it reads each
// account's bills for the month and the months before, and its value-added
// subscriptions, and reports
//
//   - subscriptions without a consent record (RuleNoConsent), whose records
//     are no longer kept (RuleConsentExpired) or are kept less than the two
//     years R9 asks for (RuleConsentShort);
//   - charge lines from a partner or billing code the account had no
//     subscription for (RuleChargeWithoutSubscription);
//   - a bill total more than Rise percent above the average of the previous
//     bills (RuleBillAnomaly).
//
// Each Finding carries its evidence (customer, account, bill, line,
// subscription, amounts) and a reason. ProactiveConfig.Report receives them;
// Tickets makes a Report that opens one complaint ticket per finding through
// the engine (channel account-manager, category vas.unaware or
// billing.dispute, an external id derived from the finding, so taking it
// twice makes one ticket). The month is recorded as done in the journal
// stream "proactive/<yyyy-mm>" only when every customer was checked and the
// report succeeded; a customer whose calls failed is tried again on the next
// Tick, so nothing is lost and a restart does not redo a month.
package link
